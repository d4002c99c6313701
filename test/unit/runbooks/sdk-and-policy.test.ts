// Where the linter's facts come from: the installed AWS SDK v3 clients (APIs), IAM's action matching, AWS's schema.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionMatches, iamActionForApi } from '../../../shared/runbooks/lint/iam-policy';
import { sdkCatalog } from '../../../shared/runbooks/sdk-catalog';

describe('the SDK catalog', () => {
  it.each([
    ['ec2', '@aws-sdk/client-ec2'],
    ['logs', '@aws-sdk/client-cloudwatch-logs'],
    ['events', '@aws-sdk/client-eventbridge'],
    ['cloudwatch', '@aws-sdk/client-cloudwatch'],
    ['RDS', '@aws-sdk/client-rds'],
    ['dynamodb', '@aws-sdk/client-dynamodb'],
  ])('finds the client of executeAwsApi service %s: %s (by package name, signing name or service id)', (service, packageName) => {
    expect(sdkCatalog().clientFor(service)?.packageName).toBe(packageName);
  });

  it('knows the operations from the package itself: every <Api>Command it ships', () => {
    const ec2 = sdkCatalog().clientFor('ec2');
    expect(ec2 && sdkCatalog().operations(ec2)).toEqual(expect.arrayContaining(['AuthorizeSecurityGroupIngress', 'DescribeSecurityGroups', 'DescribeInstances']));
  });

  it.each<[string, string, string]>([
    ['rds', 'ModifyDBInstance', 'found'],
    ['logs', 'FilterLogEvents', 'found'],
    ['rds', 'ModifyDbInstance', 'respelled'],
    ['ec2', 'describe_instances', 'respelled'],
    ['lambda', 'UpdateFunctionMemory', 'unknown-api'],
    ['s3', 'GetObject', 'unverifiable'],
  ])('%s %s is %s', (service, api, status) => {
    expect(sdkCatalog().checkApi(service, api).status).toBe(status);
  });
});

describe('IAM action matching', () => {
  it.each<[string, string, boolean]>([
    ['ec2:Describe*', 'ec2:DescribeSecurityGroups', true],
    ['ec2:Describe*', 'ec2:AuthorizeSecurityGroupIngress', false],
    ['*', 'rds:ModifyDBInstance', true],
    ['rds:Modify?BInstance', 'rds:ModifyDBInstance', true],
    ['LAMBDA:invokefunction', 'lambda:InvokeFunction', true],
    ['lambda:Invoke', 'lambda:InvokeFunction', false],
  ])('%s covers %s: %s', (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });

  it.each([
    ['lambda', 'Invoke', 'lambda:InvokeFunction'],
    ['cloudwatch', 'DescribeAlarmsForMetric', 'cloudwatch:DescribeAlarmsForMetric'],
    ['elbv2', 'DescribeLoadBalancers', 'elasticloadbalancing:DescribeLoadBalancers'],
    ['stepfunctions', 'StartExecution', 'states:StartExecution'],
  ])('authorizes executeAwsApi %s %s as %s', (service, api, action) => {
    expect(iamActionForApi(service, api)).toBe(action);
  });
});

describe('the vendored AWS schema', () => {
  it('is the schema of the installed aws-ssm-document-language-service, unchanged (fixes live in automation-schema.ts)', () => {
    const root = join(__dirname, '../../..');
    const vendored = readFileSync(join(root, 'shared/runbooks/lint/aws-automation-schema.json'), 'utf8');
    const upstream = readFileSync(join(root, 'node_modules/aws-ssm-document-language-service/dist/schema.json'), 'utf8');
    expect(JSON.parse(vendored)).toEqual(JSON.parse(upstream));
  });
});
