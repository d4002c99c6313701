// Issue 17 item 2 against the emulator, two accounts: the escalation runs in an operations account and reads the alarm
// in the workload account through the role the workload offers it. The operations account holds a same-named alarm that
// never fires, so only a read in the workload can find the alarm still in ALARM.
import { DeleteAlarmsCommand, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { OWN_ACCOUNT_ENV, REMEDIATION_ROLE_ENV } from '../../../shared/aws/account-clients';
import { WORKLOAD_ACCOUNT_ENV } from '../../../shared/config/names';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { buildAlarmStateChangeEvent } from '../../../sandbox/alarm-evaluator';
import { createEscalationInbox, type EscalationInbox, type InboxMessage } from '../../../sandbox/escalation-inbox';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { createSandboxClock, type SchedulerDriver } from '../../../sandbox/scheduler-driver';
import { provisionAccount, putDatabaseCpu, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';
import { sandboxRemediationTrust } from '../support/remediation-trust';
import { handlerScheduleDriver } from '../support/handler-schedules';
import { loadHandler } from '../../support/load-handler';

const MINUTE_MS = 60_000;
const roleOf = (handler: string): string => `notification-runbooks-remediate-${handler}`;

/** The operations account's calls of one operation since `since` (calls made with assumed-role keys name no sandbox account). */
async function operationsCalls(operations: SandboxAccount, operation: string, since: number): Promise<number> {
  const calls = await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since);
  return calls.filter((c) => c.accountId === operations.accountId && c.operation === operation).length;
}

const callCount = async (): Promise<number> => await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');

function levels(messages: readonly InboxMessage[]): string[] {
  return messages.map((m) => `${m.kind}:L${m.level}:${m.channel}`).sort();
}

describe('escalation in cross-account mode', () => {
  let operations: SandboxAccount;
  let workload: SandboxAccount;
  let inbox: EscalationInbox;
  let escalate: EscalationHandler;
  let timer: EscalationHandler;
  let driver: SchedulerDriver;
  let incidentId: string;
  let deleted: MetricAlarm | undefined;
  const clock = createSandboxClock();

  beforeAll(async () => {
    operations = await provisionAccount('production');
    workload = await provisionAccount('production');
    // The workload's roles for the playbook and the two escalation handlers, with infra's trust: each handler's session,
    // tagged with its playbook, incident and region, admitted (the gap proxy judges it; decision 147).
    const iam = new IAMClient(workload.clientConfig);
    for (const handler of ['scale-consumers', 'escalate', 'escalation-timer']) {
      await iam.send(new CreateRoleCommand({ RoleName: roleOf(handler), AssumeRolePolicyDocument: sandboxRemediationTrust(operations.accountId, handler, operations.clientConfig.region ?? '?') }));
    }
    await workload.lambda.send(new UpdateEventSourceMappingCommand({ UUID: workload.topology.consumer.mappingUuid, ScalingConfig: { MaximumConcurrency: 400 } }));
    inbox = await createEscalationInbox(operations.clientConfig, operations.topology, 'cross-account-inbox');

    // Each function's container runs with the operations account's credentials and its own role name, as infra configures it.
    const load = <T>(handler: string): T => {
      Object.assign(process.env, operations.env, { [REMEDIATION_ROLE_ENV]: roleOf(handler), [OWN_ACCOUNT_ENV]: operations.accountId, [WORKLOAD_ACCOUNT_ENV]: workload.accountId });
      return loadHandler<T>(handler);
    };
    const scaleConsumers = load<AlarmHandler>('scale-consumers');
    escalate = load<EscalationHandler>('escalate');
    timer = load<EscalationHandler>('escalation-timer');
    driver = handlerScheduleDriver(operations, 'escalation-timer', timer);

    // The workload's alarm fires; scale-consumers (through its role) finds the consumers at the cap and escalates.
    const alarmEvent = await workload.transition(queueAlarmName(workload.topology), 'ALARM');
    const decided = await scaleConsumers(alarmEvent);
    expect(decided).toMatchObject({ outcome: 'escalate', account: workload.accountId, escalation: { cause: 'cap-reached' } });
    const url = operations.topology.decisionRoute.url;
    const received = await operations.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const m of received.Messages ?? []) await operations.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    const [decision] = (received.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>);

    const since = await callCount();
    const opened = await escalate(decision);
    expect(opened).toMatchObject({ action: 'opened', delivered: [{ level: 1 }] });
    incidentId = opened.incidentId ?? '';
    // escalate re-read the alarm through its role in the workload, not in the operations account.
    expect(await operationsCalls(operations, 'AssumeRole', since)).toBe(1);
    expect(await operationsCalls(operations, 'DescribeAlarms', since)).toBe(0);
    expect(levels(await inbox.read())).toEqual(['opened:L1:chat', 'opened:L1:email']);
    // Two whole topologies are provisioned on a shared 2-core machine.
  }, 240_000);

  afterAll(() => {
    delete process.env[REMEDIATION_ROLE_ENV];
    delete process.env[OWN_ACCOUNT_ENV];
    delete process.env[WORKLOAD_ACCOUNT_ENV];
  });

  it("climbs L1 -> L2 when nobody acknowledges, with the alarm read from the workload account", async () => {
    // The operations account's alarm of the same name has never fired: read there, the escalation would pause.
    const [own] = (await operations.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [queueAlarmName(operations.topology)] }))).MetricAlarms ?? [];
    expect(own?.StateValue).not.toBe('ALARM');

    const since = await callCount();
    clock.advance(16 * MINUTE_MS);
    const fired = await driver.runDue(clock);
    expect(fired.map((f) => f.result)).toEqual([
      expect.objectContaining({ action: 'escalated', delivered: [expect.objectContaining({ level: 2, tier: 'Cloud Infrastructure Team (L2)' })] }),
    ]);
    const l2 = await inbox.read();
    expect(levels(l2)).toEqual(['escalated:L2:chat', 'escalated:L2:email']);
    // The message is about the workload's resource and says where each document runs: the acknowledgement in operations.
    // At the cap it offers no service document (re-running it would stop at the same cap, review 10a finding 3); where a
    // service document is offered, its workload location is rendered from the same account (test/unit/escalation/render.test.ts).
    const email = l2.find((m) => m.channel === 'email')?.message ?? '';
    expect(email).toContain(`Account:     ${workload.accountId}\n`);
    expect(email).toContain('NEXT STEP: Find why the consumers cannot keep up; raising their cap is a configuration change\n');
    expect(email).not.toContain('--document-name NotificationService-ScaleConsumers');
    expect(email).toContain(`ACKNOWLEDGE (stops the escalation)\n  Run in the operations account ${operations.accountId}, us-east-1, where the incident state is kept:\n`);
    // The timer assumed its own role in the workload and made no DescribeAlarms with the operations account's credentials.
    expect(await operationsCalls(operations, 'AssumeRole', since)).toBe(1);
    expect(await operationsCalls(operations, 'DescribeAlarms', since)).toBe(0);
    const incident = await operations.dynamo.send(
      new GetCommand({ TableName: operations.topology.stateTable.name, Key: { pk: `ESCALATION#${incidentId}`, sk: 'INCIDENT' }, ConsistentRead: true }),
    );
    expect(incident.Item).toMatchObject({ status: 'OPEN', level: 2, account: workload.accountId });
  });

  it('keeps escalating, naming what could not be read, when the alarm cannot be read in the workload', async () => {
    [deleted] = (await workload.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [queueAlarmName(workload.topology)] }))).MetricAlarms ?? [];
    await workload.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: [queueAlarmName(workload.topology)] }));
    clock.advance(31 * MINUTE_MS);
    const fired = await driver.runDue(clock);
    expect(fired.map((f) => f.result)).toEqual([
      expect.objectContaining({
        action: 'escalated',
        reason: expect.stringContaining(`was not found in account ${workload.accountId}`),
        delivered: [expect.objectContaining({ level: 3, via: expect.stringMatching(/^support case /) })],
      }),
    ]);
    // The Support tier also pages its own topic (decision 190), so the team that owns the case hears of it.
    expect(levels(await inbox.read())).toEqual(['escalated:L3:email']);
  });

  it('resolves nothing on an OK it cannot confirm: the alarm is gone, so the incident stays open', async () => {
    // The OK CloudWatch would have sent, had the alarm cleared before it was deleted.
    const ok = buildAlarmStateChangeEvent({
      alarm: deleted ?? {},
      account: workload.accountId,
      region: 'us-east-1',
      previous: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: (deleted?.StateUpdatedTimestamp ?? new Date()).toISOString() },
      current: { value: 'OK', reason: 'Threshold Crossed: no datapoints were breaching', reasonData: '{}', timestamp: new Date(Date.now() + 3_600_000).toISOString() },
    });
    const result = await escalate(ok);
    expect(result).toMatchObject({ action: 'ignored', delivered: [], reason: expect.stringContaining(`was not found in account ${workload.accountId}`) });
    const incident = await operations.dynamo.send(
      new GetCommand({ TableName: operations.topology.stateTable.name, Key: { pk: `ESCALATION#${incidentId}`, sk: 'INCIDENT' }, ConsistentRead: true }),
    );
    expect(incident.Item).toMatchObject({ status: 'OPEN' });
    expect(await inbox.read()).toEqual([]);
  });

  // Review 10b F4: a cause that still offers a service document (decision 167: not a failure, not the cap) is a production
  // resize behind approval, which names NotificationService-ScaleUpDatabase: the L1 email locates it in the workload.
  it('locates the document a resize behind approval names in the workload account, the acknowledgement in operations', async () => {
    const iam = new IAMClient(workload.clientConfig);
    const region = operations.clientConfig.region ?? '?';
    await iam.send(new CreateRoleCommand({ RoleName: roleOf('scale-up-database'), AssumeRolePolicyDocument: sandboxRemediationTrust(operations.accountId, 'scale-up-database', region) }));
    const own = { [OWN_ACCOUNT_ENV]: operations.accountId, [WORKLOAD_ACCOUNT_ENV]: workload.accountId };
    Object.assign(process.env, operations.env, own, { [REMEDIATION_ROLE_ENV]: roleOf('scale-up-database') });
    const scaleUpDatabase = loadHandler<AlarmHandler>('scale-up-database');
    try {
      const cpuAlarm = workload.topology.alarmNamesByHandler['scale-up-database']?.[0] ?? 'no CPU alarm';
      await putDatabaseCpu(workload); // what RDS publishes: the playbook reads it before a change (decision 217)
      const event = await workload.transition(cpuAlarm, 'ALARM');
      // The datapoints CloudWatch would list for the CPU alarm (the sandbox's transition writes queue-depth ones).
      (event as { detail: { state: { reasonData: string } } }).detail.state.reasonData = JSON.stringify({ version: '1.0', statistic: 'Average', period: 60, recentDatapoints: [74.5, 79.3, 84.7, 86.1, 88.4], threshold: 70 });
      expect(await scaleUpDatabase(event)).toMatchObject({ outcome: 'escalate', account: workload.accountId, escalation: { cause: 'approval-required' } });
      const url = operations.topology.decisionRoute.url;
      const received = await operations.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      for (const m of received.Messages ?? []) await operations.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      const [decision] = (received.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>);

      Object.assign(process.env, { [REMEDIATION_ROLE_ENV]: roleOf('escalate') });
      expect(await escalate(decision)).toMatchObject({ action: 'opened', delivered: [{ level: 1 }] });
      const email = (await inbox.read()).find((m) => m.channel === 'email')?.message ?? '';
      expect(email).toContain(`Account:     ${workload.accountId}\n`);
      expect(email).toContain(
        `NEXT STEP: Run NotificationService-ScaleUpDatabase\n  In production this change is made by a person: NotificationService-ScaleUpDatabase makes the planned change (before -> after above) after a configured approver approves.\n  Approval: its approver arn:aws:iam::${workload.accountId}:role/NotificationServiceRunbookApprover must approve; the document sends the request to the SNS topic arn:aws:sns:us-east-1:${workload.accountId}:Automation-notification-runbooks-approvals, which the approvers subscribe to. Whoever starts it must not be an approver (the document refuses that before asking).\n  Run NotificationService-ScaleUpDatabase in the workload account ${workload.accountId}, us-east-1, where the document is registered:\n  aws ssm start-automation-execution --region us-east-1 --document-name NotificationService-ScaleUpDatabase`,
      );
      expect(email).toContain(`ACKNOWLEDGE (stops the escalation)\n  Run in the operations account ${operations.accountId}, us-east-1, where the incident state is kept:\n`);
    } finally {
      Object.assign(process.env, { [REMEDIATION_ROLE_ENV]: roleOf('escalation-timer') });
    }
  });
});
