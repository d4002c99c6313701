// What the escalation handlers accept: decision events, alarm state changes, timer inputs; anything else is rejected.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../../shared/errors';
import { parseEscalateInput } from '../../../shared/escalation/escalate-input';
import { parseTimerInput } from '../../../shared/escalation/timer-input';
import { ALARM_ARN, ALARM_NAME, ALARM_TIME } from './fixtures';

const decisionEvent = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'Runbook Decision',
  source: 'notification-service.runbooks',
  account: '123456789012',
  time: '2026-11-25T14:00:04Z',
  region: 'us-east-1',
  resources: [ALARM_ARN],
  detail: {
    playbook: 'scale-up-database',
    outcome: 'escalate',
    reason: 'needs approval',
    environment: 'production',
    region: 'us-east-1',
    incidentKey: `${ALARM_ARN}#${ALARM_TIME}`,
    alarmName: ALARM_NAME,
    alarmArn: ALARM_ARN,
    alarmState: 'ALARM',
    alarmTime: ALARM_TIME,
    escalation: { cause: 'approval-required' },
    runbook: { documentName: 'NotificationService-ScaleUpDatabase', parameters: { DBInstanceIdentifier: ['notification-service-db'] } },
    // A field another playbook added later: kept, not rejected.
    replicaLagSeconds: 4,
    dryRun: false,
    decidedAt: '2026-11-25T14:00:04.512Z',
  },
};

describe('parseEscalateInput', () => {
  it('takes a Runbook Decision from the project bus, unknown fields and causes included', () => {
    const input = parseEscalateInput(decisionEvent);
    expect(input).toMatchObject({ kind: 'decision', decision: { playbook: 'scale-up-database', escalation: { cause: 'approval-required' } } });
  });

  it('takes a CloudWatch Alarm State Change (the documented single-metric example)', () => {
    const event = JSON.parse(readFileSync(join(__dirname, '../../fixtures/events/alarm-state-change-single-metric.json'), 'utf8')) as unknown;
    expect(parseEscalateInput(event)).toMatchObject({ kind: 'alarm', event: { detailType: 'CloudWatch Alarm State Change' } });
  });

  it.each([
    ['an S3 event', { 'detail-type': 'Object Created', source: 'aws.s3', detail: {} }, /takes "Runbook Decision"/],
    ['a decision without an outcome', { ...decisionEvent, detail: { ...decisionEvent.detail, outcome: undefined } }, /detail\.outcome/],
    ['a decision from another source', { ...decisionEvent, source: 'someone.else' }, /source/],
    ['text that is not JSON', '{"detail-type": ', /not valid JSON/],
  ])('rejects %s with the reason', (_case, raw, message) => {
    expect(() => parseEscalateInput(raw)).toThrow(InvalidInputError);
    expect(() => parseEscalateInput(raw)).toThrow(message);
  });
});

describe('parseTimerInput', () => {
  it.each([
    [{ action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2 }, { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2 }],
    [{ action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: '3' }, { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 3 }],
    [{ action: 'check', incidentId: 'inc-3f2a9c1b7d44' }, { action: 'check', incidentId: 'inc-3f2a9c1b7d44' }],
    ['{"action":"check","incidentId":"inc-3f2a9c1b7d44"}', { action: 'check', incidentId: 'inc-3f2a9c1b7d44' }],
    [
      { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2, alarm: { name: 'Queue Depth', account: '123456789012' } },
      { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2, alarm: { name: 'Queue Depth', account: '123456789012' } },
    ],
    [{ action: 'check', incidentId: 'inc-3f2a9c1b7d44', alarm: { name: 'Queue Depth' } }, { action: 'check', incidentId: 'inc-3f2a9c1b7d44', alarm: { name: 'Queue Depth' } }],
  ])('reads the schedule Input %j', (raw, expected) => {
    expect(parseTimerInput(raw)).toEqual(expected);
  });

  it.each([
    [{ action: 'escalate', incidentId: '../../etc/passwd', level: 2 }],
    [{ action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 0 }],
    [{ action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 'two' }],
    [{ action: 'delete', incidentId: 'inc-3f2a9c1b7d44' }],
    [{ action: 'check', incidentId: 'inc-3f2a9c1b7d44', extra: true }],
    [{ action: 'check', incidentId: 'inc-3f2a9c1b7d44', alarm: { name: '' } }],
    [{ action: 'check', incidentId: 'inc-3f2a9c1b7d44', alarm: { name: 'x'.repeat(256) } }],
    [{ action: 'check', incidentId: 'inc-3f2a9c1b7d44', alarm: { name: 'Queue Depth', account: '1234' } }],
    [{ action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2, alarm: { name: 'Queue Depth', extra: true } }],
    [{ action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2, alarm: 'Queue Depth' }],
  ])('rejects %j', (raw) => {
    expect(() => parseTimerInput(raw)).toThrow(InvalidInputError);
  });
});
