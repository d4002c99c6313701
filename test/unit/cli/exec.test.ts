// `runbook exec` against a mocked SSM: the follow loop (progress, approval, failure), exit codes, and where it rehearses instead.
import {
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  SSMClient,
  SendAutomationSignalCommand,
  StartAutomationExecutionCommand,
  type StepExecution,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { execCommand, followExecution, isSandboxEndpoint, FollowError, type FollowDeps, type SignalType } from '../../../cli/exec';
import { ManualClock } from '../../support/manual-clock';

const ssmMock = mockClient(SSMClient);
const EXECUTION_ID = '4f6a1b2c-3d4e-5f60-7182-93a4b5c6d7e8';
const DOCUMENT = 'NotificationService-ScaleUpDatabase';

const check: StepExecution = {
  StepName: 'checkInstance',
  Action: 'aws:assertAwsResourceProperty',
  StepExecutionId: 'step-1',
  StepStatus: 'Success',
  Outputs: {},
  ExecutionStartTime: new Date('2026-11-25T14:00:01Z'),
  ExecutionEndTime: new Date('2026-11-25T14:00:02Z'),
};
const approvePending: StepExecution = { StepName: 'approveResize', Action: 'aws:approve', StepExecutionId: 'step-2', StepStatus: 'Pending' };
// Inputs are the resolved inputs as JSON text, as DescribeAutomationStepExecutions returns them.
const approveWaiting: StepExecution = {
  ...approvePending,
  StepStatus: 'Waiting',
  Inputs: {
    Approvers: '["arn:aws:iam::123456789012:role/OnCallApprovers"]',
    Message: '"Resize notification-service-db db.r6g.xlarge -> db.r6g.2xlarge?"',
    MinRequiredApprovals: '1',
  },
};
const approveDone: StepExecution = {
  ...approveWaiting,
  StepStatus: 'Success',
  Outputs: { ApprovalStatus: ['Approved'], ApproverDecisions: ['[{"approver":"alice","decision":"Approve"}]'] },
};
const resize: StepExecution = {
  StepName: 'modifyInstance',
  Action: 'aws:executeAwsApi',
  StepExecutionId: 'step-3',
  StepStatus: 'Success',
  Outputs: { PendingClass: ['db.r6g.2xlarge'], OutputPayload: ['{"DBInstance":{}}'] },
};

function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from SSM`), { name, $metadata: { httpStatusCode: status }, $fault: status >= 500 ? ('server' as const) : ('client' as const) });
}

interface Harness {
  deps: FollowDeps;
  lines: string[];
  said: string[];
  sleeps: number[];
}

function harness(decision?: SignalType): Harness {
  const lines: string[] = [];
  const said: string[] = [];
  const sleeps: number[] = [];
  const clock = new ManualClock(Date.parse('2026-11-25T14:00:00Z'));
  const sleep = clock.sleep.bind(clock);
  clock.sleep = async (ms: number) => {
    sleeps.push(ms);
    await sleep(ms);
  };
  return {
    lines,
    said,
    sleeps,
    deps: {
      ssm: new SSMClient({ region: 'us-east-1' }),
      clock,
      region: 'us-east-1',
      decide: async () => decision,
      comment: (signal) => `${signal} from the test`,
      print: (line) => lines.push(line),
      say: (line) => said.push(line),
    },
  };
}

/** GetAutomationExecution answers, one per poll, then the last one for good; the same for the steps. */
function polls(answers: Array<{ status: string; steps: StepExecution[]; outputs?: Record<string, string[]>; failure?: string }>): void {
  const get = ssmMock.on(GetAutomationExecutionCommand);
  const describe = ssmMock.on(DescribeAutomationStepExecutionsCommand);
  for (const a of answers) {
    get.resolvesOnce({
      AutomationExecution: {
        AutomationExecutionId: EXECUTION_ID,
        DocumentName: DOCUMENT,
        AutomationExecutionStatus: a.status as never,
        ...(a.outputs ? { Outputs: a.outputs } : {}),
        ...(a.failure ? { FailureMessage: a.failure } : {}),
      },
    });
    describe.resolvesOnce({ StepExecutions: a.steps });
  }
}

const saved = { endpoint: process.env.AWS_ENDPOINT_URL, region: process.env.AWS_REGION };
beforeEach(() => {
  ssmMock.reset();
  delete process.env.AWS_ENDPOINT_URL;
  process.env.AWS_REGION = 'us-east-1';
});
afterAll(() => {
  if (saved.endpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = saved.endpoint;
  if (saved.region === undefined) delete process.env.AWS_REGION;
  else process.env.AWS_REGION = saved.region;
});

describe('following an Automation execution', () => {
  it('prints each step as it changes, answers the waiting approval once with Approve, and ends with the outputs', async () => {
    polls([
      { status: 'InProgress', steps: [check, approvePending] },
      { status: 'Waiting', steps: [check, approveWaiting] },
      { status: 'Waiting', steps: [check, approveWaiting] },
      { status: 'InProgress', steps: [check, approveDone, { ...resize, StepStatus: 'InProgress', Outputs: {} }] },
      { status: 'Success', steps: [check, approveDone, resize], outputs: { 'modifyInstance.PendingClass': ['db.r6g.2xlarge'] } },
    ]);
    ssmMock.on(SendAutomationSignalCommand).resolves({});
    const h = harness('Approve');

    const summary = await followExecution(DOCUMENT, EXECUTION_ID, h.deps);

    expect(ssmMock.commandCalls(SendAutomationSignalCommand).map((c) => c.args[0].input)).toEqual([
      { AutomationExecutionId: EXECUTION_ID, SignalType: 'Approve', Payload: { Comment: ['Approve from the test'] } },
    ]);
    expect(summary).toMatchObject({
      mode: 'aws',
      executionId: EXECUTION_ID,
      status: 'Success',
      outputs: { 'modifyInstance.PendingClass': 'db.r6g.2xlarge' },
      steps: [
        { step: 'checkInstance', status: 'Success' },
        { step: 'approveResize', status: 'Success', outputs: { ApprovalStatus: 'Approved' } },
        { step: 'modifyInstance', status: 'Success' },
      ],
    });
    expect(summary.failure).toBeUndefined();
    expect(h.lines).toEqual([
      '[1] checkInstance (aws:assertAwsResourceProperty)...',
      '    ok',
      '[2] approveResize (aws:approve)...',
      '    ok',
      '    approveResize.ApprovalStatus = Approved',
      '    approveResize.ApproverDecisions = [{"approver":"alice","decision":"Approve"}]',
      '[3] modifyInstance (aws:executeAwsApi)...',
      '    ok',
      '    modifyInstance.PendingClass = db.r6g.2xlarge',
    ]);
    expect(h.said).toEqual([
      '    approval requested from arn:aws:iam::123456789012:role/OnCallApprovers:',
      '    Resize notification-service-db db.r6g.xlarge -> db.r6g.2xlarge?',
      '    approved: SendAutomationSignal Approve sent ("Approve from the test")',
    ]);
  });

  it('sends no signal without an answer, prints the exact command an approver runs, and keeps following to the end', async () => {
    polls([
      { status: 'Waiting', steps: [check, approveWaiting] },
      { status: 'Waiting', steps: [check, approveWaiting] },
      { status: 'Success', steps: [check, approveDone, resize] },
    ]);
    const h = harness(undefined);

    const summary = await followExecution(DOCUMENT, EXECUTION_ID, h.deps);

    expect(summary.status).toBe('Success');
    expect(ssmMock.commandCalls(SendAutomationSignalCommand)).toHaveLength(0);
    expect(h.said).toContain(
      `      aws ssm send-automation-signal --automation-execution-id ${EXECUTION_ID} --signal-type Approve --payload 'Comment=...' --region us-east-1`,
    );
  });

  it('prints a failed step with its failure message and details, and reports the execution as failed at that step', async () => {
    const failed: StepExecution = {
      ...resize,
      StepStatus: 'Failed',
      Outputs: {},
      FailureMessage: 'Step fails when it is Execution. InvalidDBInstanceState: DB instance is not in an available state.',
      FailureDetails: { FailureStage: 'Execution', FailureType: 'Verification', Details: { ExceptionType: ['InvalidDBInstanceState'] } },
    };
    polls([
      { status: 'InProgress', steps: [check] },
      { status: 'Failed', steps: [check, failed], failure: 'Step modifyInstance failed' },
    ]);
    const h = harness('Approve');

    const summary = await followExecution(DOCUMENT, EXECUTION_ID, h.deps);

    expect(summary).toMatchObject({
      status: 'Failed',
      failure: { step: 'modifyInstance', message: failed.FailureMessage },
      steps: [{ status: 'Success' }, { status: 'Failed', failureDetails: { stage: 'Execution', type: 'Verification' } }],
    });
    expect(h.lines.slice(2)).toEqual([
      '[2] modifyInstance (aws:executeAwsApi)...',
      '    FAILED: Verification at Execution ExceptionType=InvalidDBInstanceState',
      `    ${failed.FailureMessage}`,
    ]);
  });

  it('waits longer between polls while nothing changes, up to the bound, and polls quickly again after a change', async () => {
    const running: StepExecution = { ...resize, StepStatus: 'InProgress', Outputs: {} };
    polls([
      { status: 'InProgress', steps: [running] },
      ...Array.from({ length: 7 }, () => ({ status: 'InProgress', steps: [running] })),
      { status: 'InProgress', steps: [running, { ...check, StepExecutionId: 'step-9', StepStatus: 'InProgress' }] },
      { status: 'Success', steps: [resize, { ...check, StepExecutionId: 'step-9' }] },
    ]);
    const h = harness();
    h.deps.pollIntervalMs = { minMs: 1000, maxMs: 5000 };

    await followExecution(DOCUMENT, EXECUTION_ID, h.deps);

    expect(h.sleeps).toEqual([1000, 1500, 2250, 3375, 5000, 5000, 5000, 5000, 1000]);
  });

  it('rides out throttling, and gives up on an error that is not transient, saying the execution goes on', async () => {
    ssmMock
      .on(GetAutomationExecutionCommand)
      .rejectsOnce(sdkError('ThrottlingException', 400))
      .resolves({ AutomationExecution: { AutomationExecutionStatus: 'Success' } });
    ssmMock.on(DescribeAutomationStepExecutionsCommand).resolves({ StepExecutions: [check] });
    await expect(followExecution(DOCUMENT, EXECUTION_ID, harness().deps)).resolves.toMatchObject({ status: 'Success' });

    ssmMock.reset();
    ssmMock.on(GetAutomationExecutionCommand).rejects(sdkError('AutomationExecutionNotFoundException', 400));
    await expect(followExecution(DOCUMENT, EXECUTION_ID, harness().deps)).rejects.toThrow(FollowError);
  });

  it('sends the approval again at the next poll when the first attempt was throttled, and only until it is accepted', async () => {
    polls([
      { status: 'Waiting', steps: [approveWaiting] },
      { status: 'Waiting', steps: [approveWaiting] },
      { status: 'Waiting', steps: [approveWaiting] },
      { status: 'Success', steps: [approveDone] },
    ]);
    ssmMock.on(SendAutomationSignalCommand).rejectsOnce(sdkError('ThrottlingException', 400)).resolves({});

    const summary = await followExecution(DOCUMENT, EXECUTION_ID, harness('Reject').deps);

    expect(summary.status).toBe('Success');
    expect(ssmMock.commandCalls(SendAutomationSignalCommand).map((c) => c.args[0].input.SignalType)).toEqual(['Reject', 'Reject']);
  });

  it('keeps following when AWS refuses the signal (the caller is not an approver), naming the approvers', async () => {
    polls([
      { status: 'Waiting', steps: [approveWaiting] },
      { status: 'TimedOut', steps: [{ ...approveWaiting, StepStatus: 'TimedOut', FailureMessage: 'Step timed out' }] },
    ]);
    ssmMock.on(SendAutomationSignalCommand).rejects(sdkError('InvalidAutomationSignalException', 400));
    const h = harness('Approve');

    const summary = await followExecution(DOCUMENT, EXECUTION_ID, h.deps);

    expect(summary).toMatchObject({ status: 'TimedOut', failure: { step: 'approveResize', message: 'Step timed out' } });
    expect(h.said.join('\n')).toMatch(/could not approve \(InvalidAutomationSignalException.*\n.*arn:aws:iam::123456789012:role\/OnCallApprovers/);
    expect(h.lines).toContain('    TimedOut');
  });
});

describe('runbook exec against AWS', () => {
  let out: string[];
  let err: string[];
  beforeEach(() => {
    out = [];
    err = [];
    jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void err.push(args.join(' ')));
  });
  afterEach(() => jest.restoreAllMocks());

  const run = (args: Parameters<typeof execCommand>[1]): Promise<number> =>
    execCommand(DOCUMENT, args, { ssm: new SSMClient({ region: 'us-east-1' }), clock: new ManualClock(0) });

  it('starts the document with its parameters as string lists and exits 1 when a step fails, printing its message', async () => {
    ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXECUTION_ID });
    polls([{ status: 'Failed', steps: [{ ...check, StepStatus: 'Failed', Outputs: {}, FailureMessage: 'DBInstanceClass is "db.t3.medium", expected "db.r6g.xlarge"' }] }]);

    const code = await run({ param: ['DBInstanceIdentifier=notification-service-db', 'TargetInstanceClass=db.r6g.2xlarge'] });

    expect(code).toBe(1);
    expect(ssmMock.commandCalls(StartAutomationExecutionCommand)[0]?.args[0].input).toEqual({
      DocumentName: DOCUMENT,
      ClientToken: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      Parameters: { DBInstanceIdentifier: ['notification-service-db'], TargetInstanceClass: ['db.r6g.2xlarge'] },
    });
    expect(out).toContain('    DBInstanceClass is "db.t3.medium", expected "db.r6g.xlarge"');
    expect(out[out.length - 1]).toBe('Failed at step checkInstance: DBInstanceClass is "db.t3.medium", expected "db.r6g.xlarge"');
  });

  it('prints only a JSON summary on standard output with --json, and exits 0 on success', async () => {
    ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXECUTION_ID });
    polls([{ status: 'Success', steps: [check], outputs: { 'checkInstance.Class': ['db.r6g.xlarge'] } }]);

    const code = await run({ json: true });

    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ executionId: EXECUTION_ID, status: 'Success', steps: [{ step: 'checkInstance' }], outputs: { 'checkInstance.Class': 'db.r6g.xlarge' } });
  });

  const atCap = JSON.stringify({
    playbook: 'scale-consumers',
    outcome: 'escalate',
    reason: 'consumers of notification-service-queue are at the environment cap (MaximumConcurrency 400): cannot scale further automatically',
    escalation: { cause: 'cap-reached' },
  });

  it('exits 3 with a WARNING when the execution succeeded but the automation it invoked escalated (review 10a, finding 3)', async () => {
    ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXECUTION_ID });
    polls([{ status: 'Success', steps: [check], outputs: { 'runScaleConsumers.Payload': [atCap] } }]);

    expect(await run({})).toBe(3);
    expect(out).toContain('Success');
    expect(out[out.length - 1]).toBe(
      'WARNING: the document ran to the end, but the automation it invoked did NOT act: runScaleConsumers.Payload answered escalate: consumers of notification-service-queue are at the environment cap (MaximumConcurrency 400): cannot scale further automatically. Nothing was changed by it; a person is needed (exit 3).',
    );
  });

  it('with --json prints the summary alone on standard output and the warning on standard error, exit 3', async () => {
    ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXECUTION_ID });
    polls([{ status: 'Success', steps: [check], outputs: { 'runScaleConsumers.Payload': [atCap] } }]);

    expect(await run({ json: true })).toBe(3);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ status: 'Success' });
    // With --json the progress goes to standard error too; the warning is its last line.
    expect(err[err.length - 1]).toMatch(/^WARNING: the document ran to the end, but the automation it invoked did NOT act: runScaleConsumers\.Payload answered escalate/);
  });

  it('exits 3 with a WARNING when the automation answers duplicate delivery of a state change it had escalated (decision 167)', async () => {
    // L1 ran the document on the state change the escalation is about: the claim is completed, the run changes nothing.
    const duplicate = JSON.stringify({ outcome: 'skipped', reason: 'duplicate delivery: incident already handled (escalate)', playbook: 'scale-consumers' });
    ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXECUTION_ID });
    polls([{ status: 'Success', steps: [check], outputs: { 'runScaleConsumers.Payload': [duplicate] } }]);

    expect(await run({})).toBe(3);
    expect(out).toContain('Success');
    expect(out[out.length - 1]).toBe(
      'WARNING: the document ran to the end, but the automation it invoked did NOT act: runScaleConsumers.Payload answered skipped: duplicate delivery: incident already handled (escalate): the automation had escalated this alarm state change and does not act on it again. Nothing was changed by it; a person is needed (exit 3).',
    );
  });

  it('exits 3 with a WARNING when the automation rejected the event the document built (review 12, R12-1)', async () => {
    const rejected = JSON.stringify({ outcome: 'rejected', reason: 'alarm "X" is not one the production environment watches with scale-consumers in us-west-2: refused, nothing read or changed', playbook: 'scale-consumers' });
    ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXECUTION_ID });
    polls([{ status: 'Success', steps: [check], outputs: { 'runScaleConsumers.Payload': [rejected] } }]);

    expect(await run({})).toBe(3);
    expect(out[out.length - 1]).toBe(
      'WARNING: the document ran to the end, but the automation it invoked did NOT act: runScaleConsumers.Payload answered rejected: alarm "X" is not one the production environment watches with scale-consumers in us-west-2: refused, nothing read or changed. Nothing was changed by it; a person is needed (exit 3).',
    );
  });

  // Decision 211: the project's documents fail themselves on such an answer (automationDidNotAct, its message carrying the
  // answer): the run is said as Failed, exit 1, and not as "ran to the end" with a WARNING.
  it.each([
    ['text', false],
    ['--json', true],
  ])('exits 1 with no WARNING (%s) when the document failed itself on an answer that changed nothing', async (_form, json) => {
    const failure = `$.MetricAlarms[0].StateValue is "ALARM", expected "the automation to have scaled the consumers; it did not, scale-consumers answered ${atCap}"`;
    ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXECUTION_ID });
    polls([
      {
        status: 'Failed',
        steps: [{ ...check, StepName: 'automationDidNotAct', StepStatus: 'Failed', FailureMessage: failure }],
        outputs: { 'runScaleConsumers.Payload': [atCap], 'readConsumers.MaximumConcurrency': ['400'] },
      },
    ]);

    expect(await run({ json })).toBe(1);
    expect([...out, ...err].join('\n')).not.toContain('WARNING');
    if (json) expect(JSON.parse(out.join('\n'))).toMatchObject({ status: 'Failed' });
    else expect(out[out.length - 1]).toBe(`Failed at step automationDidNotAct: ${failure}`);
  });

  it.each([
    ['a diagnosis (what CheckDbConnections is run for)', { outcome: 'escalate', reason: 'connections at 92%', escalation: { cause: 'diagnosis' } }],
    ['an applied change', { outcome: 'applied', reason: 'scale consumers 50 -> 100' }],
    ['a duplicate delivery', { outcome: 'skipped', reason: 'duplicate delivery: incident already handled (applied)' }],
    [
      'a duplicate of an escalated inspection that carries the rule it recorded (the document adds it)',
      { outcome: 'skipped', reason: 'duplicate delivery: incident already handled (escalate)', runbook: { documentName: 'NotificationService-TroubleshootConnectionTimeout', parameters: {} } },
    ],
  ])('exits 0 without a warning for %s', async (_case, payload) => {
    ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXECUTION_ID });
    polls([{ status: 'Success', steps: [check], outputs: { 'run.Payload': [JSON.stringify(payload)], 'readConsumers.MaximumConcurrency': ['100'] } }]);
    expect(await run({})).toBe(0);
    expect(out.join('\n')).not.toContain('WARNING');
  });

  it.each([
    ['an unknown document', 'AutomationDefinitionNotFoundException', 2, /no Automation document NotificationService-ScaleUpDatabase .*runbook list.*In cross-account mode this document is in the workload account, where the resources are: use that account's profile/],
    ['parameters the document refuses', 'InvalidAutomationExecutionParametersException', 2, /AWS refused to start/],
    ['denied access', 'AccessDeniedException', 1, /ssm:StartAutomationExecution/],
  ])('answers %s from StartAutomationExecution with the exit code scripts expect and says what to do', async (_case, name, expected, message) => {
    ssmMock.on(StartAutomationExecutionCommand).rejects(sdkError(name, 400));
    expect(await run({})).toBe(expected);
    expect(err.join('\n')).toMatch(message);
  });

  it('rejects a malformed --param with exit 2 before calling AWS, and --approve with --reject as usage (64)', async () => {
    expect(await run({ param: ['DBInstanceIdentifier'] })).toBe(2);
    expect(err.join('\n')).toMatch(/expected NAME=VALUE/);
    expect(await run({ approve: true, reject: true })).toBe(64);
    expect(ssmMock.calls()).toHaveLength(0);
  });
});

describe('isSandboxEndpoint', () => {
  it.each([
    ['http://127.0.0.1:5123', true],
    ['http://localhost:4566', true],
    ['http://[::1]:5000', true],
    ['https://ssm.us-east-1.amazonaws.com', false],
    ['https://vpce-0a1b2c3d-ssm.us-east-1.vpce.amazonaws.com', false],
    [undefined, false],
    ['not a url', false],
  ])('treats %s as the sandbox: %s', (endpoint, expected) => {
    expect(isSandboxEndpoint(endpoint)).toBe(expected);
  });
});
