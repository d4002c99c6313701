// Review 22a R22a-8, decision 383: a third region put six remediation roles' trusts over IAM's 2,048 characters (one
// statement per region binds the region tag to its caller, decision 147). Past 2,048 the trust is one statement naming the
// caller by the region it tags (remediationRoleTrustByRegionTag). Proven here with the policy simulator the infra suites
// use (test/infra/support/iam-simulation.ts, @cloud-copilot/iam-simulate): over every principal, tag and action below, the
// one-statement trust decides exactly as the per-region one, so it admits no one the per-region trust refused, and the
// attackers (another account, another role, another handler, a region not configured, a tag of another region, a
// wildcard tag, no tag) are refused by both.
import { App, Stack } from 'aws-cdk-lib';
import { policyChars } from '../../infra/lib/iam/policy-size';
import { remediationRoleTrust, remediationRoleTrustByRegionTag, type PolicyStatementJson, type RegionCaller } from '../../infra/lib/iam/workload-roles';
import { fittedRemediationTrust } from '../../infra/lib/remediation-roles-stack';
import { executionRoleNameOf } from '../../infra/lib/settings';
import { remediationSourceIdentity, SESSION_TAG_KEYS } from '../../shared/config/names';
import type { PolicyDocument } from './support/cfn-policies';
import { simulate, type SimulationPrincipal } from './support/iam-simulation';
import { runCase, simulationPlan } from './suites/iam-simulation';
import { resourcesOfType, synthesizeApp } from './support/synth';

const OPERATIONS = '111111111111';
const WORKLOAD = '222222222222';
const OTHER_ACCOUNT = '333333333333';
const HANDLER = 'inspect-security-groups';
const OTHER_HANDLER = 'scale-consumers';
const ROLE_ARN = `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-remediate-${HANDLER}`;
const FOUR = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
/** A region no configuration here names: its execution role (the name an attacker could create in the operations account) is no caller. */
const UNCONFIGURED = 'ca-central-1';

const roleArn = (account: string, name: string, partition = 'aws'): string => `arn:${partition}:iam::${account}:role/${name}`;
const callersOf = (regions: readonly string[], handler = HANDLER, partition = 'aws'): RegionCaller[] =>
  regions.map((region) => ({ region, roleArn: roleArn(OPERATIONS, executionRoleNameOf(handler, region), partition) }));
const documentOf = (statements: PolicyStatementJson[]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements } as unknown as PolicyDocument);

/** The principal asking: its own policy allows the three actions on the role, so the trust alone decides. */
const asker = (arn: string, account: string): SimulationPrincipal => ({
  arn,
  roleArn: arn,
  account,
  policies: [{ name: 'own', document: documentOf([{ Sid: 'Assume', Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'], Resource: [ROLE_ARN] }]) }],
});

/** The request's session tags, as remediationSession sets them; `region` undefined: a request without the region tag. */
function requestContext(playbook: string, region: string | undefined): Record<string, string | string[]> {
  const tags: Record<string, string> = { [SESSION_TAG_KEYS.playbook]: playbook, [SESSION_TAG_KEYS.incident]: 'inc-0123456789abcdef', ...(region !== undefined ? { [SESSION_TAG_KEYS.region]: region } : {}) };
  return {
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
    'aws:TagKeys': Object.keys(tags),
    'sts:SourceIdentity': remediationSourceIdentity(HANDLER),
  };
}

/** Every request judged: "<principal> tag=<region> playbook=<p> <action>" -> the simulator's decision. */
async function decisions(trust: PolicyStatementJson[], regions: readonly string[]): Promise<Map<string, string>> {
  const principals: Array<[string, SimulationPrincipal]> = [
    ...[...regions, UNCONFIGURED].flatMap((r): Array<[string, SimulationPrincipal]> => [
      [`own ${r}`, asker(roleArn(OPERATIONS, executionRoleNameOf(HANDLER, r)), OPERATIONS)],
      [`${OTHER_HANDLER} ${r}`, asker(roleArn(OPERATIONS, executionRoleNameOf(OTHER_HANDLER, r)), OPERATIONS)],
    ]),
    ['not-a-handler', asker(roleArn(OPERATIONS, 'runbook-preflight-probe-not-a-handler'), OPERATIONS)],
    // The handler's own execution role name, created in another account.
    [`other-account ${regions[0]!}`, asker(roleArn(OTHER_ACCOUNT, executionRoleNameOf(HANDLER, regions[0]!)), OTHER_ACCOUNT)],
  ];
  const tagValues: Array<string | undefined> = [...regions, UNCONFIGURED, '*', 'us-*', undefined];
  const out = new Map<string, string>();
  for (const [who, principal] of principals) {
    for (const tag of tagValues) {
      for (const playbook of [HANDLER, OTHER_HANDLER]) {
        for (const action of ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity']) {
          const { result } = await simulate(principal, { action, resource: ROLE_ARN, resourceAccount: WORKLOAD, resourcePolicy: documentOf(trust), context: requestContext(playbook, tag), why: 'R22a-8' }, regions[0]!);
          out.set(`${who} tag=${tag ?? '(none)'} playbook=${playbook} ${action}`, result);
        }
      }
    }
  }
  return out;
}

const allowed = (judged: Map<string, string>, action: string): string[] => [...judged].filter(([k, v]) => v === 'Allowed' && k.endsWith(action)).map(([k]) => k.replace(` ${action}`, ''));

describe('a remediation role\'s trust past 2,048 characters: one statement naming the caller by the region it tags (R22a-8)', () => {
  it.each([2, 3, 4])('at %i regions, decides every request exactly as the per-region trust: only the handler\'s execution role of a configured region, tagging that region', async (n) => {
    const regions = FOUR.slice(0, n);
    const perRegion = await decisions(remediationRoleTrust('aws', OPERATIONS, HANDLER, callersOf(regions)), regions);
    const byTag = await decisions(remediationRoleTrustByRegionTag('aws', OPERATIONS, HANDLER, callersOf(regions)), regions);
    // 2 handlers x (n + 1) regions + 2 principals, (n + 4) tag values, 2 playbooks, 3 actions.
    expect(byTag.size).toBe((2 * (n + 1) + 2) * (n + 4) * 2 * 3);
    expect([...byTag].filter(([k, v]) => perRegion.get(k) !== v)).toEqual([]);
    expect(allowed(byTag, 'sts:AssumeRole')).toEqual(regions.map((r) => `own ${r} tag=${r} playbook=${HANDLER}`));
    expect(allowed(byTag, 'sts:TagSession')).toEqual(regions.map((r) => `own ${r} tag=${r} playbook=${HANDLER}`));
    // The source identity statement is the per-region trust's own (every caller, its handler's identity), unchanged.
    expect(allowed(byTag, 'sts:SetSourceIdentity')).toHaveLength(n * (n + 4) * 2);
  });

  it('catches a widened trust: the caller named by a prefix wildcard admits another handler\'s role and an unconfigured region\'s', async () => {
    const regions = FOUR.slice(0, 3);
    const widened = remediationRoleTrustByRegionTag('aws', OPERATIONS, HANDLER, callersOf(regions)).map((st): PolicyStatementJson => {
      if (!st.Condition?.ArnEquals || st.Sid.startsWith('SourceIdentity')) return st;
      const { ArnEquals: _named, ...rest } = st.Condition;
      return { ...st, Condition: { ...rest, ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${OPERATIONS}:role/notification-runbooks-*` } } };
    });
    const perRegion = await decisions(remediationRoleTrust('aws', OPERATIONS, HANDLER, callersOf(regions)), regions);
    const judged = await decisions(widened, regions);
    const admittedOnlyWidened = [...judged].filter(([k, v]) => v === 'Allowed' && perRegion.get(k) !== 'Allowed').map(([k]) => k);
    // Every principal of the operations account named notification-runbooks-*, any configured region's tag.
    expect(admittedOnlyWidened).toContain(`${OTHER_HANDLER} us-east-1 tag=us-east-1 playbook=${HANDLER} sts:AssumeRole`);
    expect(admittedOnlyWidened).toContain(`own ${UNCONFIGURED} tag=us-west-2 playbook=${HANDLER} sts:AssumeRole`);
    expect(admittedOnlyWidened).toContain(`own us-west-2 tag=us-east-1 playbook=${HANDLER} sts:TagSession`);
    expect(admittedOnlyWidened).toHaveLength(42);
  });

  it('refuses callers it cannot name by their region: a truncated or foreign role name', () => {
    expect(() => remediationRoleTrustByRegionTag('aws', OPERATIONS, HANDLER, [{ region: 'us-east-1', roleArn: roleArn(OPERATIONS, 'x-us-east-1') }, { region: 'us-west-2', roleArn: roleArn(OPERATIONS, 'y-us-west-2') }])).toThrow(
      /its callers' ARNs are not one prefix followed by their region/,
    );
    expect(() => remediationRoleTrustByRegionTag('aws', OPERATIONS, HANDLER, [{ region: 'us-east-1', roleArn: roleArn(OPERATIONS, 'x-us-east-1-truncated') }])).toThrow(/not ending in us-east-1/);
  });

  it('is chosen only where the per-region trust is over 2,048 characters (the size guard\'s measure, partition at its longest)', () => {
    const stack = new Stack(new App(), 'S', { env: { account: WORKLOAD, region: 'us-east-1' } });
    const sizes = (handler: string): Array<[number, number, number, string]> =>
      [1, 2, 3, 4].map((n) => {
        const callers = callersOf(FOUR.slice(0, n), handler, stack.partition);
        const measure = (statements: PolicyStatementJson[]): number => policyChars(stack, { Version: '2012-10-17', Statement: statements });
        const fitted = fittedRemediationTrust(stack, OPERATIONS, handler, callers);
        return [n, measure(remediationRoleTrust(stack.partition, OPERATIONS, handler, callers)), measure(remediationRoleTrustByRegionTag(stack.partition, OPERATIONS, handler, callers)), fitted[0]?.Sid === 'TheHandlersSessionInTheRegionItTags' ? 'by tag' : 'per region'];
      });
    // [regions, per-region, by region tag, chosen]: the longest handler name, and the shortest.
    expect(sizes(HANDLER)).toEqual([
      [1, 945, 976, 'per region'],
      [2, 1568, 1084, 'per region'],
      [3, 2191, 1192, 'by tag'],
      [4, 2834, 1310, 'by tag'],
    ]);
    // escalate's per-region trust still fits at three regions (2,041): it stays as it is.
    expect(sizes('escalate')).toEqual([
      [1, 885, 916, 'per region'],
      [2, 1463, 1009, 'per region'],
      [3, 2041, 1102, 'per region'],
      [4, 2639, 1205, 'by tag'],
    ]);
  });

  it.each<[number, string[], number[]]>([
    [3, ['alert-error-rate', 'check-db-connections', 'escalation-timer', 'inspect-security-groups', 'raise-lambda-memory', 'scale-up-database'], [29, 93, 174]],
    [4, ['alert-error-rate', 'check-db-connections', 'escalate', 'escalation-timer', 'inspect-security-groups', 'raise-lambda-memory', 'scale-consumers', 'scale-up-database', 'verify-change'], [39, 125, 312]],
  ])('the cross-account app at %i regions: those trusts by region tag; every handler assumes its role from each region, another region\'s tag and no tag refused', async (n, byTag, figures) => {
    const regions = FOUR.slice(0, n);
    const synthesized = synthesizeApp(
      {
        environment: 'production',
        accounts: { production: WORKLOAD },
        operationsAccount: OPERATIONS,
        config: JSON.stringify({ environments: { production: { regions, regionRoles: Object.fromEntries(regions.map((r, i) => [r, i === 0 ? 'primary' : 'dr'])), preflightPrincipals: ['role/NotificationServicePreflight'] } } }),
      },
      { cfnValidation: false },
    );
    try {
      const template = synthesized.json.get('NotificationRunbooksRemediation-production')!;
      const shaped = resourcesOfType(template, 'AWS::IAM::Role')
        .filter(([, r]) => JSON.stringify(r.Properties?.AssumeRolePolicyDocument).includes('TheHandlersSessionInTheRegionItTags'))
        .map(([, r]) => String(r.Properties?.RoleName).replace('notification-runbooks-remediate-', ''))
        .sort();
      expect(shaped).toEqual(byTag);
      const plan = await simulationPlan(synthesized);
      const cases = plan.cases.filter((c) => c.needed.some((call) => call.action === 'sts:AssumeRole'));
      const results = [];
      for (const c of cases) results.push(await runCase(c));
      const assumeCalls = cases.flatMap((c) => c.needed.filter((call) => call.action.startsWith('sts:')));
      const attackerCalls = cases.flatMap((c) => c.dangerous.filter((call) => call.action.startsWith('sts:')));
      expect([results.length, assumeCalls.length, attackerCalls.length]).toEqual(figures);
      expect(results.flatMap((r) => [...r.neededDenied, ...r.dangerousAllowed])).toEqual([]);
    } finally {
      synthesized.dispose();
    }
  });
});
