// API inputs and selectors of aws:executeAwsApi / aws:waitForAwsResourceProperty / aws:assertAwsResourceProperty,
// checked against the installed @aws-sdk/client-* package's own model of the operation (its exported schemas).
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseRunbook } from '../../../shared/runbooks/document';
import { lintFiles } from '../../../shared/runbooks/lint/lint-files';
import { lintRunbook, type Finding } from '../../../shared/runbooks/lint/lint-runbook';
import { sdkCatalog } from '../../../shared/runbooks/sdk-catalog';
import { sdkModels } from '../../../shared/runbooks/sdk-model';

type Step = Record<string, unknown>;

function documentWith(steps: Step[]): Record<string, unknown> {
  return {
    schemaVersion: '0.3',
    description: 'Resize the database.',
    parameters: {
      DbInstanceId: { type: 'String', description: 'Instance.', allowedPattern: '^[a-z][a-z0-9-]{0,62}$' },
      InstanceIds: { type: 'StringList', description: 'Instances.', allowedPattern: '^i-[a-z0-9]+$' },
    },
    mainSteps: steps,
  };
}

const lint = (steps: Step[]): Finding[] => lintRunbook(parseRunbook('test.yaml', stringify(documentWith(steps))));
const errorsOf = (findings: Finding[], rule: string): Finding[] => findings.filter((f) => f.severity === 'error' && f.rule === rule);

const modify = (inputs: Record<string, unknown>): Step => ({
  name: 'resizeDatabase',
  action: 'aws:executeAwsApi',
  inputs: { Service: 'rds', Api: 'ModifyDBInstance', ...inputs },
});

describe('the model comes from the installed SDK client itself', () => {
  it('rds ModifyDBInstance: DBInstanceIdentifier is its one required member, DBSecurityGroups a list, ApplyImmediately a boolean', () => {
    const operation = sdkModels(sdkCatalog()).operation('rds', 'ModifyDBInstance');
    expect(operation?.client.packageName).toBe('@aws-sdk/client-rds');
    expect(operation?.input.required()).toEqual(['DBInstanceIdentifier']);
    expect(operation?.input.member('DBSecurityGroups')?.kind).toBe('list');
    expect(operation?.input.member('ApplyImmediately')?.kind).toBe('boolean');
    expect(operation?.input.memberNames().length).toBeGreaterThan(50);
    expect(operation?.output.member('DBInstance')?.member('DBInstanceStatus')?.kind).toBe('string');
  });

  it('a service without an installed client has no model (and the linter still says "cannot verify")', () => {
    expect(sdkModels(sdkCatalog()).operation('s3', 'ListBuckets')).toBeUndefined();
    const findings = lint([{ name: 'list', action: 'aws:executeAwsApi', inputs: { Service: 's3', Api: 'ListBuckets', Bucket: ['x'] } }]);
    expect(findings.filter((f) => f.rule.startsWith('api-'))).toEqual([]);
    expect(findings).toContainEqual(expect.objectContaining({ severity: 'warning', rule: 'unverifiable-api', step: 'list' }));
  });
});

describe('planted mistakes in API inputs are errors naming the step and the valid members', () => {
  it('a misspelled input name: DBInstanceIdentifer', () => {
    const findings = errorsOf(lint([modify({ DBInstanceIdentifer: '{{ DbInstanceId }}', DBInstanceClass: 'db.r6g.large' })]), 'api-input');
    expect(findings).toHaveLength(2);
    const unknown = findings.find((f) => f.message.startsWith('DBInstanceIdentifer:'));
    const missing = findings.find((f) => f !== unknown);
    expect(unknown).toMatchObject({ step: 'resizeDatabase', line: expect.any(Number) });
    expect(unknown?.message).toMatch(/^DBInstanceIdentifer: rds ModifyDBInstance input has no member DBInstanceIdentifer \(did you mean DBInstanceIdentifier\?\); valid members: DBInstanceIdentifier, AllocatedStorage, DBInstanceClass, /);
    expect(unknown?.message).toContain('(the ModifyDBInstance model in @aws-sdk/client-rds ');
    // Leaving the real name out is the second mistake: the required member is missing.
    expect(missing?.message).toMatch(/^rds ModifyDBInstance input needs member DBInstanceIdentifier \(required\); valid members: DBInstanceIdentifier, /);
  });

  it('a missing required input', () => {
    const findings = errorsOf(lint([modify({ DBInstanceClass: 'db.r6g.large', ApplyImmediately: true })]), 'api-input');
    expect(findings.map((f) => [f.step, f.message.split(';')[0]])).toEqual([['resizeDatabase', 'rds ModifyDBInstance input needs member DBInstanceIdentifier (required)']]);
    expect(findings[0]?.message).toContain('valid members: DBInstanceIdentifier, AllocatedStorage, DBInstanceClass');
  });

  it('a list where one value is expected', () => {
    const findings = errorsOf(lint([modify({ DBInstanceIdentifier: ['notification-db', 'notification-db-replica'] })]), 'api-input');
    expect(findings.map((f) => [f.step, f.message.split(' (the ')[0]])).toEqual([['resizeDatabase', 'DBInstanceIdentifier: must be a single string value, got a list']]);
  });

  it('a StringList parameter where one value is expected, and a String parameter where a list is expected', () => {
    const findings = errorsOf(
      lint([
        modify({ DBInstanceIdentifier: '{{ InstanceIds }}' }),
        { name: 'describe', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'DescribeInstances', InstanceIds: '{{ DbInstanceId }}' } },
      ]),
      'api-input',
    );
    expect(findings.map((f) => [f.step, f.message.split(' (the ')[0]])).toEqual([
      ['resizeDatabase', 'DBInstanceIdentifier: must be a single string value, got a list ({{ InstanceIds }} is declared a list)'],
      ['describe', 'InstanceIds: must be a list of strings, got a single value ({{ DbInstanceId }} is declared a single value)'],
    ]);
  });

  it('inside a list of structures: Filters[0].Value is not a member of Filter (Name, Values)', () => {
    const findings = errorsOf(
      lint([{ name: 'describe', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'DescribeInstances', Filters: [{ Name: 'tag:Service', Value: ['notification'] }] } }]),
      'api-input',
    );
    expect(findings.map((f) => f.message.split(' (the ')[0])).toEqual(['Filters[0].Value: Filters[0] (Filter) has no member Value (did you mean Values?); valid members: Name, Values']);
  });

  it('the same checks on the property actions: a wait with a wrong input and a wrong PropertySelector', () => {
    const findings = lint([
      {
        name: 'waitAvailable',
        action: 'aws:waitForAwsResourceProperty',
        inputs: { Service: 'rds', Api: 'DescribeDBInstances', DBInstanceId: '{{ DbInstanceId }}', PropertySelector: '$.DBInstances[0].DBInstanceState', DesiredValues: ['available'] },
      },
    ]);
    expect(errorsOf(findings, 'api-input').map((f) => f.message.split(';')[0])).toEqual(['DBInstanceId: rds DescribeDBInstances input has no member DBInstanceId (did you mean DBInstanceIdentifier?)']);
    expect(errorsOf(findings, 'api-selector').map((f) => [f.step, f.message.split(' (@aws-sdk')[0]])).toEqual([
      ['waitAvailable', expect.stringMatching(/^inputs\.PropertySelector "\$\.DBInstances\[0\]\.DBInstanceState" selects nothing in the DescribeDBInstances response: \$\.DBInstances\[\] is DBInstance, which has no member DBInstanceState \(did you mean DBInstanceStatus\?\); its members: /)],
    ]);
  });

  it('an executeAwsApi output whose Selector selects nothing is a warning (the output is empty), not an error', () => {
    const findings = lint([{ ...modify({ DBInstanceIdentifier: '{{ DbInstanceId }}' }), outputs: [{ Name: 'Status', Selector: '$.DBInstance.Status', Type: 'String' }] }]);
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(findings).toContainEqual(expect.objectContaining({ severity: 'warning', rule: 'api-selector', step: 'resizeDatabase', message: expect.stringMatching(/has no member Status \(did you mean [^)]*DBInstanceStatus/) }));
  });
});

describe('what AWS accepts is not reported', () => {
  it.each<[string, Step]>([
    ['members in model case (ssm DescribeInstanceInformation: key / valueSet)', { name: 'managed', action: 'aws:waitForAwsResourceProperty', inputs: { Service: 'ssm', Api: 'DescribeInstanceInformation', InstanceInformationFilterList: [{ key: 'InstanceIds', valueSet: ['{{ InstanceIds }}'] }], PropertySelector: '$.InstanceInformationList[0].PingStatus', DesiredValues: ['Online'] } }],
    ['a StringList parameter as the item of a list (spliced in)', { name: 'describe', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'DescribeInstances', InstanceIds: ['{{ InstanceIds }}'] }, outputs: [{ Name: 'State', Selector: '$.Reservations[0].Instances[0].State.Name', Type: 'String' }] }],
    ['a map member (sqs SetQueueAttributes Attributes)', { name: 'encrypt', action: 'aws:executeAwsApi', inputs: { Service: 'sqs', Api: 'SetQueueAttributes', QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q', Attributes: { KmsMasterKeyId: 'alias/aws/sqs' } } }],
    ['boto3 ResponseMetadata and a map key in a selector', { name: 'read', action: 'aws:executeAwsApi', inputs: { Service: 'sqs', Api: 'GetQueueAttributes', QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q', AttributeNames: ['All'] }, outputs: [{ Name: 'Code', Selector: '$.ResponseMetadata.HTTPStatusCode', Type: 'Integer' }, { Name: 'Depth', Selector: '$.Attributes.ApproximateNumberOfMessages', Type: 'String' }] }],
  ])('%s', (_situation, step) => {
    const findings = lint([step]);
    expect(findings.filter((f) => f.rule.startsWith('api-') || f.severity === 'error')).toEqual([]);
  });
});

describe("a real AWS-published document that AWS accepts and that fails at run time", () => {
  it('AWSConfigRemediation-EncryptRDSSnapshot: DeleteDBClusterSnapshot given DBSnapshotIdentifier (the cluster-snapshot path)', () => {
    const file = join(__dirname, '../../fixtures/ssm-documents/aws-fails-at-run-time/AWSConfigRemediation-EncryptRDSSnapshot.yaml');
    const report = lintFiles([file]);
    expect(report.findings.filter((f) => f.severity === 'error').map((f) => [f.step, f.rule, f.message.split(';')[0]])).toEqual([
      ['DeleteUnencryptedRdsClusterSnapshot', 'api-input', 'rds DeleteDBClusterSnapshot input needs member DBClusterSnapshotIdentifier (required)'],
      ['DeleteUnencryptedRdsClusterSnapshot', 'api-input', 'DBSnapshotIdentifier: rds DeleteDBClusterSnapshot input has no member DBSnapshotIdentifier'],
    ]);
  });
});
