// Each class of false positive the linter had on documents AWS accepts, built from the shape of a real AWS-published
// document in test/fixtures/ssm-documents/aws (named in each case), plus the matching case that must still be caught.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseRunbook } from '../../../shared/runbooks/document';
import { lintRunbook, type Finding } from '../../../shared/runbooks/lint/lint-runbook';

const fixtures = join(__dirname, '../../fixtures/ssm-documents/aws');
const lint = (document: unknown): Finding[] => lintRunbook(parseRunbook('test.yaml', stringify(document)));
const lintText = (text: string): Finding[] => lintRunbook(parseRunbook('test.yaml', text));
const errors = (findings: Finding[]): string[] => findings.filter((f) => f.severity === 'error').map((f) => `${f.rule}: ${f.message}`);
const warnings = (findings: Finding[]): string[] => findings.filter((f) => f.severity === 'warning').map((f) => `${f.rule}: ${f.message}`);
const fixture = (file: string): string => readFileSync(join(fixtures, file), 'utf8');

type Parameter = Record<string, unknown>;

/** Digito-AsgAzOutage_2020-07-23.yml: `Duration: PT{{TestDurationInMinutes}}M`, the parameter a String with default "10". */
function sleepFor(parameter: Parameter, duration = 'PT{{TestDurationInMinutes}}M'): Record<string, unknown> {
  return {
    schemaVersion: '0.3',
    description: 'Wait for the test.',
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: {
      AutomationAssumeRole: { type: 'String', description: 'Role.', allowedPattern: '^arn:aws:iam::\\d{12}:role/\\S+$' },
      TestDurationInMinutes: { description: '(Optional) Test duration in minutes.', ...parameter },
    },
    mainSteps: [{ name: 'WaitForTestCompletion', action: 'aws:sleep', onFailure: 'step:TriggerRollback', inputs: { Duration: duration } }, { name: 'TriggerRollback', action: 'aws:sleep', inputs: { Duration: 'PT1S' } }],
  };
}

describe('class 1: {{ placeholders }} inside typed values are checked after substitution', () => {
  it('the real document itself lints with no error and no placeholder warning', () => {
    const findings = lintText(fixture('Digito-AsgAzOutage_2020-07-23.yml'));
    expect(errors(findings)).toEqual([]);
    expect(warnings(findings).filter((w) => w.startsWith('undecidable-value'))).toEqual([]);
  });

  it('PT{{ Minutes }}M with the default "10" is PT10M: nothing to report', () => {
    const findings = lint(sleepFor({ type: 'String', default: '10', allowedPattern: '^\\d+$' }));
    expect(errors(findings)).toEqual([]);
    expect(warnings(findings)).toEqual([]);
  });

  it('PT{{ Minutes }}M with the default "ten" is PTtenM: an error naming the substitution', () => {
    expect(errors(lint(sleepFor({ type: 'String', default: 'ten', allowedPattern: '^\\w+$' })))).toEqual([
      'invalid-duration: inputs.Duration: "PTtenM" is not an ISO 8601 duration such as PT5M after substitution ({{ TestDurationInMinutes }} = "ten" (its default))',
    ]);
  });

  it('no default, an Integer: any value gives a valid duration, so nothing is reported', () => {
    const findings = lint(sleepFor({ type: 'Integer' }));
    expect(errors(findings)).toEqual([]);
    expect(warnings(findings)).toEqual([]);
  });

  it('no default, a String with allowedPattern ^\\d+$: checked with a sample of the pattern, nothing reported', () => {
    const findings = lint(sleepFor({ type: 'String', allowedPattern: '^\\d+$' }));
    expect(errors(findings)).toEqual([]);
    expect(warnings(findings)).toEqual([]);
  });

  it('no default and only a type that cannot give a valid value: a warning, not an error', () => {
    const findings = lint(sleepFor({ type: 'Boolean' }));
    expect(errors(findings)).toEqual([]);
    expect(warnings(findings)).toEqual([expect.stringContaining('undecidable-value: cannot be decided before run time: inputs.Duration: "PTtrueM"')]);
  });

  it('Digito-SqsMaxReceiveFailureStandard: PT{{ GetDLQVisibilityTimeout.VisibilityTimeout }}S (a String output) is a warning, not an error', () => {
    const findings = lintText(fixture('Digito-SqsMaxReceiveFailureStandard_2020-11-27.yml'));
    expect(errors(findings)).toEqual([]);
    expect(findings).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        rule: 'undecidable-value',
        step: 'WaitForDLQVisibilityTimeout',
        message: expect.stringContaining('{{ GetDLQVisibilityTimeout.VisibilityTimeout }} is a String output, known only at run time'),
      }),
    );
  });

  it('Digito-AsgInjectCpuLoad: a StringList output as the item of a list is the list itself, not a list in a list', () => {
    const findings = lintText(fixture('Digito-AsgInjectCpuLoad_2021-09-22.yml'));
    expect(errors(findings)).toEqual([]);
    expect(findings.filter((f) => f.step === 'RunCpuStress')).toEqual([]);
  });

  // AWS-EncryptRootVolume.json: DesiredState: "{{ describeInstance.instanceState }}" (a String output).
  const changeState = (desiredState: string, parameter?: Parameter): Record<string, unknown> => ({
    schemaVersion: '0.3',
    description: 'Restore the state.',
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: {
      AutomationAssumeRole: { type: 'String', description: 'Role.', allowedPattern: '^arn:aws:iam::\\d{12}:role/\\S+$' },
      InstanceId: { type: 'String', description: 'Instance.', allowedPattern: '^i-[a-z0-9]{8,17}$' },
      ...(parameter ? { State: { description: 'State.', ...parameter } } : {}),
    },
    mainSteps: [
      { name: 'describeInstance', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'DescribeInstances', InstanceIds: ['{{ InstanceId }}'] }, outputs: [{ Name: 'instanceState', Selector: '$.Reservations[0].Instances[0].State.Name', Type: 'String' }] },
      { name: 'restoreInstanceInitialState', action: 'aws:changeInstanceState', inputs: { InstanceIds: ['{{ InstanceId }}'], DesiredState: desiredState } },
    ],
  });

  it('AWS-EncryptRootVolume: DesiredState from a String output is not checked against the enum (it is known at run time)', () => {
    expect(errors(lint(changeState('{{ describeInstance.instanceState }}')))).toEqual([]);
    expect(errors(lintText(fixture('AWS-EncryptRootVolume.json')))).toEqual([]);
  });

  it('DesiredState from a parameter whose default is not a state: the schema error, after substitution', () => {
    expect(errors(lint(changeState('{{ State }}', { type: 'String', default: 'Stopped', allowedValues: ['Stopped'] })))).toEqual([
      expect.stringMatching(/^schema: inputs\.DesiredState: .* after substitution \(\{\{ State \}\} = "Stopped" \(its default\)\)$/),
    ]);
  });

  it('a number operand given as {{ Threshold }}: checked with the default, no error when it is a number', () => {
    const branch = (threshold: Parameter): Record<string, unknown> => ({
      schemaVersion: '0.3',
      description: 'Branch.',
      parameters: { Threshold: { description: 'Threshold.', ...threshold } },
      mainSteps: [
        { name: 'decide', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'done', Variable: '{{ Threshold }}', NumericGreater: '{{ Threshold }}' }], Default: 'done' } },
        { name: 'done', action: 'aws:sleep', inputs: { Duration: 'PT1S' } },
      ],
    });
    expect(errors(lint(branch({ type: 'Integer', default: 5 })))).toEqual([]);
    expect(errors(lint(branch({ type: 'Integer' })))).toEqual([]);
    expect(errors(lint(branch({ type: 'String', default: 'many', allowedPattern: '.+' })))).toEqual([
      'invalid-condition: inputs.Choices[0].NumericGreater: must be a number, got "many" after substitution ({{ Threshold }} = "many" (its default))',
    ]);
  });

  it('MaxIterations given as {{ Count }}: 500 by default is an error, no default is not', () => {
    const loop = (count: Parameter): Record<string, unknown> => ({
      schemaVersion: '0.3',
      description: 'Loop.',
      parameters: { Count: { description: 'Count.', ...count }, Ids: { type: 'StringList', description: 'Ids.', allowedPattern: '.+' } },
      mainSteps: [{ name: 'each', action: 'aws:loop', inputs: { Iterators: '{{ Ids }}', MaxIterations: '{{ Count }}', Steps: [{ name: 'w', action: 'aws:sleep', inputs: { Duration: 'PT1S' } }] } }],
    });
    expect(errors(lint(loop({ type: 'Integer', default: 500 })))).toEqual([
      'loop-iterations: inputs.MaxIterations: 500 is outside 1..100, the most aws:loop allows after substitution ({{ Count }} = 500 (its default))',
    ]);
    expect(errors(lint(loop({ type: 'Integer' })))).toEqual([]);
  });
});

describe('class 2: optional sections present with no value are absent, as AWS reads them', () => {
  const document = fixture('UserGuide-RestoreRootVolumeFromSnapshot.yaml');

  it('the document has none of these sections as written (so the cases below add them)', () => {
    const parsed = parse(document) as Record<string, unknown>;
    expect(['files', 'variables'].filter((k) => k in parsed)).toEqual([]);
    expect(errors(lintText(document))).toEqual([]);
  });

  it.each([
    ['outputs:', 'outputs'],
    ['files:', 'files'],
    ['variables:', 'variables'],
    ["outputs: ''", 'outputs'],
  ])('top-level "%s" with no value: no error', (line, key) => {
    const parsed = parse(document) as Record<string, unknown>;
    const without = stringify(Object.fromEntries(Object.entries(parsed).filter(([k]) => k !== key)));
    const findings = lintText(`${without}${line}\n`);
    expect(errors(findings)).toEqual([]);
  });

  it('a step whose outputs: has no value: no error', () => {
    const parsed = parse(document) as { mainSteps: Array<Record<string, unknown>> };
    const step = parsed.mainSteps.find((s) => !('outputs' in s));
    expect(step).toBeDefined();
    if (step) step.outputs = null;
    expect(errors(lint(parsed))).toEqual([]);
  });

  it('"parameters:" with no value in a document that uses none: no error', () => {
    const text = ['schemaVersion: "0.3"', 'description: Restart', 'parameters:', 'mainSteps:', '  - name: wait', '    action: aws:sleep', '    inputs:', '      Duration: PT1M', ''].join('\n');
    expect(errors(lintText(text))).toEqual([]);
  });

  it('a value that is not empty is still checked: outputs: 3 is an error', () => {
    const parsed = parse(document) as Record<string, unknown>;
    expect(errors(lint({ ...parsed, outputs: 3 }))).toEqual([expect.stringContaining('schema: outputs: must be array')]);
  });
});

describe('class 3: where substitution must not make the schema stricter than AWS', () => {
  // AWS-ASGEnterStandbyWithApproval.json starts a child automation by name; here its DocumentVersion and a command
  // timeout come from Integer parameters, which Automation writes into those text inputs.
  it('an Integer default substituted into an input the schema types as text is its text, not an error', () => {
    const document = {
      schemaVersion: '0.3',
      description: 'Run a child automation and a command.',
      parameters: {
        Version: { type: 'Integer', description: 'Child document version.', default: 2 },
        Timeout: { type: 'Integer', description: 'Command timeout.', default: 600 },
      },
      mainSteps: [
        { name: 'child', action: 'aws:executeAutomation', inputs: { DocumentName: 'AWS-ASGEnterStandby', DocumentVersion: '{{ Version }}' } },
        { name: 'command', action: 'aws:runCommand', inputs: { DocumentName: 'AWS-RunShellScript', InstanceIds: ['i-0123456789abcdef0'], TimeoutSeconds: '{{ Timeout }}', Parameters: { commands: ['uptime'] } } },
      ],
    };
    expect(errors(lint(document))).toEqual([]);
    expect(warnings(lint(document)).filter((w) => w.startsWith('undecidable-value'))).toEqual([]);
  });
});
