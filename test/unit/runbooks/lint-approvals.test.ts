// aws:approve: approvers who can approve, and, in a document that declares itself approval-gated, no way to a change
// without an approval. Built on the shape of AWS-StopEC2InstanceWithApproval.json (approve, then changeInstanceState).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseRunbook } from '../../../shared/runbooks/document';
import { lintRunbook, type Finding } from '../../../shared/runbooks/lint/lint-runbook';

type Step = Record<string, unknown>;
const aws = JSON.parse(readFileSync(join(__dirname, '../../fixtures/ssm-documents/aws/AWS-StopEC2InstanceWithApproval.json'), 'utf8')) as {
  description: string;
  parameters: Record<string, Record<string, unknown>>;
  mainSteps: Step[];
};
const [approveStep, stopStep] = aws.mainSteps as [Step, Step];
const approveInputs = approveStep.inputs as Record<string, unknown>;

const GATED = 'Stop EC2 instances(s) with approval\n\n**Approval-gated:** the instances are stopped only after an approver approves.';

function document(steps: Step[], options: { description?: string; parameters?: Record<string, Record<string, unknown>> } = {}): Record<string, unknown> {
  return { ...aws, description: options.description ?? aws.description, parameters: { ...aws.parameters, ...options.parameters }, mainSteps: steps };
}
const lint = (doc: Record<string, unknown>): Finding[] => lintRunbook(parseRunbook('test.yaml', stringify(doc)));
const byRule = (findings: Finding[], rule: string): Array<[string | undefined, string, string]> => findings.filter((f) => f.rule === rule).map((f) => [f.step, f.severity, f.message]);
const withApproval = (inputs: Record<string, unknown>, extra: Step = {}): Step => ({ ...approveStep, ...extra, inputs: { ...approveInputs, ...inputs } });

describe('approvers that can approve', () => {
  it('the AWS document as published: nothing about approvals', () => {
    const findings = lint(document([approveStep, stopStep]));
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(findings.filter((f) => /approv/.test(f.rule))).toEqual([]);
  });

  it('no Approvers at all is an error', () => {
    const { Approvers: _dropped, ...rest } = approveInputs;
    expect(byRule(lint(document([{ ...approveStep, inputs: rest }, stopStep])), 'missing-input')).toEqual([['approve', 'error', 'aws:approve needs input Approvers']]);
  });

  it.each<[string, Record<string, unknown>, Record<string, Record<string, unknown>>, string[]]>([
    ['2 literal approvers, MinRequiredApprovals 2', { Approvers: ['alice', 'arn:aws:iam::123456789012:role/Approver'], MinRequiredApprovals: 2 }, {}, []],
    [
      '2 literal approvers, MinRequiredApprovals 3',
      { Approvers: ['alice', 'bob'], MinRequiredApprovals: 3 },
      {},
      ['inputs.MinRequiredApprovals is 3 but inputs.Approvers names only 2 (alice, bob): the approval can never be given'],
    ],
    ['1 literal approver (a string), MinRequiredApprovals "2"', { Approvers: 'alice', MinRequiredApprovals: '2' }, {}, ['inputs.MinRequiredApprovals is 2 but inputs.Approvers names only 1 (alice): the approval can never be given']],
    ['an empty approver list', { Approvers: [] }, {}, ['inputs.Approvers is empty: nobody can approve, so the automation waits until it times out']],
    ['MinRequiredApprovals 0', { Approvers: ['alice'], MinRequiredApprovals: 0 }, {}, ['inputs.MinRequiredApprovals is 0: it must be a positive number']],
    [
      'MinRequiredApprovals from a parameter whose default is 3, two literal approvers',
      { Approvers: ['alice', 'bob'], MinRequiredApprovals: '{{ Min }}' },
      { Min: { type: 'Integer', description: 'Approvals.', default: 3 } },
      ['inputs.MinRequiredApprovals is 3 (the parameter default) but inputs.Approvers names only 2 (alice, bob): the approval can never be given'],
    ],
    ['approvers from a StringList parameter without a default: not decidable, nothing reported', { Approvers: '{{ Approvers }}', MinRequiredApprovals: 3 }, {}, []],
    ['MinRequiredApprovals from an Integer parameter without a default: nothing reported', { Approvers: ['alice'], MinRequiredApprovals: '{{ Min }}' }, { Min: { type: 'Integer', description: 'Approvals.' } }, []],
  ])('%s', (_situation, inputs, parameters, expected) => {
    const findings = lint(document([withApproval(inputs), stopStep], { parameters }));
    expect(findings.filter((f) => f.rule === 'approval-impossible').map((f) => [f.step, f.severity, f.message])).toEqual(expected.map((m) => ['approve', 'error', m]));
  });

  it('11 approvers is more than aws:approve takes', () => {
    const approvers = Array.from({ length: 11 }, (_, i) => `approver${i + 1}`);
    expect(byRule(lint(document([withApproval({ Approvers: approvers }), stopStep])), 'too-many-approvers')).toEqual([['approve', 'error', 'inputs.Approvers names 11 principals; aws:approve takes at most 10']]);
  });
});

describe('a document that declares itself approval-gated', () => {
  const fixed = { Approvers: ['arn:aws:iam::123456789012:role/Approver'] };

  it('approve, then stop: every path to the change passes the approval', () => {
    const findings = lint(document([withApproval(fixed), stopStep], { description: GATED }));
    expect(findings.filter((f) => /gated/.test(f.rule) || f.severity === 'error')).toEqual([]);
  });

  it('the stop first, approval after: an error naming the step and the path', () => {
    expect(byRule(lint(document([stopStep, withApproval(fixed)], { description: GATED })), 'ungated-change')).toEqual([
      ['stopInstances', 'error', 'the document declares itself approval-gated, but stopInstances (aws:changeInstanceState) changes something and is reached without an approval: stopInstances'],
    ]);
  });

  it('a rejected approval that continues (onFailure: Continue) reaches the change without approval', () => {
    expect(byRule(lint(document([withApproval(fixed, { onFailure: 'Continue' }), stopStep], { description: GATED })), 'ungated-change')).toEqual([
      ['stopInstances', 'error', expect.stringContaining('reached without an approval: approve -> stopInstances')],
    ]);
  });

  it('a branch around the approval (the shape NotificationService-ScaleUpDatabase had): the path that skips it', () => {
    const steps: Step[] = [
      { name: 'describe', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'DescribeInstances', InstanceIds: '{{ InstanceIds }}' }, outputs: [{ Name: 'State', Selector: '$.Reservations[0].Instances[0].State.Name', Type: 'String' }] },
      { name: 'chooseApproval', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'stopInstances', Variable: '{{ describe.State }}', StringEquals: 'stopping' }], Default: 'approve' } },
      withApproval(fixed),
      stopStep,
    ];
    expect(byRule(lint(document(steps, { description: GATED })), 'ungated-change')).toEqual([
      ['stopInstances', 'error', expect.stringContaining('reached without an approval: describe -> chooseApproval -> stopInstances')],
    ]);
  });

  it('a Lambda before the approval may change something: a warning, not an error', () => {
    const steps: Step[] = [{ name: 'inspect', action: 'aws:invokeLambdaFunction', inputs: { FunctionName: 'notification-runbooks-inspect' } }, withApproval(fixed), stopStep];
    const findings = lint(document(steps, { description: GATED }));
    expect(byRule(findings, 'ungated-change')).toEqual([]);
    expect(byRule(findings, 'possibly-ungated-change')).toEqual([['inspect', 'warning', expect.stringContaining('may change something (the linter cannot tell)')]]);
  });

  it.each<[string, string, boolean]>([
    ['reads only through its own boto3 clients (describe_, list_): no change', "import boto3\n\ndef handler(events, context):\n    rds = boto3.client('rds')\n    r53 = boto3.client('route53')\n    return [rds.describe_db_instances(DBInstanceIdentifier='db'), r53.list_resource_record_sets(HostedZoneId='Z')]", false],
    ['no AWS call at all (json.loads of a step output): no change', "import json\n\ndef handler(events, context):\n    return json.loads(events['Payload'])", false],
    ['a write among its calls', "import boto3\n\ndef handler(events, context):\n    rds = boto3.client('rds')\n    rds.describe_db_instances()\n    rds.modify_db_instance(DBInstanceIdentifier='db')", true],
    ['a client handed on (it could be called under another name)', "import boto3\n\ndef go(c):\n    return c.delete_db_instance()\n\ndef handler(events, context):\n    rds = boto3.client('rds')\n    return go(rds)", true],
    ['another way to AWS (a session)', "import boto3\n\ndef handler(events, context):\n    return boto3.session.Session().client('rds').delete_db_instance()", true],
  ])('a script before the approval that %s', (_situation, script, maybe) => {
    const steps: Step[] = [{ name: 'read', action: 'aws:executeScript', inputs: { Runtime: 'python3.11', Handler: 'handler', Script: script } }, withApproval(fixed), stopStep];
    const findings = lint(document(steps, { description: GATED }));
    expect(byRule(findings, 'ungated-change')).toEqual([]);
    expect(byRule(findings, 'possibly-ungated-change')).toEqual(maybe ? [['read', 'warning', expect.stringContaining('may change something (the linter cannot tell)')]] : []);
  });

  it('approvers the requester passes: a warning in a gated document, nothing in the AWS one that is not gated', () => {
    expect(byRule(lint(document([approveStep, stopStep], { description: GATED })), 'approvers-from-parameter')).toEqual([
      ['approve', 'warning', 'inputs.Approvers comes from parameter Approvers: whoever starts the automation chooses who approves it (fix approvers in the document)'],
    ]);
    expect(byRule(lint(document([approveStep, stopStep])), 'approvers-from-parameter')).toEqual([]);
  });

  it('the same flows in a document that does not declare itself gated: no gating finding', () => {
    const findings = lint(document([stopStep, withApproval(fixed)]));
    expect(findings.filter((f) => /gated/.test(f.rule))).toEqual([]);
  });
});
