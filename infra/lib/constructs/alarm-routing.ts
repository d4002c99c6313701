// One EventBridge rule per handler that alarms name, matching its alarms' state changes by exact name, with explicit
// retries and a DLQ; more than one where the environment gives the route several buckets (shared/config/alarm-rules.ts,
// decisions 351, 364).
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
  /** The environment's alarmRuleBuckets: a route's bucket count by its first rule's name (1 unset). */
  ruleBuckets?: Readonly<Record<string, number>>;
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

/**
 * A route's rules, in bucket order, each made to depend on the next (its permission included, a child of the rule): so
 * CloudFormation creates and updates a higher bucket before a lower one. When a route's bucket count is raised the
 * names that move go only to the new, higher buckets (jump hash), which then exist and may invoke their function
 * before the lower rules drop those names; a bucket removed is deleted in the cleanup phase, after every update.
 */
export function chainRuleUpdates(rules: readonly Rule[]): void {
  rules.forEach((rule, index) => {
    const next = rules[index + 1];
    if (next) rule.node.addDependency(next);
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
      const routeName = `${NAME_PREFIX}-${handler}`;
      const rules = alarmRulesOf(routeName, alarmNames, props.ruleBuckets?.[routeName]).map(({ ruleName, part, alarmNames: names }) => {
        // Bucket 1 keeps the id (and so the logical id) a route of one rule always had; bucket n is "<handler>-<n>" whatever
        // the other buckets hold, so a rule's logical id never changes with the alarms (decision 364).
        const rule = new Rule(this, part === 1 ? handler : `${handler}-${part}`, {
          ruleName,
          description: `State changes of the alarms ${handler} handles${part === 1 ? '' : ` (part ${part})`}`,
          eventBus: props.bus,
          eventPattern: toEventPattern(alarmStateChangePattern(names), props.sourceAccounts),
        });
        rule.addTarget(lambdaTarget(fn, props.deadLetterQueue));
        return rule;
      });
      chainRuleUpdates(rules);
      this.routes.set(handler, alarmNames);
    }
  }
}
