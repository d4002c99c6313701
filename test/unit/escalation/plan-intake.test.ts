// Table-driven tests of what each decision or alarm state change does to its incident.
import { INCIDENT_CAUSES } from '../../../shared/escalation/incident';
import { buildMessageView } from '../../../shared/escalation/message-view';
import { causeLabel, planAlarmIntake, planDecisionIntake, type DecisionFacts } from '../../../shared/escalation/plan-intake';
import { renderEmail } from '../../../shared/escalation/render-email';
import { ALARM_ARN, ALARM_NAME, ALARM_TIME, capReachedIncident, policy, runtime } from './fixtures';

const STANDBY_DEPTH = 'NotificationService DR Replicated Queue Depth > 1000 (notification-service-queue)';
const alarm = { incidentKey: `${ALARM_ARN}#${ALARM_TIME}`, alarmArn: ALARM_ARN, alarmName: ALARM_NAME, alarmTime: ALARM_TIME, alarmState: 'ALARM' };

function decision(overrides: Partial<DecisionFacts>): DecisionFacts {
  return { playbook: 'scale-consumers', outcome: 'applied', reason: 'scale consumers of notification-service-queue: MaximumConcurrency 50 -> 100', ...alarm, ...overrides };
}

describe('planDecisionIntake', () => {
  it.each([
    ['a guardrail blocked the scale-up', decision({ outcome: 'escalate', escalation: { cause: 'guardrail', guardrail: 'cooldown' } }), undefined, { kind: 'open', cause: 'guardrail' }],
    ['the remediation failed with AccessDenied', decision({ outcome: 'escalate', escalation: { cause: 'failure' } }), undefined, { kind: 'open', cause: 'failure' }],
    ['inspect-security-groups only diagnoses', decision({ playbook: 'inspect-security-groups', outcome: 'escalate', escalation: { cause: 'diagnosis' } }), undefined, { kind: 'open', cause: 'diagnosis' }],
    ['a production class change needs approval', decision({ playbook: 'scale-up-database', outcome: 'escalate', escalation: { cause: 'approval-required' } }), undefined, { kind: 'open' }],
    ['an escalation arrives while the automation is watching its earlier change', decision({ outcome: 'escalate', escalation: { cause: 'cap-reached' } }), 'WATCHING', { kind: 'open', cause: 'cap-reached' }],
    ['a second playbook escalates the same state change (opening again is idempotent)', decision({ outcome: 'escalate', escalation: { cause: 'diagnosis' } }), 'OPEN', { kind: 'open' }],
    ['an escalation of an incident someone already owns', decision({ outcome: 'escalate', escalation: { cause: 'diagnosis' } }), 'ACKNOWLEDGED', { kind: 'update' }],
    ['a late escalation after the alarm cleared', decision({ outcome: 'escalate', escalation: { cause: 'failure' } }), 'RESOLVED', { kind: 'ignore' }],
    ['scale-consumers applied a change on a firing alarm', decision({}), undefined, { kind: 'watch', checkAfterMinutes: 10 }],
    ['development planned a change (report-only)', decision({ outcome: 'dry-run' }), undefined, { kind: 'watch', checkAfterMinutes: 10 }],
    // Decision 379 (review 23a R23a-11): the kill switch held the change back: nothing done, nothing will be; paged now.
    ['the kill switch held back a scale-up on a firing alarm', decision({ outcome: 'dry-run', reason: 'scale ... 50 -> 100 — kill switch is "stop"', escalation: { cause: 'guardrail', guardrail: 'kill-switch' } }), undefined, { kind: 'open', cause: 'guardrail', reason: 'scale ... 50 -> 100 — kill switch is "stop"' }],
    ['the kill switch held back a change while a watch of the same state change stands', decision({ outcome: 'dry-run', escalation: { cause: 'guardrail', guardrail: 'kill-switch' } }), 'WATCHING', { kind: 'open', cause: 'guardrail' }],
    ['the kill switch held back a document run of an incident someone owns', decision({ outcome: 'dry-run', escalation: { cause: 'guardrail', guardrail: 'kill-switch' } }), 'ACKNOWLEDGED', { kind: 'update' }],
    ['the kill switch held back a restore on OK: the OK still resolves', decision({ outcome: 'dry-run', alarmState: 'OK', escalation: { cause: 'guardrail', guardrail: 'kill-switch' } }), 'OPEN', { kind: 'resolve', okTime: ALARM_TIME }],
    ['a change applied on an incident already open', decision({}), 'ACKNOWLEDGED', { kind: 'update' }],
    ['nothing to do and no incident', decision({ outcome: 'skipped', reason: 'stale event: the alarm is now OK, the event says ALARM' }), undefined, { kind: 'ignore' }],
    ['skipped on an open incident', decision({ outcome: 'skipped', reason: 'cooldown' }), 'OPEN', { kind: 'update' }],
    ['the baseline was restored on OK', decision({ alarmState: 'OK', reason: 'restore consumers of notification-service-queue to baseline' }), undefined, { kind: 'resolve', okTime: ALARM_TIME }],
    ['an event rejected before any alarm was known', decision({ outcome: 'rejected', incidentKey: undefined, alarmArn: undefined }), undefined, { kind: 'ignore' }],
    [
      "the DR region's Queue Backup deferred to the standby watch (decision 158): recorded on that alarm's incident, none of its own",
      decision({ outcome: 'skipped', reason: 'deferred to watch-standby: ...', deferredTo: { playbook: 'watch-standby', alarmName: STANDBY_DEPTH } }),
      undefined,
      { kind: 'defer', alarmName: STANDBY_DEPTH, playbook: 'watch-standby' },
    ],
  ] as const)('%s', (_situation, facts, existing, expected) => {
    expect(planDecisionIntake(facts, existing, 10)).toMatchObject(expected);
  });

  describe("a decision on Queue Backup's low-water alarm, the restore signal (decisions 185, 205; review 12 R12-4)", () => {
    const LOW_WATER = 'NotificationService Queue Over Low Water >= 100 in 5 min (notification-service-queue)';
    const signals = new Set([LOW_WATER]);
    // The restore runs on the signal's OK (the queue under the watermark for 5 min, decision 205).
    const lowWater = (overrides: Partial<DecisionFacts>): DecisionFacts =>
      decision({
        alarmName: LOW_WATER,
        alarmArn: ALARM_ARN.replace(ALARM_NAME, LOW_WATER),
        alarmState: 'OK',
        reason: 'restore consumers of notification-service-queue to baseline: MaximumConcurrency 100 -> 50',
        ...overrides,
      });
    const held = (cause: string, guardrail?: string) => lowWater({ outcome: 'escalate', reason: 'hourly budget: 4 changes to this resource in the last hour, limit is 4; this restore is not made', escalation: { cause, ...(guardrail ? { guardrail } : {}) } });
    it.each([
      // A held restore is a notice to L1 (no next tier), whatever held it: never a climb to AWS Support.
      ['the hourly budget held the restore: a notice', held('guardrail', 'hourly-budget'), undefined, { kind: 'open', cause: 'restore-held', reason: 'hourly budget: 4 changes to this resource in the last hour, limit is 4; this restore is not made' }],
      ['the DR region guard held it: a notice', held('guardrail', 'dr-region'), undefined, { kind: 'open', cause: 'restore-held' }],
      ['the restore failed (a throttle): a notice', held('failure'), undefined, { kind: 'open', cause: 'restore-held' }],
      ['a baseline that fails the limits: a notice', held('guardrail'), undefined, { kind: 'open', cause: 'restore-held' }],
      ['held again on a notice someone owns: recorded on it', held('guardrail', 'hourly-budget'), 'ACKNOWLEDGED', { kind: 'update' }],
      ['held after its notice resolved', held('guardrail', 'hourly-budget'), 'RESOLVED', { kind: 'ignore' }],
      // The applied restore is the one thing that says the consumers are back: it resolves the notices of earlier drains.
      ['the restore applied: resolves the earlier held notices', lowWater({}), undefined, { kind: 'resolve', okTime: ALARM_TIME }],
      ['the restore planned only (kill switch, development): nothing to watch or resolve', lowWater({ outcome: 'dry-run' }), undefined, { kind: 'ignore' }],
      ['nothing to restore: nothing resolved', lowWater({ outcome: 'skipped', reason: 'nothing to restore' }), undefined, { kind: 'ignore' }],
      ['the restore waits (the queue grew again): nothing resolved', lowWater({ outcome: 'skipped', reason: 'restore waits' }), undefined, { kind: 'ignore' }],
      ['a restore on its own notice (a failed restore retried): recorded on it', lowWater({}), 'OPEN', { kind: 'update' }],
      ['an applied restore at the signal in ALARM (any state): never a still-firing watch', lowWater({ alarmState: 'ALARM' }), undefined, { kind: 'resolve' }],
    ] as const)('%s', (_situation, facts, existing, expected) => {
      expect(planDecisionIntake(facts, existing, 10, signals)).toMatchObject(expected);
    });

    it('is handled like any alarm where the alarm is not a restore signal', () => {
      expect(planDecisionIntake(held('guardrail', 'hourly-budget'), undefined, 10, new Set())).toMatchObject({ kind: 'open', cause: 'guardrail' });
      expect(planDecisionIntake(lowWater({ alarmState: 'ALARM' }), undefined, 10, new Set())).toEqual({ kind: 'watch', checkAfterMinutes: 10 });
    });

    it("the signal's own state changes (escalate-recoveries) resolve nothing: only an applied restore does", () => {
      for (const state of ['OK', 'ALARM', 'INSUFFICIENT_DATA']) {
        expect(planAlarmIntake({ alarmName: LOW_WATER, state, muted: false }, undefined, ALARM_TIME, signals)).toMatchObject({ kind: 'ignore' });
      }
      expect(planAlarmIntake({ alarmName: ALARM_NAME, state: 'OK', muted: false }, undefined, ALARM_TIME, signals)).toEqual({ kind: 'resolve', okTime: ALARM_TIME });
    });
  });

  it('opens an incident for a failed restore even though the alarm is OK', () => {
    expect(planDecisionIntake(decision({ outcome: 'escalate', alarmState: 'OK', escalation: { cause: 'failure' } }), undefined, 10)).toMatchObject({ kind: 'open' });
  });
});

describe('planAlarmIntake', () => {
  it.each([
    ['OK resolves what came before it', { state: 'OK', muted: false }, undefined, { kind: 'resolve', okTime: ALARM_TIME }],
    ['ALARM of an alert-and-escalate row opens an incident', { state: 'ALARM', muted: false }, undefined, { kind: 'open', cause: 'alarm' }],
    ['a muted alarm is not escalated', { state: 'ALARM', muted: true }, undefined, { kind: 'ignore' }],
    ['INSUFFICIENT_DATA is nothing to escalate', { state: 'INSUFFICIENT_DATA', muted: false }, undefined, { kind: 'ignore' }],
    ['the same ALARM delivered again (opening again is idempotent)', { state: 'ALARM', muted: false }, 'OPEN', { kind: 'open' }],
    ['the same ALARM after someone acknowledged', { state: 'ALARM', muted: false }, 'ACKNOWLEDGED', { kind: 'ignore' }],
  ] as const)('%s', (_situation, facts, existing, expected) => {
    expect(planAlarmIntake({ alarmName: ALARM_NAME, ...facts }, existing, ALARM_TIME)).toMatchObject(expected);
  });
});

describe('causeLabel (review 10a finding 10: no cause reaches a person as a raw code)', () => {
  // INCIDENT_CAUSES is the Decision type's list (ESCALATION_CAUSES) plus the escalation service's own: a new cause is here.
  it.each([...INCIDENT_CAUSES])('gives %s a few words of its own', (cause) => {
    const label = causeLabel(cause);
    expect(label).not.toBe(cause);
    expect(label).toMatch(/^[a-z].{8,}/);
  });

  it.each([
    ['cross-playbook', "held back: another row's finding forbids the change (e.g. the database is saturated)"],
    ['made-worse', 'the automatic change made health worse: the automation reverted it (unless the reason says why not)'],
    ['publish-required', 'the function runs a published version: the change needs a publish'],
    ['unverifiable', 'the change could not be verified: its health signal had no data'],
  ])('says what %s means in the email (the demo read "cross-playbook (cross-playbook)")', (cause, label) => {
    const [l1] = policy('production').tiers;
    if (!l1) throw new Error('tiers');
    const incident = capReachedIncident({ cause, decision: { ...capReachedIncident().decision!, cause } });
    const { text } = renderEmail(buildMessageView({ kind: 'opened', incident, tier: l1, sent: [], policy: policy('production'), rows: runtime().config.troubleshooting, now: new Date('2026-11-25T14:00:06.000Z') }));
    expect(text).toContain(`WHY A PERSON IS NEEDED\n  ${label} (${cause})`);
  });

  it('shows a cause it does not know as its code, never as nothing', () => {
    expect(causeLabel('from-a-newer-handler')).toBe('from-a-newer-handler');
    expect(causeLabel('toString')).toBe('toString');
  });
});
