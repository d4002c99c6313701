// Wires the escalation service once per container for the two escalation handlers, each built in its own module
// (create-escalate-handler.ts, create-escalation-timer-handler.ts) so that each loads only its own input's parser.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { AccountClients, crossAccountSettings } from '../aws/account-clients';
import { AlarmStateReader } from '../aws/alarm-state-reader';
import { deadlineBound, InvocationDeadline } from '../aws/call-deadline';
import { callAws } from '../aws/classify-error';
import { clientConfig, type SdkClientConfig } from '../aws/client-config';
import { lazy } from '../aws/lazy-client';
import { systemClock, type Clock } from '../clock';
import { alarmSpecs } from '../config/alarm-specs';
import { loadRuntimeConfig, type RuntimeConfig } from '../config/load-config';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../config/names';
import { InvalidInputError } from '../errors';
import { KillSwitch, type KillSwitchState } from '../guard/kill-switch';
import { standbyDeferralTargets } from '../guard/standby-deferral';
import type { regionServingSource, RegionServingSource } from '../pipeline/region-serving-source';
import { StateRecordError } from '../state/state-records';
import { AccountAlarmReader } from './alarm-lookup';
import { DecisionRecords } from './decision-records';
import { escalationDeployment, supportApiRegion, type EscalationDeployment } from './deployment';
import { EscalationService, type EscalationResult, type EscalationServices } from './escalation-service';
import { EscalationStore } from './escalation-store';
import type { KillSwitchChange } from './kill-switch-change';
import { withKillSwitchNotice } from './kill-switch-notice';
import { resolveEscalationPolicy } from './policy';
import { configuredParameters } from './document-parameters';
import type { MessageView } from './message-view';
import type { EscalationTier } from './policy';
import { renderEmail } from './render-email';
import { supportCaseModule, TierNotifier, type TierDelivery } from './tier-notifier';
import { TimerScheduler } from './timer-scheduler';
import { ESCALATION_CALL_RESERVE_MS, ESCALATION_RECORD_RESERVE_MS } from './timer-deadline';

/** Every AWS API action the escalation handlers call lives in shared/config/service-handler-actions.ts (infra reads it). */
export { ESCALATION_ACTIONS } from '../config/service-handler-actions';

// The rarer paths (escalation-rare-paths.ts): here, a kill switch change's announcement, loaded with the first such event.
const rarePathsModule = lazy(() => import('./escalation-rare-paths'));

/**
 * Cross-account mode (REMEDIATION_ROLE_NAME set): the escalation handlers read a workload's alarm through the role that
 * workload offers them (shared/aws/account-clients.ts); that role grants only the read. Declared beside ESCALATION_ACTIONS.
 */
export { ESCALATION_WORKLOAD_ROLE_ACTIONS } from '../config/service-handler-actions';

export interface EscalationHandlerOptions {
  env?: Record<string, string | undefined>;
  clock?: Clock;
  /** Replace services (tests). */
  services?: Partial<EscalationServices>;
  /** Replace the kill switch (tests). */
  killSwitch?: { read(): Promise<KillSwitchState> };
  /**
   * The DR region's "this region serves" reader (shared/pipeline/region-serving-source.ts), handed in by the one handler
   * that reads it (escalation-timer, review 12 R12-7), so escalate's bundle carries neither it nor its grant.
   */
  regionServing?: typeof regionServingSource;
  /** Replace the SDK clients (tests): what the services call, under the same deadlines as the real ones. */
  clients?: Partial<EscalationClients>;
}

/** The SDK clients the escalation services call (only `send`); CloudWatch's per account (the workload's role). */
export interface EscalationClients {
  dynamodb: Pick<DynamoDBDocumentClient, 'send'>;
  sns: Pick<SNSClient, 'send'>;
  scheduler: Pick<SchedulerClient, 'send'>;
  ssm: Pick<SSMClient, 'send'>;
  sts: Pick<STSClient, 'send'>;
  cloudWatch(config: SdkClientConfig): Pick<CloudWatchClient, 'send'>;
}

export type EscalationHandler = ((event: unknown, context?: Partial<Context>) => Promise<EscalationResult>) & { runtime: RuntimeConfig };

export interface Wired {
  service: EscalationService;
  runtime: RuntimeConfig;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /**
   * The time left of the invocation under way, armed by each handler from its Lambda context (escalation-timer: review
   * 18b R18-10; escalate: decision 312): every client below is bound by it (none armed, a direct call: no deadline).
   */
  deadline: InvocationDeadline;
  /** Tells L1 that someone changed the kill switch (decision 178). */
  announceKillSwitchChange(change: KillSwitchChange): Promise<EscalationResult>;
}

function wire(handlerName: string, options: EscalationHandlerOptions): Wired {
  const env = options.env ?? process.env;
  // Its own environment and everything that is not an environment's: the whole document was validated at synth (decision 108).
  const runtime = loadRuntimeConfig(env, { environments: 'running' });
  const policy = resolveEscalationPolicy(runtime.config, runtime.environment);
  const clock = options.clock ?? systemClock;
  const logger = new Logger({ serviceName: SERVICE_NAME, persistentKeys: { handler: handlerName, environment: runtime.environment } });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, defaultDimensions: { environment: runtime.environment, handler: handlerName } });
  const sdkConfig = clientConfig({ region: runtime.region, ...runtime.config.sdkTimeouts });
  // Every call is bound by the invocation's deadline once the handler arms it (review 18b R18-10, decision 312): a call
  // of the work gives up with ESCALATION_CALL_RESERVE_MS left; the writes that record a delivery or give its claim back
  // (the store's and the kill switch notice log's `recorder`) with ESCALATION_RECORD_RESERVE_MS, so a page that was
  // answered is recorded in the time between and never left unrecorded by the function's timeout.
  const deadline = new InvocationDeadline();
  const work = <C extends { send: object }>(client: C, label: string): Pick<C, 'send'> =>
    deadlineBound(client, deadline, { reserveMs: ESCALATION_CALL_RESERVE_MS, keptFor: 'to record or give back what was sent, and to answer', label: `${label} call` });
  const clients = options.clients ?? {};
  const sts = work(clients.sts ?? new STSClient(sdkConfig), 'STS');
  // One DescribeAlarms reader per account: the handler's own, or, for a workload's alarm, one with that workload's role.
  const alarmAccounts = new AccountClients({
    config: sdkConfig,
    settings: crossAccountSettings(env),
    handler: handlerName,
    build: (config) => new AlarmStateReader(work(clients.cloudWatch?.(config) ?? new CloudWatchClient(config), 'CloudWatch')),
  });

  // The account the topics, timer function, scheduler role and kill switch live in: this function's own, asked once per container.
  let ownAccount: Promise<string> | undefined;
  const account = (): Promise<string> => {
    ownAccount ??= callAws('STS GetCallerIdentity', () => sts.send(new GetCallerIdentityCommand({}))).then((identity) => identity.Account ?? '');
    ownAccount.catch(() => {
      ownAccount = undefined;
    });
    return ownAccount;
  };
  const where = async (): Promise<EscalationDeployment> => escalationDeployment(env, { region: runtime.region, account: await account() });

  const ssm = work(clients.ssm ?? new SSMClient(sdkConfig), 'SSM');
  // This region's switch; in cross-account mode the operations account it is in (the page's resume command names both).
  const crossAccount = crossAccountSettings(env);
  const killSwitchLocation = {
    parameterName: runtime.config.killSwitchParameterName,
    region: runtime.region,
    ...(crossAccount.remediationRoleName && crossAccount.ownAccountId ? { account: crossAccount.ownAccountId } : {}),
  };
  const killSwitch = options.killSwitch ?? new KillSwitch(ssm, runtime.config.killSwitchParameterName, runtime.config.killSwitchCacheSeconds);
  const tierNotifier = new TierNotifier(
    work(clients.sns ?? new SNSClient(sdkConfig), 'SNS'),
    lazy(async () => work((await supportCaseModule()).supportClient({ ...sdkConfig, region: supportApiRegion(runtime.region) }), 'Support')),
    async (tier) => (await where()).topicArn(tier.topicName),
  );
  const table = clients.dynamodb ?? DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig), { marshallOptions: { removeUndefinedValues: true } });
  const db = work(table, 'DynamoDB');
  const recorder = deadlineBound(table, deadline, { reserveMs: ESCALATION_RECORD_RESERVE_MS, keptFor: 'to answer', label: 'DynamoDB call' });
  const services: EscalationServices = {
    store:
      options.services?.store ??
      new EscalationStore(
        db,
        {
          tableName: runtime.config.stateTableName,
          retentionDays: runtime.config.recordRetentionDays,
          leaseSeconds: runtime.config.claimLeaseSeconds,
        },
        recorder,
      ),
    notifier:
      options.services?.notifier ??
      (runtime.dryRun ? dryRunNotifier(logger) : undefined) ??
      // The kill switch stops changes, not pages (decision 178): every message goes out, saying so while it is engaged.
      withKillSwitchNotice(tierNotifier, killSwitch, killSwitchLocation, logger),
    timers: options.services?.timers ?? new TimerScheduler(work(clients.scheduler ?? new SchedulerClient(sdkConfig), 'Scheduler'), where),
    alarms: options.services?.alarms ?? new AccountAlarmReader((account) => alarmAccounts.forAccount(account)),
    records: options.services?.records ?? new DecisionRecords(db, runtime.config.stateTableName),
  };
  // In a DR region, the standby watch's incidents re-judge "this region serves" before they climb (review 12, R12-7): read
  // where the alarm lives (the workload's role in cross-account mode), its RDS and Lambda clients loaded on first use.
  const standbyAlarms = new Set(alarmSpecs(runtime.config, runtime.environment, runtime.region).filter((alarm) => alarm.handler === 'watch-standby').map((alarm) => alarm.name));
  const servingSource = options.regionServing;
  const servingAccounts =
    servingSource && runtime.regionRole === 'dr' && standbyAlarms.size > 0
      ? new AccountClients<RegionServingSource | undefined>({ config: sdkConfig, settings: crossAccountSettings(env), handler: handlerName, build: (config) => servingSource(config, runtime) })
      : undefined;
  const service = new EscalationService({
    services,
    policy,
    rows: runtime.config.troubleshooting,
    environment: runtime.environment,
    region: runtime.region,
    trust: {
      environment: runtime.environment,
      region: runtime.region,
      regions: runtime.config.environments[runtime.environment].regions,
      watchedAlarms: new Set(alarmSpecs(runtime.config, runtime.environment, runtime.region).map((alarm) => alarm.name)),
      ...(runtime.workloadAccount ? { workloadAccount: runtime.workloadAccount } : {}),
    },
    ...(crossAccountSettings(env).ownAccountId ? { operationsAccount: crossAccountSettings(env).ownAccountId } : {}),
    configured: configuredParameters(runtime.config.environments[runtime.environment].disasterRecovery),
    ...(() => {
      const approvers = runtime.config.environments[runtime.environment].runbookApprovers;
      return approvers ? { approvers: { principals: approvers.principals, minRequiredApprovals: approvers.minRequiredApprovals } } : {};
    })(),
    // The standby watch's alarms a changing row's alarm defers to in a DR region that does not serve (decision 158).
    deferrals: standbyDeferralTargets(runtime.config, runtime.environment, runtime.region),
    // Queue Backup's low-water alarm: its restore is watched by nobody (decision 185).
    ...(servingAccounts
      ? {
          standby: {
            alarms: standbyAlarms,
            serving: async (account: string) => {
              const source = servingAccounts.forAccount(account);
              if (!source) throw new Error('no serving reader in this region');
              return source.read(account);
            },
          },
        }
      : {}),
    restoreSignals: new Set(alarmSpecs(runtime.config, runtime.environment, runtime.region).filter((alarm) => alarm.restoreSignal).map((alarm) => alarm.name)),
    clock,
    log: logger,
    count: (metric, value = 1) => metrics.addMetric(metric, MetricUnit.Count, value),
  });
  // A change of the kill switch is told to L1 (decision 178): rare, so its rendering and its notice log are a module
  // loaded with the first such event (decision 333), built once per container. A change that is not of this function's
  // own switch is refused before it loads.
  const announcer = lazy(async () =>
    (await rarePathsModule()).killSwitchAnnouncer({
      runtime,
      policy,
      clock,
      logger,
      metrics,
      tierNotifier,
      db,
      recorder,
      account,
      readSwitch: () => (options.killSwitch ?? new KillSwitch(ssm, runtime.config.killSwitchParameterName, 0)).read(),
    }),
  );
  const announceKillSwitchChange = async (change: KillSwitchChange): Promise<EscalationResult> => {
    const name = runtime.config.killSwitchParameterName;
    if (change.name !== name) throw new InvalidInputError(`a Parameter Store Change of ${JSON.stringify(change.name.slice(0, 256))}, not of the kill switch ${name}`);
    // EventBridge delivers the switch's own changes only: its account (this function's, where the stack created the
    // switch) and this region (each region has its own switch and rule). Anything else was handed to escalate directly
    // by someone who may invoke it (review 12, R12-3): refused, nobody paged.
    const own = await account();
    if (change.account !== own || change.region !== runtime.region) {
      throw new InvalidInputError(
        `a Parameter Store Change from account ${change.account}, ${change.region}: the kill switch ${name} this function watches is in account ${own}, ${runtime.region}; not announced (not an event EventBridge would deliver here)`,
      );
    }
    if (!policy.tiers[0]) throw new InvalidInputError(`the ${runtime.environment} escalation path has no tier to tell`);
    return (await announcer())(change);
  };
  return { service, runtime, logger, metrics, clock, deadline, announceKillSwitchChange };
}

/**
 * DRY_RUN=true: every message is rendered and logged, none is sent and no support case is opened. The one setting that
 * silences pages: set at deploy, in the function's configuration, never by the kill switch (decision 178).
 */
function dryRunNotifier(logger: Logger): EscalationServices['notifier'] {
  const log = (tier: EscalationTier, view: MessageView): TierDelivery => {
    const email = renderEmail(view);
    logger.info('dry run: message not sent', { tier: tier.name, subject: email.subject, text: email.text });
    return { channels: (tier.supportCase ? ['support-case'] : tier.channels).map((c) => `dry-run:${c}`), messageIds: [] };
  };
  return { notify: async (tier, view) => log(tier, view), resolve: async (tier, view) => log(tier, view) };
}

/** One escalation handler: the service wired once per container, `run` per event (create-escalate-handler.ts, create-escalation-timer-handler.ts). */
export function handlerFor(
  handlerName: string,
  options: EscalationHandlerOptions,
  run: (wired: Wired, event: unknown, context?: Partial<Context>) => Promise<EscalationResult>,
): EscalationHandler {
  const wired = wire(handlerName, options);
  const handler = async (event: unknown, context?: Partial<Context>): Promise<EscalationResult> => {
    if (context?.awsRequestId) wired.logger.addContext(context as Context);
    try {
      const result = await run(wired, event, context);
      wired.logger.info(`escalation: ${result.action}`, { result });
      return result;
    } catch (error) {
      if (!(error instanceof InvalidInputError)) {
        // Thrown on, so Lambda retries the event and then hands it to the failure destination (nothing lost); said here
        // with what failed, and for a record of the state table that is not one the automation writes, its key and fields.
        wired.logger.error('escalation failed: the event will be retried, then kept by the failure destination', {
          error: error as Error,
          ...(error instanceof StateRecordError ? { record: error.key, issues: error.issues } : {}),
        });
        throw error;
      }
      // Rejected with a reason and no AWS call; no retry would make it valid.
      wired.logger.warn('event rejected', { reason: error.message, details: error.details });
      wired.metrics.addMetric('EventsRejected', MetricUnit.Count, 1);
      return { action: 'rejected', reason: error.message, delivered: [] };
    } finally {
      // Publishing nothing only logs a warning: an invocation that counted nothing (a duplicate, a stop) stays quiet.
      if (wired.metrics.hasStoredMetrics()) wired.metrics.publishStoredMetrics();
      wired.logger.resetKeys();
    }
  };
  return Object.assign(handler, { runtime: wired.runtime });
}
