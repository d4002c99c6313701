// Decisions 306, 312: escalation-timer and escalate give every AWS call up with ESCALATION_CALL_RESERVE_MS of the
// invocation left and let the writes that record a delivery or give its claim back run until ESCALATION_RECORD_RESERVE_MS
// left (named TIMER_* until decision 325). Those reserves were set for a 60 s timeout: 52 s for the work, 6 s to record
// what went out, 2 s to answer. Decision 31 (review 20b R20-24, decision 330): every function's timeout, with a margin,
// stays under the claim lease its configuration gives it. Functions are read from the synthesized production stacks, not
// from the sizing table, so a timeout changed anywhere is caught here.
import { App } from 'aws-cdk-lib';
import { buildRunbookApp } from '../../infra/lib/app';
import { CLEANUP_FUNCTION_NAME } from '../../infra/lib/constructs/document-version-cleanup';
import { ENSURE_LOG_GROUPS_FUNCTION_NAME } from '../../infra/lib/constructs/watched-log-groups';
import { assertLeaseCoversTimeouts, functionNameOf, sizingOf } from '../../infra/lib/settings';
import { CLAIM_LEASE_MARGIN_SECONDS, MIN_CLAIM_LEASE_SECONDS } from '../../shared/config/claim-lease';
import { loadRuntimeConfig } from '../../shared/config/load-config';
import { ConfigurationError } from '../../shared/errors';
import { ESCALATION_CALL_RESERVE_MS, ESCALATION_RECORD_RESERVE_MS } from '../../shared/escalation/timer-deadline';
import { SWEEP_RESERVE_MS, VERIFY_CALL_RESERVE_MS, VERIFY_RECORD_RESERVE_MS } from '../../shared/config/automation-health';
import { resourcesOfType, ROOT_DIR, synthesizeApp } from './support/synth';

let timeoutsByRegion: Record<string, Record<string, number>>;
let leaseSeconds: number;
/** Functions that are not handlers (a custom resource's): they take no claim. */
let others: Set<string>;

beforeAll(() => {
  const synthesized = synthesizeApp({ environment: 'production', account: '123456789012' }, { cfnValidation: false });
  leaseSeconds = synthesized.built.config.claimLeaseSeconds;
  const handlerFunctions = new Set(synthesized.built.handlers.map((handler) => functionNameOf(handler.name)));
  timeoutsByRegion = {};
  others = new Set();
  for (const [name, template] of synthesized.json) {
    const region = /us-(east|west)-\d/.exec(name)?.[0] ?? name;
    const functions = resourcesOfType(template, 'AWS::Lambda::Function').map(([id, f]): [string, number] => [String(f.Properties?.FunctionName ?? id), Number(f.Properties?.Timeout)]);
    timeoutsByRegion[region] = Object.fromEntries(functions.filter(([fn]) => handlerFunctions.has(fn)));
    for (const [fn] of functions) if (!handlerFunctions.has(fn)) others.add(fn);
  }
  synthesized.dispose();
});

describe('the escalation functions\' timeout and the deadline reserves (decisions 306, 312)', () => {
  it.each(['escalate', 'escalation-timer'])('%s has the 60 s the reserves were set for: 52 s of work, then 6 s to record what went out, 2 s to answer', (handler) => {
    const timeout = timeoutsByRegion['us-east-1']?.[`notification-runbooks-${handler}`];
    expect(timeout).toBe(60);
    const timeoutMs = Number(timeout) * 1000;
    expect([timeoutMs - ESCALATION_CALL_RESERVE_MS, ESCALATION_CALL_RESERVE_MS - ESCALATION_RECORD_RESERVE_MS, ESCALATION_RECORD_RESERVE_MS]).toEqual([52_000, 6_000, 2_000]);
  });
});

describe('verify-change\'s timeout and its sweep\'s deadline reserves (review 20d R20-64, decision 346)', () => {
  it('verify-change has the 60 s they were set for: a check starts with more than 20 s left, its calls end at 8 s left (12 s at least), its claim is given back until 2 s left', () => {
    const timeout = timeoutsByRegion['us-east-1']?.['notification-runbooks-verify-change'];
    expect(timeout).toBe(60);
    expect([Number(timeout) * 1000 - VERIFY_CALL_RESERVE_MS, SWEEP_RESERVE_MS - VERIFY_CALL_RESERVE_MS, VERIFY_CALL_RESERVE_MS - VERIFY_RECORD_RESERVE_MS, VERIFY_RECORD_RESERVE_MS]).toEqual([52_000, 12_000, 6_000, 2_000]);
  });
});

describe('every function\'s timeout and the claim lease (decision 31; review 20b R20-24)', () => {
  it('every function of both production regions runs at most 120 s (scale-up-database), 10 s and more under the 150 s lease', () => {
    expect(Object.keys(timeoutsByRegion).sort()).toEqual(['us-east-1', 'us-west-2']);
    expect(leaseSeconds).toBe(150);
    // The other functions are the CloudFormation custom resources, which take no claim: the document-version cleanup
    // (300 s) and the watched log groups' (60 s; review 22a, R22a-5).
    expect([...others].sort()).toEqual([CLEANUP_FUNCTION_NAME, ENSURE_LOG_GROUPS_FUNCTION_NAME].sort());
    for (const timeouts of Object.values(timeoutsByRegion)) {
      expect(Object.keys(timeouts).length).toBeGreaterThan(0);
      const longest = Math.max(...Object.values(timeouts));
      expect(longest).toBe(120);
      expect(Object.entries(timeouts).filter(([, t]) => t === longest).map(([name]) => name)).toEqual(['notification-runbooks-scale-up-database']);
      // Each one: timeout + margin within the lease (the longest leaves exactly 150 - 120 - 10 = 20 s).
      expect(Object.entries(timeouts).filter(([, t]) => t + CLAIM_LEASE_MARGIN_SECONDS > leaseSeconds)).toEqual([]);
      expect(leaseSeconds - longest - CLAIM_LEASE_MARGIN_SECONDS).toBe(20);
    }
  });

  it('synth refuses a handler whose timeout with the margin passes the lease, naming it and both figures; the boundary fits', () => {
    const handlers = ['escalate', 'scale-up-database'];
    const raised = (seconds: number) => (handler: string) => (handler === 'scale-up-database' ? { ...sizingOf(handler), timeoutSeconds: seconds } : sizingOf(handler));
    let refused: unknown;
    try {
      assertLeaseCoversTimeouts(150, handlers, raised(141));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect((refused as ConfigurationError).issues).toEqual(['notification-runbooks-scale-up-database: Lambda timeout 141 s + 10 s margin passes claimLeaseSeconds 150']);
    expect(() => assertLeaseCoversTimeouts(150, handlers, raised(140))).not.toThrow();
    expect(() => assertLeaseCoversTimeouts(150, handlers)).not.toThrow();
  });

  function synthRefusal(config: unknown): unknown {
    const app = new App({ context: { config: JSON.stringify(config), environment: 'production' } });
    try {
      buildRunbookApp(app, { rootDir: ROOT_DIR, nag: false, handlers: [] });
    } catch (error) {
      return error;
    }
    return undefined;
  }

  it.each([30, 120, MIN_CLAIM_LEASE_SECONDS - 1])('a configured lease of %i s is refused at synth and by a handler at start, naming the field and why', (lease) => {
    const why = 'must be at least 130 s: the longest handler timeout (120 s) and a 10 s margin, so no retry takes over a claim whose holder is still running';
    const atSynth = synthRefusal({ claimLeaseSeconds: lease });
    expect(atSynth).toBeInstanceOf(ConfigurationError);
    expect((atSynth as ConfigurationError).issues).toEqual([`claimLeaseSeconds: ${why}`]);
    expect(() => loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', RUNBOOK_CONFIG_JSON: JSON.stringify({ claimLeaseSeconds: lease }) })).toThrow(ConfigurationError);
  });

  it('a lease of exactly 130 s synthesizes (the refusals above are the lease\'s)', () => {
    expect(MIN_CLAIM_LEASE_SECONDS).toBe(130);
    expect(synthRefusal({ claimLeaseSeconds: 130 })).toBeUndefined();
  });
});
