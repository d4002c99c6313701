// NotificationService-ScaleConsumers rehearsed against the emulator: the document runs the real scale-consumers bundle.
import { DeleteAlarmsCommand, DescribeAlarmsCommand, DescribeAlarmsForMetricCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { alarmSpecs } from '../../shared/config/alarm-specs';
import { projectConfig } from '../../shared/runbooks/rendered-runbook';
import { clearAlarmTransitions, setAlarmTransitions } from '../../sandbox/proxy-control';
import type { EscalationHandler } from '../../shared/escalation/create-escalation-handlers';
import { okInALaterMinute, provisionAccount, putBacklogAMinuteAgo, putQueueDepth, queueAlarmName, type SandboxAccount } from '../integration/support/sandbox-account';
import { loadHandler } from '../support/load-handler';
import { loseStateChangeThenUpdate, lostEventAccount, stampedWithTransition } from './support/lost-alarm-event';
import { openIncident, type OpenIncident } from './support/open-incident';
import type { RehearsalResult } from '../../sandbox/rehearsal/engine';
import { decisionOf, expectSucceeded, rehearseDocument, runCli, stepOutputs } from './support/rehearse-cli';

/**
 * Its automation had escalated this state change (the consumers at the cap): the document's run is decided afresh on the
 * alarm's current state (decision 379) and meets the same cap; not a silent success (decision 167). The document fails
 * itself at automationDidNotAct with the Lambda's answer, as it would on real Automation (decision 211), and still reads
 * the consumers back: exit 1, no "ran to the end" warning.
 */
function expectRefusedAtTheCap(run: { status: number | null; stderr: string; result: RehearsalResult }): void {
  expect(run.result.status).toBe('Failed');
  expect(run.status).toBe(1);
  expect(run.stderr).not.toContain('WARNING');
  expect(run.result.failure).toEqual({
    step: 'automationDidNotAct',
    message: `$.MetricAlarms[0].StateValue is "ALARM", expected ${JSON.stringify(`the automation to have scaled the consumers; it did not, scale-consumers answered ${String(stepOutputs(run.result, 'runScaleConsumers').Payload)}`)}`,
  });
  expect(run.result.failure?.message).toContain('are at the environment cap (MaximumConcurrency 400)');
  expect(run.result.failure?.message).not.toContain('duplicate delivery');
  expect(run.result.steps.map((s) => `${s.step}:${s.status}`).slice(-4)).toEqual(['runScaleConsumers:Success', 'checkAutomationActed:Success', 'automationDidNotAct:Failed', 'readConsumers:Success']);
}

const DOCUMENT = 'NotificationService-ScaleConsumers';

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  const mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
  return mapping.ScalingConfig?.MaximumConcurrency;
}

describe(DOCUMENT, () => {
  let account: SandboxAccount;
  /** The scale-up's backlog's (1500) timestamp: the restore's OK comes in a later minute. */
  let backlogAt = new Date();

  beforeAll(async () => {
    account = await provisionAccount('production');
  });

  it('scales the queue consumers one step through the scale-consumers Lambda while the queue alarm is in ALARM', async () => {
    expect(await maximumConcurrency(account)).toBe(50);
    // A real backlog as SQS publishes it (AWS/SQS ApproximateNumberOfMessagesVisible 1500): the Lambda's own reading must
    // bear out the alarm before it scales (decision 217); the last describe fills the queue itself.
    // In the minute before the ALARM, the minute CloudWatch evaluated.
    backlogAt = await putBacklogAMinuteAgo(account);
    await account.transition(queueAlarmName(account.topology), 'ALARM');

    const { status, result, stderr } = await rehearseDocument(DOCUMENT, { QueueName: account.topology.queue.name }, account.env);

    expectSucceeded({ status, result, stderr });
    expect(result.status).toBe('Success');
    expect(decisionOf(result, 'runScaleConsumers')).toMatchObject({ playbook: 'scale-consumers', outcome: 'applied' });
    expect(result.outputs['readConsumers.MaximumConcurrency']).toBe(100);
    expect(await maximumConcurrency(account)).toBe(100);
  });

  it('restores the baseline through the same Lambda once the alarm is back to OK', async () => {
    // The OK in a later minute than the backlog's, as CloudWatch's (decision 263: an OK over the 1500 restores nothing).
    await okInALaterMinute(account, queueAlarmName(account.topology), backlogAt);

    const { status, result } = await rehearseDocument(DOCUMENT, { QueueName: account.topology.queue.name }, account.env);

    expect(status).toBe(0);
    expect(decisionOf(result, 'runScaleConsumers')).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('restore') });
    expect(await maximumConcurrency(account)).toBe(50);
  });

  // Decision 211: on real Automation the execution ended Success whatever the Lambda answered; the document now fails
  // itself on an answer that changed nothing, the answer in its message, and still reads the consumers back.
  it('fails, saying why, when the Lambda changes nothing: OK with the consumers already at their baseline', async () => {
    // A new OK state change (its ALARM's event never delivered): nothing was scaled up, so nothing is restored.
    await account.transition(queueAlarmName(account.topology), 'ALARM');
    await account.transition(queueAlarmName(account.topology), 'OK');

    const { status, result, stderr } = await rehearseDocument(DOCUMENT, { QueueName: account.topology.queue.name }, account.env);

    const decision = decisionOf(result, 'runScaleConsumers');
    expect(decision).toMatchObject({ playbook: 'scale-consumers', outcome: 'skipped', alarmState: 'OK' });
    expect(status).toBe(1);
    expect(stderr).not.toContain('WARNING');
    expect(result.status).toBe('Failed');
    expect(result.failure).toEqual({
      step: 'automationDidNotAct',
      message: `$.MetricAlarms[0].StateValue is "OK", expected ${JSON.stringify(`the automation to have scaled the consumers; it did not, scale-consumers answered ${JSON.stringify(decision)}`)}`,
    });
    expect(result.steps.map((s) => `${s.step}:${s.status}`).slice(-4)).toEqual(['runScaleConsumers:Success', 'checkAutomationActed:Success', 'automationDidNotAct:Failed', 'readConsumers:Success']);
    expect(result.outputs['readConsumers.MaximumConcurrency']).toBe(50);
    expect(await maximumConcurrency(account)).toBe(50);
  });

  it('stops at the first step, changing nothing, when the alarm has no data yet', async () => {
    await account.transition(queueAlarmName(account.topology), 'INSUFFICIENT_DATA');

    const { status, result } = await rehearseDocument(DOCUMENT, { QueueName: account.topology.queue.name }, account.env);

    expect(status).toBe(1);
    expect(result).toMatchObject({ status: 'Failed', failure: { step: 'checkAlarmState', message: expect.stringContaining('INSUFFICIENT_DATA') } });
    expect(result.steps.map((s) => s.step)).toEqual(['checkAlarmState']);
    expect(await maximumConcurrency(account)).toBe(50);
  });
});

// Decision 21's lost event on an alarm whose EvaluationState moved since its ALARM (decision 154; support/lost-alarm-event.ts).
describe(`${DOCUMENT} after an EvaluationState-only update of the alarm whose ALARM event was lost`, () => {
  const sandbox = lostEventAccount();

  it('runs the remediation on the ALARM, its event stamped with StateTransitionedTimestamp, not the later update', async () => {
    const { account, control } = sandbox;
    expect(await maximumConcurrency(account)).toBe(50);
    await putQueueDepth(account); // the backlog the alarm saw (decision 217)
    const lost = await loseStateChangeThenUpdate(account, queueAlarmName(account.topology), 'ALARM', control);

    const run = await rehearseDocument(DOCUMENT, { QueueName: account.topology.queue.name }, account.env);

    expectSucceeded(run);
    // The key is the ALARM's instant, in EventBridge's form (decision 150): the state change the lost event carried.
    expect(stampedWithTransition(run.result, 'runScaleConsumers', lost)).toMatchObject({ playbook: 'scale-consumers', outcome: 'applied' });
    expect(run.result.outputs['readConsumers.MaximumConcurrency']).toBe(100);
    expect(await maximumConcurrency(account)).toBe(100);
  });
});

// Review 12, R12-1: DescribeAlarmsForMetric lists every alarm on the queue's depth, in an order AWS does not document
// (moto: creation order). The document reads the depth alarm by its name; here the two other alarms infra puts on that
// metric are listed before it: the low-water alarm (decision 185) and the DR standby watch's (which sorts first by name).
describe(`${DOCUMENT} with the queue's other depth alarms listed before its depth alarm`, () => {
  let account: SandboxAccount;

  beforeAll(async () => {
    account = await provisionAccount('production');
  });

  it('reads the depth alarm by its name and scales the consumers in a real backlog', async () => {
    const cw = account.cloudWatch;
    const depth = queueAlarmName(account.topology);
    const queue = account.topology.queue.name;
    const metric = { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: queue }] };
    const specs = alarmSpecs(projectConfig({}), 'production', 'us-west-2');
    const standby = specs.find((spec) => spec.name.includes('DR Replicated Queue Depth') && spec.metric.kind === 'single' && spec.metric.metric.dimensions.QueueName === queue);
    const lowWater = specs.find((spec) => spec.restoreSignal === true && spec.rowId === 'queue-backup');
    if (!standby || standby.metric.kind !== 'single' || !lowWater) throw new Error('the configuration has no DR standby queue alarm or low-water alarm');
    // The standby watch's alarm as infra deploys it in the DR region, on the same metric.
    await cw.send(
      new PutMetricAlarmCommand({
        ...metric,
        AlarmName: standby.name,
        Statistic: 'Maximum',
        Period: standby.metric.metric.periodSeconds,
        EvaluationPeriods: standby.evaluationPeriods,
        DatapointsToAlarm: standby.datapointsToAlarm,
        Threshold: standby.threshold,
        ComparisonOperator: standby.comparisonOperator,
        TreatMissingData: standby.treatMissingData,
      }),
    );
    // The depth alarm replaced (what a redeploy that replaces it does): it is now the last one created.
    const [alarm] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [depth] }))).MetricAlarms ?? [];
    if (!alarm) throw new Error(`no alarm ${depth}`);
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: [depth] }));
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: depth,
        AlarmDescription: alarm.AlarmDescription,
        Namespace: alarm.Namespace,
        MetricName: alarm.MetricName,
        Dimensions: alarm.Dimensions,
        Statistic: alarm.Statistic,
        Period: alarm.Period,
        EvaluationPeriods: alarm.EvaluationPeriods,
        DatapointsToAlarm: alarm.DatapointsToAlarm,
        Threshold: alarm.Threshold,
        ComparisonOperator: alarm.ComparisonOperator,
        TreatMissingData: alarm.TreatMissingData,
        AlarmActions: alarm.AlarmActions,
        OKActions: alarm.OKActions,
      }),
    );
    const listed = ((await cw.send(new DescribeAlarmsForMetricCommand(metric))).MetricAlarms ?? []).map((a) => a.AlarmName);
    expect(new Set(listed)).toEqual(new Set([lowWater.name, standby.name, depth]));
    expect(listed[0]).not.toBe(depth);
    // A real backlog: more messages on the queue than the depth alarm's threshold.
    const threshold = alarm.Threshold ?? NaN;
    const queueUrl = account.topology.queue.url;
    for (let sent = 0; sent <= threshold; sent += 10) {
      await account.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: Array.from({ length: 10 }, (_, j) => ({ Id: String(j), MessageBody: JSON.stringify({ notification: sent + j }) })) }));
    }
    const attributes = await account.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    expect(Number(attributes.Attributes?.ApproximateNumberOfMessages)).toBeGreaterThan(threshold);
    await account.transition(depth, 'ALARM');
    await account.transition(lowWater.name, 'OK');
    await account.transition(standby.name, 'ALARM');
    expect(await maximumConcurrency(account)).toBe(50);

    const run = await rehearseDocument(DOCUMENT, { QueueName: queue }, account.env);

    expectSucceeded(run);
    expect(stepOutputs(run.result, 'readAlarm')).toMatchObject({ AlarmName: depth, StateValue: 'ALARM' });
    expect(decisionOf(run.result, 'runScaleConsumers')).toMatchObject({ playbook: 'scale-consumers', outcome: 'applied', alarmName: depth });
    expect(run.result.outputs['readConsumers.MaximumConcurrency']).toBe(100);
    expect(await maximumConcurrency(account)).toBe(100);
  });
});

describe(`${DOCUMENT} on a state change the automation already handled`, () => {
  let incident: OpenIncident;

  /** What `runbook incidents --json` lists: the incidents not yet resolved. */
  async function unresolved(): Promise<Array<Record<string, unknown>>> {
    const run = await runCli(['incidents', '--json'], incident.account.env);
    if (run.status !== 0) throw new Error(`runbook incidents failed (exit ${run.status}): ${run.stderr}`);
    return (JSON.parse(run.stdout) as { incidents: Array<Record<string, unknown>> }).incidents;
  }

  /** Every decision waiting on the decision route, handed to the escalate handler as the deployment's rule would. */
  async function routeDecisions(): Promise<number> {
    const escalate = loadHandler<EscalationHandler>('escalate');
    const queueUrl = incident.account.topology.decisionRoute.url;
    let routed = 0;
    for (;;) {
      const received = await incident.account.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const batch = received.Messages ?? [];
      if (batch.length === 0) return routed;
      for (const message of batch) {
        await incident.account.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
        await escalate(JSON.parse(message.Body ?? '{}'));
        routed += 1;
      }
    }
  }

  // The order of the field (review 10a, finding 1): EventBridge delivers the state change first (its timestamp written
  // "+0000"), the automation escalates (consumers at the cap) and L1 is paged; L1 then runs this document, whose event
  // carries DescribeAlarmsForMetric's StateUpdatedTimestamp ("Z"). The same state change: one incident, nobody paged again.
  beforeAll(async () => {
    incident = await openIncident();
  });

  it('decides the run afresh on the state change EventBridge delivered first: the same cap, recorded on the same incident, nobody paged again', async () => {
    const [opened, ...others] = await unresolved();
    expect(others).toEqual([]);
    expect(opened).toMatchObject({ incidentId: incident.incidentId, status: 'OPEN', alarmTime: expect.stringMatching(/\+0000$/) });

    const run = await rehearseDocument(DOCUMENT, { QueueName: incident.account.topology.queue.name }, incident.account.env);

    expectRefusedAtTheCap(run);
    // The document's event wrote the instant the other way: this is the case the key must not split.
    expect(stepOutputs(run.result, 'readAlarm').StateUpdatedTimestamp).toMatch(/Z$/);
    expect(Date.parse(String(stepOutputs(run.result, 'readAlarm').StateUpdatedTimestamp))).toBe(Date.parse(String(opened?.alarmTime)));
    // moto answers no StateTransitionedTimestamp: the branch stamps the event with StateUpdatedTimestamp (decision 171).
    expect(stepOutputs(run.result, 'readAlarm')).not.toHaveProperty('StateTransitionedTimestamp');
    expect(run.result.steps.map((s) => `${s.step}:${s.status}`)).toEqual(expect.arrayContaining(['chooseStateChangeTime:Success', 'stampWithUpdateTime:Success']));
    expect(run.result.steps.map((s) => s.step)).not.toContain('stampWithTransitionTime');
    expect(decisionOf(run.result, 'runScaleConsumers')).toMatchObject({
      playbook: 'scale-consumers',
      outcome: 'escalate',
      escalation: { cause: 'cap-reached' },
      incidentKey: opened?.incidentKey,
    });
    // What the run published goes where the deployment's rule sends it: escalate files it on the same incident.
    const routed = await routeDecisions();
    expect(await unresolved()).toEqual([expect.objectContaining({ incidentId: incident.incidentId, status: 'OPEN', level: 1 })]);
    expect(await incident.inbox.read()).toEqual([]);
    expect(routed).toBe(1);
    expect(run.result.outputs['readConsumers.MaximumConcurrency']).toBe(400);
  });

  it('keys the run to the same state change as well where the alarm answers StateTransitionedTimestamp, as CloudWatch does', async () => {
    const [opened] = await unresolved();
    const control = process.env.SANDBOX_PROXY_CONTROL ?? '';
    const scope = { accountId: incident.account.accountId };
    // After a plain state change CloudWatch's transition time is its update time: the instant EventBridge delivered.
    const transitionedAt = new Date(Date.parse(String(opened?.alarmTime))).toISOString();
    await setAlarmTransitions(control, [{ alarmName: queueAlarmName(incident.account.topology), stateTransitionedTimestamp: transitionedAt }], scope);
    try {
      const run = await rehearseDocument(DOCUMENT, { QueueName: incident.account.topology.queue.name }, incident.account.env);

      expectRefusedAtTheCap(run);
      expect(stepOutputs(run.result, 'readAlarm').StateTransitionedTimestamp).toMatch(/Z$/);
      expect(Date.parse(String(stepOutputs(run.result, 'readAlarm').StateTransitionedTimestamp))).toBe(Date.parse(String(opened?.alarmTime)));
      expect(run.result.steps.find((s) => s.step === 'stampWithTransitionTime')).toMatchObject({ status: 'Success' });
      expect(decisionOf(run.result, 'runScaleConsumers')).toMatchObject({
        outcome: 'escalate',
        escalation: { cause: 'cap-reached' },
        incidentKey: opened?.incidentKey,
      });
      const routed = await routeDecisions();
      expect(await unresolved()).toEqual([expect.objectContaining({ incidentId: incident.incidentId, status: 'OPEN', level: 1 })]);
      expect(await incident.inbox.read()).toEqual([]);
      expect(routed).toBe(1);
    } finally {
      await clearAlarmTransitions(control, scope);
    }
  });
});
