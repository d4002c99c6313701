// The SSM documents infra deploys: names from their files, and the role's actions from their steps.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRunbookDocument } from '../../infra/lib/constructs/runbook-documents';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbook-documents-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function document(name: string, steps: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `schemaVersion: '0.3'\ndescription: test\nmainSteps:\n${steps}`);
  return file;
}

describe('readRunbookDocument', () => {
  it('derives the role\'s actions from aws:executeAwsApi, property checks, Lambda invocations and approvals', () => {
    const doc = readRunbookDocument(
      document(
        'NotificationService-Resize',
        [
          '  - name: approve',
          '    action: aws:approve',
          '    inputs: { NotificationArn: "arn:aws:sns:us-east-1:111111111111:t", Approvers: ["arn:aws:iam::111111111111:role/oncall"] }',
          '  - name: resize',
          '    action: aws:executeAwsApi',
          '    inputs: { Service: rds, Api: ModifyDBInstance, DBInstanceIdentifier: db }',
          '  - name: wait',
          '    action: aws:waitForAwsResourceProperty',
          '    inputs: { Service: rds, Api: DescribeDBInstances, PropertySelector: "$.DBInstances[0].DBInstanceStatus", DesiredValues: [available] }',
          '  - name: run',
          '    action: aws:invokeLambdaFunction',
          '    inputs: { FunctionName: notification-runbooks-scale-up-database }',
          '  - name: pause',
          '    action: aws:sleep',
          '    inputs: { Duration: PT1M }',
          '',
        ].join('\n'),
      ),
    );
    expect(doc.name).toBe('NotificationService-Resize');
    expect(doc.actions).toEqual(['lambda:InvokeFunction', 'rds:DescribeDBInstances', 'rds:ModifyDBInstance', 'sns:Publish']);
    expect(doc.invokedFunctions).toEqual(['notification-runbooks-scale-up-database']);
    expect(doc.invokesParameterizedFunction).toBe(false);
  });

  it('names the step whose action it cannot derive IAM for, rather than granting less than it needs', () => {
    const file = document('NotificationService-Shell', '  - name: shell\n    action: aws:runCommand\n    inputs: { DocumentName: AWS-RunShellScript }\n');
    expect(() => readRunbookDocument(file)).toThrow(/step shell uses aws:runCommand/);
  });

  it.each([
    ['a reserved AWS prefix', 'AWSSupport-Mine'],
    ['a name SSM refuses', 'ab'],
  ])('refuses a document file with %s as its name', (_why, name) => {
    expect(() => readRunbookDocument(document(name, '  - name: s\n    action: aws:sleep\n    inputs: { Duration: PT1S }\n'))).toThrow(/not a valid SSM document name/);
  });
});
