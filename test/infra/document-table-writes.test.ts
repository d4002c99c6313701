// The runbook documents' role writes the state table only as NotificationService-AcknowledgeIncident does (review 11b
// F7): its grant, as synthesized, judged by @cloud-copilot/iam-simulate for the ack's own UpdateItem and for the writes an
// automation of someone else's, run as this role, would make (its trust admits any automation execution of the account).
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { DocumentTableWriteError, documentTableWriteCondition } from '../../infra/lib/iam/document-table-writes';
import { readRunbookDocument } from '../../infra/lib/constructs/runbook-documents';
import { claimKeyOf } from '../../shared/state/state-records';
import { deployedRoles, type DeployedRole } from './support/cfn-policies';
import { synthesizeApp, type SynthesizedApp } from './support/synth';

const ACK_ATTRIBUTES = ['pk', 'sk', 'status', 'acknowledgedBy', 'acknowledgedNote', 'acknowledgedAt', 'acknowledgedVia'];

/** The context DynamoDB sets on an UpdateItem: the partition, every attribute name the request names, its ReturnValues. */
const updateItem = (pk: string, attributes: string[], returnValues = 'UPDATED_NEW'): Record<string, string | string[]> => ({
  'dynamodb:LeadingKeys': [pk],
  'dynamodb:Attributes': attributes,
  'dynamodb:ReturnValues': returnValues,
});

describe.each([
  ['single account (production)', { environment: 'production', account: '123456789012' }, '123456789012'],
  ['cross-account mode, the operations account (production)', { environment: 'production', accounts: { production: '222222222222' }, operationsAccount: '111111111111' }, '111111111111'],
] as Array<[string, Record<string, unknown>, string]>)("the documents' role writes the state table only as the acknowledgement does: %s", (_mode, context, account) => {
  const tableArn = `arn:aws:dynamodb:us-east-1:${account}:table/notification-runbooks-state`;
  let synthesized: SynthesizedApp;
  let role: DeployedRole;
  beforeAll(() => {
    synthesized = synthesizeApp(context, { cfnValidation: false });
    const template = synthesized.json.get('NotificationRunbooks-production-us-east-1');
    if (!template) throw new Error('no stack');
    const found = deployedRoles(template, { partition: 'aws', region: 'us-east-1', account }).find((r) => r.name === 'notification-runbooks-automation-us-east-1');
    if (!found) throw new Error("no documents' role");
    role = found;
  });
  afterAll(() => synthesized.dispose());

  async function judge(keys: Record<string, string | string[]>, action = 'dynamodb:UpdateItem'): Promise<string> {
    const response = await runSimulation(
      {
        request: {
          principal: `arn:aws:sts::${account}:assumed-role/${role.name}/automation-session`,
          action,
          resource: { resource: tableArn, accountId: account },
          contextVariables: { 'aws:PrincipalArn': role.arn, 'aws:PrincipalAccount': account, 'aws:RequestedRegion': 'us-east-1', ...keys },
        },
        identityPolicies: role.policies.map((p) => ({ name: p.name, policy: p.document })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    if (response.resultType === 'error') throw new Error(`iam-simulate could not simulate: ${JSON.stringify(response.errors)}`);
    return response.overallResult;
  }

  it("is granted UpdateItem alone on the table, with the acknowledgement's partitions, attributes and ReturnValues", () => {
    const statements = role.policies.flatMap((p) => p.document.Statement).filter((st) => [st.Action ?? []].flat().some((a) => a.startsWith('dynamodb:')));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Effect: 'Allow',
      Action: 'dynamodb:UpdateItem',
      Resource: tableArn,
      Condition: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ESCALATION#*'] },
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...ACK_ATTRIBUTES].sort() },
        StringEquals: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
        Null: { 'dynamodb:LeadingKeys': 'false' },
      },
    });
  });

  it.each(([
    ["the acknowledgement's own write (OPEN -> ACKNOWLEDGED with who, note, when, via)", updateItem('ESCALATION#inc-3f2a9c1b7d44', ACK_ATTRIBUTES), 'Allowed'],
    ['the same write naming fewer attributes', updateItem('ESCALATION#inc-3f2a9c1b7d44', ['pk', 'sk', 'status']), 'Allowed'],
    ["a claim's record (what escalate trusts a decision on)", updateItem(claimKeyOf('raise-lambda-memory', 'alarm#2026-12-06T10:00:00.000Z').pk, ['pk', 'sk', 'status']), 'ImplicitlyDenied'],
    ["a resource's cooldown and budget record", updateItem('RESOURCE#arn:aws:lambda:us-east-1:123456789012:function:notification-service-consumer', ['pk', 'sk', 'status']), 'ImplicitlyDenied'],
    ["an incident's level (another attribute of the incident item)", updateItem('ESCALATION#inc-3f2a9c1b7d44', ['pk', 'sk', 'status', 'level']), 'ImplicitlyDenied'],
    ["an incident's next escalation time", updateItem('ESCALATION#inc-3f2a9c1b7d44', ['pk', 'sk', 'nextEscalationAt']), 'ImplicitlyDenied'],
    ['the write reading the whole item back (ReturnValues ALL_NEW)', updateItem('ESCALATION#inc-3f2a9c1b7d44', ACK_ATTRIBUTES, 'ALL_NEW'), 'ImplicitlyDenied'],
    ['a batch naming an incident and a claim', { ...updateItem('ESCALATION#inc-3f2a9c1b7d44', ACK_ATTRIBUTES), 'dynamodb:LeadingKeys': ['ESCALATION#inc-3f2a9c1b7d44', 'INCIDENT#x'] }, 'ImplicitlyDenied'],
  ] as Array<[string, Record<string, string | string[]>, string]>).map(([c, keys, expected]) => [c, expected, keys] as const))('%s -> %s', async (_case, expected, keys) => {
    expect(await judge(keys)).toBe(expected);
  });

  it('may not put or delete an item of the table at all', async () => {
    expect(await judge(updateItem('ESCALATION#inc-3f2a9c1b7d44', ACK_ATTRIBUTES), 'dynamodb:PutItem')).toBe('ImplicitlyDenied');
    expect(await judge(updateItem('ESCALATION#inc-3f2a9c1b7d44', ACK_ATTRIBUTES), 'dynamodb:DeleteItem')).toBe('ImplicitlyDenied');
  });
});

describe('documentTableWriteCondition: reads the bound from the documents, refusing what it cannot bind', () => {
  const ack = readRunbookDocument(`${__dirname}/../../runbooks/NotificationService-AcknowledgeIncident.yaml`);
  const withStep = (edit: (inputs: Record<string, unknown>) => void): { name: string; content: Record<string, unknown> } => {
    const content = structuredClone(ack.content) as { mainSteps: Array<{ name: string; inputs: Record<string, unknown> }> };
    const step = content.mainSteps.find((s) => s.name === 'acknowledge');
    if (!step) throw new Error('no acknowledge step');
    edit(step.inputs);
    return { name: ack.name, content };
  };

  it.each([
    ['ReturnValues ALL_NEW (reads every attribute)', (i: Record<string, unknown>) => (i.ReturnValues = 'ALL_NEW')],
    ['an attribute named in the expression itself', (i: Record<string, unknown>) => (i.UpdateExpression = `${String(i.UpdateExpression)}, level = :open`)],
    ['another DynamoDB API', (i: Record<string, unknown>) => (i.Api = 'PutItem')],
    ['a partition key that is a parameter throughout', (i: Record<string, unknown>) => (i.Key = { pk: { S: '{{ IncidentId }}' }, sk: { S: 'INCIDENT' } })],
  ])('refuses %s', (_case, edit) => {
    expect(() => documentTableWriteCondition([withStep(edit)])).toThrow(DocumentTableWriteError);
  });

  it("binds the acknowledgement document as it is (no other document writes the table)", () => {
    expect(documentTableWriteCondition([ack])).toMatchObject({ 'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...ACK_ATTRIBUTES].sort() } });
  });
});
