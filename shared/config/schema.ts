// The automation's configuration as one zod schema: the seed's troubleshooting table, environment matrix and escalation path.
// zod/mini rather than classic zod: it tree-shakes, so a handler bundle carries only the validators used here.
import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini registers no locale: English, as classic zod sets it ("Too big: expected number to be <=1000").
if (!z.config().localeError) z.config(en());

export const ENVIRONMENTS = ['production', 'staging', 'development'] as const;
export const environmentNameSchema = z.enum(ENVIRONMENTS);
export type EnvironmentName = z.infer<typeof environmentNameSchema>;

/** AWS region code, e.g. us-east-1. */
const regionSchema = z.string().check(z.regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region code like us-east-1'));
const accountIdSchema = z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id'));

/** What the automation may do in an environment. */
export const mutationModeSchema = z.enum(['automatic', 'approval', 'report-only']);
export type MutationMode = z.infer<typeof mutationModeSchema>;

export const scaleConsumersPolicySchema = z.strictObject({
  /** Added to the event source mapping's MaximumConcurrency per step. */
  stepConcurrency: z.number().check(z.int(), z.minimum(1), z.maximum(998)),
  /** Environment cap; AWS allows 2..1000 for MaximumConcurrency (Lambda SQS ScalingConfig). */
  maxConcurrency: z.number().check(z.int(), z.minimum(2), z.maximum(1000)),
  /** A consumer whose error rate is above this is failing: escalate instead of scaling. */
  consumerErrorRatePercent: z.number().check(z.minimum(0), z.maximum(100)),
  /** Window over which the consumer's error rate is measured. */
  errorRateWindowMinutes: z.number().check(z.int(), z.minimum(1), z.maximum(60)),
  /** AWS keeps at least 100 unreserved concurrent executions per account (Lambda quotas). */
  minUnreservedConcurrency: z.number().check(z.int(), z.minimum(100)),
});

export const guardrailPolicySchema = z.strictObject({
  /** No second change to the same resource within this many seconds. */
  cooldownSeconds: z.number().check(z.int(), z.minimum(0), z.maximum(86400)),
  /** At most this many changes per resource per rolling hour; past it: stop and escalate. */
  maxChangesPerHour: z.number().check(z.int(), z.minimum(1), z.maximum(100)),
});

export const environmentSchema = z.strictObject({
  accountId: z.optional(accountIdSchema),
  regions: z.array(regionSchema).check(z.minLength(1)),
  /** Seed environment matrix. */
  dbInstanceClass: z.string().check(z.regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class like db.r6g.large')),
  multiAz: z.boolean(),
  backupRetentionDays: z.number().check(z.int(), z.minimum(0), z.maximum(35)),
  autoScaling: z.boolean(),
  /** Derived from autoScaling unless set: automatic where the seed says auto scaling is on, report-only where it is off. */
  mutationMode: z.optional(mutationModeSchema),
  guardrails: guardrailPolicySchema,
  scaleConsumers: scaleConsumersPolicySchema,
  /** Resources the automation owns here; it never touches anything else. */
  resources: z.strictObject({
    queues: z._default(z.array(z.string().check(z.minLength(1), z.maxLength(80))), []),
    functions: z._default(z.array(z.string().check(z.minLength(1), z.maxLength(140))), []),
    databases: z._default(z.array(z.string().check(z.minLength(1), z.maxLength(63))), []),
  }),
});
export type EnvironmentConfig = z.infer<typeof environmentSchema>;

export const escalationTierSchema = z.strictObject({
  level: z.number().check(z.int(), z.minimum(1)),
  name: z.string().check(z.minLength(1)),
  topicName: z.string().check(z.minLength(1), z.maxLength(256)),
  timeoutMinutes: z.number().check(z.int(), z.minimum(1), z.maximum(1440)),
});

export const troubleshootingRowSchema = z.strictObject({
  id: z.string().check(z.regex(/^[a-z][a-z0-9-]*$/)),
  issue: z.string().check(z.minLength(1)),
  symptom: z.string().check(z.minLength(1)),
  detection: z.strictObject({
    namespace: z.string().check(z.minLength(1)),
    metricName: z.string().check(z.minLength(1)),
    comparison: z.enum(['GreaterThanThreshold', 'GreaterThanOrEqualToThreshold', 'LessThanThreshold']),
    threshold: z.number(),
    unit: z.optional(z.string()),
  }),
  handler: z.string().check(z.regex(/^[a-z][a-z0-9-]*$/)),
  response: z.string().check(z.minLength(1)),
  runbook: z.optional(z.string().check(z.minLength(1))),
});
export type TroubleshootingRow = z.infer<typeof troubleshootingRowSchema>;

export const automationConfigSchema = z.strictObject({
  service: z.string().check(z.minLength(1)),
  stateTableName: z.string().check(z.minLength(3), z.maxLength(255)),
  eventBusName: z.string().check(z.minLength(1), z.maxLength(256)),
  killSwitchParameterName: z.string().check(z.regex(/^\/[\w.\-/]+$/, 'must be an SSM parameter path like /runbooks/kill-switch')),
  killSwitchCacheSeconds: z.number().check(z.int(), z.minimum(0), z.maximum(300)),
  /** How long a claimed incident is held by one invocation before a retry may take it over. */
  claimLeaseSeconds: z.number().check(z.int(), z.minimum(30), z.maximum(3600)),
  /** How long incident and audit records are kept (DynamoDB TTL). */
  recordRetentionDays: z.number().check(z.int(), z.minimum(1), z.maximum(3650)),
  environments: z.record(environmentNameSchema, environmentSchema),
  troubleshooting: z.array(troubleshootingRowSchema).check(z.minLength(1)),
  escalationPath: z.array(escalationTierSchema).check(z.minLength(1)),
});
export type AutomationConfig = z.infer<typeof automationConfigSchema>;
export type AutomationConfigInput = z.input<typeof automationConfigSchema>;
