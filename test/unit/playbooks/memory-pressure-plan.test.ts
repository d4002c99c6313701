// Table-driven tests of the pure memory planner: one step up, every cap, the learned account ceiling, published versions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TransientError } from '../../../shared/errors';
import {
  classifyOutOfMemoryEvents,
  classifyOutOfMemoryLines,
  isLambdaLogStream,
  lambdaErrorReport,
  memoryCeilingFromRefusal,
  nextMemoryStepMb,
  planMemoryRaise as planFor,
  type MemoryChange,
  type MemoryPlanInput,
  type MemoryObservation,
  type MemoryPolicy,
  type FunctionErrorsRead,
  type OutOfMemoryLines,
} from '../../../shared/playbooks/memory-pressure-plan';
import type { Plan } from '../../../shared/pipeline/types';
import type { ResourceState } from '../../../shared/state/incident-store';
import { metricRead, rowAlarm } from '../../support/corroborating-readings';

/** Production's OOM alarm (>= 1 in one minute): every plan here is for it unless a case says otherwise. */
const OOM_ALARM = rowAlarm('memory-pressure');
const planMemoryRaise = (input: Omit<MemoryPlanInput, 'alarm'> & Partial<Pick<MemoryPlanInput, 'alarm'>>) =>
  planFor({ alarm: { alarmName: OOM_ALARM.alarmName, configured: OOM_ALARM }, ...input });

const production: MemoryPolicy = { stepFactor: 1.5, roundUpToMb: 64, maxMemoryMb: 3008 };
const fn = 'notification-service-consumer';

/**
 * A function that ran out of its MemorySize: Lambda's Runtime.OutOfMemory REPORT at 512 MB (observation(): at its size) read in a stream Lambda
 * named, the filter's count of it in CloudWatch, and AWS's count of the function's errors (decision 253).
 */
const killed: Extract<OutOfMemoryLines, { status: 'read' }> = {
  status: 'read',
  logGroupName: `/aws/lambda/${fn}`,
  runtimeKills: 1,
  phpMemoryLimit: 0,
  phpLimitBytes: [],
  truncated: false,
  lambdaReports: [{ memorySizeMb: 512, maxMemoryUsedMb: 512, errorType: 'Runtime.OutOfMemory' }],
  outsideLambdaStreams: 0,
};
/** AWS/Lambda Errors (Sum) over the alarm's window (metricRead's). */
const erred = (sum: number): FunctionErrorsRead => ({ status: 'read', from: '2026-12-06T11:56:00.000Z', to: '2026-12-06T12:06:00.000Z', sum });
const reportFinding = (n: number, used = 512): string =>
  `${n} REPORT line${n === 1 ? '' : 's'} of Lambda's (Error Type Runtime.OutOfMemory) at ${fn}'s MemorySize 512 MB, Max Memory Used ${used} MB, in streams Lambda names (/aws/lambda/${fn})`;
const METRIC_FINDING = `the alarm's metric bears it out: NotificationService OutOfMemoryErrors (Sum) in CloudWatch from 2026-12-06T11:56:00.000Z to 2026-12-06T12:06:00.000Z: 1 (1 >= 1, 1 needed)`;
const ERRORS_FINDING = `AWS/Lambda Errors (Sum) of ${fn} in CloudWatch from 2026-12-06T11:56:00.000Z to 2026-12-06T12:06:00.000Z: 1 (> 0, published by AWS)`;

function observation(memoryMb: number, overrides: Partial<MemoryObservation> = {}): MemoryObservation {
  const atSize: OutOfMemoryLines = { ...killed, lambdaReports: [{ memorySizeMb: memoryMb, maxMemoryUsedMb: memoryMb, errorType: 'Runtime.OutOfMemory' }] };
  return { functionName: fn, memoryMb, lastUpdateStatus: 'Successful', invokedVia: [], oomLines: atSize, alarmMetric: metricRead([1]), functionErrors: erred(1), ...overrides };
}

const learned = (memoryCeilingMb: number): ResourceState => ({ version: 2, changeTimesSeconds: [], learned: { memoryCeilingMb } });

function change(plan: Plan<MemoryChange>): MemoryChange {
  if (plan.kind !== 'change') throw new Error(`expected a change, got ${plan.kind}: ${plan.reason}`);
  return plan.change;
}

describe('nextMemoryStepMb', () => {
  it.each([
    ['the seed consumer at 512 MB', 512, 768],
    ['a function raised once already', 768, 1152],
    ['the smallest function Lambda allows', 128, 192],
    ['a hand-set odd size, rounded up to a multiple of 64', 1000, 1536],
  ])('steps %s x1.5 rounded up to 64 MB', (_situation, currentMb, expectedMb) => {
    expect(nextMemoryStepMb(currentMb, production)).toBe(expectedMb);
  });

  it('uses the environment factor and unit', () => {
    expect(nextMemoryStepMb(512, { stepFactor: 2, roundUpToMb: 128 })).toBe(1024);
  });
});

describe('memoryCeilingFromRefusal', () => {
  it.each([
    [
      'an account still held at 3008 MB (the message CloudFormation and the API print)',
      4608,
      "'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to 3008",
      3008,
    ],
    ['the API validation of the AWS maximum', 20000, "1 validation error detected: Value '20000' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240", 10240],
    ['a refusal that states no limit: the last 64 MB unit below the refused value', 1152, 'MemorySize is not supported in this account', 1088],
  ])('learns %s', (_situation, refusedMb, message, ceilingMb) => {
    expect(memoryCeilingFromRefusal(refusedMb, message, 64)).toBe(ceilingMb);
  });
});

describe('planMemoryRaise', () => {
  it('raises the seed consumer one step and names the drift from infrastructure code', () => {
    const plan = planMemoryRaise({ observation: observation(512), policy: production, resourceState: undefined, runbookName: 'NotificationService-RaiseLambdaMemory' });
    expect(change(plan)).toEqual({ functionName: fn, fromMb: 512, toMb: 768 });
    expect(plan).toMatchObject({
      direction: 'scale-up',
      summary: expect.stringContaining('memory 512 -> 768 MB: update your IaC'),
      before: { memoryMb: 512 },
      after: { memoryMb: 768 },
      baseline: { memoryMb: 512 },
      runbook: { documentName: 'NotificationService-RaiseLambdaMemory', parameters: { FunctionName: [fn], MemorySize: ['768'] } },
    });
  });

  it.each<[string, number, MemoryPolicy, ResourceState | undefined, number]>([
    ['stops at the production cap of 3008 MB instead of 3072', 2048, production, undefined, 3008],
    ['stops at a lower staging cap', 1536, { ...production, maxMemoryMb: 2048 }, undefined, 2048],
    ['never plans past AWS 10240 MB, whatever the environment allows', 8192, { ...production, maxMemoryMb: 10240 }, undefined, 10240],
    ['plans within the ceiling AWS enforced on an earlier attempt', 512, production, learned(640), 640],
    ['ignores a learned ceiling above the environment cap', 2048, production, learned(4096), 3008],
  ])('%s', (_situation, currentMb, policy, resourceState, expectedMb) => {
    expect(change(planMemoryRaise({ observation: observation(currentMb), policy, resourceState })).toMb).toBe(expectedMb);
  });

  it.each<[string, number, MemoryPolicy, ResourceState | undefined, string]>([
    ['at the environment cap', 3008, production, undefined, 'environment cap (3008 MB)'],
    ['at the AWS maximum', 10240, { ...production, maxMemoryMb: 10240 }, undefined, 'AWS maximum (10240 MB)'],
    ['at the account ceiling learned from a refusal', 640, production, learned(640), 'account ceiling AWS enforced earlier (640 MB)'],
    ['above a ceiling the account was lowered to', 1024, production, learned(640), 'account ceiling AWS enforced earlier (640 MB)'],
  ])('escalates instead of raising memory %s', (_situation, currentMb, policy, resourceState, cap) => {
    const plan = planMemoryRaise({ observation: observation(currentMb), policy, resourceState });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'cap-reached', reason: expect.stringContaining(cap) });
  });

  it.each<[string, MemoryObservation['invokedVia'], string]>([
    ['an SQS mapping invokes alias live on version 7', [{ qualifier: 'live', version: '7', source: 'event source mapping esm-1' }], 'alias live (version 7)'],
    ['the alarm watches version 3 of the function', [{ qualifier: '3', version: '3', source: 'the alarm (dimension Resource)' }], 'version 3'],
  ])('says a publish is needed instead of raising $LATEST when %s', (_situation, invokedVia, named) => {
    const plan = planMemoryRaise({ observation: observation(512, { invokedVia }), policy: production, resourceState: undefined, runbookName: 'NotificationService-RaiseLambdaMemory' });
    expect(plan).toMatchObject({
      kind: 'escalate',
      cause: 'publish-required',
      reason: expect.stringContaining('memory 512 -> 768 MB: update your IaC, publish a new version'),
      runbook: { parameters: { MemorySize: ['768'] } },
    });
    expect(plan.kind === 'escalate' && plan.findings?.join('\n')).toContain(named);
  });

  it('reports the cap before the publish when both apply', () => {
    const invokedVia = [{ qualifier: 'live', version: '2', source: 'event source mapping esm-1' }];
    expect(planMemoryRaise({ observation: observation(3008, { invokedVia }), policy: production, resourceState: undefined })).toMatchObject({ cause: 'cap-reached' });
  });
});

// What the consumer's log group holds when the OOM alarm fires (review 10a, finding 4): the kinds need different fixes.
const PHP_LIMIT_LINE = 'PHP Fatal error:  Allowed memory size of 536870912 bytes exhausted (tried to allocate 4194304 bytes) in /var/task/src/Renderer.php on line 57';
const RUNTIME_REPORT = 'REPORT RequestId: 3f2c Duration: 1200.00 ms Billed Duration: 1201 ms Memory Size: 512 MB Max Memory Used: 512 MB Status: error Error Type: Runtime.OutOfMemory';
const KILLED = 'RequestId: 3f2c Error: Runtime exited with error: signal: killed';
const NODE_HEAP = 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory';
const group = `/aws/lambda/${fn}`;
/** A stream as Lambda names one of the function's in its own log group (YYYY/MM/DD/[version]<32 hex>). */
const LAMBDA_STREAM = '2026/12/06/[$LATEST]f7108dfca11d48d8ba7321a9b4fe4b02';

function read(lines: readonly string[], truncated = false, stream = LAMBDA_STREAM): OutOfMemoryLines {
  return { status: 'read', logGroupName: group, ...classifyOutOfMemoryEvents(lines.map((message) => ({ message, stream })), fn, group), truncated };
}

describe('classifyOutOfMemoryLines', () => {
  it.each<[string, string[], { runtimeKills: number; phpMemoryLimit: number; phpLimitBytes: number[] }]>([
    ['three PHP memory_limit errors at 512 MiB', [PHP_LIMIT_LINE, PHP_LIMIT_LINE, PHP_LIMIT_LINE], { runtimeKills: 0, phpMemoryLimit: 3, phpLimitBytes: [536870912] }],
    ['Lambda killing the function at its MemorySize (REPORT line and the runtime exit)', [RUNTIME_REPORT, KILLED], { runtimeKills: 2, phpMemoryLimit: 0, phpLimitBytes: [] }],
    ["Node's heap exhaustion", [NODE_HEAP], { runtimeKills: 1, phpMemoryLimit: 0, phpLimitBytes: [] }],
    [
      'two deployments with different memory_limit, and a kill',
      ['PHP Fatal error:  Allowed memory size of 268435456 bytes exhausted (tried to allocate 65536 bytes)', PHP_LIMIT_LINE, KILLED],
      { runtimeKills: 1, phpMemoryLimit: 2, phpLimitBytes: [268435456, 536870912] },
    ],
    ['lines of neither kind (the emulator ignores the filter pattern)', ['START RequestId: 3f2c Version: $LATEST', 'sent 12 notifications'], { runtimeKills: 0, phpMemoryLimit: 0, phpLimitBytes: [] }],
    [
      "PHP's error in the forms PHP writes it: display_errors, a dated error_log line, Bref's PHP-FPM layer",
      [
        '\nFatal error: Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in /var/task/index.php on line 12',
        '[06-Dec-2026 08:12:03 UTC] PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in /var/task/index.php on line 12',
        'NOTICE: PHP message: PHP Fatal error:  Allowed memory size of 268435456 bytes exhausted (tried to allocate 4096 bytes) in /var/task/vendor/autoload.php on line 3',
      ],
      { runtimeKills: 0, phpMemoryLimit: 3, phpLimitBytes: [134217728, 268435456] },
    ],
    [
      "the text without PHP's prefix at the start of the line (an echoed request body, a logged exception message): not PHP's error",
      [
        'INFO rejected payload {"comment":"PHP Fatal error:  Allowed memory size of 1 bytes exhausted"}',
        'Error: upstream said Allowed memory size of 134217728 bytes exhausted',
        'Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes)',
      ],
      { runtimeKills: 0, phpMemoryLimit: 0, phpLimitBytes: [] },
    ],
  ])('counts %s', (_situation, lines, expected) => {
    expect(classifyOutOfMemoryLines(lines)).toEqual(expected);
  });
});

// Decision 253: which lines are Lambda's. Stream names as the Lambda Developer Guide gives them ("Configuring CloudWatch
// log groups": YYYY/MM/DD/[version]<id>, and YYYY/MM/DD/<function>[version]<id> in a custom group); the REPORT lines in
// the form Lambda writes them (tab-separated; Status and Error Type for an invocation that failed; JSON log format:
// the Telemetry API's platform.report). Composed for these tests in those formats, not captured from an account.
describe("Lambda's streams and REPORT lines (decision 253)", () => {
  const id = 'f7108dfca11d48d8ba7321a9b4fe4b02';
  it.each<[string, string, string, boolean]>([
    ["the function's own group: [$LATEST] and 32 hex", `2026/12/06/[$LATEST]${id}`, group, true],
    ["the function's own group: a published version", `2026/12/06/[17]${id}`, group, true],
    ['a custom group: the function name before the version', `2026/12/06/${fn}[$LATEST]${id}`, '/shared/notification', true],
    ["the function's own group with the function name too (a custom group configured to /aws/lambda/<fn>)", `2026/12/06/${fn}[$LATEST]${id}`, group, true],
    ['a custom group without the function name (another writer, or another function of a shared group)', `2026/12/06/[$LATEST]${id}`, '/shared/notification', false],
    ["another function's stream in a shared group", `2026/12/06/other-function[$LATEST]${id}`, '/shared/notification', false],
    ['a stream named attacker', 'attacker', group, false],
    ['an id that is not 32 hex digits', '2026/12/06/[$LATEST]bench19a2b3c4d5', group, false],
    ['uppercase hex', `2026/12/06/[$LATEST]${id.toUpperCase()}`, group, false],
    ['a version that is neither $LATEST nor a number', `2026/12/06/[prod]${id}`, group, false],
    ['a prefix before the date', `x/2026/12/06/[$LATEST]${id}`, group, false],
  ])('%s', (_case, stream, logGroupName, lambdas) => {
    expect(isLambdaLogStream(stream, fn, logGroupName)).toBe(lambdas);
  });

  it.each<[string, string, { memorySizeMb: number; maxMemoryUsedMb: number; errorType: string } | undefined]>([
    [
      'text, tab-separated, with Init Duration',
      'REPORT RequestId: 806ab12b-0e66-4a4a-8d9a-eee01e457f98\tDuration: 3762.59 ms\tBilled Duration: 3763 ms\tMemory Size: 512 MB\tMax Memory Used: 512 MB\tInit Duration: 551.73 ms\tStatus: error\tError Type: Runtime.OutOfMemory\t\n',
      { memorySizeMb: 512, maxMemoryUsedMb: 512, errorType: 'Runtime.OutOfMemory' },
    ],
    ['text, spaces (as the emulator fixtures write it)', RUNTIME_REPORT, { memorySizeMb: 512, maxMemoryUsedMb: 512, errorType: 'Runtime.OutOfMemory' }],
    [
      'text with X-Ray fields after the status',
      'REPORT RequestId: 1c2d\tDuration: 812.40 ms\tBilled Duration: 813 ms\tMemory Size: 256 MB\tMax Memory Used: 256 MB\tStatus: error\tError Type: Runtime.OutOfMemory\t\nXRAY TraceId: 1-5e1b4151-43a974f41a0a4d4e7c1b1e11\tSegmentId: 6b3c5d1e2f3a4b5c\tSampled: true',
      { memorySizeMb: 256, maxMemoryUsedMb: 256, errorType: 'Runtime.OutOfMemory' },
    ],
    [
      'JSON log format: platform.report, status error, Runtime.OutOfMemory',
      '{"time":"2026-12-06T12:04:10.000Z","type":"platform.report","record":{"requestId":"c2","metrics":{"durationMs":800.1,"billedDurationMs":801,"memorySizeMB":128,"maxMemoryUsedMB":128},"status":"error","errorType":"Runtime.OutOfMemory"}}',
      { memorySizeMb: 128, maxMemoryUsedMb: 128, errorType: 'Runtime.OutOfMemory' },
    ],
    // Decision 267: the other Error Types a kill at memory is written with; whether one is at memory is judged apart.
    [
      "a custom runtime's crash REPORT (Runtime.ExitError), whatever its memory",
      'REPORT RequestId: 1c2d\tDuration: 5.00 ms\tBilled Duration: 6 ms\tMemory Size: 128 MB\tMax Memory Used: 120 MB\tStatus: error\tError Type: Runtime.ExitError',
      { memorySizeMb: 128, maxMemoryUsedMb: 120, errorType: 'Runtime.ExitError' },
    ],
    [
      'JSON log format: platform.report, status error, Runtime.ExitError',
      '{"time":"2026-12-06T12:04:10.000Z","type":"platform.report","record":{"requestId":"c3","metrics":{"durationMs":800.1,"billedDurationMs":801,"memorySizeMB":512,"maxMemoryUsedMB":512},"status":"error","errorType":"Runtime.ExitError"}}',
      { memorySizeMb: 512, maxMemoryUsedMb: 512, errorType: 'Runtime.ExitError' },
    ],
    [
      'an extension the kill took with the function (Extension.Crash)',
      'REPORT RequestId: 1c2d\tDuration: 812.40 ms\tBilled Duration: 813 ms\tMemory Size: 256 MB\tMax Memory Used: 256 MB\tStatus: error\tError Type: Extension.Crash',
      { memorySizeMb: 256, maxMemoryUsedMb: 256, errorType: 'Extension.Crash' },
    ],
    [
      // nishidemasami/contactform-api issue #29 (2026-08-19), as captured: a failure that is no kill.
      'another Error Type (Runtime.InvalidEntrypoint, a captured REPORT)',
      'REPORT RequestId: 83269395-33ee-45a8-8a99-38f67b6faf72\tDuration: 11.48 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 10 MB\tStatus: error\tError Type: Runtime.InvalidEntrypoint',
      undefined,
    ],
    ['an Error Type that only begins like a kill\'s', 'REPORT RequestId: 1c2d\tMemory Size: 128 MB\tMax Memory Used: 128 MB\tStatus: error\tError Type: Runtime.ExitErrorX', undefined],
    ['JSON platform.report of another error type', '{"type":"platform.report","record":{"status":"error","errorType":"Runtime.Unknown","metrics":{"memorySizeMB":128,"maxMemoryUsedMB":128}}}', undefined],
    ['a REPORT of a successful invocation', 'REPORT RequestId: 1c2d\tDuration: 5.00 ms\tBilled Duration: 6 ms\tMemory Size: 128 MB\tMax Memory Used: 67 MB\t\n', undefined],
    ['a REPORT of a timeout', 'REPORT RequestId: 1c2d\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout', undefined],
    ['JSON platform.report of a timeout', '{"time":"2026-12-06T12:04:10.000Z","type":"platform.report","record":{"requestId":"b1","status":"timeout","metrics":{"durationMs":3000.0,"billedDurationMs":3000,"memorySizeMB":128,"maxMemoryUsedMB":60}}}', undefined],
    ['JSON with the error type but not a platform.report', '{"type":"function","record":{"status":"error","errorType":"Runtime.OutOfMemory","metrics":{"memorySizeMB":128,"maxMemoryUsedMB":128}}}', undefined],
    ['JSON platform.report without its metrics', '{"type":"platform.report","record":{"status":"error","errorType":"Runtime.OutOfMemory"}}', undefined],
    ['malformed JSON', '{"type":"platform.report", Runtime.OutOfMemory', undefined],
    ["the runtime's exit line", KILLED, undefined],
    ["the review's forged line", 'hello Runtime.OutOfMemory from a PowerUser', undefined],
    ['a REPORT echoed inside an application line', `INFO saw ${RUNTIME_REPORT}`, undefined],
  ])('lambdaErrorReport: %s', (_case, line, expected) => {
    expect(lambdaErrorReport(line)).toEqual(expected);
  });

  it("counts the kinds and the REPORTs only in Lambda's streams; other streams' lines only as a number", () => {
    const stream = `2026/12/06/[$LATEST]${id}`;
    expect(
      classifyOutOfMemoryEvents(
        [
          { message: RUNTIME_REPORT, stream },
          { message: KILLED, stream },
          { message: PHP_LIMIT_LINE, stream: 'attacker' },
          { message: RUNTIME_REPORT, stream: 'attacker' },
        ],
        fn,
        group,
      ),
    ).toEqual({ runtimeKills: 2, phpMemoryLimit: 0, phpLimitBytes: [], lambdaReports: [{ memorySizeMb: 512, maxMemoryUsedMb: 512, errorType: 'Runtime.OutOfMemory' }], outsideLambdaStreams: 2 });
  });

  // Decision 267: the read also asks for Lambda's error REPORTs, which the filter does not count.
  it("counts a crash REPORT at its own Memory Size as a kill, one below it as none; dates the REPORTs; counts only the filter's lines of other streams", () => {
    const stream = `2026/12/06/[$LATEST]${id}`;
    const exitAt = (used: number): string => RUNTIME_REPORT.replace('Runtime.OutOfMemory', 'Runtime.ExitError').replace('Max Memory Used: 512 MB', `Max Memory Used: ${used} MB`);
    const at = Date.parse('2026-12-06T12:04:10.000Z');
    expect(
      classifyOutOfMemoryEvents(
        [
          { message: exitAt(512), stream, at },
          { message: exitAt(90), stream, at: at + 1000 },
          { message: 'Runtime.ExitError', stream },
          { message: exitAt(512), stream: 'attacker' },
          { message: RUNTIME_REPORT, stream: `2026/12/06/other-function[$LATEST]${id}` },
        ],
        fn,
        group,
      ),
    ).toEqual({
      runtimeKills: 1,
      phpMemoryLimit: 0,
      phpLimitBytes: [],
      lambdaReports: [
        { memorySizeMb: 512, maxMemoryUsedMb: 512, errorType: 'Runtime.ExitError', at: '2026-12-06T12:04:10.000Z' },
        { memorySizeMb: 512, maxMemoryUsedMb: 90, errorType: 'Runtime.ExitError', at: '2026-12-06T12:04:11.000Z' },
      ],
      outsideLambdaStreams: 1,
    });
  });
});

describe('planMemoryRaise by the kind of out-of-memory line', () => {
  it('does not raise MemorySize for PHP memory_limit errors: escalates a diagnosis naming memory_limit, its figure and MemorySize', () => {
    const plan = planMemoryRaise({
      observation: observation(512, { oomLines: read([PHP_LIMIT_LINE, PHP_LIMIT_LINE, PHP_LIMIT_LINE]) }),
      policy: production,
      resourceState: undefined,
      runbookName: 'NotificationService-RaiseLambdaMemory',
    });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'diagnosis' });
    if (plan.kind !== 'escalate') throw new Error('expected an escalation');
    expect(plan.reason).toContain(`${fn} hits PHP's memory_limit (3 lines "Allowed memory size of 536870912 bytes exhausted" in ${group})`);
    expect(plan.reason).toContain('MemorySize is 512 MB and raising it would not change the limit, so memory was not raised');
    expect(plan.reason).toContain('PHP ini setting memory_limit (php.ini, or an .ini file in a PHP_INI_SCAN_DIR directory');
    expect(plan.findings).toEqual([
      'memory_limit: 536870912 bytes (512 MiB) (from the PHP fatal error)',
      'MemorySize: 512 MB (Lambda; does not govern memory_limit)',
      'memory_limit is at or above MemorySize 512 MB: a higher limit needs MemorySize raised with it, or Lambda kills the process first',
    ]);
    // The raise document would change MemorySize: not offered for this cause.
    expect(plan.runbook).toBeUndefined();
  });

  it('says memory_limit can rise with no Lambda change when it is below MemorySize (128 MiB limit on a 1024 MB function)', () => {
    const line = 'PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in /var/task/vendor/autoload.php on line 12';
    const plan = planMemoryRaise({ observation: observation(1024, { oomLines: read([line]) }), policy: production, resourceState: undefined });
    expect(plan.kind === 'escalate' && plan.findings).toEqual([
      'memory_limit: 134217728 bytes (128 MiB) (from the PHP fatal error)',
      'MemorySize: 1024 MB (Lambda; does not govern memory_limit)',
      'memory_limit is below MemorySize 1024 MB: it can rise toward it with no Lambda change',
    ]);
  });

  // Review 10b F7: 200+ PHP lines read, then Lambda's kills in the lines not read: a partial sample proves no "would not help".
  it('raises memory when every line read is PHP memory_limit but more lines matched than were read, saying the kind was not confirmed', () => {
    const plan = planMemoryRaise({ observation: observation(512, { oomLines: read([PHP_LIMIT_LINE, PHP_LIMIT_LINE], true) }), policy: production, resourceState: undefined });
    expect(change(plan)).toEqual({ functionName: fn, fromMb: 512, toMb: 768 });
    expect(plan).toMatchObject({
      findings: [
        `2 PHP memory_limit errors (536870912 bytes) among the newest OOM lines of ${group}, no line of the function out of its MemorySize; more lines matched than were read: kind not confirmed, acting on the metric's count`,
        'if the older lines are PHP memory_limit errors too, MemorySize does not govern them: raise memory_limit in the PHP ini settings',
        METRIC_FINDING,
        ERRORS_FINDING,
      ],
    });
  });

  it('raises memory for lines that only contain PHP\'s text (an echoed request body), not a PHP memory_limit diagnosis', () => {
    const echoed = 'INFO rejected payload {"comment":"PHP Fatal error:  Allowed memory size of 536870912 bytes exhausted"}';
    const plan = planMemoryRaise({ observation: observation(512, { oomLines: read([echoed, echoed]) }), policy: production, resourceState: undefined });
    expect(change(plan)).toEqual({ functionName: fn, fromMb: 512, toMb: 768 });
  });

  it('gives the memory_limit diagnosis even at the memory cap (a raise would not help either way)', () => {
    expect(planMemoryRaise({ observation: observation(3008, { oomLines: read([PHP_LIMIT_LINE]) }), policy: production, resourceState: undefined })).toMatchObject({
      kind: 'escalate',
      cause: 'diagnosis',
    });
  });

  it.each<[string, OutOfMemoryLines, string[]]>([
    [
      'Lambda killed the function at its MemorySize (Runtime.OutOfMemory)',
      read([RUNTIME_REPORT, KILLED]),
      [`2 lines of the function out of its MemorySize (Runtime.OutOfMemory, signal: killed, heap, Lambda's error REPORT at it) in ${group}`, reportFinding(1), ERRORS_FINDING],
    ],
    [
      "Node's heap ran out and Lambda reported the kill",
      read([NODE_HEAP, RUNTIME_REPORT]),
      [`2 lines of the function out of its MemorySize (Runtime.OutOfMemory, signal: killed, heap, Lambda's error REPORT at it) in ${group}`, reportFinding(1), ERRORS_FINDING],
    ],
    [
      'kills and PHP memory_limit errors together: the kills are real, memory_limit named as well',
      read([KILLED, RUNTIME_REPORT, PHP_LIMIT_LINE]),
      [
        `2 lines of the function out of its MemorySize (Runtime.OutOfMemory, signal: killed, heap, Lambda's error REPORT at it) in ${group}`,
        'also 1 PHP memory_limit error (536870912 bytes), which MemorySize does not govern: raise memory_limit in the PHP ini settings as well',
        reportFinding(1),
        ERRORS_FINDING,
      ],
    ],
    [
      "no OOM line in the window (not searchable yet: log delivery lags): the alarm's metric in CloudWatch is the evidence, said so",
      read([]),
      [`no OOM line found in ${group}: kind not confirmed, acting on the metric's count`, METRIC_FINDING, ERRORS_FINDING],
    ],
    [
      'the log group refused the read',
      { status: 'unavailable', logGroupName: group, reason: 'could not be read (AccessDeniedException: not authorized)' },
      [`the OOM lines in ${group} could not be read (AccessDeniedException: not authorized): kind not confirmed, acting on the metric's count`, METRIC_FINDING, ERRORS_FINDING],
    ],
  ])('raises memory one step when %s, noting the lines in its findings', (_situation, oomLines, findings) => {
    const plan = planMemoryRaise({ observation: observation(512, { oomLines }), policy: production, resourceState: undefined });
    expect(change(plan)).toEqual({ functionName: fn, fromMb: 512, toMb: 768 });
    expect(plan).toMatchObject({ summary: expect.stringContaining('memory 512 -> 768 MB: update your IaC'), findings });
  });
});

describe('planMemoryRaise corroborates the alarm before a raise (decision 217)', () => {
  const none = read([]);
  it.each<[string, Partial<MemoryObservation>, string]>([
    // SetAlarmState ALARM: no line, no datapoint of the filter's metric, whatever StateReasonData said.
    ['no OOM line and no datapoint of the metric (the alarm set by hand: SetAlarmState)', { oomLines: none, alarmMetric: metricRead([]) }, 'NotificationService OutOfMemoryErrors (Sum) in CloudWatch from 2026-12-06T11:56:00.000Z to 2026-12-06T12:06:00.000Z: no datapoints'],
    ['no OOM line, the metric at 0', { oomLines: none, alarmMetric: metricRead([0, 0]) }, '0, 0 (0 >= 1, 1 needed)'],
    ['the lines unreadable and the metric unreadable', { oomLines: { status: 'unavailable', logGroupName: group, reason: 'could not be read (AccessDeniedException)' }, alarmMetric: { status: 'unread', reason: 'CloudWatch GetMetricData failed: AccessDenied' } }, "the alarm's metric could not be read (CloudWatch GetMetricData failed: AccessDenied)"],
    ['only PHP memory_limit lines (more than were read) and no datapoint', { oomLines: read([PHP_LIMIT_LINE, PHP_LIMIT_LINE], true), alarmMetric: metricRead([]) }, '0 kill lines and 2 PHP memory_limit lines in streams Lambda names'],
    ['no line, the metric not read', { oomLines: none, alarmMetric: undefined }, "the alarm's metric was not read"],
  ])('raises nothing and pages: %s', (_situation, overrides, said) => {
    const obs = observation(512, overrides);
    if (overrides.alarmMetric === undefined) delete obs.alarmMetric;
    const plan = planMemoryRaise({ observation: obs, policy: production, resourceState: undefined });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'not-corroborated' });
    expect(plan.kind === 'escalate' && plan.reason).toContain(`alarm "${OOM_ALARM.alarmName}" not corroborated`);
    expect(plan.kind === 'escalate' && plan.reason).toContain(said);
  });

  // Review 14, R14-1 (decision 253): a line anyone with logs:PutLogEvents on the group can write does not bear the alarm
  // out, even with the filter's count in CloudWatch (which that line makes on AWS) and errors of the function counted.
  const FORGED = 'hello Runtime.OutOfMemory from a PowerUser';
  it.each<[string, Partial<MemoryObservation>, string[]]>([
    [
      "the review's probe: a stream named attacker, a line with Runtime.OutOfMemory, the filter's count of it, errors counted",
      { oomLines: read([FORGED], false, 'attacker') },
      ['0 Lambda error REPORTs', "1 line in streams Lambda does not name so (anyone with logs:PutLogEvents on the group can write those)", "not taken for a line: the lines it counts were read and none is Lambda's REPORT at this MemorySize"],
    ],
    [
      "Lambda's REPORT text itself, written into a stream of the writer's name",
      { oomLines: read([RUNTIME_REPORT], false, '2026/12/06/attacker') },
      ['1 line in streams Lambda does not name so'],
    ],
    [
      'the forged line in a stream named as Lambda names them (not a REPORT)',
      { oomLines: read([FORGED]) },
      ['0 Lambda error REPORTs', '1 kill line and 0 PHP memory_limit lines in streams Lambda names', 'not taken for a line'],
    ],
    [
      "a REPORT at another MemorySize (256 MB; the function has 512 MB now)",
      { oomLines: read([RUNTIME_REPORT.replace('Memory Size: 512 MB Max Memory Used: 512 MB', 'Memory Size: 256 MB Max Memory Used: 256 MB')]) },
      ['1 Lambda error REPORT at Memory Size 256 MB, Max Memory Used 256 MB (Runtime.OutOfMemory)'],
    ],
    [
      'a REPORT at 512 MB whose Max Memory Used (300 MB) is far from it',
      { oomLines: read([RUNTIME_REPORT.replace('Max Memory Used: 512 MB', 'Max Memory Used: 300 MB')]) },
      ['1 Lambda error REPORT at Memory Size 512 MB, Max Memory Used 300 MB (Runtime.OutOfMemory)'],
    ],
    [
      "Lambda's REPORT at the function's MemorySize, but AWS counts no error of the function",
      { functionErrors: erred(0) },
      [`${reportFinding(1)}, but AWS/Lambda Errors (Sum) of ${fn} in CloudWatch from 2026-12-06T11:56:00.000Z to 2026-12-06T12:06:00.000Z: 0: an out-of-memory kill is a function error, and AWS counts none`],
    ],
    [
      "Lambda's REPORT, and the function's errors could not be read",
      { functionErrors: { status: 'unread', reason: 'CloudWatch GetMetricData failed: AccessDenied' } },
      [`AWS/Lambda Errors of ${fn} could not be read (CloudWatch GetMetricData failed: AccessDenied)`],
    ],
    ["Lambda's REPORT, and the function's errors not read", { functionErrors: undefined }, [`AWS/Lambda Errors of ${fn} were not read`]],
    [
      "no line yet and the filter's count, but AWS counts no error of the function",
      { oomLines: read([]), functionErrors: erred(0) },
      ["the alarm's metric bears it out", 'AWS counts none'],
    ],
  ])('raises nothing and pages: %s', (_situation, overrides, said) => {
    const obs = observation(512, overrides);
    if ('functionErrors' in overrides && overrides.functionErrors === undefined) delete obs.functionErrors;
    const plan = planMemoryRaise({ observation: obs, policy: production, resourceState: undefined });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'not-corroborated' });
    for (const text of said) expect(plan.kind === 'escalate' && plan.reason).toContain(text);
  });

  it.each<[string, number, string, number]>([
    ['a REPORT in the JSON log format (platform.report)', 512, JSON.stringify({ time: '2026-12-06T12:04:10.000Z', type: 'platform.report', record: { requestId: '6f7c2a91-0c1e-4b7e-9d55-2f1d3c4b5a60', metrics: { durationMs: 812.4, billedDurationMs: 813, memorySizeMB: 512, maxMemoryUsedMB: 512 }, status: 'error', errorType: 'Runtime.OutOfMemory' } }), 768],
    ['a REPORT whose Max Memory Used is 1 MB short of its 1024 MB (Lambda samples the usage)', 1024, 'REPORT RequestId: 6f7c2a91-0c1e-4b7e-9d55-2f1d3c4b5a60\tDuration: 6954.19 ms\tBilled Duration: 6955 ms\tMemory Size: 1024 MB\tMax Memory Used: 1023 MB\tStatus: error\tError Type: Runtime.OutOfMemory', 1536],
  ])('raises on %s with errors counted', (_situation, memoryMb, line, toMb) => {
    const plan = planMemoryRaise({ observation: observation(memoryMb, { oomLines: read([line]), alarmMetric: metricRead([]) }), policy: production, resourceState: undefined });
    expect(change(plan)).toEqual({ functionName: fn, fromMb: memoryMb, toMb });
  });

  it("raises on a line of the function's own kind even before the filter's count reaches CloudWatch", () => {
    const plan = planMemoryRaise({ observation: observation(512, { oomLines: read([RUNTIME_REPORT]), alarmMetric: metricRead([]) }), policy: production, resourceState: undefined });
    expect(change(plan)).toEqual({ functionName: fn, fromMb: 512, toMb: 768 });
  });

  it('raises nothing for an alarm this deployment does not define, with no line to go on', () => {
    const plan = planMemoryRaise({ observation: observation(512, { oomLines: none }), policy: production, resourceState: undefined, alarm: { alarmName: 'not ours' } });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'not-corroborated', reason: expect.stringContaining('not one this deployment defines') });
  });

  it('still gives the PHP memory_limit diagnosis first: a complete read of PHP lines is a diagnosis, not a question about the alarm', () => {
    const plan = planMemoryRaise({ observation: observation(512, { oomLines: read([PHP_LIMIT_LINE]), alarmMetric: metricRead([]) }), policy: production, resourceState: undefined });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'diagnosis' });
  });
});

// Decision 267 (review 16, R16-9): the service's consumer is PHP 8.2, which Lambda runs only as an OS-only (custom)
// runtime; there a kill at memory is written Runtime.ExitError ("signal: killed"), and only Max Memory Used at the
// MemorySize says it was memory. Accepted in every form Lambda writes it, refused below the MemorySize.
describe("planMemoryRaise on a kill at memory in a custom runtime's words (decision 267)", () => {
  const EXIT_AT_SIZE = 'REPORT RequestId: 5b866fb1-7154-4af6-8078-6ef6ca4c2ddd Duration: 133.61 ms Billed Duration: 214 ms Memory Size: 512 MB Max Memory Used: 512 MB Init Duration: 80.00 ms Status: error Error Type: Runtime.ExitError';
  const EXIT_AT_90 = EXIT_AT_SIZE.replace('Max Memory Used: 512 MB', 'Max Memory Used: 90 MB');
  const EXIT_LINE = ['RequestId: 5b866fb1-7154-4af6-8078-6ef6ca4c2ddd Error: Runtime exited with error: signal: killed', 'Runtime.ExitError'];
  const jsonReport = (errorType: string, used: number): string =>
    JSON.stringify({ time: '2026-12-06T12:04:10.000Z', type: 'platform.report', record: { requestId: 'c3', metrics: { durationMs: 812.4, billedDurationMs: 813, memorySizeMB: 512, maxMemoryUsedMB: used }, status: 'error', errorType } });

  it.each<[string, string[], string]>([
    ["Runtime.ExitError at the MemorySize with the runtime's exit line (signal: killed)", [...EXIT_LINE, EXIT_AT_SIZE], "1 REPORT line of Lambda's (Error Type Runtime.ExitError) at notification-service-consumer's MemorySize 512 MB, Max Memory Used 512 MB"],
    ['Runtime.ExitError at the MemorySize alone (no exit line read)', [EXIT_AT_SIZE], "1 REPORT line of Lambda's (Error Type Runtime.ExitError)"],
    ['the JSON log format: platform.report, Runtime.ExitError, 512 of 512', [jsonReport('Runtime.ExitError', 512)], "1 REPORT line of Lambda's (Error Type Runtime.ExitError)"],
    ['Extension.Crash at the MemorySize (the kill took an extension too)', [jsonReport('Extension.Crash', 510)], "1 REPORT line of Lambda's (Error Type Extension.Crash) at notification-service-consumer's MemorySize 512 MB, Max Memory Used 510 MB"],
  ])('raises on %s, with errors counted', (_situation, lines, finding) => {
    const plan = planMemoryRaise({ observation: observation(512, { oomLines: read(lines), alarmMetric: metricRead([]) }), policy: production, resourceState: undefined });
    expect(change(plan)).toEqual({ functionName: fn, fromMb: 512, toMb: 768 });
    expect(plan.kind === 'change' && plan.findings).toContainEqual(expect.stringContaining(finding));
  });

  it.each<[string, Partial<MemoryObservation>, string[]]>([
    [
      'an unrelated crash: Runtime.ExitError at 90 of 512 MB, the filter counting nothing of it (the metric at 0)',
      { oomLines: read([EXIT_AT_90]), alarmMetric: metricRead([0]) },
      ['1 Lambda error REPORT at Memory Size 512 MB, Max Memory Used 90 MB (Runtime.ExitError)', '0 kill lines'],
    ],
    [
      "the same crash read while the filter's count breaches: the metric does not stand in for a line Lambda's REPORT contradicts",
      { oomLines: read([EXIT_AT_90]), alarmMetric: metricRead([1]) },
      ["not taken for a line: Lambda's REPORT of the failed invocation was read, below this MemorySize (a crash, not memory)"],
    ],
    [
      "the exit line (signal: killed) with Lambda's REPORT at 90 MB: the kill line is what the filter counted, and it is no REPORT at the MemorySize",
      { oomLines: read([...EXIT_LINE, EXIT_AT_90]), alarmMetric: metricRead([1]) },
      ['1 kill line', "not taken for a line: the lines it counts were read and none is Lambda's REPORT at this MemorySize"],
    ],
    ['the JSON form at 90 MB', { oomLines: read([jsonReport('Runtime.ExitError', 90)]), alarmMetric: metricRead([]) }, ['Max Memory Used 90 MB (Runtime.ExitError)']],
    [
      "Runtime.ExitError at the MemorySize in a stream Lambda does not name (CreateLogStream takes any name)",
      { oomLines: read([EXIT_AT_SIZE], false, 'attacker'), alarmMetric: metricRead([]) },
      ['0 Lambda error REPORTs', '0 lines in streams Lambda does not name so'],
    ],
  ])('raises nothing and pages: %s', (_situation, overrides, said) => {
    const plan = planMemoryRaise({ observation: observation(512, overrides), policy: production, resourceState: undefined });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'not-corroborated' });
    for (const text of said) expect(plan.kind === 'escalate' && plan.reason).toContain(text);
  });

  it("raises when Lambda's REPORT puts the function at its MemorySize beside PHP memory_limit lines: the kill is real, memory_limit named as well", () => {
    const plan = planMemoryRaise({ observation: observation(512, { oomLines: read([PHP_LIMIT_LINE, EXIT_AT_SIZE]), alarmMetric: metricRead([]) }), policy: production, resourceState: undefined });
    expect(change(plan)).toEqual({ functionName: fn, fromMb: 512, toMb: 768 });
    expect(plan.kind === 'change' && plan.findings).toContain('also 1 PHP memory_limit error (536870912 bytes), which MemorySize does not govern: raise memory_limit in the PHP ini settings as well');
  });

  it('still gives the memory_limit diagnosis when the only REPORT is a crash below the MemorySize', () => {
    const plan = planMemoryRaise({ observation: observation(512, { oomLines: read([PHP_LIMIT_LINE, EXIT_AT_90]) }), policy: production, resourceState: undefined });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'diagnosis' });
  });
});

// Lambda's log lines of failed invocations as AWS documents them and as public captures show them, each with its source
// (test/fixtures/lambda-logs/failed-invocations.json): through the real classifier and planner, in a stream Lambda names,
// with AWS/Lambda Errors counted and no count of the filter's (the lines alone decide). Decision 267.
describe('Lambda log lines of failed invocations, as published (test/fixtures/lambda-logs)', () => {
  interface LogSample {
    id: string;
    memoryMb: number;
    lines: string[];
    verdict: 'raise' | 'refuse';
  }
  const { samples } = JSON.parse(readFileSync(join(__dirname, '../../fixtures/lambda-logs/failed-invocations.json'), 'utf8')) as { samples: LogSample[] };
  const anyMemory: MemoryPolicy = { stepFactor: 1.5, roundUpToMb: 64, maxMemoryMb: 10240 };

  it('holds a managed runtime kill, a custom runtime kill, and crashes and a timeout that are not kills at memory', () => {
    expect(samples.map((s) => `${s.id}: ${s.verdict}`)).toEqual([
      'managed-node-runtime-oom: raise',
      'aws-doc-runtime-crash-new-format: refuse',
      'aws-doc-runtime-crash-old-format: refuse',
      'custom-runtime-oom-kill-line-old-format: refuse',
      'custom-container-crash-new-format-era: refuse',
      'custom-runtime-oom-new-format: raise',
      'node-timeout-at-memory: refuse',
    ]);
  });

  it.each(samples.map((s) => [s.id, s] as const))('%s', (_id, sample) => {
    const plan = planMemoryRaise({ observation: observation(sample.memoryMb, { oomLines: read(sample.lines), alarmMetric: metricRead([]) }), policy: anyMemory, resourceState: undefined });
    if (sample.verdict === 'raise') expect(plan).toMatchObject({ kind: 'change', change: { fromMb: sample.memoryMb } });
    else expect(plan).toMatchObject({ kind: 'escalate', cause: 'not-corroborated' });
  });
});

// Decision 267 (review 16, R16-2): Lambda sends its metrics at 1-minute intervals, and the state change is read seconds
// after the filter counted the kill's line: AWS/Lambda Errors of the kill's own minute may not be in CloudWatch yet.
describe("planMemoryRaise waits for the kill's AWS/Lambda Errors (decision 267)", () => {
  const KILL_AT = Date.parse('2026-12-06T12:04:10.000Z');
  /** Lambda's REPORT at 512 MB, read with the timestamp FilterLogEvents gives it. */
  const reportAt = (at = KILL_AT): OutOfMemoryLines => ({
    status: 'read',
    logGroupName: group,
    ...classifyOutOfMemoryEvents([{ message: RUNTIME_REPORT, stream: LAMBDA_STREAM, at }], fn, group),
    truncated: false,
  });
  /** AWS/Lambda Errors as CloudWatch answered the alarm's window: a Sum per minute it holds, read at `readAt`. */
  const errorsRead = (points: Array<[string, number]>, readAt: string): FunctionErrorsRead => ({
    status: 'read',
    from: '2026-12-06T11:56:00.000Z',
    to: '2026-12-06T12:06:00.000Z',
    sum: points.reduce((sum, [, value]) => sum + value, 0),
    points: points.map(([minute, value]) => ({ at: `2026-12-06T${minute}:00.000Z`, value })),
    readAt,
  });
  const plan = (overrides: Partial<MemoryObservation>): Plan<MemoryChange> =>
    planMemoryRaise({ observation: observation(512, { alarmMetric: metricRead([]), ...overrides }), policy: production, resourceState: undefined });

  it("retries (TransientError) when CloudWatch holds no Errors for the kill's minute yet, naming the minute and until when", () => {
    const attempt = (): Plan<MemoryChange> => plan({ oomLines: reportAt(), functionErrors: errorsRead([['11:58', 0], ['12:02', 0]], '2026-12-06T12:05:35.000Z') });
    expect(attempt).toThrow(TransientError);
    expect(attempt).toThrow(
      "no datapoint for the kill's period (from 2026-12-06T12:04:00.000Z) in CloudWatch when read at 2026-12-06T12:05:35.000Z: Lambda sends its metrics at 1-minute intervals; judged on Lambda's retry, by 2026-12-06T12:07:00.000Z at the latest",
    );
  });

  it('raises on the retry once the minute is there with the kill counted', () => {
    const retried = plan({ oomLines: reportAt(), functionErrors: errorsRead([['11:58', 0], ['12:04', 1]], '2026-12-06T12:06:40.000Z') });
    expect(change(retried)).toEqual({ functionName: fn, fromMb: 512, toMb: 768 });
  });

  it.each<[string, FunctionErrorsRead, string]>([
    ["the kill's minute published, and 0", errorsRead([['12:04', 0]], '2026-12-06T12:05:35.000Z'), "an out-of-memory kill is a function error, and AWS counts none, its datapoints reaching the kill's period (from 2026-12-06T12:04:00.000Z)"],
    ['a later minute published, none with an error', errorsRead([['12:03', 0], ['12:05', 0]], '2026-12-06T12:05:35.000Z'), "AWS counts none, its datapoints reaching the kill's period"],
    [
      "no datapoint for the kill's minute two minutes after it closed (nothing AWS counted)",
      errorsRead([], '2026-12-06T12:07:00.000Z'),
      "AWS counts none: no datapoint for the kill's period (from 2026-12-06T12:04:00.000Z) in CloudWatch when read at 2026-12-06T12:07:00.000Z, 120 s after that period closed",
    ],
  ])('refuses and pages when %s', (_situation, functionErrors, said) => {
    const refused = plan({ oomLines: reportAt(), functionErrors });
    expect(refused).toMatchObject({ kind: 'escalate', cause: 'not-corroborated' });
    expect(refused.kind === 'escalate' && refused.reason).toContain(said);
  });

  it("waits for the minute of the filter's breaching count when the count stands in for a line not searchable yet", () => {
    const attempt = (): Plan<MemoryChange> => plan({ oomLines: read([]), alarmMetric: metricRead([0, 1]), functionErrors: errorsRead([['12:03', 0]], '2026-12-06T12:05:40.000Z') });
    expect(attempt).toThrow("no datapoint for the kill's period (from 2026-12-06T12:05:00.000Z)");
    expect(change(plan({ oomLines: read([]), alarmMetric: metricRead([0, 1]), functionErrors: errorsRead([['12:05', 1]], '2026-12-06T12:06:40.000Z') }))).toMatchObject({ toMb: 768 });
  });

  it('does not wait for a REPORT of no known time, or for errors that could not be read: judged as read', () => {
    expect(plan({ functionErrors: errorsRead([], '2026-12-06T12:05:35.000Z') })).toMatchObject({ kind: 'escalate', cause: 'not-corroborated' });
    expect(plan({ oomLines: reportAt(), functionErrors: { status: 'unread', reason: 'CloudWatch GetMetricData failed: AccessDenied' } })).toMatchObject({ kind: 'escalate', cause: 'not-corroborated' });
  });
});
