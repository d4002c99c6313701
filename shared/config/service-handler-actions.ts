// The AWS API actions of the handlers that are not playbooks (escalate, escalation-timer): infra derives their IAM from it.

/** Every AWS API action the escalation handlers call; infra derives their IAM policy from this list. */
export const ESCALATION_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'cloudwatch:DescribeAlarms',
  'sns:Publish',
  // Before CreateCase, the case an earlier attempt may have opened (review 19 R19-10; shared/escalation/support-case.ts).
  'support:DescribeCases',
  'support:CreateCase',
  'support:AddCommunicationToCase',
  'scheduler:CreateSchedule',
  'scheduler:DeleteSchedule',
  'iam:PassRole',
  'sts:GetCallerIdentity',
  // shared/guard/kill-switch.ts: every message says whether the switch is engaged (decision 178; it never silences a page).
  'ssm:GetParameter',
] as const;

/**
 * Cross-account mode (shared/aws/account-clients.ts): escalate and escalation-timer read a workload's alarm through the
 * remediation role that workload offers them; that role grants only this read (the alarm is re-read before an incident
 * is opened, climbs or is resolved). The AssumeRole itself is shared/pipeline/pipeline-actions.ts CROSS_ACCOUNT_ACTIONS.
 */
export const ESCALATION_WORKLOAD_ROLE_ACTIONS = ['cloudwatch:DescribeAlarms'] as const;
