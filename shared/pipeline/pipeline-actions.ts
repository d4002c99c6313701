// The AWS actions the alarm pipeline itself calls in every handler, beside its playbook's: declared once, granted by infra.

/**
 * Keyed by the resource they act on, so infra can scope each group to it. Keep in step with the modules named:
 * the IAM coverage test (test/infra) fails when a handler bundle calls an API that no declaration grants.
 */
export const PIPELINE_ACTIONS = {
  /** shared/state/incident-store.ts: claims, resource state and the audit trail (GetCommand, PutCommand, UpdateCommand, QueryCommand). */
  stateTable: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  /** shared/report/decision-reporter.ts: the decision event on the project's bus. */
  eventBus: ['events:PutEvents'],
  /** shared/guard/kill-switch.ts: GetParameter on the one kill-switch parameter. */
  killSwitch: ['ssm:GetParameter'],
  /** shared/aws/alarm-state-reader.ts: the alarm is re-read before acting; in the alarm's own account. */
  alarms: ['cloudwatch:DescribeAlarms'],
  /** shared/pipeline/verify-scheduler.ts: the health check after a change, a one-time schedule run with the scheduler role. */
  verifySchedule: ['scheduler:CreateSchedule', 'iam:PassRole'],
} as const satisfies Record<string, readonly string[]>;

export type PipelineResource = keyof typeof PIPELINE_ACTIONS;

/**
 * Only in a DR region, only by the rows that change something (their playbooks declare `regionServing`): whether the
 * region serves now, read there before a change (shared/guard/region-serving-reader.ts: the replica, the DR consumers'
 * mappings; decision 123). Infra grants them to those handlers in a DR region only, the replica's read scoped to it.
 */
export const REGION_SERVING_ACTIONS = ['rds:DescribeDBInstances', 'lambda:ListEventSourceMappings'] as const;

/**
 * Only in cross-account mode (shared/aws/account-clients.ts): the remediation role in the alarm's account, in a session
 * tagged with the incident and the playbook and carrying the handler as source identity.
 */
export const CROSS_ACCOUNT_ACTIONS = ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'] as const;

/** Every pipeline action, flat. */
export function pipelineActions(): string[] {
  return Object.values(PIPELINE_ACTIONS).flat();
}
