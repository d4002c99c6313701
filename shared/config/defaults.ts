// The automation's default configuration. Where each value comes from is said beside it:
//   "document:" - from the service's infrastructure document (../shared/seed/notification-service-infrastructure.md):
//                 its troubleshooting table, CloudWatch thresholds, environment matrix, accounts and regions, the four
//                 escalation tiers in order, and the component sizes;
//   "project default:" - a choice of this project, with its reason. The document gives no tier timeouts, channels or
//                 AWS Support severities, no instance-class ladders, memory caps, concurrency steps or caps, no alarm
//                 statistics or evaluation periods (shared/config/alarm-specs.ts), no resource names and no change window.
// Every project default can be overridden per deployment (RUNBOOK_CONFIG_JSON / CDK context `config`).
import type { AutomationConfigInput } from './schema';

// Project default: resource names (the document names no resources); the service's own stack owns them.
const consumerQueue = 'notification-service-queue';
const consumerFunction = 'notification-service-consumer';
const database = 'notification-service-db';

export const defaultConfig: AutomationConfigInput = {
  // Project default: names of the project's own resources (state table, bus, kill switch), prefixed for the service.
  service: 'notification-service',
  stateTableName: 'notification-runbooks-state',
  eventBusName: 'notification-runbooks',
  killSwitchParameterName: '/notification-runbooks/kill-switch',
  // Project default: a handler re-reads the kill switch at most every 30 s (one SSM read per container per 30 s).
  killSwitchCacheSeconds: 30,
  // Project default. Longer than a handler runs (its Lambda timeout, 120 s at most, and a 10 s margin must stay under it:
  // shared/config/claim-lease.ts), shorter than Lambda's last asynchronous retry (3 minutes after the first attempt), so
  // that retry can take over an incident whose holder died. Was 120, equal to scale-up-database's timeout (review 20b R20-24).
  claimLeaseSeconds: 150,
  // Project default: audit and incident records are kept 90 days (a quarter's reviews), then expire by TTL.
  recordRetentionDays: 90,
  environments: {
    // document: "Environment Configuration Matrix" (instance size, Multi-AZ, backup retention, auto scaling) and
    // "Account Structure" (regions) for every environment; everything else in an environment is a project default.
    production: {
      regions: ['us-east-1', 'us-west-2'],
      // From the document ("us-east-1 Primary", "us-west-2 DR"): the DR region holds the standby, which the automation watches, never scales.
      regionRoles: { 'us-east-1': 'primary', 'us-west-2': 'dr' },
      dbInstanceClass: 'db.r6g.xlarge',
      multiAz: true,
      backupRetentionDays: 7,
      autoScaling: true,
      // Project default: a DB class change is downtime (a Multi-AZ failover): production changes it only behind approval.
      mutationModeByRow: { 'cpu-utilization': 'approval' },
      // Project default: x1.5 rounded to 64 MB from the document's 512 MB (512 -> 768 -> 1152 ...); cap 3008 MB, the
      // ceiling AWS applies to many accounts until raised ("'MemorySize' value failed to satisfy constraint").
      // minMemoryMb (project default): the document's 512 MB, the floor of any value read back from the state table.
      raiseLambdaMemory: { stepFactor: 1.5, roundUpToMb: 64, maxMemoryMb: 3008, minMemoryMb: 512 },
      // First rung: the document's instance size; the rungs above it are a project default (the next two r6g sizes).
      scaleUpDatabase: { ladder: ['db.r6g.xlarge', 'db.r6g.2xlarge', 'db.r6g.4xlarge'] },
      // Project default: errors over 15 minutes, the 5 most frequent messages from at most 1000 log events.
      alertErrorRate: { windowMinutes: 15, topMessages: 5, maxLogEvents: 1000 },
      // Project default: 5 minutes between changes of one resource (a queue drains or a class settles), 4 changes an hour.
      guardrails: { cooldownSeconds: 300, maxChangesPerHour: 4 },
      // Project default: steps of 50 up to 400 from the document's concurrency 100; the 5% failing-consumer bound and
      // its 5-minute window are ours. minUnreservedConcurrency 100 is AWS's (Lambda quotas).
      scaleConsumers: {
        stepConcurrency: 50,
        maxConcurrency: 400,
        consumerErrorRatePercent: 5,
        errorRateWindowMinutes: 5,
        minUnreservedConcurrency: 100,
        // Floors of restored values (project defaults): the sandbox's MaximumConcurrency 50, the seed's concurrency 100.
        minMaximumConcurrency: 50,
        minReservedConcurrency: 100,
      },
      // Project default: health check after a change: error rate +1 point (the document's 1% alert), throttles, duration
      // +25%, DB CPU not lower, connections +25%, over 10 minutes.
      verifyChange: { verifyWindowMinutes: 10, errorRateRisePercentPoints: 1, minInvocations: 20, durationRisePercent: 25, cpuImprovementPercentPoints: 0, connectionsRisePercent: 25 },
      // document: the four tiers, in order. Project default: channels, the path's timeouts (escalationPath below), and the
      // AWS Support severity "urgent" = "Production system down" (Support API SeverityLevel), still-firing after 10 min.
      // Project default: an error-rate incident opens a "high" ("Production system impaired") case, not "urgent": errors
      // above 1% impair the service, they do not take it down.
      // No email endpoints or Slack channels by default: they are the deployment's (tiers[].emails, tiers[].slack); a Slack
      // channel's guardrail, logging level and user-role defaults are project defaults (shared/config/slack-channels.ts).
      escalation: {
        tiers: [
          { level: 1, channels: ['chat', 'email'] },
          { level: 2, channels: ['chat', 'email'] },
          { level: 3, channels: ['email'] },
          { level: 4, channels: ['email'] },
        ],
        supportCase: { enabled: true, severityCode: 'urgent', severityByRow: { 'error-rate': 'high' } },
        stillFiringAfterMinutes: 10,
        // Project default, not from the document (decision 204): a flapping alarm is one incident. An ALARM within 30 min
        // of its last incident's resolution re-opens it (one short message to the tiers told it resolved, the ladder
        // resumes where it was); once re-opened, its resolution is told after the alarm stayed OK for 10 min.
        flapping: { regroupWithinMinutes: 30, settleMinutes: 10 },
      },
      // Project default, not from the document: the role whose sessions approve the runbooks' aws:approve steps here.
      runbookApprovers: { principals: ['role/NotificationServiceRunbookApprover'], minRequiredApprovals: 1 },
      // Project default: names of the DR standby (the document shows a "Cross-Region Replica" and "Queue Replication" in
      // the DR region, unnamed). The failover record name and hosted zone are the deployment's to set (no default domain).
      disasterRecovery: {
        replicaIdentifier: `${database}-replica`,
        failbackReplicaIdentifier: `${database}-failback`,
        endpointParameterName: '/notification-service/database/endpoint',
        // Project defaults, not from the document (it gives no RPO, RTO or standby thresholds) - the DR region's standby
        // watch (row dr-standby) pages when the replicated queue holds more than the document's Queue Backup threshold
        // (1000: a failover would start with that backlog) or its oldest message is over an hour old (an hour of
        // notifications a failover would deliver late); figures read over 15 minutes.
        standbyWatch: { queueMessages: 1000, oldestMessageAgeSeconds: 3600, windowMinutes: 15 },
      },
      // Project default: the resource names at the top of this file.
      resources: { queues: [consumerQueue], functions: [consumerFunction], databases: [database] },
    },
    staging: {
      regions: ['us-east-1'],
      dbInstanceClass: 'db.r6g.large',
      multiAz: false,
      backupRetentionDays: 3,
      autoScaling: true,
      // Project default: staging's cap is below production's so a staging run cannot prove a size production never gets;
      // minMemoryMb (project default) is the floor of any value read back from the state table.
      raiseLambdaMemory: { stepFactor: 1.5, roundUpToMb: 64, maxMemoryMb: 2048, minMemoryMb: 256 },
      // First rung: the document's staging size; the next (production's size) is a project default.
      scaleUpDatabase: { ladder: ['db.r6g.large', 'db.r6g.xlarge'] },
      alertErrorRate: { windowMinutes: 15, topMessages: 5, maxLogEvents: 1000 },
      guardrails: { cooldownSeconds: 300, maxChangesPerHour: 4 },
      // Project default: half production's step and cap.
      scaleConsumers: {
        stepConcurrency: 25,
        maxConcurrency: 200,
        consumerErrorRatePercent: 5,
        errorRateWindowMinutes: 5,
        minUnreservedConcurrency: 100,
        // Project defaults: half of production's floors.
        minMaximumConcurrency: 25,
        minReservedConcurrency: 50,
      },
      // Project default: production's health check, over 15 minutes (less traffic to judge by).
      verifyChange: { verifyWindowMinutes: 15, errorRateRisePercentPoints: 1, minInvocations: 20, durationRisePercent: 25, cpuImprovementPercentPoints: 0, connectionsRisePercent: 25 },
      // Project default: tiers' channels and timeouts (a person has longer in staging); "normal" = "System impaired"
      // (Support API SeverityLevel); the service owner (document's L4) is not paged for staging.
      escalation: {
        tiers: [
          { level: 1, channels: ['chat'], timeoutMinutes: 30 },
          { level: 2, channels: ['chat', 'email'], timeoutMinutes: 60 },
          { level: 3, channels: ['email'], timeoutMinutes: 120 },
        ],
        supportCase: { enabled: true, severityCode: 'normal' },
        stillFiringAfterMinutes: 15,
        // Project default (decision 204): as production.
        flapping: { regroupWithinMinutes: 30, settleMinutes: 10 },
      },
      // Project default, not from the document: the role whose sessions approve the runbooks' aws:approve steps here.
      runbookApprovers: { principals: ['role/NotificationServiceRunbookApprover'], minRequiredApprovals: 1 },
      resources: { queues: [consumerQueue], functions: [consumerFunction], databases: [database] },
    },
    development: {
      regions: ['us-east-1'],
      dbInstanceClass: 'db.t3.medium',
      multiAz: false,
      backupRetentionDays: 1,
      autoScaling: false,
      // Project default: planned and reported only (auto scaling is off here, document), so these caps only shape plans.
      raiseLambdaMemory: { stepFactor: 1.5, roundUpToMb: 64, maxMemoryMb: 1024, minMemoryMb: 128 },
      // First rung: the document's development size; db.t3.large is a project default.
      scaleUpDatabase: { ladder: ['db.t3.medium', 'db.t3.large'] },
      alertErrorRate: { windowMinutes: 15, topMessages: 5, maxLogEvents: 1000 },
      guardrails: { cooldownSeconds: 300, maxChangesPerHour: 4 },
      // Project default: a fifth of production's step, a quarter of its cap.
      scaleConsumers: {
        stepConcurrency: 10,
        maxConcurrency: 100,
        consumerErrorRatePercent: 5,
        errorRateWindowMinutes: 5,
        minUnreservedConcurrency: 100,
        // Project defaults.
        minMaximumConcurrency: 10,
        minReservedConcurrency: 10,
      },
      // Project default: production's health check, over 15 minutes (less traffic to judge by).
      verifyChange: { verifyWindowMinutes: 15, errorRateRisePercentPoints: 1, minInvocations: 20, durationRisePercent: 25, cpuImprovementPercentPoints: 0, connectionsRisePercent: 25 },
      // Project default: development stops at L2 with long timeouts; a support case would be "low" = "General guidance",
      // and is not opened.
      escalation: {
        tiers: [
          { level: 1, channels: ['chat'], timeoutMinutes: 60 },
          { level: 2, channels: ['email'], timeoutMinutes: 240 },
        ],
        supportCase: { enabled: false, severityCode: 'low' },
        stillFiringAfterMinutes: 30,
        // Project default (decision 204): as production.
        flapping: { regroupWithinMinutes: 30, settleMinutes: 10 },
      },
      // Project default, not from the document: the role whose sessions approve the runbooks' aws:approve steps here.
      runbookApprovers: { principals: ['role/NotificationServiceRunbookApprover'], minRequiredApprovals: 1 },
      resources: { queues: [consumerQueue], functions: [consumerFunction], databases: [database] },
    },
  },
  // document: issue and symptom of "Common Issues and Resolution" (Queue Backup, Memory Pressure, Connection Timeout,
  // High Latency) and of "CloudWatch Metrics" (CPU Utilization > 70% "Scale up", Error Rate > 1% "Alert"), with their
  // thresholds: messages 1000, latency 500 ms, CPU 70%, error rate 1%. Project default: the OOM count threshold (>= 1:
  // the document says only "OOM errors"), the 504 count threshold (> 0: "504 errors"), the metrics chosen for each row,
  // the handlers, the responses' limits and the SSM document names.
  troubleshooting: [
    {
      id: 'queue-backup',
      issue: 'Queue Backup',
      symptom: 'Messages > 1000',
      detection: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', comparison: 'GreaterThanThreshold', threshold: 1000 },
      handler: 'scale-consumers',
      // Project default: watched in the DR region too (decision 123) - there it changes something only while that region
      // serves (FailoverToDR has promoted the replica and enabled the DR consumers); before a failover it escalates.
      watchIn: ['primary', 'dr'],
      response:
        'Scale consumers: raise the SQS event source mapping MaximumConcurrency; restore the recorded baseline once the backlog has drained: when the low-water alarm fires (the queue under its low watermark for some minutes), or at the queue-depth alarm\'s OK if the queue is already under the watermark then',
      runbook: 'NotificationService-ScaleConsumers',
      // Project default, not the document's (it names no watermark): hysteresis. The baseline comes back only once the
      // queue has held under 10% of the threshold (100 of 1000 messages) for 5 minutes, its own alarm doing the waiting
      // (decision 185); at the depth alarm's first OK (its first minute under 1000) the backlog is still ~1000 deep.
      lowWater: { thresholdPercent: 10, evaluationMinutes: 5 },
    },
    {
      id: 'memory-pressure',
      issue: 'Memory Pressure',
      symptom: 'OOM errors',
      detection: { namespace: 'NotificationService', metricName: 'OutOfMemoryErrors', comparison: 'GreaterThanOrEqualToThreshold', threshold: 1 },
      handler: 'raise-lambda-memory',
      // Project default: watched in the DR region too (decision 123) - there it changes something only while that region
      // serves (FailoverToDR has promoted the replica and enabled the DR consumers); before a failover it escalates.
      watchIn: ['primary', 'dr'],
      response: 'Increase Lambda memory one step within the environment cap',
      runbook: 'NotificationService-RaiseLambdaMemory',
    },
    {
      id: 'connection-timeout',
      issue: 'Connection Timeout',
      symptom: '504 errors',
      // Project default: 504s counted from the API's JSON access log by a metric filter (api504MetricFilter), since API
      // Gateway's 5XXError counts every 5xx and the document's symptom is "504 errors".
      detection: { namespace: 'NotificationService', metricName: 'Api504Errors', comparison: 'GreaterThanThreshold', threshold: 0 },
      handler: 'inspect-security-groups',
      // Project default: watched in the DR region too - it changes nothing, and it is there the moment a failover sends traffic.
      watchIn: ['primary', 'dr'],
      response: 'Check security groups: prove reachability Lambda -> RDS / cache / endpoints, name the missing rule',
      runbook: 'NotificationService-TroubleshootConnectionTimeout',
    },
    {
      id: 'high-latency',
      issue: 'High Latency',
      symptom: 'Response time > 500ms',
      detection: { namespace: 'AWS/ApiGateway', metricName: 'Latency', comparison: 'GreaterThanThreshold', threshold: 500, unit: 'Milliseconds' },
      handler: 'check-db-connections',
      // Project default: watched in the DR region too - it changes nothing, and it is there the moment a failover sends traffic.
      watchIn: ['primary', 'dr'],
      response: 'Check DB connections: connections vs max_connections, CPU, replica lag',
      runbook: 'NotificationService-CheckDbConnections',
    },
    {
      id: 'cpu-utilization',
      issue: 'CPU Utilization',
      symptom: 'CPU > 70%',
      detection: { namespace: 'AWS/RDS', metricName: 'CPUUtilization', comparison: 'GreaterThanThreshold', threshold: 70, unit: 'Percent' },
      handler: 'scale-up-database',
      // Project default: watched in the DR region too (decision 123) - there it changes something only while that region
      // serves (FailoverToDR has promoted the replica and enabled the DR consumers); before a failover it escalates.
      watchIn: ['primary', 'dr'],
      response: 'Scale up: next instance class on the environment ladder',
      runbook: 'NotificationService-ScaleUpDatabase',
    },
    {
      id: 'error-rate',
      issue: 'Error Rate',
      symptom: 'Errors > 1% of invocations',
      detection: { namespace: 'AWS/Lambda', metricName: 'ErrorRate', comparison: 'GreaterThanThreshold', threshold: 1, unit: 'Percent' },
      handler: 'alert-error-rate',
      // Project default: watched in the DR region too - it changes nothing, and it is there the moment a failover sends traffic.
      watchIn: ['primary', 'dr'],
      response: 'Alert: enrich with errors, invocations, rate and the most frequent error messages, and escalate',
    },
    {
      // document: the DR region holds a "Cross-Region Replica" and "Queue Replication" (us-west-2 DR). Project default:
      // the row itself (the document's table has no DR row), ReplicaLag > 300 s - five minutes of writes a failover at
      // that moment would lose (the document gives no RPO) - and the queue's thresholds (disasterRecovery.standbyWatch).
      // Watched in the DR region only, and diagnose-only: the standby serves no traffic, so nothing there is scaled.
      id: 'dr-standby',
      issue: 'DR Standby',
      symptom: 'Replica lag > 300 s, or the replicated queue backing up',
      detection: { namespace: 'AWS/RDS', metricName: 'ReplicaLag', comparison: 'GreaterThanThreshold', threshold: 300, unit: 'Seconds' },
      handler: 'watch-standby',
      response: 'Watch the standby: report the replica lag, the replicated queue and the DR consumers, and escalate to L1; a failover is a person\'s decision',
      runbook: 'NotificationService-FailoverToDR',
      watchIn: ['dr'],
    },
  ],
  // document: "Support Escalation Path", names and order. Project default: topic names, and the timeouts (15 / 30 / 60 /
  // 120 min: the document gives none; each environment may override them, see environments.*.escalation).
  escalationPath: [
    { level: 1, name: 'DevOps Team (L1)', topicName: 'notification-escalation-l1-devops', timeoutMinutes: 15 },
    { level: 2, name: 'Cloud Infrastructure Team (L2)', topicName: 'notification-escalation-l2-cloud-infrastructure', timeoutMinutes: 30 },
    { level: 3, name: 'AWS Support (Enterprise)', topicName: 'notification-escalation-l3-aws-support', timeoutMinutes: 60, kind: 'aws-support' },
    { level: 4, name: 'Service Owner', topicName: 'notification-escalation-l4-service-owner', timeoutMinutes: 120 },
  ],
  // CPU 70%: the document's CPU threshold. Project default: 80% of max_connections, replica lag 30 s (the document
  // names none), a 5-minute window and a 15-minute hold.
  checkDbConnections: { saturationPercent: 80, cpuPercent: 70, replicaLagSeconds: 30, windowMinutes: 5, saturationHoldMinutes: 15 },
  // document: the architecture (API Gateway -> Lambda; ElastiCache Redis). Project default: the names and the cache's
  // security group; 6379 is Redis's default port.
  dependencies: {
    apis: [{ name: 'notification-service-api', functionName: consumerFunction }],
    caches: [{ name: 'notification-service-cache', port: 6379, securityGroups: ['notification-service-cache'] }],
  },
};
