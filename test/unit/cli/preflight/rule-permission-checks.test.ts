// Preflight: every rule that targets a handler (the alarm routes, the recoveries, decisions and kill-switch rules) needs
// the function's Lambda permission for that rule, or EventBridge never invokes it (decision 316; the sweeps' in 309).
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient, SimulateCustomPolicyCommand } from '@aws-sdk/client-iam';
import { GetPolicyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { invokingRules } from '../../../../cli/preflight/expectations';
import { checkInvokingRules, deployedInvokers, OTHER_RULE_PROBE, ruleArnLike, RULE_PERMISSION_ACTIONS, type FunctionPolicies } from '../../../../cli/preflight/rule-permission-checks';
import { checkEscalationSweep } from '../../../../cli/preflight/sweep-checks';
import { automationRoleNameOf } from '../../../../shared/config/names';
import { ACCOUNT, awsError, clients, expectationsFor, noVersionsOrAliases, REGION, simulateCustomPolicyAsAws, TARGET } from './support';

const events = mockClient(EventBridgeClient);
const lambda = mockClient(LambdaClient);
const iam = mockClient(IAMClient);
const BUS = 'notification-runbooks';
const fnArn = (name: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
/** A rule's ARN as EventBridge names it: "rule/<name>" on the default bus, "rule/<bus>/<name>" on a custom one. */
const ruleArn = (rule: string, bus?: string, account = ACCOUNT): string => `arn:aws:events:${REGION}:${account}:rule/${bus ? `${bus}/` : ''}${rule}`;
const ESCALATE = 'notification-runbooks-escalate';

/** The statement CDK's LambdaFunction target synthesizes (AWS::Lambda::Permission, SourceArn the rule), as GetPolicy returns it. */
const invokeFor = (functionName: string, sourceArn: string | undefined, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  Sid: `AllowEventRule${sourceArn?.split('/').pop() ?? 'any'}`,
  Effect: 'Allow',
  Principal: { Service: 'events.amazonaws.com' },
  Action: 'lambda:InvokeFunction',
  Resource: fnArn(functionName),
  ...(sourceArn ? { Condition: { ArnLike: { 'AWS:SourceArn': sourceArn } } } : {}),
  ...overrides,
});
const policyOf = (statements: Array<Record<string, unknown>>): string => JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements });

type Mode = 'single' | 'cross';
/** The deployment as infra writes it: each expected rule on its bus, targeting its function, and one statement per rule. */
function deployed(mode: Mode, edit: { statements?: (fn: string, statements: Array<Record<string, unknown>>) => Array<Record<string, unknown>>; missing?: string[]; retarget?: Record<string, string> } = {}): void {
  const expected = expectationsFor('production', mode === 'cross' ? 'cross-account' : 'single-account');
  const busOf = (bus: 'alarms' | 'project' | 'default'): string | undefined => (bus === 'project' || (bus === 'alarms' && mode === 'cross') ? BUS : undefined);
  const byFunction = new Map<string, Array<Record<string, unknown>>>();
  for (const rule of expected.invokingRules) {
    const bus = busOf(rule.bus);
    byFunction.set(rule.functionName, [...(byFunction.get(rule.functionName) ?? []), invokeFor(rule.functionName, ruleArn(rule.ruleName, bus))]);
    const input = { Name: rule.ruleName, ...(bus ? { EventBusName: bus } : {}) };
    if (edit.missing?.includes(rule.ruleName)) {
      events.on(DescribeRuleCommand, input).rejects(awsError('ResourceNotFoundException', `Rule ${rule.ruleName} does not exist.`));
      continue;
    }
    events.on(DescribeRuleCommand, input).resolves({ Name: rule.ruleName, Arn: ruleArn(rule.ruleName, bus), State: 'ENABLED', EventPattern: '{}' });
    events.on(ListTargetsByRuleCommand, { Rule: rule.ruleName, ...(bus ? { EventBusName: bus } : {}) }).resolves({ Targets: [{ Id: 'Target0', Arn: fnArn(edit.retarget?.[rule.ruleName] ?? rule.functionName) }] });
  }
  lambda.on(GetPolicyCommand).callsFake((input: { FunctionName: string }) => {
    const statements = (edit.statements ?? ((_fn, st) => st))(input.FunctionName, byFunction.get(input.FunctionName) ?? []);
    if (statements.length === 0) throw awsError('ResourceNotFoundException', 'The resource you requested does not exist.');
    return { Policy: policyOf(statements), RevisionId: 'r1' };
  });
  simulateCustomPolicyAsAws(iam);
}
const run = (mode: Mode, policies?: FunctionPolicies) => {
  const expected = expectationsFor('production', mode === 'cross' ? 'cross-account' : 'single-account');
  return checkInvokingRules(clients(), expected, TARGET, new Map(), mode === 'cross' ? { eventBusName: BUS } : {}, policies);
};
const lines = (results: Awaited<ReturnType<typeof run>>): string[] => results.map((r) => `${r.status} ${r.check} ${r.subject}`);

describe('invokingRules (pure)', () => {
  it("lists infra's rules that target a handler: one alarm route per handler an alarm names, decisions, kill switch, recoveries", () => {
    const expected = expectationsFor('production');
    expect(expected.invokingRules.map((r) => `${r.ruleName} ${r.bus} -> ${r.functionName} (${r.construct})`)).toEqual([
      ...expected.handlers.filter((h) => h.ruleName).map((h) => `${h.ruleName ?? ''} alarms -> ${h.functionName} (AlarmRouting ${h.name})`),
      `notification-runbooks-escalate-decisions project -> ${ESCALATE} (EscalationRouting Decisions)`,
      `notification-runbooks-kill-switch-changes default -> ${ESCALATE} (EscalationRouting KillSwitchChanges)`,
      `notification-runbooks-escalate-recoveries alarms -> ${ESCALATE} (EscalationRouting AlarmRecoveries)`,
    ]);
    expect(expected.handlers.filter((h) => h.ruleName)).toHaveLength(6);
  });

  it('has no recoveries rule where every alarm is escalate\'s own (it gets their every state change), and no escalate rule without escalate', () => {
    const expected = expectationsFor('production');
    const escalateOnly = expected.alarms.map((a) => ({ ...a, handler: 'escalate' }));
    expect(invokingRules(expected.handlers, escalateOnly).map((r) => r.ruleName)).not.toContain('notification-runbooks-escalate-recoveries');
    expect(invokingRules(expected.handlers.filter((h) => h.name !== 'escalate'), expected.alarms).map((r) => r.handler)).not.toContain('escalate');
  });
});

describe('ruleArnLike (pure)', () => {
  it.each([
    [ruleArn('r'), { name: 'p' }, ruleArn('p')],
    [ruleArn('r', BUS), { name: 'p' }, ruleArn('p', BUS)],
    [ruleArn('r', BUS), { account: '999999999999' }, ruleArn('r', BUS, '999999999999')],
  ])('%s with %j is %s', (arn, change, want) => {
    expect(ruleArnLike(arn, change)).toBe(want);
  });
});

describe('checkInvokingRules', () => {
  beforeEach(() => {
    events.reset();
    lambda.reset();
    noVersionsOrAliases(lambda);
    iam.reset();
  });

  it.each<[Mode, string]>([
    ['single', 'on the default bus'],
    ['cross', `on bus ${BUS}`],
  ])('%s account: PASS for each rule with the statement CDK synthesizes, the alarm routes %s, one GetPolicy per function', async (mode, alarmsBus) => {
    deployed(mode);
    const results = await run(mode);
    const expected = expectationsFor('production', mode === 'cross' ? 'cross-account' : 'single-account');
    expect(results.map((r) => `${r.status} ${r.message}`)).toEqual(
      expected.invokingRules.map((r) => {
        const bus = r.bus === 'project' ? `on bus ${BUS}` : r.bus === 'alarms' ? alarmsBus : 'on the default bus';
        return `PASS rule ${r.ruleName} ${bus} targets ${r.functionName}; its resource-based policy allows events.amazonaws.com to invoke it for this rule only (AWS:SourceArn)`;
      }),
    );
    // escalate is the target of three rules: its policy read once.
    const reads = lambda.commandCalls(GetPolicyCommand).map((c) => c.args[0].input.FunctionName);
    expect(reads.filter((f) => f === ESCALATE)).toHaveLength(1);
    expect(reads).toHaveLength(new Set(expected.invokingRules.map((r) => r.functionName)).size);
    // The decisions rule read on the project's bus; cross-account, the alarm routes and recoveries there too.
    expect(events.commandCalls(DescribeRuleCommand).map((c) => c.args[0].input)).toEqual(
      expected.invokingRules.map((r) => ({ Name: r.ruleName, ...(r.bus === 'project' || (r.bus === 'alarms' && mode === 'cross') ? { EventBusName: BUS } : {}) })),
    );
    // Judged with the rule's own ARN (the bus in it) as aws:SourceArn, then the two probes.
    const decisions = ruleArn('notification-runbooks-escalate-decisions', BUS);
    const contexts = iam.commandCalls(SimulateCustomPolicyCommand).map((c) => (c.args[0].input.ContextEntries ?? []).find((e) => e.ContextKeyName === 'aws:SourceArn')?.ContextKeyValues?.[0]);
    expect(contexts).toEqual(expect.arrayContaining([decisions, ruleArn(OTHER_RULE_PROBE, BUS), ruleArn('notification-runbooks-escalate-decisions', BUS, '999999999999')]));
  });

  it('the policy cache is shared with the sweeps: escalation-timer and escalate each read once in a run', async () => {
    deployed('single');
    const policies: FunctionPolicies = new Map();
    await run('single', policies);
    await run('single', policies);
    await checkEscalationSweep(clients(), expectationsFor('production'), TARGET, policies).catch(() => []);
    expect(lambda.commandCalls(GetPolicyCommand).filter((c) => c.args[0].input.FunctionName === ESCALATE)).toHaveLength(1);
  });

  it.each<[string, Mode, Parameters<typeof deployed>[1], string[], string]>([
    [
      "an alarm route's statement gone (its function has no policy)",
      'single',
      { statements: (fn, st) => (fn === 'notification-runbooks-scale-consumers' ? [] : st) },
      ['FAIL rule-permission notification-runbooks-scale-consumers'],
      'rule notification-runbooks-scale-consumers on the default bus targets notification-runbooks-scale-consumers, but notification-runbooks-scale-consumers has no resource-based policy (lambda:GetPolicy: none), so EventBridge may not invoke it for the rule: scale-consumers never runs for the state changes of',
    ],
    [
      "escalate's decisions statement gone, its other two kept",
      'single',
      { statements: (_fn, st) => st.filter((s) => !String(s.Sid).endsWith('escalate-decisions')) },
      ['FAIL rule-permission notification-runbooks-escalate-decisions'],
      `(AWS:SourceArn ${ruleArn('notification-runbooks-escalate-decisions', BUS)}; iam:SimulateCustomPolicy: implicitDeny): no runbook decision reaches escalate`,
    ],
    [
      'cross-account: a statement naming the rule on the default bus, not the project bus it is on',
      'cross',
      { statements: (fn, st) => (fn === 'notification-runbooks-alert-error-rate' ? [invokeFor(fn, ruleArn('notification-runbooks-alert-error-rate'))] : st) },
      ['FAIL rule-permission notification-runbooks-alert-error-rate'],
      `does not allow events.amazonaws.com lambda:InvokeFunction for this rule (AWS:SourceArn ${ruleArn('notification-runbooks-alert-error-rate', BUS)}`,
    ],
    [
      'a statement for SNS only',
      'single',
      { statements: (fn, st) => (fn === 'notification-runbooks-check-db-connections' ? [invokeFor(fn, `arn:aws:sns:${REGION}:${ACCOUNT}:ours`, { Principal: { Service: 'sns.amazonaws.com' } })] : st) },
      ['FAIL rule-permission notification-runbooks-check-db-connections'],
      'names no events.amazonaws.com (it names {"Service":"sns.amazonaws.com"})',
    ],
    [
      'a Deny of EventBridge beside the grant',
      'single',
      { statements: (fn, st) => (fn === 'notification-runbooks-raise-lambda-memory' ? [...st, invokeFor(fn, undefined, { Sid: 'Deny', Effect: 'Deny' })] : st) },
      ['FAIL rule-permission notification-runbooks-raise-lambda-memory'],
      'iam:SimulateCustomPolicy: explicitDeny',
    ],
    [
      'anyone may invoke the handler besides the rule (Principal "*", review 19 R19-8)',
      'single',
      { statements: (fn, st) => (fn === 'notification-runbooks-alert-error-rate' ? [...st, { Sid: 'Anyone', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: fnArn(fn) }] : st) },
      ['FAIL rule-permission notification-runbooks-alert-error-rate'],
      'lets anyone, or a principal of an account nobody configured, invoke it',
    ],
    [
      'the decisions rule deleted (nothing else reads it)',
      'single',
      { missing: ['notification-runbooks-escalate-decisions'] },
      ['FAIL rule-permission notification-runbooks-escalate-decisions'],
      `rule notification-runbooks-escalate-decisions on bus ${BUS} does not exist: no runbook decision reaches escalate`,
    ],
    [
      'the kill-switch rule aimed at another function',
      'single',
      { retarget: { 'notification-runbooks-kill-switch-changes': 'other' } },
      ['FAIL rule-permission notification-runbooks-kill-switch-changes'],
      `rule notification-runbooks-kill-switch-changes on the default bus does not target ${ESCALATE} (targets: ${fnArn('other')}): a change of the kill switch`,
    ],
    [
      "an alarm route deleted or the recoveries rule aimed elsewhere: routing's FAIL, no line here",
      'single',
      { missing: ['notification-runbooks-scale-consumers'], retarget: { 'notification-runbooks-escalate-recoveries': 'other' } },
      [],
      '',
    ],
  ])('%s: named alone', async (_what, mode, edit, failed, text) => {
    deployed(mode, edit);
    const results = await run(mode);
    const notPassing = results.filter((r) => r.status !== 'PASS');
    expect(lines(notPassing)).toEqual(failed);
    if (text) expect(notPassing[0]?.message).toContain(text);
    if (failed.length > 0) expect(notPassing[0]?.fix).toMatch(/npx cdk deploy -c environment=production .*\(the runbook stack writes the rule and its Lambda permission: infra (AlarmRouting|EscalationRouting) /);
  });

  it('FAIL for a statement with no condition (review 19 R19-13, decision 320): a rule of an account nobody configured may invoke it', async () => {
    const fn = 'notification-runbooks-scale-up-database';
    deployed('single', { statements: (f, st) => (f === fn ? [invokeFor(fn, undefined)] : st) });
    const notPassing = (await run('single')).filter((r) => r.status !== 'PASS');
    expect(lines(notPassing)).toEqual([`FAIL rule-permission ${fn}`]);
    expect(notPassing[0]?.message).toContain(`(Service events.amazonaws.com for rule ${fn} of 999999999999, an account nobody configured (iam:SimulateCustomPolicy: admitted))`);
  });

  // Decision 328: a stranger granted another call than the invocation (here the code's replacement) is a FAIL on every
  // rule of the function, saying what the stranger may then do. Escalate's policy serves its 3 rules: each line says it.
  it('FAIL on each of escalate\'s rules when anyone may UpdateFunctionCode (add-permission --principal "*" --action lambda:UpdateFunctionCode)', async () => {
    deployed('single', { statements: (f, st) => (f === ESCALATE ? [...st, { Sid: 'Replace', Effect: 'Allow', Principal: '*', Action: 'lambda:UpdateFunctionCode', Resource: fnArn(f) }] : st) });
    const notPassing = (await run('single')).filter((r) => r.status !== 'PASS');
    expect(lines(notPassing)).toEqual(['notification-runbooks-escalate-decisions', 'notification-runbooks-kill-switch-changes', 'notification-runbooks-escalate-recoveries'].map((r) => `FAIL rule-permission ${r}`));
    for (const r of notPassing) {
      expect(r.message).toContain(
        `but the resource-based policy of ${ESCALATE} lets anyone, or a principal of an account nobody configured, change it (lambda:UpdateFunctionCode) (statement Replace: Principal "*" (Action lambda:UpdateFunctionCode)): they may change ${ESCALATE} (its code, which then runs with its role, its configuration or concurrency) or delete it`,
      );
      expect(r.fix).toContain(`aws lambda remove-permission --function-name ${ESCALATE} --statement-id <its Sid>`);
    }
  });

  // Review 19 R19-18, decision 321: a statement admitting another real account (named in its Condition) is probed with
  // that account, not only with the invented 999999999999.
  it.each<[string, Record<string, unknown>, string]>([
    ['ArnLike AWS:SourceArn on its rules', { ArnLike: { 'AWS:SourceArn': 'arn:aws:events:us-east-1:777788889999:rule/*' } }, 'arn:aws:events:us-east-1:777788889999:rule/runbook-preflight-probe-stranger of 777788889999'],
    ['StringEquals AWS:SourceAccount', { StringEquals: { 'AWS:SourceAccount': '777788889999' } }, 'of 777788889999, an account nobody configured (its Condition names AWS:SourceAccount 777788889999)'],
    ['aws:SourceArn naming one rule of it', { ArnEquals: { 'aws:SourceArn': 'arn:aws:events:us-east-1:777788889999:rule/evil' } }, 'arn:aws:events:us-east-1:777788889999:rule/evil of 777788889999'],
    ['a wildcard account position on another rule name', { ArnLike: { 'AWS:SourceArn': 'arn:aws:events:us-east-1:*:rule/evil' } }, 'arn:aws:events:us-east-1:999999999999:rule/evil of 999999999999'],
  ])('FAIL for our statement plus an events statement admitting an unconfigured account: %s (R19-18)', async (_what, condition, named) => {
    const fn = 'notification-runbooks-scale-up-database';
    deployed('single', { statements: (f, st) => (f === fn ? [...st, invokeFor(fn, undefined, { Sid: 'Other', Condition: condition })] : st) });
    const notPassing = (await run('single')).filter((r) => r.status !== 'PASS');
    expect(lines(notPassing)).toEqual([`FAIL rule-permission ${fn}`]);
    expect(notPassing[0]?.message).toContain(named);
    expect(notPassing[0]?.message).toContain('iam:SimulateCustomPolicy: admitted');
  });

  // Review 19 R19-14, decision 320: the workload's automation role is exempt only on the handlers infra grants it (those
  // the workload's documents invoke) and only as infra writes the grant.
  const WORKLOAD = '444455556666';
  const INVOKED = 'notification-runbooks-scale-up-database';
  const withWorkload = { ...expectationsFor('production', 'cross-account', { environments: { production: { accountId: WORKLOAD } } }), workloadInvokedFunctions: [INVOKED] };
  const role = `arn:aws:iam::${WORKLOAD}:role/${automationRoleNameOf(REGION)}`;
  const grantRole = (fn: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ Sid: 'InvokedByWorkloadRunbooks', Effect: 'Allow', Principal: { AWS: role }, Action: 'lambda:InvokeFunction', Resource: fnArn(fn), ...extra });
  const runWorkload = () => checkInvokingRules(clients(), withWorkload, TARGET, new Map(), { eventBusName: BUS });

  it('cross-account: the role granted as infra writes it, on a handler its documents invoke, is the deployment\'s (PASS)', async () => {
    expect(deployedInvokers(withWorkload, TARGET, INVOKED)).toEqual([role]);
    expect(deployedInvokers(withWorkload, TARGET, ESCALATE)).toEqual([]);
    deployed('cross', { statements: (f, st) => (f === INVOKED ? [...st, grantRole(f)] : st) });
    const results = await runWorkload();
    expect(results.filter((r) => r.status !== 'PASS')).toEqual([]);
    expect(results.map((r) => r.subject)).toContain(INVOKED);
  });

  it.each<[string, string, Record<string, unknown>]>([
    ['on escalate, which no workload document invokes', ESCALATE, {}],
    ['under a Condition', INVOKED, { Condition: { Bool: { 'aws:SecureTransport': 'true' } } }],
    ['with NotAction', INVOKED, { Action: undefined, NotAction: 'lambda:GetFunction' }],
  ])('cross-account: the workload automation role granted %s is reported, not exempt', async (_what, fn, overrides) => {
    deployed('cross', { statements: (f, st) => (f === fn ? [...st, grantRole(f, overrides)] : st) });
    const notPassing = (await runWorkload()).filter((r) => r.status !== 'PASS');
    expect(notPassing.length).toBeGreaterThan(0);
    expect(notPassing.every((r) => r.status === 'WARN' && r.message.includes(`it also grants lambda:InvokeFunction to statement InvokedByWorkloadRunbooks: AWS ${role}`))).toBe(true);
    expect(lines(notPassing)).toEqual(withWorkload.invokingRules.filter((r) => r.functionName === fn).map((r) => `WARN rule-permission ${r.ruleName}`));
  });

  it.each([
    ['a wildcard rule ARN', ruleArn('*'), `rule ${OTHER_RULE_PROBE} of this account`],
  ])('WARN for a statement admitting other rules: %s', async (_what, sourceArn, admitted) => {
    const fn = 'notification-runbooks-scale-up-database';
    deployed('single', { statements: (f, st) => (f === fn ? [invokeFor(fn, sourceArn)] : st) });
    const results = await run('single');
    const notPassing = results.filter((r) => r.status !== 'PASS');
    expect(lines(notPassing)).toEqual([`WARN rule-permission ${fn}`]);
    expect(notPassing[0]?.message).toContain(`but for ${admitted} too`);
    expect(notPassing[0]?.fix).toContain(`aws lambda add-permission --function-name ${fn} --statement-id AlarmRoute-scale-up-database --action lambda:InvokeFunction --principal events.amazonaws.com --source-arn ${ruleArn(fn)}`);
  });

  it('a refused read is thrown (the caller makes it a could-not-check FAIL naming lambda:GetPolicy), never a PASS', async () => {
    deployed('single');
    lambda.on(GetPolicyCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: lambda:GetPolicy'));
    await expect(run('single')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(RULE_PERMISSION_ACTIONS).toContain('lambda:GetPolicy');
  });
});
