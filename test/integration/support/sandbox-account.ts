// Integration-test support: a fresh, isolated sandbox account with the Notification Service topology provisioned in it.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricDataCommand, SetAlarmStateCommand, type MetricAlarm, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import type { EnvironmentName } from '../../../shared/config/schema';
import { buildAlarmStateChangeEvent, createAlarmEvaluator } from '../../../sandbox/alarm-evaluator';
import { sandboxEnv } from '../../../sandbox/credentials';
import { provisionSandbox, type SandboxClientConfig } from '../../../sandbox/provision';
import type { Topology } from '../../../sandbox/topology';
import { stateChangedAt } from '../../../shared/aws/alarm-state-reader';

export interface SandboxAccount {
  accountId: string;
  env: Record<string, string>;
  clientConfig: SandboxClientConfig;
  topology: Topology;
  cloudWatch: CloudWatchClient;
  lambda: LambdaClient;
  sqs: SQSClient;
  dynamo: DynamoDBDocumentClient;
  /** Sets the alarm's state in the emulator and returns the event CloudWatch would emit for that change. */
  transition(alarmName: string, value: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA', reason?: string): Promise<Record<string, unknown>>;
}

/** A random 12-digit account id: each test gets its own account on the shared moto server. */
export function uniqueAccountId(): string {
  return String(randomInt(200_000_000_000, 999_999_999_999));
}

/**
 * Provisions the topology in its own account and points this process's SDK at it (AWS_ENDPOINT_URL comes from the
 * jest global setup). Handlers created after this call act in that account.
 */
export async function provisionAccount(environment: EnvironmentName = 'production', extraEnv: Record<string, string> = {}): Promise<SandboxAccount> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: run integration tests through jest --selectProjects integration');
  const accountId = uniqueAccountId();
  // RUNBOOK_ACCOUNT_ID as infra sets it: the account the handlers run in, the workload account of a single-account deployment.
  const env: Record<string, string> = { ...sandboxEnv({ endpoint, accountId }), RUNBOOK_ENVIRONMENT: environment, RUNBOOK_ACCOUNT_ID: accountId, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', ...extraEnv };
  Object.assign(process.env, env);
  const clientConfig: SandboxClientConfig = {
    endpoint,
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '' },
  };
  const runtime = loadRuntimeConfig(process.env);
  const topology = await provisionSandbox({ clientConfig, config: runtime.config, environment });
  const cloudWatch = new CloudWatchClient(clientConfig);
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig));
  let previous: { value: string; reason: string; timestamp: string } = {
    value: 'INSUFFICIENT_DATA',
    reason: 'Unchecked: Initial alarm creation',
    timestamp: new Date().toISOString(),
  };
  return {
    accountId,
    env,
    clientConfig,
    topology,
    cloudWatch,
    lambda: new LambdaClient(clientConfig),
    sqs: new SQSClient(clientConfig),
    dynamo,
    async transition(alarmName, value, reason) {
      const stateReason = reason ?? `Threshold Crossed: test moved ${alarmName} to ${value}`;
      const reasonData = JSON.stringify({ version: '1.0', queryDate: new Date().toISOString(), statistic: 'Maximum', period: 60, recentDatapoints: [1500], threshold: 1000 });
      await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: value, StateReason: stateReason, StateReasonData: reasonData }));
      const described = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }));
      const alarm = described.MetricAlarms?.[0] as MetricAlarm;
      const timestamp = (stateChangedAt(alarm) ?? new Date()).toISOString();
      const event = buildAlarmStateChangeEvent({
        alarm,
        account: accountId,
        region: clientConfig.region,
        previous,
        current: { value, reason: stateReason, reasonData, timestamp },
      });
      previous = { value, reason: stateReason, timestamp };
      return event;
    },
  };
}

export function queueAlarmName(topology: Topology): string {
  const name = topology.alarmNamesByHandler['scale-consumers']?.[0];
  if (!name) throw new Error('the topology has no scale-consumers alarm');
  return name;
}

/** Puts AWS/Lambda Count datapoints (Invocations, Errors, Throttles...) for the account's consumer function, timestamped now. */
export async function putLambdaMetrics(account: SandboxAccount, figures: Record<string, number>): Promise<void> {
  const data: MetricDatum[] = Object.entries(figures).map(([MetricName, Value]) => ({
    MetricName,
    Value,
    Unit: 'Count',
    Timestamp: new Date(),
    Dimensions: [{ Name: 'FunctionName', Value: account.topology.consumer.functionName }],
  }));
  await account.cloudWatch.send(new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: data }));
}

// The conditions the changing rows' alarms watch, made real in the emulator (decision 217): each playbook reads its own
// evidence before a change, so a test that wants a change creates what a real alarm would have seen, not only its state.

/**
 * The queue's depth as SQS publishes it to CloudWatch (AWS/SQS ApproximateNumberOfMessagesVisible, one datapoint at `at`,
 * now unless given): what the depth alarm evaluated. Filling moto's queue past 1000 costs O(depth) per send (35 s here),
 * so the tests give the backlog as its metric; the demo fills the queue itself (cli/demo/scenarios/queue-backup.ts).
 */
export async function putQueueDepth(account: Pick<SandboxAccount, 'cloudWatch' | 'topology'>, depth = 1500, at: Date = new Date()): Promise<void> {
  await account.cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/SQS',
      MetricData: [{ MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: account.topology.queue.name }], Value: depth, Unit: 'Count', Timestamp: at }],
    }),
  );
}

/**
 * The backlog (1500) as SQS published it in the minute before this one, the minute the depth alarm's ALARM evaluated
 * (CloudWatch judges the newest datapoint of its range, decision 263): a later OK's minute (okInALaterMinute) is then
 * already a later one, with no wait for the clock's next minute (decision 282). Returns the datapoint's timestamp.
 */
export async function putBacklogAMinuteAgo(account: Pick<SandboxAccount, 'cloudWatch' | 'topology'>): Promise<Date> {
  const at = new Date(Date.now() - 60_000);
  await putQueueDepth(account, 1500, at);
  return at;
}

/**
 * A stream name as Lambda names one of a function's in its own log group (Lambda Developer Guide, "Configuring CloudWatch
 * log groups"): YYYY/MM/DD/[$LATEST]<execution environment id, 32 hex digits> (decision 253).
 */
export function lambdaLogStreamName(at = new Date()): string {
  return `${at.toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

/**
 * Lambda's REPORT line of an invocation that ended in `errorType` (plain-text log format, tab-separated, the format the
 * Lambda Developer Guide gives for a failed invocation: "Understanding the Lambda execution environment lifecycle"), its
 * usage at the MemorySize: what Lambda writes when a function runs out of it.
 */
export function outOfMemoryReportLine(memoryMb: number, errorType: 'Runtime.OutOfMemory' | 'Runtime.ExitError' = 'Runtime.OutOfMemory', requestId: string = randomUUID()): string {
  return (
    `REPORT RequestId: ${requestId}\tDuration: 1200.00 ms\tBilled Duration: 1201 ms\tMemory Size: ${memoryMb} MB\t` +
    `Max Memory Used: ${memoryMb} MB\tStatus: error\tError Type: ${errorType}\t\n`
  );
}

/**
 * How Lambda records a kill at memory (decision 267; samples with their sources: test/fixtures/lambda-logs): a managed
 * runtime (Node.js, Python, ...) types it Runtime.OutOfMemory; an OS-only runtime, which the seed's PHP 8.2 consumer is,
 * exits killed ("Runtime exited with error: signal: killed", the line the OOM filter counts) and Lambda's REPORT says
 * Runtime.ExitError at the MemorySize.
 */
export type KillShape = 'custom-runtime' | 'managed-runtime';

/** The lines one kill at `memoryMb` leaves in the function's log stream, in the order Lambda writes them. */
export function killLines(memoryMb: number, shape: KillShape): string[] {
  const requestId = randomUUID();
  if (shape === 'managed-runtime') return [outOfMemoryReportLine(memoryMb, 'Runtime.OutOfMemory', requestId)];
  return [`RequestId: ${requestId} Error: Runtime exited with error: signal: killed`, 'Runtime.ExitError', outOfMemoryReportLine(memoryMb, 'Runtime.ExitError', requestId)];
}

/** The consumer's AWS/Lambda Errors now, as Lambda publishes them for invocations that failed (an out-of-memory kill is one). */
export async function putConsumerErrors(account: Pick<SandboxAccount, 'cloudWatch' | 'topology'>, errors: number, at = new Date()): Promise<void> {
  await account.cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/Lambda',
      MetricData: [{ MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: account.topology.consumer.functionName }], Value: errors, Unit: 'Count', Timestamp: at }],
    }),
  );
}

/**
 * `count` out-of-memory kills of the consumer, just now, as AWS records them: the lines each leaves (killLines: by default
 * the seed's consumer's, an OS-only runtime's) at the function's current MemorySize in a stream Lambda would name, the
 * count the OOM metric filter would publish for them (moto stores metric filters but does not run them), and the
 * function's AWS/Lambda Errors (decision 253), unless `errors: 'later'`: Lambda sends its metrics at 1-minute intervals,
 * so the alarm may fire before they are in CloudWatch (decision 267); the caller then publishes them with
 * putConsumerErrors at `killedAt`.
 */
export async function writeOutOfMemoryLines(
  account: Pick<SandboxAccount, 'clientConfig' | 'cloudWatch' | 'topology'>,
  count = 1,
  options: { shape?: KillShape; errors?: 'with-the-kill' | 'later' } = {},
): Promise<{ killedAt: Date }> {
  const logs = new CloudWatchLogsClient(account.clientConfig);
  const lambda = new LambdaClient(account.clientConfig);
  try {
    const memoryMb = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName }))).MemorySize;
    if (memoryMb === undefined) throw new Error(`${account.topology.consumer.functionName} has no MemorySize`);
    const { logGroupName, namespace, metricName } = account.topology.oomMetricFilter;
    const logStreamName = lambdaLogStreamName();
    await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
    const now = Date.now();
    const messages = Array.from({ length: count }, () => killLines(memoryMb, options.shape ?? 'custom-runtime')).flat();
    const events = messages.map((message, i) => ({ timestamp: now - (messages.length - i) * 100, message }));
    await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents: events }));
    await account.cloudWatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: metricName, Value: count, Unit: 'Count', Timestamp: new Date(now) }] }));
    if ((options.errors ?? 'with-the-kill') === 'with-the-kill') await putConsumerErrors(account, count, new Date(now));
    return { killedAt: new Date(now) };
  } finally {
    logs.destroy();
    lambda.destroy();
  }
}

/** The database's CPUUtilization as RDS publishes it, one datapoint a minute ending now (production's alarm: > 70 for 5 of 5). */
export async function putDatabaseCpu(account: Pick<SandboxAccount, 'cloudWatch' | 'topology'>, percents: readonly number[] = [74.5, 79.3, 84.7, 86.1, 88.4]): Promise<void> {
  const now = Date.now();
  await account.cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/RDS',
      MetricData: percents.map((Value, i) => ({
        MetricName: 'CPUUtilization',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: account.topology.database.identifier }],
        Value,
        Unit: 'Percent',
        Timestamp: new Date(now - (percents.length - 1 - i) * 60_000),
      })),
    }),
  );
}

/**
 * The condition the alarm of `handler` watches, made real (decision 217): the queue's depth, an out-of-memory kill (its
 * REPORT line, the filter's count, the function's errors: decision 253), or five minutes of CPU over 70%. Nothing for a handler that changes nothing.
 */
export async function breach(account: Pick<SandboxAccount, 'clientConfig' | 'cloudWatch' | 'topology'>, handler: string): Promise<void> {
  if (handler === 'scale-consumers') await putQueueDepth(account);
  else if (handler === 'raise-lambda-memory') await writeOutOfMemoryLines(account);
  else if (handler === 'scale-up-database') await putDatabaseCpu(account);
}

/**
 * `alarmName` (in ALARM) cleared as CloudWatch clears it, and the event CloudWatch emits for it: the sandbox's own
 * evaluator judges a minute of its own on the account's resources as they are (for the depth alarm: the queue, empty
 * unless a test sent messages). Decision 263: a depth OK restores only when the alarm's own metric bears it out, so a bare
 * SetAlarmState OK in the minute CloudWatch holds the backlog's 1500 (putQueueDepth) restores nothing.
 */
export async function clearedByCloudWatch(account: Pick<SandboxAccount, 'clientConfig' | 'topology'>, alarmName: string): Promise<Record<string, unknown>> {
  const evaluator = createAlarmEvaluator({ clientConfig: account.clientConfig, topology: account.topology, minutePerEvaluation: true });
  const cleared = (await evaluator.evaluateOnce()).filter((t) => t.alarmName === alarmName);
  const moves = cleared.map((t) => `${t.from} -> ${t.to}`);
  if (moves.length !== 1 || moves[0] !== 'ALARM -> OK') throw new Error(`${alarmName}: the evaluator moved it ${moves.join(', ') || 'nowhere'}, not ALARM -> OK once`);
  return cleared[0]?.event as Record<string, unknown>;
}

/**
 * The depth alarm's OK for a caller that reads the alarm itself (a runbook document builds the event from DescribeAlarms,
 * with no StateReasonData): the backlog's minute (`backlogAt`, the 1500's timestamp) is over before the drained depth is
 * published and the alarm set OK, as CloudWatch's OK comes in a later minute than the breach (decision 263: the OK
 * restores only when the alarm's newest period is under its threshold). The backlog is stamped in an earlier minute
 * (putBacklogAMinuteAgo), so nothing waits for the clock (decision 282); one in this minute is refused, not waited for.
 */
export async function okInALaterMinute(account: SandboxAccount, alarmName: string, backlogAt: Date, depth = 0): Promise<Record<string, unknown>> {
  const now = new Date();
  if (Math.floor(backlogAt.getTime() / 60_000) >= Math.floor(now.getTime() / 60_000)) {
    throw new Error(`the backlog's datapoint (${backlogAt.toISOString()}) is not in a minute before this one (${now.toISOString()}): stamp it earlier (putBacklogAMinuteAgo)`);
  }
  await putQueueDepth(account, depth, now);
  return account.transition(alarmName, 'OK');
}
