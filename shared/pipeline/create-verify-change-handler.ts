// Wires verify-change once per container: the rows that change something, their clients, the store, bus and kill switch;
// its input is one health check (a schedule's) or the verify sweep (its rule's, decision 293).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { AccountClients, accountOfArn, crossAccountSettings } from '../aws/account-clients';
import { deadlineBoundClient, InvocationDeadline, withCallDeadline } from '../aws/call-deadline';
import { clientConfig } from '../aws/client-config';
import { VERIFY_CALL_RESERVE_MS, VERIFY_RECORD_RESERVE_MS } from '../config/automation-health';
import { systemClock, type Clock } from '../clock';
import { loadRuntimeConfig, type RuntimeConfig } from '../config/load-config';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../config/names';
import { CHANGING_PLAYBOOKS } from '../playbooks/changing-rows';
import type { Decision } from './types';
import { runVerifyHandler, type VerifiablePlaybook, type VerifyChangeServices } from './verify-change';
import { VERIFY_HANDLER } from './verify-change-plan';
import { createVerifyChangeStore } from '../state/verify-change-store';
import { createRecordingServices } from './recording-services';
import { regionServingSource, type RegionServingSource } from './region-serving-source';

export interface VerifyChangeHandlerOptions {
  env?: Record<string, string | undefined>;
  clock?: Clock;
  /** Replace services (tests). */
  services?: Partial<VerifyChangeServices>;
}

export type VerifyChangeHandler = ((event: unknown, context?: Partial<Context>) => Promise<Decision>) & { runtime: RuntimeConfig };

export function createVerifyChangeHandler(options: VerifyChangeHandlerOptions = {}): VerifyChangeHandler {
  const env = options.env ?? process.env;
  // Its own environment and everything that is not an environment's: the whole document was validated at synth (decision 108).
  const runtime = loadRuntimeConfig(env, { environments: 'running' });
  const clock = options.clock ?? systemClock;
  const logger = new Logger({ serviceName: SERVICE_NAME, persistentKeys: { handler: VERIFY_HANDLER, environment: runtime.environment } });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, defaultDimensions: { environment: runtime.environment, playbook: VERIFY_HANDLER } });
  const sdkConfig = clientConfig({ region: runtime.region, ...runtime.config.sdkTimeouts });
  // The sweep's checks are bound by its invocation's time (review 20d R20-64, decision 346): armed while a sweep runs,
  // every call below is aborted with VERIFY_CALL_RESERVE_MS left (one whose answer never comes takes about 41 s, more
  // than the sweep's 20 s reserve), and the writes that end a claim run until VERIFY_RECORD_RESERVE_MS left, so a check
  // cut short gives its claim back instead of holding it until its lease. Not armed (a schedule's single check), no bound.
  const deadline = new InvocationDeadline();
  const keptFor = 'to give the health check\'s claim back, and to answer';
  const work = <C extends { send: object }>(client: C, label: string): C =>
    deadlineBoundClient(client, deadline, { reserveMs: VERIFY_CALL_RESERVE_MS, keptFor, label: `${label} call` });
  const playbooks: Record<string, VerifiablePlaybook> = {};
  for (const playbook of CHANGING_PLAYBOOKS) {
    if (!playbook.createClients) throw new Error(`playbook ${playbook.name} declares no createClients`);
    playbooks[playbook.name] = playbook as unknown as VerifiablePlaybook;
  }
  // Every playbook's clients per account: the own account's now, a workload account's (through its remediation role,
  // cross-account mode) on first use. A change is read and reverted where it was made.
  const accounts = new AccountClients<{ clients: Record<string, unknown>; serving?: RegionServingSource }>({
    config: sdkConfig,
    settings: crossAccountSettings(env),
    handler: VERIFY_HANDLER,
    build: (config) => {
      // One client per service for all the playbooks, as the floor has (bench/floors.ts): queue-backup and
      // memory-pressure both read and revert Lambda through the same one (decision 113).
      const shared = { cloudWatch: work(new CloudWatchClient(config), 'CloudWatch'), lambda: work(new LambdaClient(config), 'Lambda') };
      const clients: Record<string, unknown> = {};
      for (const playbook of CHANGING_PLAYBOOKS) {
        const create = playbook.createClients as ((c: typeof config, s: typeof shared) => Record<string, unknown>) | undefined;
        if (create) clients[playbook.name] = boundClients(create(config, shared), (client, name) => work(client, `${playbook.name} ${name}`));
      }
      // In a DR region a revert is a change there too: it is made only while the region serves (decision 123). Its
      // reader builds its own clients: its read is given up at the deadline (read as "not read": the revert held).
      const serving = regionServingSource(config, runtime);
      const boundServing: RegionServingSource | undefined = serving && {
        read: (account) =>
          withCallDeadline('region serving read', () => serving.read(account), { remainingMs: () => deadline.remainingMs() ?? Number.POSITIVE_INFINITY, reserveMs: VERIFY_CALL_RESERVE_MS, keptFor }),
      };
      return { clients, ...(boundServing ? { serving: boundServing } : {}) };
    },
  });
  // Test doubles replace the real services; building the unused real ones does no I/O. One store (one DynamoDB client),
  // as the floor has: it was built twice, the recording services' then another (decision 113).
  const store = createVerifyChangeStore(runtime, sdkConfig, {
    work: (client) => work(client, 'DynamoDB'),
    record: (client) => deadlineBoundClient(client, deadline, { reserveMs: VERIFY_RECORD_RESERVE_MS, keptFor: 'to answer', label: 'DynamoDB call' }),
  });
  const services: VerifyChangeServices = { ...createRecordingServices(runtime, sdkConfig, logger, metrics, { store }, work), store, ...options.services };
  const handler = async (event: unknown, context?: Partial<Context>): Promise<Decision> => {
    if (context?.awsRequestId) logger.addContext(context as Context);
    try {
      const ownAccountHint = accountOfArn(context?.invokedFunctionArn);
      const clientsIn = (account: string, incidentKey: string): Readonly<Record<string, unknown>> => accounts.forAccount(account, ownAccountHint, incidentKey).clients;
      const servingIn = (account: string, incidentKey: string): RegionServingSource | undefined =>
        options.services?.regionServing ?? accounts.forAccount(account, ownAccountHint, incidentKey).serving;
      // The verify sweep stops starting checks with a reserve of the function's time left; without a context, no deadline.
      const remaining = context?.getRemainingTimeInMillis?.bind(context);
      const metric = (name: string, value: number): void => void metrics.addMetric(name, MetricUnit.Count, value);
      const armDeadline = (remainingMs: () => number): (() => void) => deadline.arm(remainingMs);
      return await runVerifyHandler({ playbooks, clientsIn, servingIn, services, runtime, clock, logger, metric, armDeadline }, event, remaining ? { remainingMs: remaining } : {});
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
  return Object.assign(handler, { runtime });
}

/** A row's clients with each SDK client among them (anything with a `send`) bound by `bind`; the rest as they are. */
function boundClients(clients: Record<string, unknown>, bind: <C extends { send: object }>(client: C, name: string) => C): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(clients).map(([name, client]) => [name, typeof (client as { send?: unknown } | undefined)?.send === 'function' ? bind(client as { send: object }, name) : client]),
  );
}
