// Real incident situations for the escalation unit tests: what the pipeline's decisions look like in the field.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import type { WorkloadAccount } from '../../../shared/config/workload-account';
import { EscalationService, type EscalationContext, type EscalationLog, type EscalationServices } from '../../../shared/escalation/escalation-service';
import type { DecisionEventDetail } from '../../../shared/escalation/escalation-events';
import { incidentIdFor, type Incident } from '../../../shared/escalation/incident';
import { resolveEscalationPolicy, type EscalationPolicy } from '../../../shared/escalation/policy';

export const ACCOUNT = '123456789012';
export const ALARM_NAME = 'NotificationService Queue Depth > 1000 (notification-service-queue)';
export const ALARM_ARN = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:${ALARM_NAME}`;
export const ALARM_TIME = '2026-11-25T14:00:03.120+0000';
export const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:notification-service-queue`;

export function runtime(environment: 'production' | 'staging' | 'development' = 'production') {
  return loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: environment, AWS_REGION: 'us-east-1' });
}

export function policy(environment: 'production' | 'staging' | 'development' = 'production'): EscalationPolicy {
  return resolveEscalationPolicy(runtime(environment).config, environment);
}

/** A log no case reads: every line dropped. */
export const QUIET_LOG: EscalationLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The service as production's escalation handlers build it (its policy and rows; the trust of us-east-1 with both
 * regions, the queue alarm watched) over the case's `services`: its clock at `now()` (sleep returns at once), its log
 * (QUIET_LOG unless given). `region` where the handler runs (us-east-1 unless given), `workloadAccount` of the trust and
 * `count` as the handlers give them.
 */
export function productionService(
  services: EscalationServices,
  options: { now: () => Date; log?: EscalationLog; region?: string; workloadAccount?: WorkloadAccount; count?: EscalationContext['count'] },
): EscalationService {
  const { workloadAccount, count } = options;
  return new EscalationService({
    services,
    policy: policy('production'),
    rows: runtime('production').config.troubleshooting,
    environment: 'production',
    region: options.region ?? 'us-east-1',
    trust: { environment: 'production', region: 'us-east-1', regions: ['us-east-1', 'us-west-2'], watchedAlarms: new Set([ALARM_NAME]), ...(workloadAccount ? { workloadAccount } : {}) },
    clock: { now: options.now, sleep: async () => undefined },
    log: options.log ?? QUIET_LOG,
    ...(count ? { count } : {}),
  });
}

/** The consumers are at the environment cap: scale-consumers escalated (cause cap-reached), nobody acted yet. */
export function capReachedIncident(overrides: Partial<Incident> = {}): Incident {
  return {
    incidentId: 'inc-3f2a9c1b7d44',
    incidentKey: `${ALARM_ARN}#${ALARM_TIME}`,
    alarmArn: ALARM_ARN,
    alarmName: ALARM_NAME,
    alarmTime: ALARM_TIME,
    alarmState: 'ALARM',
    alarmReason: 'Threshold Crossed: 1 out of the last 1 datapoints [1523.0 (25/11/26 13:59:00)] was greater than the threshold (1000.0) (minimum 1 datapoint for OK -> ALARM transition).',
    account: ACCOUNT,
    region: 'us-east-1',
    environment: 'production',
    status: 'OPEN',
    cause: 'cap-reached',
    reason: 'consumers of notification-service-queue are at the environment cap (MaximumConcurrency 400): cannot scale further automatically',
    decision: {
      key: 'k1',
      playbook: 'scale-consumers',
      outcome: 'escalate',
      reason: 'consumers of notification-service-queue are at the environment cap (MaximumConcurrency 400): cannot scale further automatically',
      decidedAt: '2026-11-25T14:00:04.512Z',
      dryRun: false,
      cause: 'cap-reached',
      resource: { type: 'sqs-queue-consumers', id: 'notification-service-queue', arn: QUEUE_ARN },
    },
    updates: [],
    createdAt: '2026-11-25T14:00:05.000Z',
    openedAt: '2026-11-25T14:00:05.000Z',
    level: 0,
    ...overrides,
  };
}

/** A scale-up was planned but the hourly budget guardrail blocked it: before/after are the planned change. */
export function guardrailIncident(): Incident {
  return capReachedIncident({
    cause: 'guardrail',
    reason: 'scale consumers of notification-service-queue: MaximumConcurrency 100 -> 150 (queue depth 4210) — blocked: 4 changes in the last hour (budget 4)',
    decision: {
      key: 'k2',
      playbook: 'scale-consumers',
      outcome: 'escalate',
      reason: 'scale consumers of notification-service-queue: MaximumConcurrency 100 -> 150 (queue depth 4210) — blocked: 4 changes in the last hour (budget 4)',
      decidedAt: '2026-11-25T14:00:04.512Z',
      dryRun: false,
      cause: 'guardrail',
      guardrail: 'hourly-budget',
      resource: { type: 'sqs-queue-consumers', id: 'notification-service-queue', arn: QUEUE_ARN },
      before: { queueDepth: 4210, maximumConcurrency: { 'a1b2c3d4-esm': 100 }, reservedConcurrency: { 'notification-service-consumer': 150 } },
      after: { queueDepth: 4210, maximumConcurrency: { 'a1b2c3d4-esm': 150 }, reservedConcurrency: { 'notification-service-consumer': 150 } },
      blastRadius: 'mapping a1b2c3d4-esm (notification-service-queue -> notification-service-consumer) 100 -> 150: up to 50 more concurrent consumer invocations',
    },
  });
}

/** The scale-up call failed (AccessDenied): a person fixes the permission and makes the change by hand (decision 167). */
export function failureIncident(overrides: Partial<Incident> = {}): Incident {
  const reason = 'remediation failed: Lambda UpdateEventSourceMapping: AccessDeniedException: not authorized to perform lambda:UpdateEventSourceMapping';
  const base = capReachedIncident();
  return capReachedIncident({
    cause: 'failure',
    reason,
    decision: { ...base.decision!, key: 'k3', cause: 'failure', reason, error: { name: 'AccessDeniedException', message: 'not authorized to perform lambda:UpdateEventSourceMapping' } },
    ...overrides,
  });
}

/**
 * Production's database needs the next class and production resizes only behind approval: scale-up-database escalated
 * (approval-required) naming NotificationService-ScaleUpDatabase with the planned class, which a person runs.
 */
export function approvalIncident(overrides: Partial<Incident> = {}): Incident {
  const alarmName = 'NotificationService RDS CPU > 70% (notification-service-db)';
  const alarmArn = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:${alarmName}`;
  const reason = 'scale up notification-service-db: db.r6g.xlarge -> db.r6g.2xlarge (CPU 86%): needs approval in production';
  return capReachedIncident({
    incidentKey: `${alarmArn}#${ALARM_TIME}`,
    alarmArn,
    alarmName,
    alarmReason: 'Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (70.0).',
    cause: 'approval-required',
    reason,
    decision: {
      key: 'k4',
      playbook: 'scale-up-database',
      outcome: 'escalate',
      reason,
      decidedAt: '2026-11-25T14:00:04.512Z',
      dryRun: false,
      cause: 'approval-required',
      resource: { type: 'rds-db-instance', id: 'notification-service-db', arn: `arn:aws:rds:us-east-1:${ACCOUNT}:db:notification-service-db` },
      before: { instanceClass: 'db.r6g.xlarge', status: 'available', multiAz: true },
      after: { instanceClass: 'db.r6g.2xlarge' },
      runbook: { documentName: 'NotificationService-ScaleUpDatabase', parameters: { DBInstanceIdentifier: ['notification-service-db'], TargetInstanceClass: ['db.r6g.2xlarge'] } },
    },
    ...overrides,
  });
}

/** The EscalationStore unit files' incident (escalation-store-records, escalation-store-writes): the queue-backup alarm of 5 Dec 22:00. */
export const STORE_ALARM_ARN = 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:notification-service-queue-backup';
export const STORE_INCIDENT_KEY = `${STORE_ALARM_ARN}#2026-12-05T22:00:00.000+0000`;
export const STORE_INCIDENT_ID = incidentIdFor(STORE_INCIDENT_KEY);
/** When those files' writes are made. */
export const STORE_NOW = new Date('2026-12-05T22:01:00.000Z');

/** That incident, open (cap reached), no tier paged yet; `extra` fields added (a decision, the alarm's reason). */
export function storeIncident(extra: Partial<Incident> = {}): Incident {
  return {
    incidentId: STORE_INCIDENT_ID,
    incidentKey: STORE_INCIDENT_KEY,
    alarmArn: STORE_ALARM_ARN,
    alarmName: 'notification-service-queue-backup',
    alarmTime: '2026-12-05T22:00:00.000+0000',
    alarmState: 'ALARM',
    account: '111111111111',
    region: 'us-east-1',
    environment: 'production',
    status: 'OPEN',
    cause: 'cap-reached',
    reason: 'consumers at cap 400',
    updates: [],
    createdAt: '2026-12-05T22:00:31.000Z',
    openedAt: '2026-12-05T22:00:31.000Z',
    level: 0,
    ...extra,
  };
}

/** What scale-consumers publishes when the consumers are at the cap (shared/pipeline/run-playbook.ts): the "Runbook Decision" event's detail. */
export function capReachedDecision(): DecisionEventDetail {
  return {
    playbook: 'scale-consumers',
    outcome: 'escalate',
    reason: 'consumers of notification-service-queue are at the environment cap (MaximumConcurrency 400)',
    decidedAt: '2026-11-25T14:00:04.512Z',
    environment: 'production',
    region: 'us-east-1',
    account: ACCOUNT,
    incidentKey: `${ALARM_ARN}#${ALARM_TIME}`,
    alarmName: ALARM_NAME,
    alarmArn: ALARM_ARN,
    alarmTime: ALARM_TIME,
    resource: { type: 'sqs-queue-consumers', id: 'notification-service-queue', arn: QUEUE_ARN },
  };
}
