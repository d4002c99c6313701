// Preflight: the escalation sweep (decision 264, review 15 R15-5). An escalation timer EventBridge Scheduler could not
// deliver is done by the sweep: an EventBridge rule on the account's default bus (infra EscalationSweep) that invokes
// escalation-timer every SWEEP_EVERY_MINUTES with the Input {"action":"sweep"}. A rule deleted, disabled, slowed down or
// aimed elsewhere stops that silently, so:
// - escalation-sweep (where escalation-timer's schedule group is expected): the rule exists, is ENABLED, runs at
//   rate(SWEEP_EVERY_MINUTES minutes), and one of its targets is the deployed escalation-timer with exactly that Input;
//   else FAIL, with the deploy that restores it.
// - verify-sweep (where verify-change's schedule group is expected; decision 293): the same of the rule that invokes
//   verify-change with {"action":"sweep"}, which runs the health checks after a change Scheduler could not deliver.
// - Both (review 18c R18-18, decision 309): EventBridge invokes the function through its resource-based policy, not a
//   role, so a rule that targets it without a statement allowing events.amazonaws.com lambda:InvokeFunction for that
//   rule (AWS:SourceArn) never runs it, and says nothing. The policy is judged by rule-permission-checks.ts
//   checkRulePermission, shared with every other rule that targets a handler (decision 316): refused is a FAIL, open to
//   anyone or another account a FAIL, admitting other rules or principals a WARN; else PASS.
import { DescribeRuleCommand, ListTargetsByRuleCommand, type DescribeRuleCommandOutput, type Target } from '@aws-sdk/client-eventbridge';
import { SWEEP_EVERY_MINUTES, SWEEP_INPUT } from '../../shared/config/automation-health';
import { ESCALATION_SWEEP_RULE, VERIFY_HANDLER, VERIFY_SWEEP_RULE } from '../../shared/config/names';
import { TIMER_HANDLER, type PreflightExpectations } from './expectations';
import { checkRulePermission, configuredAccounts, confinePermissionFix, deployedInvokers, removePermission, RULE_PERMISSION_ACTIONS, tooWideText, type FunctionPolicies } from './rule-permission-checks';
import { awsErrorName, fail, noteTargets, pass, warn, type CheckResult, type PreflightClients, type PreflightTarget, type RuleTargets } from './types';

/** The calls this check makes: named in its could-not-check FAIL. */
export const SWEEP_CHECK_ACTIONS = RULE_PERMISSION_ACTIONS;

/** The rate the sweep runs at, as EventBridge states a rule's schedule. */
export const SWEEP_SCHEDULE_EXPRESSION = `rate(${SWEEP_EVERY_MINUTES} minutes)`;

/** Whether a target's Input is the sweep's, as JSON (key order and spacing aside). */
function isSweepInput(input: string | undefined): boolean {
  try {
    const parsed = JSON.parse(input ?? '') as unknown;
    return typeof parsed === 'object' && parsed !== null && JSON.stringify(parsed) === JSON.stringify(SWEEP_INPUT);
  } catch {
    return false;
  }
}

/** Pure: what keeps the sweep rule from invoking escalation-timer every SWEEP_EVERY_MINUTES with the sweep's Input. */
export function sweepRuleProblems(rule: Pick<DescribeRuleCommandOutput, 'State' | 'ScheduleExpression'> | undefined, targets: readonly Target[], timerArn: string): string[] {
  if (!rule) return ['it does not exist'];
  const problems: string[] = [];
  if (rule.State !== 'ENABLED') problems.push(`it is ${rule.State ?? 'in no state'}, not ENABLED`);
  if (rule.ScheduleExpression !== SWEEP_SCHEDULE_EXPRESSION) problems.push(`it runs on ${rule.ScheduleExpression ?? 'no schedule'}, not ${SWEEP_SCHEDULE_EXPRESSION}`);
  const timer = targets.filter((t) => t.Arn === timerArn);
  if (timer.length === 0) problems.push(`no target is ${timerArn} (targets: ${targets.map((t) => t.Arn ?? '?').join(', ') || 'none'})`);
  else if (!timer.some((t) => isSweepInput(t.Input))) problems.push(`its target ${timerArn} is not given the Input ${JSON.stringify(SWEEP_INPUT)} (${timer.map((t) => t.Input ?? (t.InputPath ? `InputPath ${t.InputPath}` : 'the scheduled event')).join(', ')})`);
  return problems;
}

/** One sweep rule: its check's name, the rule, the function whose lane it stands in for, and what is lost without it. */
interface SweepRuleSpec {
  check: 'escalation-sweep' | 'verify-sweep';
  ruleName: string;
  handler: string;
  passes: string;
  lost: string;
  construct: string;
}

const SWEEP_RULES: readonly SweepRuleSpec[] = [
  {
    check: 'escalation-sweep',
    ruleName: ESCALATION_SWEEP_RULE,
    handler: TIMER_HANDLER,
    passes: 'an escalation timer Scheduler cannot deliver is paged late, not lost (decision 264)',
    lost: "an escalation timer Scheduler cannot deliver (dropped after 15 min) is then never done, and the incident's ladder stops",
    construct: 'EscalationSweep',
  },
  {
    check: 'verify-sweep',
    ruleName: VERIFY_SWEEP_RULE,
    handler: VERIFY_HANDLER,
    passes: 'a health check after a change whose schedule Scheduler cannot deliver is run late, not lost (decision 293)',
    lost: 'a health check after a change whose schedule Scheduler cannot deliver (dropped after its 24 h retry) is then never run: a change that made things worse stays',
    construct: 'VerifySweep',
  },
];

async function checkSweepRule(spec: SweepRuleSpec, clients: PreflightClients, expected: PreflightExpectations, target: PreflightTarget, policies: FunctionPolicies, seen?: RuleTargets): Promise<CheckResult[]> {
  const lane = expected.scheduleGroups.find((g) => g.targetFunctionName.endsWith(`-${spec.handler}`));
  if (!lane) return [];
  const functionArn = `arn:${target.partition}:lambda:${target.region}:${target.account}:function:${lane.targetFunctionName}`;
  let rule: DescribeRuleCommandOutput | undefined;
  try {
    rule = await clients.events.send(new DescribeRuleCommand({ Name: spec.ruleName }));
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
  }
  const targets = rule ? ((await clients.events.send(new ListTargetsByRuleCommand({ Rule: spec.ruleName }))).Targets ?? []) : [];
  noteTargets(seen, spec.ruleName, targets.flatMap((t) => (t.Arn ? [t.Arn] : [])));
  const problems = sweepRuleProblems(rule, targets, functionArn);
  // The rule's own ARN, as EventBridge names it in aws:SourceArn when it invokes the target.
  const ruleArn = rule?.Arn ?? `arn:${target.partition}:events:${target.region}:${target.account}:rule/${spec.ruleName}`;
  const deploy = `npx cdk deploy -c environment=${expected.environment} -c region=${target.region} NotificationRunbooks-${expected.environment}-${target.region} (the runbook stack writes the rule and its Lambda permission: infra ${spec.construct})`;
  const failed = (): CheckResult[] => [fail('routing', spec.check, spec.ruleName, `rule ${spec.ruleName}: ${problems.join('; ')}: ${spec.lost}`, deploy)];
  if (!rule) return failed();
  const permission = await checkRulePermission(clients, target, lane.targetFunctionName, functionArn, ruleArn, policies, deployedInvokers(expected, target, lane.targetFunctionName), configuredAccounts(expected));
  if (permission.kind === 'refused') {
    problems.push(permission.problem);
    return failed();
  }
  if (problems.length > 0) return failed();
  const invokes = `rule ${spec.ruleName} invokes ${lane.targetFunctionName} ${SWEEP_SCHEDULE_EXPRESSION} with ${JSON.stringify(SWEEP_INPUT)}`;
  if (permission.kind === 'open') {
    // Review 19 R19-8 (decision 314): the sweep runs, but anyone the statement admits may invoke the function with an
    // input of their choosing (a sweep, or one timer / health check they make up).
    return [
      fail(
        'routing',
        spec.check,
        spec.ruleName,
        `${invokes}, but ${permission.problem}: ${permission.consequence}`,
        `remove the statement: ${removePermission(lane.targetFunctionName, permission)}; or ${deploy}`,
      ),
    ];
  }
  if (permission.kind === 'too-wide') {
    // AWS allows a permission without AWS:SourceArn; the sweep runs, but any rule (of any account the policy admits) may
    // invoke it with an Input of its choosing, and the function then does what that Input asks. So may any other
    // principal the policy grants lambda:InvokeFunction (decision 314).
    return [warn('routing', spec.check, spec.ruleName, `${invokes}, and ${permission.text}, but ${tooWideText(permission, lane.targetFunctionName, 'Input')}`, confinePermissionFix(lane.targetFunctionName, spec.construct, ruleArn, deploy))];
  }
  return [pass('routing', spec.check, spec.ruleName, `${invokes}; ${permission.text}: ${spec.passes}`)];
}

/** The sweep rule, where escalation-timer's lane is expected (none where the region deploys no escalation-timer). */
export async function checkEscalationSweep(clients: PreflightClients, expected: PreflightExpectations, target: PreflightTarget, policies: FunctionPolicies = new Map(), seen?: RuleTargets): Promise<CheckResult[]> {
  return checkSweepRule(SWEEP_RULES[0]!, clients, expected, target, policies, seen);
}

/** The verify sweep's rule, where verify-change's lane is expected (none where the region deploys no verify-change; decision 293). */
export async function checkVerifySweep(clients: PreflightClients, expected: PreflightExpectations, target: PreflightTarget, policies: FunctionPolicies = new Map(), seen?: RuleTargets): Promise<CheckResult[]> {
  return checkSweepRule(SWEEP_RULES[1]!, clients, expected, target, policies, seen);
}
