// The rehearsal engine with its I/O faked: flow, waits and sleeps on an injected clock, approvals, refusals.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseRunbook, type RunbookModel } from '../../../shared/runbooks/document';
import { rehearse, UnsupportedActionError, type ApprovalAnswer, type RehearsalDeps, type RehearsalResult } from '../../../sandbox/rehearsal/engine';
import { ManualClock } from '../../support/manual-clock';

type Step = Record<string, unknown>;

function model(steps: Step[], extra: Record<string, unknown> = {}): RunbookModel {
  const parsed = parseRunbook('t.yaml', stringify({ schemaVersion: '0.3', description: 'd', parameters: {}, mainSteps: steps, ...extra }));
  if (!parsed.model) throw new Error('no model');
  return parsed.model;
}

interface Fakes {
  deps: RehearsalDeps;
  clock: ManualClock;
  calls: Array<{ service: string; api: string; input: Record<string, unknown> }>;
  invocations: Array<{ functionName: string; payload: unknown }>;
}

function fakes(options: { responses?: (api: string, call: number) => unknown; approve?: ApprovalAnswer; lambda?: unknown; lambdaError?: boolean; refuse?: string } = {}): Fakes {
  const clock = new ManualClock(Date.parse('2026-11-25T14:00:00Z'));
  const calls: Fakes['calls'] = [];
  const invocations: Fakes['invocations'] = [];
  const deps: RehearsalDeps = {
    clock,
    async callAws(service, api, input) {
      calls.push({ service, api, input });
      return options.responses?.(api, calls.filter((c) => c.api === api).length) ?? { $metadata: { httpStatusCode: 200 } };
    },
    async invokeFunction(functionName, payload) {
      invocations.push({ functionName, payload });
      return options.lambdaError ? { payload: { errorType: 'TransientError', errorMessage: 'throttled' }, functionError: 'Unhandled' } : { payload: options.lambda ?? { outcome: 'applied' } };
    },
    checkFunction(functionName) {
      if (functionName === options.refuse) throw new Error(`bundle of ${functionName} is not built`);
    },
    async approve() {
      return options.approve ?? { approved: true, approver: 'alice' };
    },
    context: { accountId: '123456789012', region: 'us-east-1', executionId: 'exec-1' },
    pollIntervalMs: 10_000,
  };
  return { deps, clock, calls, invocations };
}

const path = (result: RehearsalResult): string[] => result.steps.map((s) => `${s.step}:${s.status}`);

describe('rehearsing a document', () => {
  it('passes typed parameters, system variables and step outputs into AWS calls, as Automation substitutes them', async () => {
    const f = fakes({ responses: (api) => (api === 'DescribeDBInstances' ? { DBInstances: [{ DBInstanceClass: 'db.r6g.xlarge', AllocatedStorage: 100, MultiAZ: true }], $metadata: {} } : {}) });
    const doc = model(
      [
        {
          name: 'read',
          action: 'aws:executeAwsApi',
          inputs: { Service: 'rds', Api: 'DescribeDBInstances', DBInstanceIdentifier: '{{ Db }}' },
          outputs: [
            { Name: 'Class', Selector: '$.DBInstances[0].DBInstanceClass', Type: 'String' },
            { Name: 'StorageGb', Selector: '$.DBInstances[0].AllocatedStorage', Type: 'Integer' },
            { Name: 'MultiAZ', Selector: '$.DBInstances[0].MultiAZ', Type: 'Boolean' },
          ],
        },
        {
          name: 'modify',
          action: 'aws:executeAwsApi',
          inputs: { Service: 'rds', Api: 'ModifyDBInstance', DBInstanceIdentifier: 'arn:{{ global:AWS_PARTITION }}:rds:{{ global:REGION }}:{{ global:ACCOUNT_ID }}:db:{{ Db }}', AllocatedStorage: '{{ read.StorageGb }}', ApplyImmediately: '{{ Now }}' },
        },
      ],
      { outputs: ['read.Class', 'read.MultiAZ'] },
    );
    const result = await rehearse(doc, { Db: 'db1', Now: true }, f.deps);
    expect(result).toMatchObject({ status: 'Success', outputs: { 'read.Class': 'db.r6g.xlarge', 'read.MultiAZ': true } });
    expect(f.calls[1]?.input).toEqual({ DBInstanceIdentifier: 'arn:aws:rds:us-east-1:123456789012:db:db1', AllocatedStorage: 100, ApplyImmediately: true });
  });

  it('sleeps on the injected clock: aws:sleep PT5M moves it five minutes and waits for nothing', async () => {
    const f = fakes();
    const result = await rehearse(model([{ name: 'pause', action: 'aws:sleep', inputs: { Duration: 'PT5M' } }]), {}, f.deps);
    expect(result.status).toBe('Success');
    expect(f.clock.now().toISOString()).toBe('2026-11-25T14:05:00.000Z');
  });

  it('polls aws:waitForAwsResourceProperty until the property has a desired value', async () => {
    const states = ['modifying', 'modifying', 'available'];
    const f = fakes({ responses: (_api, call) => ({ DBInstances: [{ DBInstanceStatus: states[Math.min(call, states.length) - 1] }] }) });
    const doc = model([{ name: 'wait', action: 'aws:waitForAwsResourceProperty', inputs: { Service: 'rds', Api: 'DescribeDBInstances', PropertySelector: '$.DBInstances[0].DBInstanceStatus', DesiredValues: ['available'] } }]);
    const result = await rehearse(doc, {}, f.deps);
    expect(result.status).toBe('Success');
    expect(f.calls).toHaveLength(3);
    expect(f.clock.now().getTime() - Date.parse('2026-11-25T14:00:00Z')).toBe(20_000);
  });

  it('gives up a wait at the step timeout, saying what it last saw', async () => {
    const f = fakes({ responses: () => ({ DBInstances: [{ DBInstanceStatus: 'modifying' }] }) });
    const doc = model([{ name: 'wait', action: 'aws:waitForAwsResourceProperty', timeoutSeconds: 60, inputs: { Service: 'rds', Api: 'DescribeDBInstances', PropertySelector: '$.DBInstances[0].DBInstanceStatus', DesiredValues: ['available'] } }]);
    const result = await rehearse(doc, {}, f.deps);
    expect(result).toMatchObject({ status: 'Failed', failure: { step: 'wait', message: 'timed out after 60 s: $.DBInstances[0].DBInstanceStatus is "modifying", waiting for "available"' } });
  });

  it('fails an assertion naming the value it found, and compares booleans as Automation does (True / False)', async () => {
    const f = fakes({ responses: () => ({ DBInstances: [{ DBInstanceStatus: 'backing-up', PubliclyAccessible: false }] }) });
    const assert = (selector: string, desired: string[]): Step => ({ name: `a${desired[0]}`, action: 'aws:assertAwsResourceProperty', inputs: { Service: 'rds', Api: 'DescribeDBInstances', PropertySelector: selector, DesiredValues: desired } });
    const result = await rehearse(model([assert('$.DBInstances[0].PubliclyAccessible', ['False']), assert('$.DBInstances[0].DBInstanceStatus', ['available'])]), {}, f.deps);
    expect(path(result)).toEqual(['aFalse:Success', 'aavailable:Failed']);
    expect(result.failure?.message).toBe('$.DBInstances[0].DBInstanceStatus is "backing-up", expected "available"');
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['the first true choice', { Env: 'production' }, ['decide:Success', 'approve:Success', 'change:Success']],
    ['Default when no choice is true', { Env: 'staging' }, ['decide:Success', 'change:Success']],
  ])('branches to %s', async (_case, parameters, expected) => {
    const doc = model([
      { name: 'decide', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'approve', Variable: '{{ Env }}', StringEquals: 'production' }], Default: 'change' } },
      { name: 'approve', action: 'aws:approve', inputs: { Approvers: ['alice'] } },
      { name: 'change', action: 'aws:executeAwsApi', inputs: { Service: 'rds', Api: 'ModifyDBInstance' }, isEnd: true },
    ]);
    expect(path(await rehearse(doc, parameters, fakes().deps))).toEqual(expected);
  });

  it('stops at a rejected approval: nothing after it runs', async () => {
    const f = fakes({ approve: { approved: false, approver: 'bob', comment: 'not now' } });
    const doc = model([
      { name: 'approve', action: 'aws:approve', inputs: { Approvers: ['bob'], Message: 'resize?' } },
      { name: 'change', action: 'aws:executeAwsApi', inputs: { Service: 'rds', Api: 'ModifyDBInstance' } },
    ]);
    const result = await rehearse(doc, {}, f.deps);
    expect(result).toMatchObject({ status: 'Failed', failure: { step: 'approve', message: 'rejected by bob: not now' } });
    expect(f.calls).toEqual([]);
  });

  describe("an approval's request goes to its NotificationArn before anyone is asked (review 11a finding 8)", () => {
    const TOPIC = 'arn:aws:sns:us-east-1:123456789012:Automation-notification-runbooks-approvals';
    const approveStep: Step = {
      name: 'approveResize',
      action: 'aws:approve',
      inputs: { NotificationArn: TOPIC, Approvers: ['arn:aws:iam::123456789012:role/Approver'], MinRequiredApprovals: 1, Message: 'resize db-1 to db.r6g.2xlarge?' },
    };
    const change: Step = { name: 'change', action: 'aws:executeAwsApi', inputs: { Service: 'rds', Api: 'ModifyDBInstance' } };

    it('publishes the step\'s message, its approvers and the signal commands to the topic, then asks', async () => {
      const f = fakes({ approve: { approved: true, approver: 'arn:aws:sts::123456789012:assumed-role/Approver/bob' } });
      const publishedBeforeAsking: string[][] = [];
      const answer = f.deps.approve;
      f.deps.approve = async (request) => {
        publishedBeforeAsking.push(f.calls.map((c) => c.api));
        expect(request.notified).toBe(TOPIC);
        return answer(request);
      };
      const result = await rehearse(model([approveStep, change]), {}, f.deps);

      expect(result.status).toBe('Success');
      expect(publishedBeforeAsking).toEqual([['Publish']]);
      const publish = f.calls[0];
      expect(publish).toMatchObject({ service: 'sns', api: 'Publish', input: { TopicArn: TOPIC, Subject: 'Approval needed: approveResize of automation exec-1' } });
      const message = String(publish?.input.Message);
      expect(message).toContain('resize db-1 to db.r6g.2xlarge?');
      expect(message).toContain('Approvers (1 of them must approve): arn:aws:iam::123456789012:role/Approver.');
      expect(message).toContain('aws ssm send-automation-signal --automation-execution-id exec-1 --signal-type Approve --region us-east-1');
      expect(f.calls.map((c) => c.api)).toEqual(['Publish', 'ModifyDBInstance']);
    });

    it('fails the step when the request cannot be published: nobody is asked and nothing after it runs', async () => {
      const f = fakes();
      const callAws = f.deps.callAws;
      f.deps.callAws = async (service, api, input) => {
        if (api === 'Publish') throw Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' });
        return callAws(service, api, input);
      };
      let asked = 0;
      f.deps.approve = async () => {
        asked += 1;
        return { approved: true, approver: 'arn:aws:iam::123456789012:role/Approver' };
      };
      const result = await rehearse(model([approveStep, change]), {}, f.deps);

      expect(result.failure).toEqual({
        step: 'approveResize',
        message: `the approval request could not be published to ${TOPIC} (NotFoundException: Topic does not exist): no approver would be asked, so the step fails`,
      });
      expect(asked).toBe(0);
      expect(f.calls.map((c) => c.api)).toEqual([]);
    });
  });

  describe('the instant of a state change: its transition time where the alarm answers one, else its update time (decisions 166, 171)', () => {
    // The SSM documents' own steps, from readAlarm to the invoke (ScaleConsumers; the linter holds the four alike).
    const stepsFrom = (first: string, last: string): Step[] => {
      const raw = (parse(readFileSync(join(__dirname, '../../../runbooks/NotificationService-ScaleConsumers.yaml'), 'utf8')) as { mainSteps: Step[] }).mainSteps;
      const names = raw.map((s) => s.name);
      return raw.slice(names.indexOf(first), names.indexOf(last) + 1);
    };
    const stamped = model(stepsFrom('readAlarm', 'runScaleConsumers'), { variables: { StateChangeTime: { type: 'String' } }, parameters: { QueueName: { type: 'String' }, RemediationFunctionName: { type: 'String' } } });
    const parameters = { QueueName: 'q', RemediationFunctionName: 'f' };
    const alarm = { AlarmName: 'a', AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:a', StateValue: 'ALARM', StateReason: 'r' };
    const stampOf = (f: Fakes): unknown => (f.invocations[0]?.payload as { detail: { state: { timestamp: unknown } }; time: unknown } | undefined)?.detail.state.timestamp;

    it.each([
      [
        'CloudWatch after an EvaluationState-only update: the transition time',
        { ...alarm, StateUpdatedTimestamp: '2026-12-06T11:41:05.118Z', StateTransitionedTimestamp: '2026-12-06T11:26:05.401Z' },
        '2026-12-06T11:26:05.401Z',
        'stampWithTransitionTime:Success',
      ],
      ['moto, no transition time answered: the update time, no step failing', { ...alarm, StateUpdatedTimestamp: '2026-12-06T11:41:05.118Z' }, '2026-12-06T11:41:05.118Z', 'stampWithUpdateTime:Success'],
    ])('%s', async (_case, answered, expected, stamp) => {
      const f = fakes({ responses: () => ({ MetricAlarms: [answered] }) });
      const result = await rehearse(stamped, parameters, f.deps);
      expect(result.status).toBe('Success');
      expect(path(result)).toEqual(['readAlarm:Success', 'chooseStateChangeTime:Success', stamp, 'runScaleConsumers:Success']);
      const payload = f.invocations[0]?.payload as { time: unknown };
      expect([payload.time, stampOf(f)]).toEqual([expected, expected]);
    });

    it('reads a DescribeAlarms answer with no alarm as Automation does: readAlarm succeeds with no outputs, the update time is missing too, nothing is invoked', async () => {
      const f = fakes({ responses: () => ({ MetricAlarms: [] }) });
      const result = await rehearse(stamped, parameters, f.deps);
      expect(result.status).toBe('Failed');
      expect(path(result)).toEqual(['readAlarm:Success', 'chooseStateChangeTime:Success', 'stampWithUpdateTime:Failed']);
      expect(Object.keys(result.steps[0]?.outputs ?? {})).toEqual(['OutputPayload']);
      expect(f.invocations).toEqual([]);
    });

    it('does not guess a Not over an output its step left out: the branch fails', async () => {
      const doc = model([
        { name: 'read', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'DescribeInstances' }, outputs: [{ Name: 'Platform', Selector: '$.Reservations[0].Instances[0].Platform', Type: 'String' }] },
        { name: 'choose', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'windows', Not: { Variable: '{{ read.Platform }}', StringEquals: 'windows' } }], Default: 'windows' } },
        { name: 'windows', action: 'aws:sleep', inputs: { Duration: 'PT1S' } },
      ]);
      const result = await rehearse(doc, {}, fakes({ responses: () => ({ Reservations: [{ Instances: [{ InstanceId: 'i-1' }] }] }) }).deps);
      expect(path(result)).toEqual(['read:Success', 'choose:Failed']);
    });

    it("takes the user guide's EC2Rescue branch for a Linux instance: Platform is not answered, the choice is not taken, Default runs", async () => {
      const doc = model([
        { name: 'describeInstance', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'DescribeInstances' }, outputs: [{ Name: 'Platform', Selector: '$.Reservations[0].Instances[0].Platform', Type: 'String' }] },
        { name: 'branchOnInstancePlatform', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'runEC2RescueForWindows', Variable: '{{ describeInstance.Platform }}', StringEquals: 'windows' }], Default: 'runEC2RescueForLinux' } },
        { name: 'runEC2RescueForWindows', action: 'aws:sleep', inputs: { Duration: 'PT1S' }, isEnd: true },
        { name: 'runEC2RescueForLinux', action: 'aws:sleep', inputs: { Duration: 'PT1S' } },
      ]);
      const linux = await rehearse(doc, {}, fakes({ responses: () => ({ Reservations: [{ Instances: [{ InstanceId: 'i-1' }] }] }) }).deps);
      expect(path(linux)).toEqual(['describeInstance:Success', 'branchOnInstancePlatform:Success', 'runEC2RescueForLinux:Success']);
      const windows = await rehearse(doc, {}, fakes({ responses: () => ({ Reservations: [{ Instances: [{ InstanceId: 'i-2', Platform: 'windows' }] }] }) }).deps);
      expect(path(windows)).toEqual(['describeInstance:Success', 'branchOnInstancePlatform:Success', 'runEC2RescueForWindows:Success']);
    });

    it('fails a variable read before any step set it when it has no default, and refuses a Value that is not a String of 1 to 512 characters', async () => {
      const unset = await rehearse(model([{ name: 'pause', action: 'aws:sleep', inputs: { Duration: '{{ variable:Wait }}' } }], { variables: { Wait: { type: 'String' } } }), {}, fakes().deps);
      expect(unset.failure).toEqual({ step: 'pause', message: '{{ variable:Wait }}: the variable has no default and no step has set it' });
      const empty = await rehearse(model([{ name: 'set', action: 'aws:updateVariable', inputs: { Name: 'variable:Wait', Value: '' } }], { variables: { Wait: { type: 'String', default: 'PT1S' } } }), {}, fakes().deps);
      expect(empty.failure).toEqual({ step: 'set', message: 'Value "" is not a String of 1 to 512 characters, the type of variable Wait' });
    });
  });

  it('refuses, by step and action name and before calling anything, a document with an action it does not run', async () => {
    const f = fakes();
    const doc = model([
      { name: 'read', action: 'aws:executeAwsApi', inputs: { Service: 'rds', Api: 'DescribeDBInstances' } },
      { name: 'patch', action: 'aws:runCommand', inputs: { DocumentName: 'AWS-RunPatchBaseline', InstanceIds: ['i-1'] } },
    ]);
    await expect(rehearse(doc, {}, f.deps)).rejects.toThrow(new UnsupportedActionError([{ step: 'patch', action: 'aws:runCommand' }]));
    await expect(rehearse(doc, {}, f.deps)).rejects.toThrow(/step patch uses aws:runCommand/);
    expect(f.calls).toEqual([]);
  });

  it('refuses before the first step when a Lambda the document runs cannot be rehearsed', async () => {
    const f = fakes({ refuse: 'notification-runbooks-missing' });
    const doc = model([
      { name: 'read', action: 'aws:executeAwsApi', inputs: { Service: 'rds', Api: 'DescribeDBInstances' } },
      { name: 'run', action: 'aws:invokeLambdaFunction', inputs: { FunctionName: '{{ Fn }}' } },
    ]);
    await expect(rehearse(doc, { Fn: 'notification-runbooks-missing' }, f.deps)).rejects.toThrow('bundle of notification-runbooks-missing is not built');
    expect(f.calls).toEqual([]);
  });

  it("hands the Lambda its InputPayload and returns the function's answer as the Payload output", async () => {
    const f = fakes({ lambda: { outcome: 'applied', reason: 'scaled' } });
    const doc = model([{ name: 'run', action: 'aws:invokeLambdaFunction', inputs: { FunctionName: 'notification-runbooks-x', InputPayload: { level: '{{ Level }}', id: '{{ automation:EXECUTION_ID }}' } } }]);
    const result = await rehearse(doc, { Level: 2 }, f.deps);
    expect(f.invocations).toEqual([{ functionName: 'notification-runbooks-x', payload: { level: 2, id: 'exec-1' } }]);
    expect(result.steps[0]?.outputs).toMatchObject({ StatusCode: 200, Payload: '{"outcome":"applied","reason":"scaled"}' });
  });

  // Decision 211: a document that checks its Lambda's answer (the Payload output, JSON text) with aws:branch Contains, and
  // fails an aws:assertAwsResourceProperty on any other answer; onFailure step:NAME with isCritical true still runs that
  // step, and the execution ends Failed ("Using conditional statements in runbooks": isCritical).
  describe('a document that fails itself on its Lambda\'s answer', () => {
    const doc = model([
      { name: 'run', action: 'aws:invokeLambdaFunction', inputs: { FunctionName: 'notification-runbooks-x' } },
      {
        name: 'checkActed',
        action: 'aws:branch',
        inputs: { Choices: [{ NextStep: 'read', Or: [{ Variable: '{{ run.Payload }}', Contains: '"outcome":"applied"' }, { Variable: '{{ run.Payload }}', Contains: '"outcome": "applied"' }] }], Default: 'didNotAct' },
      },
      {
        name: 'didNotAct',
        action: 'aws:assertAwsResourceProperty',
        onFailure: 'step:read',
        isCritical: true,
        inputs: { Service: 'cloudwatch', Api: 'DescribeAlarms', AlarmNames: ['A'], PropertySelector: '$.MetricAlarms[0].StateValue', DesiredValues: ['the automation to have acted; it answered {{ run.Payload }}'] },
      },
      { name: 'read', action: 'aws:executeAwsApi', inputs: { Service: 'lambda', Api: 'ListEventSourceMappings' }, isEnd: true },
    ]);
    const alarmOk = (api: string) => (api === 'DescribeAlarms' ? { MetricAlarms: [{ AlarmName: 'A', StateValue: 'OK' }] } : {});

    it('goes on after an applied answer: Success, the failing step never runs', async () => {
      const result = await rehearse(doc, {}, fakes({ lambda: { outcome: 'applied', reason: 'scaled' }, responses: alarmOk }).deps);
      expect(result.status).toBe('Success');
      expect(path(result)).toEqual(['run:Success', 'checkActed:Success', 'read:Success']);
    });

    it.each([
      ['skipped', { playbook: 'x', outcome: 'skipped', reason: 'alarm is OK: nothing to do' }],
      // A reason that quotes the matched text: inside a JSON string its quotes are escaped, so it does not match.
      ['rejected', { playbook: 'x', outcome: 'rejected', reason: 'alarm "A" is not one x watches: refused (it said "outcome":"applied")' }],
    ])('ends Failed after a %s answer, naming the answer, and still runs the onFailure step', async (_outcome, answer) => {
      const f = fakes({ lambda: answer, responses: alarmOk });
      const result = await rehearse(doc, {}, f.deps);
      expect(path(result)).toEqual(['run:Success', 'checkActed:Success', 'didNotAct:Failed', 'read:Success']);
      expect(result.status).toBe('Failed');
      expect(result.failure).toEqual({ step: 'didNotAct', message: `$.MetricAlarms[0].StateValue is "OK", expected ${JSON.stringify(`the automation to have acted; it answered ${JSON.stringify(answer)}`)}` });
    });
  });

  it('fails the step when the Lambda throws, as a function error', async () => {
    const result = await rehearse(model([{ name: 'run', action: 'aws:invokeLambdaFunction', inputs: { FunctionName: 'notification-runbooks-x' } }]), {}, fakes({ lambdaError: true }).deps);
    expect(result).toMatchObject({ status: 'Failed', failure: { step: 'run', message: expect.stringContaining('failed (Unhandled)') } });
    expect(result.steps[0]?.outputs.FunctionError).toBe('Unhandled');
  });

  describe('after a failure', () => {
    const failing: Step = { name: 'assert', action: 'aws:assertAwsResourceProperty', inputs: { Service: 'ec2', Api: 'DescribeSecurityGroups', PropertySelector: '$.SecurityGroups[0].GroupId', DesiredValues: ['sg-1'] } };
    const recover: Step = { name: 'recover', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'DescribeSecurityGroups' } };

    it.each<[string, Step, string, string[]]>([
      ['onFailure step:NAME with isCritical false recovers', { ...failing, onFailure: 'step:recover', isCritical: false }, 'Success', ['assert:Failed', 'recover:Success']],
      ['onFailure step:NAME of a critical step still fails the execution', { ...failing, onFailure: 'step:recover' }, 'Failed', ['assert:Failed', 'recover:Success']],
      ['onFailure Continue goes on and is not critical', { ...failing, onFailure: 'Continue' }, 'Success', ['assert:Failed', 'skipped:Success', 'recover:Success']],
      ['Abort (the default) stops', failing, 'Failed', ['assert:Failed']],
    ])('%s', async (_case, step, status, expected) => {
      const doc = model([step, { name: 'skipped', action: 'aws:sleep', inputs: { Duration: 'PT1S' }, nextStep: 'recover' }, recover]);
      const result = await rehearse(doc, {}, fakes({ responses: () => ({ SecurityGroups: [] }) }).deps);
      expect(result.status).toBe(status);
      expect(path(result)).toEqual(expected);
    });

    it('retries a step up to maxAttempts', async () => {
      const f = fakes({ responses: (_api, call) => ({ SecurityGroups: call < 3 ? [] : [{ GroupId: 'sg-1' }] }) });
      const result = await rehearse(model([{ ...failing, maxAttempts: 3 }]), {}, f.deps);
      expect(result.status).toBe('Success');
      expect(result.steps[0]?.attempts).toBe(3);
    });

    it('names the output a later step could not read', async () => {
      const doc = model([
        { name: 'read', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'DescribeSecurityGroups' }, outputs: [{ Name: 'GroupId', Selector: '$.SecurityGroups[0].GroupId', Type: 'String' }] },
        { name: 'use', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'DeleteSecurityGroup', GroupId: '{{ read.GroupId }}' } },
      ]);
      const result = await rehearse(doc, {}, fakes({ responses: () => ({ SecurityGroups: [] }) }).deps);
      expect(result.failure).toEqual({ step: 'use', message: '{{ read.GroupId }}: step read produced no output GroupId (its selector matched nothing)' });
    });
  });
});

describe('GetAutomationExecution of the execution itself (decision 174)', () => {
  const whoStarted = (executionId: string): Step => ({
    name: 'whoStarted',
    action: 'aws:executeAwsApi',
    inputs: { Service: 'ssm', Api: 'GetAutomationExecution', AutomationExecutionId: executionId },
    outputs: [{ Name: 'ExecutedBy', Selector: '$.AutomationExecution.ExecutedBy', Type: 'String' }],
  });
  const use: Step = { name: 'use', action: 'aws:executeAwsApi', inputs: { Service: 'dynamodb', Api: 'UpdateItem', By: '{{ whoStarted.ExecutedBy }}' } };
  const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';

  it.each<[string, string | undefined, string, { calls: string[]; by?: string; failure?: string }]>([
    ['answers its own execution with who started it, as SSM does, and calls nothing for it', ALICE, '{{ automation:EXECUTION_ID }}', { calls: ['UpdateItem'], by: ALICE }],
    [
      'answers no ExecutedBy when nobody is known to have started it, so a step using it fails',
      undefined,
      '{{ automation:EXECUTION_ID }}',
      { calls: [], failure: '{{ whoStarted.ExecutedBy }}: step whoStarted produced no output ExecutedBy (its selector matched nothing)' },
    ],
    ['sends another execution\'s id to the emulator, where its starter is recorded', ALICE, '11111111-2222-3333-4444-555555555555', { calls: ['GetAutomationExecution'], failure: expect.stringContaining('produced no output ExecutedBy') as unknown as string }],
  ])('%s', async (_case, executedBy, id, expected) => {
    const f = fakes();
    f.deps.context = { ...f.deps.context, ...(executedBy ? { executedBy } : {}) };
    const result = await rehearse(model([whoStarted(id), use]), {}, f.deps);
    expect(f.calls.map((c) => c.api)).toEqual(expected.calls);
    if (expected.by) expect(f.calls[0]?.input).toEqual({ By: expected.by });
    if (expected.failure) expect(result.failure).toEqual({ step: 'use', message: expected.failure });
    else expect(result.status).toBe('Success');
  });
});
