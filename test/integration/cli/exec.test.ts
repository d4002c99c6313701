// `runbook exec` as an on-call engineer runs it on the sandbox: a real process, rehearsing the document against the emulator.
import { GetEventSourceMappingCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { okInALaterMinute, provisionAccount, putBacklogAMinuteAgo, putQueueDepth, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';
import { runCli } from '../../support/run-cli';

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  const mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
  return mapping.ScalingConfig?.MaximumConcurrency;
}

describe('runbook exec on the sandbox', () => {
  let account: SandboxAccount;
  /** The scale-up's backlog's (1500) timestamp: the restore's OK comes in a later minute. */
  let backlogAt = new Date();

  beforeAll(async () => {
    account = await provisionAccount('production');
  });

  it('rehearses NotificationService-ScaleConsumers step by step, says it is a rehearsal, and the consumers really scale', async () => {
    expect(await maximumConcurrency(account)).toBe(50);
    // The condition the alarm watches, made real (decision 217), in the minute before the ALARM, as SQS published it.
    backlogAt = await putBacklogAMinuteAgo(account);
    await account.transition(queueAlarmName(account.topology), 'ALARM');

    const { status, stdout, stderr } = await runCli(['exec', 'NotificationService-ScaleConsumers', '--param', `QueueName=${account.topology.queue.name}`], account.env);

    // The CLI's own words on failure, rather than a bare exit code.
    if (status !== 0) throw new Error(`runbook exec exited ${status}:\n${stdout}\n${stderr}`);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Rehearsal on the sandbox \(http:\/\/127\.0\.0\.1:\d+, account \d{12}, us-east-1\)/);
    // The step invokes the handler by its full ARN (decision 86: in cross-account mode it lives in the operations account).
    expect(stdout).toContain(
      `[5] runScaleConsumers (aws:invokeLambdaFunction) of 9 steps...\n    ok: arn:aws:lambda:us-east-1:${account.accountId}:function:notification-runbooks-scale-consumers\n`,
    );
    expect(stdout).toMatch(/\nOutputs:\n(.*\n)* {2}readConsumers\.MaximumConcurrency = 100\n(.*\n)*Success\n$/);
    expect(await maximumConcurrency(account)).toBe(100);
  });

  it('gives scripts a JSON summary with the status, steps and outputs', async () => {
    // The OK in a later minute than the backlog's, as CloudWatch's (decision 263: an OK over the 1500 restores nothing).
    await okInALaterMinute(account, queueAlarmName(account.topology), backlogAt);

    const { status, stdout } = await runCli(['exec', 'NotificationService-ScaleConsumers', '--json', '-p', `QueueName=${account.topology.queue.name}`], account.env);

    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      mode: 'sandbox-rehearsal',
      status: 'Success',
      executionId: expect.any(String),
      steps: [
        { step: 'checkAlarmState' },
        { step: 'readAlarm' },
        // moto answers no StateTransitionedTimestamp: the branch takes its Default, the update time (decision 171).
        { step: 'chooseStateChangeTime' },
        { step: 'stampWithUpdateTime' },
        { step: 'runScaleConsumers' },
        // Its answer, applied, goes on (decision 211).
        { step: 'checkAutomationActed' },
        { step: 'readConsumers' },
      ],
      outputs: { 'readConsumers.MaximumConcurrency': 50 },
    });
    expect(await maximumConcurrency(account)).toBe(50);
  });

  it.each([
    ['a document that does not exist', ['exec', 'NotificationService-NoSuchRunbook'], /no document NotificationService-NoSuchRunbook .*NotificationService-ScaleConsumers/],
    ['a parameter the document does not have', ['exec', 'NotificationService-ScaleConsumers', '--param', 'Queue=notification-service-queue'], /Queue: the document has no such parameter/],
    ['a value outside its allowed pattern', ['exec', 'NotificationService-ScaleConsumers', '--param', 'QueueName=no spaces allowed'], /does not match/],
  ])('rejects %s with exit 2, changing nothing', async (_case, args, message) => {
    const { status, stderr } = await runCli(args, account.env);
    expect(status).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(await maximumConcurrency(account)).toBe(50);
  });

  it("refuses to rehearse under staging's policy in the account the shell states is production's: exit 2, nothing run", async () => {
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    await account.transition(queueAlarmName(account.topology), 'ALARM');

    const { status, stdout, stderr } = await runCli(['exec', 'NotificationService-ScaleConsumers', '-e', 'staging', '-p', `QueueName=${account.topology.queue.name}`], account.env);

    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/runbook exec: refused, nothing run: nothing states which account staging is in .*RUNBOOK_ENVIRONMENT=production with RUNBOOK_ACCOUNT_ID speaks for production only/);
    expect(stderr).toMatch(/--unverified-account rehearses anyway/);
    expect(await maximumConcurrency(account)).toBe(50);
    await account.transition(queueAlarmName(account.topology), 'OK');
  });

  // Decision 211: the document fails itself when the automation it invoked changed nothing (here: escalated, the
  // consumers at the cap), its answer in the failure; before, it ended Success and the CLI warned with exit 3.
  it('exits 1, the document Failed at automationDidNotAct with the automation\'s answer (consumers at the cap), for exec and rehearse', async () => {
    await account.lambda.send(new UpdateEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid, ScalingConfig: { MaximumConcurrency: 400 } }));
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    await account.transition(queueAlarmName(account.topology), 'ALARM');
    const args = ['NotificationService-ScaleConsumers', '--param', `QueueName=${account.topology.queue.name}`];

    const exec = await runCli(['exec', ...args], account.env);
    expect({ status: exec.status, stderr: exec.stderr }).toEqual({ status: 1, stderr: '' });
    expect(exec.stdout).not.toContain('WARNING');
    const last = exec.stdout.trim().split('\n').pop() ?? '';
    const said = 'Failed at step automationDidNotAct: $.MetricAlarms[0].StateValue is "ALARM", expected "the automation to have scaled the consumers; it did not, scale-consumers answered {';
    expect(last.slice(0, said.length)).toBe(said);
    expect(last).toContain('\\"outcome\\":\\"escalate\\"');
    expect(last).toMatch(/consumers of \S+ are at the environment cap \(MaximumConcurrency 400\)/);

    // A new state change, run with rehearse --json.
    await account.transition(queueAlarmName(account.topology), 'OK');
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    await account.transition(queueAlarmName(account.topology), 'ALARM');
    const rehearse = await runCli(['rehearse', ...args, '--json', '-e', 'production'], account.env);
    expect(rehearse.status).toBe(1);
    expect(JSON.parse(rehearse.stdout)).toMatchObject({ status: 'Failed', failure: { step: 'automationDidNotAct', message: expect.stringContaining('at the environment cap') }, outputs: { 'readConsumers.MaximumConcurrency': 400 } });
    expect(rehearse.stderr).not.toContain('WARNING');
    expect(await maximumConcurrency(account)).toBe(400);
  });
});
