// The rows that change something, run in the DR region (decision 123): they resolve that region's resources (the
// replicated queue and its consumers, the DR consumer, the promoted replica), never the primary's, and refuse an alarm of
// another region. The primary region resolves as before.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRuntimeConfig, type RuntimeConfig } from '../../../shared/config/load-config';
import { InvalidInputError } from '../../../shared/errors';
import { parseAlarmEvent, type AlarmStateChange } from '../../../shared/events/alarm-event';
import { cpuUtilizationPlaybook } from '../../../shared/playbooks/cpu-utilization';
import { memoryPressurePlaybook } from '../../../shared/playbooks/memory-pressure';
import { queueBackupPlaybook } from '../../../shared/playbooks/queue-backup';

type RawEvent = { region: string; detail: { configuration: { metrics: Array<{ metricStat: { metric: { namespace: string; name: string; dimensions: Record<string, string> } } }> } } };

const ACCOUNT = '123456789012';

/** An alarm event in `region` on one metric (the fixture's ARNs rewritten to that region). */
function alarm(region: string, namespace: string, metricName: string, dimensions: Record<string, string>): AlarmStateChange {
  const text = readFileSync(join(__dirname, '../../fixtures/events/alarm-state-change-single-metric.json'), 'utf8').replaceAll('us-east-1', region);
  const raw = JSON.parse(text) as RawEvent;
  expect(raw.region).toBe(region);
  const metric = raw.detail.configuration.metrics[0];
  if (metric) metric.metricStat.metric = { namespace, name: metricName, dimensions };
  return parseAlarmEvent(raw);
}

const runtime = (region: string): RuntimeConfig => loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region });
const dr = runtime('us-west-2');
const primary = runtime('us-east-1');

const queueAlarm = (region: string) => alarm(region, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: 'notification-service-queue' });
const functionAlarm = (region: string) => alarm(region, 'AWS/Lambda', 'Errors', { FunctionName: 'notification-service-consumer' });
const cpuAlarm = (region: string, db: string) => alarm(region, 'AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: db });

describe('in the DR region (us-west-2), the changing rows act on that region\'s resources', () => {
  it('scale-consumers: the replicated queue there, whose mappings are the DR consumers\'', () => {
    expect(queueBackupPlaybook.resolveTarget(queueAlarm('us-west-2'), dr)).toEqual({
      resource: { type: 'sqs-queue-consumers', id: 'notification-service-queue', arn: `arn:aws:sqs:us-west-2:${ACCOUNT}:notification-service-queue` },
      queueName: 'notification-service-queue',
      queueArn: `arn:aws:sqs:us-west-2:${ACCOUNT}:notification-service-queue`,
      account: ACCOUNT,
    });
  });

  it('raise-lambda-memory: the DR consumer function there', () => {
    expect(memoryPressurePlaybook.resolveTarget(functionAlarm('us-west-2'), dr)).toMatchObject({
      functionName: 'notification-service-consumer',
      resource: { arn: `arn:aws:lambda:us-west-2:${ACCOUNT}:function:notification-service-consumer` },
    });
  });

  it('scale-up-database: the promoted replica (disasterRecovery.replicaIdentifier)', () => {
    expect(cpuUtilizationPlaybook.resolveTarget(cpuAlarm('us-west-2', 'notification-service-db-replica'), dr)).toEqual({
      resource: { type: 'rds-db-instance', id: 'notification-service-db-replica', arn: `arn:aws:rds:us-west-2:${ACCOUNT}:db:notification-service-db-replica` },
      dbInstanceIdentifier: 'notification-service-db-replica',
    });
  });

  it('scale-up-database refuses the primary\'s database identifier there', () => {
    expect(() => cpuUtilizationPlaybook.resolveTarget(cpuAlarm('us-west-2', 'notification-service-db'), dr)).toThrow(
      new InvalidInputError(
        'database notification-service-db is not one of the production databases in us-west-2 (the DR region: its cross-region replica, environments.production.disasterRecovery.replicaIdentifier) this automation owns (notification-service-db-replica)',
      ),
    );
  });

  it.each<[string, (e: AlarmStateChange, r: RuntimeConfig) => unknown, AlarmStateChange]>([
    ['scale-consumers', (e, r) => queueBackupPlaybook.resolveTarget(e, r), queueAlarm('us-east-1')],
    ['raise-lambda-memory', (e, r) => memoryPressurePlaybook.resolveTarget(e, r), functionAlarm('us-east-1')],
    ['scale-up-database', (e, r) => cpuUtilizationPlaybook.resolveTarget(e, r), cpuAlarm('us-east-1', 'notification-service-db')],
  ])('%s refuses an alarm of the primary region (its resources are the primary\'s)', (handler, resolve, event) => {
    expect(() => resolve(event, dr)).toThrow(
      new InvalidInputError(
        `alarm "${event.alarmName}" is in us-east-1, but this ${handler} runs in us-west-2, the DR region of production: it acts only on the resources of us-west-2`,
      ),
    );
  });
});

describe('in the primary region nothing changed', () => {
  it('resolves the primary\'s queue, function and database', () => {
    expect(queueBackupPlaybook.resolveTarget(queueAlarm('us-east-1'), primary)).toMatchObject({ queueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:notification-service-queue` });
    expect(memoryPressurePlaybook.resolveTarget(functionAlarm('us-east-1'), primary)).toMatchObject({ functionName: 'notification-service-consumer' });
    expect(cpuUtilizationPlaybook.resolveTarget(cpuAlarm('us-east-1', 'notification-service-db'), primary)).toMatchObject({ dbInstanceIdentifier: 'notification-service-db' });
  });

  it('still refuses the replica there (it is not a primary database)', () => {
    expect(() => cpuUtilizationPlaybook.resolveTarget(cpuAlarm('us-east-1', 'notification-service-db-replica'), primary)).toThrow(
      'database notification-service-db-replica is not one of the production databases this automation owns (notification-service-db)',
    );
  });
});
