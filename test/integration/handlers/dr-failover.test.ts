// The automation follows a failover (decision 123), through the real entry points of the rows that change something
// (scale-consumers, raise-lambda-memory, scale-up-database, and verify-change's revert) and the real SDK against the
// emulator: the primary topology in us-east-1, its standby in us-west-2 (sandbox/provision-dr.ts: the cross-region read
// replica, the replicated queue, the DR consumer with its mapping disabled), and the DR region's own state table, bus,
// schedule groups, its queue-backup, memory-pressure and cpu-utilization alarms and the OOM metric filter. Before the
// failover each row's DR alarm is diagnosed and escalated, nothing changed in either region (Queue Backup's is deferred
// to the standby watch's depth alarm on the same queue: one incident and one page for the backlog, decision 158,
// through the real escalate entry point and the tier inboxes); once the emulator is in the
// state NotificationService-FailoverToDR leaves (replica promoted, DR mapping enabled, endpoint parameter pointed at the
// replica) the same alarms change the DR region's resources (the DR consumers' mapping, the DR consumer's memory, the
// promoted replica's class), failing health checks revert the DR consumers' mapping, the DR consumer's memory and the
// replica's class, and the primary's resources are untouched throughout. Last, a failback's by-hand step (the DR mapping disabled) and verify-change holds a revert.
//
// One provisioned world for the whole file, the tests in order (decision 130): the first four run before the failover,
// the failover is made by the first test after it ("after the failover ... scales the DR consumers"), and the tests
// after that read the failed-over state it leaves. Sharing is sound because each row acts on a resource of its own, with
// its own state item and incident: scale-consumers on the queue's consumers (RESOURCE#<queue ARN>), raise-lambda-memory
// on the DR consumer function (RESOURCE#<function ARN>), scale-up-database on the replica (RESOURCE#<replica ARN>), each
// fired by its own alarm; the cooldown and the hourly budget are per resource (shared/guard/evaluate-guardrails.ts). So
// no test's change can hold back or feed another's, and every assertion on a resource another test also changes is made
// on both regions' values read from the emulator before and after. The tests that depend on another's change are
// verify-change's: each judges a change made above (the DR consumers' scale-up; the DR consumer's raise; the replica's
// resize) through its health check, as production would, and says so (the scale-up's and the raise's checks both read
// the DR consumer's AWS/Lambda figures: the scale-up's is judged on Throttles, which the raise's never reads, before
// the raise's figures are put, decision 145); the failback test runs last because it ends the failed-over state, and first
// resizes the replica again (the revert test before it undid the first resize). A fresh
// world per test would repeat provisioning (two regions, 1500 messages) for nothing the assertions need.
import { CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand, PutMetricDataCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetEventSourceMappingCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, PromoteReadReplicaCommand, RDSClient } from '@aws-sdk/client-rds';
import { DeleteScheduleCommand, GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import type { EscalationResult } from '../../../shared/escalation/escalation-service';
import { EscalationStore } from '../../../shared/escalation/escalation-store';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { VerifyChangeHandler } from '../../../shared/pipeline/create-verify-change-handler';
import type { Decision } from '../../../shared/pipeline/types';
import { createEscalationInbox, type EscalationInbox } from '../../../sandbox/escalation-inbox';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { createSchedulerDriver } from '../../../sandbox/scheduler-driver';
import { provisionDrAutomation, provisionDrStandby, type DrAutomation, type DrStandby } from '../../../sandbox/provision-dr';
import { loadHandler } from '../../support/load-handler';
import { fireAlarm } from '../support/fire-alarm';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';

const DR = 'us-west-2';
const PRIMARY = 'us-east-1';
const QUEUE_ALARM = 'NotificationService Queue Depth > 1000 (notification-service-queue)';
// The standby watch's alarm on the same metric (the replicated queue's depth): 5 of 5 minutes (decision 158).
const STANDBY_DEPTH_ALARM = 'NotificationService DR Replicated Queue Depth > 1000 (notification-service-queue)';
const MUTATION = /^(Update|Put|Delete|Modify|Create|Promote|Reboot)/;
// The guard's text before the failover, after what the real reader reads in us-west-2 (decision 123).
const notServing = (replicationSource: string) =>
  `us-west-2 is the DR region of production and not serving: the replica ${standby.replica.identifier} still replicates ${replicationSource} (not promoted); ` +
  `the DR consumers' mapping ${standby.consumer.mappingUuid} (notification-service-consumer on notification-service-queue) is Disabled: ` +
  'its resources are the standby and serve no traffic, so the automation does not scale or resize them (report-only); a person decides';
// A deployment's override (RUNBOOK_CONFIG_JSON) that lets scale-up-database resize by itself in production.
const AUTOMATIC_DB = { environments: { production: { mutationModeByRow: { 'cpu-utilization': 'automatic' } } } };
// The same deployment asking a class change to bring the CPU down by 5 points: the replica's CPU staying at 85% is then
// "not improved", and every datapoint of the replica stays 85%, so the resize made again for the failback test reads 85%
// before, as the first one did (the health check averages the window's per-minute figures: another value would mix in).
const AUTOMATIC_DB_5_POINTS = { environments: { production: { ...AUTOMATIC_DB.environments.production, verifyChange: { cpuImprovementPercentPoints: 5 } } } };
// The same deployment without a cooldown: the replica resized again a minute after its revert (the cooldown is 300 s).
const AUTOMATIC_DB_NO_COOLDOWN = { environments: { production: { ...AUTOMATIC_DB.environments.production, guardrails: { cooldownSeconds: 0 } } } };
// What the reader reads after the failover.
const SERVING_SIGNAL = () =>
  `the replica ${standby.replica.identifier} is promoted (no replication source) and the DR consumers' mapping ${standby.consumer.mappingUuid} (notification-service-consumer on notification-service-queue) is Enabled`;

let account: SandboxAccount;
let standby: DrStandby;
let dr: DrAutomation;
let inbox: EscalationInbox;
const at = (region: string) => ({ ...account.clientConfig, region });

/** The consumers of both regions as the emulator holds them: mapping state and MaximumConcurrency, reserved concurrency. */
async function consumers() {
  const read = async (region: string, uuid: string, functionName: string) => {
    const lambda = new LambdaClient(at(region));
    try {
      const mapping = await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
      const reserved = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName }));
      return { state: mapping.State, maximumConcurrency: mapping.ScalingConfig?.MaximumConcurrency, reserved: reserved.ReservedConcurrentExecutions };
    } finally {
      lambda.destroy();
    }
  };
  return {
    primary: await read(PRIMARY, account.topology.consumer.mappingUuid, account.topology.consumer.functionName),
    dr: await read(DR, standby.consumer.mappingUuid, standby.consumer.functionName),
  };
}

type ProxyCall = { service: string; operation: string; accountId?: string };

/** What `run` gives, and the AWS calls this account's clients made through the gap proxy while it ran. */
async function withCalls<T>(run: () => Promise<T>): Promise<{ result: T; calls: ProxyCall[] }> {
  const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
  const result = await run();
  const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId);
  return { result, calls };
}

/** One of the DR region's alarms to ALARM (from OK, so each firing is its own state change) and through a real handler. */
async function alarmInDr(
  alarmName: string,
  reasonData: Record<string, unknown>,
  handler: AlarmHandler,
): Promise<{ decision: Decision; calls: ProxyCall[] }> {
  const cloudWatch = new CloudWatchClient(at(DR));
  await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'OK', StateReason: 'test: reset before firing' }));
  cloudWatch.destroy();
  const event = await fireAlarm({ clientConfig: account.clientConfig, accountId: account.accountId, region: DR, alarmName, reasonData });
  expect(event).toMatchObject({ region: DR });
  const { result: decision, calls } = await withCalls(() => handler(event));
  return { decision, calls };
}

/**
 * What a changing row's DR alarm watches, as the DR region's services publish it (decision 217: each playbook reads it
 * before a change): the OOM filter's count, five minutes of the replica's CPU at 85% (what replicaCpuInDr then reports, so
 * the health check's "before" stays 85%). The replicated queue's backlog
 * is real (1500 messages, below).
 */
async function drCondition(row: 'memory-pressure' | 'cpu-utilization'): Promise<void> {
  const cloudWatch = new CloudWatchClient(at(DR));
  const now = Date.now();
  const data = {
    'memory-pressure': { Namespace: account.topology.oomMetricFilter.namespace, MetricData: [{ MetricName: account.topology.oomMetricFilter.metricName, Value: 3, Unit: 'Count' as const, Timestamp: new Date(now) }] },
    'cpu-utilization': {
      Namespace: 'AWS/RDS',
      MetricData: [85, 85, 85, 85, 85].map((Value, i) => ({ MetricName: 'CPUUtilization', Value, Unit: 'Percent' as const, Timestamp: new Date(now - (4 - i) * 60_000), Dimensions: [{ Name: 'DBInstanceIdentifier', Value: standby.replica.identifier }] })),
    },
  }[row];
  await cloudWatch.send(new PutMetricDataCommand(data));
  if (row === 'memory-pressure') {
    // An out-of-memory kill is a function error: Lambda counts it in AWS/Lambda Errors, which the raise wants as well (decision 253).
    await cloudWatch.send(
      new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: [{ MetricName: 'Errors', Value: 3, Unit: 'Count', Timestamp: new Date(now), Dimensions: [{ Name: 'FunctionName', Value: standby.consumer.functionName }] }] }),
    );
  }
  cloudWatch.destroy();
}

/** The DR queue-backup alarm through the real scale-consumers handler. */
async function queueBackupInDr(): Promise<{ decision: Decision; calls: ProxyCall[] }> {
  return alarmInDr(QUEUE_ALARM, { statistic: 'Maximum', recentDatapoints: [1500] }, loadHandler('scale-consumers'));
}

/** The DR region's alarm of a row (its name as the DR stack declares it). */
function drAlarm(row: string): string {
  const alarm = dr.alarms.find((a) => a.rowId === row);
  if (!alarm) throw new Error(`the DR region has no ${row} alarm`);
  return alarm.name;
}

/** The DR consumer's OOM alarm through the real raise-lambda-memory handler. */
async function memoryPressureInDr(): Promise<{ decision: Decision; calls: ProxyCall[] }> {
  await drCondition('memory-pressure');
  return alarmInDr(drAlarm('memory-pressure'), { statistic: 'Sum', recentDatapoints: [3] }, loadHandler('raise-lambda-memory'));
}

/** The replica's CPU alarm through the real scale-up-database handler, loaded with `overrides` as RUNBOOK_CONFIG_JSON (a deployment's). */
async function cpuUtilizationInDr(overrides?: object): Promise<{ decision: Decision; calls: ProxyCall[] }> {
  const previous = process.env.RUNBOOK_CONFIG_JSON;
  if (overrides) process.env.RUNBOOK_CONFIG_JSON = JSON.stringify(overrides);
  try {
    await drCondition('cpu-utilization');
    return await alarmInDr(drAlarm('cpu-utilization'), { statistic: 'Average', recentDatapoints: [74.5, 79.3, 84.7, 86.1, 88.4] }, loadHandler('scale-up-database'));
  } finally {
    if (previous === undefined) delete process.env.RUNBOOK_CONFIG_JSON;
    else process.env.RUNBOOK_CONFIG_JSON = previous;
  }
}

/** What the other changing rows act on, in both regions, as the emulator holds it: each consumer's memory, each database's class. */
async function functionsAndDatabases() {
  const read = async (region: string, functionName: string, dbInstanceIdentifier: string) => {
    const lambda = new LambdaClient(at(region));
    const rds = new RDSClient(at(region));
    try {
      const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
      const [db] = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: dbInstanceIdentifier }))).DBInstances ?? [];
      return {
        memoryMb: fn.MemorySize,
        database: { id: db?.DBInstanceIdentifier, instanceClass: db?.DBInstanceClass, replicates: db?.ReadReplicaSourceDBInstanceIdentifier },
      };
    } finally {
      lambda.destroy();
      rds.destroy();
    }
  };
  return {
    primary: await read(PRIMARY, account.topology.consumer.functionName, account.topology.database.identifier),
    dr: await read(DR, standby.consumer.functionName, standby.replica.identifier),
  };
}

/** AWS/Lambda figures of the DR consumer for the current minute, in the DR region, as Lambda would publish them there. */
async function drConsumerMetrics(figures: { Invocations: number; Errors: number; Duration: number } | { Throttles: number }): Promise<void> {
  const cloudWatch = new CloudWatchClient(at(DR));
  await cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/Lambda',
      MetricData: Object.entries(figures).map(([MetricName, Value]) => ({
        MetricName,
        Value,
        Unit: MetricName === 'Duration' ? 'Milliseconds' : 'Count',
        Timestamp: new Date(),
        Dimensions: [{ Name: 'FunctionName', Value: standby.consumer.functionName }],
      })),
    }),
  );
  cloudWatch.destroy();
}

/** AWS/RDS CPUUtilization of the replica for the current minute, in the DR region, as RDS would publish it there. */
async function replicaCpuInDr(cpuPercent: number): Promise<void> {
  const cloudWatch = new CloudWatchClient(at(DR));
  await cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/RDS',
      MetricData: [{ MetricName: 'CPUUtilization', Value: cpuPercent, Unit: 'Percent', Timestamp: new Date(), Dimensions: [{ Name: 'DBInstanceIdentifier', Value: standby.replica.identifier }] }],
    }),
  );
  cloudWatch.destroy();
}

/** The one pending health check of `playbook` in the DR region's verify group, and the real verify-change handler (loaded with `overrides`). */
async function healthCheckInDr(playbook: string, overrides?: object): Promise<{ name: string; input: unknown; verify: VerifyChangeHandler }> {
  const previous = process.env.RUNBOOK_CONFIG_JSON;
  if (overrides) process.env.RUNBOOK_CONFIG_JSON = JSON.stringify(overrides);
  const scheduler = new SchedulerClient(at(DR));
  try {
    const verify = loadHandler<VerifyChangeHandler>('verify-change');
    const driver = createSchedulerDriver({ scheduler, groupName: dr.verifyScheduleGroup?.name ?? '', invoke: (_arn, input) => verify(input) });
    const pending = (await driver.pending()).filter((p) => (p.input as { playbook?: string }).playbook === playbook);
    expect(pending).toHaveLength(1);
    return { name: pending[0]?.name ?? '', input: pending[0]?.input, verify };
  } finally {
    scheduler.destroy();
    if (previous === undefined) delete process.env.RUNBOOK_CONFIG_JSON;
    else process.env.RUNBOOK_CONFIG_JSON = previous;
  }
}

/** The schedule deleted from the DR region's verify group, as Scheduler does once it has delivered it (ActionAfterCompletion DELETE). */
async function completedInDr(name: string): Promise<void> {
  const scheduler = new SchedulerClient(at(DR));
  await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: dr.verifyScheduleGroup?.name ?? '' }));
  scheduler.destroy();
}

/** Every "Runbook Decision" the DR region's bus delivered to the escalate handler's queue since the last read (removed from it). */
async function decisionsOnTheBus(): Promise<Array<{ detail: Decision }>> {
  const sqs = new SQSClient(at(DR));
  const decisions: Array<{ detail: Decision }> = [];
  try {
    for (;;) {
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dr.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (!received.Messages?.length) return decisions;
      for (const m of received.Messages) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: dr.decisionRoute.url, ReceiptHandle: m.ReceiptHandle }));
        decisions.push(JSON.parse(m.Body ?? '{}') as { detail: Decision });
      }
    }
  } finally {
    sqs.destroy();
  }
}

let escalate: EscalationHandler | undefined;
/** The standby watch's depth incident opened before the failover (the first test): its L2 timer fires after it (R12-7). */
let standbyIncidentBeforeFailover = '';
/** The bus's event of `decision` (published by its handler), given to the DR region's real escalate entry point (one container). */
async function escalateInDr(decision: Decision): Promise<EscalationResult> {
  const events = (await decisionsOnTheBus()).filter((e) => e.detail.incidentKey === decision.incidentKey && e.detail.playbook === decision.playbook);
  expect(events.map((e) => e.detail.decidedAt)).toEqual([decision.decidedAt]);
  escalate ??= loadHandler<EscalationHandler>('escalate');
  return escalate(events[0]);
}

/** An incident as the DR region's state table holds it. */
async function incidentInDr(incidentId: string) {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient(at(DR)));
  try {
    return await new EscalationStore(db, { tableName: dr.stateTable.name, retentionDays: 30, leaseSeconds: 60 }).get(incidentId);
  } finally {
    db.destroy();
  }
}

/** The DR region's unresolved incidents, as `runbook incidents --region us-west-2` lists them. */
async function unresolvedInDr() {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient(at(DR)));
  try {
    return (await new EscalationStore(db, { tableName: dr.stateTable.name, retentionDays: 30, leaseSeconds: 60 }).listUnresolved()).incidents;
  } finally {
    db.destroy();
  }
}

const writesOf = (calls: ProxyCall[]) => calls.filter((c) => ['lambda', 'rds', 'ssm'].includes(c.service) && MUTATION.test(c.operation));

beforeAll(async () => {
  account = await provisionAccount('production');
  const runtime = loadRuntimeConfig(process.env);
  standby = await provisionDrStandby({ clientConfig: account.clientConfig, config: runtime.config, environment: 'production', primary: account.topology });
  // The DR region's stack: since decision 123 it watches the changing rows too (their alarms, the OOM metric filter), and
  // has the health checks' schedule group.
  dr = await provisionDrAutomation({
    clientConfig: account.clientConfig,
    config: runtime.config,
    environment: 'production',
    standby,
    alsoRows: ['queue-backup', 'memory-pressure', 'cpu-utilization'],
  });
  // 1500 notifications on the replicated queue (the primary's is empty): the backlog the DR consumers would face.
  const sqs = new SQSClient(at(DR));
  for (let batch = 0; batch < 150; batch += 1) {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: standby.queue.url, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `{"n":${batch * 10 + i}}` })) }));
  }
  sqs.destroy();
  // The people on each tier, as the DR region's escalation reaches them (decision 158: one page for one backlog).
  inbox = await createEscalationInbox(at(DR), dr, 'dr-failover-inbox');
  // The handler below runs as the DR region's function does.
  Object.assign(process.env, { AWS_REGION: DR, AWS_DEFAULT_REGION: DR });
}, 300_000);

describe('the changing rows follow a failover to the DR region (production us-west-2)', () => {
  it('has the queue-backup alarm and the health checks\' group in the DR region', () => {
    expect(dr.alarms.map((a) => a.name)).toContain(QUEUE_ALARM);
    expect(dr.alarms.map((a) => a.rowId)).toEqual(expect.arrayContaining(['memory-pressure', 'cpu-utilization']));
    expect(dr.verifyScheduleGroup?.name).toBe('notification-runbooks-verify');
  });

  // Decision 146. Before the failover the replicated queue's backlog fires two alarms in us-west-2 on the same metric:
  // Queue Backup's (1 of 1 min, scale-consumers) and the standby watch's depth alarm (5 of 5 min, watch-standby). Until
  // decision 158 each opened an incident and paged L1 (scale-consumers escalated not-applicable, "no enabled event source
  // mapping"). Now scale-consumers' decision defers to the standby watch's alarm: recorded and published, no incident of
  // its own, and the standby watch's incident records it, whichever comes first. Queue Backup fires first here, as in
  // the field (1 minute against 5); then it fires again once the standby watch's incident is open.
  it("before the failover: one incident and one page for the replicated queue's backlog: scale-consumers defers to the standby watch, whose incident records it, and nothing changes in either region", async () => {
    const before = await consumers();
    expect(before).toEqual({
      primary: { state: 'Enabled', maximumConcurrency: 50, reserved: 100 },
      dr: { state: 'Disabled', maximumConcurrency: 50, reserved: 100 },
    });
    await decisionsOnTheBus();
    expect(await inbox.read()).toEqual([]);

    const { decision, calls } = await queueBackupInDr();

    // The standby's mapping waits disabled: the plan finds no consumer to scale, and the guard would block a change anyway
    // (not serving: test/integration/handlers/dr-region.test.ts). Both are said; the decision is the standby watch's to report.
    expect(decision).toMatchObject({
      playbook: 'scale-consumers',
      outcome: 'skipped',
      region: DR,
      deferredTo: { playbook: 'watch-standby', alarmName: STANDBY_DEPTH_ALARM },
      findings: ['planned, not escalated on its own: queue notification-service-queue has no enabled event source mapping: no consumer to scale (not-applicable)'],
    });
    expect(decision.escalation).toBeUndefined();
    expect(decision.reason).toBe(
      `deferred to watch-standby: us-west-2 is the DR region of production and not serving: the replica ${standby.replica.identifier} still replicates ${(await functionsAndDatabases()).dr.database.replicates ?? ''} (not promoted); ` +
        `the DR consumers' mapping ${standby.consumer.mappingUuid} (notification-service-consumer on notification-service-queue) is Disabled; ` +
        `the standby watch's alarm "${STANDBY_DEPTH_ALARM}" watches the same AWS/SQS ApproximateNumberOfMessagesVisible (QueueName=notification-service-queue) and reports it ` +
        '(5 of 5 datapoints in 5 min above 1000): one incident for one cause, this decision is recorded on that incident; scale-consumers acts here again once the region serves',
    );
    expect(await consumers()).toEqual(before);
    expect(writesOf(calls)).toEqual([]);
    // The signal was read in the DR region: the replica described, the mappings listed.
    expect(calls.map((c) => `${c.service}:${c.operation}`)).toEqual(expect.arrayContaining(['rds:DescribeDBInstances', 'lambda:ListEventSourceMappings']));
    // Through the DR region's escalate handler: no incident, nobody paged (the standby watch's alarm has not fired yet).
    const deferred = await escalateInDr(decision);
    expect(deferred).toMatchObject({ action: 'ignored', delivered: [] });
    expect(deferred.reason).toContain(`scale-consumers deferred to alarm "${STANDBY_DEPTH_ALARM}", which has no open incident yet: nobody notified`);
    expect(await inbox.read()).toEqual([]);

    // Four minutes on, the standby watch's depth alarm: watch-standby escalates, the escalation opens its incident, finds
    // the deferred decision on the queue's audit trail, records it, and pages L1 once (chat and email, production).
    const standbyRun = await alarmInDr(STANDBY_DEPTH_ALARM, { statistic: 'Maximum', recentDatapoints: [1500, 1500, 1500, 1500, 1500] }, loadHandler('watch-standby'));
    expect(standbyRun.decision).toMatchObject({ playbook: 'watch-standby', outcome: 'escalate', escalation: { cause: 'diagnosis' } });
    expect(standbyRun.decision.reason).toContain('the replicated queue notification-service-queue holds 1500 messages (pages above 1000)');
    const opened = await escalateInDr(standbyRun.decision);
    expect(opened).toMatchObject({ action: 'opened', delivered: [{ kind: 'notify', level: 1 }] });
    const pages = await inbox.read();
    expect(pages.map((m) => `${m.incidentId} ${m.level} ${m.channel}`).sort()).toEqual([`${opened.incidentId} 1 chat`, `${opened.incidentId} 1 email`]);
    const email = pages.find((m) => m.channel === 'email')?.message ?? '';
    expect(email).toContain('1500 messages');
    expect(email).toMatch(/LATER UPDATES[\s\S]*scale-consumers skipped: deferred to watch-standby/);
    const incident = await incidentInDr(opened.incidentId ?? '');
    expect(incident).toMatchObject({ alarmName: STANDBY_DEPTH_ALARM, status: 'OPEN', level: 1, decision: { playbook: 'watch-standby' } });
    standbyIncidentBeforeFailover = opened.incidentId ?? '';
    expect(incident?.updates.map((u) => [u.playbook, u.outcome, u.reason])).toEqual([['scale-consumers', 'skipped', decision.reason]]);

    // Queue Backup's alarm fires again (a new state change) while that incident is open: recorded on it, nobody paged again.
    const again = await queueBackupInDr();
    expect(again.decision).toMatchObject({ outcome: 'skipped', deferredTo: { alarmName: STANDBY_DEPTH_ALARM } });
    expect(await escalateInDr(again.decision)).toMatchObject({ action: 'updated', incidentId: opened.incidentId, delivered: [] });
    expect(await inbox.read()).toEqual([]);
    expect((await incidentInDr(opened.incidentId ?? ''))?.updates.map((u) => u.decidedAt)).toEqual([decision.decidedAt, again.decision.decidedAt]);
    expect(await consumers()).toEqual(before);
  });

  // The other changing rows before the failover: the guard blocks them (the region does not serve), naming what the real
  // reader read there; the plan is made, nothing is applied, and neither region's function or database changes.
  it('before the failover: raise-lambda-memory plans the DR consumer\'s raise and escalates dr-region naming why, and changes no function in either region', async () => {
    const before = await functionsAndDatabases();
    expect(before.dr.memoryMb).toBe(512);
    expect(before.primary.memoryMb).toBe(512);
    expect(before.dr.database.replicates).toBeDefined();

    const { decision, calls } = await memoryPressureInDr();

    expect(decision).toMatchObject({
      outcome: 'escalate',
      region: DR,
      dryRun: false,
      escalation: { cause: 'guardrail', guardrail: 'dr-region' },
      reason: `raise memory of notification-service-consumer after out-of-memory errors: memory 512 -> 768 MB: update your IaC (changed outside infrastructure code) — blocked: ${notServing(before.dr.database.replicates ?? '')} (NotificationService-RaiseLambdaMemory)`,
      resource: { type: 'lambda-function', id: standby.consumer.functionName, arn: expect.stringContaining(`:lambda:${DR}:`) },
    });
    expect(await functionsAndDatabases()).toEqual(before);
    expect(writesOf(calls)).toEqual([]);
    expect(calls.map((c) => `${c.service}:${c.operation}`)).toEqual(expect.arrayContaining(['rds:DescribeDBInstances', 'lambda:ListEventSourceMappings', 'lambda:GetFunctionConfiguration']));
  });

  it('before the failover: scale-up-database plans the replica\'s next class and escalates dr-region naming why, and resizes no database in either region', async () => {
    const before = await functionsAndDatabases();
    expect(before.dr.database).toMatchObject({ id: standby.replica.identifier, instanceClass: 'db.r6g.xlarge' });
    expect(before.primary.database).toEqual({ id: account.topology.database.identifier, instanceClass: 'db.r6g.xlarge', replicates: undefined });

    // First as a deployment that makes the row automatic (mutationModeByRow, as the test after the failover does): there
    // the DR guard alone stands between the alarm and a resize, and it holds. Then production's default: the DR guard
    // comes before its approval rule (the escalation is dr-region, not approval-required). Either way the person is
    // handed the document for the replica (the region's database), to run if they decide to.
    for (const overrides of [AUTOMATIC_DB, undefined]) {
      const { decision, calls } = await cpuUtilizationInDr(overrides);
      expect(decision).toMatchObject({
        outcome: 'escalate',
        region: DR,
        escalation: { cause: 'guardrail', guardrail: 'dr-region' },
        reason: expect.stringContaining(`${standby.replica.identifier}: db.r6g.xlarge -> db.r6g.2xlarge`),
        resource: { type: 'rds-db-instance', id: standby.replica.identifier, arn: expect.stringContaining(`:rds:${DR}:`) },
      });
      expect(decision.runbook).toEqual({
        documentName: 'NotificationService-ScaleUpDatabase',
        parameters: { DBInstanceIdentifier: [standby.replica.identifier], TargetInstanceClass: ['db.r6g.2xlarge'] },
      });
      expect(decision.reason).toContain(`— blocked: ${notServing(before.dr.database.replicates ?? '')}`);
      expect(await functionsAndDatabases()).toEqual(before);
      expect(writesOf(calls)).toEqual([]);
    }
  });

  it('after the failover (replica promoted, DR mapping enabled, as FailoverToDR leaves them): scales the DR consumers 50 -> 100, and the primary\'s stay as they were', async () => {
    // What FailoverToDR's data path leaves in us-west-2 (promoteReplica to waitConsumersEnabled), made here with the same calls.
    const rds = new RDSClient(at(DR));
    await rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: standby.replica.identifier }));
    const promoted = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: standby.replica.identifier }))).DBInstances?.[0];
    rds.destroy();
    expect(promoted?.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    await new SSMClient(at(DR)).send(new PutParameterCommand({ Name: standby.endpointParameterName, Value: standby.replica.endpointAddress, Type: 'String', Overwrite: true }));
    const lambda = new LambdaClient(at(DR));
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: standby.consumer.mappingUuid, Enabled: true }));
    lambda.destroy();
    const before = await consumers();
    expect(before).toEqual({
      primary: { state: 'Enabled', maximumConcurrency: 50, reserved: 100 },
      dr: { state: 'Enabled', maximumConcurrency: 50, reserved: 100 },
    });

    const { decision, calls } = await queueBackupInDr();

    expect(decision).toMatchObject({ outcome: 'applied', region: DR, after: { maximumConcurrency: { [standby.consumer.mappingUuid]: 100 } } });
    expect(decision.findings).toEqual([
      `us-west-2 (DR region) serving since a failover: the replica ${standby.replica.identifier} is promoted (no replication source) and the DR consumers' mapping ${standby.consumer.mappingUuid} (notification-service-consumer on notification-service-queue) is Enabled`,
    ]);
    // The emulator: the DR consumers scaled, the primary's exactly as before.
    expect(await consumers()).toEqual({ primary: before.primary, dr: { state: 'Enabled', maximumConcurrency: 100, reserved: 100 } });
    // The one mapping written is the DR consumers' (the proxy's log names no region: the UUID does).
    const writes = calls.filter((c) => c.service === 'lambda' && MUTATION.test(c.operation));
    expect(writes.map((c) => c.operation)).toEqual(['UpdateEventSourceMapping']);
    // Its health check is scheduled in the DR region's own group.
    expect(decision.healthCheck?.schedule).toBeDefined();
    // Serving, Queue Backup acts as decision 123 intends and defers to nothing: its own incident, watched for its alarm
    // to clear (nobody paged unless it still fires), not recorded on the standby watch's (decision 158).
    expect(decision.deferredTo).toBeUndefined();
    expect(await escalateInDr(decision)).toMatchObject({ action: 'watching', delivered: [] });
    expect(await inbox.read()).toEqual([]);
  });

  // Decision 189 (review 11a, finding 6): in the failed-over state the test above made, the standby lag alarm (in ALARM
  // for good: a promoted database publishes no ReplicaLag, missing data breaching) is one notice, not a climbing
  // escalation, and never offers the failover again.
  it('after the failover: the standby lag alarm is one region-serving notice to L1, no next tier scheduled, FailoverToDR not offered', async () => {
    const lagAlarm = `NotificationService DR Replica Lag > 300 s (${standby.replica.identifier})`;
    const run = await alarmInDr(lagAlarm, { statistic: 'Maximum', recentDatapoints: [] }, loadHandler('watch-standby'));
    expect(run.decision).toMatchObject({ playbook: 'watch-standby', outcome: 'escalate', escalation: { cause: 'region-serving' } });
    expect(run.decision.reason).toMatch(/^us-west-2 serves production since a failover: the standby watch no longer applies; switch regionRoles \(us-west-2 primary\) and redeploy\./);
    expect(run.decision.reason).not.toContain('FailoverToDR');
    expect(writesOf(run.calls)).toEqual([]);
    const opened = await escalateInDr(run.decision);
    expect(opened).toMatchObject({ action: 'opened', delivered: [{ kind: 'notify', level: 1 }] });
    const pages = await inbox.read();
    expect(pages.map((m) => `${m.incidentId} ${m.level} ${m.channel}`).sort()).toEqual([`${opened.incidentId} 1 chat`, `${opened.incidentId} 1 email`]);
    const email = pages.find((m) => m.channel === 'email')?.message ?? '';
    expect(email).toContain('This region serves since a failover: the standby watch no longer applies; switch regionRoles and redeploy');
    expect(email).toContain('a notice: no further tier is paged for it');
    expect(email).not.toContain('start-automation-execution --region us-west-2 --document-name NotificationService-FailoverToDR');
    // The state table: L1 notified, no next tier; Scheduler: no escalation timer for the incident in the DR region, only
    // the notice's re-read of its alarm in an hour (review 12 R12-13).
    const incidentId = opened.incidentId ?? '';
    const incident = await incidentInDr(incidentId);
    expect(incident).toMatchObject({ status: 'OPEN', level: 1, cause: 'region-serving' });
    expect(incident?.nextLevel).toBeUndefined();
    const scheduler = new SchedulerClient(at(DR));
    const group = dr.escalationScheduleGroup.name;
    const timerNames = async (): Promise<string[]> => ((await scheduler.send(new ListSchedulesCommand({ GroupName: group, NamePrefix: `escalation-${incidentId}` }))).Schedules ?? []).map((t) => t.Name ?? '');
    /** Delivers a schedule's own input to the DR region's escalation-timer, then deletes it as Scheduler does after a run. */
    const runSchedule = async (name: string): Promise<EscalationResult> => {
      const schedule = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
      const result = await loadHandler<EscalationHandler>('escalation-timer')(JSON.parse(schedule.Target?.Input ?? '{}') as unknown);
      await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: group }));
      return result;
    };
    try {
      expect(await timerNames()).toEqual([`escalation-${incidentId}-notice-c0-r1`]);
      const first = await scheduler.send(new GetScheduleCommand({ Name: `escalation-${incidentId}-notice-c0-r1`, GroupName: group }));
      expect(JSON.parse(first.Target?.Input ?? '{}')).toEqual({ action: 'notice', incidentId, cycle: 0, round: 1, alarm: { name: lagAlarm, account: account.accountId } });

      // Review 12 R12-13: 189 said the notice stays open "until acknowledged or the stack is redeployed (its alarm then no
      // longer exists)", but nothing closed it. While the alarm exists, each check schedules the next and tells nobody; the
      // alarm in ALARM, it reads the serving signal again (review 14 R14-14): still serving, the notice stands.
      const still = await runSchedule(`escalation-${incidentId}-notice-c0-r1`);
      expect(still).toMatchObject({ action: 'stopped', incidentId, delivered: [], reason: expect.stringContaining(`us-west-2 still serves (${SERVING_SIGNAL().replace(/^/, 'serving since a failover: ')}): the notice stays OPEN; checked again at `) });
      expect(await timerNames()).toEqual([`escalation-${incidentId}-notice-c0-r2`]);
      expect(await inbox.read()).toEqual([]);

      // The redeploy with us-west-2 primary deletes the standby watch's alarms (CloudWatch DeleteAlarms, as CloudFormation does).
      const cloudWatch = new CloudWatchClient(at(DR));
      await cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: [lagAlarm] }));
      expect((await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [lagAlarm] }))).MetricAlarms ?? []).toEqual([]);
      cloudWatch.destroy();

      // The next check finds it gone: the notice is closed, L1 told why on the channels it was paged on, exactly once each.
      const closed = await runSchedule(`escalation-${incidentId}-notice-c0-r2`);
      expect(closed).toMatchObject({ action: 'resolved', incidentId, delivered: [{ kind: 'resolve', level: 1 }], reason: expect.stringContaining(`alarm "${lagAlarm}" no longer exists`) });
      const told = await inbox.read();
      expect(told.map((m) => `${m.incidentId} ${m.level} ${m.kind} ${m.channel}`).sort()).toEqual([`${incidentId} 1 resolved chat`, `${incidentId} 1 resolved email`]);
      expect(told.find((m) => m.channel === 'email')?.message).toContain('no longer exists');
      expect(await incidentInDr(incidentId)).toMatchObject({ status: 'RESOLVED', resolution: expect.stringContaining('no longer exists') });
      // Nothing left: no check scheduled, the incident not among the region's unresolved ones (what runbook incidents lists).
      expect(await timerNames()).toEqual([]);
      expect((await unresolvedInDr()).map((i) => i.incidentId)).not.toContain(incidentId);
    } finally {
      scheduler.destroy();
    }
  });

  // Review 12, R12-7: the standby watch's depth incident opened before the failover (the first test: the replicated
  // queue's backlog, cause diagnosis, L1 paged, L2's timer set) stays in ALARM through it, so no new state change reaches
  // decision 189's judgement. Its L2 timer, delivered now (the failed-over state above) to the DR region's real
  // escalation-timer entry point with the schedule's own input, reads the serving signal before climbing: the incident
  // becomes the region-serving notice, L2 is not paged, L1 is told once, and nothing further is scheduled.
  it('after the failover: the standby incident opened before it does not climb: its L2 timer finds the region serving, tells L1 once, pages nobody above', async () => {
    const incidentId = standbyIncidentBeforeFailover;
    expect(incidentId).toMatch(/^inc-/);
    const scheduler = new SchedulerClient(at(DR));
    const group = dr.escalationScheduleGroup.name;
    try {
      const listed = await scheduler.send(new ListSchedulesCommand({ GroupName: group, NamePrefix: `escalation-${incidentId}` }));
      expect((listed.Schedules ?? []).map((t) => t.Name)).toEqual([`escalation-${incidentId}-l2`]);
      const l2 = await scheduler.send(new GetScheduleCommand({ Name: `escalation-${incidentId}-l2`, GroupName: group }));
      const input = JSON.parse(l2.Target?.Input ?? '{}') as unknown;
      expect(input).toMatchObject({ action: 'escalate', incidentId, level: 2 });
      // The alarm is still in ALARM (the backlog is there): only the serving signal tells this incident from a live one.
      const timer = loadHandler<EscalationHandler>('escalation-timer');
      const { result, calls } = await withCalls(() => timer(input));
      expect(result).toMatchObject({ action: 'updated', incidentId, delivered: [{ kind: 'notice', level: 1, tier: 'DevOps Team (L1)', via: 'chat+email' }] });
      expect(result.reason).toMatch(/^Cloud Infrastructure Team \(L2\) not notified: us-west-2 serves production since a failover \(read when Cloud Infrastructure Team \(L2\) was due\)/);
      expect(calls.map((c) => `${c.service}:${c.operation}`)).toEqual(expect.arrayContaining(['rds:DescribeDBInstances', 'lambda:ListEventSourceMappings']));
      const told = await inbox.read();
      expect(told.map((m) => `${m.incidentId} ${m.level} ${m.channel}`).sort()).toEqual([`${incidentId} 1 chat`, `${incidentId} 1 email`]);
      const email = told.find((m) => m.channel === 'email')?.message ?? '';
      expect(email).toContain('This region serves since a failover: the standby watch no longer applies; switch regionRoles and redeploy');
      expect(email).toContain('a notice: no further tier is paged for it');
      expect(email).not.toContain('--document-name NotificationService-FailoverToDR');
      expect(await incidentInDr(incidentId)).toMatchObject({ status: 'OPEN', level: 1, cause: 'region-serving', servingNotice: { insteadOfLevel: 2, previousCause: 'diagnosis' } });
      expect((await incidentInDr(incidentId))?.nextLevel).toBeUndefined();
      // Scheduler deletes a delivered one-time schedule; its second delivery (at least once) tells nobody again, climbs nothing.
      await scheduler.send(new DeleteScheduleCommand({ Name: `escalation-${incidentId}-l2`, GroupName: group }));
      expect(await timer(input)).toMatchObject({ action: 'updated', incidentId, delivered: [] });
      expect(await inbox.read()).toEqual([]);
      // Nothing climbs; only the notice's re-read of its alarm (review 12 R12-13), once however often the timer came.
      expect(((await scheduler.send(new ListSchedulesCommand({ GroupName: group, NamePrefix: `escalation-${incidentId}` }))).Schedules ?? []).map((t) => t.Name)).toEqual([`escalation-${incidentId}-notice-c0-r1`]);
    } finally {
      scheduler.destroy();
    }
  });

  // From here the emulator is in the failed-over state the test above made (replica promoted, DR mapping Enabled).
  // Judges the scale-up made by "scales the DR consumers 50 -> 100" just above: its health check, scheduled in the DR
  // region's group, delivered to the real verify-change entry point with the schedule's own input, as Scheduler would,
  // then deleted as Scheduler does. Its signal is the DR consumer's AWS/Lambda Errors, Invocations and Throttles
  // (queue-backup-health.ts); raise-lambda-memory's reads that function's Errors, Invocations and Duration in the same
  // window, and its tests below assert exact sums of those. So this test puts Throttles only (a figure the memory check
  // never reads), and runs before the raise's figures are put: its "after" holds no invocations (no error rate judged),
  // and the raise's figures hold nothing of it. Its "before" is what the scale-up read (no datapoints: counted as 0).
  it('after the failover: verify-change reverts the DR consumers\' mapping 100 -> 50 when throttles appeared after the scale-up, and the primary\'s consumers are untouched', async () => {
    const before = await consumers();
    expect(before).toEqual({
      primary: { state: 'Enabled', maximumConcurrency: 50, reserved: 100 },
      dr: { state: 'Enabled', maximumConcurrency: 100, reserved: 100 },
    });
    const { name, input, verify } = await healthCheckInDr('scale-consumers');
    // More concurrency than the DR consumer's reservation and the account give it room for: Lambda throttles it.
    await drConsumerMetrics({ Throttles: 12 });

    const { result: verdict, calls } = await withCalls(() => verify(input));

    expect(verdict).toMatchObject({
      playbook: 'scale-consumers',
      outcome: 'escalate',
      region: DR,
      escalation: { cause: 'made-worse' },
      resource: { type: 'sqs-queue-consumers', id: 'notification-service-queue', arn: expect.stringContaining(`:sqs:${DR}:`) },
    });
    expect(verdict.reason).toMatch(
      new RegExp(`made things worse \\(notification-service-consumer throttles appeared: 0 -> 12 in \\d+ min\\); reverted to the recorded value: maximumConcurrency\\.${standby.consumer.mappingUuid} 50`),
    );
    // The emulator: the DR consumers back at 50, the primary's exactly as before; the one write is the DR mapping's.
    expect(await consumers()).toEqual({ primary: before.primary, dr: { state: 'Enabled', maximumConcurrency: 50, reserved: 100 } });
    expect(writesOf(calls).map((c) => c.operation)).toEqual(['UpdateEventSourceMapping']);
    await completedInDr(name);
  });

  it('after the failover: raise-lambda-memory raises the DR consumer 512 -> 768 MB, naming the signal, and the primary\'s consumer stays at 512 MB', async () => {
    const before = await functionsAndDatabases();
    expect(before.dr.memoryMb).toBe(512);
    expect(before.dr.database.replicates).toBeUndefined();
    // The DR consumers, serving, publish their figures there: the health check's "before" (verify-change below).
    await drConsumerMetrics({ Invocations: 400, Errors: 1, Duration: 400 * 120 });

    const { decision, calls } = await memoryPressureInDr();

    expect(decision).toMatchObject({
      outcome: 'applied',
      region: DR,
      reason: expect.stringContaining('memory 512 -> 768 MB: update your IaC'),
      before: { memoryMb: 512 },
      after: { memoryMb: 768, lastUpdateStatus: 'Successful' },
      resource: { type: 'lambda-function', id: standby.consumer.functionName, arn: expect.stringContaining(`:lambda:${DR}:`) },
      // Errors before: the serving consumers' 1, and the 3 kills of each of this file's two out-of-memory episodes (before
      // and after the failover), each a function error in AWS/Lambda Errors as Lambda counts it (decision 253).
      healthCheck: { windowMinutes: 10, before: { figures: expect.objectContaining({ invocations: 400, errors: 7 }) } },
    });
    expect(decision.findings).toEqual(expect.arrayContaining([`us-west-2 (DR region) serving since a failover: ${SERVING_SIGNAL()}`]));
    expect(await functionsAndDatabases()).toEqual({ primary: before.primary, dr: { ...before.dr, memoryMb: 768 } });
    expect(writesOf(calls).map((c) => c.operation)).toEqual(['UpdateFunctionConfiguration']);
  });

  it('after the failover: scale-up-database offers production\'s approval document for the promoted replica and, where a deployment makes the row automatic, resizes the replica db.r6g.xlarge -> db.r6g.2xlarge; the primary\'s database keeps its class', async () => {
    const before = await functionsAndDatabases();
    expect(before.dr.database).toEqual({ id: standby.replica.identifier, instanceClass: 'db.r6g.xlarge', replicates: undefined });

    // Production's default (a class change only behind approval) holds in a serving DR region as in the primary: the
    // document is named for the replica, nothing is resized.
    const approval = await cpuUtilizationInDr();
    expect(approval.decision).toMatchObject({
      outcome: 'escalate',
      region: DR,
      escalation: { cause: 'approval-required', guardrail: 'approval-required' },
      runbook: {
        documentName: 'NotificationService-ScaleUpDatabase',
        parameters: { DBInstanceIdentifier: [standby.replica.identifier], TargetInstanceClass: ['db.r6g.2xlarge'] },
      },
    });
    expect(await functionsAndDatabases()).toEqual(before);
    expect(writesOf(approval.calls)).toEqual([]);

    // A deployment that lets this row act by itself in production (mutationModeByRow, RUNBOOK_CONFIG_JSON): the replica
    // really resized in the emulator. The promoted replica publishes the CPU its alarm saw: the health check's "before".
    await replicaCpuInDr(85);
    const automatic = await cpuUtilizationInDr(AUTOMATIC_DB);
    expect(automatic.decision).toMatchObject({
      outcome: 'applied',
      region: DR,
      before: { instanceClass: 'db.r6g.xlarge' },
      after: { instanceClass: 'db.r6g.2xlarge', status: 'available' },
      resource: { type: 'rds-db-instance', id: standby.replica.identifier, arn: expect.stringContaining(`:rds:${DR}:`) },
    });
    expect(automatic.decision.findings).toEqual(expect.arrayContaining([`us-west-2 (DR region) serving since a failover: ${SERVING_SIGNAL()}`]));
    expect(await functionsAndDatabases()).toEqual({ primary: before.primary, dr: { ...before.dr, database: { ...before.dr.database, instanceClass: 'db.r6g.2xlarge' } } });
    expect(writesOf(automatic.calls).map((c) => c.operation)).toEqual(['ModifyDBInstance']);
    expect(automatic.decision.healthCheck).toMatchObject({ before: { figures: expect.objectContaining({ cpuPercent: 85 }) } });
  });

  // Judges the raise made by "raises the DR consumer 512 -> 768 MB" above: its health check, scheduled in the DR region's
  // group, delivered to the real verify-change entry point with the schedule's own input, as Scheduler would.
  it('after the failover: verify-change reverts the DR consumer\'s raised memory to 512 MB when its errors rose, and the primary\'s consumer is untouched', async () => {
    const before = await functionsAndDatabases();
    expect(before.dr.memoryMb).toBe(768);
    const { input, verify } = await healthCheckInDr('raise-lambda-memory');
    // Timeouts (Lambda counts them in Errors) after the raise.
    await drConsumerMetrics({ Invocations: 200, Errors: 60, Duration: 200 * 120 });

    const { result: verdict, calls } = await withCalls(() => verify(input));

    expect(verdict).toMatchObject({
      outcome: 'escalate',
      region: DR,
      escalation: { cause: 'made-worse' },
      reason: expect.stringMatching(/function error rate 1\.8% -> \d+(\.\d)?%.*reverted to the recorded value: memoryMb 512/),
    });
    expect(await functionsAndDatabases()).toEqual({ primary: before.primary, dr: { ...before.dr, memoryMb: 512 } });
    expect(writesOf(calls).map((c) => c.operation)).toEqual(['UpdateFunctionConfiguration']);
  });

  // Judges the resize made by "resizes the replica db.r6g.xlarge -> db.r6g.2xlarge" above: its health check, scheduled in
  // the DR region's group, delivered to the real verify-change entry point with the schedule's own input, as Scheduler
  // would, and then deleted as Scheduler does (the failback test below judges a resize made again, its own schedule).
  it('after the failover: verify-change reverts the promoted replica\'s class db.r6g.2xlarge -> db.r6g.xlarge when its CPU did not improve, and the primary\'s database keeps its class', async () => {
    const before = await functionsAndDatabases();
    expect(before.dr.database).toEqual({ id: standby.replica.identifier, instanceClass: 'db.r6g.2xlarge', replicates: undefined });
    expect(before.primary.database).toEqual({ id: account.topology.database.identifier, instanceClass: 'db.r6g.xlarge', replicates: undefined });
    const { name, input, verify } = await healthCheckInDr('scale-up-database', AUTOMATIC_DB_5_POINTS);
    // The replica's CPU after the resize: as before it (85%), not down by the 5 points the deployment asks.
    await replicaCpuInDr(85);

    const { result: verdict, calls } = await withCalls(() => verify(input));

    expect(verdict).toMatchObject({
      outcome: 'escalate',
      region: DR,
      escalation: { cause: 'made-worse' },
      reason: expect.stringMatching(/CPU 85% -> 85%: did not improve by 5 points.*reverted to the recorded value: .*db\.r6g\.xlarge/),
    });
    expect(await functionsAndDatabases()).toEqual({ primary: before.primary, dr: { ...before.dr, database: { ...before.dr.database, instanceClass: 'db.r6g.xlarge' } } });
    expect(writesOf(calls).map((c) => c.operation)).toEqual(['ModifyDBInstance']);
    await completedInDr(name);
  });

  // Last, because it ends the failed-over state: FailbackToPrimary's by-hand step in us-west-2 (the DR consumers'
  // mapping disabled) while the replica stays promoted. The scale-up (made again here first, the region still serving:
  // the test above reverted the first) is then judged worse, and verify-change holds its revert there: a revert is a
  // change, and the region no longer serves (decision 123). The deployment's override is the one the scale-up ran with
  // (every handler of a deployment reads the same configuration).
  it('after a failback disables the DR consumers: verify-change does not revert the replica\'s class, though its CPU did not improve, and says the region no longer serves', async () => {
    // The resize it judges, made again while the region serves: the test above reverted the first one.
    const again = await cpuUtilizationInDr(AUTOMATIC_DB_NO_COOLDOWN);
    expect(again.decision).toMatchObject({ outcome: 'applied', region: DR, before: { instanceClass: 'db.r6g.xlarge' }, after: { instanceClass: 'db.r6g.2xlarge', status: 'available' } });
    expect(again.decision.healthCheck).toMatchObject({ before: { figures: expect.objectContaining({ cpuPercent: 85 }) } });
    const before = await functionsAndDatabases();
    expect(before.dr.database.instanceClass).toBe('db.r6g.2xlarge');
    const lambda = new LambdaClient(at(DR));
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: standby.consumer.mappingUuid, Enabled: false }));
    lambda.destroy();
    expect((await consumers()).dr.state).toBe('Disabled');
    const { input, verify } = await healthCheckInDr('scale-up-database', AUTOMATIC_DB_NO_COOLDOWN);
    await replicaCpuInDr(90);

    const { result: verdict, calls } = await withCalls(() => verify(input));

    expect(verdict).toMatchObject({ outcome: 'escalate', region: DR, escalation: { cause: 'made-worse' } });
    expect(verdict.reason).toMatch(/CPU 85% -> \d+(\.\d)?%: did not improve/);
    expect(verdict.reason).toContain(
      `not reverted: us-west-2 is the DR region of production and not serving: the DR consumers' mapping ${standby.consumer.mappingUuid} (notification-service-consumer on notification-service-queue) is Disabled; the replica ${standby.replica.identifier} is promoted, but that alone is not a failover`,
    );
    expect(await functionsAndDatabases()).toEqual(before);
    expect(writesOf(calls)).toEqual([]);
  });

  // Review 14 R14-14, continuing the 215 case ("the standby incident opened before it does not climb") past the failback
  // the test above made (the DR consumers' mapping Disabled, the replica promoted and replicating nothing): the standby
  // depth alarm is still in ALARM, and nothing but the notice's hourly check ever reads this incident again. That check,
  // its own schedule's input delivered to the DR region's real escalation-timer, reads the serving signal again: the
  // region no longer serves, so the notice is withdrawn (L1 told once), the incident is the standby incident again
  // (diagnosis) and climbs from L2, the tier the notice replaced, with L3's timer set.
  it('after the failback: the standby incident made a notice at its L2 timer climbs again at its hourly check: L1 told the notice is withdrawn, L2 paged, L3 scheduled', async () => {
    const incidentId = standbyIncidentBeforeFailover;
    expect(incidentId).toMatch(/^inc-/);
    expect((await consumers()).dr.state).toBe('Disabled');
    const cloudWatch = new CloudWatchClient(at(DR));
    const [depthAlarm] = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [STANDBY_DEPTH_ALARM] }))).MetricAlarms ?? [];
    cloudWatch.destroy();
    expect(depthAlarm?.StateValue).toBe('ALARM');
    expect(await incidentInDr(incidentId)).toMatchObject({ status: 'OPEN', level: 1, cause: 'region-serving', servingNotice: { insteadOfLevel: 2 } });
    const scheduler = new SchedulerClient(at(DR));
    const group = dr.escalationScheduleGroup.name;
    const timerNames = async (): Promise<string[]> => ((await scheduler.send(new ListSchedulesCommand({ GroupName: group, NamePrefix: `escalation-${incidentId}` }))).Schedules ?? []).map((t) => t.Name ?? '');
    try {
      expect(await timerNames()).toEqual([`escalation-${incidentId}-notice-c0-r1`]);
      const check = await scheduler.send(new GetScheduleCommand({ Name: `escalation-${incidentId}-notice-c0-r1`, GroupName: group }));
      const input = JSON.parse(check.Target?.Input ?? '{}') as unknown;
      expect(input).toEqual({ action: 'notice', incidentId, cycle: 0, round: 1, alarm: { name: STANDBY_DEPTH_ALARM, account: account.accountId } });
      expect(await inbox.read()).toEqual([]);
      const timer = loadHandler<EscalationHandler>('escalation-timer');

      const { result, calls } = await withCalls(() => timer(input));

      expect(result).toMatchObject({
        action: 'escalated',
        incidentId,
        delivered: [
          { kind: 'resume', level: 1, tier: 'DevOps Team (L1)', via: 'chat+email' },
          { kind: 'notify', level: 2, tier: 'Cloud Infrastructure Team (L2)' },
        ],
      });
      // The signal read again where the alarm lives, and nothing changed in either region.
      expect(calls.map((c) => `${c.service}:${c.operation}`)).toEqual(expect.arrayContaining(['rds:DescribeDBInstances', 'lambda:ListEventSourceMappings']));
      expect(writesOf(calls)).toEqual([]);
      await scheduler.send(new DeleteScheduleCommand({ Name: `escalation-${incidentId}-notice-c0-r1`, GroupName: group }));
      const told = await inbox.read();
      expect(told.filter((m) => m.level === 1).map((m) => `${m.incidentId} ${m.channel}`).sort()).toEqual([`${incidentId} chat`, `${incidentId} email`]);
      expect(told.filter((m) => m.level === 2).length).toBeGreaterThan(0);
      expect(told.every((m) => m.incidentId === incidentId && [1, 2].includes(m.level))).toBe(true);
      const l1 = told.find((m) => m.level === 1 && m.channel === 'email')?.message ?? '';
      expect(l1).toContain('us-west-2 no longer serves production');
      expect(l1).toContain(`the DR consumers' mapping ${standby.consumer.mappingUuid} (notification-service-consumer on notification-service-queue) is Disabled`);
      const l2 = told.find((m) => m.level === 2 && m.channel === 'email')?.message ?? '';
      expect(l2).toContain('the standby watch applies again');
      expect(l2).not.toContain('This region serves since a failover');
      // The state table: the standby incident again, at L2, L3 next; Scheduler: L3's timer, the notice's checks ended.
      const incident = await incidentInDr(incidentId);
      expect(incident).toMatchObject({ status: 'OPEN', level: 2, cause: 'diagnosis', nextLevel: 3, servingEnded: { fromLevel: 2, cycle: 0, round: 1 } });
      expect(incident?.servingNotice).toBeUndefined();
      expect(await timerNames()).toEqual([`escalation-${incidentId}-l3`]);

      // The same check delivered again (at least once): nobody told twice, nothing scheduled again.
      expect(await timer(input)).toMatchObject({ action: 'updated', incidentId, delivered: [] });
      expect(await inbox.read()).toEqual([]);
      expect(await timerNames()).toEqual([`escalation-${incidentId}-l3`]);
    } finally {
      scheduler.destroy();
    }
  });
});
