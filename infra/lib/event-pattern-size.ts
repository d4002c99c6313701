// Refuses to synthesize an EventBridge rule whose event pattern is over EventBridge's size quota (review 21a R21-2).
//
// PutRule refuses a pattern longer than the quota, so CloudFormation would fail the stack at deploy, after the stacks
// before it deployed; moto and the sandbox do not check it. The alarm rules are cut to fit (shared/config/alarm-rules.ts);
// this aspect holds every rule of the app, theirs and any written later, to the quota at `cdk synth`.
import { AspectPriority, Aspects, Stack, type IAspect } from 'aws-cdk-lib';
import { CfnRule } from 'aws-cdk-lib/aws-events';
import type { IConstruct } from 'constructs';
import { EVENT_PATTERN_MAX_CHARS } from '../../shared/config/alarm-rules';

/** The pattern's length in characters as the template gives it to CloudFormation (JSON), resolved. */
export function eventPatternChars(rule: CfnRule): number | undefined {
  const pattern: unknown = Stack.of(rule).resolve(rule.eventPattern);
  return pattern === undefined ? undefined : JSON.stringify(pattern).length;
}

class EventPatternSizeGuard implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnRule)) return;
    const chars = eventPatternChars(node);
    if (chars === undefined || chars <= EVENT_PATTERN_MAX_CHARS) return;
    throw new Error(
      `EventBridge rule ${node.node.path} (${String(node.name ?? 'unnamed')}) has an event pattern of ${chars} characters, over EventBridge's ` +
        `"Event pattern size" quota of ${EVENT_PATTERN_MAX_CHARS} (PutRule would refuse it and the deploy fail): cut its list into several rules ` +
        `(shared/config/alarm-rules.ts alarmRulesOf) or match on a shorter field`,
    );
  }
}

/** Refuse, at synthesis, any EventBridge rule in `scope` whose pattern exceeds EVENT_PATTERN_MAX_CHARS. */
export function refuseOversizedEventPatterns(scope: IConstruct): void {
  Aspects.of(scope).add(new EventPatternSizeGuard(), { priority: AspectPriority.READONLY });
}
