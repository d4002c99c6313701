// Pure: where the escalation's AWS resources are (topics, timer function, scheduler role and group), from env overrides or names.

import { partitionOf } from '../aws/arn';
import { ESCALATION_SCHEDULE_GROUP } from '../config/names';

export { ESCALATION_SCHEDULE_GROUP };
/** Deployed function names are "<prefix><handler>" (the same names sandbox/invoke-bundle.ts gives its Lambda contexts). */
export const FUNCTION_NAME_PREFIX = 'notification-runbooks-';
export const TIMER_HANDLER = 'escalation-timer';
export const SCHEDULER_ROLE_NAME = 'notification-runbooks-escalation-scheduler';

export interface EscalationDeployment {
  timerFunctionArn: string;
  schedulerRoleArn: string;
  scheduleGroup: string;
  topicArn(topicName: string): string;
}

/** The partition of a region: the one implementation, shared/aws/arn.ts partitionOf. */
export { partitionOf as partitionOfRegion } from '../aws/arn';

/** The AWS Support API has one endpoint per partition: us-east-1 for aws (AWS Support API reference, "Endpoints"). */
export function supportApiRegion(region: string): string {
  if (region.startsWith('cn-')) return 'cn-north-1';
  if (region.startsWith('us-gov-')) return 'us-gov-west-1';
  return 'us-east-1';
}

/**
 * Infra sets ESCALATION_TIMER_ARN, ESCALATION_SCHEDULER_ROLE_ARN and ESCALATION_SCHEDULE_GROUP; without them the
 * names follow the project's conventions in the handler's own account and region.
 */
export function escalationDeployment(env: Record<string, string | undefined>, where: { region: string; account: string }): EscalationDeployment {
  const partition = partitionOf(where.region);
  return {
    timerFunctionArn: env.ESCALATION_TIMER_ARN || `arn:${partition}:lambda:${where.region}:${where.account}:function:${FUNCTION_NAME_PREFIX}${TIMER_HANDLER}`,
    schedulerRoleArn: env.ESCALATION_SCHEDULER_ROLE_ARN || `arn:${partition}:iam::${where.account}:role/${SCHEDULER_ROLE_NAME}`,
    scheduleGroup: env.ESCALATION_SCHEDULE_GROUP || ESCALATION_SCHEDULE_GROUP,
    topicArn: (topicName) => `arn:${partition}:sns:${where.region}:${where.account}:${topicName}`,
  };
}

/** The handler a deployed function ARN runs (arn:...:function:notification-runbooks-escalation-timer -> escalation-timer). */
export function handlerOfFunctionArn(arn: string): string | undefined {
  const name = arn.split(':')[6];
  return name?.startsWith(FUNCTION_NAME_PREFIX) ? name.slice(FUNCTION_NAME_PREFIX.length) : undefined;
}
