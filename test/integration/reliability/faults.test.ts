// The emulator goes away in the middle of a remediation: the handler fails loudly, Lambda's retry completes it once.
// A private moto + gap proxy, so the outage cannot reach other test files; moto keeps its state, as AWS would.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { startGapProxy, type AwsOperation, type GapProxy } from '../../../sandbox/gap-proxy';
import { startMotoServer, type MotoServer } from '../../../sandbox/moto-server';
import { provisionAccount } from '../support/sandbox-account';
import { ManualClock } from '../../support/manual-clock';
import { auditEntries, publishedDecisions } from './support/emulator-records';
import { deliverAsynchronously } from './support/lambda-delivery';
import { playbookCases, type PlaybookCase } from './support/playbook-cases';

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

interface CrashPoint {
  title: string;
  /** The call that still reaches the emulator; its answer, and every call after it, is lost. */
  after: (playbook: PlaybookCase) => Omit<AwsOperation, 'accountId'>;
}

const crashPoints: CrashPoint[] = [
  { title: 'right after the incident is claimed', after: () => ({ service: 'dynamodb', operation: 'PutItem' }) },
  { title: 'right after the change reached AWS, before its answer came back', after: (p) => ({ service: p.apply.service, operation: p.apply.operation }) },
  { title: 'right after the decision was published, before the claim was completed', after: () => ({ service: 'events', operation: 'PutEvents' }) },
];

describe.each(playbookCases.map((c) => [c.handler, c] as const))('%s when the emulator goes away mid-remediation', (_name, playbook) => {
  it.each(crashPoints.map((c) => [c.title, c] as const))('throws so Lambda retries, and the retry completes the change once: %s', async (_title, crash) => {
    const account = await provisionAccount(playbook.environment);
    const runtime = loadRuntimeConfig(process.env);
    const clock = new ManualClock();
    const handler = playbook.create({ clock });
    const before = await playbook.knob.read(account);
    const event = await account.transition(playbook.alarmName(account), 'ALARM');

    proxy.startOutage({ after: { ...crash.after(playbook), accountId: account.accountId } });
    let result;
    try {
      // The emulator is back before Lambda's first retry, a minute later.
      result = await deliverAsynchronously(handler, event, { clock, beforeRetry: () => proxy.endOutage() });
    } finally {
      proxy.endOutage();
    }
    const published = (await publishedDecisions(account)).filter((d) => d.outcome === 'applied');
    console.log(
      `faults: emulator gone ${crash.title} -> first delivery threw ${result.errors[0]?.name ?? "nothing"} (${result.errors[0]?.message.slice(0, 160) ?? ""}); ` +
        `${result.decision?.outcome ?? 'not completed'} on delivery ${result.attempts} (${result.decision?.reason ?? ''}); ` +
        `${playbook.knob.name} ${before} -> ${await playbook.knob.read(account)}; decision published ${published.length}x`,
    );

    // Loud: the first delivery throws the pipeline's TransientError, which makes Lambda retry.
    expect(result.errors[0]?.name).toBe('TransientError');
    // Completed within Lambda's asynchronous retries, exactly once.
    expect(result.decision?.outcome).toBe('applied');
    expect(await playbook.knob.read(account)).toBe(before + playbook.knob.step(runtime));
    expect(await auditEntries(account, result.decision?.resource?.arn ?? '')).toHaveLength(1);
    // The decision event is at-least-once: a crash after publishing republishes it on the retry.
    expect(published.length).toBeGreaterThanOrEqual(1);
    expect(published.length).toBeLessThanOrEqual(2);
  });
});
