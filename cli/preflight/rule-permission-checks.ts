// Preflight: may EventBridge invoke each handler for each rule that targets it? (review 18c R18-18, decisions 309, 316)
//
// EventBridge invokes a rule's Lambda target through the function's resource-based policy, not a role: without a
// statement allowing events.amazonaws.com lambda:InvokeFunction for that rule (AWS:SourceArn, the rule's ARN; on a custom
// bus "rule/<bus>/<name>"), a rule that exists, is ENABLED, matches and targets the function never runs it; each refused
// delivery goes to the rule's undelivered-events queue after EventBridge's retries, and the function says nothing. CDK's
// LambdaFunction target adds that statement (AWS::Lambda::Permission, SourceArn Fn::GetAtt Rule.Arn, no SourceAccount).
// - checkRulePermission: the function's policy (lambda:GetPolicy, read once per function and run: FunctionPolicies)
//   judged as the roles' trusts are (service-trust.ts judgeServiceGrant, iam:SimulateCustomPolicy with the rule as
//   aws:SourceArn and its account as aws:SourceAccount): refused (no policy, no statement naming EventBridge, conditions
//   naming another rule, a Deny) is a FAIL; allowed, then probed with another rule of the account (on the same bus) and
//   the rule's own name in an account nobody configured: either allowed is a WARN (any such rule may invoke the function
//   with an event of its choosing); else PASS. The sweeps' checks use it (sweep-checks.ts).
// - checkInvokingRules: every other rule the region's stack writes with a handler as its target (expectations.ts
//   invokingRules: each alarm route, the recoveries rule, the decisions rule, the kill switch's), one line each
//   (rule-permission). An alarm route or the recoveries rule missing or aimed elsewhere is routing's FAIL already
//   (alarm-checks.ts), so it gets no line here; the decisions and kill-switch rules, which nothing else reads, are FAILs.
import { GetPolicyCommand, ListAliasesCommand, ListVersionsByFunctionCommand, type ListAliasesCommandOutput, type ListVersionsByFunctionCommandOutput } from '@aws-sdk/client-lambda';
import { readRule, type AlarmRoute, type LiveRule } from './alarm-checks';
import { probeAccount } from './bus-policy-checks';
import type { ExpectedInvokingRule, PreflightExpectations } from './expectations';
import { EVENTS_SERVICE } from './forwarding-role-checks';
import { LAMBDA_FUNCTION_CALLS, lambdaCallClass, type LambdaCallClass } from './lambda-function-actions';
import { callList, confinedTogether, judgeServiceGrant, type ConfinedGrant, type TrustSource } from './service-trust';
import { awsErrorName, fail, pass, warn, type CheckResult, type PreflightClients, type PreflightTarget, type RuleTargets } from './types';
import { automationRoleNameOf } from '../../shared/config/names';

/** The calls the rules' permission check makes: named in its could-not-check FAIL. */
export const RULE_PERMISSION_ACTIONS = ['events:DescribeRule', 'events:ListTargetsByRule', 'lambda:GetPolicy', 'lambda:ListVersionsByFunction', 'lambda:ListAliases', 'iam:SimulateCustomPolicy'] as const;

/** A rule of the account (on the rule's bus) that is not the one judged: the function's permission must not admit it. */
export const OTHER_RULE_PROBE = 'runbook-preflight-probe-another-rule';

/** A policy of one of the function's published versions or aliases (lambda:GetPolicy with its Qualifier). */
export interface QualifiedPolicy {
  qualifier: string;
  kind: 'version' | 'alias';
  policy: string;
}

/** A function's resource-based policies as read in this run: the function's own (undefined: none), its versions' and aliases'. */
export interface FunctionPolicySet {
  policy: string | undefined;
  qualified: QualifiedPolicy[];
  /** Versions and aliases past QUALIFIER_LIMIT: their policies were not read. */
  unread: number;
}

/** Each function's resource-based policies as read in this run, so one read of each per function. */
export type FunctionPolicies = Map<string, Promise<FunctionPolicySet>>;

/** At most this many versions and aliases of a function are read (a deployed handler has none: CDK publishes no version). */
export const QUALIFIER_LIMIT = 100;

/** lambda:GetPolicy of the function, or of a version or alias (`qualifier`): undefined when it has none. */
async function getPolicy(clients: PreflightClients, functionName: string, qualifier?: string): Promise<string | undefined> {
  try {
    return (await clients.lambda.send(new GetPolicyCommand({ FunctionName: functionName, ...(qualifier !== undefined ? { Qualifier: qualifier } : {}) }))).Policy;
  } catch (error) {
    // Lambda answers ResourceNotFoundException for a function with no resource policy at all (and for no function).
    if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
    return undefined;
  }
}

/**
 * The function's published versions and aliases (lambda:ListVersionsByFunction, lambda:ListAliases, paginated), at most
 * QUALIFIER_LIMIT: each has its own resource-based policy (add-permission --qualifier), and invoking one runs that
 * version's code with the function's role (review 20b R20-22).
 */
async function listQualifiers(clients: PreflightClients, functionName: string): Promise<Array<{ qualifier: string; kind: 'version' | 'alias' }>> {
  const found: Array<{ qualifier: string; kind: 'version' | 'alias' }> = [];
  let marker: string | undefined;
  do {
    const page: ListVersionsByFunctionCommandOutput = await clients.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: functionName, MaxItems: 50, ...(marker ? { Marker: marker } : {}) }));
    for (const v of page.Versions ?? []) if (v.Version && v.Version !== '$LATEST') found.push({ qualifier: v.Version, kind: 'version' });
    marker = page.NextMarker;
  } while (marker && found.length <= QUALIFIER_LIMIT);
  marker = undefined;
  do {
    const page: ListAliasesCommandOutput = await clients.lambda.send(new ListAliasesCommand({ FunctionName: functionName, MaxItems: 50, ...(marker ? { Marker: marker } : {}) }));
    for (const a of page.Aliases ?? []) if (a.Name) found.push({ qualifier: a.Name, kind: 'alias' });
    marker = page.NextMarker;
  } while (marker && found.length <= QUALIFIER_LIMIT);
  return found;
}

/** The function's policies (its own, its versions' and aliases'), once per run: every rule of the function is judged against the same reads. */
export function readFunctionPolicies(clients: PreflightClients, functionName: string, policies: FunctionPolicies): Promise<FunctionPolicySet> {
  const cached = policies.get(functionName);
  if (cached) return cached;
  const read = (async (): Promise<FunctionPolicySet> => {
    const policy = await getPolicy(clients, functionName);
    const qualifiers = await listQualifiers(clients, functionName);
    const qualified: QualifiedPolicy[] = [];
    for (const q of qualifiers.slice(0, QUALIFIER_LIMIT)) {
      const text = await getPolicy(clients, functionName, q.qualifier);
      if (text !== undefined) qualified.push({ ...q, policy: text });
    }
    return { policy, qualified, unread: Math.max(0, qualifiers.length - QUALIFIER_LIMIT) };
  })();
  policies.set(functionName, read);
  return read;
}

/** What the function's resource policy lets EventBridge do for the rule. */
export type RulePermission =
  | { kind: 'allowed'; text: string }
  | { kind: 'refused'; problem: string }
  /**
   * Anyone, or another account, may invoke the function, whatever the rule's permission (review 19 R19-8), or change it
   * or read its code (decision 328): a FAIL, with what they may then do (`consequence`).
   */
  | {
      kind: 'open';
      problem: string;
      consequence: string;
      /** The version or alias whose own policy it is (remove-permission --qualifier). */
      qualifier?: string;
      /**
       * A union over several of the function's policies (decision 362): each policy holding one of its statements, in
       * order (undefined: the function's own).
       */
      across?: Array<string | undefined>;
    }
  /**
   * Allowed for the rule, and for other rules (`admitted`) and/or other principals (`others`), or other calls granted
   * (`otherCalls`): a WARN.
   */
  | { kind: 'too-wide'; text: string; admitted?: string; others?: string; otherCalls?: string };

/** Pure: a rule's ARN in another account, or with another name on the same bus (arn:...:rule/[<bus>/]<name>). */
export function ruleArnLike(ruleArn: string, change: { account?: string; name?: string }): string {
  const parts = ruleArn.split(':');
  if (change.account !== undefined) parts[4] = change.account;
  if (change.name !== undefined) {
    const path = (parts[5] ?? 'rule/').split('/');
    path[path.length - 1] = change.name;
    parts[5] = path.join('/');
  }
  return parts.join(':');
}

/**
 * The principals the deployment itself grants lambda:InvokeFunction on `functionName` besides EventBridge, not reported
 * as others: in cross-account mode the workload's automation role of the region, on the handlers the workload's
 * documents run (expected.workloadInvokedFunctions, infra's list: runbook-stack InvokedByWorkloadRunbooks), and on no
 * other (review 19 R19-14, decision 320). Only the statement shape infra writes is exempt (asDeployedGrant).
 */
export function deployedInvokers(expected: Pick<PreflightExpectations, 'workloadAccount' | 'workloadInvokedFunctions'>, target: PreflightTarget, functionName: string): string[] {
  if (expected.workloadAccount === undefined || expected.workloadAccount === target.account) return [];
  if (!expected.workloadInvokedFunctions?.includes(functionName)) return [];
  return [`arn:${target.partition}:iam::${expected.workloadAccount}:role/${automationRoleNameOf(target.region)}`];
}

/**
 * Pure: is `statement` the one infra writes for a deployed invoker (CDK addPermission with an ArnPrincipal: Allow, one AWS
 * principal, Action lambda:InvokeFunction, Resource the function, nothing else)? Another shape naming the same principal
 * (a Condition, NotAction, another Resource) is judged like any other principal's (review 19 R19-14, decision 320).
 */
export function asDeployedGrant(statement: Record<string, unknown>, functionArn: string): boolean {
  const one = (v: unknown): string | undefined => (typeof v === 'string' ? v : Array.isArray(v) && v.length === 1 ? String(v[0]) : undefined);
  const principal = statement.Principal;
  const keys = Object.keys(statement).filter((k) => k !== 'Sid');
  return (
    statement.Effect === 'Allow' &&
    typeof principal === 'object' &&
    principal !== null &&
    Object.keys(principal).length === 1 &&
    one((principal as { AWS?: unknown }).AWS) !== undefined &&
    one(statement.Action) === 'lambda:InvokeFunction' &&
    one(statement.Resource) === functionArn &&
    keys.every((k) => ['Effect', 'Principal', 'Action', 'Resource'].includes(k))
  );
}

/** The accounts configured besides preflight's own: the workload's in cross-account mode. */
export function configuredAccounts(expected: Pick<PreflightExpectations, 'workloadAccount'>): string[] {
  return expected.workloadAccount === undefined ? [] : [expected.workloadAccount];
}

/**
 * The function's resource-based policy for the rule (decision 309): judged by judgeServiceGrant for events.amazonaws.com
 * lambda:InvokeFunction on `functionArn` with the rule as aws:SourceArn; then another rule of the account on the same bus
 * and the same rule in an account nobody configured, both to be refused. `policies`: this run's reads (one per function);
 * `invokers`: principals the deployment grants the call on purpose (deployedInvokers); `accounts`: the other accounts
 * configured (configuredAccounts): a principal of theirs granted the call is a WARN, of any other account a FAIL.
 */
export async function checkRulePermission(
  clients: PreflightClients,
  target: PreflightTarget,
  functionName: string,
  functionArn: string,
  ruleArn: string,
  policies: FunctionPolicies = new Map(),
  invokers: readonly string[] = [],
  accounts: readonly string[] = [],
): Promise<RulePermission> {
  const { policy, qualified, unread } = await readFunctionPolicies(clients, functionName, policies);
  if (policy === undefined) return { kind: 'refused', problem: `${functionName} has no resource-based policy (lambda:GetPolicy: none), so EventBridge may not invoke it for the rule` };
  const rule = ruleArn.split(':rule/')[1] ?? ruleArn;
  const account = ruleArn.split(':')[4] || target.account;
  const stranger = probeAccount(target.account, account);
  const another = ruleArnLike(ruleArn, { name: OTHER_RULE_PROBE });
  const own: TrustSource = { what: `rule ${rule}`, account, sourceArn: ruleArn };
  const probes: TrustSource[] = [
    { what: `rule ${another.split(':rule/')[1] ?? OTHER_RULE_PROBE} of this account`, account, sourceArn: another, condition: 'AWS:SourceArn' },
    { what: `rule ${rule} of ${stranger}, an account nobody configured`, account: stranger, sourceArn: ruleArnLike(ruleArn, { account: stranger }), condition: 'AWS:SourceArn', stranger: true },
  ];
  const judge = (text: string, resourceArn: string, probed: readonly TrustSource[]) =>
    judgeServiceGrant(clients, {
      policy: text,
      resourceArn,
      service: EVENTS_SERVICE,
      action: 'lambda:InvokeFunction',
      own,
      probes: probed,
      expected: invokers,
      expectedShape: (s) => asDeployedGrant(s, functionArn),
      accounts: [target.account, ...accounts],
      // Every call a function's policy can grant (decision 328), not only the invocation the rule makes.
      alsoActions: LAMBDA_FUNCTION_CALLS.filter((a) => a !== 'lambda:InvokeFunction'),
      classOf: lambdaCallClass,
    });
  const verdict = await judge(policy, functionArn, probes);
  if (verdict.kind === 'open') {
    const { what, consequence } = strangerCalls(verdict.calls, functionName);
    return { kind: 'open', problem: `the resource-based policy of ${functionName} lets anyone, or a principal of an account nobody configured, ${what} (${verdict.principals.join('; ')})`, consequence };
  }
  // Each version's and alias's own policy, judged the same way on its qualified ARN (review 20b R20-22), with the same
  // probes and for every grant (decision 344: 331 reported strangers only): a stranger granted a call there runs that
  // version's code with the function's role (a FAIL); another rule of the account, a principal of our accounts or
  // another call granted there is a WARN, named with its qualifier, as on the function's own policy.
  const onQualifiers = { admitted: [] as string[], others: [] as string[], otherCalls: [] as string[] };
  // Strangers each policy admits only from few addresses (a WARN there), with the policy they are in (decision 362).
  // `where` names the policy in the union's words; `policyOf` maps it back to the qualifier (undefined: the function's own).
  const confined: Array<ConfinedGrant & { where: string }> = (verdict.confined ?? []).map((c) => ({ ...c, where: functionName }));
  const policyOf = new Map<string, string | undefined>([[functionName, undefined]]);
  for (const q of qualified) {
    const onQualifier = await judge(q.policy, `${functionArn}:${q.qualifier}`, probes);
    if (onQualifier.kind === 'open') {
      const { what, consequence } = strangerCalls(onQualifier.calls, functionName);
      return { kind: 'open', problem: `the resource-based policy of ${q.kind} ${q.qualifier} of ${functionName} (${functionName}:${q.qualifier}) lets anyone, or a principal of an account nobody configured, ${what} (${onQualifier.principals.join('; ')})`, consequence, qualifier: q.qualifier };
    }
    const where = ` on ${q.kind} ${q.qualifier} (${functionName}:${q.qualifier})`;
    policyOf.set(`${q.kind} ${q.qualifier} (${functionName}:${q.qualifier})`, q.qualifier);
    confined.push(...(onQualifier.confined ?? []).map((c) => ({ ...c, where: `${q.kind} ${q.qualifier} (${functionName}:${q.qualifier})` })));
    if (onQualifier.kind === 'too-wide') onQualifiers.admitted.push(...onQualifier.admitted.map((p) => `${p.what}${where}`));
    onQualifiers.others.push(...onQualifier.others.map((o) => `${o}${where}`));
    onQualifiers.otherCalls.push(...(onQualifier.otherCalls ?? []).map((o) => `${o}${where}`));
  }
  // The union over the function's own policy and every version's and alias's (decision 362; 356 took it within one):
  // each policy's strangers confined to a few addresses are a WARN alone, but whoever holds an address of any of them
  // reaches the same function and its role, so 200 addresses on the function and 200 on alias live are 400.
  const across = confinedTogether(confined, (a) => lambdaCallClass(a) ?? 'invoke');
  if (across.length > 0) {
    const named = [...new Set(across.flatMap((u) => u.where))].flatMap((w) => (w === undefined ? [] : [w]));
    const calls = [...new Set(across.flatMap((u) => u.calls))];
    const { what, consequence } = strangerCalls(calls, functionName);
    return {
      kind: 'open',
      problem: `the resource-based policies of ${named.join(' and ')}, taken together, let anyone, or a principal of an account nobody configured, ${what} (${across.map((u) => u.text).join('; ')})`,
      consequence,
      across: named.map((w) => policyOf.get(w)),
    };
  }
  if (unread > 0) {
    return { kind: 'open', problem: `${functionName} has more than ${QUALIFIER_LIMIT} versions and aliases, and the resource-based policies of ${unread} were not read (lambda:GetPolicy with Qualifier), so a stranger granted a call on one would go unseen`, consequence: 'delete the versions and aliases no longer used (aws lambda delete-function --qualifier), then run preflight again' };
  }
  const allOthers = [...verdict.others, ...onQualifiers.others];
  const allOtherCalls = [...(verdict.otherCalls ?? []), ...onQualifiers.otherCalls];
  const others = { ...(allOthers.length > 0 ? { others: allOthers.join('; ') } : {}), ...(allOtherCalls.length > 0 ? { otherCalls: allOtherCalls.join('; ') } : {}) };
  const alsoAdmitted = onQualifiers.admitted.length > 0 ? { admitted: onQualifiers.admitted.join(' and ') } : {};
  switch (verdict.kind) {
    case 'not-named':
      return { kind: 'refused', problem: `the resource-based policy of ${functionName} names no ${EVENTS_SERVICE} (it names ${verdict.named.join(', ') || 'nobody'}), so EventBridge may not invoke it for the rule` };
    case 'refused':
      return { kind: 'refused', problem: `the resource-based policy of ${functionName} does not allow ${EVENTS_SERVICE} lambda:InvokeFunction for this rule (AWS:SourceArn ${ruleArn}; iam:SimulateCustomPolicy: ${verdict.decision})` };
    case 'too-wide':
      return {
        kind: 'too-wide',
        text: `the resource-based policy of ${functionName} allows ${EVENTS_SERVICE} to invoke it for this rule`,
        admitted: [...verdict.admitted.map((p) => p.what), ...onQualifiers.admitted].join(' and '),
        ...others,
      };
    case 'admitted':
      if (allOthers.length > 0 || allOtherCalls.length > 0 || onQualifiers.admitted.length > 0) {
        return { kind: 'too-wide', text: `the resource-based policy of ${functionName} allows ${EVENTS_SERVICE} to invoke it for this rule only (AWS:SourceArn)`, ...alsoAdmitted, ...others };
      }
      return { kind: 'allowed', text: `its resource-based policy allows ${EVENTS_SERVICE} to invoke it for this rule only (AWS:SourceArn)` };
  }
}

/** Pure: what a too-wide permission lets others do, in words (`input`: "Input" for a sweep's, "event" for a rule's). */
export function tooWideText(permission: Extract<RulePermission, { kind: 'too-wide' }>, functionName: string, input: string): string {
  return [
    ...(permission.admitted ? [`for ${permission.admitted} too (no AWS:SourceArn condition naming the rule, or a wildcard one): any such rule may invoke ${functionName} with an ${input} of its choosing`] : []),
    ...(permission.others ? [`it also grants lambda:InvokeFunction to ${permission.others}: each may invoke ${functionName} with an input of its choosing`] : []),
    ...(permission.otherCalls ? [`it also grants ${permission.otherCalls}: calls on ${functionName} beyond the rule's`] : []),
  ].join('; and ');
}

/** What a stranger granted these calls may do, for the class of each (decision 328), most harmful first. */
const CLASS_WORDS: ReadonlyArray<{ class: LambdaCallClass; what: string; then: (fn: string) => string }> = [
  { class: 'invoke', what: 'invoke it', then: (fn) => `they may invoke ${fn} with an input of their choosing` },
  { class: 'permissions', what: 'change who may call it', then: (fn) => `they may grant themselves, or anyone, any call on ${fn}` },
  { class: 'write', what: 'change it', then: (fn) => `they may change ${fn} (its code, which then runs with its role, its configuration or concurrency) or delete it` },
  { class: 'code', what: 'read its code or environment', then: (fn) => `they may read ${fn}'s code and environment variables` },
];

/** Pure: the words for an 'open' verdict's calls: "invoke it" for an invocation alone (the text before decision 328). */
export function strangerCalls(calls: readonly string[], functionName: string): { what: string; consequence: string } {
  const words = CLASS_WORDS.map((w) => ({ ...w, calls: calls.filter((c) => (lambdaCallClass(c) ?? 'invoke') === w.class) })).filter((w) => w.calls.length > 0);
  const onlyInvoke = words.length === 1 && words[0]?.class === 'invoke';
  const what = onlyInvoke ? 'invoke it' : words.map((w) => `${w.what} (${callList(w.calls)})`).join(', ');
  return { what, consequence: words.map((w) => w.then(functionName)).join('; ') };
}

/** Pure: the command that removes the stranger's statement (from the version's or alias's own policy if it is there). */
export function removePermission(functionName: string, permission: Extract<RulePermission, { kind: 'open' }>): string {
  const command = (qualifier: string | undefined): string => `aws lambda remove-permission --function-name ${functionName}${qualifier !== undefined ? ` --qualifier ${qualifier}` : ''} --statement-id <its Sid>`;
  if (permission.across === undefined) return command(permission.qualifier);
  // A union over several policies (decision 362): a statement of each, or their aws:SourceIp narrowed to the bound in all.
  return `${permission.across.map(command).join(', and ')} (or narrow their aws:SourceIp to at most 256 IPv4 and a /56 of IPv6 addresses in all)`;
}

/** The fix for a permission AWS allows but that admits other rules: confine it to the rule (or redeploy). */
export function confinePermissionFix(functionName: string, statementId: string, ruleArn: string, deploy: string): string {
  return `confine the statement to the rule: aws lambda remove-permission --function-name ${functionName} --statement-id <the broad statement's Sid>, then aws lambda add-permission --function-name ${functionName} --statement-id ${statementId} --action lambda:InvokeFunction --principal ${EVENTS_SERVICE} --source-arn ${ruleArn}; or ${deploy}`;
}

const targetsFunction = (targets: readonly string[], functionArn: string): boolean => targets.some((t) => t === functionArn || t.startsWith(`${functionArn}:`));

/** The bus a rule is on in this run: the alarms' (the project's bus in cross-account mode), the project's, or the default. */
function busOf(rule: ExpectedInvokingRule, expected: PreflightExpectations, route: AlarmRoute): string | undefined {
  if (rule.bus === 'project') return expected.eventBusName;
  if (rule.bus === 'alarms') return route.eventBusName;
  return undefined;
}

/**
 * One line per rule of expected.invokingRules (the sweeps are their own checks'): the function's permission for it. A rule
 * routing already reads (routedElsewhere) that is missing or aimed elsewhere gets no line; another is a FAIL here.
 */
export async function checkInvokingRules(
  clients: PreflightClients,
  expected: PreflightExpectations,
  target: PreflightTarget,
  handlerFunctionArns: ReadonlyMap<string, string>,
  route: AlarmRoute = {},
  policies: FunctionPolicies = new Map(),
  seen?: RuleTargets,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const rules = new Map<string, LiveRule>();
  const deployStack = `npx cdk deploy -c environment=${expected.environment} -c region=${target.region} NotificationRunbooks-${expected.environment}-${target.region}`;
  for (const spec of expected.invokingRules) {
    const bus = busOf(spec, expected, route);
    const onBus = bus ? `on bus ${bus}` : 'on the default bus';
    const functionArn = handlerFunctionArns.get(spec.handler) ?? `arn:${target.partition}:lambda:${target.region}:${target.account}:function:${spec.functionName}`;
    const deploy = `${deployStack} (the runbook stack writes the rule and its Lambda permission: infra ${spec.construct})`;
    const rule = await readRule(clients, spec.ruleName, rules, bus, seen);
    const named = `rule ${spec.ruleName} ${onBus}`;
    if (!rule || !targetsFunction(rule.targets, functionArn)) {
      if (spec.routedElsewhere) continue; // routing's rule-exists / rule-target / ok-reaches-escalate FAIL says it
      const problem = rule ? `does not target ${spec.functionName} (targets: ${rule.targets.join(', ') || 'none'})` : 'does not exist';
      results.push(fail('routing', 'rule-permission', spec.ruleName, `${named} ${problem}: ${spec.lost}`, deploy));
      continue;
    }
    // The rule's own ARN as EventBridge names it in aws:SourceArn when it invokes the target (DescribeRule's Arn).
    const ruleArn = rule.arn ?? `arn:${target.partition}:events:${target.region}:${target.account}:rule/${bus ? `${bus}/` : ''}${spec.ruleName}`;
    const permission = await checkRulePermission(clients, target, spec.functionName, functionArn, ruleArn, policies, deployedInvokers(expected, target, spec.functionName), configuredAccounts(expected));
    const invokes = `${named} targets ${spec.functionName}`;
    if (permission.kind === 'refused') {
      results.push(fail('routing', 'rule-permission', spec.ruleName, `${invokes}, but ${permission.problem}: ${spec.lost}`, deploy));
    } else if (permission.kind === 'open') {
      // Review 19 R19-8: the rule delivers, but anyone the statement admits may invoke the handler with an event they write.
      results.push(
        fail('routing', 'rule-permission', spec.ruleName, `${invokes}, but ${permission.problem}: ${permission.consequence}`, `remove the statement: ${removePermission(spec.functionName, permission)}; or ${deploy}`),
      );
    } else if (permission.kind === 'too-wide') {
      results.push(warn('routing', 'rule-permission', spec.ruleName, `${invokes}, and ${permission.text}, but ${tooWideText(permission, spec.functionName, 'event')}`, confinePermissionFix(spec.functionName, spec.statementId, ruleArn, deploy)));
    } else {
      results.push(pass('routing', 'rule-permission', spec.ruleName, `${invokes}; ${permission.text}`));
    }
  }
  return results;
}
