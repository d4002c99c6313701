// Review 18b R18-9 (decision 300): the escalation sweep that runs out of time returns success and counts what it left;
// the health alarm that watches it must be on exactly what escalation-timer emits. Both sides are read, not copied:
// the handler runs a sweep that leaves timers and the Embedded Metric Format line Powertools writes is parsed (namespace,
// metric name, dimension names and values), then the synthesized production stack's alarm on that metric is compared.
import { createEscalationTimerHandler } from '../../shared/escalation/create-escalation-timer-handler';
import type { EscalationServices } from '../../shared/escalation/escalation-service';
import { SWEEP_INPUT } from '../../shared/escalation/timer-input';
import { AUTOMATION_HEALTH_TOPIC_NAME } from '../../shared/config/automation-health';
import { capReachedIncident } from '../unit/escalation/fixtures';
import { emitted, type EmittedMetric } from './support/emf';
import { resourcesOfType, synthesizeApp, type CfnResource } from './support/synth';

const ENV = { RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', RUNBOOK_ACCOUNT_ID: '111111111111' };
const MINUTE_MS = 60_000;

/**
 * Three incidents whose L2 timers are 20 min overdue; the invocation has 30 s left when the first timer is taken, then
 * 10 s (inside the sweep's reserve): one timer is done (its incident is gone: nothing paged), two are left.
 */
async function sweepThatLeavesTimers(): Promise<EmittedMetric[]> {
  const due = new Date('2026-11-25T14:15:05.000Z');
  const incidents = ['inc-aaaaaaaaaaaa', 'inc-bbbbbbbbbbbb', 'inc-cccccccccccc'].map((incidentId) =>
    capReachedIncident({ incidentId, incidentKey: incidentId, level: 1, nextLevel: 2, nextEscalationAt: due.toISOString() }),
  );
  const nothingElse = new Proxy({}, { get: () => async () => Promise.reject(new Error('the sweep started no timer: no other call expected')) });
  const services = {
    store: new Proxy(
      {
        listUnresolved: async () => ({ incidents, refused: [] }),
        heldResolutions: async () => ({ held: [], refused: [] }),
        get: async () => undefined,
        listSends: async () => [],
      },
      { get: (target, name) => (name in target ? target[name as keyof typeof target] : async () => Promise.reject(new Error(`store.${String(name)}: not expected`))) },
    ),
    notifier: nothingElse,
    timers: nothingElse,
    alarms: nothingElse,
    records: nothingElse,
  } as unknown as Partial<EscalationServices>;
  const handler = createEscalationTimerHandler({
    env: ENV,
    services,
    clock: { now: () => new Date(due.getTime() + 20 * MINUTE_MS), sleep: async () => undefined },
    killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) },
  });
  return emitted(async () => {
    const remaining = [30_000];
    const result = await handler(SWEEP_INPUT, { getRemainingTimeInMillis: () => remaining.shift() ?? 10_000 });
    expect(result.reason).toContain('swept 1 of 3 overdue timers');
    expect(result.reason).toContain('2 left for the next sweep');
  });
}

describe('the escalation sweep backlog alarm (review 18b R18-9, decision 300)', () => {
  let left: EmittedMetric;
  let alarm: CfnResource['Properties'];
  let healthTopicId: string;

  beforeAll(async () => {
    const metrics = await sweepThatLeavesTimers();
    // The one metric whose value is the number the answer says were left (TimersOverdue says 3).
    const found = metrics.filter((m) => m.value === 2);
    expect(found).toHaveLength(1);
    left = found[0] as EmittedMetric;
    const synthesized = synthesizeApp({ environment: 'production', account: '123456789012' }, { cfnValidation: false });
    const names = [...synthesized.json.keys()];
    const template = synthesized.json.get(names.find((name) => name.includes('us-east-1')) ?? '');
    synthesized.dispose();
    if (!template) throw new Error(`no us-east-1 stack among ${names.join(', ')}`);
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties?.MetricName === left.name);
    expect(alarms).toHaveLength(1);
    alarm = alarms[0]?.[1].Properties;
    const topics = resourcesOfType(template, 'AWS::SNS::Topic').filter(([, t]) => t.Properties?.TopicName === AUTOMATION_HEALTH_TOPIC_NAME);
    healthTopicId = topics[0]?.[0] ?? '';
  });

  it('escalation-timer counts the timers its sweep left, once, as the handler emits it', () => {
    expect(left).toMatchObject({ namespace: expect.any(String), name: expect.any(String), value: 2 });
    expect(Object.keys(left.dimensions).length).toBeGreaterThan(0);
  });

  it("the production stack's alarm watches exactly that namespace, metric and dimensions: Sum over 5 min, > 0 in 2 of 3 (decision 319), missing data not breaching, published to the health topic", () => {
    expect({
      Namespace: alarm?.Namespace,
      MetricName: alarm?.MetricName,
      Dimensions: [...((alarm?.Dimensions as Array<{ Name: string; Value: string }> | undefined) ?? [])].sort((a, b) => a.Name.localeCompare(b.Name)),
    }).toEqual({
      Namespace: left.namespace,
      MetricName: left.name,
      Dimensions: Object.entries(left.dimensions)
        .map(([Name, Value]) => ({ Name, Value }))
        .sort((a, b) => a.Name.localeCompare(b.Name)),
    });
    expect(alarm).toMatchObject({ Statistic: 'Sum', Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 2, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    expect(alarm?.AlarmActions).toEqual([{ Ref: healthTopicId }]);
  });
});
