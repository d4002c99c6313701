// The project bus's resource policy, statement by statement, as infra writes it (RunbookStack's WorkloadAlarms,
// EscalationRouting's DecisionPublishersOnly). Pure and CDK-free: the stack and the sandbox tests build the same
// statements; preflight judges whatever policy is live, not these.
import { DECISION_SOURCE } from '../../../shared/config/names';

/** The statement id of the bus policy that keeps the decision source to the handlers that publish decisions. */
export const DECISION_PUBLISHERS_SID = 'OnlyRunbookHandlersPublishDecisions';

/**
 * The statement id of the bus policy's fail-closed half: a PutEvents whose request carries no events:source is refused
 * to everyone but the publishing handlers' roles (decision 107).
 */
export const SOURCE_ABSENT_SID = 'NoSourcelessEventsButRunbookPublishers';

/** What a forwarded alarm event carries: EventBridge sets events:source / events:detail-type from the event's fields. */
export const FORWARDED_ALARM_EVENT = { source: 'aws.cloudwatch', detailType: 'CloudWatch Alarm State Change' } as const;

export interface BusPolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal: { AWS: string };
  Action: string;
  Resource: string;
  Condition: Record<string, Record<string, string | string[]>>;
}

/** The statement id infra gives the workload's grant: one per workload account. */
export const forwardedAlarmsSid = (workloadAccount: string): string => `ForwardedAlarms${workloadAccount}`;

/**
 * Cross-account mode: the workload account may put its alarms' state changes on the operations bus, and nothing else.
 * The account as Principal (EventBridge, "Sending and receiving events between AWS accounts"): it admits the
 * forwarding rule's role there, whatever name CloudFormation gives it.
 */
export function forwardedAlarmsStatement(partition: string, workloadAccount: string, busArn: string): BusPolicyStatement {
  return {
    Sid: forwardedAlarmsSid(workloadAccount),
    Effect: 'Allow',
    Principal: { AWS: `arn:${partition}:iam::${workloadAccount}:root` },
    Action: 'events:PutEvents',
    Resource: busArn,
    // events:source and events:detail-type are multivalued (ArrayOfString in the Service Authorization Reference: one
    // value per entry of a PutEvents), and a multivalued key needs a set operator (IAM User Guide, "Single-valued vs.
    // multivalued context keys"): a plain StringEquals would match no forwarded alarm. ForAllValues: every entry is an
    // alarm state change; Null false: the keys are there (ForAllValues alone holds for a request without them).
    Condition: {
      'ForAllValues:StringEquals': { 'events:source': FORWARDED_ALARM_EVENT.source, 'events:detail-type': FORWARDED_ALARM_EVENT.detailType },
      Null: { 'events:source': 'false', 'events:detail-type': 'false' },
    },
  };
}

/**
 * A "Runbook Decision" can page people, open a support case and resolve an incident: on the project's bus, nobody but
 * the execution roles of the handlers that publish decisions may put events with the decision source. An explicit
 * Deny holds against any principal, the account's own included, whatever its identity policy allows.
 */
export function decisionPublishersStatement(busArn: string, publisherRoleArns: readonly string[]): BusPolicyStatement {
  // ForAnyValue: events:source is multivalued (see above); a plain StringEquals would make this Deny never apply, and
  // one decision entry among others must be refused too.
  return publishersOnlyDeny(DECISION_PUBLISHERS_SID, busArn, publisherRoleArns, { 'ForAnyValue:StringEquals': { 'events:source': DECISION_SOURCE } });
}

/** A PutEvents Deny on the bus, for everyone but the publishing handlers' roles, where `condition` holds. */
function publishersOnlyDeny(sid: string, busArn: string, publisherRoleArns: readonly string[], condition: Record<string, Record<string, string>>): BusPolicyStatement {
  return {
    Sid: sid,
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'events:PutEvents',
    Resource: busArn,
    Condition: { ...condition, ArnNotEquals: { 'aws:PrincipalArn': [...publisherRoleArns] } },
  };
}

/**
 * The Deny above holds only when the request carries events:source: ForAnyValue on an absent key is false (IAM User
 * Guide, "Single-valued vs. multivalued context keys"), so a request without the key would pass it. This one fails
 * closed: no events:source, refused to everyone but the same publishing roles. Nothing the project puts on the bus
 * lacks a Source (every PutEvents entry has one, and the workload's grant requires the key with Null false), so no
 * legitimate event meets it.
 */
export function sourceAbsentStatement(busArn: string, publisherRoleArns: readonly string[]): BusPolicyStatement {
  return publishersOnlyDeny(SOURCE_ABSENT_SID, busArn, publisherRoleArns, { Null: { 'events:source': 'true' } });
}
