// The emulator goes away in the middle of a remediation: the handler fails loudly, Lambda's retries complete it once.
// A private moto + gap proxy, so the outage cannot reach other test files; moto keeps its state, as AWS would.
// Changes are counted in the proxy's call log: the change calls forwarded to moto before the cut and after it ended.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { startGapProxy, type AwsOperation, type GapProxy } from '../../../sandbox/gap-proxy';
import { startMotoServer, type MotoServer } from '../../../sandbox/moto-server';
import { provisionAccount } from '../support/sandbox-account';
import { ManualClock } from '../../support/manual-clock';
import { auditEntries, publishedDecisions } from './support/emulator-records';
import { declareCell, recordCell, type GuaranteeId } from './support/guarantee-table';
import { deliverAsynchronously } from './support/lambda-delivery';
import { playbookCases, type PlaybookCase } from './support/playbook-cases';

// Each test provisions a whole topology and waits out Lambda's retries on a loaded machine.
jest.setTimeout(180_000);

let moto: MotoServer;
let proxy: GapProxy;
const sharedEndpoint = process.env.AWS_ENDPOINT_URL;

beforeAll(async () => {
  moto = await startMotoServer();
  proxy = await startGapProxy({ upstream: moto.endpoint });
  process.env.AWS_ENDPOINT_URL = proxy.endpoint;
});

afterAll(async () => {
  if (sharedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = sharedEndpoint;
  await proxy?.stop();
  await moto?.stop();
});

interface CutPoint {
  cell: Extract<GuaranteeId, `cut-${string}`>;
  title: string;
  /** The call that still reaches the emulator; its answer, and every call after it, is lost. */
  after: (playbook: PlaybookCase) => Omit<AwsOperation, 'accountId'>;
  /** Decision events on the bus: a cut after publishing republishes on the retry (the bus is at-least-once). */
  published: number;
}

const cutPoints: CutPoint[] = [
  { cell: 'cut-after-claim', title: 'right after the incident is claimed', after: () => ({ service: 'dynamodb', operation: 'PutItem' }), published: 1 },
  {
    cell: 'cut-after-change',
    title: 'right after the change reached AWS, before its answer came back',
    after: (p) => ({ service: p.changeCalls[0]?.service ?? '', operation: p.changeCalls[0]?.operation ?? '' }),
    published: 1,
  },
  { cell: 'cut-after-publish', title: 'right after the decision was published, before the claim was completed', after: () => ({ service: 'events', operation: 'PutEvents' }), published: 2 },
];

for (const playbook of playbookCases) for (const cut of cutPoints) declareCell(playbook.row, cut.cell, [cut.title]);

const isChange = (playbook: PlaybookCase, call: AwsOperation, accountId: string): boolean =>
  call.accountId === accountId && playbook.changeCalls.some((c) => c.service === call.service && c.operation === call.operation);

describe.each(playbookCases.map((c) => [c.row, c] as const))('%s when the emulator goes away mid-remediation', (_row, playbook) => {
  it.each(cutPoints.map((c) => [c.title, c] as const))('throws so Lambda retries, and the retry completes the change once: %s', async (_title, cut) => {
    const account = await provisionAccount(playbook.environment, { RUNBOOK_CONFIG_JSON: playbook.configJson ? JSON.stringify(playbook.configJson) : '' });
    const runtime = loadRuntimeConfig(process.env);
    const clock = new ManualClock();
    const event = await playbook.arrange(account, clock);
    await publishedDecisions(account);
    const handler = playbook.create({ clock });
    const before = await playbook.knob.read(account);
    const since = proxy.calls.length;
    const trigger = { ...cut.after(playbook), accountId: account.accountId };

    let resumedAt = -1;
    proxy.startOutage({ after: trigger });
    let result;
    try {
      // The emulator is back before Lambda's first retry, a minute later.
      result = await deliverAsynchronously(handler, event, {
        clock,
        beforeRetry: () => {
          if (resumedAt < 0) resumedAt = proxy.calls.length;
          proxy.endOutage();
        },
      });
    } finally {
      proxy.endOutage();
    }
    const calls = proxy.calls.slice(since);
    const cutAt = calls.findIndex((c) => c.accountId === account.accountId && c.service === trigger.service && c.operation === trigger.operation);
    // The change calls moto received: up to and including the cut call, and from the end of the outage on.
    const changes =
      calls.slice(0, cutAt + 1).filter((c) => isChange(playbook, c, account.accountId)).length +
      (resumedAt < 0 ? 0 : proxy.calls.slice(resumedAt).filter((c) => isChange(playbook, c, account.accountId)).length);
    const published = (await publishedDecisions(account)).filter((d) => d.outcome === playbook.publishedOutcome);
    const after = await playbook.knob.read(account);
    const figures =
      `first delivery threw ${result.errors[0]?.name ?? 'nothing'}; ${result.decision?.outcome ?? 'not completed'} on delivery ${result.attempts}; ` +
      `${changes} change call reached AWS (${playbook.knob.name} ${before} -> ${after}); decision published ${published.length}x`;
    console.log(`faults: ${playbook.row}: emulator gone ${cut.title} -> ${figures} (${result.decision?.reason ?? ''})`);

    // The cut happened where it was meant to.
    expect(cutAt).toBeGreaterThanOrEqual(0);
    // Loud: the first delivery throws the pipeline's TransientError, which makes Lambda retry.
    expect(result.errors[0]?.name).toBe('TransientError');
    // Exactly one change, whatever the retries.
    expect(changes).toBe(1);
    expect(after).toBe(playbook.knob.afterOneChange(account, runtime));
    expect(await auditEntries(account, result.decision?.resource?.arn ?? '')).toHaveLength(playbook.auditEntries);
    // Completed within Lambda's asynchronous retries: the change recorded and published (or, for a known gap, the
    // retry's own decision, asserted as it is; see playbook-cases.ts `afterCut`).
    const gap = cut.cell === 'cut-after-claim' ? undefined : playbook.afterCut?.[cut.cell];
    if (gap) expect({ outcome: result.decision?.outcome, published: published.length }).toEqual({ outcome: gap.outcome, published: gap.published });
    else expect({ made: playbook.made(result.decision), published: published.length }).toEqual({ made: true, published: cut.published });
    recordCell(
      playbook.row,
      cut.cell,
      cut.title,
      `delivery 1 threw ${result.errors[0]?.name}, ${result.decision?.outcome} on delivery ${result.attempts}: ${changes} change, published ${published.length}x` +
        (gap ? ` (known gap: ${gap.gap})` : ''),
    );
  });
});
