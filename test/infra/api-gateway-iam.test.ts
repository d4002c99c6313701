// Connection Timeout reads the API in front of the consumer (apigateway:GET): the grant infra derives from the
// playbook's declaration, judged by the IAM policy simulator (moto enforces no IAM). With dependencies.apis[].id set,
// GET is allowed on that API and its sub-paths only; without it, on the account's REST APIs (found by name), with a
// wildcard reason; never a write verb. The full app's simulation (test/infra/default-app.test.ts) covers the deployed role.
import { Stack, App } from 'aws-cdk-lib';
import { Policy, Role, AccountRootPrincipal } from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';
import { scopedStatements } from '../../infra/lib/iam/scoped-policy';
import { watchedResources } from '../../shared/config/alarm-specs';
import { defaultConfig } from '../../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../../shared/config/load-config';
import { connectionTimeoutPlaybook } from '../../shared/playbooks/connection-timeout';
import { deployedRoles } from './support/cfn-policies';
import { policyFindings, simulate, type SimulatedCall } from './support/iam-simulation';
import type { CfnTemplate } from './support/synth';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ID = 'a1b2c3d4e5';
const OTHER = 'zz9y8x7w6v';
const restApi = (id: string, path = '') => `arn:aws:apigateway:${REGION}::/restapis/${id}${path}`;

function inspectRole(apis: Array<Record<string, unknown>>) {
  const config = parseAutomationConfig(mergeConfig(defaultConfig, { dependencies: { apis } }));
  const stack = new Stack(new App(), 'Grant', { env: { account: ACCOUNT, region: REGION } });
  const grant = scopedStatements(
    connectionTimeoutPlaybook.actions,
    { partition: 'aws', account: ACCOUNT, regions: [REGION], environment: 'production', watched: watchedResources(config, 'production'), alarmNames: [] },
    'shared/playbooks/connection-timeout.ts',
  );
  const role = new Role(stack, 'Inspect', { roleName: 'inspect-security-groups', assumedBy: new AccountRootPrincipal() });
  new Policy(stack, 'Actions', { statements: grant.statements, roles: [role] });
  const deployed = deployedRoles(Template.fromStack(stack).toJSON() as CfnTemplate, { partition: 'aws', region: REGION, account: ACCOUNT }).find((r) => r.name === 'inspect-security-groups');
  if (!deployed) throw new Error('no role');
  return { role: deployed, grant };
}

const call = (action: string, resource: string, why: string): SimulatedCall => ({ action, resource, resourceAccount: ACCOUNT, why });
const reads = (id: string): SimulatedCall[] => [
  call('apigateway:GET', restApi(id), 'GetRestApi'),
  call('apigateway:GET', restApi(id, '/stages/prod'), 'GetStage'),
  call('apigateway:GET', restApi(id, '/stages'), 'GetStages'),
  call('apigateway:GET', restApi(id, '/resources'), 'GetResources?embed=methods'),
  call('apigateway:GET', restApi(id, '/resources/res1/methods/POST/integration'), 'GetIntegration'),
];
const writes = (id: string): SimulatedCall[] => [
  call('apigateway:PATCH', restApi(id, '/stages/prod'), 'UpdateStage: turns off the access log'),
  call('apigateway:PUT', restApi(id, '/resources/res1/methods/POST/integration'), 'PutIntegration'),
  call('apigateway:POST', restApi(id, '/resources'), 'CreateResource'),
  call('apigateway:DELETE', restApi(id), 'DeleteRestApi'),
];

async function judged(role: ReturnType<typeof inspectRole>['role'], calls: SimulatedCall[]): Promise<string[]> {
  const principal = { arn: role.arn, roleArn: role.arn, account: ACCOUNT, policies: role.policies };
  return Promise.all(calls.map(async (c) => `${(await simulate(principal, c, REGION)).result}: ${c.action} ${c.resource.replace(/^arn:aws:apigateway:[^:]+::/, '')}`));
}
const expectAll = (calls: SimulatedCall[], result: string) => calls.map((c) => `${result}: ${c.action} ${c.resource.replace(/^arn:aws:apigateway:[^:]+::/, '')}`);

describe('apigateway:GET of inspect-security-groups (IAM policy simulation)', () => {
  it('with the API id configured: allows GET on exactly that API and its sub-paths, denies another API, the listing and every write', async () => {
    const { role, grant } = inspectRole([{ name: 'notification-service-api', id: ID, stageName: 'prod', functionName: 'notification-service-consumer' }]);
    const statement = grant.statements.map((s) => s.toStatementJson() as { Action: string | string[]; Resource: string | string[] }).find((s) => [s.Action].flat().includes('apigateway:GET'));
    expect(statement?.Action).toBe('apigateway:GET');
    expect(statement?.Resource).toEqual([restApi(ID), restApi(ID, '/*')]);
    expect(await judged(role, reads(ID))).toEqual(expectAll(reads(ID), 'Allowed'));
    const denied = [...reads(OTHER), call('apigateway:GET', `arn:aws:apigateway:${REGION}::/restapis`, 'GetRestApis'), call('apigateway:GET', `arn:aws:apigateway:us-west-2::/restapis/${ID}`, 'another region'), ...writes(ID)];
    expect(await judged(role, denied)).toEqual(expectAll(denied, 'ImplicitlyDenied'));
    expect(await policyFindings(role.policies.map((p) => ({ where: p.name, kind: 'identity' as const, document: p.document })))).toEqual([]);
  });

  it('without an id (found by name): allows the listing and GET on the account\'s REST APIs, says why it is a wildcard, and still denies every write', async () => {
    const { role, grant } = inspectRole([{ name: 'notification-service-api', functionName: 'notification-service-consumer' }]);
    const listing = call('apigateway:GET', `arn:aws:apigateway:${REGION}::/restapis`, 'GetRestApis');
    expect(await judged(role, [listing, ...reads(ID)])).toEqual(expectAll([listing, ...reads(ID)], 'Allowed'));
    expect(await judged(role, writes(ID))).toEqual(expectAll(writes(ID), 'ImplicitlyDenied'));
    expect(grant.wildcards.find((w) => w.resource === restApi('*'))?.reason).toContain('dependencies.apis has no id for notification-service-api');
  });

  it('catches a planted write: the grant widened to apigateway:* would let the diagnosis turn off the access log', async () => {
    const { role } = inspectRole([{ name: 'notification-service-api', id: ID, functionName: 'notification-service-consumer' }]);
    const planted = {
      ...role,
      policies: role.policies.map((p) => ({
        ...p,
        document: { ...p.document, Statement: p.document.Statement.map((s) => ([s.Action].flat().includes('apigateway:GET') ? { ...s, Action: 'apigateway:*' } : s)) },
      })),
    };
    const [patch] = writes(ID);
    expect(await judged(planted, [patch!])).toEqual(expectAll([patch!], 'Allowed'));
  });
});
