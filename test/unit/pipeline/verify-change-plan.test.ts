// The health check's pure core: its verdict, its schedule name and its input.
import { InvalidInputError } from '../../../shared/errors';
import { changeRecordedSince, decideHealthVerdict, healthCheckOfRecord, notInPlaceReason, parseVerifyChangeInput, recordedChangeProblems, recordedTargetProblems, unreadableFigures, verifyScheduleName } from '../../../shared/pipeline/verify-change-plan';

describe('decideHealthVerdict', () => {
  it.each([
    ['nothing got worse', { worse: undefined, stillApplied: true }, 'healthy'],
    ['worse and the change is still in place', { worse: 'throttles appeared: 0 -> 40', stillApplied: true }, 'revert'],
    ['worse but the alarm cleared and the baseline was already restored', { worse: 'throttles appeared: 0 -> 40', stillApplied: false }, 'not-in-place'],
    // Decision 175: the change's place comes before any judgement, healthy included.
    ['nothing worse, but the baseline was restored at the alarm\'s OK before the window ended', { worse: undefined, stillApplied: false }, 'not-in-place'],
    ['no datapoints, and the change was changed by hand since', { worse: undefined, stillApplied: false, unreadable: ['fn.errors'] }, 'not-in-place'],
    ['worse under the kill switch, but the change was undone since', { worse: 'error rate 0.4% -> 12%', stillApplied: false, held: 'kill switch: on' }, 'not-in-place'],
    ['worse while the kill switch is on', { worse: 'error rate 0.4% -> 12%', stillApplied: true, held: 'kill switch: on' }, 'held'],
    ['no datapoints after the change (read in the wrong account)', { worse: undefined, stillApplied: true, unreadable: ['fn.errors', 'fn.invocations'] }, 'unreadable'],
  ])('decides %s', (_situation, input, kind) => {
    expect(decideHealthVerdict(input).kind).toBe(kind);
  });
});

describe('verifyScheduleName', () => {
  it('is one valid Scheduler name per playbook and incident, the same on a retry', () => {
    const name = verifyScheduleName('scale-consumers', 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:Queue Depth#2026-03-05T10:00:00.000+0000');
    expect(name).toMatch(/^[0-9a-zA-Z-_.]{1,64}$/);
    expect(verifyScheduleName('scale-consumers', 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:Queue Depth#2026-03-05T10:00:00.000+0000')).toBe(name);
    expect(verifyScheduleName('raise-lambda-memory', 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:Queue Depth#2026-03-05T10:00:00.000+0000')).not.toBe(name);
  });
});

describe('parseVerifyChangeInput', () => {
  const valid = {
    action: 'verify-change',
    playbook: 'scale-consumers',
    incidentKey: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:q#2026-03-05T10:00:00.000+0000',
  };

  it('takes the Input Scheduler delivers, as an object or as JSON text: the record\'s key and nothing else', () => {
    expect(parseVerifyChangeInput(valid)).toEqual(valid);
    expect(parseVerifyChangeInput(JSON.stringify(valid)).incidentKey).toBe(valid.incidentKey);
  });

  it.each([
    ['an escalation timer input', { action: 'check', incidentId: 'inc-1' }],
    ['a key with a target of its own', { ...valid, target: { resource: { type: 'rds-instance', id: 'prod-db', arn: 'arn:aws:rds:us-east-1:123456789012:db:prod-db' } } }],
    ['a key with a change to revert to', { ...valid, change: { functionName: 'consumer', fromMb: 4096, toMb: 128 } }],
    ['a key with a database class', { ...valid, TargetInstanceClass: 'db.t3.micro' }],
    ['a playbook name that is not one', { ...valid, playbook: '../escalate' }],
    ['text that is not JSON', '{not json'],
  ])('rejects %s with a reason', (_situation, raw) => {
    expect(() => parseVerifyChangeInput(raw)).toThrow(InvalidInputError);
  });
});

const OWNED = { queues: ['q'], functions: ['fn'], databases: ['prod-db'] };

describe('healthCheckOfRecord', () => {
  const input = { action: 'verify-change' as const, playbook: 'scale-consumers', incidentKey: 'inc-key' };
  const intent = {
    direction: 'scale-up',
    summary: 'scale consumers',
    change: { mappings: [{ uuid: 'esm-1', functionName: 'fn', from: 50, to: 100 }], reservedConcurrency: [] },
    before: {},
    after: {},
    blastRadius: 'x',
    target: { resource: { type: 'sqs-queue-consumers', id: 'q', arn: 'arn:aws:sqs:us-east-1:123456789012:q' }, queueName: 'q', queueArn: 'arn:aws:sqs:us-east-1:123456789012:q', account: '123456789012' },
    alarm: { account: '123456789012', region: 'us-east-1', name: 'a', arn: 'arn:a', state: 'ALARM', time: '2026-03-05T10:00:00.000Z' },
    healthCheck: { changedAt: '2026-03-05T10:00:05.000Z', before: { from: '2026-03-05T09:51:00.000Z', to: '2026-03-05T10:01:00.000Z', figures: { 'fn.errors': 1, 'fn.throttles': null } } },
  };

  it('takes the change, its target and its starting point from the applied record', () => {
    const job = healthCheckOfRecord(input, { status: 'COMPLETED', outcome: 'applied', intent }, 'us-east-1', OWNED);
    expect(job).toMatchObject({ playbook: 'scale-consumers', change: intent.change, target: intent.target, changedAt: intent.healthCheck.changedAt, alarm: { account: '123456789012' } });
    expect(job.before.figures['fn.throttles']).toBeNull();
  });

  it.each([
    ['no record at all (a made-up incident)', undefined, /records no change/],
    ['a record still in progress', { status: 'IN_PROGRESS', intent }, /not recorded as applied/],
    ['a record of an escalation', { status: 'COMPLETED', outcome: 'escalate', intent }, /not recorded as applied/],
    ['a restore (not watched)', { status: 'COMPLETED', outcome: 'applied', intent: { ...intent, direction: 'restore' } }, /not a watched change/],
    ['an intent recorded before its health check', { status: 'COMPLETED', outcome: 'applied', intent: { ...intent, healthCheck: undefined } }, /not a watched change/],
    ['an account that is not an account id', { status: 'COMPLETED', outcome: 'applied', intent: { ...intent, alarm: { ...intent.alarm, account: 'x' } } }, /not a watched change/],
  ])('refuses %s', (_situation, record, message) => {
    expect(() => healthCheckOfRecord(input, record, 'us-east-1', OWNED)).toThrow(message);
  });

  it('refuses a change made in another region than the handler runs in', () => {
    expect(() => healthCheckOfRecord(input, { status: 'COMPLETED', outcome: 'applied', intent }, 'us-west-2', OWNED)).toThrow(/made in us-east-1/);
  });

  describe('the recorded account', () => {
    const known = { kind: 'known', account: '123456789012', source: 'RUNBOOK_ACCOUNT_ID' } as const;
    // A record naming another account, consistently: the alarm, the target's ARN and its account field all say 999999999999.
    const elsewhere = {
      ...intent,
      target: { ...intent.target, resource: { ...intent.target.resource, arn: 'arn:aws:sqs:us-east-1:999999999999:q' }, queueArn: 'arn:aws:sqs:us-east-1:999999999999:q', account: '999999999999' },
      alarm: { ...intent.alarm, account: '999999999999' },
    };

    it('takes a record of the workload account', () => {
      expect(healthCheckOfRecord(input, { status: 'COMPLETED', outcome: 'applied', intent }, 'us-east-1', OWNED, known).alarm.account).toBe('123456789012');
    });

    it('refuses a record naming another account, as input, naming both accounts', () => {
      // Without the check the record is self-consistent and would be acted on (the revert made with the handler's own clients).
      expect(healthCheckOfRecord(input, { status: 'COMPLETED', outcome: 'applied', intent: elsewhere }, 'us-east-1', OWNED).alarm.account).toBe('999999999999');
      let thrown: unknown;
      try {
        healthCheckOfRecord(input, { status: 'COMPLETED', outcome: 'applied', intent: elsewhere }, 'us-east-1', OWNED, known);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidInputError);
      expect((thrown as InvalidInputError).message).toBe(
        "verify-change: the recorded change by scale-consumers on incident inc-key names account 999999999999, not this deployment's workload account 123456789012 (RUNBOOK_ACCOUNT_ID): refused, nothing read or changed there",
      );
      expect((thrown as InvalidInputError).details).toEqual(['alarm.account: 999999999999']);
    });

    it('refuses every record in cross-account mode with no workload account named', () => {
      expect(() => healthCheckOfRecord(input, { status: 'COMPLETED', outcome: 'applied', intent }, 'us-east-1', OWNED, { kind: 'missing', why: 'no workload' })).toThrow(
        'verify-change: the recorded change by scale-consumers on incident inc-key refused: no workload',
      );
    });
  });
});

describe('a recorded change must act on its recorded target (apply and health read use the change\'s own names)', () => {
  const alarm = { account: '123456789012', region: 'us-east-1', name: 'a', arn: 'arn:a', state: 'ALARM', time: '2026-03-05T10:00:00.000Z' };
  const healthCheck = { changedAt: '2026-03-05T10:00:05.000Z', before: { from: '2026-03-05T09:51:00.000Z', to: '2026-03-05T10:01:00.000Z', figures: { x: 1 } } };
  const fnTarget = { resource: { type: 'lambda-function', id: 'fn', arn: 'arn:aws:lambda:us-east-1:123456789012:function:fn' }, functionName: 'fn' };
  const dbTarget = { resource: { type: 'rds-db-instance', id: 'prod-db', arn: 'arn:aws:rds:us-east-1:123456789012:db:prod-db' }, dbInstanceIdentifier: 'prod-db' };
  const record = (playbook: string, target: object, change: Record<string, unknown>) => ({
    input: { action: 'verify-change' as const, playbook, incidentKey: 'inc-key' },
    claim: { status: 'COMPLETED', outcome: 'applied', intent: { direction: 'scale-up', summary: 's', change, target, alarm, healthCheck } },
  });

  it('accepts the change the row recorded: its names are the target\'s', () => {
    const memory = record('raise-lambda-memory', fnTarget, { functionName: 'fn', fromMb: 512, toMb: 1024 });
    const database = record('scale-up-database', dbTarget, { dbInstanceIdentifier: 'prod-db', fromClass: 'db.r6g.large', toClass: 'db.r6g.xlarge' });
    expect(healthCheckOfRecord(memory.input, memory.claim, 'us-east-1', OWNED).change).toEqual({ functionName: 'fn', fromMb: 512, toMb: 1024 });
    expect(healthCheckOfRecord(database.input, database.claim, 'us-east-1', OWNED).change).toMatchObject({ dbInstanceIdentifier: 'prod-db' });
  });

  it.each([
    ['a memory change whose function is another one (the revert would resize payments)', record('raise-lambda-memory', fnTarget, { functionName: 'payments', fromMb: 512, toMb: 1024 }), 'change.functionName "payments" is not the target fn'],
    ['a class change whose instance is another one (the revert would resize billing-db)', record('scale-up-database', dbTarget, { dbInstanceIdentifier: 'billing-db', fromClass: 'db.r6g.large', toClass: 'db.r6g.xlarge' }), 'change.dbInstanceIdentifier "billing-db" is not the target prod-db'],
  ])('refuses %s, naming it', (_situation, { input, claim }, problem) => {
    let thrown: unknown;
    try {
      healthCheckOfRecord(input, claim, 'us-east-1', OWNED);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect((thrown as InvalidInputError).details).toEqual([problem]);
    expect(recordedChangeProblems(claim.intent.change, claim.intent.target as never)).toEqual([problem]);
  });
});

describe('recordedTargetProblems: a target read back from the table must be the environment\'s own, where the alarm is', () => {
  const alarm = { account: '123456789012', region: 'us-east-1' };
  const queue = { resource: { type: 'sqs-queue-consumers', id: 'q', arn: 'arn:aws:sqs:us-east-1:123456789012:q' }, queueName: 'q', queueArn: 'arn:aws:sqs:us-east-1:123456789012:q', account: '123456789012' };
  const fn = { resource: { type: 'lambda-function', id: 'fn', arn: 'arn:aws:lambda:us-east-1:123456789012:function:fn' }, functionName: 'fn' };
  const db = { resource: { type: 'rds-db-instance', id: 'prod-db', arn: 'arn:aws:rds:us-east-1:123456789012:db:prod-db' }, dbInstanceIdentifier: 'prod-db' };

  it.each([
    ['the queue the alarm watched', queue],
    ['the consumer function', fn],
    ['the database', db],
  ])('accepts %s', (_situation, target) => {
    expect(recordedTargetProblems(target, alarm, OWNED)).toEqual([]);
  });

  it.each([
    ['another function of the account (payments)', { resource: { ...fn.resource, id: 'payments', arn: 'arn:aws:lambda:us-east-1:123456789012:function:payments' }, functionName: 'payments' }, ["payments is not one of this environment's functions (fn)"]],
    ['a resource type no changing row acts on', { resource: { type: 'iam-role', id: 'Admin', arn: 'arn:aws:iam::123456789012:role/Admin' } }, ['resource type iam-role is not one a changing row acts on (sqs-queue-consumers, lambda-function, rds-db-instance)']],
    ['the owned name with an ARN in another account', { ...db, resource: { ...db.resource, arn: 'arn:aws:rds:us-east-1:999999999999:db:prod-db' } }, ['ARN arn:aws:rds:us-east-1:999999999999:db:prod-db is not rds resource prod-db in account 123456789012, us-east-1']],
    ['the owned resource, but the name the code acts on is another', { ...db, dbInstanceIdentifier: 'billing-db' }, ['dbInstanceIdentifier "billing-db" is not prod-db']],
    ['a queue target whose queueArn and account point elsewhere', { ...queue, queueArn: 'arn:aws:sqs:us-east-1:999999999999:q', account: '999999999999' }, ['queueArn "arn:aws:sqs:us-east-1:999999999999:q" is not arn:aws:sqs:us-east-1:123456789012:q', 'account "999999999999" is not the alarm\'s 123456789012']],
  ])('refuses %s, naming each problem', (_situation, target, problems) => {
    expect(recordedTargetProblems(target, alarm, OWNED)).toEqual(problems);
  });
});

describe('unreadableFigures', () => {
  const reading = (figures: Record<string, number | null>) => ({ from: '2026-03-05T10:00:00.000Z', to: '2026-03-05T10:10:00.000Z', figures });
  it.each([
    ['every figure without datapoints', { 'fn.errors': null, 'fn.invocations': null }, ['fn.errors', 'fn.invocations']],
    ['no figure at all', {}, ['(no figure read)']],
    ['throttles missing but invocations read', { 'fn.invocations': 300, 'fn.throttles': null }, []],
    ['every figure read, zeros included', { cpuPercent: 0, connections: 12 }, []],
  ])('%s', (_situation, figures, expected) => {
    expect(unreadableFigures(reading(figures))).toEqual(expected);
  });
});

describe('changeRecordedSince: who changed the resource after the checked change, as the automation\'s audit trail says', () => {
  const CHECKED = { incidentKey: 'alarm-A#10:00', changedAt: '2026-03-05T10:00:30.000Z' };
  const e = (incidentKey: string, decision: Record<string, unknown>) => ({ incidentKey, decision: { playbook: 'scale-consumers', ...decision } });

  it.each<[string, Array<ReturnType<typeof e>>, string | undefined]>([
    ['the restore at the alarm\'s OK', [e('alarm-A#10:04', { outcome: 'applied', decidedAt: '2026-03-05T10:04:05.000Z', reason: 'restore consumers to baseline' })], 'alarm-A#10:04'],
    [
      'the newest of two changes since',
      [
        e('alarm-A#10:04', { outcome: 'applied', decidedAt: '2026-03-05T10:04:05.000Z', reason: 'restore' }),
        e('alarm-A#10:07', { outcome: 'applied', decidedAt: '2026-03-05T10:07:05.000Z', reason: 'scale up again' }),
      ],
      'alarm-A#10:07',
    ],
    [
      "another change's health check that reverted it",
      [e('alarm-B#10:02', { playbook: 'raise-lambda-memory', outcome: 'escalate', decidedAt: '2026-03-05T10:12:05.000Z', reason: 'made things worse; reverted', after: { reverted: { memoryMb: 512 } } })],
      'alarm-B#10:02',
    ],
    ['only the checked change\'s own entry (decided after it was verified in place)', [e(CHECKED.incidentKey, { outcome: 'applied', decidedAt: '2026-03-05T10:00:31.000Z', reason: 'scale up' })], undefined],
    ['a change before the checked one', [e('alarm-A#09:40', { outcome: 'applied', decidedAt: '2026-03-05T09:40:05.000Z', reason: 'restore' })], undefined],
    ['a dry run since (nothing changed)', [e('alarm-A#10:04', { outcome: 'dry-run', dryRun: true, decidedAt: '2026-03-05T10:04:05.000Z', reason: 'preview' })], undefined],
    ['a decision since that changed nothing (skipped, escalated without a revert)', [e('alarm-A#10:04', { outcome: 'skipped', decidedAt: '2026-03-05T10:04:05.000Z', reason: 'already at baseline' }), e('alarm-C#10:05', { outcome: 'escalate', decidedAt: '2026-03-05T10:05:05.000Z', reason: 'cap' })], undefined],
    ['an entry with no decision time', [e('alarm-A#10:04', { outcome: 'applied', reason: 'restore' })], undefined],
  ])('%s', (_situation, entries, incidentKey) => {
    expect(changeRecordedSince(entries, CHECKED)?.incidentKey).toBe(incidentKey);
  });

  it('bounds the reason it carries from the trail', () => {
    const since = changeRecordedSince([e('alarm-A#10:04', { outcome: 'applied', decidedAt: '2026-03-05T10:04:05.000Z', reason: 'x'.repeat(5000) })], CHECKED);
    expect(since?.reason).toHaveLength(203);
  });
});

describe('notInPlaceReason: what a health check that judged nothing says', () => {
  const ABOUT = 'health check of "scale consumers 50 -> 100" (consumer errors)';
  const since = { playbook: 'scale-consumers', decidedAt: '2026-03-05T10:04:05.000Z', incidentKey: 'alarm#OK', reason: 'restore consumers to baseline: MaximumConcurrency 100 -> 50' };
  it.each<[string, { reads: string; atBefore: boolean }, Parameters<typeof notInPlaceReason>[2], string]>([
    [
      'restored by the automation',
      { reads: 'MaximumConcurrency 50 (the change: 50 -> 100)', atBefore: true },
      since,
      `${ABOUT}: change no longer in place (restored by scale-consumers at 10:04:05 UTC (restore consumers to baseline: MaximumConcurrency 100 -> 50; incident alarm#OK)); now MaximumConcurrency 50 (the change: 50 -> 100): nothing to verify, nothing reverted`,
    ],
    [
      'changed since to another value by hand',
      { reads: 'MaximumConcurrency 80 (the change: 50 -> 100)', atBefore: false },
      undefined,
      `${ABOUT}: change no longer in place (changed since, not by this automation: it recorded no change of it since (by hand, a deploy or another tool)); now MaximumConcurrency 80 (the change: 50 -> 100): nothing to verify, nothing reverted`,
    ],
    [
      'restored, the trail unreadable',
      { reads: 'MaximumConcurrency 50 (the change: 50 -> 100)', atBefore: true },
      { unread: 'AccessDeniedException' },
      `${ABOUT}: change no longer in place (restored; by whom is not known: the automation's record of the resource could not be read (AccessDeniedException)); now MaximumConcurrency 50 (the change: 50 -> 100): nothing to verify, nothing reverted`,
    ],
  ])('%s', (_situation, setting, found, expected) => {
    const reason = notInPlaceReason(ABOUT, setting, found);
    expect(reason).toBe(expected);
    expect(reason).not.toContain('healthy');
  });
});
