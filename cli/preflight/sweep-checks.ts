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
//   rule (AWS:SourceArn) never runs it, and says nothing. The policy is read (lambda:GetPolicy) and judged as the
//   roles' trusts are (service-trust.ts judgeServiceGrant: the statements naming EventBridge, to
//   iam:SimulateCustomPolicy with the rule as aws:SourceArn and its account as aws:SourceAccount): refused (no policy,
//   no statement naming EventBridge, conditions naming another rule, a Deny) is a FAIL; allowed, then probed with
//   another rule of the account and the rule's name in an account nobody configured: either allowed (a statement with
//   no AWS:SourceArn condition, or a wildcard one: any rule may invoke the sweep) is a WARN; else PASS.
import { DescribeRuleCommand, ListTargetsByRuleCommand, type DescribeRuleCommandOutput, type Target } from '@aws-sdk/client-eventbridge';
import { GetPolicyCommand } from '@aws-sdk/client-lambda';
import { SWEEP_EVERY_MINUTES, SWEEP_INPUT } from '../../shared/config/automation-health';
import { ESCALATION_SWEEP_RULE, VERIFY_HANDLER, VERIFY_SWEEP_RULE } from '../../shared/config/names';
import { probeAccount } from './bus-policy-checks';
import { TIMER_HANDLER, type PreflightExpectations } from './expectations';
import { EVENTS_SERVICE } from './forwarding-role-checks';
import { judgeServiceGrant, type TrustSource } from './service-trust';
import { awsErrorName, fail, pass, warn, type CheckResult, type PreflightClients, type PreflightTarget } from './types';

/** The calls this check makes: named in its could-not-check FAIL. */
export const SWEEP_CHECK_ACTIONS = ['events:DescribeRule', 'events:ListTargetsByRule', 'lambda:GetPolicy', 'iam:SimulateCustomPolicy'] as const;

/** A rule of the account that is not the sweep's: the function's permission must not let EventBridge invoke it for that one. */
export const OTHER_SWEEP_RULE_PROBE = 'runbook-preflight-probe-not-the-sweep';

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

/** What the function's resource policy lets EventBridge do for the sweep rule. */
export type SweepPermission =
  | { kind: 'allowed'; text: string }
  | { kind: 'refused'; problem: string }
  /** Anyone, or another account, may invoke the function, whatever the rule's permission (decision 311): a FAIL. */
  | { kind: 'open'; problem: string }
  /** Allowed for the rule, and for other rules (`admitted`) and/or other principals (`others`): a WARN. */
  | { kind: 'too-wide'; text: string; admitted?: string; others?: string };

/**
 * The function's resource-based policy for the sweep rule (review 18c R18-18, decision 309): lambda:GetPolicy, judged by
 * judgeServiceGrant for events.amazonaws.com lambda:InvokeFunction on `functionArn` with the rule as aws:SourceArn; then
 * another rule of the account and the same rule's name in an account nobody configured, both to be refused.
 */
export async function checkSweepPermission(clients: PreflightClients, target: PreflightTarget, functionName: string, functionArn: string, ruleArn: string): Promise<SweepPermission> {
  let policy: string | undefined;
  try {
    policy = (await clients.lambda.send(new GetPolicyCommand({ FunctionName: functionName }))).Policy;
  } catch (error) {
    // Lambda answers ResourceNotFoundException for a function with no resource policy at all (and for no function).
    if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
  }
  if (policy === undefined) return { kind: 'refused', problem: `${functionName} has no resource-based policy (lambda:GetPolicy: none), so EventBridge may not invoke it for the rule` };
  const rule = ruleArn.split(':rule/')[1] ?? ruleArn;
  const stranger = probeAccount(target.account);
  const own: TrustSource = { what: `rule ${rule}`, account: target.account, sourceArn: ruleArn };
  const probes: TrustSource[] = [
    { what: `rule ${OTHER_SWEEP_RULE_PROBE} of this account`, account: target.account, sourceArn: `arn:${target.partition}:events:${target.region}:${target.account}:rule/${OTHER_SWEEP_RULE_PROBE}`, condition: 'AWS:SourceArn' },
    { what: `rule ${rule} of ${stranger}, an account nobody configured`, account: stranger, sourceArn: `arn:${target.partition}:events:${target.region}:${stranger}:rule/${rule}`, condition: 'AWS:SourceArn' },
  ];
  const verdict = await judgeServiceGrant(clients, { policy, resourceArn: functionArn, service: EVENTS_SERVICE, action: 'lambda:InvokeFunction', own, probes });
  if (verdict.kind === 'open') {
    return { kind: 'open', problem: `the resource-based policy of ${functionName} lets anyone or another account invoke it, with no condition (${verdict.principals.join('; ')})` };
  }
  const others = verdict.others.length > 0 ? { others: verdict.others.join('; ') } : {};
  switch (verdict.kind) {
    case 'not-named':
      return { kind: 'refused', problem: `the resource-based policy of ${functionName} names no ${EVENTS_SERVICE} (it names ${verdict.named.join(', ') || 'nobody'}), so EventBridge may not invoke it for the rule` };
    case 'refused':
      return { kind: 'refused', problem: `the resource-based policy of ${functionName} does not allow ${EVENTS_SERVICE} lambda:InvokeFunction for this rule (AWS:SourceArn ${ruleArn}; iam:SimulateCustomPolicy: ${verdict.decision})` };
    case 'too-wide':
      return {
        kind: 'too-wide',
        text: `the resource-based policy of ${functionName} allows ${EVENTS_SERVICE} to invoke it for this rule`,
        admitted: verdict.admitted.map((p) => p.what).join(' and '),
        ...others,
      };
    case 'admitted':
      if (verdict.others.length > 0) return { kind: 'too-wide', text: `the resource-based policy of ${functionName} allows ${EVENTS_SERVICE} to invoke it for this rule only (AWS:SourceArn)`, ...others };
      return { kind: 'allowed', text: `its resource-based policy allows ${EVENTS_SERVICE} to invoke it for this rule only (AWS:SourceArn)` };
  }
}

async function checkSweepRule(spec: SweepRuleSpec, clients: PreflightClients, expected: PreflightExpectations, target: PreflightTarget): Promise<CheckResult[]> {
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
  const problems = sweepRuleProblems(rule, targets, functionArn);
  // The rule's own ARN, as EventBridge names it in aws:SourceArn when it invokes the target.
  const ruleArn = rule?.Arn ?? `arn:${target.partition}:events:${target.region}:${target.account}:rule/${spec.ruleName}`;
  const deploy = `npx cdk deploy -c environment=${expected.environment} -c region=${target.region} NotificationRunbooks-${expected.environment}-${target.region} (the runbook stack writes the rule and its Lambda permission: infra ${spec.construct})`;
  const failed = (): CheckResult[] => [fail('routing', spec.check, spec.ruleName, `rule ${spec.ruleName}: ${problems.join('; ')}: ${spec.lost}`, deploy)];
  if (!rule) return failed();
  const permission = await checkSweepPermission(clients, target, lane.targetFunctionName, functionArn, ruleArn);
  if (permission.kind === 'refused') {
    problems.push(permission.problem);
    return failed();
  }
  if (problems.length > 0) return failed();
  const invokes = `rule ${spec.ruleName} invokes ${lane.targetFunctionName} ${SWEEP_SCHEDULE_EXPRESSION} with ${JSON.stringify(SWEEP_INPUT)}`;
  if (permission.kind === 'open') {
    // Review 19 R19-8 (decision 311): the sweep runs, but anyone the statement admits may invoke the function with an
    // input of their choosing (a sweep, or one timer / health check they make up).
    return [
      fail(
        'routing',
        spec.check,
        spec.ruleName,
        `${invokes}, but ${permission.problem}: they may invoke ${lane.targetFunctionName} with an input of their choosing`,
        `remove the statement: aws lambda remove-permission --function-name ${lane.targetFunctionName} --statement-id <its Sid>; or ${deploy}`,
      ),
    ];
  }
  if (permission.kind === 'too-wide') {
    // AWS allows a permission without AWS:SourceArn; the sweep runs, but any rule (of any account the policy admits) may
    // invoke it with an Input of its choosing, and the function then does what that Input asks. So may any other
    // principal the policy grants lambda:InvokeFunction (decision 311).
    const wide = [
      ...(permission.admitted ? [`for ${permission.admitted} too (no AWS:SourceArn condition naming the rule, or a wildcard one): any such rule may invoke ${lane.targetFunctionName} with an Input of its choosing`] : []),
      ...(permission.others ? [`it also grants lambda:InvokeFunction to ${permission.others}: each may invoke ${lane.targetFunctionName} with an input of its choosing`] : []),
    ];
    return [
      warn(
        'routing',
        spec.check,
        spec.ruleName,
        `${invokes}, and ${permission.text}, but ${wide.join('; and ')}`,
        `confine the statement to the rule: aws lambda remove-permission --function-name ${lane.targetFunctionName} --statement-id <the broad statement's Sid>, then aws lambda add-permission --function-name ${lane.targetFunctionName} --statement-id ${spec.construct} --action lambda:InvokeFunction --principal ${EVENTS_SERVICE} --source-arn ${ruleArn}; or ${deploy}`,
      ),
    ];
  }
  return [pass('routing', spec.check, spec.ruleName, `${invokes}; ${permission.text}: ${spec.passes}`)];
}

/** The sweep rule, where escalation-timer's lane is expected (none where the region deploys no escalation-timer). */
export async function checkEscalationSweep(clients: PreflightClients, expected: PreflightExpectations, target: PreflightTarget): Promise<CheckResult[]> {
  return checkSweepRule(SWEEP_RULES[0]!, clients, expected, target);
}

/** The verify sweep's rule, where verify-change's lane is expected (none where the region deploys no verify-change; decision 293). */
export async function checkVerifySweep(clients: PreflightClients, expected: PreflightExpectations, target: PreflightTarget): Promise<CheckResult[]> {
  return checkSweepRule(SWEEP_RULES[1]!, clients, expected, target);
}
