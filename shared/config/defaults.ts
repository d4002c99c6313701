// The seed document's troubleshooting table, environment matrix and escalation path, as configuration data.
import type { AutomationConfigInput } from './schema';

const consumerQueue = 'notification-service-queue';
const consumerFunction = 'notification-service-consumer';
const database = 'notification-service-db';

export const defaultConfig: AutomationConfigInput = {
  service: 'notification-service',
  stateTableName: 'notification-runbooks-state',
  eventBusName: 'notification-runbooks',
  killSwitchParameterName: '/notification-runbooks/kill-switch',
  killSwitchCacheSeconds: 30,
  claimLeaseSeconds: 300,
  recordRetentionDays: 90,
  environments: {
    // Seed "Environment Configuration Matrix": instance size, Multi-AZ, backups, auto scaling.
    production: {
      regions: ['us-east-1', 'us-west-2'],
      dbInstanceClass: 'db.r6g.xlarge',
      multiAz: true,
      backupRetentionDays: 7,
      autoScaling: true,
      guardrails: { cooldownSeconds: 300, maxChangesPerHour: 4 },
      scaleConsumers: {
        stepConcurrency: 50,
        maxConcurrency: 400,
        consumerErrorRatePercent: 5,
        errorRateWindowMinutes: 5,
        minUnreservedConcurrency: 100,
      },
      resources: { queues: [consumerQueue], functions: [consumerFunction], databases: [database] },
    },
    staging: {
      regions: ['us-east-1'],
      dbInstanceClass: 'db.r6g.large',
      multiAz: false,
      backupRetentionDays: 3,
      autoScaling: true,
      guardrails: { cooldownSeconds: 300, maxChangesPerHour: 4 },
      scaleConsumers: {
        stepConcurrency: 25,
        maxConcurrency: 200,
        consumerErrorRatePercent: 5,
        errorRateWindowMinutes: 5,
        minUnreservedConcurrency: 100,
      },
      resources: { queues: [consumerQueue], functions: [consumerFunction], databases: [database] },
    },
    development: {
      regions: ['us-east-1'],
      dbInstanceClass: 'db.t3.medium',
      multiAz: false,
      backupRetentionDays: 1,
      autoScaling: false,
      guardrails: { cooldownSeconds: 300, maxChangesPerHour: 4 },
      scaleConsumers: {
        stepConcurrency: 10,
        maxConcurrency: 100,
        consumerErrorRatePercent: 5,
        errorRateWindowMinutes: 5,
        minUnreservedConcurrency: 100,
      },
      resources: { queues: [consumerQueue], functions: [consumerFunction], databases: [database] },
    },
  },
  // Seed "Common Issues and Resolution" + "CloudWatch Metrics" thresholds.
  troubleshooting: [
    {
      id: 'queue-backup',
      issue: 'Queue Backup',
      symptom: 'Messages > 1000',
      detection: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', comparison: 'GreaterThanThreshold', threshold: 1000 },
      handler: 'scale-consumers',
      response: 'Scale consumers: raise the SQS event source mapping MaximumConcurrency; restore the baseline when the queue drains',
      runbook: 'NotificationService-ScaleConsumers',
    },
    {
      id: 'memory-pressure',
      issue: 'Memory Pressure',
      symptom: 'OOM errors',
      detection: { namespace: 'NotificationService', metricName: 'OutOfMemoryErrors', comparison: 'GreaterThanOrEqualToThreshold', threshold: 1 },
      handler: 'raise-lambda-memory',
      response: 'Increase Lambda memory one step within the environment cap',
      runbook: 'NotificationService-RaiseLambdaMemory',
    },
    {
      id: 'connection-timeout',
      issue: 'Connection Timeout',
      symptom: '504 errors',
      detection: { namespace: 'AWS/ApiGateway', metricName: '5XXError', comparison: 'GreaterThanThreshold', threshold: 0 },
      handler: 'inspect-security-groups',
      response: 'Check security groups: prove reachability Lambda -> RDS / cache / endpoints, name the missing rule',
      runbook: 'NotificationService-TroubleshootConnectionTimeout',
    },
    {
      id: 'high-latency',
      issue: 'High Latency',
      symptom: 'Response time > 500ms',
      detection: { namespace: 'AWS/ApiGateway', metricName: 'Latency', comparison: 'GreaterThanThreshold', threshold: 500, unit: 'Milliseconds' },
      handler: 'check-db-connections',
      response: 'Check DB connections: connections vs max_connections, CPU, replica lag',
      runbook: 'NotificationService-CheckDbConnections',
    },
    {
      id: 'cpu-utilization',
      issue: 'CPU Utilization',
      symptom: 'CPU > 70%',
      detection: { namespace: 'AWS/RDS', metricName: 'CPUUtilization', comparison: 'GreaterThanThreshold', threshold: 70, unit: 'Percent' },
      handler: 'scale-up-database',
      response: 'Scale up: next instance class on the environment ladder',
      runbook: 'NotificationService-ScaleUpDatabase',
    },
    {
      id: 'error-rate',
      issue: 'Error Rate',
      symptom: 'Errors > 1% of invocations',
      detection: { namespace: 'AWS/Lambda', metricName: 'ErrorRate', comparison: 'GreaterThanThreshold', threshold: 1, unit: 'Percent' },
      handler: 'escalate',
      response: 'Alert: enrich and escalate',
    },
  ],
  // Seed "Support Escalation Path".
  escalationPath: [
    { level: 1, name: 'DevOps Team (L1)', topicName: 'notification-escalation-l1-devops', timeoutMinutes: 15 },
    { level: 2, name: 'Cloud Infrastructure Team (L2)', topicName: 'notification-escalation-l2-cloud-infrastructure', timeoutMinutes: 30 },
    { level: 3, name: 'AWS Support (Enterprise)', topicName: 'notification-escalation-l3-aws-support', timeoutMinutes: 60 },
    { level: 4, name: 'Service Owner', topicName: 'notification-escalation-l4-service-owner', timeoutMinutes: 120 },
  ],
};
