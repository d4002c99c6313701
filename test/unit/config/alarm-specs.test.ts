// The alarms infra deploys and the sandbox provisions, from one source: the configuration's rows and watched resources.
import { alarmSpecs, alarmStateChangePattern, api504MetricFilter, apiAccessLogFormat, functionLogGroupName, metricFilterSpecs, OUT_OF_MEMORY_FILTER_PATTERN, watchedResources } from '../../../shared/config/alarm-specs';
import { defaultConfig } from '../../../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../../../shared/config/load-config';
import { ConfigurationError } from '../../../shared/errors';

const seed = parseAutomationConfig(defaultConfig);

describe('alarmSpecs', () => {
  it.each([
    ['queue-backup', 'NotificationService Queue Depth > 1000 (notification-service-queue)', 1000],
    ['cpu-utilization', 'NotificationService RDS CPUUtilization > 70% (notification-service-db)', 70],
    ['high-latency', 'NotificationService API Gateway Latency p99 > 500 ms (notification-service-api)', 500],
    ['error-rate', 'NotificationService Lambda Error Rate > 1% (notification-service-consumer)', 1],
  ])('names the %s alarm after its threshold and resource, at the seed\'s threshold', (rowId, name, threshold) => {
    const spec = alarmSpecs(seed, 'production').find((s) => s.rowId === rowId);
    expect(spec).toMatchObject({ name, threshold });
  });

  it('watches every queue an environment owns, and counts out-of-memory exits in one alarm per function, each on its own metric (decision 359)', () => {
    const config = parseAutomationConfig(mergeConfig(defaultConfig, { environments: { staging: { resources: { queues: ['orders-queue', 'emails-queue'], functions: ['a', 'b'] } } } }));
    const specs = alarmSpecs(config, 'staging');
    // Each queue's depth alarm and its low-water alarm, the restore signal (decisions 185, 205).
    expect(specs.filter((s) => s.rowId === 'queue-backup').map((s) => s.name)).toEqual([
      'NotificationService Queue Depth > 1000 (orders-queue)',
      'NotificationService Queue Over Low Water >= 100 in 5 min (orders-queue)',
      'NotificationService Queue Depth > 1000 (emails-queue)',
      'NotificationService Queue Over Low Water >= 100 in 5 min (emails-queue)',
    ]);
    expect(specs.filter((s) => s.rowId === 'error-rate')).toHaveLength(2);
    // Review 21a R21-3: was one alarm on one metric for both functions, named after a, which raise-lambda-memory rejects.
    expect(specs.filter((s) => s.rowId === 'memory-pressure').map((s) => [s.name, s.metric.kind === 'single' ? s.metric.metric.metricName : s.metric.expression])).toEqual([
      ['NotificationService Lambda Out Of Memory (Runtime.OutOfMemory, PHP memory_limit) >= 1 (a)', 'OutOfMemoryErrors-a'],
      ['NotificationService Lambda Out Of Memory (Runtime.OutOfMemory, PHP memory_limit) >= 1 (b)', 'OutOfMemoryErrors-b'],
    ]);
    // One function: the metric keeps the row's name (the default environments, the sandbox).
    expect(alarmSpecs(config, 'production').filter((s) => s.rowId === 'memory-pressure').map((s) => (s.metric.kind === 'single' ? s.metric.metric.metricName : ''))).toEqual(['OutOfMemoryErrors']);
    expect(watchedResources(config, 'staging').apis).toEqual(['notification-service-api']);
  });

  // Decision 205 (review 12 R12-10): normal polarity, so a quiet service (queue near empty) shows it OK. ALARM on 1 of 5
  // minutes at or above 100; OK only after 5 minutes all under 100 (CloudWatch's M of N): the same hysteresis, and the
  // OK is the restore signal. 185's "under 100 on 5 of 5" was in ALARM whenever the service was healthy.
  it('gives Queue Backup a low-water alarm, its restore signal: the same metric at or above 10% of 1000 on 1 of 5 minutes, missing data kept missing', () => {
    const [depth, drained, ...others] = alarmSpecs(seed, 'production').filter((s) => s.rowId === 'queue-backup');
    expect(others).toEqual([]);
    expect(depth?.restoreSignal).toBeUndefined();
    expect(drained).toEqual({
      name: 'NotificationService Queue Over Low Water >= 100 in 5 min (notification-service-queue)',
      rowId: 'queue-backup',
      handler: 'scale-consumers',
      description:
        "Queue Backup's restore signal, not a symptom: its state pages nobody. ALARM while the metric reached 100 (10% of the 1000 threshold: a project default) in any of the last 5 min; OK once under it for 5 min, the backlog drained: its OK tells scale-consumers to restore the recorded baseline, once, if it scaled anything up. Quiet service: OK.",
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: 100,
      evaluationPeriods: 5,
      datapointsToAlarm: 1,
      treatMissingData: 'missing',
      metric: depth?.metric,
      restoreSignal: true,
    });
    // Sorted after the depth alarm (no longer relied on since decision 201: the document reads the depth alarm by name).
    expect([drained?.name ?? '', depth?.name ?? ''].sort()[0]).toBe(depth?.name);
  });

  it.each([
    ['a watermark of 25%', { thresholdPercent: 25, evaluationMinutes: 10 }, 'NotificationService Queue Over Low Water >= 250 in 10 min (notification-service-queue)'],
    ['none: the baseline comes back at the first OK, with no restore signal', undefined, undefined],
  ])('follows the configured lowWater: %s', (_case, lowWater, name) => {
    const troubleshooting = seed.troubleshooting.map((row) => {
      if (row.id !== 'queue-backup') return row;
      const { lowWater: _default, ...rest } = row;
      return lowWater ? { ...rest, lowWater } : rest;
    });
    const config = parseAutomationConfig({ ...seed, troubleshooting });
    expect(alarmSpecs(config, 'production').filter((s) => s.restoreSignal).map((s) => s.name)).toEqual(name ? [name] : []);
  });

  it('refuses lowWater on a row whose playbook would read the low-water ALARM as its symptom', () => {
    const troubleshooting = seed.troubleshooting.map((row) => (row.id === 'cpu-utilization' ? { ...row, lowWater: { thresholdPercent: 10, evaluationMinutes: 5 } } : row));
    expect(() => parseAutomationConfig({ ...seed, troubleshooting })).toThrow(/lowWater is a restore signal only rows queue-backup read, on a "greater than" detection/);
  });

  it('matches any of the out-of-memory signatures, each quoted (CloudWatch Logs "?term" syntax)', () => {
    expect(OUT_OF_MEMORY_FILTER_PATTERN).toBe('?"JavaScript heap out of memory" ?"Runtime.OutOfMemory" ?"signal: killed" ?"Allowed memory size of"');
  });

  it('routes alarm state changes by alarm name, as EventBridge emits them', () => {
    expect(alarmStateChangePattern(['a'])).toEqual({ source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], detail: { alarmName: ['a'] } });
  });
});

describe('the API alarms per API type (dependencies.apis[].type)', () => {
  const API = 'notification-service-api';
  const FN = 'notification-service-consumer';
  const withApis = (apis: Array<Record<string, unknown>>) => parseAutomationConfig(mergeConfig(defaultConfig, { dependencies: { apis } }));
  const apiAlarms = (config: ReturnType<typeof withApis>) => alarmSpecs(config, 'production').filter((s) => s.rowId === 'high-latency' || s.rowId === 'connection-timeout');

  it('watches a REST API (the default type) by ApiName: API Gateway Latency p99 and the 504 count', () => {
    const [timeout, latency] = apiAlarms(seed);
    expect(latency?.metric).toEqual({ kind: 'single', metric: { namespace: 'AWS/ApiGateway', metricName: 'Latency', dimensions: { ApiName: API }, periodSeconds: 60 }, extendedStatistic: 'p99' });
    expect(timeout?.metric).toEqual({ kind: 'single', metric: { namespace: 'NotificationService', metricName: 'Api504Errors', dimensions: { ApiName: API }, periodSeconds: 60 }, statistic: 'Sum' });
  });

  it('watches an HTTP API\'s Latency by ApiId alone (HTTP APIs publish no ApiName), its 504 count still by the name its access log carries', () => {
    const config = withApis([{ name: API, type: 'http', id: 'a1b2c3d4e5', functionName: FN }]);
    const [timeout, latency] = apiAlarms(config);
    expect(latency?.name).toBe(`NotificationService API Gateway Latency p99 > 500 ms (${API})`);
    expect(latency?.metric).toEqual({ kind: 'single', metric: { namespace: 'AWS/ApiGateway', metricName: 'Latency', dimensions: { ApiId: 'a1b2c3d4e5' }, periodSeconds: 60 }, extendedStatistic: 'p99' });
    expect(timeout?.metric).toEqual({ kind: 'single', metric: { namespace: 'NotificationService', metricName: 'Api504Errors', dimensions: { ApiName: API }, periodSeconds: 60 }, statistic: 'Sum' });
    // The filter that publishes the 504 count reads the name from the log line, for either type.
    expect(api504MetricFilter(config, API).dimensions).toEqual({ ApiName: '$.apiName' });
  });

  it('refuses an HTTP API without its id, naming the field: the alarm\'s ApiId cannot be looked up at synth', () => {
    const config = withApis([{ name: 'other-api', functionName: FN }, { name: API, type: 'http', functionName: FN }]);
    let thrown: unknown;
    try {
      alarmSpecs(config, 'production');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).issues).toEqual(['dependencies.apis.1.id']);
    expect((thrown as ConfigurationError).message).toBe(
      `Invalid runbook configuration: dependencies.apis.1.id: HTTP API ${API} (type http) is watched by API Gateway's Latency, which HTTP APIs publish by ApiId only, never ApiName; set its id (CloudFormation cannot look an API up by name)`,
    );
  });

  it('keeps watching the service\'s API by ApiName when only another API is an HTTP API', () => {
    const config = withApis([{ name: 'partner-api', type: 'http', functionName: FN }, { name: API, functionName: FN }]);
    expect(apiAlarms(config)[1]?.metric).toMatchObject({ metric: { dimensions: { ApiName: API } } });
  });
});

describe('apiAccessLogFormat per API type', () => {
  // Each $context variable the format uses must be one AWS lists for that API type. From the API Gateway developer guide:
  // "Customize HTTP API access logs" (no $context.resourcePath there) and the REST API access-logging variables.
  const HTTP_API_VARIABLES = ['requestId', 'apiId', 'stage', 'httpMethod', 'routeKey', 'path', 'status', 'integration.status', 'integration.latency', 'responseLatency', 'error.message'];
  const REST_API_VARIABLES = ['requestId', 'apiId', 'stage', 'httpMethod', 'resourcePath', 'path', 'status', 'integration.status', 'integration.latency', 'responseLatency', 'error.message'];
  const variables = (format: string) => [...format.matchAll(/\$context\.([a-zA-Z.]+)/g)].map((m) => m[1]);

  it.each([
    ['rest', REST_API_VARIABLES, '"resourcePath":"$context.resourcePath"'],
    ['http', HTTP_API_VARIABLES, '"routeKey":"$context.routeKey"'],
  ] as const)('a %s API\'s stage logs only variables that API type has, as JSON with a numeric status the 504 filter reads', (type, allowed, path) => {
    const format = apiAccessLogFormat('notification-service-api', type);
    expect(variables(format)).toHaveLength(10);
    expect(variables(format).filter((v) => !allowed.includes(v ?? ''))).toEqual([]);
    expect(format).toContain(path);
    expect(format).toContain('"status":$context.status');
    expect(format).toContain('"apiName":"notification-service-api"');
  });

  it('defaults to a REST API\'s format, and an HTTP API\'s has no REST resource path', () => {
    expect(apiAccessLogFormat('x')).toBe(apiAccessLogFormat('x', 'rest'));
    expect(apiAccessLogFormat('x', 'http')).not.toContain('resourcePath');
  });
});

describe("a watched function's log group (resources.functionLogGroups, else /aws/lambda/<name>)", () => {
  const config = parseAutomationConfig(
    mergeConfig(defaultConfig, { environments: { production: { resources: { functions: ['email-consumer', 'sms-consumer'], functionLogGroups: { 'sms-consumer': '/notification-service/sms' } } } } }),
  );

  it("puts each function's OOM filter on its own group: the configured one, Lambda's default for the others", () => {
    const filters = metricFilterSpecs(config, 'production').filter((f) => f.rowId === 'memory-pressure');
    expect(filters.map((f) => [f.functionName, f.logGroupName, f.filterName])).toEqual([
      ['email-consumer', '/aws/lambda/email-consumer', 'email-consumer-out-of-memory'],
      ['sms-consumer', '/notification-service/sms', 'sms-consumer-out-of-memory'],
    ]);
  });

  it("names the same group in the DR region (the same function and its LoggingConfig)", () => {
    expect(watchedResources(config, 'production', 'dr').functionLogGroups).toEqual({ 'sms-consumer': '/notification-service/sms' });
  });

  it('leaves the default configuration without the field, so what is derived from it stays as it was', () => {
    expect(Object.keys(watchedResources(seed, 'production'))).not.toContain('functionLogGroups');
    expect(metricFilterSpecs(seed, 'production').find((f) => f.rowId === 'memory-pressure')?.logGroupName).toBe('/aws/lambda/notification-service-consumer');
  });

  it.each(['constructor', 'toString', '__proto__'])('reads own keys only: a function named %s without a group has the default', (name) => {
    expect(functionLogGroupName({ functionLogGroups: { other: '/x' } }, name)).toBe(`/aws/lambda/${name}`);
  });
});
