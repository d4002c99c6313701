// Each check of the runbook linter on small documents: what AWS refuses or what fails at run time is an error, style and
// risk are warnings, and what AWS accepts (system variables, outputs actions make on their own) is neither.
import { stringify } from 'yaml';
import { parseRunbook } from '../../../shared/runbooks/document';
import type { PolicyDocument } from '../../../shared/runbooks/lint/iam-policy';
import { lintRunbook, type Finding } from '../../../shared/runbooks/lint/lint-runbook';

type Step = Record<string, unknown>;

/** A well-formed document around `steps`: described, role parameter, one constrained parameter. */
function documentWith(steps: Step[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: '0.3',
    description: 'A test document.',
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: {
      AutomationAssumeRole: { type: 'String', description: 'Role.', default: '', allowedPattern: '^$|^arn:aws:iam::\\d{12}:role/\\S+$' },
      QueueUrl: { type: 'String', description: 'Queue.', allowedPattern: '^https://\\S+$' },
    },
    mainSteps: steps,
    ...extra,
  };
}

const roleParameter = { AutomationAssumeRole: { type: 'String', description: 'Role.', default: '', allowedPattern: '^$|^arn:aws:iam::\\d{12}:role/\\S+$' } };

const readQueue: Step = {
  name: 'readQueue',
  action: 'aws:executeAwsApi',
  inputs: { Service: 'sqs', Api: 'GetQueueAttributes', QueueUrl: '{{ QueueUrl }}', AttributeNames: ['All'] },
  outputs: [{ Name: 'Depth', Selector: '$.Attributes.ApproximateNumberOfMessages', Type: 'String' }],
};

function lint(document: Record<string, unknown>, policy?: PolicyDocument): Finding[] {
  return lintRunbook(parseRunbook('test.yaml', stringify(document)), policy ? { policy: { file: 'role.json', document: policy } } : {});
}

const errors = (findings: Finding[]): Finding[] => findings.filter((f) => f.severity === 'error');
const warnings = (findings: Finding[]): Finding[] => findings.filter((f) => f.severity === 'warning');

describe('errors: what AWS refuses or what fails at run time', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['an action that does not exist', documentWith([{ name: 'run', action: 'aws:runScript', inputs: {} }]), 'unknown-action', 'unknown action "aws:runScript"'],
    ['an approval without approvers', documentWith([{ name: 'approve', action: 'aws:approve', inputs: { Message: 'ok?' } }]), 'missing-input', 'aws:approve needs input Approvers'],
    ['a sleep without Duration or Timestamp', documentWith([{ name: 'wait', action: 'aws:sleep', inputs: {} }]), 'missing-input', 'one of the inputs Duration, Timestamp'],
    ['two steps with one name', documentWith([readQueue, { ...readQueue }]), 'duplicate-step', 'step name readQueue is used twice'],
    ['nextStep naming no step', documentWith([{ ...readQueue, nextStep: 'scale' }]), 'missing-target', 'nextStep names step "scale", which does not exist'],
    ['onFailure naming no step', documentWith([{ ...readQueue, onFailure: 'step:rollback' }]), 'missing-target', 'onFailure names step "rollback"'],
    ['onCancel naming no step', documentWith([{ ...readQueue, onCancel: 'step:cleanUp' }]), 'missing-target', 'onCancel names step "cleanUp"'],
    [
      'an output the step does not have',
      documentWith([readQueue, { name: 'wait', action: 'aws:sleep', inputs: { Duration: '{{ readQueue.Size }}' } }]),
      'unknown-output',
      'step readQueue (aws:executeAwsApi) has no output Size (it has Depth, OutputPayload)',
    ],
    [
      'a step output read before that step can have run',
      documentWith([{ name: 'wait', action: 'aws:sleep', inputs: { Duration: '{{ readQueue.Depth }}' }, nextStep: 'readQueue' }, { ...readQueue, isEnd: true }]),
      'output-not-yet-available',
      'step readQueue never runs before wait',
    ],
    ['a parameter the document does not declare', documentWith([{ ...readQueue, inputs: { ...(readQueue.inputs as object), QueueUrl: '{{ queueUrl }}' } }]), 'undefined-reference', 'did you mean QueueUrl?'],
    ['a document variable not declared', documentWith([{ name: 'wait', action: 'aws:sleep', inputs: { Duration: '{{ variable:Pause }}' } }]), 'undefined-reference', 'no variable Pause'],
    [
      'a choice without a condition',
      documentWith([readQueue, { name: 'decide', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'readQueue', Variable: '{{ readQueue.Depth }}' }] } }]),
      'invalid-condition',
      'no condition',
    ],
    [
      'a numeric comparison with text',
      documentWith([readQueue, { name: 'decide', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'readQueue', Variable: '{{ readQueue.Depth }}', NumericGreater: 'many' }] } }]),
      'invalid-condition',
      'NumericGreater: must be a number',
    ],
    [
      'a String comparison with an Integer parameter (review 22b, R22b-3)',
      documentWith([readQueue, { name: 'decide', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'readQueue', Variable: '{{ readQueue.Depth }}', StringEquals: '{{ Port }}' }] } }], {
        parameters: { ...roleParameter, QueueUrl: { type: 'String', description: 'Queue.', allowedPattern: '^https://\\S+$' }, Port: { type: 'Integer', description: 'Port.', allowedValues: [5432] } },
      }),
      'condition-operand-type',
      'inputs.Choices[0].StringEquals: StringEquals compares strings, but {{ Port }} is an Integer',
    ],
    [
      'a numeric comparison of a StringList output',
      documentWith([{ ...readQueue, outputs: [{ Name: 'Depth', Selector: '$.Attributes.ApproximateNumberOfMessages', Type: 'StringList' }] }, { name: 'decide', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'readQueue', Not: { Variable: '{{ readQueue.Depth }}', NumericGreater: 10 } }] } }]),
      'condition-operand-type',
      'inputs.Choices[0].Not.Variable: NumericGreater compares numbers, but {{ readQueue.Depth }} is a StringList',
    ],
    ['a Selector that is not JSONPath', documentWith([{ ...readQueue, outputs: [{ Name: 'Depth', Selector: 'Attributes.Depth', Type: 'String' }] }]), 'invalid-selector', 'is not a JSONPath'],
    ['a Duration that is not ISO 8601', documentWith([{ name: 'wait', action: 'aws:sleep', inputs: { Duration: '5 minutes' } }]), 'invalid-duration', 'not an ISO 8601 duration'],
    ['a document output naming no step output', documentWith([readQueue], { outputs: ['readQueue'] }), 'invalid-output', 'must name a step output'],
    ['a loop of 500 iterations', documentWith([{ name: 'loop', action: 'aws:loop', inputs: { Iterators: ['a'], MaxIterations: 500, Steps: [{ name: 'w', action: 'aws:sleep', inputs: { Duration: 'PT1S' } }] } }]), 'loop-iterations', 'outside 1..100'],
    ['an onFailure value AWS does not know', documentWith([{ ...readQueue, onFailure: 'Retry' }]), 'schema', 'onFailure: must match pattern'],
    ['a step property AWS does not know', documentWith([{ ...readQueue, retries: 3 }]), 'schema', 'unknown property "retries"'],
    ['a Command document schema version', { ...documentWith([readQueue]), schemaVersion: '2.2' }, 'schema', 'schemaVersion: must be one of "0.3"'],
    ['a parameter type AWS does not know', documentWith([readQueue], { parameters: { QueueUrl: { type: 'Number', description: 'x' } } }), 'schema', 'type: is not one of the forms AWS accepts'],
    ['an API the service does not have', documentWith([{ ...readQueue, inputs: { Service: 'sqs', Api: 'GetQueueDepth', QueueUrl: '{{ QueueUrl }}' } }]), 'unknown-api', 'sqs has no API GetQueueDepth'],
    [
      'a JSONPath filter in a PropertySelector (review 22b: Automation documents ., .. and [index] only)',
      documentWith([{ name: 'check', action: 'aws:assertAwsResourceProperty', inputs: { Service: 'rds', Api: 'DescribeDBInstances', PropertySelector: '$.DBInstances[?(!@.ReadReplicaSourceDBInstanceIdentifier)].DBInstanceStatus', DesiredValues: ['available'] } }]),
      'selector-operator',
      'inputs.PropertySelector "$.DBInstances[?(!@.ReadReplicaSourceDBInstanceIdentifier)].DBInstanceStatus" uses a filter ([?(...)]): Automation documents only $, .name, ..name and [index]',
    ],
    [
      'a JSONPath filter in an output Selector',
      documentWith([{ name: 'read', action: 'aws:executeAwsApi', inputs: { Service: 'route53', Api: 'ListResourceRecordSets', HostedZoneId: 'Z1' }, outputs: [{ Name: 'PrimaryName', Selector: "$.ResourceRecordSets[?(@.Failover=='PRIMARY')].Name", Type: 'String' }] }]),
      'selector-operator',
      'output PrimaryName: Selector "$.ResourceRecordSets[?(@.Failover==\'PRIMARY\')].Name" uses a filter',
    ],
    ['a wildcard in a Selector', documentWith([{ ...readQueue, outputs: [{ Name: 'Depth', Selector: '$.Attributes.*', Type: 'StringList' }] }]), 'selector-operator', 'uses a wildcard (*)'],
    ['a slice in a Selector', documentWith([{ ...readQueue, outputs: [{ Name: 'Depth', Selector: '$.Attributes.List[0:2]', Type: 'StringList' }] }]), 'selector-operator', 'uses a slice ([a:b])'],
    ['a bracket-notated child in a Selector', documentWith([{ ...readQueue, outputs: [{ Name: 'Depth', Selector: "$.Attributes['ApproximateNumberOfMessages']", Type: 'String' }] }]), 'selector-operator', "uses a bracket-notated child (['name'])"],
    [
      'an output selecting inside an invoked Lambda\'s Payload (review 22b: the Payload output is the answer\'s JSON text)',
      documentWith([{ name: 'inspect', action: 'aws:invokeLambdaFunction', inputs: { FunctionName: 'fn' }, outputs: [{ Name: 'NamedPort', Selector: '$.Payload.runbook.parameters.Port[0]', Type: 'Integer' }] }]),
      'lambda-payload-selector',
      'output NamedPort: Selector "$.Payload.runbook.parameters.Port[0]" selects inside aws:invokeLambdaFunction\'s Payload',
    ],
    ['a Python script without its Handler', documentWith([{ name: 'script', action: 'aws:executeScript', inputs: { Runtime: 'python3.11', Script: 'def h(e, c): pass' } }]), 'missing-input', 'needs input Handler'],
  ])('%s', (_situation, document, rule, message) => {
    expect(errors(lint(document))).toContainEqual(expect.objectContaining({ rule, message: expect.stringContaining(message), file: 'test.yaml', line: expect.any(Number) }));
  });

  it('names the step of every step-level error', () => {
    const findings = errors(lint(documentWith([{ ...readQueue, nextStep: 'scale', onFailure: 'step:rollback' }])));
    expect(findings.map((f) => f.step)).toEqual(['readQueue', 'readQueue']);
  });
});

describe('no error for what AWS accepts', () => {
  it.each<[string, Step[], Record<string, unknown>]>([
    [
      'system and automation variables',
      [{ name: 'wait', action: 'aws:sleep', inputs: { Duration: 'PT1S' }, description: '{{ global:ACCOUNT_ID }}' }, { ...readQueue, inputs: { ...(readQueue.inputs as object), QueueUrl: 'https://sqs.{{ global:REGION }}.amazonaws.com/{{ global:ACCOUNT_ID }}/q-{{ automation:EXECUTION_ID }}-{{ automation:AUTOMATION_EXECUTION_ID }}-{{ global:DATE_TIME }}-{{ global:AWS_PARTITION }}' } }],
      {},
    ],
    ['a Parameter Store value', [{ ...readQueue, inputs: { ...(readQueue.inputs as object), QueueUrl: '{{ ssm:/notification/queue-url }}' } }], {}],
    [
      'outputs actions make without declaring them',
      [
        { name: 'script', action: 'aws:executeScript', inputs: { Runtime: 'python3.11', Handler: 'h', Script: 'def h(e, c): return {}' } },
        { name: 'invoke', action: 'aws:invokeLambdaFunction', inputs: { FunctionName: 'fn', InputPayload: { a: '{{ script.OutputPayload }}', b: '{{ script.Payload }}' } } },
        { name: 'child', action: 'aws:executeAutomation', inputs: { DocumentName: 'Child', RuntimeParameters: { A: ['{{ invoke.Payload }}', '{{ invoke.StatusCode }}', '{{ invoke.LogResult }}'] } } },
        { name: 'stack', action: 'aws:createStack', inputs: { StackName: 's', TemplateBody: '{}' } },
        { name: 'command', action: 'aws:runCommand', inputs: { DocumentName: 'AWS-RunShellScript', InstanceIds: ['i-1'], Parameters: { commands: ['echo {{ child.Output }} {{ stack.StackId }}'] } } },
        { name: 'last', action: 'aws:sleep', inputs: { Duration: 'PT1S' }, description: 'x' },
      ],
      { outputs: ['command.CommandId', 'stack.StackStatus', 'child.ExecutionId'] },
    ],
    [
      'onCancel to a step, and branches with Not, And and Or',
      [
        { ...readQueue, onCancel: 'step:cleanUp' },
        {
          name: 'decide',
          action: 'aws:branch',
          inputs: {
            Choices: [
              { NextStep: 'cleanUp', Not: { Variable: '{{ readQueue.Depth }}', StringEquals: '0' } },
              { NextStep: 'cleanUp', And: [{ Variable: '{{ readQueue.Depth }}', NumericGreater: 10 }, { Variable: '{{ QueueUrl }}', StartsWith: 'https' }] },
              { NextStep: 'cleanUp', Or: [{ Variable: '{{ readQueue.Depth }}', NumericEquals: '5' }] },
            ],
          },
          isEnd: true,
        },
        { name: 'cleanUp', action: 'aws:sleep', inputs: { Duration: 'PT1S' } },
      ],
      {},
    ],
    [
      'aws:loop, aws:updateVariable and their variables',
      [
        { name: 'each', action: 'aws:loop', inputs: { Iterators: ['a', 'b'], Steps: [{ name: 'note', action: 'aws:updateVariable', inputs: { Name: 'variable:Last', Value: '{{ each.CurrentIteratorValue }}' } }] } },
        { name: 'wait', action: 'aws:sleep', inputs: { Duration: 'PT1S' }, description: '{{ variable:Last }}' },
      ],
      { variables: { Last: { type: 'String', default: '' } } },
    ],
    ['{{ RESOURCE_ID }} in a rate-controlled aws:runCommand', [{ name: 'command', action: 'aws:runCommand', inputs: { DocumentName: 'AWS-RunShellScript', InstanceIds: ['{{ RESOURCE_ID }}'], Parameters: { commands: ['uptime'] } } }], {}],
    [
      'selectors of the documented operators: child, deep scan, index; an executeScript\'s $.Payload.Key; a Lambda\'s whole $.Payload',
      [
        { name: 'describe', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'DescribeInstances' }, outputs: [{ Name: 'Volumes', Selector: '$.Reservations..BlockDeviceMappings..VolumeId', Type: 'StringList' }, { Name: 'Code', Selector: '$.Reservations[0].Instances[0].State.Code', Type: 'Integer' }] },
        { name: 'script', action: 'aws:executeScript', inputs: { Runtime: 'python3.11', Handler: 'h', Script: 'def h(e, c): return {"Port": 5432}' }, outputs: [{ Name: 'Port', Selector: '$.Payload.Port', Type: 'Integer' }] },
        { name: 'invoke', action: 'aws:invokeLambdaFunction', inputs: { FunctionName: 'fn' }, outputs: [{ Name: 'Answer', Selector: '$.Payload', Type: 'String' }] },
        { name: 'wait', action: 'aws:waitForAwsResourceProperty', inputs: { Service: 'ec2', Api: 'DescribeInstances', PropertySelector: '$.Reservations[0].Instances[0].State.Name', DesiredValues: ['running'] } },
      ],
      {},
    ],
    ['typed parameters of AWS-owned runbooks', [readQueue], { parameters: { AutomationAssumeRole: { type: 'AWS::IAM::Role::Arn', description: 'Role.', default: '' }, QueueUrl: { type: 'String', description: 'Queue.', allowedPattern: '.+' }, Ids: { type: 'List<AWS::EC2::Instance::Id>', description: 'Instances.' } } }],
  ])('%s', (_situation, steps, extra) => {
    expect(errors(lint(documentWith(steps, extra)))).toEqual([]);
  });
});

describe('warnings: style and risk', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['a step nothing leads to', documentWith([{ ...readQueue, isEnd: true }, { name: 'orphan', action: 'aws:sleep', inputs: { Duration: 'PT1S' } }]), 'unreachable-step', 'no path leads to this step'],
    ['a document without a description', { ...documentWith([readQueue]), description: undefined }, 'missing-description', 'the document has no description'],
    ['a parameter without a description', documentWith([readQueue], { parameters: { ...roleParameter, QueueUrl: { type: 'String', allowedPattern: '.+' } } }), 'missing-description', 'parameter QueueUrl has no description'],
    ['a string parameter that accepts anything', documentWith([readQueue], { parameters: { ...roleParameter, QueueUrl: { type: 'String', description: 'Queue.' } } }), 'unconstrained-parameter', 'accepts any text'],
    ['a retired script runtime', documentWith([{ name: 's', action: 'aws:executeScript', inputs: { Runtime: 'python3.7', Handler: 'h', Script: 'x' } }]), 'retired-runtime', 'python3.7 is retired'],
    ['a service with no SDK client installed', documentWith([{ name: 'list', action: 'aws:executeAwsApi', inputs: { Service: 's3', Api: 'ListBuckets' } }]), 'unverifiable-api', 'cannot verify s3 ListBuckets'],
    ['an API spelled the boto3 way', documentWith([{ ...readQueue, inputs: { Service: 'sqs', Api: 'get_queue_attributes', QueueUrl: '{{ QueueUrl }}' } }]), 'api-spelling', 'spelled GetQueueAttributes'],
    ['a system variable AWS does not document', documentWith([{ name: 'w', action: 'aws:sleep', inputs: { Duration: 'PT1S' }, description: 'x' }, { ...readQueue, inputs: { ...(readQueue.inputs as object), QueueUrl: '{{ global:ZONE }}' } }]), 'unknown-system-variable', 'global:ZONE'],
    ['no role for the automation', { ...documentWith([readQueue]), assumeRole: undefined }, 'no-assume-role', 'runs with the permissions of whoever starts it'],
  ])('%s', (_situation, document, rule, message) => {
    const findings = lint(document);
    expect(errors(findings)).toEqual([]);
    expect(warnings(findings)).toContainEqual(expect.objectContaining({ rule, message: expect.stringContaining(message) }));
  });
});

describe('the role check', () => {
  const invoke: Step = { name: 'invoke', action: 'aws:invokeLambdaFunction', inputs: { FunctionName: 'notification-runbooks-x' } };
  const describeInstances: Step = { name: 'describe', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'DescribeInstances' } };
  const allow = (...actions: string[]): PolicyDocument => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });

  it.each<[string, PolicyDocument, string[]]>([
    ['an exact grant', allow('sqs:GetQueueAttributes', 'lambda:InvokeFunction', 'ec2:DescribeInstances'), []],
    ['wildcards such as ec2:Describe* and sqs:Get*', allow('sqs:Get*', 'lambda:Invoke*', 'ec2:Describe*'), []],
    ['a grant in another case', allow('SQS:getqueueattributes', 'lambda:invokefunction', 'EC2:DescribeInstances'), []],
    ['a missing grant', allow('sqs:GetQueueAttributes', 'ec2:DescribeInstances'), ['lambda:InvokeFunction']],
    ['a Deny on every resource', { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'ec2:*', Resource: '*' }] }, ['ec2:DescribeInstances']],
    ['Allow with NotAction', { Statement: [{ Effect: 'Allow', NotAction: ['lambda:*'], Resource: '*' }] }, ['lambda:InvokeFunction']],
  ])('%s', (_situation, policy, missing) => {
    const findings = lint(documentWith([readQueue, invoke, describeInstances]), policy).filter((f) => f.rule === 'role-missing-permission');
    expect(findings.map((f) => /granted (\S+):/.exec(f.message)?.[1])).toEqual(missing);
    for (const finding of findings) expect(finding.message).toContain('role.json');
  });
});
