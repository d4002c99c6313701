// The names the runtime and infra must agree on (service, metrics namespace, event source, schedule groups, environment
// variables infra sets): defined once here, so infra reads configuration, never a handler factory or runtime module.

/** Powertools service name of every handler's logs and metrics. */
export const SERVICE_NAME = 'notification-runbooks';
/** CloudWatch namespace of the automation's own metrics. */
export const METRICS_NAMESPACE = 'NotificationService/Runbooks';

/** The "Runbook Decision" events every handler publishes on the project's bus. */
export const DECISION_SOURCE = 'notification-service.runbooks';
export const DECISION_DETAIL_TYPE = 'Runbook Decision';
/** SSM's event for a parameter written or deleted (Systems Manager user guide, "Parameter Store events"): the kill switch's changes (decision 178). */
export const KILL_SWITCH_CHANGE_DETAIL_TYPE = 'Parameter Store Change';

/** The Scheduler group that holds the escalation timers: IAM can be scoped to it, and the sandbox driver lists it. */
export const ESCALATION_SCHEDULE_GROUP = 'notification-runbooks';
/** The Scheduler group of the health checks: apart from the escalation timers, so each driver and grant sees its own. */
export const VERIFY_SCHEDULE_GROUP = 'notification-runbooks-verify';
/**
 * The EventBridge rule (default bus, rate of SWEEP_EVERY_MINUTES) that invokes escalation-timer with {"action":"sweep"}
 * (decision 264): every escalation timer more than SWEEP_GRACE_MINUTES overdue is done then, said late. A rule, not a
 * Scheduler schedule, so that it shares neither the scheduler role nor Scheduler with the timers it stands in for.
 */
export const ESCALATION_SWEEP_RULE = 'notification-runbooks-escalation-sweep';
/**
 * The EventBridge rule (default bus, rate of SWEEP_EVERY_MINUTES) that invokes verify-change with {"action":"sweep"}
 * (decision 293, designed in 281): every health check more than SWEEP_GRACE_MINUTES past due whose schedule has not run
 * is done then, said late. A rule, as the escalation sweep's, so that it does not share Scheduler or its role.
 */
export const VERIFY_SWEEP_RULE = 'notification-runbooks-verify-sweep';
/** The rule (the project's bus) delivering the runbook decisions to escalate (infra EscalationRouting Decisions). */
export const DECISIONS_RULE = 'notification-runbooks-escalate-decisions';
/** The rule (the default bus) delivering every change of the kill switch to escalate (infra EscalationRouting KillSwitchChanges, decision 178). */
export const KILL_SWITCH_CHANGES_RULE = 'notification-runbooks-kill-switch-changes';
/** The rule (the alarms' bus) delivering the OK of each alarm escalate does not handle itself to escalate (infra EscalationRouting AlarmRecoveries). */
export const RECOVERIES_RULE = 'notification-runbooks-escalate-recoveries';
/** The handler that runs the health check one window after a change. */
export const VERIFY_HANDLER = 'verify-change';

/** Set by infra in cross-account mode: the role each workload account offers this handler. */
export const REMEDIATION_ROLE_ENV = 'REMEDIATION_ROLE_NAME';
/** Set by infra: the account the handler runs in (a Lambda environment names no account of its own). */
export const OWN_ACCOUNT_ENV = 'RUNBOOK_ACCOUNT_ID';
/** Set by infra in cross-account mode: the workload account whose alarms and resources the handlers act on. */
export const WORKLOAD_ACCOUNT_ENV = 'RUNBOOK_WORKLOAD_ACCOUNT_ID';
/** Set by infra for the rows that change something: verify-change's ARN and the health checks' schedule group. */
export const VERIFY_CHANGE_ARN_ENV = 'VERIFY_CHANGE_ARN';
export const VERIFY_SCHEDULE_GROUP_ENV = 'VERIFY_SCHEDULE_GROUP';

/**
 * Session tag keys of a remediation role's sessions (shared/aws/account-clients.ts); its trust policy admits these only.
 * `region`: the region the handler runs in; the trust admits each region's execution role with its own region only, and
 * the role's permissions hold every statement to the tagged region (decision 147).
 */
export const SESSION_TAG_KEYS = { incident: 'runbook-incident', playbook: 'runbook-playbook', region: 'runbook-region' } as const;
/** The SourceIdentity a handler sets on the remediation role's sessions (kept through role chaining, shown in CloudTrail). */
export function remediationSourceIdentity(handler: string): string {
  return `notification-runbooks-${handler}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/**
 * The role the runbook documents run as in one region (IAM is global: one per region, so two regional stacks never
 * collide). Its ARN is fixed into the failover documents' AutomationAssumeRole at deploy time.
 */
export function automationRoleNameOf(region: string): string {
  return `notification-runbooks-automation-${region}`.slice(0, 64);
}

/**
 * The runbook documents that act on the automation's own incident state (the state table, the escalation timer): in
 * cross-account mode they stay in the operations account with the handlers. Every other document acts on the service's
 * resources, so it is deployed, with the role it runs as, into each workload account (docs/decisions.md 86).
 */
export const OPERATIONS_DOCUMENTS: ReadonlySet<string> = new Set(['NotificationService-AcknowledgeIncident', 'NotificationService-EscalateToNextTier']);

/**
 * The SNS topic an aws:approve step's NotificationArn names: Automation sends the approval request there and the
 * approvers subscribe to it (environments.<env>.runbookApprovers.emails). The name must start with "Automation" (SSM
 * User Guide, "aws:approve" and "Run an automation that requires approvals"; the AWS managed AmazonSSMAutomationRole
 * grants sns:Publish on arn:aws:sns:*:*:Automation* only). One per account and region, beside the documents.
 */
export const APPROVAL_TOPIC_NAME = 'Automation-notification-runbooks-approvals';

/** The approval topic's ARN in one account and region. */
export function approvalTopicArnOf(partition: string, region: string, account: string): string {
  return `arn:${partition}:sns:${region}:${account}:${APPROVAL_TOPIC_NAME}`;
}

/** A configured approver: "role/<name>" / "user/<name>" in the environment's own account, else the ARN as configured. */
export function principalArn(principal: string, where: { account: string; partition: string }): string {
  return principal.startsWith('arn:') ? principal : `arn:${where.partition}:iam::${where.account}:${principal}`;
}
