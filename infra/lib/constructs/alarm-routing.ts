// One EventBridge rule per handler that alarms name, matching its alarms' state changes by exact name, with explicit
// retries and a DLQ; more than one where its names exceed one pattern's size (shared/config/alarm-rules.ts, decision 351).
import { Annotations, Duration } from 'aws-cdk-lib';
import { Rule, type EventPattern, type IEventBus, type RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alarmRulesOf } from '../../../shared/config/alarm-rules';
import { alarmStateChangePattern, type AlarmSpec, type AlarmStatePattern } from '../../../shared/config/alarm-specs';
import { DELIVERY, NAME_PREFIX } from '../settings';

export interface AlarmRoutingProps {
  alarms: readonly AlarmSpec[];
  /** Deployed handlers by name. */
  functions: ReadonlyMap<string, IFunction>;
  /** Where the alarm events arrive: the default bus, or the central bus workload accounts forward to. */
  bus: IEventBus;
  /** Cross-account mode: only events from these accounts (the forwarded ones keep their account). */
  sourceAccounts?: readonly string[];
  deadLetterQueue: IQueue;
}

/** The shared pattern (as the sandbox routes it) in CDK's shape, limited to the source accounts when there are any. */
export function toEventPattern(pattern: AlarmStatePattern, sourceAccounts?: readonly string[]): EventPattern {
  return {
    source: pattern.source,
    detailType: pattern['detail-type'],
    detail: pattern.detail,
    ...(sourceAccounts?.length ? { account: [...sourceAccounts] } : {}),
  };
}

/** The target settings every rule in the app uses: stated, not left to EventBridge's defaults (185 retries, 24 h). */
export function lambdaTarget(fn: IFunction, deadLetterQueue: IQueue, event?: RuleTargetInput): LambdaFunction {
  return new LambdaFunction(fn, {
    ...(event ? { event } : {}),
    retryAttempts: DELIVERY.ruleRetryAttempts,
    maxEventAge: Duration.seconds(DELIVERY.ruleMaxEventAgeSeconds),
    deadLetterQueue,
  });
}

export class AlarmRouting extends Construct {
  /** handler -> its rule's alarm names. */
  readonly routes = new Map<string, string[]>();

  constructor(scope: Construct, id: string, props: AlarmRoutingProps) {
    super(scope, id);
    const handlers = [...new Set(props.alarms.map((a) => a.handler))].sort();
    for (const handler of handlers) {
      const alarmNames = props.alarms.filter((a) => a.handler === handler).map((a) => a.name);
      const fn = props.functions.get(handler);
      if (!fn) {
        Annotations.of(this).addWarningV2(
          'notification-runbooks:unrouted-alarm',
          `alarms ${alarmNames.join(', ')} name handler ${handler}, which handlers/ does not have: their state changes reach no handler`,
        );
        continue;
      }
      alarmRulesOf(`${NAME_PREFIX}-${handler}`, alarmNames).forEach(({ ruleName, alarmNames: names }, index) => {
        // The first rule keeps the id (and so the logical id) a route of one rule always had.
        const rule = new Rule(this, index === 0 ? handler : `${handler}-${index + 1}`, {
          ruleName,
          description: `State changes of the alarms ${handler} handles${index === 0 ? '' : ` (part ${index + 1})`}`,
          eventBus: props.bus,
          eventPattern: toEventPattern(alarmStateChangePattern(names), props.sourceAccounts),
        });
        rule.addTarget(lambdaTarget(fn, props.deadLetterQueue));
      });
      this.routes.set(handler, alarmNames);
    }
  }
}
