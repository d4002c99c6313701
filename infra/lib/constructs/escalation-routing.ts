// Escalation wiring: decisions and alarm recoveries to the escalate handler, durable timers (Scheduler) to escalation-timer.
import { Duration, Stack } from 'aws-cdk-lib';
import { MathExpression, Metric, type Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnEventBusPolicy, Rule, RuleTargetInput, Schedule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alarmRulesOf } from '../../../shared/config/alarm-rules';
import { ESCALATION_TIMER_RETRY, schedulerAlarmSpec, sweepMetricAlarmSpecs, SWEEP_EVERY_MINUTES, SWEEP_GRACE_MINUTES, SWEEP_INPUT, VERIFY_CHECK_RETRY, type SweepHandler, type TimerRetryPolicy } from '../../../shared/config/automation-health';

import { DECISION_DETAIL_TYPE, DECISION_SOURCE, DECISIONS_RULE, ESCALATION_SCHEDULE_GROUP, ESCALATION_SWEEP_RULE, KILL_SWITCH_CHANGE_DETAIL_TYPE, KILL_SWITCH_CHANGES_RULE, RECOVERIES_RULE, VERIFY_SCHEDULE_GROUP, VERIFY_SWEEP_RULE } from '../../../shared/config/names';
import { DECISION_PUBLISHERS_SID, decisionPublishersStatement, SOURCE_ABSENT_SID, sourceAbsentStatement } from '../iam/bus-policy';
import { chainRuleUpdates, lambdaTarget } from './alarm-routing';
import type { AutomationHealthTopic } from './automation-health-topic';

export const ESCALATE_HANDLER = 'escalate';
export const TIMER_HANDLER = 'escalation-timer';

/** One kind of durable timer: its schedule group, and the role Scheduler invokes its one target with, from that group only. */
export interface ScheduleLane {
  groupName: string;
  groupArn: string;
  role: Role;
}

/**
 * The schedule groups and roles EventBridge Scheduler invokes the timer handlers with; built before the functions.
 * Two lanes, never crossed: escalation timers (group notification-runbooks, invoking escalation-timer) and health checks
 * (group notification-runbooks-verify, invoking verify-change). Each role trusts Scheduler only for schedules of its own
 * group (aws:SourceArn is the schedule group's ARN) and may invoke only its own target, so a handler allowed to create
 * health checks cannot make a schedule that fires an escalation timer, nor the reverse.
 */
export class EscalationTimers extends Construct {
  readonly escalation: ScheduleLane;
  /** Only where verify-change is deployed (a region with rows that change something; not a DR region). */
  readonly verify: ScheduleLane | undefined;

  constructor(scope: Construct, id: string, props: { escalationRoleName: string; verifyRoleName?: string }) {
    super(scope, id);
    this.escalation = this.lane('', ESCALATION_SCHEDULE_GROUP, props.escalationRoleName, 'escalation-timer');
    this.verify = props.verifyRoleName !== undefined ? this.lane('Verify', VERIFY_SCHEDULE_GROUP, props.verifyRoleName, 'verify-change') : undefined;
  }

  private lane(idPrefix: string, groupName: string, roleName: string, target: string): ScheduleLane {
    const stack = Stack.of(this);
    new CfnScheduleGroup(this, `${idPrefix}Group`, { name: groupName });
    const groupArn = `arn:${stack.partition}:scheduler:${stack.region}:${stack.account}:schedule-group/${groupName}`;
    const role = new Role(this, `${idPrefix}SchedulerRole`, {
      roleName,
      description: `EventBridge Scheduler invokes the ${target} handler with this role, for schedules of the group ${groupName} only`,
      // Confused-deputy guard (EventBridge Scheduler execution role): this account's schedules, of this group only.
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnEquals: { 'aws:SourceArn': groupArn } },
      }),
    });
    return { groupName, groupArn, role };
  }

  /**
   * Review 12, R12-9: each lane's schedules that Scheduler fails to invoke their target with page the first tier through
   * the automation health topic (the schedules have no dead-letter queue; shared/config/automation-health.ts).
   */
  watchHealth(health: AutomationHealthTopic): Alarm[] {
    const lanes = [
      { lane: this.escalation, target: 'escalation-timer', stops: 'the escalation ladder of an open incident stops climbing', retry: retryText(ESCALATION_TIMER_RETRY) },
      ...(this.verify ? [{ lane: this.verify, target: 'verify-change', stops: 'the health check after an automated change never runs', retry: retryText(VERIFY_CHECK_RETRY) }] : []),
    ];
    return lanes.map(({ lane, target, stops, retry }) => {
      const spec = schedulerAlarmSpec({ groupName: lane.groupName, target, stops, retry });
      const period = Duration.seconds(spec.periodSeconds);
      return health.alarm(
        this,
        `${lane === this.escalation ? '' : 'Verify'}TargetErrors`,
        spec,
        new MathExpression({
          expression: spec.expression,
          period,
          usingMetrics: Object.fromEntries(
            Object.entries(spec.metrics).map(([id, metricName]) => [id, new Metric({ namespace: spec.namespace, metricName, dimensionsMap: spec.dimensions, statistic: spec.statistic, period })]),
          ),
        }),
      );
    });
  }

  /**
   * The sweep metric alarms (sweepMetricAlarmSpecs), each where the handler that counts its metric is deployed, paging the
   * first tier through the health topic: the escalation sweep leaving overdue timers in two sweeps within 15 min (review 18b
   * R18-9, decisions 300, 319) and a sweep refusing a record of its own (decision 311: escalation-timer's held and unresolved
   * records, verify-change's listed checks), on exactly the namespace, metric and dimensions the handler writes.
   */
  watchSweepMetrics(health: AutomationHealthTopic, environment: string, deployed: (handler: SweepHandler) => boolean): Alarm[] {
    return sweepMetricAlarmSpecs(environment, deployed).map((spec) =>
      health.alarm(
        this,
        spec.constructId,
        spec,
        new Metric({ namespace: spec.namespace, metricName: spec.metricName, dimensionsMap: spec.dimensions, statistic: spec.statistic, period: Duration.seconds(spec.periodSeconds) }),
      ),
    );
  }

  /** Lets a lane's schedules invoke its target (escalation-timer, verify-change) once it exists. */
  allowInvoke(lane: ScheduleLane, target: IFunction, sid: string): void {
    lane.role.addToPrincipalPolicy(new PolicyStatement({ sid, actions: ['lambda:InvokeFunction'], resources: [target.functionArn] }));
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
  /** The kill switch: every change of it (written, deleted) is told to the first tier (decision 178). */
  killSwitchParameterName: string;
  /** The environment's alarmRuleBuckets: the recoveries route's bucket count under RECOVERIES_RULE (1 unset). */
  ruleBuckets?: Readonly<Record<string, number>>;
}

export class EscalationRouting extends Construct {
  constructor(scope: Construct, id: string, props: EscalationRoutingProps) {
    super(scope, id);
    // Escalations open incidents; applied and dry-run changes on a firing alarm start a "still firing?" watch; a decision
    // on an OK alarm resolves (shared/escalation/plan-intake.ts). Rejected events are never published.
    new Rule(this, 'Decisions', {
      ruleName: DECISIONS_RULE,
      description: 'Runbook decisions to the escalation path',
      eventBus: props.projectBus,
      eventPattern: { source: [DECISION_SOURCE], detailType: [DECISION_DETAIL_TYPE], detail: { outcome: ['escalate', 'applied', 'dry-run', 'skipped'] } },
    }).addTarget(lambdaTarget(props.escalate, props.deadLetterQueue));

    // Someone changed the kill switch: SSM puts "Parameter Store Change" on this account's default bus (best effort, per
    // the Systems Manager user guide); the escalate handler tells L1 what it says now and where CloudTrail names who.
    new Rule(this, 'KillSwitchChanges', {
      ruleName: KILL_SWITCH_CHANGES_RULE,
      description: 'Every change of the runbook kill switch (value written, parameter deleted) is told to the first escalation tier',
      eventPattern: { source: ['aws.ssm'], detailType: [KILL_SWITCH_CHANGE_DETAIL_TYPE], detail: { name: [props.killSwitchParameterName] } },
    }).addTarget(lambdaTarget(props.escalate, props.deadLetterQueue));

    const recovering = props.alarmNames.filter((name) => !props.routedToEscalate.includes(name));
    // An alarm back to OK resolves its incident and tells everyone who was notified: by exact name, in as many rules as
    // the route's buckets hold them (shared/config/alarm-rules.ts, decisions 351, 364); none where every alarm is escalate's own.
    const recoveries = alarmRulesOf(RECOVERIES_RULE, recovering, props.ruleBuckets?.[RECOVERIES_RULE]).map(({ ruleName, part, alarmNames }) => {
      const rule = new Rule(this, part === 1 ? 'AlarmRecoveries' : `AlarmRecoveries${part}`, {
        ruleName,
        description: `Watched alarms returning to OK resolve their incidents${part === 1 ? '' : ` (part ${part})`}`,
        eventBus: props.alarmBus,
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: ['CloudWatch Alarm State Change'],
          detail: { alarmName: alarmNames, state: { value: ['OK'] } },
          ...(props.sourceAccounts?.length ? { account: [...props.sourceAccounts] } : {}),
        },
      });
      rule.addTarget(lambdaTarget(props.escalate, props.deadLetterQueue));
      return rule;
    });
    chainRuleUpdates(recoveries);
  }
}

/**
 * A sweep (decisions 264, 293): every SWEEP_EVERY_MINUTES an EventBridge rule on the account's default bus invokes its
 * function with {"action":"sweep"}, which does every timer of its lane more than SWEEP_GRACE_MINUTES overdue, saying how
 * late: escalation-timer pages every tier (and opens every watch) whose Scheduler timer did not come; verify-change runs
 * every health check listed (VERIFY-DUE) whose schedule has not answered. A rule rather than a Scheduler schedule:
 * EventBridge invokes the function through its resource policy (the Lambda permission CDK adds for this rule), so the
 * sweep shares neither the scheduler role nor Scheduler itself with the timers it stands in for. A tick EventBridge
 * cannot deliver goes to the undelivered-events queue, whose "not empty" alarm pages.
 */
export class SweepRule extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: { ruleName: string; target: IFunction; does: string; deadLetterQueue: IQueue }) {
    super(scope, id);
    this.rule = new Rule(this, 'Rule', {
      ruleName: props.ruleName,
      description: `Every ${SWEEP_EVERY_MINUTES} min: ${props.does} more than ${SWEEP_GRACE_MINUTES} min overdue (EventBridge Scheduler could not deliver it), saying how late`,
      schedule: Schedule.rate(Duration.minutes(SWEEP_EVERY_MINUTES)),
    });
    this.rule.addTarget(lambdaTarget(props.target, props.deadLetterQueue, RuleTargetInput.fromObject(SWEEP_INPUT)));
  }
}

/** The escalation lane's sweep (review 15 R15-5, decision 264). */
export const escalationSweep = (scope: Construct, timer: IFunction, deadLetterQueue: IQueue): SweepRule =>
  new SweepRule(scope, 'EscalationSweep', { ruleName: ESCALATION_SWEEP_RULE, target: timer, does: 'escalation-timer does every escalation timer', deadLetterQueue });

/** The verify lane's sweep (decision 293, designed in 281). */
export const verifySweep = (scope: Construct, verifier: IFunction, deadLetterQueue: IQueue): SweepRule =>
  new SweepRule(scope, 'VerifySweep', { ruleName: VERIFY_SWEEP_RULE, target: verifier, does: 'verify-change runs every health check after a change', deadLetterQueue });

export { DECISION_PUBLISHERS_SID, SOURCE_ABSENT_SID };

/**
 * A "Runbook Decision" can page people, open a support case and resolve an incident: on the project's bus, only the
 * execution roles of the handlers that publish decisions (those whose declared actions include events:PutEvents) may
 * put events with the decision source. An explicit Deny in the bus policy holds against any principal, the account's
 * own included, whatever its identity policy allows (the escalate handler still checks each decision against the state
 * table: shared/escalation/trust-decision.ts).
 */
export class DecisionPublishersOnly extends Construct {
  readonly policy: CfnEventBusPolicy;
  readonly sourceAbsentPolicy: CfnEventBusPolicy;

  constructor(scope: Construct, id: string, props: { bus: IEventBus; publisherRoleArns: readonly string[] }) {
    super(scope, id);
    this.policy = new CfnEventBusPolicy(this, 'Policy', {
      eventBusName: props.bus.eventBusName,
      statementId: DECISION_PUBLISHERS_SID,
      statement: decisionPublishersStatement(props.bus.eventBusArn, props.publisherRoleArns),
    });
    // The Deny's fail-closed half (a request without events:source); one bus policy statement per resource, written
    // after the first so CloudFormation does not update the bus's policy twice at once (decision 107).
    this.sourceAbsentPolicy = new CfnEventBusPolicy(this, 'SourceAbsentPolicy', {
      eventBusName: props.bus.eventBusName,
      statementId: SOURCE_ABSENT_SID,
      statement: sourceAbsentStatement(props.bus.eventBusArn, props.publisherRoleArns),
    });
    this.sourceAbsentPolicy.addDependency(this.policy);
  }
}

/** "retried for up to 15 min" / "24 h": what the lane's RetryPolicy lets Scheduler do before it drops a timer. */
function retryText(policy: TimerRetryPolicy): string {
  const seconds = policy.MaximumEventAgeInSeconds;
  return `retried for up to ${seconds % 3600 === 0 ? `${seconds / 3600} h` : `${seconds / 60} min`}, then dropped`;
}
