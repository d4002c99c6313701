// The rows of the reliability table: every playbook that changes something, and verify-change's revert. Each row says
// how to put the emulator where one delivery makes one change, which calls make that change (counted in the gap
// proxy's call log), which services it calls (throttled), and which of its calls mutate (denied).
import { PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Clock } from '../../../../shared/clock';
import type { RuntimeConfig } from '../../../../shared/config/load-config';
import type { EnvironmentName } from '../../../../shared/config/schema';
import { changeStep } from '../../../../shared/pipeline/change-step';
import { createAlarmHandler } from '../../../../shared/pipeline/create-alarm-handler';
import { createVerifyChangeHandler } from '../../../../shared/pipeline/create-verify-change-handler';
import type { Decision } from '../../../../shared/pipeline/types';
import { cpuUtilizationPlaybook } from '../../../../shared/playbooks/cpu-utilization';
import { memoryPressurePlaybook } from '../../../../shared/playbooks/memory-pressure';
import { queueBackupPlaybook } from '../../../../shared/playbooks/queue-backup';
import type { FaultRule } from '../../../../sandbox/gap-proxy';
import { getProxyCalls } from '../../../../sandbox/proxy-control';
import { createSchedulerDriver } from '../../../../sandbox/scheduler-driver';
import { loadHandler } from '../../../support/load-handler';
import { putDatabaseCpu, putQueueDepth, writeOutOfMemoryLines, type SandboxAccount } from '../../support/sandbox-account';
import type { PlaybookRow } from './guarantee-table';

/** One AWS API as the gap proxy's call log names it (SigV4 service + operation) and as IAM names it. */
export interface ApiRef {
  service: string;
  operation: string;
  iamAction: string;
}

export type Handler = (event: unknown) => Promise<Decision>;
export type Rule = Omit<FaultRule, 'accountId'>;
type KnobValue = number | string;

export interface PlaybookCase {
  row: PlaybookRow;
  /** handlers/<handler>.ts, the entry point Lambda runs. */
  handler: string;
  environment: EnvironmentName;
  /** RUNBOOK_CONFIG_JSON for the account ('' = the project's defaults). */
  configJson?: Record<string, unknown>;
  /** The handler as handlers/<handler>.ts builds it, with an injected clock where a test drives time. */
  create(options?: { clock?: Clock }): Handler;
  /**
   * Puts the account where one delivery of the returned event makes one change (for verify-change: a scale-up whose
   * health got worse, so the change is reverted). Calls made here come before the test's call-log mark.
   */
  arrange(account: SandboxAccount, clock?: Clock): Promise<unknown>;
  /** The decision of a delivery that made the change. */
  made(decision: Decision | undefined): boolean;
  /**
   * Where a retry after the emulator was cut does not end in `made` (still exactly one change), what it ends in and
   * why: a known gap, asserted exactly as it is, printed in the table and named in the README. Remove it once closed.
   */
  afterCut?: Partial<Record<'cut-after-change' | 'cut-after-publish', { outcome: Decision['outcome']; published: number; gap: string }>>;
  /** Audit entries on the resource once the change is made: one per incident, whatever the retries. */
  auditEntries: number;
  /** The decisions a completed change publishes on the bus (what arrange published is drained before). */
  publishedOutcome: Decision['outcome'];
  /**
   * Every call one duplicate delivery makes (`service:Operation`, sorted), by what it finds: the claim still held by the
   * delivery making the change (`running`) or completed (`done`). Review 20a R20-6: a duplicate is not free of AWS calls.
   */
  duplicateCalls: { running: readonly string[]; done: readonly string[] };
  knob: {
    name: string;
    read(account: SandboxAccount): Promise<KnobValue>;
    /** The value after exactly one change from the arranged state, from the configuration (not the planner). */
    afterOneChange(account: SandboxAccount, runtime: RuntimeConfig): KnobValue;
  };
  /**
   * The call each change makes exactly once (the change itself): each one that reaches AWS is one change. Further steps
   * of the same change (scale-consumers raising reserved concurrency first) are not counted again.
   */
  changeCalls: readonly ApiRef[];
  /** Faults on every service the row calls, each few enough for the SDK's own retries (4 attempts) to absorb. */
  throttles: readonly Rule[];
  /** A conflict on the change (an update in progress), and the deliveries it takes to complete the change. */
  conflict: Rule;
  conflictDeliveries: number;
  /**
   * Throttling cases where the row does not end in `made` with its change recorded once: what it ends in instead, and
   * why (a known gap, asserted exactly as it is and named in the table).
   */
  throttlingGaps?: Partial<Record<'conflict' | 'report', { outcome: Decision['outcome']; deliveries: number; changes: number; published: Array<Decision['outcome']>; gap: string }>>;
  /** Each call that mutates the resource, and how to put the resource where that call is reached. */
  mutatingCalls: ReadonlyArray<{ api: ApiRef; prepare?(account: SandboxAccount): Promise<void> }>;
  /** Everything the row may change, read from the emulator: "no half-made change" compares two of these. */
  snapshot(account: SandboxAccount): Promise<Record<string, unknown>>;
}

// --- reading the emulator -------------------------------------------------------------------------------------------

async function maximumConcurrency(account: SandboxAccount): Promise<number> {
  const mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
  return mapping.ScalingConfig?.MaximumConcurrency ?? 0;
}

async function reservedConcurrency(account: SandboxAccount): Promise<number | null> {
  const result = await account.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: account.topology.consumer.functionName }));
  return result.ReservedConcurrentExecutions ?? null;
}

async function memoryMb(account: SandboxAccount): Promise<number> {
  const configuration = await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName }));
  return configuration.MemorySize ?? 0;
}

async function instanceClass(account: SandboxAccount): Promise<string> {
  const result = await new RDSClient(account.clientConfig).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: account.topology.database.identifier }));
  return result.DBInstances?.[0]?.DBInstanceClass ?? '';
}

export function alarmOf(account: SandboxAccount, handler: string): string {
  const name = account.topology.alarmNamesByHandler[handler]?.[0];
  if (!name) throw new Error(`the topology has no ${handler} alarm`);
  return name;
}

/** The calls of `apis` the proxy recorded for the account since `since` (faulted ones included: subtract what fired). */
export async function callsOf(control: string, accountId: string, since: number, apis: readonly Pick<ApiRef, 'service' | 'operation'>[]): Promise<number> {
  const calls = await getProxyCalls(control, since);
  return calls.filter((c) => c.accountId === accountId && apis.some((a) => a.service === c.service && a.operation === c.operation)).length;
}

/** The consumer's AWS/Lambda figures at one instant, as Lambda would publish them. */
export async function putConsumerMetrics(account: SandboxAccount, figures: Record<string, number>, at: Date): Promise<void> {
  const data: MetricDatum[] = Object.entries(figures).map(([MetricName, Value]) => ({
    MetricName,
    Value,
    Unit: 'Count',
    Timestamp: at,
    Dimensions: [{ Name: 'FunctionName', Value: account.topology.consumer.functionName }],
  }));
  await account.cloudWatch.send(new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: data }));
}

/** The health checks scale-ups scheduled in the account, in due order: what EventBridge Scheduler would deliver. */
export async function scheduledHealthChecks(account: SandboxAccount): Promise<unknown[]> {
  const driver = createSchedulerDriver({
    scheduler: new SchedulerClient(account.clientConfig),
    groupName: account.topology.verifyScheduleGroup.name,
    invoke: () => {
      throw new Error('the reliability suite delivers health checks itself');
    },
  });
  return (await driver.pending()).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime()).map((p) => p.input);
}

// --- the configuration's steps, computed here from the configuration values ------------------------------------------

/** MaximumConcurrency: baseline, then + stepConcurrency each scale-up, never past the cap (Lambda allows 2..1000). */
export function concurrencySteps(baseline: number, runtime: RuntimeConfig): number[] {
  const { stepConcurrency, maxConcurrency } = runtime.env.scaleConsumers;
  const cap = Math.min(maxConcurrency, 1000);
  const steps = [baseline];
  while ((steps.at(-1) ?? cap) < cap) steps.push(Math.min(cap, (steps.at(-1) ?? 0) + stepConcurrency));
  return steps;
}

/** MemorySize: x stepFactor, rounded up to roundUpToMb, never past maxMemoryMb (Lambda allows 128..10240). */
export function memorySteps(baseline: number, runtime: RuntimeConfig): number[] {
  const { stepFactor, roundUpToMb, maxMemoryMb } = runtime.env.raiseLambdaMemory;
  const cap = Math.min(maxMemoryMb, 10240);
  const steps = [baseline];
  while ((steps.at(-1) ?? cap) < cap) steps.push(Math.min(cap, Math.ceil(((steps.at(-1) ?? 0) * stepFactor) / roundUpToMb) * roundUpToMb));
  return steps;
}

/** DBInstanceClass: the environment's ladder from the current class up. */
export function ladderSteps(current: string, runtime: RuntimeConfig): string[] {
  const ladder = runtime.env.scaleUpDatabase.ladder;
  const at = ladder.indexOf(current);
  return at < 0 ? [current] : ladder.slice(at);
}

// --- the rows ---------------------------------------------------------------------------------------------------------

const lambdaApi = (operation: string): ApiRef => ({ service: 'lambda', operation, iamAction: `lambda:${operation}` });
const UPDATE_MAPPING = lambdaApi('UpdateEventSourceMapping');
const PUT_CONCURRENCY = lambdaApi('PutFunctionConcurrency');
const UPDATE_FUNCTION = lambdaApi('UpdateFunctionConfiguration');
const MODIFY_DB: ApiRef = { service: 'rds', operation: 'ModifyDBInstance', iamAction: 'rds:ModifyDBInstance' };

// Error codes, statuses and messages as the services document them (Lambda, DynamoDB, EventBridge, SQS, CloudWatch, SSM,
// Scheduler, RDS API references). The query-protocol services (RDS, CloudWatch) answer "Throttling".
const throttle = (service: string, operation: string, times = 1): Rule => {
  if (service === 'lambda') return { service, operation, times, status: 429, code: 'TooManyRequestsException', message: 'Rate exceeded' };
  if (service === 'rds' || service === 'monitoring') return { service, operation, times, status: 400, code: 'Throttling', message: 'Rate exceeded' };
  if (service === 'dynamodb') return { service, operation, times, status: 400, code: 'ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' };
  return { service, operation, times, status: 400, code: 'ThrottlingException', message: 'Rate exceeded' };
};

const lambdaConflict = (operation: string): Rule => ({
  service: 'lambda',
  operation,
  times: 1,
  status: 409,
  code: 'ResourceConflictException',
  message: 'The operation cannot be performed at this time. An update is in progress for resource.',
});

/** What every alarm row's pipeline calls: the alarm re-read, kill switch, claim and audit, the health check's schedule, the bus. */
const PIPELINE_THROTTLES: readonly Rule[] = [
  throttle('monitoring', 'DescribeAlarms'),
  throttle('monitoring', 'GetMetricData'),
  throttle('ssm', 'GetParameter'),
  throttle('dynamodb', 'PutItem', 2),
  throttle('scheduler', 'CreateSchedule'),
  throttle('events', 'PutEvents', 2),
];

const alarmMade = (decision: Decision | undefined): boolean => decision?.outcome === 'applied';

export const scaleConsumersCase: PlaybookCase = {
  row: 'scale-consumers',
  handler: 'scale-consumers',
  environment: 'production',
  create: (options = {}) => createAlarmHandler({ playbook: queueBackupPlaybook, changes: changeStep, ...options }),
  // The backlog as SQS publishes it, then the alarm: the playbook's reading bears it out (decision 217).
  arrange: async (account) => {
    await putQueueDepth(account);
    return account.transition(alarmOf(account, 'scale-consumers'), 'ALARM');
  },
  made: alarmMade,
  publishedOutcome: 'applied',
  // The alarm re-read, the queue's URL (its addressing read, decision 216), the refused claim; the same whether the claim is still held or completed.
  duplicateCalls: { running: ['dynamodb:PutItem', 'monitoring:DescribeAlarms', 'sqs:GetQueueUrl'], done: ['dynamodb:PutItem', 'monitoring:DescribeAlarms', 'sqs:GetQueueUrl'] },
  auditEntries: 1,
  knob: {
    name: 'MaximumConcurrency',
    read: maximumConcurrency,
    afterOneChange: (account, runtime) => concurrencySteps(account.topology.consumer.maximumConcurrency, runtime)[1] ?? NaN,
  },
  changeCalls: [UPDATE_MAPPING],
  throttles: [throttle('sqs', 'GetQueueAttributes', 2), throttle('lambda', 'GetFunctionConcurrency'), throttle('lambda', 'UpdateEventSourceMapping', 2), ...PIPELINE_THROTTLES],
  conflict: lambdaConflict('UpdateEventSourceMapping'),
  // Not retried by the SDK, thrown as transient: the next delivery completes it.
  conflictDeliveries: 2,
  mutatingCalls: [
    // At MaximumConcurrency 100 with 100 reserved, the next step raises reserved concurrency first, then the mapping.
    ...[PUT_CONCURRENCY, UPDATE_MAPPING].map((api) => ({
      api,
      prepare: async (account: SandboxAccount) => {
        await account.lambda.send(new UpdateEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid, ScalingConfig: { MaximumConcurrency: 100 } }));
      },
    })),
  ],
  snapshot: async (account) => ({ maximumConcurrency: await maximumConcurrency(account), reservedConcurrency: await reservedConcurrency(account) }),
};

export const raiseLambdaMemoryCase: PlaybookCase = {
  row: 'raise-lambda-memory',
  handler: 'raise-lambda-memory',
  environment: 'production',
  create: (options = {}) => createAlarmHandler({ playbook: memoryPressurePlaybook, changes: changeStep, ...options }),
  // An out-of-memory line and its count, then the alarm: the playbook's reading bears it out (decision 217).
  arrange: async (account) => {
    await writeOutOfMemoryLines(account);
    return account.transition(alarmOf(account, 'raise-lambda-memory'), 'ALARM');
  },
  made: alarmMade,
  publishedOutcome: 'applied',
  // The alarm re-read and the refused claim; the same whether the claim is still held or completed.
  duplicateCalls: { running: ['dynamodb:PutItem', 'monitoring:DescribeAlarms'], done: ['dynamodb:PutItem', 'monitoring:DescribeAlarms'] },
  auditEntries: 1,
  knob: {
    name: 'MemorySize',
    read: memoryMb,
    afterOneChange: (account, runtime) => memorySteps(account.topology.consumer.memoryMb, runtime)[1] ?? NaN,
  },
  changeCalls: [UPDATE_FUNCTION],
  throttles: [
    throttle('lambda', 'GetFunctionConfiguration'),
    throttle('lambda', 'ListAliases'),
    throttle('logs', 'DescribeMetricFilters'),
    // The OOM lines behind the alarm (decision 155): a throttled read is the SDK's to retry, like the others.
    throttle('logs', 'FilterLogEvents'),
    throttle('lambda', 'UpdateFunctionConfiguration', 2),
    ...PIPELINE_THROTTLES,
  ],
  conflict: lambdaConflict('UpdateFunctionConfiguration'),
  // The playbook itself waits for the update in progress and retries (memory-pressure.ts): one delivery.
  conflictDeliveries: 1,
  mutatingCalls: [{ api: UPDATE_FUNCTION }],
  snapshot: async (account) => ({ memoryMb: await memoryMb(account) }),
};

export const scaleUpDatabaseCase: PlaybookCase = {
  row: 'scale-up-database',
  handler: 'scale-up-database',
  // Production changes the DB class only behind approval; staging applies it.
  environment: 'staging',
  create: (options = {}) => createAlarmHandler({ playbook: cpuUtilizationPlaybook, changes: changeStep, ...options }),
  // The CPU alarm firing on five minutes over 70% that RDS published (the playbook reads them: decision 217), with the
  // datapoints CloudWatch would list (the sandbox's transition writes queue-depth ones).
  arrange: async (account) => {
    await putDatabaseCpu(account);
    const event = await account.transition(alarmOf(account, 'scale-up-database'), 'ALARM');
    const state = (event as { detail: { state: { reasonData: string } } }).detail.state;
    state.reasonData = JSON.stringify({ version: '1.0', statistic: 'Average', period: 60, recentDatapoints: [74.5, 79.3, 84.7, 86.1, 88.4], threshold: 70 });
    return event;
  },
  made: alarmMade,
  publishedOutcome: 'applied',
  // The alarm re-read and the refused claim; the same whether the claim is still held or completed.
  duplicateCalls: { running: ['dynamodb:PutItem', 'monitoring:DescribeAlarms'], done: ['dynamodb:PutItem', 'monitoring:DescribeAlarms'] },
  auditEntries: 1,
  knob: {
    name: 'DBInstanceClass',
    read: instanceClass,
    afterOneChange: (account, runtime) => ladderSteps(account.topology.database.instanceClass, runtime)[1] ?? '(top of the ladder)',
  },
  changeCalls: [MODIFY_DB],
  throttles: [throttle('rds', 'DescribeDBInstances'), throttle('rds', 'ModifyDBInstance', 2), ...PIPELINE_THROTTLES],
  // RDS refuses a modification while another is under way with InvalidDBInstanceState (400).
  conflict: { service: 'rds', operation: 'ModifyDBInstance', times: 1, status: 400, code: 'InvalidDBInstanceState', message: 'Database instance is not in available state.' },
  conflictDeliveries: 1,
  throttlingGaps: {
    conflict: {
      outcome: 'escalate',
      deliveries: 1,
      changes: 0,
      published: ['escalate'],
      gap: 'RDS InvalidDBInstanceState is taken as permanent: escalated with no change instead of retried',
    },
  },
  mutatingCalls: [{ api: MODIFY_DB }],
  snapshot: async (account) => ({ instanceClass: await instanceClass(account) }),
};

/**
 * verify-change's revert: scale-consumers scales a healthy consumer up (its health check scheduled), then throttles
 * appear; the delivered schedule reverts the mapping to its recorded value. The schedule's input is taken from the
 * emulator's Scheduler, as Scheduler would deliver it.
 */
export const verifyChangeCase: PlaybookCase = {
  row: 'verify-change',
  handler: 'verify-change',
  environment: 'production',
  create: (options = {}) => createVerifyChangeHandler(options),
  arrange: async (account, clock) => {
    const at = (): Date => clock?.now() ?? new Date();
    await putConsumerMetrics(account, { Invocations: 500, Errors: 2, Throttles: 0 }, at());
    await putQueueDepth(account);
    const scaled = await loadHandler('scale-consumers')(await account.transition(alarmOf(account, 'scale-consumers'), 'ALARM'));
    if (scaled.outcome !== 'applied') throw new Error(`arrange: scale-consumers did not scale up: ${scaled.outcome}: ${scaled.reason}`);
    // scale-consumers ran on the real clock and recorded its change at real time; the health check's window starts at
    // that minute. A test clock still behind it (made before the arrange) would stamp the "after" figures in the minute
    // before whenever a minute boundary fell in between ("no datapoints after the change": seen once in 4 runs). Bring
    // it up to the change first.
    const behind = Date.now() - at().getTime();
    if (clock && behind > 0) await clock.sleep(behind);
    await putConsumerMetrics(account, { Invocations: 300, Errors: 100, Throttles: 40 }, at());
    const [input, ...more] = await scheduledHealthChecks(account);
    if (!input || more.length > 0) throw new Error(`arrange: expected one scheduled health check, found ${more.length + (input ? 1 : 0)}`);
    return input;
  },
  // The revert records its intent on verify-change's claim before it is applied: a retry after the revert reached AWS
  // records that revert (the made-worse escalation, published) instead of judging again and finding the change gone.
  made: (decision) => decision?.outcome === 'escalate' && decision.escalation?.cause === 'made-worse' && decision.reason.includes('reverted to the recorded value'),
  publishedOutcome: 'escalate',
  // The recorded change read, the refused claim; one that finds the check done also takes it off the sweep's list.
  duplicateCalls: { running: ['dynamodb:GetItem', 'dynamodb:PutItem'], done: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'] },
  // The scale-up's entry and the health check's.
  auditEntries: 2,
  knob: {
    name: 'MaximumConcurrency',
    read: maximumConcurrency,
    // Back to the value before the scale-up.
    afterOneChange: (account) => account.topology.consumer.maximumConcurrency,
  },
  changeCalls: [UPDATE_MAPPING],
  throttles: [
    throttle('dynamodb', 'PutItem', 2),
    throttle('monitoring', 'GetMetricData'),
    throttle('lambda', 'GetEventSourceMapping'),
    throttle('lambda', 'UpdateEventSourceMapping', 2),
    throttle('ssm', 'GetParameter'),
    throttle('events', 'PutEvents', 2),
  ],
  conflict: lambdaConflict('UpdateEventSourceMapping'),
  conflictDeliveries: 2,
  mutatingCalls: [{ api: UPDATE_MAPPING }],
  snapshot: async (account) => ({ maximumConcurrency: await maximumConcurrency(account), reservedConcurrency: await reservedConcurrency(account) }),
};

/** Every row of the table. */
export const playbookCases: readonly PlaybookCase[] = [scaleConsumersCase, raiseLambdaMemoryCase, scaleUpDatabaseCase, verifyChangeCase];

/** The entry point Lambda runs (handlers/<name>.ts), loaded fresh as a new container would. */
export function entryPoint(playbook: PlaybookCase): Handler {
  return loadHandler<Handler>(playbook.handler);
}

/** Operations that change something, by name (the proxy's call log names SigV4 service + API). */
export function isMutating(operation: string): boolean {
  return !/^(Get|List|Describe|Query|Scan|BatchGet|Receive|Filter|Lookup|Search|Head|Select)/.test(operation);
}
