// The automation's configuration as one zod schema: the seed's troubleshooting table, environment matrix and escalation path.
import { z } from 'zod';

export const ENVIRONMENTS = ['production', 'staging', 'development'] as const;
export const environmentNameSchema = z.enum(ENVIRONMENTS);
export type EnvironmentName = z.infer<typeof environmentNameSchema>;

/** AWS region code, e.g. us-east-1. */
const regionSchema = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region code like us-east-1');
const accountIdSchema = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');

/** What the automation may do in an environment. */
export const mutationModeSchema = z.enum(['automatic', 'approval', 'report-only']);
export type MutationMode = z.infer<typeof mutationModeSchema>;

export const scaleConsumersPolicySchema = z
  .object({
    /** Added to the event source mapping's MaximumConcurrency per step. */
    stepConcurrency: z.number().int().min(1).max(998),
    /** Environment cap; AWS allows 2..1000 for MaximumConcurrency (Lambda SQS ScalingConfig). */
    maxConcurrency: z.number().int().min(2).max(1000),
    /** A consumer whose error rate is above this is failing: escalate instead of scaling. */
    consumerErrorRatePercent: z.number().min(0).max(100),
    /** Window over which the consumer's error rate is measured. */
    errorRateWindowMinutes: z.number().int().min(1).max(60),
    /** AWS keeps at least 100 unreserved concurrent executions per account (Lambda quotas). */
    minUnreservedConcurrency: z.number().int().min(100),
  })
  .strict();

export const guardrailPolicySchema = z
  .object({
    /** No second change to the same resource within this many seconds. */
    cooldownSeconds: z.number().int().min(0).max(86400),
    /** At most this many changes per resource per rolling hour; past it: stop and escalate. */
    maxChangesPerHour: z.number().int().min(1).max(100),
  })
  .strict();

export const environmentSchema = z
  .object({
    accountId: accountIdSchema.optional(),
    regions: z.array(regionSchema).min(1),
    /** Seed environment matrix. */
    dbInstanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class like db.r6g.large'),
    multiAz: z.boolean(),
    backupRetentionDays: z.number().int().min(0).max(35),
    autoScaling: z.boolean(),
    /** Derived from autoScaling unless set: automatic where the seed says auto scaling is on, report-only where it is off. */
    mutationMode: mutationModeSchema.optional(),
    guardrails: guardrailPolicySchema,
    scaleConsumers: scaleConsumersPolicySchema,
    /** Resources the automation owns here; it never touches anything else. */
    resources: z
      .object({
        queues: z.array(z.string().min(1).max(80)).default([]),
        functions: z.array(z.string().min(1).max(140)).default([]),
        databases: z.array(z.string().min(1).max(63)).default([]),
      })
      .strict(),
  })
  .strict();
export type EnvironmentConfig = z.infer<typeof environmentSchema>;

export const escalationTierSchema = z
  .object({
    level: z.number().int().min(1),
    name: z.string().min(1),
    topicName: z.string().min(1).max(256),
    timeoutMinutes: z.number().int().min(1).max(1440),
  })
  .strict();

export const troubleshootingRowSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/),
    issue: z.string().min(1),
    symptom: z.string().min(1),
    detection: z
      .object({
        namespace: z.string().min(1),
        metricName: z.string().min(1),
        comparison: z.enum(['GreaterThanThreshold', 'GreaterThanOrEqualToThreshold', 'LessThanThreshold']),
        threshold: z.number(),
        unit: z.string().optional(),
      })
      .strict(),
    handler: z.string().regex(/^[a-z][a-z0-9-]*$/),
    response: z.string().min(1),
    runbook: z.string().min(1).optional(),
  })
  .strict();
export type TroubleshootingRow = z.infer<typeof troubleshootingRowSchema>;

export const automationConfigSchema = z
  .object({
    service: z.string().min(1),
    stateTableName: z.string().min(3).max(255),
    eventBusName: z.string().min(1).max(256),
    killSwitchParameterName: z.string().regex(/^\/[\w.\-/]+$/, 'must be an SSM parameter path like /runbooks/kill-switch'),
    killSwitchCacheSeconds: z.number().int().min(0).max(300),
    /** How long a claimed incident is held by one invocation before a retry may take it over. */
    claimLeaseSeconds: z.number().int().min(30).max(3600),
    /** How long incident and audit records are kept (DynamoDB TTL). */
    recordRetentionDays: z.number().int().min(1).max(3650),
    environments: z.record(environmentNameSchema, environmentSchema),
    troubleshooting: z.array(troubleshootingRowSchema).min(1),
    escalationPath: z.array(escalationTierSchema).min(1),
  })
  .strict();
export type AutomationConfig = z.infer<typeof automationConfigSchema>;
export type AutomationConfigInput = z.input<typeof automationConfigSchema>;
