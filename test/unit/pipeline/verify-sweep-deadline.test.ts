// Review 20d R20-64 (decision 346): one AWS call whose answer never comes takes about 41 s with the SDK's own bounds (4
// attempts of a 10 s request timer and the backoff), more than the verify sweep's 20 s reserve; a check started with 21 s
// left ran on to the function's timeout and held its claim until the lease. Now, while a sweep runs, every call of
// verify-change's clients is aborted with VERIFY_CALL_RESERVE_MS left: the check fails as transient and its claim is given
// back. Through the real handler (createVerifyChangeHandler) and the row's real SDK clients, against a loopback endpoint
// that never answers; the function's time left is the test's to set (no timer is waited on but the call's own deadline).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VERIFY_CALL_RESERVE_MS } from '../../../shared/config/automation-health';
import { TransientError } from '../../../shared/errors';
import { createVerifyChangeHandler } from '../../../shared/pipeline/create-verify-change-handler';
import { SWEEP_INPUT } from '../../../shared/pipeline/plan-verify-sweep';
import type { Decision } from '../../../shared/pipeline/types';
import type { VerifyChangeServices } from '../../../shared/pipeline/verify-change';
import { verifyClaimName } from '../../../shared/pipeline/verify-change-plan';
import { InMemoryIncidentStore } from '../../support/in-memory-incident-store';
import { ManualClock } from '../../support/manual-clock';

const ACCOUNT = '123456789012';
const QUEUE = 'notification-service-queue';
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:${QUEUE}`;
const INCIDENT = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:Queue#2026-12-07T10:00:00.000+0000`;
const CHANGED_AT = '2026-12-07T10:00:05.000Z';
/** production's verifyWindowMinutes is 10: due at 10:10:05, so 12 min late (past the 5 min grace) at 10:22. */
const DUE = new Date(Date.parse(CHANGED_AT) + 10 * 60_000);
const NOW = Date.parse('2026-12-07T10:22:05.000Z');
/** Left once the check's claim is taken: 2 s for its calls beyond the reserve. */
const LEFT_AT_CLAIM_MS = VERIFY_CALL_RESERVE_MS + 2000;

/** A loopback endpoint that reads each request and never answers; the requests it got, by operation. */
interface Silent {
  url: string;
  operations: string[];
  close(): Promise<void>;
}

async function silentEndpoint(): Promise<Silent> {
  const operations: string[] = [];
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Lambda's REST path (/2015-03-31/event-source-mappings/), or a JSON protocol's target (GraniteServiceVersion20100801.GetMetricData).
    operations.push(String(req.headers['x-amz-target'] ?? `${req.method} ${req.url?.split('?')[0]}`));
    req.resume();
    open.add(res);
    res.once('close', () => open.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    operations,
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** scale-consumers' record of an applied change (50 -> 100) on the production queue's consumer, listed for the sweep. */
async function listedChange(store: InMemoryIncidentStore, clock: ManualClock): Promise<void> {
  const claimed = await store.claim('scale-consumers', INCIDENT, new Date(Date.parse(CHANGED_AT)));
  if (!claimed.claimed) throw new Error('could not claim');
  await store.recordIntent('scale-consumers', INCIDENT, claimed.owner, {
    direction: 'scale-up',
    summary: 'scale consumers of notification-service-queue: MaximumConcurrency 50 -> 100',
    change: { mappings: [{ uuid: 'esm-1', functionName: 'notification-service-consumer', from: 50, to: 100 }], reservedConcurrency: [] },
    before: {},
    after: {},
    blastRadius: 'the consumer mapping',
    target: { resource: { type: 'sqs-queue-consumers', id: QUEUE, arn: QUEUE_ARN }, queueName: QUEUE, queueArn: QUEUE_ARN, account: ACCOUNT },
    alarm: { account: ACCOUNT, region: 'us-east-1', name: 'Queue', arn: INCIDENT.split('#')[0], state: 'ALARM', time: '2026-12-07T10:00:00.000+0000' },
    healthCheck: { changedAt: CHANGED_AT, before: { from: '2026-12-07T09:51:00.000Z', to: '2026-12-07T10:01:00.000Z', figures: { 'notification-service-consumer.errors': 1 } } },
  });
  await store.complete('scale-consumers', INCIDENT, claimed.owner, 'applied', 'scaled');
  await store.recordVerifyDue('scale-consumers', INCIDENT, DUE);
  await clock.sleep(NOW - clock.now().getTime());
}

describe('the verify sweep\'s checks end before the function\'s timeout (review 20d R20-64, decision 346)', () => {
  const saved = { ...process.env };
  let endpoint: Silent | undefined;

  beforeEach(async () => {
    endpoint = await silentEndpoint();
    Object.assign(process.env, { AWS_ENDPOINT_URL: endpoint.url, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', POWERTOOLS_LOG_LEVEL: 'SILENT' });
  });

  afterEach(async () => {
    await endpoint?.close();
    process.env = { ...saved };
  });

  it('a check whose calls never answer is cut at the reserve: one attempt per call, the claim given back, the check still listed, nothing published', async () => {
    const clock = new ManualClock(Date.parse(CHANGED_AT));
    const store = new InMemoryIncidentStore(150);
    await listedChange(store, clock);
    // The function's time left: 60 s when the sweep starts the check; 10 s once the check's claim is taken.
    let leftMs = 60_000;
    const claim = store.claim.bind(store);
    store.claim = async (playbook, incidentKey, now) => {
      const result = await claim(playbook, incidentKey, now);
      if (playbook === verifyClaimName('scale-consumers')) leftMs = LEFT_AT_CLAIM_MS;
      return result;
    };
    const published: Decision[] = [];
    const services = {
      store,
      reporter: { log: () => undefined, count: () => undefined, publish: async (decision: Decision) => void published.push(decision) },
      killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) },
    } as unknown as Partial<VerifyChangeServices>;
    // The SDK's own bound is 4 attempts of 2 s here: only the deadline can end the check after one attempt of each call.
    const env = { RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', RUNBOOK_CONFIG_JSON: JSON.stringify({ sdkTimeouts: { requestTimeoutMs: 2000 } }) };
    const handler = createVerifyChangeHandler({ env, clock, services });

    const failed = await handler(SWEEP_INPUT, { getRemainingTimeInMillis: () => leftMs }).then(
      () => undefined,
      (error: unknown) => error,
    );

    // The fault fired: each call the check made reached the endpoint once and was given up at its deadline.
    // scale-consumers' observe (queue URL, mappings, account settings, the consumer's reserved concurrency, the alarm's
    // figure) and its health read, all at once.
    expect(endpoint?.operations.sort()).toEqual([
      'AmazonSQS.GetQueueUrl',
      'GET /2015-03-31/event-source-mappings',
      'GET /2016-08-19/account-settings',
      'GET /2019-09-30/functions/notification-service-consumer/concurrency',
      'GraniteServiceVersion20100801.GetMetricData',
      'GraniteServiceVersion20100801.GetMetricData',
    ]);
    expect(failed).toBeInstanceOf(TransientError);
    expect((failed as Error).message).toMatch(/^verify sweep: 1 failed of 1 listed health checks \(scale-consumers on .* \(12 min late\): .*did not answer within 2\.0 s/);
    // Given back (lease 0), not completed: the next sweep runs it at once.
    expect(store.claims.get(`${INCIDENT}#${verifyClaimName('scale-consumers')}`)).toMatchObject({ status: 'IN_PROGRESS', leaseExpiresAtSeconds: 0 });
    expect((await store.verifyDue()).due.map((entry) => entry.incidentKey)).toEqual([INCIDENT]);
    expect(published).toEqual([]);
  });
});
