// Table-driven tests of what each decision or alarm state change does to its incident.
import { planAlarmIntake, planDecisionIntake, type DecisionFacts } from '../../../shared/escalation/plan-intake';
import { ALARM_ARN, ALARM_NAME, ALARM_TIME } from './fixtures';

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
    ['a change applied on an incident already open', decision({}), 'ACKNOWLEDGED', { kind: 'update' }],
    ['nothing to do and no incident', decision({ outcome: 'skipped', reason: 'stale event: the alarm is now OK, the event says ALARM' }), undefined, { kind: 'ignore' }],
    ['skipped on an open incident', decision({ outcome: 'skipped', reason: 'cooldown' }), 'OPEN', { kind: 'update' }],
    ['the baseline was restored on OK', decision({ alarmState: 'OK', reason: 'restore consumers of notification-service-queue to baseline' }), undefined, { kind: 'resolve', okTime: ALARM_TIME }],
    ['an event rejected before any alarm was known', decision({ outcome: 'rejected', incidentKey: undefined, alarmArn: undefined }), undefined, { kind: 'ignore' }],
  ] as const)('%s', (_situation, facts, existing, expected) => {
    expect(planDecisionIntake(facts, existing, 10)).toMatchObject(expected);
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
