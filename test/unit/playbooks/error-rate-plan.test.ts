// Table-driven tests of the pure error-rate enrichment: log lines as Lambda runtimes write them, grouping, the escalation.
import { errorMessageOf, errorRatePercent, groupErrorMessages, planErrorRateAlert, type ErrorRateObservation } from '../../../shared/playbooks/error-rate-plan';

describe('errorMessageOf', () => {
  it.each<[string, string, string | undefined]>([
    [
      'a Node.js text-format invoke error',
      '2024-03-05T10:15:02.123Z\t8f5d2c1e-4b6a-4a8e-9c1d-2e3f4a5b6c7d\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"SMTP timeout after 30000 ms","stack":["Error: SMTP timeout","    at send (/var/task/index.js:10:11)"]}',
      'Error: SMTP timeout after # ms',
    ],
    ['a Node.js text-format INFO line', '2024-03-05T10:15:02.123Z\t8f5d2c1e-4b6a-4a8e-9c1d-2e3f4a5b6c7d\tINFO\tsent 10 notifications', undefined],
    [
      "Lambda's JSON log format (application log, level ERROR)",
      '{"timestamp":"2024-03-05T10:15:02Z","level":"ERROR","requestId":"79b4f56e-95b1-4643-9700-2807f4e68189","message":"provider rejected message 4711234: quota exceeded"}',
      'provider rejected message #: quota exceeded',
    ],
    ['a Powertools logger error record', '{"level":"ERROR","message":"send failed","service":"notification-service","error":{"name":"ProviderError","message":"HTTP 503 from provider"}}', 'ProviderError: HTTP 503 from provider'],
    ['a JSON platform record', '{"time":"2024-03-05T10:15:02.000Z","type":"platform.report","record":{"requestId":"x","status":"error"}}', undefined],
    ['a JSON INFO record', '{"level":"INFO","message":"batch done"}', undefined],
    ['a Python runtime error line', '[ERROR]\t2024-03-05T10:15:02.123Z\t79b4f56e-95b1-4643-9700-2807f4e68189\tKeyError: \'recipient\'\nTraceback (most recent call last):', "KeyError: 'recipient'"],
    ['the Lambda timeout line', '2024-03-05T10:15:32.140Z 79b4f56e-95b1-4643-9700-2807f4e68189 Task timed out after 30.03 seconds', '<id> Task timed out after # seconds'],
    ['a PHP fatal error (memory_limit)', 'PHP Fatal error:  Allowed memory size of 536870912 bytes exhausted (tried to allocate 20480 bytes) in /var/task/src/Mailer.php on line 88', 'Fatal error: Allowed memory size of # bytes exhausted (tried to allocate # bytes) in /var/task/src/Mailer.php on line 88'],
    ['the START line of a request', 'START RequestId: 79b4f56e-95b1-4643-9700-2807f4e68189 Version: $LATEST', undefined],
    ['the REPORT line of a request', 'REPORT RequestId: 79b4f56e-95b1-4643-9700-2807f4e68189\tDuration: 102.25 ms\tBilled Duration: 103 ms', undefined],
  ])('reads %s', (_situation, line, expected) => {
    expect(errorMessageOf(line)).toBe(expected);
  });
});

describe('groupErrorMessages', () => {
  it('counts occurrences of one error together, whatever their request ids and numbers, most frequent first', () => {
    const line = (requestId: string, ms: number): string =>
      `2024-03-05T10:15:02.123Z\t${requestId}\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"SMTP timeout after ${ms} ms"}`;
    const grouped = groupErrorMessages([
      line('8f5d2c1e-4b6a-4a8e-9c1d-2e3f4a5b6c7d', 30000),
      'START RequestId: 79b4f56e-95b1-4643-9700-2807f4e68189 Version: $LATEST',
      line('79b4f56e-95b1-4643-9700-2807f4e68189', 30001),
      '{"level":"ERROR","message":"recipient missing"}',
      line('0a1b2c3d-4b6a-4a8e-9c1d-2e3f4a5b6c7d', 29999),
    ]);
    expect(grouped).toEqual({
      errorLines: 4,
      messages: [
        { message: 'Error: SMTP timeout after # ms', count: 3 },
        { message: 'recipient missing', count: 1 },
      ],
    });
  });
});

describe('errorRatePercent', () => {
  it.each<[string, number | undefined, number | undefined, number | undefined]>([
    ['42 errors in 1000 invocations', 42, 1000, 4.2],
    ['invocations but no Errors datapoints', undefined, 500, 0],
    ['no invocations at all', 3, 0, undefined],
    ['no data', undefined, undefined, undefined],
  ])('computes %s', (_situation, errors, invocations, expected) => {
    expect(errorRatePercent(errors, invocations)).toBe(expected);
  });
});

describe('planErrorRateAlert', () => {
  const base: ErrorRateObservation = {
    functionName: 'notification-service-consumer',
    windowMinutes: 15,
    errors: 42,
    invocations: 1000,
    logGroupName: '/aws/lambda/notification-service-consumer',
    logs: {
      status: 'read',
      eventsRead: 60,
      errorLines: 45,
      truncated: false,
      messages: [
        { message: 'Error: SMTP timeout after # ms', count: 30 },
        { message: 'recipient missing', count: 10 },
        { message: 'ProviderError: HTTP 503 from provider', count: 5 },
      ],
    },
  };

  it('escalates for diagnosis with the figures and the most frequent messages', () => {
    const plan = planErrorRateAlert({ observation: base, thresholdPercent: 1, topMessages: 2 });
    expect(plan).toEqual({
      kind: 'escalate',
      cause: 'diagnosis',
      reason:
        'error rate of notification-service-consumer is 4.20% (42 errors / 1000 invocations over the last 15 min, threshold 1%); most frequent: "Error: SMTP timeout after # ms" (30x)',
      findings: [
        'errors 42 / invocations 1000 = 4.20% over the last 15 min (threshold 1%)',
        '45 error line(s) among 60 log event(s) read from /aws/lambda/notification-service-consumer',
        '30x Error: SMTP timeout after # ms',
        '10x recipient missing',
      ],
    });
  });

  it.each<[string, Partial<ErrorRateObservation>, string]>([
    ['says so when the burst is over by the time it looks', { errors: 5, invocations: 1000 }, 'the burst may be over'],
    ['still escalates with no invocations in the window', { errors: undefined, invocations: undefined }, 'errors no data / invocations no data'],
    ['names a log group that does not exist', { logs: { status: 'missing', reason: 'does not exist' } }, 'log group /aws/lambda/notification-service-consumer: does not exist'],
    ['says when the read limit cut the log short', { logs: { status: 'read', eventsRead: 1000, errorLines: 1000, truncated: true, messages: [{ message: 'boom', count: 1000 }] } }, 'read limit reached'],
    ['says when no error line was found', { logs: { status: 'read', eventsRead: 3, errorLines: 0, truncated: false, messages: [] } }, 'no error message found'],
  ])('%s', (_situation, overrides, finding) => {
    const plan = planErrorRateAlert({ observation: { ...base, ...overrides }, thresholdPercent: 1, topMessages: 5 });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'diagnosis' });
    expect(plan.kind === 'escalate' && plan.findings?.join('\n')).toContain(finding);
  });
});
