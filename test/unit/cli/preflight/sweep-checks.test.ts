// Preflight: the escalation sweep's rule (decision 264). A rule deleted, disabled, slowed down or aimed elsewhere stops the
// sweep silently, and then an escalation timer Scheduler drops is never done: each is a FAIL naming it, with the deploy.
// So does a function whose resource-based policy does not let EventBridge invoke it for the rule (decision 309).
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient, SimulateCustomPolicyCommand } from '@aws-sdk/client-iam';
import { GetPolicyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { checkEscalationSweep, checkVerifySweep, sweepRuleProblems, SWEEP_CHECK_ACTIONS, SWEEP_SCHEDULE_EXPRESSION } from '../../../../cli/preflight/sweep-checks';
import { checkRulePermission, OTHER_RULE_PROBE } from '../../../../cli/preflight/rule-permission-checks';
import { judgeServiceGrant } from '../../../../cli/preflight/service-trust';
import { ACCOUNT, awsError, clients, expectationsFor, noVersionsOrAliases, REGION, simulateCustomPolicyAsAws, TARGET, VERIFY, VERIFY_ARN, VERIFY_RULE } from './support';

const events = mockClient(EventBridgeClient);
const lambda = mockClient(LambdaClient);
const iam = mockClient(IAMClient);
const TIMER_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:notification-runbooks-escalation-timer`;
const RULE = 'notification-runbooks-escalation-sweep';
const deployed = { State: 'ENABLED' as const, ScheduleExpression: 'rate(5 minutes)' };
const sweepTarget = { Id: 'Target0', Arn: TIMER_ARN, Input: '{"action":"sweep"}' };
const ruleArn = (rule: string, account = ACCOUNT): string => `arn:aws:events:${REGION}:${account}:rule/${rule}`;

/** The statement CDK's LambdaFunction target adds for a rule (Lambda AddPermission with SourceArn), as GetPolicy returns it. */
const invokeFor = (functionArn: string, rule: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  Sid: `AllowEventRule${rule}`,
  Effect: 'Allow',
  Principal: { Service: 'events.amazonaws.com' },
  Action: 'lambda:InvokeFunction',
  Resource: functionArn,
  Condition: { ArnLike: { 'AWS:SourceArn': ruleArn(rule) } },
  ...overrides,
});
const policyOf = (...statements: Array<Record<string, unknown>>): string => JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements });

/** The function's resource policy (GetPolicy), or none (Lambda's ResourceNotFoundException); SimulateCustomPolicy as AWS judges it. */
function functionPolicy(policies: Record<string, string | undefined>): void {
  lambda.on(GetPolicyCommand).callsFake((input: { FunctionName: string }) => {
    const policy = policies[input.FunctionName];
    if (policy === undefined) throw awsError('ResourceNotFoundException', 'The resource you requested does not exist.');
    return { Policy: policy, RevisionId: 'r1' };
  });
  simulateCustomPolicyAsAws(iam);
}
const TIMER = 'notification-runbooks-escalation-timer';

describe('sweepRuleProblems', () => {
  it('the rule as infra deploys it: none', () => {
    expect(SWEEP_SCHEDULE_EXPRESSION).toBe('rate(5 minutes)');
    expect(sweepRuleProblems(deployed, [sweepTarget], TIMER_ARN)).toEqual([]);
    // The Input compared as JSON, not as text.
    expect(sweepRuleProblems(deployed, [{ ...sweepTarget, Input: '{ "action" : "sweep" }' }], TIMER_ARN)).toEqual([]);
  });

  it.each([
    ['deleted', undefined, [sweepTarget], 'it does not exist'],
    ['disabled', { ...deployed, State: 'DISABLED' as const }, [sweepTarget], 'it is DISABLED, not ENABLED'],
    ['slowed to hourly', { ...deployed, ScheduleExpression: 'rate(1 hour)' }, [sweepTarget], 'it runs on rate(1 hour), not rate(5 minutes)'],
    ['aimed at another function', deployed, [{ ...sweepTarget, Arn: `${TIMER_ARN}-old` }], `no target is ${TIMER_ARN} (targets: ${TIMER_ARN}-old)`],
    ['without targets', deployed, [], `no target is ${TIMER_ARN} (targets: none)`],
    ['given the scheduled event instead of the Input', deployed, [{ Id: 'Target0', Arn: TIMER_ARN }], `its target ${TIMER_ARN} is not given the Input {"action":"sweep"} (the scheduled event)`],
    ['given another Input', deployed, [{ ...sweepTarget, Input: '{"action":"sweep","x":1}' }], `its target ${TIMER_ARN} is not given the Input {"action":"sweep"} ({"action":"sweep","x":1})`],
  ])('%s: named', (_what, rule, targets, problem) => {
    expect(sweepRuleProblems(rule, targets, TIMER_ARN)).toEqual([problem]);
  });
});

describe('checkEscalationSweep', () => {
  beforeEach(() => {
    events.reset();
    lambda.reset();
    noVersionsOrAliases(lambda);
    iam.reset();
  });

  it('PASS for the deployed rule, read on the default bus, with its Lambda permission for the rule', async () => {
    events.on(DescribeRuleCommand, { Name: RULE }).resolves({ Name: RULE, Arn: ruleArn(RULE), ...deployed });
    events.on(ListTargetsByRuleCommand, { Rule: RULE }).resolves({ Targets: [sweepTarget] });
    functionPolicy({ [TIMER]: policyOf(invokeFor(TIMER_ARN, RULE)) });
    const [result, ...rest] = await checkEscalationSweep(clients(), expectationsFor('production'), TARGET);
    expect(rest).toEqual([]);
    expect(result).toMatchObject({ status: 'PASS', area: 'routing', check: 'escalation-sweep', subject: RULE });
    expect(result?.message).toContain('its resource-based policy allows events.amazonaws.com to invoke it for this rule only (AWS:SourceArn)');
    expect(events.commandCalls(DescribeRuleCommand)[0]?.args[0].input).toEqual({ Name: RULE });
    expect(lambda.commandCalls(GetPolicyCommand).map((c) => c.args[0].input)).toEqual([{ FunctionName: TIMER }]);
  });

  it('FAIL when the rule does not exist, with the deploy that writes it', async () => {
    events.on(DescribeRuleCommand).rejects(awsError('ResourceNotFoundException', `Rule ${RULE} does not exist.`));
    const [result] = await checkEscalationSweep(clients(), expectationsFor('production'), TARGET);
    expect(result).toMatchObject({ status: 'FAIL', check: 'escalation-sweep', subject: RULE });
    expect(result?.message).toBe(`rule ${RULE}: it does not exist: an escalation timer Scheduler cannot deliver (dropped after 15 min) is then never done, and the incident's ladder stops`);
    expect(result?.fix).toBe(`npx cdk deploy -c environment=production -c region=${REGION} NotificationRunbooks-production-${REGION} (the runbook stack writes the rule and its Lambda permission: infra EscalationSweep)`);
    expect(events.commandCalls(ListTargetsByRuleCommand)).toHaveLength(0);
    expect(lambda.commandCalls(GetPolicyCommand)).toHaveLength(0);
  });

  it('a refused read is thrown (the caller makes it a could-not-check FAIL), never a PASS', async () => {
    events.on(DescribeRuleCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: events:DescribeRule'));
    await expect(checkEscalationSweep(clients(), expectationsFor('production'), TARGET)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

// Decision 293: the verify sweep's rule, the same check of the rule that invokes verify-change with {"action":"sweep"}.
describe('checkVerifySweep', () => {
  beforeEach(() => {
    events.reset();
    lambda.reset();
    noVersionsOrAliases(lambda);
    iam.reset();
  });

  it('PASS for the deployed rule invoking verify-change with the sweep Input', async () => {
    events.on(DescribeRuleCommand, { Name: VERIFY_RULE }).resolves({ Name: VERIFY_RULE, Arn: ruleArn(VERIFY_RULE), ...deployed });
    events.on(ListTargetsByRuleCommand, { Rule: VERIFY_RULE }).resolves({ Targets: [{ ...sweepTarget, Arn: VERIFY_ARN }] });
    functionPolicy({ [VERIFY]: policyOf(invokeFor(VERIFY_ARN, VERIFY_RULE)) });
    const [result, ...rest] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(rest).toEqual([]);
    expect(result).toMatchObject({ status: 'PASS', area: 'routing', check: 'verify-sweep', subject: VERIFY_RULE });
    expect(result?.message).toContain('a health check after a change whose schedule Scheduler cannot deliver is run late, not lost (decision 293)');
  });

  it('FAIL when the rule is deleted or aimed at escalation-timer, with the deploy that writes it', async () => {
    events.on(DescribeRuleCommand, { Name: VERIFY_RULE }).rejects(awsError('ResourceNotFoundException', `Rule ${VERIFY_RULE} does not exist.`));
    const [deleted] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(deleted).toMatchObject({ status: 'FAIL', check: 'verify-sweep', subject: VERIFY_RULE });
    expect(deleted?.message).toBe(
      `rule ${VERIFY_RULE}: it does not exist: a health check after a change whose schedule Scheduler cannot deliver (dropped after its 24 h retry) is then never run: a change that made things worse stays`,
    );
    expect(deleted?.fix).toBe(`npx cdk deploy -c environment=production -c region=${REGION} NotificationRunbooks-production-${REGION} (the runbook stack writes the rule and its Lambda permission: infra VerifySweep)`);
    events.reset();
    events.on(DescribeRuleCommand, { Name: VERIFY_RULE }).resolves({ Name: VERIFY_RULE, Arn: ruleArn(VERIFY_RULE), ...deployed });
    events.on(ListTargetsByRuleCommand, { Rule: VERIFY_RULE }).resolves({ Targets: [sweepTarget] });
    functionPolicy({ [VERIFY]: policyOf(invokeFor(VERIFY_ARN, VERIFY_RULE)) });
    const [elsewhere] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(elsewhere?.message).toContain(`no target is ${VERIFY_ARN} (targets: ${TIMER_ARN})`);
  });

  // Review 18c R18-18, decision 309: EventBridge invokes verify-change through its resource-based policy; a rule without
  // the statement for it never runs the sweep, though rule, target and Input are all right.
  function deployedRule(): void {
    events.on(DescribeRuleCommand, { Name: VERIFY_RULE }).resolves({ Name: VERIFY_RULE, Arn: ruleArn(VERIFY_RULE), ...deployed });
    events.on(ListTargetsByRuleCommand, { Rule: VERIFY_RULE }).resolves({ Targets: [{ ...sweepTarget, Arn: VERIFY_ARN }] });
  }

  it.each<[string, string | undefined, string]>([
    ['no resource policy at all', undefined, `${VERIFY} has no resource-based policy (lambda:GetPolicy: none), so EventBridge may not invoke it for the rule`],
    [
      'a policy for SNS only',
      policyOf({ ...invokeFor(VERIFY_ARN, VERIFY_RULE), Principal: { Service: 'sns.amazonaws.com' } }),
      `the resource-based policy of ${VERIFY} names no events.amazonaws.com (it names {"Service":"sns.amazonaws.com"}), so EventBridge may not invoke it for the rule`,
    ],
    [
      "the escalation sweep's rule only",
      policyOf(invokeFor(VERIFY_ARN, RULE)),
      `the resource-based policy of ${VERIFY} does not allow events.amazonaws.com lambda:InvokeFunction for this rule (AWS:SourceArn ${ruleArn(VERIFY_RULE)}; iam:SimulateCustomPolicy: implicitDeny)`,
    ],
    [
      'a Deny of EventBridge beside the grant',
      policyOf(invokeFor(VERIFY_ARN, VERIFY_RULE), { Sid: 'NoEvents', Effect: 'Deny', Principal: { Service: 'events.amazonaws.com' }, Action: 'lambda:*', Resource: VERIFY_ARN }),
      `the resource-based policy of ${VERIFY} does not allow events.amazonaws.com lambda:InvokeFunction for this rule (AWS:SourceArn ${ruleArn(VERIFY_RULE)}; iam:SimulateCustomPolicy: explicitDeny)`,
    ],
    [
      'a grant on a version, not the function the rule targets',
      policyOf(invokeFor(VERIFY_ARN, VERIFY_RULE, { Resource: `${VERIFY_ARN}:7` })),
      `the resource-based policy of ${VERIFY} does not allow events.amazonaws.com lambda:InvokeFunction for this rule (AWS:SourceArn ${ruleArn(VERIFY_RULE)}; iam:SimulateCustomPolicy: implicitDeny)`,
    ],
  ])('FAIL: %s, naming it, with the deploy that writes the permission', async (_what, policy, problem) => {
    deployedRule();
    functionPolicy({ [VERIFY]: policy });
    const [result, ...rest] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(rest).toEqual([]);
    expect(result).toMatchObject({ status: 'FAIL', check: 'verify-sweep', subject: VERIFY_RULE });
    expect(result?.message).toBe(
      `rule ${VERIFY_RULE}: ${problem}: a health check after a change whose schedule Scheduler cannot deliver (dropped after its 24 h retry) is then never run: a change that made things worse stays`,
    );
    expect(result?.fix).toContain('(the runbook stack writes the rule and its Lambda permission: infra VerifySweep)');
  });

  it('the permission problem is named beside the rule\'s own', async () => {
    events.on(DescribeRuleCommand, { Name: VERIFY_RULE }).resolves({ Name: VERIFY_RULE, Arn: ruleArn(VERIFY_RULE), State: 'DISABLED', ScheduleExpression: 'rate(5 minutes)' });
    events.on(ListTargetsByRuleCommand, { Rule: VERIFY_RULE }).resolves({ Targets: [{ ...sweepTarget, Arn: VERIFY_ARN }] });
    functionPolicy({});
    const [result] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(result?.message).toMatch(/^rule notification-runbooks-verify-sweep: it is DISABLED, not ENABLED; notification-runbooks-verify-change has no resource-based policy/);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['the account only (AWS:SourceAccount)', invokeFor(VERIFY_ARN, VERIFY_RULE, { Condition: { StringEquals: { 'AWS:SourceAccount': ACCOUNT } } }), `rule ${OTHER_RULE_PROBE} of this account`],
    ['a wildcard rule ARN', invokeFor(VERIFY_ARN, VERIFY_RULE, { Condition: { ArnLike: { 'AWS:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/*` } } }), `rule ${OTHER_RULE_PROBE} of this account`],
  ])('WARN: a statement with %s lets other rules invoke it too', async (_what, statement, admitted) => {
    deployedRule();
    functionPolicy({ [VERIFY]: policyOf(statement) });
    const [result] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(result).toMatchObject({ status: 'WARN', check: 'verify-sweep', subject: VERIFY_RULE });
    expect(result?.message).toBe(
      `rule ${VERIFY_RULE} invokes ${VERIFY} rate(5 minutes) with {"action":"sweep"}, and the resource-based policy of ${VERIFY} allows events.amazonaws.com to invoke it for this rule, but for ${admitted} too (no AWS:SourceArn condition naming the rule, or a wildcard one): any such rule may invoke ${VERIFY} with an Input of its choosing`,
    );
    expect(result?.fix).toContain(`aws lambda add-permission --function-name ${VERIFY} --statement-id VerifySweep --action lambda:InvokeFunction --principal events.amazonaws.com --source-arn ${ruleArn(VERIFY_RULE)}`);
  });

  // Review 19 R19-13, decision 320: a statement EventBridge passes for a rule of an account nobody configured lets that
  // account's rule invoke the handler (EventBridge delivers cross-account to a Lambda): a FAIL, not a WARN.
  it.each<[string, Record<string, unknown>]>([
    ['no condition at all', invokeFor(VERIFY_ARN, VERIFY_RULE, { Condition: undefined })],
    ['a rule name under any account (ArnLike arn:...:*:rule/<name>)', invokeFor(VERIFY_ARN, VERIFY_RULE, { Condition: { ArnLike: { 'AWS:SourceArn': `arn:aws:events:${REGION}:*:rule/${VERIFY_RULE}` } } })],
  ])('FAIL: an EventBridge statement with %s admits the rule of an account nobody configured', async (_what, statement) => {
    deployedRule();
    functionPolicy({ [VERIFY]: policyOf(statement) });
    const [result] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(result).toMatchObject({ status: 'FAIL', check: 'verify-sweep', subject: VERIFY_RULE });
    expect(result?.message).toBe(
      `rule ${VERIFY_RULE} invokes ${VERIFY} rate(5 minutes) with {"action":"sweep"}, but the resource-based policy of ${VERIFY} lets anyone, or a principal of an account nobody configured, invoke it (Service events.amazonaws.com for rule ${VERIFY_RULE} of 999999999999, an account nobody configured (iam:SimulateCustomPolicy: admitted)): they may invoke ${VERIFY} with an input of their choosing`,
    );
  });

  // Review 19 R19-18, decision 321: our statement plus one for another real account's rules; the probe of 999999999999
  // alone never tested it.
  it.each<[string, Record<string, unknown>, string]>([
    ['ArnLike AWS:SourceArn rule/* of 777788889999', { ArnLike: { 'AWS:SourceArn': `arn:aws:events:${REGION}:777788889999:rule/*` } }, `arn:aws:events:${REGION}:777788889999:rule/runbook-preflight-probe-stranger of 777788889999, an account nobody configured`],
    ['StringEquals AWS:SourceAccount 777788889999', { StringEquals: { 'AWS:SourceAccount': '777788889999' } }, `rule ${VERIFY_RULE} of 777788889999, an account nobody configured (its Condition names AWS:SourceAccount 777788889999)`],
  ])('FAIL: our statement plus an EventBridge statement with %s', async (_what, condition, named) => {
    deployedRule();
    functionPolicy({ [VERIFY]: policyOf(invokeFor(VERIFY_ARN, VERIFY_RULE), { ...invokeFor(VERIFY_ARN, 'x'), Sid: 'Other', Condition: condition }) });
    const [result] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(result).toMatchObject({ status: 'FAIL', check: 'verify-sweep', subject: VERIFY_RULE });
    expect(result?.message).toContain(`(Service events.amazonaws.com for ${named}`);
  });

  it('judges only the statements naming EventBridge, with the rule and its account as AWS sets them', async () => {
    functionPolicy({ [VERIFY]: policyOf(invokeFor(VERIFY_ARN, VERIFY_RULE), { ...invokeFor(VERIFY_ARN, 'x'), Sid: 'Sns', Principal: { Service: 'sns.amazonaws.com' }, Condition: { ArnLike: { 'AWS:SourceArn': `arn:aws:sns:${REGION}:${ACCOUNT}:ours` } } }) });
    const verdict = await checkRulePermission(clients(), TARGET, VERIFY, VERIFY_ARN, ruleArn(VERIFY_RULE));
    // The SNS statement is simulated for a stranger's topic only (decision 320: refused), and reported (decision 311).
    expect(verdict).toEqual({
      kind: 'too-wide',
      text: `the resource-based policy of ${VERIFY} allows events.amazonaws.com to invoke it for this rule only (AWS:SourceArn)`,
      others: 'statement Sns: Service sns.amazonaws.com (under a Condition)',
    });
    const all = iam.commandCalls(SimulateCustomPolicyCommand).map((c) => c.args[0].input);
    expect(all).toHaveLength(4);
    expect(all[0]?.ContextEntries?.map((e) => `${e.ContextKeyName}=${e.ContextKeyValues?.join(',')}`)).toEqual([
      'aws:SourceAccount=999999999999',
      // aws:SourceOwner beside aws:SourceAccount, as SNS sets both; the keys AWS sets on every call (decision 331).
      'aws:SourceOwner=999999999999',
      `aws:SourceArn=arn:aws:sns:${REGION}:999999999999:runbook-preflight-probe-stranger`,
      'aws:PrincipalServiceName=sns.amazonaws.com',
      'aws:SecureTransport=true',
      `aws:RequestedRegion=${REGION}`,
      `aws:ResourceAccount=${ACCOUNT}`,
      'aws:PrincipalIsAWSService=true',
    ]);
    const asked = all.slice(1);
    expect(asked[0]).toMatchObject({ ActionNames: ['lambda:InvokeFunction'], ResourceArns: [VERIFY_ARN] });
    expect(JSON.parse(asked[0]?.PolicyInputList?.[0] ?? '{}')).toEqual({ Version: '2012-10-17', Statement: [{ Sid: `AllowEventRule${VERIFY_RULE}`, Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: VERIFY_ARN, Condition: { ArnLike: { 'AWS:SourceArn': ruleArn(VERIFY_RULE) } } }] });
    expect(asked.map((a) => a.ContextEntries?.map((e) => `${e.ContextKeyName}=${e.ContextKeyValues?.join(',')}`))).toEqual([
      [`aws:SourceAccount=${ACCOUNT}`, `aws:SourceArn=${ruleArn(VERIFY_RULE)}`],
      [`aws:SourceAccount=${ACCOUNT}`, `aws:SourceArn=${ruleArn(OTHER_RULE_PROBE)}`],
      ['aws:SourceAccount=999999999999', `aws:SourceArn=${ruleArn(VERIFY_RULE, '999999999999')}`],
    ]);
  });

  // Review 19 R19-8, decision 311: the statements naming another principal were dropped before simulation and the PASS
  // said "for this rule only"; anyone they admit may invoke the function with an input of their choosing.
  const grant = (Sid: string, principal: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    Sid,
    Effect: 'Allow',
    ...principal,
    Action: 'lambda:InvokeFunction',
    Resource: VERIFY_ARN,
    ...overrides,
  });
  // Decision 328: a statement granting every call (lambda:*, *, a NotAction) hands a stranger the function itself, not
  // only its invocation: each class of call is named, with what the stranger may then do.
  const ALL_CALLS =
    'invoke it (lambda:InvokeFunction, lambda:InvokeFunctionUrl, lambda:InvokeAsync), change who may call it (lambda:AddPermission, lambda:RemovePermission, lambda:PutResourcePolicy, lambda:DeleteResourcePolicy and 2 more), change it (lambda:UpdateFunctionCode, lambda:UpdateFunctionConfiguration, lambda:PublishVersion, lambda:CreateAlias and 20 more), read its code or environment (lambda:GetFunction, lambda:GetFunctionConfiguration, lambda:ListVersionsByFunction)';
  const ALL_THEN = `they may invoke ${VERIFY} with an input of their choosing; they may grant themselves, or anyone, any call on ${VERIFY}; they may change ${VERIFY} (its code, which then runs with its role, its configuration or concurrency) or delete it; they may read ${VERIFY}'s code and environment variables`;
  const INVOKE_THEN = `they may invoke ${VERIFY} with an input of their choosing`;
  it.each<[string, Record<string, unknown>, string, string, string]>([
    ["AWS '*'", grant('Anyone', { Principal: { AWS: '*' } }), 'statement Anyone: AWS *', 'invoke it', INVOKE_THEN],
    ["Principal '*' with lambda:*", grant('All', { Principal: '*' }, { Action: 'lambda:*' }), 'statement All: Principal "*" (Action lambda:*)', ALL_CALLS, ALL_THEN],
    ["another account's root", grant('Foreign', { Principal: { AWS: 'arn:aws:iam::999999999999:root' } }), 'statement Foreign: AWS arn:aws:iam::999999999999:root', 'invoke it', INVOKE_THEN],
    ["another account's bare ID, Action '*'", grant('Bare', { Principal: { AWS: ['999999999999'] } }, { Action: ['s3:GetObject', '*'] }), 'statement Bare: AWS 999999999999 (Action s3:GetObject, *)', ALL_CALLS, ALL_THEN],
    ['NotPrincipal', grant('AllBut', { NotPrincipal: { AWS: 'arn:aws:iam::999999999999:root' } }), 'statement AllBut: NotPrincipal {"AWS":"arn:aws:iam::999999999999:root"} (everyone it does not name)', 'invoke it', INVOKE_THEN],
    [
      'NotAction that leaves lambda:InvokeFunction in',
      grant('NotAct', { Principal: { AWS: '*' } }, { Action: undefined, NotAction: 'lambda:GetFunction' }),
      'statement NotAct: AWS * (NotAction lambda:GetFunction)',
      ALL_CALLS.replace('lambda:GetFunction, lambda:GetFunctionConfiguration', 'lambda:GetFunctionConfiguration'),
      ALL_THEN,
    ],
  ])('FAIL: a statement granting lambda:InvokeFunction to %s with no condition, beside the rule\'s own, nothing simulated', async (_what, statement, named, calls, then) => {
    deployedRule();
    functionPolicy({ [VERIFY]: policyOf(invokeFor(VERIFY_ARN, VERIFY_RULE), statement) });
    const [result, ...rest] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(rest).toEqual([]);
    expect(result).toMatchObject({ status: 'FAIL', check: 'verify-sweep', subject: VERIFY_RULE });
    expect(result?.message).toBe(
      `rule ${VERIFY_RULE} invokes ${VERIFY} rate(5 minutes) with {"action":"sweep"}, but the resource-based policy of ${VERIFY} lets anyone, or a principal of an account nobody configured, ${calls} (${named}): ${then}`,
    );
    expect(result?.fix).toContain(`aws lambda remove-permission --function-name ${VERIFY} --statement-id <its Sid>`);
    expect(iam.commandCalls(SimulateCustomPolicyCommand)).toHaveLength(0);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      "another account's root under an AWS:SourceAccount condition",
      grant('Cond', { Principal: { AWS: 'arn:aws:iam::999999999999:root' } }, { Condition: { StringEquals: { 'AWS:SourceAccount': '999999999999' } } }),
      'statement Cond: AWS arn:aws:iam::999999999999:root (under a Condition)',
    ],
    ['this account', grant('Own', { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }), `statement Own: AWS arn:aws:iam::${ACCOUNT}:root`],
    ['another service, for a bucket of this account only', grant('S3', { Principal: { Service: 's3.amazonaws.com' } }, { Condition: { StringEquals: { 'AWS:SourceAccount': ACCOUNT } } }), 'statement S3: Service s3.amazonaws.com (under a Condition)'],
  ])('WARN: a statement granting lambda:InvokeFunction to %s is named', async (_what, statement, named) => {
    deployedRule();
    functionPolicy({ [VERIFY]: policyOf(invokeFor(VERIFY_ARN, VERIFY_RULE), statement) });
    const [result] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(result).toMatchObject({ status: 'WARN', check: 'verify-sweep', subject: VERIFY_RULE });
    expect(result?.message).toBe(
      `rule ${VERIFY_RULE} invokes ${VERIFY} rate(5 minutes) with {"action":"sweep"}, and the resource-based policy of ${VERIFY} allows events.amazonaws.com to invoke it for this rule only (AWS:SourceArn), but it also grants lambda:InvokeFunction to ${named}: each may invoke ${VERIFY} with an input of its choosing`,
    );
  });

  // Review 19 R19-13, decision 320: a stranger's call is simulated whatever the statement's Condition; admitted, a FAIL.
  it.each<[string, Record<string, unknown>, string]>([
    ['one role of another account', grant('Role', { Principal: { AWS: 'arn:aws:iam::999999999999:role/x' } }), 'statement Role: AWS arn:aws:iam::999999999999:role/x'],
    [
      'another service with no condition (any account\'s topic)',
      grant('Sns', { Principal: { Service: 'sns.amazonaws.com' } }),
      'statement Sns: Service sns.amazonaws.com (no condition confines it to our resources: admitted for a resource of 999999999999, an account nobody configured; iam:SimulateCustomPolicy)',
    ],
    [
      "AWS '*' under a condition that always holds",
      grant('Tls', { Principal: { AWS: '*' } }, { Condition: { Bool: { 'aws:SecureTransport': 'true' } } }),
      'statement Tls: AWS * (its Condition admits a principal of 999999999999, an account nobody configured; iam:SimulateCustomPolicy)',
    ],
    [
      "another account's root under a condition naming that account",
      grant('Acct', { Principal: { AWS: 'arn:aws:iam::999999999999:root' } }, { Condition: { StringEquals: { 'aws:PrincipalAccount': '999999999999' } } }),
      'statement Acct: AWS arn:aws:iam::999999999999:root (its Condition admits a principal of 999999999999, an account nobody configured; iam:SimulateCustomPolicy)',
    ],
    // Review 19 R19-19, R19-21, decision 323: the stranger is also every unconfigured account the Condition names, in
    // the organisation it names.
    [
      "'*' under aws:PrincipalAccount of another real account",
      grant('Other', { Principal: '*' }, { Condition: { StringEquals: { 'aws:PrincipalAccount': '777788889999' } } }),
      'statement Other: Principal "*" (its Condition admits a principal of 777788889999, an account nobody configured; iam:SimulateCustomPolicy)',
    ],
    [
      'sns.amazonaws.com under AWS:SourceAccount of another real account',
      grant('Sns', { Principal: { Service: 'sns.amazonaws.com' } }, { Condition: { StringEquals: { 'AWS:SourceAccount': '777788889999' } } }),
      'statement Sns: Service sns.amazonaws.com (its Condition admits a resource of 777788889999, an account nobody configured; iam:SimulateCustomPolicy)',
    ],
    [
      'sns.amazonaws.com under ArnLike AWS:SourceArn of a topic of another real account',
      grant('Topic', { Principal: { Service: 'sns.amazonaws.com' } }, { Condition: { ArnLike: { 'AWS:SourceArn': `arn:aws:sns:${REGION}:777788889999:alerts` } } }),
      'statement Topic: Service sns.amazonaws.com (its Condition admits a resource of 777788889999, an account nobody configured; iam:SimulateCustomPolicy)',
    ],
    [
      "'*' under aws:PrincipalArn of a role of another real account",
      grant('Arn', { Principal: '*' }, { Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::777788889999:role/*' } } }),
      'statement Arn: Principal "*" (its Condition admits a principal of 777788889999, an account nobody configured; iam:SimulateCustomPolicy)',
    ],
    [
      "'*' under aws:PrincipalOrgID (add-permission --principal-org-id)",
      grant('Org', { Principal: '*' }, { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }),
      'statement Org: Principal "*" (its Condition admits a principal of 999999999999 in organisation o-a1b2c3d4e5 (it admits every account of the organisation, configured or not), an account nobody configured; iam:SimulateCustomPolicy)',
    ],
    // Review 19 R19-20: a function URL anyone may call (add-permission --function-url-auth-type NONE).
    [
      "'*' lambda:InvokeFunctionUrl under lambda:FunctionUrlAuthType NONE",
      grant('Url', { Principal: '*' }, { Action: 'lambda:InvokeFunctionUrl', Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } } }),
      // Decision 344: the URL's call is unsigned, so it is simulated as an anonymous caller's.
      'statement Url: Principal "*" (its Condition admits an anonymous caller of its function URL (AuthType NONE: the call carries no AWS identity, so no account, organisation or tag confines it), for lambda:InvokeFunctionUrl; iam:SimulateCustomPolicy)',
    ],
  ])('FAIL: a statement granting lambda:InvokeFunction to %s, a stranger admitted', async (_what, statement, named) => {
    deployedRule();
    functionPolicy({ [VERIFY]: policyOf(invokeFor(VERIFY_ARN, VERIFY_RULE), statement) });
    const [result] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(result).toMatchObject({ status: 'FAIL', check: 'verify-sweep', subject: VERIFY_RULE });
    expect(result?.message).toBe(
      `rule ${VERIFY_RULE} invokes ${VERIFY} rate(5 minutes) with {"action":"sweep"}, but the resource-based policy of ${VERIFY} lets anyone, or a principal of an account nobody configured, invoke it (${named}): they may invoke ${VERIFY} with an input of their choosing`,
    );
  });

  it.each<[string, Record<string, unknown>]>([
    ['a Deny of anyone', grant('NoOne', { Principal: { AWS: '*' } }, { Effect: 'Deny', Action: 'lambda:InvokeFunction' })],
    // Not a call on the function (decision 328 judges every call a function's policy can grant: lambda-function-actions.ts).
    ["anyone, for another service's action (s3:GetObject)", grant('S3Read', { Principal: '*' }, { Action: 's3:GetObject' })],
  ])('PASS beside %s: no other principal may call it', async (_what, statement) => {
    deployedRule();
    functionPolicy({ [VERIFY]: policyOf(invokeFor(VERIFY_ARN, VERIFY_RULE), statement) });
    const [result] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(result).toMatchObject({ status: 'PASS', check: 'verify-sweep', subject: VERIFY_RULE });
  });

  it('judgeServiceGrant: a principal the deployment grants on purpose (expected) is not reported; another one is', async () => {
    const role = 'arn:aws:iam::999999999999:role/workload-automation';
    functionPolicy({});
    const policy = policyOf(invokeFor(VERIFY_ARN, VERIFY_RULE), grant('Workload', { Principal: { AWS: role } }));
    const own = { what: `rule ${VERIFY_RULE}`, account: ACCOUNT, sourceArn: ruleArn(VERIFY_RULE) };
    const input = { policy, resourceArn: VERIFY_ARN, service: 'events.amazonaws.com', action: 'lambda:InvokeFunction', own, probes: [] };
    expect(await judgeServiceGrant(clients(), { ...input, expected: [role] })).toEqual({ kind: 'admitted', refused: [], others: [] });
    // Its account configured (the workload's), the role is another principal of ours: a WARN; not configured, a stranger.
    expect(await judgeServiceGrant(clients(), { ...input, accounts: ['999999999999'] })).toEqual({ kind: 'admitted', refused: [], others: [`statement Workload: AWS ${role}`] });
    expect(await judgeServiceGrant(clients(), input)).toEqual({ kind: 'open', principals: [`statement Workload: AWS ${role}`], calls: ['lambda:InvokeFunction'] });
  });

  it('a refused GetPolicy is thrown (a could-not-check FAIL naming lambda:GetPolicy), never a PASS', async () => {
    deployedRule();
    lambda.on(GetPolicyCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: lambda:GetPolicy'));
    await expect(checkVerifySweep(clients(), expectationsFor('production'), TARGET)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(SWEEP_CHECK_ACTIONS).toEqual(['events:DescribeRule', 'events:ListTargetsByRule', 'lambda:GetPolicy', 'lambda:ListVersionsByFunction', 'lambda:ListAliases', 'iam:SimulateCustomPolicy']);
  });
});
