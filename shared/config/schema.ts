// The automation's configuration as one zod schema: the seed's troubleshooting table, environment matrix and escalation path.
// zod/mini rather than classic zod: it tree-shakes, so a handler bundle carries only the validators used here.
import * as z from 'zod/mini';
import { CLAIM_LEASE_MARGIN_SECONDS, LONGEST_HANDLER_TIMEOUT_SECONDS, MIN_CLAIM_LEASE_SECONDS } from './claim-lease';
import { englishErrors } from './zod-english';

// zod/mini registers no locale: English, worded as zod's en locale ("Too big: expected number to be <=1000"), shared/config/zod-english.ts.
if (!z.config().localeError) z.config({ localeError: englishErrors });

// Built once and shared by the fields below. The configuration schema is constructed at every cold start, and zod/mini's
// `.check()` returns a new schema: written per field, `z.string().check(...)` builds a base it throws away, and each
// repeated check or leaf schema is one more schema built. Shared, the validation and its messages are the same and a
// handler builds 290 schemas for it at init where it built 518 (decision 106).
const string = z.string();
const number = z.number();
const int = z.int();
const email = z.email();
/** Strings and arrays alike. */
const nonEmptyLength = z.minLength(1);
const atLeast1 = z.minimum(1);
const nonEmptyString = string.check(nonEmptyLength);
const positiveInt = number.check(int, atLeast1);
const minutesUpToADay = number.check(int, atLeast1, z.maximum(1440));
const minutesUpToAnHour = number.check(int, atLeast1, z.maximum(60));
const percent = number.check(z.minimum(0), z.maximum(100));
const percentFromOne = number.check(atLeast1, z.maximum(100));
const kebabName = string.check(z.regex(/^[a-z][a-z0-9-]*$/));
const rowIdKey = string.check(z.regex(/^[a-z][a-z0-9-]*$/, 'must be a troubleshooting row id'));

export const ENVIRONMENTS = ['production', 'staging', 'development'] as const;
export const environmentNameSchema = z.enum(ENVIRONMENTS);
export type EnvironmentName = z.infer<typeof environmentNameSchema>;

/** AWS region code, e.g. us-east-1. */
const regionSchema = string.check(z.regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region code like us-east-1'));
const accountIdSchema = string.check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id'));

/** What the automation may do in an environment. */
export const mutationModeSchema = z.enum(['automatic', 'approval', 'report-only']);
export type MutationMode = z.infer<typeof mutationModeSchema>;

/**
 * What a region is to the service: `primary` serves traffic; `dr` holds the standby (cross-region replica, replicated
 * queue) and the automation there never scales or resizes it as if it served traffic (shared/guard/evaluate-guardrails.ts).
 */
export const regionRoleSchema = z.enum(['primary', 'dr']);
export type RegionRole = z.infer<typeof regionRoleSchema>;

export const scaleConsumersPolicySchema = z.strictObject({
  /** Added to the event source mapping's MaximumConcurrency per step. */
  stepConcurrency: number.check(int, atLeast1, z.maximum(998)),
  /** Environment cap; AWS allows 2..1000 for MaximumConcurrency (Lambda SQS ScalingConfig). */
  maxConcurrency: number.check(int, z.minimum(2), z.maximum(1000)),
  /** A consumer whose error rate is above this is failing: escalate instead of scaling. */
  consumerErrorRatePercent: percent,
  /** Window over which the consumer's error rate is measured. */
  errorRateWindowMinutes: minutesUpToAnHour,
  /** AWS keeps at least 100 unreserved concurrent executions per account (Lambda quotas). */
  minUnreservedConcurrency: number.check(int, z.minimum(100)),
  /**
   * Floors for values read back from the state table (a recorded baseline, a health check's revert): never restored
   * below these. Without them: AWS's minimum for MaximumConcurrency (2) and at least 1 reserved execution (0 stops the consumer).
   */
  minMaximumConcurrency: z.optional(number.check(int, z.minimum(2), z.maximum(1000))),
  minReservedConcurrency: z.optional(positiveInt),
});

export const guardrailPolicySchema = z.strictObject({
  /** No second change to the same resource within this many seconds. */
  cooldownSeconds: number.check(int, z.minimum(0), z.maximum(86400)),
  /** At most this many changes per resource per rolling hour; past it: stop and escalate. */
  maxChangesPerHour: number.check(int, atLeast1, z.maximum(100)),
});

/** Memory Pressure -> raise-lambda-memory: one step per OOM alarm, within the environment's cap. */
export const raiseLambdaMemoryPolicySchema = z.strictObject({
  /** Next MemorySize = current x stepFactor, rounded up to a multiple of roundUpToMb. */
  stepFactor: number.check(z.minimum(1.05), z.maximum(4)),
  roundUpToMb: number.check(int, atLeast1, z.maximum(1024)),
  /** Environment cap; Lambda accepts 128..10240 MB (Lambda quotas, "Function memory allocation"). */
  maxMemoryMb: number.check(int, z.minimum(128), z.maximum(10240)),
  /** Floor for a memory size read back from the state table (a health check's revert); without it Lambda's 128 MB. */
  minMemoryMb: z.optional(number.check(int, z.minimum(128), z.maximum(10240))),
});

const rdsInstanceClassSchema = string.check(z.regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class like db.r6g.large'));

/** CPU Utilization -> scale-up-database: the classes the database may climb, smallest first; the last one is the cap. */
export const scaleUpDatabasePolicySchema = z.strictObject({
  ladder: z
    .array(rdsInstanceClassSchema)
    .check(nonEmptyLength, z.refine<string[]>((ladder) => new Set(ladder).size === ladder.length, 'must not list a class twice')),
});

/** Error Rate -> alert-error-rate: what the alert is enriched with. */
export const alertErrorRatePolicySchema = z.strictObject({
  /** Errors, invocations and log messages are read over this window. */
  windowMinutes: minutesUpToADay,
  /** How many of the most frequent error messages the alert lists. */
  topMessages: number.check(int, atLeast1, z.maximum(20)),
  /** At most this many log events are read (FilterLogEvents pages), so a flood of errors cannot stall the alert. */
  maxLogEvents: number.check(int, z.minimum(10), z.maximum(10000)),
});

/** After an applied change: how long its row's health signal is watched, and what counts as worse (revert + escalate). */
export const verifyChangePolicySchema = z.strictObject({
  /** The health check runs this long after the change, comparing the window after it with the window before. */
  verifyWindowMinutes: minutesUpToADay,
  /** Worse: the error rate (Errors / Invocations) rose by more than this many percentage points. */
  errorRateRisePercentPoints: percent,
  /** ... judged only with at least this many invocations after the change (a handful of calls proves nothing). */
  minInvocations: positiveInt,
  /** Worse (memory): the average Duration rose by more than this share. */
  durationRisePercent: number.check(z.minimum(0), z.maximum(1000)),
  /** Worse (database): CPUUtilization did not fall by at least this many points (0: only a rise is worse). */
  cpuImprovementPercentPoints: percent,
  /** Worse (database): DatabaseConnections rose by more than this share. */
  connectionsRisePercent: number.check(z.minimum(0), z.maximum(1000)),
});

/** How a tier is reached through its SNS topic: plain-text email, or an AWS Chatbot custom notification for chat. */
export const escalationChannelSchema = z.enum(['email', 'chat']);
export type EscalationChannel = z.infer<typeof escalationChannelSchema>;
/** AWS Support API severity codes (SeverityLevel: low | normal | high | urgent | critical; critical needs Enterprise Support). */
export const supportSeveritySchema = z.enum(['low', 'normal', 'high', 'urgent', 'critical']);

/**
 * The AWS managed policies a Chatbot channel's guardrail may be: only AWS's read-only ones (ReadOnlyAccess,
 * CloudWatchReadOnlyAccess, job-function/ViewOnlyAccess, ...). The guardrail is the ceiling of what anyone in the
 * channel can do through Chatbot (AWS applies AdministratorAccess when none is set), so an allowlist, not a blocklist:
 * write-capable managed policies such as job-function/SystemAdministrator or AWSSupportAccess match no "FullAccess"
 * pattern. A customer managed policy (the account's own ARN) is the account's to judge and is accepted as written.
 */
const AWS_MANAGED_POLICY = /:iam::aws:policy\//;
const READ_ONLY_MANAGED_POLICY = /:iam::aws:policy\/(job-function\/)?[A-Za-z0-9]*(ReadOnly|ViewOnly)Access$/;

/**
 * An AWS Chatbot Slack channel (AWS::Chatbot::SlackChannelConfiguration) subscribed to a tier's topic: it receives the
 * tier's chat publishes (the AWS Chatbot custom notification). The ids come from the Chatbot console after the Slack
 * workspace is authorized there (AWS's own step, not something infra can do).
 */
export const slackChannelSchema = z.strictObject({
  /** Slack team id, as Chatbot shows it: T (or E for Enterprise Grid) and upper-case letters and digits, e.g. T012ABCDEFG. */
  workspaceId: string.check(z.regex(/^[TE][0-9A-Z]{8,254}$/, 'must be a Slack workspace (team) id like T012ABCDEFG, as the AWS Chatbot console shows it')),
  /** Slack channel id (the end of the channel's link): C or G and upper-case letters and digits, e.g. C0123ABCDEF. */
  channelId: string.check(z.regex(/^[CG][0-9A-Z]{8,254}$/, 'must be a Slack channel id like C0123ABCDEF (the end of the channel\'s link); direct messages are not channels')),
  /**
   * Channel guardrails: IAM managed policy ARNs (AWS managed or the account's own). Default (project default):
   * CloudWatchReadOnlyAccess. Of AWS's managed policies only the read-only ones are accepted (READ_ONLY_MANAGED_POLICY).
   */
  guardrailPolicies: z.optional(
    z
      .array(
        string.check(
          z.regex(/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]{1,512}$/, 'must be an IAM managed policy ARN like arn:aws:iam::aws:policy/ReadOnlyAccess'),
          z.refine(
            (arn) => !AWS_MANAGED_POLICY.test(arn) || READ_ONLY_MANAGED_POLICY.test(arn),
            'must not grant writes: a guardrail is the ceiling of what the channel can do; of the AWS managed policies only the read-only ones (…ReadOnlyAccess, job-function/ViewOnlyAccess) are accepted',
          ),
        ),
      )
      .check(nonEmptyLength, z.maxLength(10)),
  ),
  /** What Chatbot logs to CloudWatch Logs for this channel. Default (project default): ERROR, failed deliveries only. */
  loggingLevel: z.optional(z.enum(['ERROR', 'INFO', 'NONE'])),
  /** Require each Slack user's own IAM role (Chatbot user roles) for commands. Default (project default): false. */
  userRoleRequired: z.optional(z.boolean()),
});
export type SlackChannelConfig = z.infer<typeof slackChannelSchema>;

/** Per environment: which tiers of the escalation path it goes up, through which channels, how long each may wait. */
export const environmentEscalationSchema = z.strictObject({
  tiers: z
    .array(
      z
        .strictObject({
          /** A level of escalationPath. */
          level: positiveInt,
          channels: z.array(escalationChannelSchema).check(nonEmptyLength),
          /** Overrides the path's timeout in this environment. */
          timeoutMinutes: z.optional(minutesUpToADay),
          /** Email endpoints infra subscribes to the tier's topic, with the filter policy {"channel":["email"]}. */
          emails: z.optional(z.array(email).check(z.maxLength(50))),
          /** AWS Chatbot Slack channels infra configures on the tier's topic (one SlackChannelConfiguration per channel). */
          slack: z.optional(z.array(slackChannelSchema).check(nonEmptyLength, z.maxLength(10))),
        })
        .check(
          z.refine((tier) => !tier.slack || tier.channels.includes('chat'), {
            message: 'slack channels need "chat" among the tier\'s channels: only chat publishes reach them',
            path: ['slack'],
          }),
        ),
    )
    .check(nonEmptyLength),
  /** The aws-support tier opens an AWS Support case (CreateCase) where enabled; otherwise it notifies its topic. */
  supportCase: z.strictObject({
    enabled: z.boolean(),
    severityCode: supportSeveritySchema,
    /** Per troubleshooting row (by id): the case severity for that row's incidents, instead of severityCode. */
    severityByRow: z.optional(z.record(rowIdKey, supportSeveritySchema)),
    /** DescribeServices / DescribeCategories codes; CreateCase accepts a case without them. */
    serviceCode: z.optional(nonEmptyString),
    categoryCode: z.optional(nonEmptyString),
    /** CreateCase takes at most 10 CC addresses. */
    ccEmailAddresses: z.optional(z.array(email).check(z.maxLength(10))),
  }),
  /** After an automatic change (or a dry run), how long the alarm may keep firing before an incident opens. */
  stillFiringAfterMinutes: minutesUpToADay,
  /**
   * A flapping alarm is one incident (decision 204): an ALARM within `regroupWithinMinutes` after its last incident
   * resolved re-opens it (0: never), and a re-opened incident's resolution is told once the alarm stayed OK for
   * `settleMinutes`. Without it: the project defaults (shared/escalation/policy.ts DEFAULT_FLAPPING).
   */
  flapping: z.optional(
    z
      .strictObject({
        regroupWithinMinutes: number.check(int, z.minimum(0), z.maximum(1440)),
        settleMinutes: minutesUpToADay,
      })
      .check(
        z.refine((f) => f.regroupWithinMinutes === 0 || f.settleMinutes <= f.regroupWithinMinutes, {
          message: 'settleMinutes must not exceed regroupWithinMinutes: a re-fire after the resolution was told must still re-open the incident',
          path: ['settleMinutes'],
        }),
      ),
  ),
}).check(
  z.refine((escalation) => slackSettingsAgree(escalation.tiers.flatMap((tier) => tier.slack ?? [])), {
    message: 'a Slack channel named by several tiers must have the same guardrailPolicies, loggingLevel and userRoleRequired in each: it is one Chatbot configuration',
    path: ['tiers'],
  }),
);

/** One Chatbot configuration per Slack channel: the same channel under two tiers must not ask for two settings. */
function slackSettingsAgree(channels: readonly SlackChannelConfig[]): boolean {
  const seen = new Map<string, string>();
  for (const { workspaceId, channelId, ...settings } of channels) {
    const key = `${workspaceId}/${channelId}`;
    const value = JSON.stringify([settings.guardrailPolicies ?? null, settings.loggingLevel ?? null, settings.userRoleRequired ?? null]);
    if ((seen.get(key) ?? value) !== value) return false;
    seen.set(key, value);
  }
  return true;
}
export type EnvironmentEscalationConfig = z.infer<typeof environmentEscalationSchema>;

/**
 * Who approves the SSM documents' aws:approve steps here, fixed at deploy time (infra writes them into the documents; no
 * document takes approvers as a parameter). A principal is an IAM role or user ARN, or "role/<name>" / "user/<name>" for
 * one in the environment's own account. aws:approve takes at most 10 approvers.
 */
export const runbookApproversSchema = z
  .strictObject({
    principals: z
      .array(
        string.check(
          z.regex(
            /^(arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}|(role|user)\/[\w+=,.@/-]{1,512})$/,
            'must be an IAM role or user ARN, or role/<name> / user/<name> in the environment\'s own account',
          ),
        ),
      )
      .check(nonEmptyLength, z.maxLength(10)),
    minRequiredApprovals: number.check(int, atLeast1, z.maximum(10)),
    /**
     * Email endpoints infra subscribes to the approval topic (APPROVAL_TOPIC_NAME), where Automation sends each approval
     * request (the aws:approve steps' NotificationArn). Unset: nobody is subscribed, and synthesis warns.
     */
    emails: z.optional(z.array(email).check(z.maxLength(50))),
  })
  .check(z.refine((a) => a.minRequiredApprovals <= a.principals.length, 'minRequiredApprovals must not exceed the number of principals'));
export type RunbookApproversConfig = z.infer<typeof runbookApproversSchema>;

const dbInstanceIdentifierSchema = string.check(z.regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'must be an RDS DB instance identifier'));

/**
 * Failover to the DR region and back (runbooks/NotificationService-FailoverToDR.yaml, -FailbackToPrimary.yaml): what the
 * documents act on. Infra scopes the documents' role to exactly these (a requester passing another name is denied).
 */
export const disasterRecoverySchema = z.strictObject({
  /** In the DR region: the cross-region read replica of the primary database, which FailoverToDR promotes. */
  replicaIdentifier: dbInstanceIdentifierSchema,
  /** In the primary region, for the way back: a read replica of the promoted DR database, which FailbackToPrimary promotes. */
  failbackReplicaIdentifier: dbInstanceIdentifierSchema,
  /** The SSM parameter (String) each region's consumers read their database endpoint from. */
  endpointParameterName: string.check(z.regex(/^\/[\w.\-/]{1,1010}$/, 'must be an SSM parameter path like /notification-service/database/endpoint')),
  /** The API's Route 53 failover record pair (CNAME, one per region, set identifier = region), fully qualified with the dot. */
  failoverRecordName: z.optional(string.check(z.regex(/^([a-z0-9-]{1,63}\.)+[a-z]{2,63}\.$/, 'must be a lowercase domain name ending with a dot, like api.example.com.'))),
  /** The hosted zone of that record; without it (or without the record name) the documents' role may change no Route 53 record. */
  hostedZoneId: z.optional(string.check(z.regex(/^[A-Z0-9]{1,32}$/, 'must be a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ'))),
  /**
   * What the DR region's standby watch (row dr-standby, handler watch-standby) pages on besides the replica's lag (the
   * row's detection threshold): the replicated queue, which the DR consumers leave alone until a failover enables them.
   */
  standbyWatch: z._default(
    z.strictObject({
      /** The replicated queue's ApproximateNumberOfMessagesVisible (Maximum) above this pages. */
      queueMessages: positiveInt,
      /** Its ApproximateAgeOfOldestMessage (Maximum) above this pages; SQS keeps a message at most 14 days (1209600 s). */
      oldestMessageAgeSeconds: number.check(int, z.minimum(60), z.maximum(1209600)),
      /** The playbook reads the lag and the queue's figures over this window, one datapoint a minute. */
      windowMinutes: minutesUpToAnHour,
    }),
    // Project defaults (the document gives no RPO, RTO or standby thresholds); reasons in shared/config/defaults.ts.
    { queueMessages: 1000, oldestMessageAgeSeconds: 3600, windowMinutes: 15 },
  ),
});
export type DisasterRecoveryConfig = z.infer<typeof disasterRecoverySchema>;

// The name only (Lambda: 1-64 letters, digits, - and _): infra builds the OOM filter's name from it, which CloudWatch
// Logs refuses with an ARN's or an alias's colon (review 22a, R22a-6).
const functionNameSchema = string.check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be the function's name (1-64 letters, digits, - and _), not its ARN or a qualified name:alias"));

/**
 * A CloudWatch Logs log group name as CreateLogGroup takes it (CloudWatch Logs API reference): 1-512 characters of
 * a-z, A-Z, 0-9, _ - / . and #, not starting with "aws/". Lambda's LoggingConfig.LogGroup takes the same characters.
 */
const logGroupNameSchema = string.check(
  z.regex(/^[A-Za-z0-9_\-/.#]{1,512}$/, 'must be a log group name: 1-512 letters, digits, _ - / . and # (not an ARN)'),
  z.refine((name) => !name.startsWith('aws/'), 'must not start with "aws/" (CloudWatch Logs refuses it)'),
);

export const environmentSchema = z.strictObject({
  accountId: z.optional(accountIdSchema),
  regions: z.array(regionSchema).check(nonEmptyLength),
  /** Each region's role; when set, every region of `regions` must have one (checked at load). Unset: every region is primary. */
  regionRoles: z.optional(z.record(regionSchema, regionRoleSchema)),
  /** Seed environment matrix. */
  dbInstanceClass: rdsInstanceClassSchema,
  multiAz: z.boolean(),
  backupRetentionDays: number.check(int, z.minimum(0), z.maximum(35)),
  autoScaling: z.boolean(),
  /** Derived from autoScaling unless set: automatic where the seed says auto scaling is on, report-only where it is off. */
  mutationMode: z.optional(mutationModeSchema),
  /** Overrides mutationMode for single troubleshooting rows (by id): production scales consumers automatically, DB classes only with approval. */
  mutationModeByRow: z.optional(z.record(rowIdKey, mutationModeSchema)),
  raiseLambdaMemory: raiseLambdaMemoryPolicySchema,
  scaleUpDatabase: scaleUpDatabasePolicySchema,
  alertErrorRate: alertErrorRatePolicySchema,
  guardrails: guardrailPolicySchema,
  scaleConsumers: scaleConsumersPolicySchema,
  verifyChange: verifyChangePolicySchema,
  /** Tiers, channels and timeouts of the escalation path here; without it: every tier, email only, no support case. */
  escalation: z.optional(environmentEscalationSchema),
  /** Approvers of the runbook documents' aws:approve steps (see runbookApproversSchema); required to deploy the documents. */
  runbookApprovers: z.optional(runbookApproversSchema),
  /** Failover and failback between the primary and the DR region (only where regionRoles names a dr region). */
  disasterRecovery: z.optional(disasterRecoverySchema),
  /**
   * Cross-account mode: who in the operations account may assume the workload's read-only preflight role
   * (infra/lib/iam/preflight-role.ts): "role/<name>" / "user/<name>" of the operations account, or its full IAM ARN.
   * Unset: no preflight role is deployed (a synth warning says so) and preflight's cross-account checks FAIL; there is
   * no default name, which anyone allowed iam:CreateRole in the operations account could claim. Never a wildcard.
   */
  preflightPrincipals: z.optional(
    z
      .array(
        string.check(
          z.regex(
            /^(arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}|(role|user)\/[\w+=,.@/-]{1,512})$/,
            'must be an IAM role or user ARN of the operations account, or role/<name> / user/<name> there (no wildcard)',
          ),
        ),
      )
      .check(nonEmptyLength, z.maxLength(10)),
  ),
  /**
   * How many EventBridge rules (buckets) a route's alarm names are spread over, by the route's first rule name
   * ("notification-runbooks-escalate-recoveries", "notification-runbooks-<handler>"); unset: 1. Each name's rule is a
   * function of the name and this count only (shared/config/alarm-rules.ts, decision 364), so adding or removing an alarm
   * never moves another; synthesis refuses a route whose bucket would exceed one pattern's size and names the count to set.
   */
  alarmRuleBuckets: z.optional(z.record(string.check(z.regex(/^[\w.-]{1,64}$/, 'must be an EventBridge rule name')), number.check(int, atLeast1, z.maximum(10)))),
  /** Resources the automation owns here; it never touches anything else. */
  resources: z.strictObject({
    queues: z._default(z.array(string.check(nonEmptyLength, z.maxLength(80))), []),
    functions: z._default(z.array(functionNameSchema), []),
    /**
     * A watched function whose Lambda LoggingConfig.LogGroup names a log group of its own (advanced logging controls)
     * writes nothing to /aws/lambda/<name>: its log group here, by function name. Infra puts the function's OOM metric
     * filter, the Custom::WatchedLogGroup and the handlers' log read grants on it; preflight FAILs a function whose
     * LoggingConfig names another. Unset for a function: /aws/lambda/<name>, Lambda's default.
     */
    // Keyed by any string: a key that is not a watched function's name is refused below, naming the functions.
    functionLogGroups: z.optional(z.record(string, logGroupNameSchema)),
    databases: z._default(z.array(string.check(nonEmptyLength, z.maxLength(63))), []),
  }).check(
    z.refine((r) => Object.keys(r.functionLogGroups ?? {}).every((name) => r.functions.includes(name)), {
      message: "names a function that is not in resources.functions (by its name, not its ARN): only a watched function's log group is watched",
      path: ['functionLogGroups'],
    }),
  ),
});
export type EnvironmentConfig = z.infer<typeof environmentSchema>;

export const escalationTierSchema = z.strictObject({
  level: positiveInt,
  name: nonEmptyString,
  /** SNS CreateTopic's rule: 1-256 letters, digits, - and _ (review 22a, R22a-6: synth took a space or a dot, SNS refuses them). */
  topicName: string.check(z.regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic name: 1-256 letters, digits, - and _ (no spaces, dots or colons)')),
  timeoutMinutes: minutesUpToADay,
  /** "aws-support": opens an AWS Support case where the environment enables it. Default "team". */
  kind: z.optional(z.enum(['team', 'aws-support'])),
});

/**
 * A row's restore signal: a second alarm on the detection metric, "under `thresholdPercent` of the threshold for
 * `evaluationMinutes` minutes" (the low watermark), whose ALARM tells the row's playbook the backlog has drained and its
 * recorded baseline may be restored (hysteresis: decision 185). Only Queue Backup has one (scale-consumers reads it).
 */
export const lowWaterSchema = z.strictObject({
  /** The watermark as a share of the row's threshold (1000 messages x 10% = 100). */
  thresholdPercent: number.check(atLeast1, z.maximum(99)),
  /** Minutes (one-minute datapoints) the metric must stay under the watermark: CloudWatch does the waiting. */
  evaluationMinutes: minutesUpToAnHour,
});
export type LowWater = z.infer<typeof lowWaterSchema>;

/** The rows whose playbook acts on a restore signal (lowWater): Queue Backup's scale-consumers only. */
export const LOW_WATER_ROWS: readonly string[] = ['queue-backup'];

export const troubleshootingRowSchema = z.strictObject({
  id: kebabName,
  issue: nonEmptyString,
  symptom: nonEmptyString,
  detection: z.strictObject({
    namespace: nonEmptyString,
    metricName: nonEmptyString,
    comparison: z.enum(['GreaterThanThreshold', 'GreaterThanOrEqualToThreshold', 'LessThanThreshold']),
    threshold: number,
    unit: z.optional(string),
  }),
  handler: kebabName,
  response: nonEmptyString,
  runbook: z.optional(nonEmptyString),
  /**
   * The region roles whose stacks deploy this row's alarms and handler (shared/config/alarm-specs.ts rowsWatchedIn).
   * Unset: primary only (the troubleshooting table is about the region that serves traffic). A row whose playbook
   * changes something must not list dr (alarm-specs.ts changingRowsWatchedInDr: infra refuses to synthesize it).
   */
  watchIn: z.optional(
    z
      .array(regionRoleSchema)
      .check(nonEmptyLength, z.refine<RegionRole[]>((roles) => new Set(roles).size === roles.length, 'must not list a role twice')),
  ),
  /** The row's restore signal (Queue Backup only: see LOW_WATER_ROWS); unset, the baseline is restored at the alarm's first OK. */
  lowWater: z.optional(lowWaterSchema),
});
export type TroubleshootingRow = z.infer<typeof troubleshootingRowSchema>;

/** High Latency -> check-db-connections: when the database counts as the likely cause. */
export const checkDbConnectionsPolicySchema = z.strictObject({
  /** DatabaseConnections at or above this share of the effective max_connections is saturation. */
  saturationPercent: percentFromOne,
  /** CPUUtilization (average) at or above this names CPU as the cause. */
  cpuPercent: percentFromOne,
  /** ReplicaLag of a read replica at or above this names replica lag as the cause. */
  replicaLagSeconds: number.check(atLeast1, z.maximum(86400)),
  /** The metrics are read over this window, one datapoint a minute. */
  windowMinutes: minutesUpToAnHour,
  /** A saturation reading holds back playbooks that add connections (scale-consumers) this long, unless re-read sooner. */
  saturationHoldMinutes: minutesUpToADay,
  /** RDS DiskQueueDepth (average) at or above this names the database's storage I/O as the cause. */
  diskQueueDepth: z._default(number.check(atLeast1, z.maximum(10000)), 10),
  /** RDS FreeStorageSpace (lowest) at or below this share of the allocated storage names storage as the cause. */
  freeStoragePercent: z._default(number.check(atLeast1, z.maximum(99)), 10),
  /** ElastiCache EngineCPUUtilization (the Redis thread) at or above this names the cache's CPU as the cause. */
  cacheEngineCpuPercent: z._default(percentFromOne, 90),
  /** ElastiCache CacheHitRate (average) below this names cache misses as the cause. */
  cacheHitRatePercent: z._default(percentFromOne, 80),
  /** ElastiCache CurrConnections at or above this share of Redis maxclients (65000 on ElastiCache) names cache connections. */
  cacheConnectionsPercent: z._default(percentFromOne, 80),
  /** ElastiCache ReplicationLag of a replica at or above this names cache replication as the cause. */
  cacheReplicationLagSeconds: z._default(number.check(z.minimum(0.1), z.maximum(3600)), 5),
});

const securityGroupRefSchema = string.check(nonEmptyLength, z.maxLength(255));

/** How the service's parts connect, where no AWS API the automation may call tells it. */
export const serviceDependenciesSchema = z.strictObject({
  /** Which function serves each API (the Lambda proxy integration), by the alarm's ApiName (REST) or ApiId (HTTP API). */
  apis: z.array(
    z.strictObject({
      name: string.check(nonEmptyLength, z.maxLength(1024)),
      id: z.optional(string.check(z.regex(/^[a-z0-9]{10}$/, 'must be an API Gateway API id like a1b2c3d4e5'))),
      /**
       * Which API Gateway API it is: a REST API (API Gateway v1, /restapis) or an HTTP API (v2, /apis); Connection Timeout
       * reads it with that API. Default: rest (what decision 84 assumed).
       */
      type: z._default(z.enum(['rest', 'http']), 'rest'),
      /** The stage whose access log (and, for a REST API, deployment) Connection Timeout checks; unset: every stage. */
      stageName: z.optional(string.check(z.regex(/^(\$default|[a-zA-Z0-9_]{1,128})$/, 'must be an API Gateway stage name like prod (or $default, an HTTP API\'s default stage)'))),
      functionName: string.check(nonEmptyLength, z.maxLength(140)),
    }),
  ),
  /** Caches the functions use (ElastiCache is not read through its API): their port and security groups (ids or names). */
  caches: z.array(
    z.strictObject({
      name: string.check(nonEmptyLength, z.maxLength(255)),
      port: number.check(int, atLeast1, z.maximum(65535)),
      securityGroups: z.array(securityGroupRefSchema).check(nonEmptyLength),
      /** Subnet ids or CIDRs its nodes use; without them only group references can be proven. */
      subnets: z.optional(z.array(nonEmptyString)),
      /** The ElastiCache replication group High Latency reads (DescribeReplicationGroups, its nodes' metrics); default: name. */
      replicationGroupId: z.optional(string.check(z.regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be an ElastiCache replication group id like notification-service-cache'))),
    }),
  ),
});

/**
 * The oldest state change a replay is acted on for, in days (project default). Not recordRetentionDays itself: a claim's
 * expiry is fixed when it is taken, so after that setting is raised (30 -> 90) the claims taken under the old one are
 * gone at 30 days, and a bound read from the current setting would let a 31-90-day-old replay through with its claim gone
 * (review 18, R18-6). The schema keeps recordRetentionDays at least this long, so under any setting ever deployed every
 * claim lives at least this long and the bound holds whatever the setting's history. 15 days: a live delivery is never
 * older than a dead-letter queue keeps it (SQS: at most 14 days) and EventBridge retries for at most 24 hours; a replay
 * from an archive is the recovery from such an outage (decision 286).
 */
export const REPLAY_MAX_AGE_DAYS = 15;

export const automationConfigSchema = z.strictObject({
  service: nonEmptyString,
  stateTableName: string.check(z.minLength(3), z.maxLength(255)),
  eventBusName: string.check(nonEmptyLength, z.maxLength(256)),
  killSwitchParameterName: string.check(z.regex(/^\/[\w.\-/]+$/, 'must be an SSM parameter path like /runbooks/kill-switch')),
  killSwitchCacheSeconds: number.check(int, z.minimum(0), z.maximum(300)),
  /**
   * How long a claimed incident is held by one invocation before a retry may take it over. Longer than the longest
   * handler timeout with a margin (decision 31; review 20b R20-24): a shorter lease let a retry run beside a live holder.
   */
  claimLeaseSeconds: number.check(
    int,
    z.minimum(MIN_CLAIM_LEASE_SECONDS, `must be at least ${MIN_CLAIM_LEASE_SECONDS} s: the longest handler timeout (${LONGEST_HANDLER_TIMEOUT_SECONDS} s) and a ${CLAIM_LEASE_MARGIN_SECONDS} s margin, so no retry takes over a claim whose holder is still running`),
    z.maximum(3600),
  ),
  /**
   * How long incident and audit records are kept (DynamoDB TTL). At least REPLAY_MAX_AGE_DAYS: a replay that young is
   * acted on because its claim is sure to be there, under this setting and every earlier one (decision 286).
   */
  recordRetentionDays: number.check(int, z.minimum(REPLAY_MAX_AGE_DAYS, `must be at least ${REPLAY_MAX_AGE_DAYS} days: a replayed event that young is acted on, and only its claim tells whether it was handled`), z.maximum(3650)),
  /**
   * Every SDK client's timeouts (shared/aws/client-config.ts; unset: 2 s to connect, 10 s for an answer to begin and
   * then of silence). A timed-out attempt fails and is retried by the SDK, then by the pipeline (decision 337). Not
   * above 30 s: four attempts must leave a handler's timeout something.
   */
  sdkTimeouts: z.optional(
    z.strictObject({
      connectionTimeoutMs: z.optional(number.check(int, z.minimum(100), z.maximum(10_000))),
      requestTimeoutMs: z.optional(number.check(int, z.minimum(100), z.maximum(30_000))),
    }),
  ),
  environments: z.record(environmentNameSchema, environmentSchema),
  troubleshooting: z.array(troubleshootingRowSchema).check(
    nonEmptyLength,
    // Another row's playbook would read a low-water ALARM as its symptom; a "less than" row has no backlog to drain.
    z.refine((rows) => rows.every((row) => !row.lowWater || (LOW_WATER_ROWS.includes(row.id) && row.detection.comparison !== 'LessThanThreshold')), {
      message: `lowWater is a restore signal only rows ${LOW_WATER_ROWS.join(', ')} read, on a "greater than" detection`,
    }),
  ),
  escalationPath: z.array(escalationTierSchema).check(nonEmptyLength),
  checkDbConnections: checkDbConnectionsPolicySchema,
  dependencies: serviceDependenciesSchema,
});
export type AutomationConfig = z.infer<typeof automationConfigSchema>;
export type AutomationConfigInput = z.input<typeof automationConfigSchema>;
