// The SSM documents infra deploys: names from their files, the role's actions from their steps, and the approvers,
// ladder and caps written into their content from the configuration.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { RunbookDocuments, readRunbookDocument } from '../../infra/lib/constructs/runbook-documents';
import { watchedResources } from '../../shared/config/alarm-specs';
import { defaultConfig } from '../../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../../shared/config/load-config';
import type { AutomationConfig, EnvironmentName } from '../../shared/config/schema';
import { documentContentOf } from './support/document-content';
import type { CfnTemplate } from './support/synth';

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
          '    inputs: { NotificationArn: "${Deploy.ApprovalTopicArn}", Approvers: ["arn:aws:iam::111111111111:role/oncall"] }',
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
    // The approval's sns:Publish is granted on the approval topic alone (addAutomationRole), not as a declared action.
    expect(doc.actions).toEqual(['lambda:InvokeFunction', 'rds:DescribeDBInstances', 'rds:ModifyDBInstance']);
    expect(doc.requestsApprovals).toBe(true);
    expect(doc.invokedFunctions).toEqual(['notification-runbooks-scale-up-database']);
    expect(doc.invokesParameterizedFunction).toBe(false);
  });

  it('takes the invoked function from the default of the parameter a step names (so the role invokes only that one), and leaves a parameter without a default open', () => {
    const withDefault = (name: string, parameters: string) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, `schemaVersion: '0.3'\ndescription: test\nparameters:\n${parameters}mainSteps:\n  - name: run\n    action: aws:invokeLambdaFunction\n    inputs: { FunctionName: '{{ Fn }}' }\n`);
      return readRunbookDocument(file);
    };
    const fixed = withDefault('NotificationService-Fixed', '  Fn: { type: String, default: "${Deploy.HandlerArnPrefix}notification-runbooks-scale-consumers" }\n');
    expect([fixed.invokedFunctions, fixed.invokesParameterizedFunction]).toEqual([['notification-runbooks-scale-consumers'], false]);
    const open = withDefault('NotificationService-Open', '  Fn: { type: String }\n');
    expect([open.invokedFunctions, open.invokesParameterizedFunction]).toEqual([[], true]);
  });

  it('refuses an approval that sends its request to a topic other than the approval topic infra deploys', () => {
    const file = document('NotificationService-Elsewhere', '  - name: approve\n    action: aws:approve\n    inputs: { NotificationArn: "arn:aws:sns:us-east-1:111111111111:AutomationSomeoneElses", Approvers: [x] }\n');
    expect(() => readRunbookDocument(file)).toThrow(/step approve sends its approval request to arn:aws:sns:us-east-1:111111111111:AutomationSomeoneElses: name \$\{Deploy\.ApprovalTopicArn\}/);
  });

  it('names the step whose action it cannot derive IAM for, rather than granting less than it needs', () => {
    const file = document('NotificationService-Shell', '  - name: shell\n    action: aws:runCommand\n    inputs: { DocumentName: AWS-RunShellScript }\n');
    expect(() => readRunbookDocument(file)).toThrow(/step shell uses aws:runCommand/);
  });

  it("derives a script step's actions from its boto3 calls, a client built with region_name as the other region's (review 13, R13-2), and refuses calls it cannot read", () => {
    const failback = readRunbookDocument(join(__dirname, '..', '..', 'runbooks', 'NotificationService-FailbackToPrimary.yaml'));
    expect(failback.peerActions).toEqual(['lambda:GetEventSourceMapping', 'lambda:GetFunctionConfiguration', 'lambda:ListEventSourceMappings', 'lambda:UpdateEventSourceMapping', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl']);
    expect(failback.actions).toEqual(expect.arrayContaining(['cloudwatch:GetMetricStatistics']));
    expect(failback.actions).not.toEqual(expect.arrayContaining(['sqs:GetQueueAttributes']));
    // FailoverToDR's best-effort stop of the primary consumers: a client built with region_name and a botocore Config;
    // it reads their function's Timeout too (review 16, R16-1).
    const failover = readRunbookDocument(join(__dirname, '..', '..', 'runbooks', 'NotificationService-FailoverToDR.yaml'));
    expect(failover.peerActions).toEqual(['lambda:GetEventSourceMapping', 'lambda:GetFunctionConfiguration', 'lambda:ListEventSourceMappings', 'lambda:UpdateEventSourceMapping']);
    const script = (body: string) =>
      document('NotificationService-Script', `  - name: run\n    action: aws:executeScript\n    inputs:\n      Runtime: python3.11\n      Handler: handler\n      Script: |-\n${body.split('\n').map((l) => `        ${l}`).join('\n')}\n`);
    const here = readRunbookDocument(script("import boto3\ndef handler(events, context):\n    rds = boto3.client('rds')\n    return rds.describe_db_instances()"));
    expect({ actions: here.actions, peer: here.peerActions }).toEqual({ actions: ['rds:DescribeDBInstances'], peer: [] });
    expect(() => readRunbookDocument(script("import boto3\ndef handler(events, context):\n    return boto3.resource('s3').buckets.all()"))).toThrow(/only through clients assigned from boto3\.client/);
  });

  it.each([
    ['a reserved AWS prefix', 'AWSSupport-Mine'],
    ['a name SSM refuses', 'ab'],
  ])('refuses a document file with %s as its name', (_why, name) => {
    expect(() => readRunbookDocument(document(name, '  - name: s\n    action: aws:sleep\n    inputs: { Duration: PT1S }\n'))).toThrow(/not a valid SSM document name/);
  });
});

describe('the deployed documents carry the configured approvers, ladder and caps (template)', () => {
  const ROOT = join(__dirname, '..', '..');
  const APPROVERS = ['arn:aws:iam::111111111111:role/DbaOnCall', 'role/ServiceOwner'];
  // role/<name> is the stack's own account, in the stack's partition.
  // The stack's partition is a token in the documents' text, resolved here to this marker.
  const STACK_PARTITION = 'the-stack-partition';
  const DEPLOYED_APPROVERS = [
    'arn:aws:iam::111111111111:role/DbaOnCall',
    `arn:${STACK_PARTITION}:iam::111111111111:role/ServiceOwner`,
  ];

  function synth(environment: EnvironmentName, overrides: Record<string, unknown>, change?: (config: AutomationConfig) => void): Record<string, Record<string, unknown>> {
    const config = parseAutomationConfig(mergeConfig(defaultConfig, overrides));
    change?.(config);
    const app = new App();
    const stack = new Stack(app, 'Docs', { env: { account: '111111111111', region: 'us-east-1' } });
    new RunbookDocuments(stack, 'Runbooks', {
      runbooksDir: join(ROOT, 'runbooks'),
      role: {
        create: {
          roleName: 'notification-runbooks-automation-us-east-1',
          targets: {
            partition: 'aws',
            account: '111111111111',
            regions: ['us-east-1'],
            environment,
            watched: watchedResources(config, environment),
            alarmNames: [],
            stateTableArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/notification-runbooks-state',
          },
          handlerFunctionArns: new Map(),
        },
      },
      config,
      environment,
    });
    const template = Template.fromStack(stack).toJSON() as CfnTemplate;
    const documents = Object.values(template.Resources).filter((r) => r.Type === 'AWS::SSM::Document');
    return Object.fromEntries(documents.map((d) => [String(d.Properties?.Name), documentContentOf(d, template, { partition: STACK_PARTITION, region: 'us-east-1', account: '111111111111' })]));
  }

  type Step = { name: string; inputs: Record<string, unknown> };
  const stepOf = (content: Record<string, unknown>, name: string): Step => {
    const step = (content.mainSteps as Step[]).find((s) => s.name === name);
    if (!step) throw new Error(`no step ${name}`);
    return step;
  };

  it('production: ScaleUpDatabase takes no Environment or Approvers, allows only the ladder, always asks the configured approvers', () => {
    const docs = synth('production', {
      environments: {
        production: {
          runbookApprovers: { principals: APPROVERS, minRequiredApprovals: 2 },
          scaleUpDatabase: { ladder: ['db.r6g.xlarge', 'db.r6g.2xlarge', 'db.r6g.4xlarge', 'db.r6g.8xlarge'] },
        },
      },
    });
    const scaleUp = docs['NotificationService-ScaleUpDatabase'] as Record<string, unknown>;
    const parameters = scaleUp.parameters as Record<string, Record<string, unknown>>;
    expect(Object.keys(parameters).sort()).toEqual(['AutomationAssumeRole', 'DBInstanceIdentifier', 'TargetInstanceClass']);
    expect(parameters.TargetInstanceClass?.allowedValues).toEqual(['db.r6g.xlarge', 'db.r6g.2xlarge', 'db.r6g.4xlarge', 'db.r6g.8xlarge']);
    expect(stepOf(scaleUp, 'approveScaleUp').inputs).toMatchObject({
      Approvers: DEPLOYED_APPROVERS,
      MinRequiredApprovals: 2,
    });
    // Production changes DB classes only with approval: no choice skips it.
    const approval = stepOf(scaleUp, 'chooseApproval').inputs as { Choices: Array<{ NextStep: string }>; Default: string };
    expect(approval.Choices.map((c) => c.NextStep)).toEqual(['readDatabase']);
    expect(approval.Default).toBe('whoRequested');
    // Review 11b F9: the approval is reached only when whoever started the execution is none of the approvers.
    expect(stepOf(scaleUp, 'checkRequesterIsNotApprover').inputs).toEqual({
      Choices: [
        { NextStep: 'refuseRequesterIsApprover', Variable: '{{ whoRequested.ExecutedBy }}', StartsWith: 'arn:aws:sts::111111111111:assumed-role/DbaOnCall/' },
        {
          NextStep: 'refuseRequesterIsApprover',
          Variable: '{{ whoRequested.ExecutedBy }}',
          StartsWith: `arn:${STACK_PARTITION}:sts::111111111111:assumed-role/ServiceOwner/`,
        },
        { NextStep: 'approveScaleUp', Variable: '{{ whoRequested.ExecutedBy }}', StartsWith: 'arn:' },
      ],
      Default: 'refuseRequesterIsApprover',
    });
    // Up the ladder only: 4 classes make 6 (current, target) pairs, each going on to the approval choice.
    const ladder = stepOf(scaleUp, 'checkUpTheLadder').inputs as { Choices: Array<{ NextStep: string; And?: Array<{ StringEquals: string }> }>; Default: string };
    const pairs = ladder.Choices.filter((c) => c.And).map((c) => c.And?.map((a) => a.StringEquals).join('>'));
    expect(pairs).toEqual([
      'db.r6g.xlarge>db.r6g.2xlarge',
      'db.r6g.xlarge>db.r6g.4xlarge',
      'db.r6g.xlarge>db.r6g.8xlarge',
      'db.r6g.2xlarge>db.r6g.4xlarge',
      'db.r6g.2xlarge>db.r6g.8xlarge',
      'db.r6g.4xlarge>db.r6g.8xlarge',
    ]);
    expect(ladder.Default).toBe('refuseNotAnUpgrade');
    expect(JSON.stringify(docs)).not.toContain('${Deploy.');
  });

  it('production: RaiseLambdaMemory sizes stop at the cap and the named change is approved; TroubleshootConnectionTimeout takes no Approvers', () => {
    const docs = synth('production', { environments: { production: { runbookApprovers: { principals: APPROVERS, minRequiredApprovals: 1 } } } });
    const memory = docs['NotificationService-RaiseLambdaMemory'] as Record<string, unknown>;
    const sizes = (memory.parameters as Record<string, { allowedValues?: number[] }>).MemorySize?.allowedValues ?? [];
    expect(sizes[0]).toBe(0);
    expect(sizes[1]).toBe(128);
    expect(sizes.at(-1)).toBe(3008);
    expect(sizes).toHaveLength(1 + 3008 / 64 - 1);
    expect(sizes.every((mb) => mb === 0 || (mb % 64 === 0 && mb >= 128 && mb <= 3008))).toBe(true);
    expect(stepOf(memory, 'approveMemory').inputs).toMatchObject({ Approvers: DEPLOYED_APPROVERS });
    const timeout = docs['NotificationService-TroubleshootConnectionTimeout'] as Record<string, unknown>;
    expect(Object.keys(timeout.parameters as object)).not.toContain('Approvers');
    expect(stepOf(timeout, 'approveRuleChange').inputs).toMatchObject({ Approvers: DEPLOYED_APPROVERS, MinRequiredApprovals: 1 });
  });

  it.each<[EnvironmentName, number, string, boolean]>([
    ['production', 7, 'db.r6g.xlarge', true],
    ['staging', 3, 'db.r6g.large', false],
  ])("%s: both DR documents promote with the matrix's backup retention (PromoteReadReplica's default is 1 day), and FailbackToPrimary asks its replica for the matrix's class and Multi-AZ, in the command it gives and in its check (review 23b, R23b-1, R23b-7)", (environment, days, cls, multiAz) => {
    const docs = synth(environment, { environments: { [environment]: { runbookApprovers: { principals: APPROVERS, minRequiredApprovals: 1 } } } });
    const failover = docs['NotificationService-FailoverToDR'] as Record<string, unknown>;
    const failback = docs['NotificationService-FailbackToPrimary'] as Record<string, unknown>;
    for (const doc of [failover, failback]) expect(stepOf(doc, 'promoteReplica').inputs).toEqual({ Service: 'rds', Api: 'PromoteReadReplica', DBInstanceIdentifier: '{{ ReplicaDBInstanceIdentifier }}', BackupRetentionPeriod: days });
    expect(stepOf(failback, 'checkFailbackPlacement').inputs.InputPayload).toEqual({ Replica: '{{ ReplicaDBInstanceIdentifier }}', Primary: '{{ DBInstanceIdentifier }}', DrRegion: '{{ DrRegion }}', DbClass: cls, MultiAz: multiAz });
    // The command that creates the failback replica: a key of this region (the DR database is encrypted), the old
    // primary's subnets and groups, the matrix's class and Multi-AZ.
    const command = /`aws rds create-db-instance-read-replica [^`]*`/.exec(String(failback.description).replace(/\s+/g, ' '))?.[0];
    expect(command).toBe(
      "`aws rds create-db-instance-read-replica --region us-east-1 --db-instance-identifier notification-service-db-failback --source-db-instance-identifier <the DR database's ARN> " +
        `--kms-key-id <the old primary's KmsKeyId> --db-subnet-group-name <its DB subnet group> --vpc-security-group-ids <its VPC security group ids> --db-instance-class ${cls} ${multiAz ? '--multi-az' : '--no-multi-az'}\``,
    );
    // FailoverToDR does not convert the promoted database to Multi-AZ (AWS: a conversion slows a busy primary's writes);
    // its Afterwards gives the command.
    expect(String(failover.description).replace(/\s+/g, ' ')).toContain(`aws rds modify-db-instance --db-instance-identifier <ReplicaDBInstanceIdentifier> ${multiAz ? '--multi-az' : '--no-multi-az'} --apply-immediately`);
    expect((failover.mainSteps as Step[]).filter((s) => s.inputs?.Api === 'ModifyDBInstance')).toEqual([]);
  });

  it('staging: a class change skips approval only for a database tagged Environment=staging', () => {
    const docs = synth('staging', {});
    const scaleUp = docs['NotificationService-ScaleUpDatabase'] as Record<string, unknown>;
    expect(stepOf(scaleUp, 'chooseApproval').inputs).toMatchObject({
      Choices: [{ NextStep: 'readDatabase' }, { NextStep: 'modifyInstanceClass', Variable: '{{ readEnvironmentTag.EnvironmentTag }}', StringEquals: 'staging' }],
      Default: 'whoRequested',
    });
  });

  it('every approval sends its request to this account\'s approval topic and is reached only past the requester check (review 11a finding 8, 11b F9)', () => {
    const docs = synth('production', {
      environments: { production: { runbookApprovers: { principals: ['arn:aws:iam::111111111111:user/dba', 'role/teams/Approver'], minRequiredApprovals: 1 } } },
    });
    const approving = Object.entries(docs).filter(([, doc]) => (doc.mainSteps as Array<{ action: string }>).some((s) => s.action === 'aws:approve'));
    expect(approving.map(([name]) => name).sort()).toEqual([
      'NotificationService-FailbackToPrimary',
      'NotificationService-FailoverToDR',
      'NotificationService-RaiseLambdaMemory',
      'NotificationService-ScaleUpDatabase',
      'NotificationService-TroubleshootConnectionTimeout',
    ]);
    for (const [name, doc] of approving) {
      const steps = doc.mainSteps as Array<{ name: string; action: string; inputs: Record<string, unknown> }>;
      const approve = steps.find((s) => s.action === 'aws:approve');
      expect([name, approve?.inputs.NotificationArn]).toEqual([name, `arn:${STACK_PARTITION}:sns:us-east-1:111111111111:Automation-notification-runbooks-approvals`]);
      // Every way into the approval is the requester check's last choice; the user by its ARN, the role by its sessions.
      const into = steps.flatMap((s) => {
        const inputs = s.inputs as { Choices?: Array<{ NextStep: string }>; Default?: string };
        return [...(inputs.Choices ?? []).filter((c) => c.NextStep === approve?.name).map(() => s.name), ...(inputs.Default === approve?.name ? [s.name] : [])];
      });
      expect([name, into]).toEqual([name, ['checkRequesterIsNotApprover']]);
      // The request names the requester as Systems Manager records it, labelled: AWS verified the role or user, not an
      // assumed role's session name, which whoever assumed the role chose (review 13 R13-14, decision 203's rule).
      expect([name, JSON.stringify(approve?.inputs.Message)]).toEqual([
        name,
        expect.stringMatching(/started by \{\{ whoRequested\.ExecutedBy \}\}[ ;(]+AWS verified the user or role; an assumed role's session name, the last part, is chosen by whoever assumed the role/),
      ]);
      const before = steps[steps.findIndex((s) => s.name === approve?.name) - 1];
      expect([name, before?.name]).toEqual([name, 'refuseRequesterIsApprover']);
      expect([name, stepOf(doc, 'checkRequesterIsNotApprover').inputs.Choices]).toEqual([
        name,
        [
          { NextStep: 'refuseRequesterIsApprover', Variable: '{{ whoRequested.ExecutedBy }}', StringEquals: 'arn:aws:iam::111111111111:user/dba' },
          { NextStep: 'refuseRequesterIsApprover', Variable: '{{ whoRequested.ExecutedBy }}', StartsWith: `arn:${STACK_PARTITION}:sts::111111111111:assumed-role/Approver/` },
          { NextStep: approve?.name, Variable: '{{ whoRequested.ExecutedBy }}', StartsWith: 'arn:' },
        ],
      ]);
    }
  });

  it('refuses to synthesize documents with approvals when the environment has no configured approvers', () => {
    expect(() => synth('staging', {}, (config) => delete config.environments.staging.runbookApprovers)).toThrow(/environments\.staging\.runbookApprovers is not configured/);
  });
});

describe('the approval topic the documents send their requests to (review 11a finding 8)', () => {
  function stack(emails?: string[]): { template: Template; annotations: Annotations } {
    const config = parseAutomationConfig(
      mergeConfig(defaultConfig, { environments: { production: { runbookApprovers: { principals: ['role/NotificationServiceRunbookApprover'], minRequiredApprovals: 1, ...(emails ? { emails } : {}) } } } }),
    );
    const app = new App();
    const docs = new Stack(app, 'Docs', { env: { account: '111111111111', region: 'us-east-1' } });
    new RunbookDocuments(docs, 'Runbooks', {
      runbooksDir: join(__dirname, '..', '..', 'runbooks'),
      role: {
        create: {
          roleName: 'notification-runbooks-automation-us-east-1',
          targets: { partition: 'aws', account: '111111111111', regions: ['us-east-1'], environment: 'production', watched: watchedResources(config, 'production'), alarmNames: [], stateTableArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/notification-runbooks-state' },
          handlerFunctionArns: new Map(),
        },
      },
      config,
      environment: 'production',
    });
    return { template: Template.fromStack(docs), annotations: Annotations.fromStack(docs) };
  }
  // The stack's partition is a token: arn:<partition>:sns:us-east-1:111111111111:Automation-notification-runbooks-approvals.
  const TOPIC_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:us-east-1:111111111111:Automation-notification-runbooks-approvals']] };

  it('subscribes the configured approvers\' emails, lets the automation role publish, and grants the role sns:Publish on that topic only', () => {
    const { template } = stack(['dba-oncall@example.com', 'owner@example.com']);
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'Automation-notification-runbooks-approvals', KmsMasterKeyId: Match.anyValue() });
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map((r) => [r.Properties.Protocol, r.Properties.Endpoint]);
    expect(subscriptions.sort()).toEqual([
      ['email', 'dba-oncall@example.com'],
      ['email', 'owner@example.com'],
    ]);
    const topicPolicy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0]?.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> };
    expect(topicPolicy.Statement).toContainEqual(
      expect.objectContaining({ Sid: 'AutomationRolePublishesApprovalRequests', Effect: 'Allow', Action: 'sns:Publish', Principal: { AWS: expect.anything() as unknown } }),
    );
    // The role's sns:Publish names exactly the approval topic: never an escalation tier, never a wildcard.
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown; Sid?: string }> }).Statement);
    const publishing = statements.filter((st) => [st.Action].flat().includes('sns:Publish'));
    expect(publishing).toEqual([expect.objectContaining({ Sid: 'ApprovalRequests', Action: 'sns:Publish', Resource: TOPIC_ARN })]);
  });

  it('warns at synth when no approver is subscribed: nobody would hear of a request', () => {
    const warnings = stack().annotations.findWarning('*', Match.stringLikeRegexp('approval topic Automation-notification-runbooks-approvals has no subscriber in production'));
    expect(warnings).toHaveLength(1);
    expect(stack(['dba@example.com']).annotations.findWarning('*', Match.stringLikeRegexp('has no subscriber'))).toHaveLength(0);
  });
});
