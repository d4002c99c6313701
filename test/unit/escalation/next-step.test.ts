// The next step as a ready-to-paste AWS CLI command and a console link with the SSM document's parameters filled in.
import { configuredParameters } from '../../../shared/escalation/document-parameters';
import { acknowledgeCommand, automationCommand, automationConsoleUrl, isPrintable, runbookStep, shellQuote } from '../../../shared/escalation/next-step';
import { atExpression, timerScheduleName } from '../../../shared/escalation/timer-scheduler';
import { parseAtExpression } from '../../../sandbox/scheduler-driver';
import { runtime } from './fixtures';

describe('automationCommand', () => {
  it('passes parameters as JSON, quoted for a POSIX shell', () => {
    expect(automationCommand('NotificationService-ScaleConsumers', { QueueName: 'notification-service-queue' }, 'us-east-1')).toBe(
      `aws ssm start-automation-execution --region us-east-1 --document-name NotificationService-ScaleConsumers --parameters '{"QueueName":["notification-service-queue"]}'`,
    );
  });

  it.each([
    ['a single quote', "it's", `'it'\\''s'`],
    ['spaces and a comparison', 'Queue Depth > 1000', `'Queue Depth > 1000'`],
    ['a plain word', 'us-west-2', 'us-west-2'],
  ])('quotes %s so the shell passes it unchanged', (_case, word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
  });

  it('leaves --parameters out when the document needs none', () => {
    expect(automationCommand('NotificationService-CheckDbConnections', {}, 'us-west-2')).toBe(
      'aws ssm start-automation-execution --region us-west-2 --document-name NotificationService-CheckDbConnections',
    );
  });
});

describe('acknowledgeCommand', () => {
  // Each region keeps its own state table: a DR incident's line pasted in a shell on us-east-1 must still find it.
  it.each([
    ['the primary region', 'us-east-1', 'runbook ack inc-3f2a9c1b7d44 --region us-east-1'],
    ['the DR region', 'us-west-2', 'runbook ack inc-3f2a9c1b7d44 --region us-west-2'],
    ['a region read back from a forged record, quoted for the shell', 'us-east-1; rm -rf ~', "runbook ack inc-3f2a9c1b7d44 --region 'us-east-1; rm -rf ~'"],
  ])('names %s', (_case, region, line) => {
    expect(acknowledgeCommand('inc-3f2a9c1b7d44', region)).toBe(line);
  });
});

describe('automationConsoleUrl', () => {
  it.each([
    ['us-east-1', 'https://us-east-1.console.aws.amazon.com/systems-manager/automation/execute/NotificationService-AcknowledgeIncident?region=us-east-1#IncidentId=inc-3f2a9c1b7d44'],
    ['us-west-2', 'https://us-west-2.console.aws.amazon.com/systems-manager/automation/execute/NotificationService-AcknowledgeIncident?region=us-west-2#IncidentId=inc-3f2a9c1b7d44'],
    ['cn-north-1', 'https://cn-north-1.console.amazonaws.cn/systems-manager/automation/execute/NotificationService-AcknowledgeIncident?region=cn-north-1#IncidentId=inc-3f2a9c1b7d44'],
    ['us-gov-west-1', 'https://us-gov-west-1.console.amazonaws-us-gov.com/systems-manager/automation/execute/NotificationService-AcknowledgeIncident?region=us-gov-west-1#IncidentId=inc-3f2a9c1b7d44'],
  ])('opens the Execute automation page of the document in %s with its parameters filled in', (region, url) => {
    expect(automationConsoleUrl('NotificationService-AcknowledgeIncident', { IncidentId: 'inc-3f2a9c1b7d44' }, region)).toBe(url);
  });

  it('encodes values with spaces and symbols in the fragment', () => {
    expect(automationConsoleUrl('Doc', { AlarmName: 'Queue Depth > 1000 (q)', AcknowledgedBy: 'a&b' }, 'us-east-1')).toBe(
      'https://us-east-1.console.aws.amazon.com/systems-manager/automation/execute/Doc?region=us-east-1#AlarmName=Queue%20Depth%20%3E%201000%20(q)&AcknowledgedBy=a%26b',
    );
  });
});

describe('runbookStep', () => {
  const rows = runtime().config.troubleshooting;
  const production = { environment: 'production' };
  const drConfigured = { environment: 'production', configured: configuredParameters({ hostedZoneId: 'Z0123456789ABCDEFGHIJ', failoverRecordName: 'api.notification.example.com.' }) };
  const replica = { id: 'notification-service-db-replica', arn: 'arn:aws:rds:us-west-2:123456789012:db:notification-service-db-replica' };
  const standbyQueue = { id: 'notification-service-queue', arn: 'arn:aws:sqs:us-west-2:123456789012:notification-service-queue' };
  it.each([
    ['scale-consumers', { id: 'notification-service-queue', arn: 'arn:aws:sqs:us-east-1:123456789012:notification-service-queue' }, production, { QueueName: ['notification-service-queue'] }],
    ['raise-lambda-memory', { id: 'notification-service-consumer', arn: 'arn:aws:lambda:us-east-1:123456789012:function:notification-service-consumer' }, production, { FunctionName: ['notification-service-consumer'] }],
    // The failover promotes the replica under ITS name for it, with the record pair from the configuration (review 11a, finding 4).
    ['watch-standby', replica, drConfigured, { ReplicaDBInstanceIdentifier: [replica.id], HostedZoneId: ['Z0123456789ABCDEFGHIJ'], RecordName: ['api.notification.example.com.'] }],
    ['watch-standby', standbyQueue, drConfigured, { QueueName: [standbyQueue.id], HostedZoneId: ['Z0123456789ABCDEFGHIJ'], RecordName: ['api.notification.example.com.'] }],
  ])('fills the %s runbook with its target under the name the document declares for it', (playbook, resource, settings, parameters) => {
    const step = runbookStep(rows, playbook, resource, 'us-east-1', settings);
    expect(step?.documentName).toBe(rows.find((r) => r.handler === playbook)?.runbook);
    expect(step && isPrintable(step) ? step.parameters : step).toEqual(parameters);
  });

  it.each([
    ['the failover record pair is not configured', 'watch-standby', replica, production, /requires HostedZoneId \(environments\.production\.disasterRecovery\.hostedZoneId, not set\) and RecordName \(environments\.production\.disasterRecovery\.failoverRecordName, not set\)/],
    ['only the record name is configured', 'watch-standby', replica, { environment: 'staging', configured: configuredParameters({ failoverRecordName: 'api.notification.example.com.' }) }, /requires HostedZoneId \(environments\.staging\.disasterRecovery\.hostedZoneId, not set\), which/],
    ['the row names no target class (ScaleUpDatabase requires one)', 'scale-up-database', { id: 'notification-service-db', arn: 'arn:aws:rds:us-east-1:123456789012:db:notification-service-db' }, production, /requires TargetInstanceClass, which/],
  ])('prints no command when %s, and says what is missing', (_case, playbook, resource, settings, why) => {
    const step = runbookStep(rows, playbook, resource, 'us-west-2', settings);
    expect(step && !isPrintable(step) ? step.why : step).toMatch(why);
  });

  it('gives CheckDbConnections only the database: the API parameter keeps its deploy-time default, ApiName or an HTTP API\'s ApiId (decision 120)', () => {
    const db = { id: 'notification-service-db', arn: 'arn:aws:rds:us-east-1:123456789012:db:notification-service-db' };
    const step = runbookStep(rows, 'check-db-connections', db, 'us-east-1', production);
    if (!step || !isPrintable(step)) throw new Error(`expected a printable run, got ${JSON.stringify(step)}`);
    expect(step.documentName).toBe('NotificationService-CheckDbConnections');
    expect(step.parameters).toEqual({ DBInstanceIdentifier: ['notification-service-db'] });
    expect(step.command).toBe(
      `aws ssm start-automation-execution --region us-east-1 --document-name NotificationService-CheckDbConnections --parameters '{"DBInstanceIdentifier":["notification-service-db"]}'`,
    );
  });

  it('has no runbook step for a playbook whose row has none', () => {
    expect(runbookStep(rows, 'no-such-playbook', undefined, 'us-east-1', production)).toBeUndefined();
  });
});

describe('timer schedules', () => {
  it.each([
    [new Date('2026-11-25T14:15:05.000Z'), 'at(2026-11-25T14:15:05)'],
    [new Date('2026-11-25T14:15:05.001Z'), 'at(2026-11-25T14:15:06)'],
    [new Date('2026-12-31T23:59:59.500Z'), 'at(2027-01-01T00:00:00)'],
  ])('writes %s as the one-time expression %s (never earlier than asked)', (at, expression) => {
    expect(atExpression(at)).toBe(expression);
    expect(parseAtExpression(expression, 'UTC')?.getTime()).toBeGreaterThanOrEqual(at.getTime());
  });

  it('names each step of an incident uniquely within Scheduler limits (64 characters of [0-9a-zA-Z-_.])', () => {
    const names = [timerScheduleName({ action: 'check', incidentId: 'inc-3f2a9c1b7d44' }), timerScheduleName({ action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 4 })];
    expect(names).toEqual(['escalation-inc-3f2a9c1b7d44-check', 'escalation-inc-3f2a9c1b7d44-l4']);
    for (const name of names) expect(name).toMatch(/^[0-9a-zA-Z\-_.]{1,64}$/);
  });

  it('reads only one-time expressions in UTC', () => {
    expect(parseAtExpression('rate(5 minutes)', undefined)).toBeUndefined();
    expect(() => parseAtExpression('at(2026-11-25T14:15:05)', 'Europe/Paris')).toThrow(/only understands UTC/);
  });
});
