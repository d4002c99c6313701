// What CloudWatch DescribeAlarms answers for the alarms the unit tests' fixture events are events of: the pipeline binds
// an event's metrics to its alarm's definition (decision 194), so a stub re-read answers it as AWS would.
import type { AlarmDefinition } from '../../shared/aws/alarm-state-reader';

/** test/fixtures/events/alarm-state-change-single-metric.json's alarm (AWS's example): EC2 CPUUtilization of one instance. */
export const SERVER_CPU: AlarmDefinition = { kind: 'single', series: { namespace: 'AWS/EC2', metricName: 'CPUUtilization', dimensions: { InstanceId: 'i-12345678901234567' } } };

/** Queue Backup's alarm on the service's queue (shared/config/alarm-specs.ts). */
export const QUEUE_DEPTH: AlarmDefinition = { kind: 'single', series: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'notification-service-queue' } } };

/** By alarm name, for stubs that answer any alarm: ServerCpuTooHigh and a second alarm on the same metric. */
export const FIXTURE_DEFINITIONS: Record<string, AlarmDefinition> = {
  ServerCpuTooHigh: SERVER_CPU,
  ServerCpuTooHighToo: SERVER_CPU,
  'NotificationService Queue Depth > 1000 (notification-service-queue)': QUEUE_DEPTH,
};
