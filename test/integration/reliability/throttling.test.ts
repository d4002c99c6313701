// Throttling and conflicts injected by the gap proxy on every service a row calls end in exactly one change after bounded
// retries; each injected fault is proven to have fired (the proxy's fault counter), so no row passes without its fault.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { clearProxyFaults, getProxyCallCount, getProxyFaults, setProxyFaults } from '../../../sandbox/proxy-control';
import { faultsFired } from '../../support/fault-evidence';
import { provisionAccount } from '../support/sandbox-account';
import { auditEntries, publishedDecisions } from './support/emulator-records';
import { declareCell, recordCell } from './support/guarantee-table';
import { deliverAsynchronously } from './support/lambda-delivery';
import { callsOf, entryPoint, playbookCases, type PlaybookCase, type Rule } from './support/playbook-cases';

// Each test provisions a whole topology in the emulator; on 2 shared cores that alone can take most of a minute.
jest.setTimeout(180_000);

const control = (): string => {
  const endpoint = process.env.SANDBOX_PROXY_CONTROL;
  if (!endpoint) throw new Error('SANDBOX_PROXY_CONTROL is not set: run through jest --selectProjects integration');
  return endpoint;
};

interface TransientCase {
  id: 'absorbed' | 'exhausted' | 'conflict' | 'report';
  title: string;
  faults: (playbook: PlaybookCase) => Rule[];
  /** Lambda deliveries (asynchronous invocation: at most 3) the change takes, exactly. */
  deliveries: (playbook: PlaybookCase) => number;
}

const transientCases: TransientCase[] = [
  {
    id: 'absorbed',
    title: "throttled once or twice on every service it calls: absorbed by the SDK's own retries",
    faults: (p) => [...p.throttles],
    deliveries: () => 1,
  },
  {
    id: 'exhausted',
    title: 'the change throttled 6 times: the SDK gives up after 4 attempts, the next delivery completes it',
    faults: (p) => [{ ...(p.throttles.find((t) => t.operation === p.changeCalls[0]?.operation && t.service === p.changeCalls[0]?.service) ?? p.conflict), times: 6 }],
    deliveries: () => 2,
  },
  {
    id: 'conflict',
    title: 'a conflict on the change (an update in progress): completed by the playbook or the next delivery',
    faults: (p) => [p.conflict],
    deliveries: (p) => p.conflictDeliveries,
  },
  {
    id: 'report',
    title: 'the decision report throttled 5 times, after the change: the retry records it without a second change',
    faults: () => [{ service: 'events', operation: 'PutEvents', times: 5, status: 400, code: 'ThrottlingException', message: 'Rate exceeded' }],
    deliveries: () => 2,
  },
];

for (const playbook of playbookCases) declareCell(playbook.row, 'throttling', transientCases.map((c) => c.title));

describe.each(playbookCases.map((c) => [c.row, c] as const))('%s under throttling and conflicts', (_row, playbook) => {
  it.each(transientCases.map((c) => [c.title, c] as const))('makes the change exactly once: %s', async (_title, testCase) => {
    const account = await provisionAccount(playbook.environment, { RUNBOOK_CONFIG_JSON: playbook.configJson ? JSON.stringify(playbook.configJson) : '' });
    const runtime = loadRuntimeConfig(process.env);
    const event = await playbook.arrange(account);
    await publishedDecisions(account);
    const handler = entryPoint(playbook);
    const before = await playbook.knob.read(account);
    const rules = testCase.faults(playbook);
    const since = await getProxyCallCount(control());
    await setProxyFaults(control(), rules, { accountId: account.accountId });
    let result;
    let reported;
    try {
      result = await deliverAsynchronously(handler, event);
      reported = await getProxyFaults(control(), { accountId: account.accountId });
    } finally {
      await clearProxyFaults(control(), { accountId: account.accountId });
    }
    // Every injected fault fired at least once: the test exercised what it names.
    const fired = faultsFired(rules, reported);
    const changeCallsMade = await callsOf(control(), account.accountId, since, playbook.changeCalls);
    const changeFaults = fired.filter((f) => playbook.changeCalls.some((c) => c.service === f.rule.service && c.operation === f.rule.operation)).reduce((n, f) => n + f.fired, 0);
    const changes = changeCallsMade - changeFaults;
    const after = await playbook.knob.read(account);
    const faults = fired.map((f) => `${f.rule.service}:${f.rule.operation} ${f.rule.code} fired ${f.fired}x`).join(', ');
    console.log(
      `throttling: ${playbook.row}: ${faults} -> ${result.decision?.outcome ?? 'failed'} after ${result.attempts} deliveries ` +
        `(errors: ${result.errors.map((e) => e.name).join(', ') || 'none'}); ${changes} change (${playbook.knob.name} ${before} -> ${after})`,
    );

    const gap = testCase.id === 'conflict' || testCase.id === 'report' ? playbook.throttlingGaps?.[testCase.id] : undefined;
    const deliveries = gap?.deliveries ?? testCase.deliveries(playbook);
    if (gap) expect({ outcome: result.decision?.outcome, changes }).toEqual({ outcome: gap.outcome, changes: gap.changes });
    else expect({ made: playbook.made(result.decision), changes, after }).toEqual({ made: true, changes: 1, after: playbook.knob.afterOneChange(account, runtime) });
    expect(result.attempts).toBe(deliveries);
    // Every failed delivery threw the pipeline's TransientError, so Lambda retried it.
    expect(result.errors.map((e) => e.name)).toEqual(Array.from({ length: deliveries - 1 }, () => 'TransientError'));
    if (!gap) expect(await auditEntries(account, result.decision?.resource?.arn ?? '')).toHaveLength(playbook.auditEntries);
    expect((await publishedDecisions(account)).map((d) => d.outcome)).toEqual(gap?.published ?? [playbook.publishedOutcome]);
    recordCell(
      playbook.row,
      'throttling',
      testCase.title,
      `${fired.length} fault(s) fired (${fired.reduce((n, f) => n + f.fired, 0)} failures), ${result.attempts} deliver${result.attempts === 1 ? 'y' : 'ies'}: ${changes} change` +
        (gap ? ` (known gap: ${gap.gap})` : ''),
    );
  });
});
