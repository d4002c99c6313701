// Escalation wiring: decisions and alarm recoveries to the escalate handler, durable timers (Scheduler) to escalation-timer.
import { Stack } from 'aws-cdk-lib';
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DECISION_DETAIL_TYPE, DECISION_SOURCE, ESCALATION_SCHEDULE_GROUP, VERIFY_SCHEDULE_GROUP } from '../../../shared/config/names';
import { NAME_PREFIX } from '../settings';
import { lambdaTarget } from './alarm-routing';

export const ESCALATE_HANDLER = 'escalate';
export const TIMER_HANDLER = 'escalation-timer';

/** The schedule group and the role EventBridge Scheduler invokes the timer handler with; built before the functions. */
export class EscalationTimers extends Construct {
  readonly scheduleGroupName = ESCALATION_SCHEDULE_GROUP;
  /** The health checks after a change (verify-change), in their own group. */
  readonly verifyScheduleGroupName = VERIFY_SCHEDULE_GROUP;
  readonly schedulerRole: Role;

  constructor(scope: Construct, id: string, props: { roleName: string }) {
    super(scope, id);
    new CfnScheduleGroup(this, 'Group', { name: this.scheduleGroupName });
    new CfnScheduleGroup(this, 'VerifyGroup', { name: this.verifyScheduleGroupName });
    const stack = Stack.of(this);
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      roleName: props.roleName,
      description: 'EventBridge Scheduler invokes the escalation-timer and verify-change handlers with this role, and nothing else',
      // Confused-deputy guard (EventBridge Scheduler execution role).
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    });
  }

  /** Lets the schedules invoke a timer target (escalation-timer, verify-change) once it exists. */
  allowInvoke(timer: IFunction, sid = 'InvokeEscalationTimer'): void {
    this.schedulerRole.addToPrincipalPolicy(new PolicyStatement({ sid, actions: ['lambda:InvokeFunction'], resources: [timer.functionArn] }));
  }
}

export interface EscalationRoutingProps {
  escalate: IFunction;
  projectBus: IEventBus;
  alarmBus: IEventBus;
  /** Every watched alarm: an OK resolves its incident. */
  alarmNames: readonly string[];
  /** Alarms whose rule already delivers every state change to the escalate handler (rows that "alert and escalate"). */
  routedToEscalate: readonly string[];
  sourceAccounts?: readonly string[];
  deadLetterQueue: IQueue;
}

export class EscalationRouting extends Construct {
  constructor(scope: Construct, id: string, props: EscalationRoutingProps) {
    super(scope, id);
    // Escalations open incidents; applied and dry-run changes on a firing alarm start a "still firing?" watch; a decision
    // on an OK alarm resolves (shared/escalation/plan-intake.ts). Rejected events are never published.
    new Rule(this, 'Decisions', {
      ruleName: `${NAME_PREFIX}-escalate-decisions`,
      description: 'Runbook decisions to the escalation path',
      eventBus: props.projectBus,
      eventPattern: { source: [DECISION_SOURCE], detailType: [DECISION_DETAIL_TYPE], detail: { outcome: ['escalate', 'applied', 'dry-run', 'skipped'] } },
    }).addTarget(lambdaTarget(props.escalate, props.deadLetterQueue));

    const recovering = props.alarmNames.filter((name) => !props.routedToEscalate.includes(name));
    if (recovering.length > 0) {
      // An alarm back to OK resolves its incident and tells everyone who was notified.
      new Rule(this, 'AlarmRecoveries', {
        ruleName: `${NAME_PREFIX}-escalate-recoveries`,
        description: 'Watched alarms returning to OK resolve their incidents',
        eventBus: props.alarmBus,
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: ['CloudWatch Alarm State Change'],
          detail: { alarmName: recovering, state: { value: ['OK'] } },
          ...(props.sourceAccounts?.length ? { account: [...props.sourceAccounts] } : {}),
        },
      }).addTarget(lambdaTarget(props.escalate, props.deadLetterQueue));
    }
  }
}
