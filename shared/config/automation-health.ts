// Pure: the automation's own health alarms (its dead-letter queues "not empty") and who they reach (review 12, R12-9).
// Infra deploys them (infra/lib/constructs/dead-letter-queue.ts, automation-health-topic.ts); the sandbox provisions the
// same definitions (sandbox/automation-health.ts), so the emulator plays what the template deploys.
import { METRICS_NAMESPACE, SERVICE_NAME } from './names';
import type { AutomationConfig, EnvironmentName } from './schema';

/**
 * The SNS topic the health alarms publish to, one per account and region the stack deploys. Unlike the tier topics it
 * carries no message attribute filter: a CloudWatch alarm action publishes with no message attributes, and SNS delivers
 * nothing to a subscription whose attribute filter names an attribute the message lacks ("Amazon SNS subscription filter
 * policies"; "Key matching": `"exists": false` only matches when at least one attribute is present).
 */
export const AUTOMATION_HEALTH_TOPIC_NAME = 'notification-runbooks-automation-health';

/** The dead-letter queues the stacks deploy, by what ends up in them. */
export const DEAD_LETTER_QUEUES = {
  /** Operations (or single) account, each region: handler invocations that still failed after Lambda's retries. */
  failedInvocations: {
    queueName: 'notification-runbooks-failed-invocations',
    holds: "Handler invocations that still failed after Lambda's retries",
    // Decision 173: a remediating handler fails every attempt while the switch cannot be read, and changes nothing.
    firstLook: 'An alarm handler fails every attempt while the kill switch cannot be read (ssm:GetParameter denied or throttled): nothing is remediated automatically until it can.',
  },
  /** Operations (or single) account, each region: alarm and decision events EventBridge could not deliver to a handler. */
  undeliveredEvents: {
    queueName: 'notification-runbooks-undelivered-events',
    holds: 'Alarm and decision events EventBridge could not deliver to a handler',
    firstLook: "Look at the rules' FailedInvocations metric and the handler's resource policy and throttles.",
  },
  /** Workload account (cross-account mode), each region: alarm events EventBridge could not forward to the operations bus. */
  undeliveredAlarmEvents: {
    queueName: 'notification-runbooks-undelivered-alarm-events',
    holds: 'Alarm events EventBridge could not forward to the operations account',
    firstLook: "Look at the forwarding role's events:PutEvents and the operations bus's policy (runbook preflight checks both).",
  },
} as const;

/**
 * Project default (SQS's own is 4 days, its maximum 14; SQS API Reference, CreateQueue MessageRetentionPeriod): how long
 * the dead-letter queues keep a message, long enough to notice and redrive after a long weekend. Infra deploys it
 * (DELIVERY.dlqRetentionDays); the sandbox creates its queues with it (decision 277: it created them with SQS's 4 days).
 */
export const DEAD_LETTER_RETENTION_DAYS = 14;

/**
 * Project default, not AWS's (decision 277): preflight calls a dead-letter message URGENT when SQS deletes it within
 * this many hours (at the queue's MessageRetentionPeriod: DEAD_LETTER_RETENTION_DAYS in the stacks; SQS's own default
 * is 4 days). 72 hours: a weekend plus a working day, the time to find the cause and hand each message back
 * before the record is gone for good.
 */
export const DEAD_LETTER_URGENT_HOURS = 72;

/** A dead-letter queue's "not empty" alarm, as PutMetricAlarm takes it (project default: any message, one 1-minute Maximum). */
export interface DeadLetterAlarmSpec {
  alarmName: string;
  alarmDescription: string;
  namespace: 'AWS/SQS';
  metricName: 'ApproximateNumberOfMessagesVisible';
  dimensions: { QueueName: string };
  statistic: 'Maximum';
  periodSeconds: number;
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: 'GreaterThanThreshold';
  /**
   * 'ignore': a period with no datapoint keeps the alarm's state (CloudWatch User Guide, "Configuring how CloudWatch
   * alarms treat missing data": "ignore - The current alarm state is maintained"). SQS publishes a queue's metrics only
   * while it is active, "up to six hours from the last activity (i.e., any API call)" (SQS Developer Guide), and nothing
   * calls a dead-letter queue until someone redrives it: with 'notBreaching' the gap read as "empty" and the alarm went
   * OK with the records still there (review 14, R14-12). The alarm now leaves ALARM only on a datapoint of 0 (a redrive
   * or purge is an API call, so SQS publishes again).
   */
  treatMissingData: 'ignore';
}

/** How long Scheduler keeps retrying a timer it cannot deliver (RetryPolicy: 60..86400 s, 0..185 attempts). */
export interface TimerRetryPolicy {
  MaximumEventAgeInSeconds: number;
  MaximumRetryAttempts: number;
}

/**
 * Escalation timers (decision 239, project default): a timer Scheduler cannot deliver within 15 minutes (L1's
 * acknowledgement window in the service document's ladder) is dropped, not retried for a day. The paging that a timer
 * starts (the next tier, the still-firing check, the resolution notice) must not arrive hours late as if on time; a drop
 * is counted in the lane's InvocationDroppedCount, which the lane's health alarm sums (SCHEDULER_FAILURE_METRICS below),
 * so the first tier hears of it within the alarm's 5-minute period. 185 attempts: the maximum, so age alone bounds it.
 */
export const ESCALATION_TIMER_RETRY: TimerRetryPolicy = { MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 185 };

/**
 * Project default, not AWS's (decision 264): how often the escalation sweep runs (its EventBridge rule's rate). A tier
 * Scheduler cannot page is paged by the sweep at most SWEEP_GRACE_MINUTES + SWEEP_EVERY_MINUTES after it was due.
 */
export const SWEEP_EVERY_MINUTES = 5;

/**
 * Project default (decision 264): how far past due a timer is before the sweep does its work, and before a page calls
 * itself late. A one-time schedule with no flexible window is invoked at its time, at least once (EventBridge Scheduler
 * User Guide), retried on failure; five minutes keeps the sweep off the timers that are merely being retried, while a
 * late page still reaches its tier well within that tier's own window.
 */
export const SWEEP_GRACE_MINUTES = 5;

/**
 * Project default (review 17 R17-6): how many overdue timers one sweep works on at once. A timer is a handful of
 * DynamoDB, CloudWatch, SNS and Scheduler calls in sequence; a small pool lets a sweep after a long Scheduler outage do
 * many within its Lambda timeout without a burst on those APIs (the clients' adaptive retry backs off across the pool).
 * The timers of one incident are never run at once: they run in order, one after the other.
 */
export const SWEEP_CONCURRENCY = 4;

/**
 * Project default (review 17 R17-6): the sweep starts no further timer once the function has less than this left of its
 * time (context.getRemainingTimeInMillis; escalation-timer's timeout is 60 s, infra/lib/settings.ts DEFAULT_SIZING); what
 * is left is counted and done by the next sweep. The reserve lets timers (and verify-change's checks) started finish when
 * their calls are slow but answer (the sweep test's 4 s per call: 7 done, 4 s to spare). It does not bound one timer or
 * check (review 18b R18-10, decision 300; review 20d R20-64, decision 346): one call whose answer never comes takes about
 * 41 s with the default client settings (shared/aws/client-config.ts: 4 attempts, each failed by its 10 s request timer,
 * which runs from the request and so holds the connect; and the retry's backoff between them, at most 0.2 + 0.4 + 0.8 s),
 * and a timer or check is several calls. What bounds them is their calls' deadline: escalation-timer's every call aborted
 * with 8 s left, a delivery recorded or its claim given back in the 6 s after (decision 306,
 * shared/escalation/timer-deadline.ts); verify-change's sweep, VERIFY_CALL_RESERVE_MS and VERIFY_RECORD_RESERVE_MS below.
 */
export const SWEEP_RESERVE_MS = 20_000;

/**
 * verify-change's sweep (review 20d R20-64, decision 346): no AWS call of a check it runs (a read, the claim, the revert,
 * the audit entry, the decision event, the unlisting) starts with 8 s or less of the invocation left, and one under way
 * is aborted at 8 s left; the check then fails as transient and its claim is given back in the time after
 * (VERIFY_RECORD_RESERVE_MS), so the next sweep runs it at once instead of after the claim's lease. Set, as escalation's
 * reserves are, for the 60 s timeout verify-change has (infra DEFAULT_SIZING; test/infra/escalation-deadline-fit.test.ts).
 */
export const VERIFY_CALL_RESERVE_MS = 8_000;

/**
 * The state table writes that end a check's claim (complete: the verdict recorded; release: given back after a failure)
 * run until 2 s are left: the last 2 s are the sweep's answer (its log lines and metrics).
 */
export const VERIFY_RECORD_RESERVE_MS = 2_000;

/**
 * The metric the escalation sweep counts its overdue timers left for the next sweep with (decision 284): escalation-timer
 * adds it through Powertools Metrics (namespace METRICS_NAMESPACE; dimensions as SWEEP_METRIC_DIMENSIONS says), only when
 * a sweep stopped at SWEEP_RESERVE_MS with timers not started.
 */
export const SWEEP_LEFT_METRIC = 'TimersLeftForNextSweep';

/**
 * The metric the verify sweep counts its listed health checks left for the next sweep with (decision 293): verify-change
 * adds it through Powertools Metrics (namespace METRICS_NAMESPACE; dimensions as SWEEP_METRIC_DIMENSION says, `playbook`),
 * only when a sweep stopped at SWEEP_RESERVE_MS with checks not read or not started. Its alarm: decision 317.
 */
export const VERIFY_SWEEP_LEFT_METRIC = 'HealthChecksLeftForNextSweep';

/**
 * The refused-record metrics the sweeps count (decisions 292, 299, 300): the one name each handler counts with and each
 * health alarm watches. Each is counted only when it is not zero, so a period with no point is a sweep that refused nothing.
 */
export const REFUSED_METRICS = {
  /** escalation-timer's sweep, per ESCALATION-HELD entry not as the automation writes it: every sweep until its TTL (decision 292). */
  heldEntries: 'HeldEntriesRefused',
  /** escalation-timer's sweep, once per held resolution set aside after its incident's records stayed refused (decision 292). */
  heldSetAside: 'HeldResolutionsSetAside',
  /** escalation-timer's sweep, per unresolved index entry or incident record refused: every sweep until its TTL (decision 300). */
  unresolvedRecords: 'UnresolvedRecordsRefused',
  /** verify-change's sweep, per VERIFY-DUE entry refused, or whose due time its change's record does not confirm: every sweep until its TTL (decisions 299, 304). */
  verifyDue: 'VerifyDueRefused',
  /** verify-change's sweep, per listed check whose own record is refused (not judged): every sweep until its TTL (decision 299). */
  healthChecks: 'HealthChecksRefused',
} as const;

/** The handlers whose sweeps count what a health alarm watches. */
export type SweepHandler = 'escalation-timer' | 'verify-change';

/**
 * The dimensions Powertools writes on each sweep handler's metrics: `service` (its serviceName, SERVICE_NAME) and the
 * Metrics' defaultDimensions, environment and the handler's name under the key its factory gives it:
 * shared/escalation/create-escalation-handlers.ts `handler`, shared/pipeline/create-verify-change-handler.ts `playbook`
 * (as every playbook's metrics). A series with one dimension more or less is another metric, with no data: the alarms
 * are on exactly these (test/infra/automation-metric-alarms.test.ts reads them from each handler's EMF output).
 */
export const SWEEP_METRIC_DIMENSION: Readonly<Record<SweepHandler, 'handler' | 'playbook'>> = { 'escalation-timer': 'handler', 'verify-change': 'playbook' };

export function sweepMetricDimensions(handler: SweepHandler, environment: string): Record<string, string> {
  return { service: SERVICE_NAME, environment, [SWEEP_METRIC_DIMENSION[handler]]: handler };
}

/**
 * Project default (decision 311): how many sweep periods a refused-record alarm looks back over. A refused record is a
 * data-integrity fact that needs a person (no retry makes it valid, the automation deletes nothing on bad input), so the
 * first sweep that counts it pages: > 0 in 1 of REFUSED_ALARM_PERIODS periods of SWEEP_EVERY_MINUTES. Each sweep counts
 * it again until the record is mended, deleted or reaches its TTL, so the alarm stays in ALARM (one notification: an
 * alarm action runs on the change of state, not per period) while it stays; looking back 3 periods keeps a sweep that
 * ran late, was throttled before its list or landed two runs in one period from taking it OK and paging again. It goes
 * OK 15 min after the last sweep that named a record.
 */
export const REFUSED_ALARM_PERIODS = 3;

/**
 * Project default (decision 319, amending 300 and 317): a sweep falling behind pages when SWEEP_BACKLOG_DATAPOINTS of
 * SWEEP_BACKLOG_PERIODS periods of SWEEP_EVERY_MINUTES hold a point, i.e. two sweeps leaving work within 15 min. Not 2 of
 * 2: the metric is published only when a sweep leaves work, at the end of a run that may take the function's whole
 * timeout (60 s, DEFAULT_SIZING) and start late, so two consecutive sweeps' points can fall in one period and none in
 * the next; 2 of 2 then never sees its streak and a backlog that persists may never page. 2 of 3 still needs two
 * periods with a point: one sweep's overflow (one point, or a sweep and its retries in one period) never pages.
 */
export const SWEEP_BACKLOG_PERIODS = 3;
export const SWEEP_BACKLOG_DATAPOINTS = 2;

/**
 * The unit the sweep handlers write each sweep metric with (Powertools MetricUnit.Count: escalation-timer's `count`,
 * verify-change's `metric`; test/infra/sweep-metric-alarms.test.ts reads it from their EMF output). An alarm whose Unit
 * is set to another unit matches no datapoint and never fires; infra leaves it unset (any unit), preflight FAILs one set
 * otherwise (decision 319).
 */
export const SWEEP_METRIC_UNIT = 'Count';

/**
 * A health alarm on a metric a sweep handler counts through Powertools (namespace METRICS_NAMESPACE, dimensions
 * sweepMetricDimensions): the escalation sweep falling behind (decision 300) and the sweeps' refused records (decision
 * 311). Infra builds each where its handler is deployed (EscalationTimers.watchSweepMetrics), the sandbox provisions the
 * same (sandbox/automation-health.ts), preflight reads each back (cli/preflight/sweep-metric-alarm-checks.ts).
 */
export interface SweepMetricAlarmSpec {
  alarmName: string;
  alarmDescription: string;
  /** The handler that counts the metric: the alarm exists where it is deployed. */
  handler: SweepHandler;
  namespace: typeof METRICS_NAMESPACE;
  metricName: string;
  /** As Powertools writes them for `handler`: its service, the environment and the handler (sweepMetricDimensions). */
  dimensions: Record<string, string>;
  statistic: 'Sum';
  /** The unit the handler writes the metric with (SWEEP_METRIC_UNIT); the alarm's Unit, if set, must be it. */
  unit: typeof SWEEP_METRIC_UNIT;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: 'GreaterThanThreshold';
  /** A sweep that counted nothing publishes no point for the metric. */
  treatMissingData: 'notBreaching';
}

/** One row of SWEEP_METRIC_ALARMS: what differs between the alarms. */
interface SweepMetricAlarmRow {
  /** The alarm's construct id in infra (the backlog's is decision 300's, kept so its deployed alarm is not replaced). */
  constructId: string;
  handler: SweepHandler;
  metricName: string;
  /** After the service name. */
  name: string;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  description: string;
}

/**
 * The sweep metric alarms, one per metric (decisions 300, 311, 317; project defaults). A sweep falling behind (the
 * escalation sweep's timers, 300; the verify sweep's health checks, 317): Sum > 0 in SWEEP_BACKLOG_DATAPOINTS of
 * SWEEP_BACKLOG_PERIODS periods of SWEEP_EVERY_MINUTES (decision 319), the period both sweep rules run at (infra
 * SweepRule): one sweep leaving work is the designed overflow after a burst (the next one does it, 5 min on); two sweeps
 * within 15 min leaving work means the backlog is not draining (or keeps refilling), and what it stands for (a tier's
 * page, a change's judgement and revert) comes 10 min or more late. The refused records: Sum > 0 in
 * 1 of REFUSED_ALARM_PERIODS (see there).
 * A function, not a module constant, so a handler bundle that imports this module's constants leaves the table out
 * (esbuild drops an unused function; it keeps a top-level array of template literals).
 */
function sweepMetricAlarmRows(): SweepMetricAlarmRow[] {
  const REFUSED_CLEARS = `in ALARM while any sweep names one (it pages once; a second refused record does not page again), OK ${REFUSED_ALARM_PERIODS * SWEEP_EVERY_MINUTES} min after the last`;
  const NOT_MUTATED = 'No retry makes it valid and the automation deletes nothing on bad input';
  return [
    {
      constructId: 'SweepBacklog',
      handler: 'escalation-timer',
      metricName: SWEEP_LEFT_METRIC,
      name: 'escalation sweep leaving overdue timers',
      evaluationPeriods: SWEEP_BACKLOG_PERIODS,
      datapointsToAlarm: SWEEP_BACKLOG_DATAPOINTS,
      description: `Two escalation sweeps within ${SWEEP_BACKLOG_PERIODS * SWEEP_EVERY_MINUTES} min (one every ${SWEEP_EVERY_MINUTES} min) stopped with overdue escalation timers not started (${METRICS_NAMESPACE} ${SWEEP_LEFT_METRIC}): escalation-timer runs out of time before the backlog is done, so tiers are paged ${2 * SWEEP_EVERY_MINUTES} min or more late. Look at the escalation-timer log ("escalation sweep: out of time"), at the latency of DynamoDB, CloudWatch DescribeAlarms, SNS and Scheduler, and at EventBridge Scheduler's own alarm; runbook incidents shows each late escalation as OVERDUE.`,
    },
    {
      constructId: 'HeldEntriesRefused',
      handler: 'escalation-timer',
      metricName: REFUSED_METRICS.heldEntries,
      name: 'escalation sweep refusing a held resolution entry',
      evaluationPeriods: REFUSED_ALARM_PERIODS,
      datapointsToAlarm: 1,
      description: `An ESCALATION-HELD entry of the state table (a resolution waiting to be told) is not as the automation writes it (${METRICS_NAMESPACE} ${REFUSED_METRICS.heldEntries}): every escalation sweep refuses it, so if it is a real resolution nobody is told. ${NOT_MUTATED}. The escalation-timer log ("a held resolution entry is not one the automation writes") and the sweep's answer name its key and fields: read the item, tell its tiers by hand if it is real, delete it. ${REFUSED_CLEARS}.`,
    },
    {
      constructId: 'HeldResolutionsSetAside',
      handler: 'escalation-timer',
      metricName: REFUSED_METRICS.heldSetAside,
      name: 'escalation sweep setting a held resolution aside',
      evaluationPeriods: REFUSED_ALARM_PERIODS,
      datapointsToAlarm: 1,
      description: `A held resolution was set aside (${METRICS_NAMESPACE} ${REFUSED_METRICS.heldSetAside}): a sweep and its retries kept refusing a record of its incident, so nobody was told it resolved and no sweep will. The escalation-timer log ("held resolution set aside") names ESCALATION-HELD-ASIDE / <incident>#C<cycle> with the record refused and its fields: tell its tiers by hand, mend or delete the record. Counted once: the alarm goes OK ${REFUSED_ALARM_PERIODS * SWEEP_EVERY_MINUTES} min later.`,
    },
    {
      constructId: 'UnresolvedRecordsRefused',
      handler: 'escalation-timer',
      metricName: REFUSED_METRICS.unresolvedRecords,
      name: 'escalation sweep refusing an unresolved incident record',
      evaluationPeriods: REFUSED_ALARM_PERIODS,
      datapointsToAlarm: 1,
      description: `An unresolved incident's index entry or record is not as the automation writes it (${METRICS_NAMESPACE} ${REFUSED_METRICS.unresolvedRecords}): every escalation sweep refuses it, so that incident's ladder is not swept (a tier Scheduler fails to page stays unpaged). ${NOT_MUTATED}. runbook incidents names it under REFUSED (key and fields), as do the escalation-timer log and the sweep's answer: page its tiers by hand if it is a real incident, mend or delete the record. ${REFUSED_CLEARS}.`,
    },
    {
      constructId: 'VerifySweepBacklog',
      handler: 'verify-change',
      metricName: VERIFY_SWEEP_LEFT_METRIC,
      name: 'verify sweep leaving overdue health checks',
      evaluationPeriods: SWEEP_BACKLOG_PERIODS,
      datapointsToAlarm: SWEEP_BACKLOG_DATAPOINTS,
      description: `Two verify sweeps within ${SWEEP_BACKLOG_PERIODS * SWEEP_EVERY_MINUTES} min (one every ${SWEEP_EVERY_MINUTES} min) stopped with overdue health checks not read or not started (${METRICS_NAMESPACE} ${VERIFY_SWEEP_LEFT_METRIC}): verify-change runs out of time before the backlog is done, so automated changes whose scheduled check did not come are judged, and a harmful one reverted, ${2 * SWEEP_EVERY_MINUTES} min or more late. Look at the verify-change log ("verify sweep: out of time, listed health checks left for the next sweep", naming each), at the latency of DynamoDB, CloudWatch GetMetricData and the changed services' APIs, and at the verify lane's "schedules failing to invoke verify-change" alarm.`,
    },
    {
      constructId: 'VerifyDueRefused',
      handler: 'verify-change',
      metricName: REFUSED_METRICS.verifyDue,
      name: 'verify sweep refusing a listed health check',
      evaluationPeriods: REFUSED_ALARM_PERIODS,
      datapointsToAlarm: 1,
      description: `A VERIFY-DUE entry of the state table (a health check after an automated change) is not as the automation writes it, or names a due time its change's record does not confirm (${METRICS_NAMESPACE} ${REFUSED_METRICS.verifyDue}): every verify sweep refuses it, so if its schedule was dropped the change is never judged nor reverted. ${NOT_MUTATED}. The verify-change log ("a listed health check entry is not one the automation writes", "due time is not its change's recorded one") and the sweep's answer name it: judge the change by hand, delete the entry. ${REFUSED_CLEARS}.`,
    },
    {
      constructId: 'HealthChecksRefused',
      handler: 'verify-change',
      metricName: REFUSED_METRICS.healthChecks,
      name: 'verify sweep unable to judge a health check',
      evaluationPeriods: REFUSED_ALARM_PERIODS,
      datapointsToAlarm: 1,
      description: `A listed health check's own record (its change's claim or its verify claim) is not as the automation writes it (${METRICS_NAMESPACE} ${REFUSED_METRICS.healthChecks}): every verify sweep skips it, so the automated change is never judged nor reverted. ${NOT_MUTATED}. The verify-change log ("cannot be judged ... judge it by hand") names the check and the record's key and fields: judge the change by hand, mend or delete the record. ${REFUSED_CLEARS}.`,
    },
  ];
}

/** The sweep metric alarms of an environment whose deployed handlers `deployed` says (infra, the sandbox and preflight). */
export function sweepMetricAlarmSpecs(environment: string, deployed: (handler: SweepHandler) => boolean = () => true): Array<SweepMetricAlarmSpec & { constructId: string }> {
  return sweepMetricAlarmRows().filter((row) => deployed(row.handler)).map((row) => ({
    constructId: row.constructId,
    alarmName: `${SERVICE_NAME} ${row.name}`,
    alarmDescription: row.description,
    handler: row.handler,
    namespace: METRICS_NAMESPACE,
    metricName: row.metricName,
    dimensions: sweepMetricDimensions(row.handler, environment),
    statistic: 'Sum',
    unit: SWEEP_METRIC_UNIT,
    periodSeconds: SWEEP_EVERY_MINUTES * 60,
    evaluationPeriods: row.evaluationPeriods,
    datapointsToAlarm: row.datapointsToAlarm,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
  }));
}

/**
 * The escalation sweep's Input, as its EventBridge rule sends it (a constant target Input) and nothing else. Anyone who may
 * invoke escalation-timer can ask for a sweep; it pages only what is past due, once, as the timers would.
 */
export const SWEEP_INPUT = { action: 'sweep' } as const;

/** Health checks after a change: Scheduler's own defaults, stated (a late check still judges the change it was set for). */
export const VERIFY_CHECK_RETRY: TimerRetryPolicy = { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 };

/**
 * The failure metrics EventBridge Scheduler publishes per schedule group (AWS/Scheduler, dimension ScheduleGroup; the
 * User Guide's "List of metrics", the names aws-cdk-lib's ScheduleGroup metricTargetErrors / metricTargetThrottled /
 * metricThrottled / metricDropped use): the target's API answered an error, the target's API throttled, Scheduler itself
 * throttled the invocation (its quota), the timer was dropped once its retry policy ran out. The guide lists them as
 * separate metrics and does not say one is counted in another, so the lane alarm sums all four (decision 239).
 */
export const SCHEDULER_FAILURE_METRICS = ['TargetErrorCount', 'TargetErrorThrottledCount', 'InvocationThrottleCount', 'InvocationDroppedCount'] as const;
export type SchedulerFailureMetric = (typeof SCHEDULER_FAILURE_METRICS)[number];

/**
 * The unit EventBridge Scheduler publishes its AWS/Scheduler metrics with (User Guide, "Monitoring Amazon EventBridge
 * Scheduler with Amazon CloudWatch": its units are Count; not read from a real emission here, moto publishes no
 * AWS/Scheduler metric). A lane alarm's metric query whose Unit is set to another unit sees none of that metric's
 * datapoints; infra leaves it unset (any unit), preflight FAILs one set otherwise (decision 325, as 319 for the sweeps).
 */
export const SCHEDULER_METRIC_UNIT = 'Count';

/**
 * A schedule group's "failing to invoke" alarm (project default: any failure in 5 minutes), on the metric math sum of
 * SCHEDULER_FAILURE_METRICS for the group. Each series is FILLed with 0 so a minute where only one of them has a point
 * still sums (the others publish nothing while zero). The schedules carry no dead-letter queue: the first failed attempt
 * is the signal, and a dropped timer (InvocationDroppedCount) is one too.
 */
export interface SchedulerAlarmSpec {
  alarmName: string;
  alarmDescription: string;
  namespace: 'AWS/Scheduler';
  /** Metric id (m0..m3) -> metric name, each with the dimensions below and the statistic Sum. */
  metrics: Record<string, SchedulerFailureMetric>;
  /** SUM([FILL(m0, 0), ...]) over every id of `metrics`. */
  expression: string;
  dimensions: { ScheduleGroup: string };
  statistic: 'Sum';
  /** The unit Scheduler publishes each metric with (SCHEDULER_METRIC_UNIT); a query's Unit, if set, must be it. */
  unit: typeof SCHEDULER_METRIC_UNIT;
  periodSeconds: number;
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: 'GreaterThanThreshold';
  treatMissingData: 'notBreaching';
}

export function schedulerAlarmSpec(lane: { groupName: string; target: string; stops: string; retry: string }): SchedulerAlarmSpec {
  const metrics = Object.fromEntries(SCHEDULER_FAILURE_METRICS.map((name, i) => [`m${i}`, name])) as Record<string, SchedulerFailureMetric>;
  return {
    alarmName: `${lane.groupName} schedules failing to invoke ${lane.target}`,
    alarmDescription: `EventBridge Scheduler could not invoke ${lane.target} for a schedule of group ${lane.groupName}: the target answered an error or throttled, Scheduler throttled it, or dropped it (${lane.retry}: ${lane.stops}). Look at the scheduler role's lambda:InvokeFunction and the function (runbook preflight checks both); runbook incidents shows an escalation past due as OVERDUE.`,
    namespace: 'AWS/Scheduler',
    metrics,
    expression: `SUM([${Object.keys(metrics).map((id) => `FILL(${id}, 0)`).join(', ')}])`,
    dimensions: { ScheduleGroup: lane.groupName },
    statistic: 'Sum',
    unit: SCHEDULER_METRIC_UNIT,
    periodSeconds: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
  };
}

export function deadLetterAlarmSpec(queue: { queueName: string; holds: string; firstLook: string }): DeadLetterAlarmSpec {
  return {
    alarmName: `${queue.queueName} not empty`,
    // Not `sqs start-message-move-task`: SQS redrives only dead-letter queues of other SQS queues, and these are fed by
    // Lambda and EventBridge (SQS API Reference, StartMessageMoveTask; decision 265).
    alarmDescription: `${queue.holds} landed in ${queue.queueName}: read them and hand each back to its function (runbook preflight names the count and the commands). ${queue.firstLook}`,
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: queue.queueName },
    statistic: 'Maximum',
    periodSeconds: 60,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'ignore',
  };
}

/**
 * A handler's "events waiting" alarm (review 14, R14-7, Lambda half): every handler is invoked asynchronously (EventBridge
 * rules, Scheduler), so Lambda queues the event and retries it after a throttle or a function error, up to the function's
 * maximum event age, before its on-failure destination (the failed-invocations queue, alarmed). Meanwhile the remediation,
 * page or health check it carries is late and nothing else says so. AWS/Lambda AsyncEventAge ("the time between when
 * Lambda successfully queues the event and when the function is invoked"; Lambda Developer Guide, asynchronous invocation
 * metrics, milliseconds, dimension FunctionName), Maximum per minute, over 2 min in 1 of 1 (project default): Lambda
 * retries a function error about 1 min and then 2 min after the attempt, and the age counts the attempt's own duration:
 * one retry after an attempt that failed fast stays under it; one after an attempt that ran to its timeout (60 s, 120 s
 * for scale-up-database: infra/lib/settings.ts) trips it, as do a third attempt and an event throttled for over 2 min
 * (review 16, R16-10; decision 261: a handler that hung to its timeout on the decision path is worth a page). Missing
 * data (no event queued that minute) is not breaching.
 */
export interface AsyncEventAgeAlarmSpec {
  alarmName: string;
  alarmDescription: string;
  namespace: 'AWS/Lambda';
  metricName: 'AsyncEventAge';
  dimensions: { FunctionName: string };
  statistic: 'Maximum';
  periodSeconds: number;
  evaluationPeriods: number;
  /** Milliseconds, the metric's unit. */
  threshold: number;
  comparisonOperator: 'GreaterThanThreshold';
  treatMissingData: 'notBreaching';
}

/** Project default: an asynchronous event may wait up to 2 min (one retry of an attempt that failed fast) before the first tier is told. */
export const ASYNC_EVENT_AGE_LIMIT_SECONDS = 120;

export function asyncEventAgeAlarmSpec(fn: { functionName: string; carries: string }): AsyncEventAgeAlarmSpec {
  return {
    alarmName: `${fn.functionName} events waiting over ${ASYNC_EVENT_AGE_LIMIT_SECONDS / 60} min`,
    alarmDescription: `Lambda has held an event for ${fn.functionName} over ${ASYNC_EVENT_AGE_LIMIT_SECONDS / 60} min (AWS/Lambda AsyncEventAge): it is retrying after throttles or function errors, so ${fn.carries} is late; once the function's maximum event age passes, the event goes to ${DEAD_LETTER_QUEUES.failedInvocations.queueName}. Look at the function's Throttles, Errors and reserved concurrency, and at its log group.`,
    namespace: 'AWS/Lambda',
    metricName: 'AsyncEventAge',
    dimensions: { FunctionName: fn.functionName },
    statistic: 'Maximum',
    periodSeconds: 60,
    evaluationPeriods: 1,
    threshold: ASYNC_EVENT_AGE_LIMIT_SECONDS * 1000,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
  };
}

/** Who the health topic reaches: the first tier of the path (the tier that gets the automation's own alarms). */
export interface HealthSubscribers {
  level: number;
  /** The first tier's email endpoints, when its channels include email: subscribed with no filter policy. */
  emails: string[];
  /** The first tier has chat among its channels: its AWS Chatbot Slack channels (shared/config/slack-channels.ts) get the topic too. */
  chat: boolean;
}

export function healthSubscribers(config: AutomationConfig, environment: EnvironmentName): HealthSubscribers {
  const level = Math.min(...config.escalationPath.map((tier) => tier.level));
  const tier = (config.environments[environment]?.escalation?.tiers ?? []).find((t) => t.level === level);
  return {
    level,
    emails: tier && tier.channels.includes('email') ? [...(tier.emails ?? [])] : [],
    chat: tier !== undefined && tier.channels.includes('chat'),
  };
}
