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
  // Longer than a handler runs (its Lambda timeout must stay under it), shorter than Lambda's last asynchronous retry
  // (3 minutes after the first attempt), so that retry can take over an incident whose holder died.
  claimLeaseSeconds: 120,
  recordRetentionDays: 90,
  environments: {
    // Seed "Environment Configuration Matrix": instance size, Multi-AZ, backups, auto scaling.
    production: {
      regions: ['us-east-1', 'us-west-2'],
      // From the document ("us-east-1 Primary", "us-west-2 DR"): the DR region holds the standby, which the automation watches, never scales.
      regionRoles: { 'us-east-1': 'primary', 'us-west-2': 'dr' },
      dbInstanceClass: 'db.r6g.xlarge',
      multiAz: true,
      backupRetentionDays: 7,
      autoScaling: true,
      // A DB class change is downtime (a Multi-AZ failover): production changes it only behind approval.
      mutationModeByRow: { 'cpu-utilization': 'approval' },
      // 3008 MB: the ceiling AWS applies to many accounts until raised ("'MemorySize' value failed to satisfy constraint").
      raiseLambdaMemory: { stepFactor: 1.5, roundUpToMb: 64, maxMemoryMb: 3008 },
      scaleUpDatabase: { ladder: ['db.r6g.xlarge', 'db.r6g.2xlarge', 'db.r6g.4xlarge'] },
      alertErrorRate: { windowMinutes: 15, topMessages: 5, maxLogEvents: 1000 },
      guardrails: { cooldownSeconds: 300, maxChangesPerHour: 4 },
      scaleConsumers: {
        stepConcurrency: 50,
        maxConcurrency: 400,
        consumerErrorRatePercent: 5,
        errorRateWindowMinutes: 5,
        minUnreservedConcurrency: 100,
      },
      // Health check after a change: error rate +1 point, throttles, duration +25%, DB CPU not lower, connections +25%.
      verifyChange: { verifyWindowMinutes: 10, errorRateRisePercentPoints: 1, minInvocations: 20, durationRisePercent: 25, cpuImprovementPercentPoints: 0, connectionsRisePercent: 25 },
      // Seed escalation path; AWS Support severity "urgent" = "Production system down" (Support API SeverityLevel).
      escalation: {
        tiers: [
          { level: 1, channels: ['chat', 'email'] },
          { level: 2, channels: ['chat', 'email'] },
          { level: 3, channels: ['email'] },
          { level: 4, channels: ['email'] },
        ],
        supportCase: { enabled: true, severityCode: 'urgent' },
        stillFiringAfterMinutes: 10,
      },
      // Project default, not from the seed: the role whose sessions approve the runbooks' aws:approve steps here.
      runbookApprovers: { principals: ['role/NotificationServiceRunbookApprover'], minRequiredApprovals: 1 },
      resources: { queues: [consumerQueue], functions: [consumerFunction], databases: [database] },
    },
    staging: {
      regions: ['us-east-1'],
      dbInstanceClass: 'db.r6g.large',
      multiAz: false,
      backupRetentionDays: 3,
      autoScaling: true,
      raiseLambdaMemory: { stepFactor: 1.5, roundUpToMb: 64, maxMemoryMb: 2048 },
      scaleUpDatabase: { ladder: ['db.r6g.large', 'db.r6g.xlarge'] },
      alertErrorRate: { windowMinutes: 15, topMessages: 5, maxLogEvents: 1000 },
      guardrails: { cooldownSeconds: 300, maxChangesPerHour: 4 },
      scaleConsumers: {
        stepConcurrency: 25,
        maxConcurrency: 200,
        consumerErrorRatePercent: 5,
        errorRateWindowMinutes: 5,
        minUnreservedConcurrency: 100,
      },
      // Health check after a change: error rate +1 point, throttles, duration +25%, DB CPU not lower, connections +25%.
      verifyChange: { verifyWindowMinutes: 15, errorRateRisePercentPoints: 1, minInvocations: 20, durationRisePercent: 25, cpuImprovementPercentPoints: 0, connectionsRisePercent: 25 },
      // "normal" = "System impaired" (Support API SeverityLevel); the service owner is not paged for staging.
      escalation: {
        tiers: [
          { level: 1, channels: ['chat'], timeoutMinutes: 30 },
          { level: 2, channels: ['chat', 'email'], timeoutMinutes: 60 },
          { level: 3, channels: ['email'], timeoutMinutes: 120 },
        ],
        supportCase: { enabled: true, severityCode: 'normal' },
        stillFiringAfterMinutes: 15,
      },
      // Project default, not from the seed: the role whose sessions approve the runbooks' aws:approve steps here.
      runbookApprovers: { principals: ['role/NotificationServiceRunbookApprover'], minRequiredApprovals: 1 },
      resources: { queues: [consumerQueue], functions: [consumerFunction], databases: [database] },
    },
    development: {
      regions: ['us-east-1'],
      dbInstanceClass: 'db.t3.medium',
      multiAz: false,
      backupRetentionDays: 1,
      autoScaling: false,
      raiseLambdaMemory: { stepFactor: 1.5, roundUpToMb: 64, maxMemoryMb: 1024 },
      scaleUpDatabase: { ladder: ['db.t3.medium', 'db.t3.large'] },
      alertErrorRate: { windowMinutes: 15, topMessages: 5, maxLogEvents: 1000 },
      guardrails: { cooldownSeconds: 300, maxChangesPerHour: 4 },
      scaleConsumers: {
        stepConcurrency: 10,
        maxConcurrency: 100,
        consumerErrorRatePercent: 5,
        errorRateWindowMinutes: 5,
        minUnreservedConcurrency: 100,
      },
      // Health check after a change: error rate +1 point, throttles, duration +25%, DB CPU not lower, connections +25%.
      verifyChange: { verifyWindowMinutes: 15, errorRateRisePercentPoints: 1, minInvocations: 20, durationRisePercent: 25, cpuImprovementPercentPoints: 0, connectionsRisePercent: 25 },
      // Development stops at L2; a support case would be "low" = "General guidance", and is not opened.
      escalation: {
        tiers: [
          { level: 1, channels: ['chat'], timeoutMinutes: 60 },
          { level: 2, channels: ['email'], timeoutMinutes: 240 },
        ],
        supportCase: { enabled: false, severityCode: 'low' },
        stillFiringAfterMinutes: 30,
      },
      // Project default, not from the seed: the role whose sessions approve the runbooks' aws:approve steps here.
      runbookApprovers: { principals: ['role/NotificationServiceRunbookApprover'], minRequiredApprovals: 1 },
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
      handler: 'alert-error-rate',
      response: 'Alert: enrich with errors, invocations, rate and the most frequent error messages, and escalate',
    },
  ],
  // Seed "Support Escalation Path".
  escalationPath: [
    { level: 1, name: 'DevOps Team (L1)', topicName: 'notification-escalation-l1-devops', timeoutMinutes: 15 },
    { level: 2, name: 'Cloud Infrastructure Team (L2)', topicName: 'notification-escalation-l2-cloud-infrastructure', timeoutMinutes: 30 },
    { level: 3, name: 'AWS Support (Enterprise)', topicName: 'notification-escalation-l3-aws-support', timeoutMinutes: 60, kind: 'aws-support' },
    { level: 4, name: 'Service Owner', topicName: 'notification-escalation-l4-service-owner', timeoutMinutes: 120 },
  ],
  // 80% of max_connections and the seed's CPU > 70%; the replica-lag bound is ours (the seed names none).
  checkDbConnections: { saturationPercent: 80, cpuPercent: 70, replicaLagSeconds: 30, windowMinutes: 5, saturationHoldMinutes: 15 },
  // Seed architecture: API Gateway -> the service's function; ElastiCache Redis on 6379 behind its own security group.
  dependencies: {
    apis: [{ name: 'notification-service-api', functionName: consumerFunction }],
    caches: [{ name: 'notification-service-cache', port: 6379, securityGroups: ['notification-service-cache'] }],
  },
};
