// Table-driven tests of the pure guardrails: environment mode, dry run, kill switch, cooldown, hourly budget.
import { evaluateGuardrails, nextResourceState, type GuardInput } from '../../../shared/guard/evaluate-guardrails';
import type { ResourceState } from '../../../shared/state/incident-store';

const now = 1_800_000_000;
const env = {
  guardrails: { cooldownSeconds: 300, maxChangesPerHour: 4 },
} as GuardInput['runtime']['env'];

function input(overrides: Partial<GuardInput> & { mode?: 'automatic' | 'approval' | 'report-only'; dryRun?: boolean } = {}): GuardInput {
  const { mode, dryRun, ...rest } = overrides;
  return {
    direction: 'scale-up',
    runtime: { environment: 'production', region: 'us-east-1', regionRole: 'primary', mutationMode: mode ?? 'automatic', dryRun: dryRun ?? false, env },
    resourceState: undefined,
    nowSeconds: now,
    killSwitch: { engaged: false, reason: 'off' },
    incidentKey: 'alarm#t1',
    ...rest,
  };
}

const state = (fields: Partial<ResourceState>): ResourceState => ({ version: 3, changeTimesSeconds: [], ...fields });

describe('evaluateGuardrails', () => {
  it.each<[string, GuardInput, string, string | undefined]>([
    ['applies a first change in an automatic environment', input(), 'apply', undefined],
    ['plans but never mutates in a report-only environment (development)', input({ mode: 'report-only' }), 'dry-run', undefined],
    ['plans but never mutates when DRY_RUN is set', input({ dryRun: true }), 'dry-run', undefined],
    ['turns everything into dry run when the kill switch is on', input({ killSwitch: { engaged: true, reason: 'kill switch on' } }), 'dry-run', undefined],
    ['retries, changing nothing, when the kill switch could not be read (decision 173)', input({ killSwitch: { engaged: true, unread: true, reason: 'could not be read' } }), 'retry', undefined],
    ['plans in a report-only environment without waiting for an unreadable switch', input({ mode: 'report-only', killSwitch: { engaged: true, unread: true, reason: 'could not be read' } }), 'dry-run', undefined],
    ['retries where approval is required too: the switch decides between a dry run and an approval page', input({ mode: 'approval', killSwitch: { engaged: true, unread: true, reason: 'could not be read' } }), 'retry', undefined],
    ['blocks automatic changes where the environment requires approval', input({ mode: 'approval' }), 'block', 'approval-required'],
    ['blocks a second scale-up within the cooldown', input({ resourceState: state({ lastScaleUpAtSeconds: now - 120 }) }), 'block', 'cooldown'],
    ['allows a scale-up once the cooldown has passed', input({ resourceState: state({ lastScaleUpAtSeconds: now - 301, changeTimesSeconds: [now - 301] }) }), 'apply', undefined],
    ['allows a restore right after a scale-up (cooldown is per direction)', input({ direction: 'restore', resourceState: state({ lastScaleUpAtSeconds: now - 10 }) }), 'apply', undefined],
    ['blocks a second restore within the cooldown', input({ direction: 'restore', resourceState: state({ lastRestoreAtSeconds: now - 10 }) }), 'block', 'cooldown'],
    [
      'stops at the hourly budget and escalates instead of changing again',
      input({ resourceState: state({ lastScaleUpAtSeconds: now - 900, changeTimesSeconds: [now - 3000, now - 2000, now - 1500, now - 900] }) }),
      'block',
      'hourly-budget',
    ],
    [
      'counts restores against the hourly budget: a restore past it is held back and escalated',
      input({ direction: 'restore', resourceState: state({ lastScaleUpAtSeconds: now - 900, lastRestoreAtSeconds: now - 1500, changeTimesSeconds: [now - 3000, now - 2000, now - 1500, now - 900] }) }),
      'block',
      'hourly-budget',
    ],
    [
      'lets a restore through under the budget',
      input({ direction: 'restore', resourceState: state({ lastScaleUpAtSeconds: now - 900, changeTimesSeconds: [now - 2000, now - 900] }) }),
      'apply',
      undefined,
    ],
    [
      'forgets changes older than an hour for the budget',
      input({ resourceState: state({ lastScaleUpAtSeconds: now - 900, changeTimesSeconds: [now - 7200, now - 5000, now - 4000, now - 900] }) }),
      'apply',
      undefined,
    ],
    [
      'lets the retry of the incident that reserved the last change finish it',
      input({ resourceState: state({ lastScaleUpAtSeconds: now - 5, lastIncidentKey: 'alarm#t1' }) }),
      'apply',
      undefined,
    ],
  ])('%s', (_name, guardInput, action, guardrail) => {
    const verdict = evaluateGuardrails(guardInput);
    expect(verdict.action).toBe(action);
    if (guardrail) expect(verdict).toMatchObject({ guardrail });
  });
});

describe('nextResourceState', () => {
  it('records the baseline the first time a resource leaves it, and keeps the first one after that', () => {
    const first = nextResourceState(undefined, { direction: 'scale-up', baseline: { a: 1 } }, now, 'i1');
    expect(first).toMatchObject({ baseline: { a: 1 }, lastScaleUpAtSeconds: now, changeTimesSeconds: [now], lastIncidentKey: 'i1' });
    const second = nextResourceState({ version: 1, ...first }, { direction: 'scale-up', baseline: { a: 2 } }, now + 400, 'i2');
    expect(second.baseline).toEqual({ a: 1 });
    expect(second.changeTimesSeconds).toEqual([now, now + 400]);
  });

  it('clears the baseline on restore', () => {
    const restored = nextResourceState(state({ baseline: { a: 1 } }), { direction: 'restore', clearsBaseline: true }, now, 'i3');
    expect(restored.baseline).toBeUndefined();
    expect(restored.lastRestoreAtSeconds).toBe(now);
  });

  it('does not count a retry of the same incident twice', () => {
    const s = state({ changeTimesSeconds: [now - 10], lastIncidentKey: 'i1', lastScaleUpAtSeconds: now - 10 });
    expect(nextResourceState(s, { direction: 'scale-up' }, now, 'i1').changeTimesSeconds).toEqual([now - 10]);
  });
});
