// The sandbox's answers for runbook preflight: the IAM policy evaluator and the EventBridge pattern matcher, case by case.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { eventPatternMatches, InvalidEventPatternError } from '../../../sandbox/event-pattern-match';
import { simulatePolicies, UnsupportedPolicyError, type SimulatedPolicy } from '../../../sandbox/iam-policy-simulator';
import { judgeAssumeRole, sandboxCallerArn, simulateCustomPolicy } from '../../../sandbox/preflight-gaps';
import { remediationRoleTrust, remediationRoleTrustByRegionTag } from '../../../infra/lib/iam/workload-roles';

const ESM = 'arn:aws:lambda:us-east-1:111122223333:event-source-mapping:1b2c';
const FN = 'arn:aws:lambda:us-east-1:111122223333:function:notification-service-consumer';
const policy: SimulatedPolicy = {
  name: 'declared-actions',
  document: {
    Statement: [
      { Sid: 'Esm', Effect: 'Allow', Action: ['lambda:UpdateEventSourceMapping'], Resource: 'arn:aws:lambda:us-east-1:111122223333:event-source-mapping:*', Condition: { ArnLike: { 'lambda:FunctionArn': [FN, `${FN}:*`] } } },
      { Sid: 'Read', Effect: 'Allow', Action: 'cloudwatch:Describe*', Resource: '*' },
      { Sid: 'Pass', Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::111122223333:role/sched', Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } },
      { Sid: 'NoDelete', Effect: 'Deny', Action: 'cloudwatch:DeleteAlarms', Resource: '*' },
    ],
  },
};

describe('simulatePolicies (sandbox SimulatePrincipalPolicy)', () => {
  it.each([
    ['the mapping of the watched function', 'lambda:UpdateEventSourceMapping', ESM, { 'lambda:FunctionArn': [FN] }, 'allowed'],
    ["another function's mapping", 'lambda:UpdateEventSourceMapping', ESM, { 'lambda:FunctionArn': [FN.replace('consumer', 'other')] }, 'implicitDeny'],
    ['no lambda:FunctionArn in the context', 'lambda:UpdateEventSourceMapping', ESM, {}, 'implicitDeny'],
    ['a wildcard action, case-insensitive', 'CloudWatch:DescribeAlarms', '*', {}, 'allowed'],
    ['an action no statement names', 'lambda:UpdateFunctionConfiguration', FN, {}, 'implicitDeny'],
    ['PassRole to Scheduler', 'iam:PassRole', 'arn:aws:iam::111122223333:role/sched', { 'iam:PassedToService': ['scheduler.amazonaws.com'] }, 'allowed'],
    ['PassRole to Lambda', 'iam:PassRole', 'arn:aws:iam::111122223333:role/sched', { 'iam:PassedToService': ['lambda.amazonaws.com'] }, 'implicitDeny'],
    ['an explicit deny', 'cloudwatch:DeleteAlarms', '*', {}, 'explicitDeny'],
  ])('%s: %s on %s -> %s', (_case, action, resource, context, decision) => {
    expect(simulatePolicies([policy], { action, resource, context }).decision).toBe(decision);
  });

  it('names the context key that was missing', () => {
    expect(simulatePolicies([policy], { action: 'lambda:UpdateEventSourceMapping', resource: ESM, context: {} }).missingContextValues).toEqual(['lambda:FunctionArn']);
  });

  describe('a set operator on a key the request lacks: ForAllValues holds, ForAnyValue does not, negated or not (IAM User Guide, "Multivalued context keys")', () => {
    const BUS = 'arn:aws:events:us-east-1:111122223333:event-bus/notification-runbooks';
    const PRINCIPAL = 'arn:aws:iam::111122223333:role/caller';
    /** The oracle: @cloud-copilot/iam-simulate on the same identity policy, same request (no events:source). */
    async function oracle(document: SimulatedPolicy['document']): Promise<string> {
      const r = await runSimulation(
        {
          request: { principal: PRINCIPAL, action: 'events:PutEvents', resource: { resource: BUS, accountId: '111122223333' }, contextVariables: { 'aws:PrincipalArn': PRINCIPAL } },
          identityPolicies: [{ name: 'id', policy: { Version: '2012-10-17', ...document } }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      if (r.resultType === 'error') throw new Error(JSON.stringify(r.errors));
      return ({ Allowed: 'allowed', ImplicitlyDenied: 'implicitDeny', ExplicitlyDenied: 'explicitDeny' } as Record<string, string>)[r.overallResult] ?? r.overallResult;
    }
    const allowWhen = (condition: Record<string, unknown>): SimulatedPolicy => ({ name: 'set', document: { Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS, Condition: condition }] } });
    // Before the fix the sandbox answered implicitDeny (ForAllValues) and allowed (ForAnyValue negated: fail open).
    it.each([
      ['ForAllValues:StringEquals, events:source absent', { 'ForAllValues:StringEquals': { 'events:source': 'aws.cloudwatch' } }, 'allowed'],
      ['ForAnyValue:StringNotEquals, events:source absent', { 'ForAnyValue:StringNotEquals': { 'events:source': 'notification-service.runbooks' } }, 'implicitDeny'],
    ])('%s -> %s, as iam-simulate answers', async (_case, condition, expected) => {
      const policy = allowWhen(condition);
      const sandbox = simulatePolicies([policy], { action: 'events:PutEvents', resource: BUS, context: { 'aws:PrincipalArn': [PRINCIPAL] } }).decision;
      expect(await oracle(policy.document)).toBe(expected);
      expect(sandbox).toBe(expected);
    });
  });

  // Decision 344: preflight's simulations of a function policy carry aws:SourceIp statements (the rule's own delivery
  // is simulated with every statement naming its service, a Deny of callers outside a range among them).
  describe('IpAddress / NotIpAddress on aws:SourceIp, IPv4 and IPv6, as iam-simulate answers', () => {
    const FN = 'arn:aws:lambda:us-east-1:111122223333:function:f';
    async function oracle(document: SimulatedPolicy['document'], context: Record<string, string>): Promise<string> {
      const r = await runSimulation(
        {
          request: { principal: 'arn:aws:iam::111122223333:role/caller', action: 'lambda:InvokeFunction', resource: { resource: FN, accountId: '111122223333' }, contextVariables: context },
          identityPolicies: [{ name: 'id', policy: { Version: '2012-10-17', ...document } }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      if (r.resultType === 'error') throw new Error(JSON.stringify(r.errors));
      return ({ Allowed: 'allowed', ImplicitlyDenied: 'implicitDeny', ExplicitlyDenied: 'explicitDeny' } as Record<string, string>)[r.overallResult] ?? r.overallResult;
    }
    it.each<[string, Record<string, unknown>, Record<string, string>, string]>([
      ['IpAddress /24, inside', { IpAddress: { 'aws:SourceIp': '198.51.100.0/24' } }, { 'aws:SourceIp': '198.51.100.7' }, 'allowed'],
      ['IpAddress /24, outside', { IpAddress: { 'aws:SourceIp': '198.51.100.0/24' } }, { 'aws:SourceIp': '198.51.101.7' }, 'implicitDeny'],
      ['IpAddress a bare address, that address', { IpAddress: { 'aws:SourceIp': '203.0.113.7' } }, { 'aws:SourceIp': '203.0.113.7' }, 'allowed'],
      ['IpAddress a bare address, its neighbour', { IpAddress: { 'aws:SourceIp': '203.0.113.7' } }, { 'aws:SourceIp': '203.0.113.8' }, 'implicitDeny'],
      ['IpAddress IPv6 /48, inside', { IpAddress: { 'aws:SourceIp': '2001:db8:1234::/48' } }, { 'aws:SourceIp': '2001:db8:1234:5::9' }, 'allowed'],
      ['IpAddress IPv6 /48, outside', { IpAddress: { 'aws:SourceIp': '2001:db8:1234::/48' } }, { 'aws:SourceIp': '2001:db8:1235::9' }, 'implicitDeny'],
      ['IpAddress IPv4 range, an IPv6 caller', { IpAddress: { 'aws:SourceIp': '198.51.100.0/24' } }, { 'aws:SourceIp': '2001:db8::1' }, 'implicitDeny'],
      ['IpAddress, the key absent', { IpAddress: { 'aws:SourceIp': '198.51.100.0/24' } }, {}, 'implicitDeny'],
      ['IpAddressIfExists, the key absent', { IpAddressIfExists: { 'aws:SourceIp': '198.51.100.0/24' } }, {}, 'allowed'],
      ['NotIpAddress /24, outside', { NotIpAddress: { 'aws:SourceIp': '198.51.100.0/24' } }, { 'aws:SourceIp': '203.0.113.9' }, 'allowed'],
      ['NotIpAddress /24, inside', { NotIpAddress: { 'aws:SourceIp': '198.51.100.0/24' } }, { 'aws:SourceIp': '198.51.100.9' }, 'implicitDeny'],
      ['NotIpAddress, the key absent', { NotIpAddress: { 'aws:SourceIp': '198.51.100.0/24' } }, {}, 'allowed'],
    ])('%s -> %s', async (_case, condition, context, expected) => {
      const document = { Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: FN, Condition: condition }] };
      const sandbox = simulatePolicies([{ name: 'ip', document }], { action: 'lambda:InvokeFunction', resource: FN, context: Object.fromEntries(Object.entries(context).map(([k, v]) => [k, [v]])) }).decision;
      expect(await oracle(document, context)).toBe(expected);
      expect(sandbox).toBe(expected);
    });
  });

  it('refuses a condition operator it does not know rather than allowing', () => {
    const odd: SimulatedPolicy = { name: 'odd', document: { Statement: { Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01' } } } } };
    expect(() => simulatePolicies([odd], { action: 's3:GetObject', resource: '*', context: { 'aws:CurrentTime': ['2026-01-01'] } })).toThrow(UnsupportedPolicyError);
  });
});

describe('eventPatternMatches (sandbox TestEventPattern)', () => {
  const event = { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: { alarmName: 'Q > 1000', state: { value: 'ALARM' }, n: 5 } };
  it.each([
    ['exact values', { source: ['aws.cloudwatch'], detail: { alarmName: ['Q > 1000', 'other'] } }, true],
    ['another alarm', { detail: { alarmName: ['other'] } }, false],
    ['nested state', { detail: { state: { value: ['OK'] } } }, false],
    ['prefix', { detail: { alarmName: [{ prefix: 'Q ' }] } }, true],
    ['anything-but', { detail: { state: { value: [{ 'anything-but': ['OK'] }] } } }, true],
    ['exists false on a present key', { detail: { alarmName: [{ exists: false }] } }, false],
    ['numeric range', { detail: { n: [{ numeric: ['>', 1, '<=', 5] }] } }, true],
    ['a key the event lacks', { account: ['111122223333'] }, false],
  ])('%s', (_case, pattern, matches) => {
    expect(eventPatternMatches(pattern, event)).toBe(matches);
  });

  it('refuses a filter it does not know', () => {
    expect(() => eventPatternMatches({ source: [{ cidr: '10.0.0.0/8' }] }, event)).toThrow(InvalidEventPatternError);
  });
});

describe('judgeAssumeRole (sandbox sts:AssumeRole: moto issues keys for any role, whatever its trust)', () => {
  const OPS = '111122223333';
  const ROLE = 'arn:aws:iam::444455556666:role/notification-runbooks-remediate-scale-consumers';
  const caller = { account: OPS, arn: sandboxCallerArn(OPS) };
  const body = new URLSearchParams({ Action: 'AssumeRole', RoleArn: ROLE, RoleSessionName: 'preflight' }).toString();
  const trustOf = (statement: Record<string, unknown>) => async (): Promise<string> => encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [statement] }));
  const opsRoot = { AWS: `arn:aws:iam::${OPS}:root` };

  it.each([
    ['the operations account root', { Effect: 'Allow', Principal: opsRoot, Action: 'sts:AssumeRole' }, 'admitted'],
    ['the account id', { Effect: 'Allow', Principal: { AWS: OPS }, Action: ['sts:AssumeRole', 'sts:TagSession'] }, 'admitted'],
    ['another account', { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'sts:AssumeRole' }, 'refused'],
    ['a service principal', { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }, 'refused'],
    ['TagSession only', { Effect: 'Allow', Principal: opsRoot, Action: 'sts:TagSession' }, 'refused'],
    ["infra's trust: the handler's execution role only", { Effect: 'Allow', Principal: opsRoot, Action: 'sts:AssumeRole', Condition: { ArnEquals: { 'aws:PrincipalArn': [`arn:aws:iam::${OPS}:role/notification-runbooks-scale-consumers-us-east-1`] } } }, 'refused'],
    ['a condition the caller meets', { Effect: 'Allow', Principal: opsRoot, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalAccount': OPS } } }, 'admitted'],
  ])('a trust naming %s: %s', async (_case, statement, verdict) => {
    const answer = await judgeAssumeRole(body, caller, trustOf(statement));
    if (verdict === 'admitted') expect(answer).toBeUndefined();
    else expect(answer).toEqual({ status: 403, error: { code: 'AccessDenied', message: `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${ROLE}` } });
  });

  it("judges the session's tags and source identity against the trust as well: infra's trust admits the caller with its own region's tag only (decision 147)", async () => {
    // The sandbox's caller stands for the DR region's execution role (moto names every key's caller user/moto).
    const trust = async (): Promise<string> =>
      encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: remediationRoleTrust('aws', OPS, 'scale-consumers', [{ region: 'us-west-2', roleArn: caller.arn }]) }));
    const session = (tags: Array<[string, string]>, sourceIdentity = 'notification-runbooks-scale-consumers'): string => {
      const form = new URLSearchParams({ Action: 'AssumeRole', RoleArn: ROLE, RoleSessionName: 'scale-consumers.inc-3f2a9c1b7d44', SourceIdentity: sourceIdentity });
      tags.forEach(([key, value], i) => {
        form.set(`Tags.member.${i + 1}.Key`, key);
        form.set(`Tags.member.${i + 1}.Value`, value);
      });
      return form.toString();
    };
    const tags = (region: string): Array<[string, string]> => [['runbook-playbook', 'scale-consumers'], ['runbook-incident', 'inc-3f2a9c1b7d44'], ['runbook-region', region]];
    const refusal = (action: string) => ({ status: 403, error: { code: 'AccessDenied', message: `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${ROLE}` } });
    expect(await judgeAssumeRole(session(tags('us-west-2')), caller, trust)).toBeUndefined();
    // The attacker: its own session tagged with the primary region; another tag key; another source identity; no region
    // tag; no tags at all. The AssumeRole itself is refused where the tags are wrong (its statement holds them, decision 176).
    expect(await judgeAssumeRole(session(tags('us-east-1')), caller, trust)).toEqual(refusal('sts:AssumeRole'));
    expect(await judgeAssumeRole(session([...tags('us-west-2'), ['owner', 'x']]), caller, trust)).toEqual(refusal('sts:AssumeRole'));
    expect(await judgeAssumeRole(session(tags('us-west-2'), 'someone-else'), caller, trust)).toEqual(refusal('sts:SetSourceIdentity'));
    expect(await judgeAssumeRole(session(tags('us-west-2').slice(0, 2)), caller, trust)).toEqual(refusal('sts:AssumeRole'));
    expect(await judgeAssumeRole(session([]), caller, trust)).toEqual(refusal('sts:AssumeRole'));
    // A trust allowing sts:AssumeRole alone refuses a tagged session (AWS needs sts:TagSession for tags).
    expect(await judgeAssumeRole(session(tags('us-west-2')), caller, trustOf({ Effect: 'Allow', Principal: opsRoot, Action: 'sts:AssumeRole' }))).toEqual(refusal('sts:TagSession'));
  });

  it("refuses a session without tags outright under infra's trust, as the attacker opens it (a plain AssumeRole, with or without a source identity); a trust of decision 147's shape admitted it (decision 176)", async () => {
    const statements = remediationRoleTrust('aws', OPS, 'scale-consumers', [{ region: 'us-west-2', roleArn: caller.arn }]);
    const trustWith = (s: unknown[]) => async (): Promise<string> => encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: s }));
    const plain = new URLSearchParams({ Action: 'AssumeRole', RoleArn: ROLE, RoleSessionName: 'attacker' }).toString();
    const withIdentity = new URLSearchParams({ Action: 'AssumeRole', RoleArn: ROLE, RoleSessionName: 'attacker', SourceIdentity: 'notification-runbooks-scale-consumers' }).toString();
    const refused = { status: 403, error: { code: 'AccessDenied', message: `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${ROLE}` } };
    expect(await judgeAssumeRole(plain, caller, trustWith(statements))).toEqual(refused);
    expect(await judgeAssumeRole(withIdentity, caller, trustWith(statements))).toEqual(refused);
    // Planted: decision 147's trust, its AssumeRole a statement of its own naming the caller and no tag: both admitted.
    const before = [
      { Sid: 'TheHandlersExecutionRoles', Effect: 'Allow', Principal: opsRoot, Action: ['sts:AssumeRole'], Condition: { ArnEquals: { 'aws:PrincipalArn': [caller.arn] } } },
      ...statements.map((st) => ({ ...st, Action: st.Action.filter((a) => a !== 'sts:AssumeRole') })),
    ];
    expect(await judgeAssumeRole(plain, caller, trustWith(before))).toBeUndefined();
    expect(await judgeAssumeRole(withIdentity, caller, trustWith(before))).toBeUndefined();
  });

  it("resolves a trust's policy variable from the request (decision 383): the trust by region tag admits each region's execution role with its own region's tag only", async () => {
    const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];
    const execution = (region: string): { account: string; arn: string } => ({ account: OPS, arn: `arn:aws:iam::${OPS}:role/notification-runbooks-scale-consumers-${region}` });
    const statements = remediationRoleTrustByRegionTag('aws', OPS, 'scale-consumers', regions.map((region) => ({ region, roleArn: execution(region).arn })));
    expect(JSON.stringify(statements)).toContain('role/notification-runbooks-scale-consumers-${aws:RequestTag/runbook-region}');
    const trust = async (): Promise<string> => encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
    const session = (region: string | undefined): string => {
      const form = new URLSearchParams({ Action: 'AssumeRole', RoleArn: ROLE, RoleSessionName: 'scale-consumers.inc-3f2a9c1b7d44', SourceIdentity: 'notification-runbooks-scale-consumers' });
      const tags: Array<[string, string]> = [['runbook-playbook', 'scale-consumers'], ['runbook-incident', 'inc-3f2a9c1b7d44'], ...(region ? [['runbook-region', region] as [string, string]] : [])];
      tags.forEach(([key, value], i) => {
        form.set(`Tags.member.${i + 1}.Key`, key);
        form.set(`Tags.member.${i + 1}.Value`, value);
      });
      return form.toString();
    };
    const verdicts: string[] = [];
    for (const from of [...regions, 'ca-central-1']) {
      for (const tag of [...regions, 'ca-central-1', '*', undefined]) {
        const answer = await judgeAssumeRole(session(tag), execution(from), trust);
        verdicts.push(`${from} tag=${tag ?? '(none)'}: ${answer === undefined ? 'admitted' : answer.status}`);
      }
    }
    expect(verdicts.filter((v) => v.endsWith('admitted'))).toEqual(['us-east-1 tag=us-east-1: admitted', 'us-west-2 tag=us-west-2: admitted', 'eu-west-1 tag=eu-west-1: admitted']);
    expect(verdicts).toHaveLength(24);
    // The sandbox's caller (user/moto) is no execution role: refused.
    expect(await judgeAssumeRole(session('us-east-1'), caller, trust)).toMatchObject({ status: 403 });
  });

  it('refuses, as unsupported, a policy variable form it does not read (a default value), never guessing', () => {
    const policy = (value: string): SimulatedPolicy[] => [{ name: 'p', document: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': value } } }] } }];
    const input = { action: 'sts:AssumeRole', resource: '*', context: { 'aws:PrincipalTag/team': ['a'], 'aws:RequestTag/team': ['a'] } };
    expect(simulatePolicies(policy('${aws:RequestTag/team}'), input).decision).toBe('allowed');
    expect(simulatePolicies(policy('${aws:RequestTag/other}'), input).decision).toBe('implicitDeny');
    expect(() => simulatePolicies(policy("${aws:RequestTag/team, 'a'}"), input)).toThrow(UnsupportedPolicyError);
  });

  it('a role that does not exist is refused as AWS refuses it (AccessDenied), reading its own account', async () => {
    const read = jest.fn(() => Promise.reject(Object.assign(new Error('no role'), { name: 'NoSuchEntityException' })));
    expect(await judgeAssumeRole(body, caller, read)).toMatchObject({ status: 403, error: { code: 'AccessDenied' } });
    expect(read).toHaveBeenCalledWith('444455556666', 'notification-runbooks-remediate-scale-consumers');
  });

  it('judges only existence for a caller it cannot name (keys moto issued), and leaves malformed ARNs to moto', async () => {
    expect(await judgeAssumeRole(body, undefined, trustOf({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'sts:AssumeRole' }))).toBeUndefined();
    const read = jest.fn(() => Promise.resolve(''));
    expect(await judgeAssumeRole(new URLSearchParams({ RoleArn: 'not-an-arn' }).toString(), caller, read)).toBeUndefined();
    expect(read).not.toHaveBeenCalled();
  });
});

describe('simulateCustomPolicy (sandbox iam:SimulateCustomPolicy: moto has none)', () => {
  const OPS = '111122223333';
  const ROLE = 'arn:aws:iam::444455556666:role/notification-runbooks-remediate-verify-change';
  const own = `arn:aws:iam::${OPS}:role/notification-runbooks-verify-change-us-east-1`;
  /** infra's trust of verify-change's remediation role, as preflight sends it: Principal removed, Resource the role. */
  const drRole = `arn:aws:iam::${OPS}:role/notification-runbooks-verify-change-us-west-2`;
  /** Each caller is its region's execution role: `own` us-east-1's, any other the DR region's (decision 147). */
  const statements = (callers: string[]) =>
    remediationRoleTrust('aws', OPS, 'verify-change', callers.map((roleArn) => ({ region: roleArn === own ? 'us-east-1' : 'us-west-2', roleArn }))).map(({ Principal: _p, ...st }) => ({ ...st, Resource: ROLE }));
  const request = (callers: string[], context: Array<[string, string[]]>, extra: Record<string, string> = {}): string => {
    const form = new URLSearchParams({ Action: 'SimulateCustomPolicy', 'PolicyInputList.member.1': JSON.stringify({ Version: '2012-10-17', Statement: statements(callers) }), 'ResourceArns.member.1': ROLE, ...extra });
    ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'].forEach((a, i) => form.set(`ActionNames.member.${i + 1}`, a));
    context.forEach(([key, values], i) => {
      form.set(`ContextEntries.member.${i + 1}.ContextKeyName`, key);
      values.forEach((v, j) => form.set(`ContextEntries.member.${i + 1}.ContextKeyValues.member.${j + 1}`, v));
    });
    return form.toString();
  };
  const session: Array<[string, string[]]> = [
    ['aws:PrincipalArn', [own]],
    ['aws:RequestTag/runbook-playbook', ['verify-change']],
    ['aws:RequestTag/runbook-region', ['us-east-1']],
    ['aws:TagKeys', ['runbook-playbook', 'runbook-incident', 'runbook-region']],
    ['sts:SourceIdentity', ['notification-runbooks-verify-change']],
  ];
  const decisions = (reply: ReturnType<typeof simulateCustomPolicy>): string[] => ('xml' in reply ? [...reply.xml.matchAll(/<EvalActionName>([^<]*)<\/EvalActionName>.*?<EvalDecision>([^<]*)</g)].map((m) => `${m[1]} ${m[2]}`) : [JSON.stringify(reply)]);

  it("judges each action of infra's trust with the handler's session context: all allowed for its own execution role", () => {
    expect(decisions(simulateCustomPolicy(request([own], session)))).toEqual(['sts:AssumeRole allowed', 'sts:TagSession allowed', 'sts:SetSourceIdentity allowed']);
  });

  it('denies each action to another role, a tag of another playbook, an extra tag key, another source identity', () => {
    expect(decisions(simulateCustomPolicy(request([`arn:aws:iam::${OPS}:role/notification-runbooks-scale-consumers-us-east-1`], session)))).toEqual([
      'sts:AssumeRole implicitDeny',
      'sts:TagSession implicitDeny',
      'sts:SetSourceIdentity implicitDeny',
    ]);
    const changed = (key: string, values: string[]) => session.map(([k, v]): [string, string[]] => [k, k === key ? values : v]);
    expect(decisions(simulateCustomPolicy(request([own], changed('aws:RequestTag/runbook-playbook', ['scale-consumers']))))).toContain('sts:TagSession implicitDeny');
    expect(decisions(simulateCustomPolicy(request([own], changed('aws:TagKeys', ['runbook-playbook', 'runbook-incident', 'runbook-region', 'owner']))))).toContain('sts:TagSession implicitDeny');
    expect(decisions(simulateCustomPolicy(request([own], changed('sts:SourceIdentity', ['someone-else']))))).toEqual(['sts:AssumeRole allowed', 'sts:TagSession allowed', 'sts:SetSourceIdentity implicitDeny']);
  });

  it("binds the session's region tag to the caller: each region's execution role only with its own region, none without the tag (decision 147)", () => {
    const tagged = (principal: string, region: string | undefined): Array<[string, string[]]> =>
      session.flatMap(([k, v]): Array<[string, string[]]> => (k === 'aws:PrincipalArn' ? [[k, [principal]]] : k === 'aws:RequestTag/runbook-region' ? (region ? [[k, [region]]] : []) : [[k, v]]));
    // sts:AssumeRole and sts:TagSession of the request, judged alike (decision 176).
    const opened = (principal: string, region: string | undefined): string =>
      decisions(simulateCustomPolicy(request([own, drRole], tagged(principal, region))))
        .filter((d) => !d.startsWith('sts:SetSourceIdentity'))
        .join(', ');
    expect([opened(own, 'us-east-1'), opened(drRole, 'us-west-2')]).toEqual(['sts:AssumeRole allowed, sts:TagSession allowed', 'sts:AssumeRole allowed, sts:TagSession allowed']);
    // The attacker: the DR region's execution role naming the primary region as its own, and the reverse.
    expect([opened(drRole, 'us-east-1'), opened(own, 'us-west-2')]).toEqual(['sts:AssumeRole implicitDeny, sts:TagSession implicitDeny', 'sts:AssumeRole implicitDeny, sts:TagSession implicitDeny']);
    expect(opened(own, undefined)).toBe('sts:AssumeRole implicitDeny, sts:TagSession implicitDeny');
  });

  it('a key given as multivalued (ContextKeyType stringList) matches only under a set operator, as IAM requires; the same key given as a string matches a plain operator', () => {
    const BUS = `arn:aws:events:us-east-1:${OPS}:event-bus/notification-runbooks`;
    const put = (condition: Record<string, unknown>, type: string): string =>
      new URLSearchParams({
        Action: 'SimulateCustomPolicy',
        'PolicyInputList.member.1': JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS, Condition: condition }] }),
        'ActionNames.member.1': 'events:PutEvents',
        'ResourceArns.member.1': BUS,
        'ContextEntries.member.1.ContextKeyName': 'events:source',
        'ContextEntries.member.1.ContextKeyType': type,
        'ContextEntries.member.1.ContextKeyValues.member.1': 'aws.cloudwatch',
      }).toString();
    const plain = { StringEquals: { 'events:source': 'aws.cloudwatch' } };
    const set = { 'ForAllValues:StringEquals': { 'events:source': 'aws.cloudwatch' } };
    expect(decisions(simulateCustomPolicy(put(plain, 'stringList')))).toEqual(['events:PutEvents implicitDeny']);
    expect(decisions(simulateCustomPolicy(put(set, 'stringList')))).toEqual(['events:PutEvents allowed']);
    expect(decisions(simulateCustomPolicy(put({ 'ForAnyValue:StringEquals': { 'events:source': 'aws.cloudwatch' } }, 'stringList')))).toEqual(['events:PutEvents allowed']);
    expect(decisions(simulateCustomPolicy(put(plain, 'string')))).toEqual(['events:PutEvents allowed']);
  });

  it('refuses a ResourcePolicy (AWS needs an IAM user as CallerArn for one), no PolicyInputList, and a document that is not JSON', () => {
    expect(simulateCustomPolicy(request([own], session, { ResourcePolicy: '{}' }))).toMatchObject({ status: 400, error: { code: 'InvalidInput' } });
    expect(simulateCustomPolicy(new URLSearchParams({ 'ActionNames.member.1': 'sts:AssumeRole' }).toString())).toMatchObject({ status: 400, error: { code: 'InvalidInput', message: 'PolicyInputList is required' } });
    expect(simulateCustomPolicy(new URLSearchParams({ 'PolicyInputList.member.1': '{', 'ActionNames.member.1': 'sts:AssumeRole' }).toString())).toMatchObject({ status: 400, error: { code: 'MalformedPolicyDocument' } });
  });
});
