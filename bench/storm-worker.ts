// Child process of the storm: the real scale-consumers bundle, flapping alarms, every state change delivered many times at once.
import { pathToFileURL } from 'node:url';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricDataCommand, SetAlarmStateCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { buildAlarmStateChangeEvent } from '../sandbox/alarm-evaluator';
import type { StormLane } from './storm';
import { stateChangedAt } from '../shared/aws/alarm-state-reader';

interface StormJob {
  bundle: string;
  lanes: StormLane[];
  flapsPerLane: number;
  copiesPerIncident: number;
  account: string;
  region: string;
}

type Handler = (event: unknown, context?: Record<string, unknown>) => Promise<{ outcome?: string; reason?: string; incidentKey?: string }>;

/** What one delivery of one state change got: its lane, flap and copy, each attempt's error, the decision it ended with. */
export interface DeliveryRecord {
  lane: number;
  flap: number;
  copy: number;
  /** The state change this copy carries: its lane's flap (a late duplicate carries the previous flap). */
  ofFlap: number;
  incidentKey?: string;
  outcome: string;
  reason?: string;
  errors: string[];
}

async function storm(job: StormJob): Promise<Record<string, unknown>> {
  const { handler } = (await import(pathToFileURL(job.bundle).href)) as { handler: Handler };
  const rssAfterImportKb = process.resourceUsage().maxRSS;
  // CloudWatch's part (moto never evaluates alarms): set the state, read back its timestamp, build the event it emits.
  const cloudWatch = new CloudWatchClient({ region: job.region });
  const transition = async (lane: StormLane, value: 'ALARM' | 'OK', at: Date, previous: { value: string; timestamp: string }) => {
    const reason = `Threshold Crossed: storm flap to ${value}`;
    // The backlog as SQS publishes it, before the state change (decision 217: scale-consumers reads it before scaling);
    // filling moto's queue past 1000 costs O(depth) per send. An OK's minute under 1000 as CloudWatch evaluated it
    // (decision 263: the depth alarm's OK restores only when its own metric bears it out) at `at`, its queryDate that
    // minute, as the sandbox's evaluator stamps an evaluation that stands for a minute (decision 249).
    const reasonData = JSON.stringify({ version: '1.0', queryDate: at.toISOString(), statistic: 'Maximum', period: 60, recentDatapoints: [value === 'ALARM' ? 1500 : 10], threshold: 1000 });
    await cloudWatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/SQS',
        MetricData: [{ MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: lane.queueName }], Value: value === 'ALARM' ? 1500 : 10, Unit: 'Count', Timestamp: at }],
      }),
    );
    await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: lane.alarmName, StateValue: value, StateReason: reason, StateReasonData: reasonData }));
    const alarm = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [lane.alarmName] }))).MetricAlarms?.[0] as MetricAlarm;
    const timestamp = (stateChangedAt(alarm) ?? new Date()).toISOString();
    const event = buildAlarmStateChangeEvent({
      alarm,
      account: job.account,
      region: job.region,
      previous: { ...previous, reason: 'previous' },
      current: { value, reason, reasonData, timestamp },
    });
    return { event, state: { value, timestamp } };
  };

  const outcomes: Record<string, number> = {};
  let events = 0;
  let redeliveries = 0;
  const deliveries: DeliveryRecord[] = [];
  const deliver = async (event: unknown, where: Omit<DeliveryRecord, 'outcome' | 'errors'>): Promise<void> => {
    events += 1;
    const errors: string[] = [];
    // A thrown error is retried, as Lambda's asynchronous invocation would (it counts as one more delivery).
    for (let attempt = 1; ; attempt += 1) {
      try {
        const decision = await handler(event);
        const outcome = decision.outcome ?? 'returned';
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        deliveries.push({ ...where, incidentKey: decision.incidentKey, outcome, reason: decision.reason, errors });
        return;
      } catch (error) {
        errors.push(`${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`);
        if (attempt >= 3) {
          outcomes.failed = (outcomes.failed ?? 0) + 1;
          deliveries.push({ ...where, outcome: 'failed', errors });
          return;
        }
        redeliveries += 1;
      }
    }
  };

  const started = process.hrtime.bigint();
  await Promise.all(
    job.lanes.map(async (lane, laneIndex) => {
      let previous = { value: 'INSUFFICIENT_DATA', timestamp: new Date().toISOString() };
      let lastEvent: unknown;
      // Each OK's minute: after every datapoint of its queue so far (the backlog's are put at the real time), so it is the
      // newest the handler reads; a minute past the previous OK's, at most one more minute ahead of the clock per OK.
      let okMinute = 0;
      for (let flap = 0; flap < job.flapsPerLane; flap += 1) {
        const value = flap % 2 === 0 ? 'ALARM' : 'OK';
        if (value === 'OK') okMinute = Math.max(okMinute + 60_000, Math.floor(Date.now() / 60_000) * 60_000 + 2 * 60_000);
        const { event, state } = await transition(lane, value, value === 'OK' ? new Date(okMinute) : new Date(), previous);
        previous = state;
        // The state change and its duplicates arrive together; one late duplicate of the previous change arrives among them.
        const copies = Array.from({ length: job.copiesPerIncident }, (_, i) => (i === job.copiesPerIncident - 1 && lastEvent ? lastEvent : event));
        lastEvent = event;
        await Promise.all(
          copies.map((copy, i) => deliver(copy, { lane: laneIndex, flap, copy: i, ofFlap: copy === event ? flap : flap - 1 })),
        );
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  cloudWatch.destroy();
  return { ok: true, events, seconds, outcomes, redeliveries, deliveries, peakRssKb: process.resourceUsage().maxRSS, rssAfterImportKb };
}

process.once('message', (job: StormJob) => {
  storm(job)
    .then((reply) => process.send?.(reply, () => process.exit(0)))
    .catch((error: unknown) => process.send?.({ ok: false, error: String((error as Error)?.stack ?? error) }, () => process.exit(1)));
});
