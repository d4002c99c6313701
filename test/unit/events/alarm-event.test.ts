// Unit tests for parseAlarmEvent / primaryMetric against AWS's documented CloudWatch alarm event shapes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../../shared/errors';
import { parseAlarmEvent, primaryMetric, type AlarmKind } from '../../../shared/events/alarm-event';

/**
 * Fixtures in test/fixtures/events, all from the CloudWatch User Guide page "Alarm events and EventBridge":
 * - single-metric, metric-math, anomaly-detection, composite-suppressed: the examples as published (2019 / 2022).
 * - muted, composite-suppressed-muted: the same examples as the 2025 page shows them, with `muteDetail` (alarm mute rules).
 * - metrics-insights: the "Multi Time Series Alarm" alarm example; alarm-contributor-state-change: its contributor example.
 * - alarm-configuration-change-update: the "Update of a metric alarm" example.
 * - composite: AWS only documents a composite with a suppressor; this is that example minus the suppression fields.
 */
type Fixture =
  | 'alarm-state-change-single-metric'
  | 'alarm-state-change-metric-math'
  | 'alarm-state-change-anomaly-detection'
  | 'alarm-state-change-composite'
  | 'alarm-state-change-composite-suppressed'
  | 'alarm-state-change-composite-suppressed-muted'
  | 'alarm-state-change-muted'
  | 'alarm-state-change-metrics-insights'
  | 'alarm-contributor-state-change'
  | 'alarm-configuration-change-update';

type Key = string | number;
const REMOVE = Symbol('remove');

/** A fresh copy of a fixture, so each case can change it freely. */
function fixture(name: Fixture): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '../../fixtures/events', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

/** The fixture with the value at `path` replaced (or removed with REMOVE). */
function changed(name: Fixture, ...edits: [path: Key[], value: unknown][]): Record<string, unknown> {
  const event = fixture(name);
  for (const [path, value] of edits) {
    let node = event as Record<Key, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<Key, unknown>;
    const last = path[path.length - 1] as Key;
    if (value === REMOVE && Array.isArray(node)) node.splice(Number(last), 1);
    else if (value === REMOVE) delete node[last];
    else node[last] = value;
  }
  return event;
}

function rejection(input: unknown): InvalidInputError {
  try {
    parseAlarmEvent(input);
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected parseAlarmEvent to throw InvalidInputError');
}

const dimensions = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`Dim${i}`, `v${i}`]));
const metricsPath = ['detail', 'configuration', 'metrics'];

describe('parseAlarmEvent', () => {
  describe('documented alarm state change events', () => {
    it.each<[string, Fixture, AlarmKind, string, boolean, string[]]>([
      ['reads a single-metric alarm', 'alarm-state-change-single-metric', 'metric', 'ServerCpuTooHigh', false, ['30b6c6b2-a864-43a2-4877-c09a1afc3b87']],
      ['reads a metric math alarm', 'alarm-state-change-metric-math', 'metric-math', 'TotalNetworkTrafficTooHigh', false, ['e1', 'm1', 'm2']],
      ['reads an anomaly detection alarm', 'alarm-state-change-anomaly-detection', 'anomaly-detection', 'EC2 CPU Utilization Anomaly', false, ['m1', 'ad1']],
      ['reads a composite alarm', 'alarm-state-change-composite', 'composite', 'ServiceAggregatedAlarm', false, []],
      ['reads a composite alarm whose actions are suppressed as muted', 'alarm-state-change-composite-suppressed', 'composite', 'ServiceAggregatedAlarm', true, []],
      ['reads a suppressed composite alarm under a mute rule as muted', 'alarm-state-change-composite-suppressed-muted', 'composite', 'ServiceAggregatedAlarm', true, []],
      ['reads a single-metric alarm under an alarm mute rule as muted', 'alarm-state-change-muted', 'metric', 'ServerCpuTooHigh', true, ['30b6c6b2-a864-43a2-4877-c09a1afc3b87']],
      ['reads a Metrics Insights (multi time series) alarm as metric math', 'alarm-state-change-metrics-insights', 'metric-math', 'DynamoDBInsightsAlarm', false, ['m1']],
    ])('%s', (_behaviour, name, kind, alarmName, muted, metricIds) => {
      const source = fixture(name);
      const event = parseAlarmEvent(source);

      expect(event).toMatchObject({ kind, alarmName, muted, source: 'aws.cloudwatch', detailType: 'CloudWatch Alarm State Change' });
      expect(event.metrics.map((series) => series.id)).toEqual(metricIds);
      expect(event.eventId).toBe(source.id);
      expect(event.alarmArn).toBe((source.resources as string[])[0]);
      expect(event.incidentKey).toBe(`${event.alarmArn}#${event.state.timestamp}`);
      expect(event.muted).toBe(event.mutedReason !== undefined);
    });

    it('maps every field of the documented single-metric alarm', () => {
      expect(parseAlarmEvent(fixture('alarm-state-change-single-metric'))).toEqual({
        eventId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
        account: '123456789012',
        region: 'us-east-1',
        time: '2019-10-02T17:04:40Z',
        source: 'aws.cloudwatch',
        detailType: 'CloudWatch Alarm State Change',
        alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh',
        alarmName: 'ServerCpuTooHigh',
        kind: 'metric',
        description: 'Goes into alarm when server CPU utilization is too high!',
        state: {
          value: 'ALARM',
          reason: expect.stringMatching(/^Threshold Crossed: 1 out of the last 1 datapoints \[99\.50160229693434/),
          reasonData: {
            version: '1.0',
            queryDate: '2019-10-02T17:04:40.985+0000',
            startDate: '2019-10-02T16:59:00.000+0000',
            statistic: 'Average',
            period: 300,
            recentDatapoints: [99.50160229693434],
            threshold: 50,
          },
          timestamp: '2019-10-02T17:04:40.989+0000',
        },
        previousState: {
          value: 'OK',
          reason: expect.stringContaining('was not greater than the threshold (50.0)'),
          reasonData: expect.objectContaining({ recentDatapoints: [0.0666851903306472] }),
          timestamp: '2019-10-01T13:56:40.987+0000',
        },
        metrics: [
          {
            id: '30b6c6b2-a864-43a2-4877-c09a1afc3b87',
            namespace: 'AWS/EC2',
            metricName: 'CPUUtilization',
            dimensions: { InstanceId: 'i-12345678901234567' },
            stat: 'Average',
            period: 300,
            returnData: true,
          },
        ],
        muted: false,
        incidentKey: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh#2019-10-02T17:04:40.989+0000',
      });
    });

    it('keeps the math expression, its label and the metrics it reads', () => {
      const event = parseAlarmEvent(fixture('alarm-state-change-metric-math'));
      expect(event.metrics).toEqual([
        { id: 'e1', expression: 'SUM(METRICS())', label: 'Total Network Traffic', dimensions: {}, returnData: true },
        expect.objectContaining({ id: 'm1', namespace: 'AWS/EC2', metricName: 'NetworkIn', stat: 'Maximum', period: 300, returnData: false }),
        expect.objectContaining({ id: 'm2', namespace: 'AWS/EC2', metricName: 'NetworkOut', stat: 'Maximum', period: 300, returnData: false }),
      ]);
    });

    it('keeps the composite alarm rule and has no metrics', () => {
      const event = parseAlarmEvent(fixture('alarm-state-change-composite'));
      expect(event.alarmRule).toBe('ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)');
      expect(event.metrics).toEqual([]);
      expect(event.mutedReason).toBeUndefined();
    });

    it.each<[string, Fixture, RegExp[]]>([
      ['records why a suppressed composite alarm is muted', 'alarm-state-change-composite-suppressed', [/^actions suppressed by WaitPeriod: Actions suppressed by WaitPeriod$/]],
      ['records the mute rule and its window', 'alarm-state-change-muted', [/^muted by alarm mute rule arn:aws:cloudwatch:us-east-1:1234567890:alarm-mute-rule:testMute \(window 2026-01-01T10:00:00\.000\+0000 to 2026-01-01T12:00:00\.000\+0000\)$/]],
      ['records both the mute rule and the suppression when both apply', 'alarm-state-change-composite-suppressed-muted', [/alarm-mute-rule:testMute/, /actions suppressed by WaitPeriod/]],
    ])('%s', (_behaviour, name, reasons) => {
      const event = parseAlarmEvent(fixture(name));
      expect(event.muted).toBe(true);
      for (const reason of reasons) expect(event.mutedReason).toMatch(reason);
    });

    it('keeps actionsSuppressedBy and actionsSuppressedReason on the state', () => {
      expect(parseAlarmEvent(fixture('alarm-state-change-composite-suppressed')).state).toMatchObject({
        actionsSuppressedBy: 'WaitPeriod',
        actionsSuppressedReason: 'Actions suppressed by WaitPeriod',
      });
    });

    it.each<[string, Record<string, unknown>, AlarmKind]>([
      [
        'classifies an alarm with thresholdMetricId as anomaly detection even without the band function in view',
        changed('alarm-state-change-metric-math', [['detail', 'configuration', 'thresholdMetricId'], 'e1']),
        'anomaly-detection',
      ],
      [
        'recognises the anomaly detection band whatever its case and leading spaces',
        changed('alarm-state-change-anomaly-detection', [[...metricsPath, 1, 'expression'], '  anomaly_detection_band(m1, 2)']),
        'anomaly-detection',
      ],
    ])('%s', (_behaviour, input, kind) => {
      expect(parseAlarmEvent(input).kind).toBe(kind);
    });
  });

  describe('reasonData', () => {
    it.each<[string, Record<string, unknown>, (event: ReturnType<typeof parseAlarmEvent>) => unknown, unknown]>([
      [
        'parses the anomaly band thresholds out of reasonData',
        fixture('alarm-state-change-anomaly-detection'),
        (event) => event.state.reasonData,
        expect.objectContaining({ recentLowerThresholds: [0.020599444741798756], recentUpperThresholds: [0.3006915352732461] }),
      ],
      [
        'parses the triggering alarms of a composite out of reasonData',
        fixture('alarm-state-change-composite'),
        (event) => event.state.reasonData,
        {
          triggeringAlarms: [
            { arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh', state: { value: 'ALARM', timestamp: '2022-07-22T15:57:45.394+0000' } },
          ],
        },
      ],
      [
        'keeps reasonData that is not valid JSON as the raw string',
        changed('alarm-state-change-single-metric', [['detail', 'state', 'reasonData'], '{"version":"1.0",truncated']),
        (event) => event.state.reasonData,
        '{"version":"1.0",truncated',
      ],
      [
        'leaves reasonData undefined when the state has none',
        fixture('alarm-state-change-metric-math'),
        (event) => event.previousState?.reasonData,
        undefined,
      ],
    ])('%s', (_behaviour, input, pick, expected) => {
      expect(pick(parseAlarmEvent(input))).toEqual(expected);
    });
  });

  describe('alarm names and ARNs', () => {
    it.each([
      ['keeps spaces in an alarm name', 'Notification Service API 5xx'],
      ['keeps dots in an alarm name', 'notification-service.api.5xx.p99'],
      ['keeps slashes and colons in an alarm name', 'notification/service:queue depth (prod)'],
      ['accepts an alarm name of exactly 255 characters', 'a'.repeat(255)],
    ])('%s', (_behaviour, alarmName) => {
      const arn = `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`;
      const event = parseAlarmEvent(
        changed('alarm-state-change-single-metric', [['detail', 'alarmName'], alarmName], [['resources'], [arn]]),
      );
      expect(event.alarmName).toBe(alarmName);
      expect(event.alarmArn).toBe(arn);
      expect(event.incidentKey).toBe(`${arn}#2019-10-02T17:04:40.989+0000`);
    });

    it.each([
      ['builds the alarm ARN from region, account and name when resources is missing', REMOVE, 'us-east-1', 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh'],
      ['builds the alarm ARN when resources is empty', [], 'us-east-1', 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh'],
      ['builds a China-partition ARN for a cn- region', REMOVE, 'cn-north-1', 'arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:ServerCpuTooHigh'],
      ['builds a GovCloud-partition ARN for a us-gov- region', REMOVE, 'us-gov-west-1', 'arn:aws-us-gov:cloudwatch:us-gov-west-1:123456789012:alarm:ServerCpuTooHigh'],
    ])('%s', (_behaviour, resources, region, alarmArn) => {
      const event = parseAlarmEvent(changed('alarm-state-change-single-metric', [['resources'], resources], [['region'], region]));
      expect(event.alarmArn).toBe(alarmArn);
      expect(event.incidentKey).toBe(`${alarmArn}#2019-10-02T17:04:40.989+0000`);
    });
  });

  describe('one key per state change, however its instant is written', () => {
    const arn = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh';
    const EVENTBRIDGE = '2019-10-02T17:04:40.989+0000';
    const parsedAt = (timestamp: string) => parseAlarmEvent(changed('alarm-state-change-single-metric', [['detail', 'state', 'timestamp'], timestamp]));

    // EventBridge writes "+0000"; an SSM document builds its event from DescribeAlarmsForMetric's StateUpdatedTimestamp,
    // which reaches it as "Z" (decision 21: its run must answer "duplicate" for a state change already handled).
    it.each([
      ['as EventBridge writes it', EVENTBRIDGE],
      ['as DescribeAlarms gives it to an SSM document (UTC "Z")', '2019-10-02T17:04:40.989Z'],
      ['with a colon in its offset', '2019-10-02T17:04:40.989+00:00'],
      ['in another offset', '2019-10-02T12:04:40.989-05:00'],
      ['with microseconds (a datetime printed with more digits than CloudWatch keeps)', '2019-10-02T17:04:40.989000Z'],
      // The two forms Python writes a boto3 datetime in, either of which SSM may hand on (decision 171).
      ["as Python's datetime.isoformat() writes it", '2019-10-02T17:04:40.989000+00:00'],
      ["as Python's str(datetime) writes it (RFC 3339's space for the T)", '2019-10-02 17:04:40.989000+00:00'],
    ])('gives the state change the key of its EventBridge delivery when its timestamp is written %s', (_form, timestamp) => {
      const event = parsedAt(timestamp);
      expect(event.incidentKey).toBe(`${arn}#${EVENTBRIDGE}`);
      expect(event.state.timestamp).toBe(EVENTBRIDGE);
    });

    it('gives two state changes a millisecond apart two keys', () => {
      expect(parsedAt('2019-10-02T17:04:40.990Z').incidentKey).not.toBe(parsedAt(EVENTBRIDGE).incidentKey);
    });

    it('writes the previous state\'s instant in the same form', () => {
      const event = parseAlarmEvent(changed('alarm-state-change-single-metric', [['detail', 'previousState', 'timestamp'], '2019-10-02T17:01:40.989Z']));
      expect(event.previousState?.timestamp).toBe('2019-10-02T17:01:40.989+0000');
    });
  });

  // Decision 379: the documents name their execution; CloudWatch never writes the field.
  describe("a document run's execution (detail.runbookExecution)", () => {
    it('keeps the execution id an SSM document wrote, beside the state change\'s own key', () => {
      const event = parseAlarmEvent(changed('alarm-state-change-single-metric', [['detail', 'runbookExecution'], '4105a4fc-f944-11e6-9d32-8b2b8e1e5e9d']));
      expect(event.runbookExecution).toBe('4105a4fc-f944-11e6-9d32-8b2b8e1e5e9d');
      expect(event.incidentKey).toBe('arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh#2019-10-02T17:04:40.989+0000');
    });

    it('an event as CloudWatch writes it names no execution', () => {
      expect(parseAlarmEvent(fixture('alarm-state-change-single-metric'))).not.toHaveProperty('runbookExecution');
    });

    it.each([
      ['a key separator', 'exec#runbook:other'],
      ['an empty id', ''],
      ['65 characters', 'a'.repeat(65)],
      ['not a string', 42],
    ])('rejects an execution id with %s', (_case, value) => {
      expect(rejection(changed('alarm-state-change-single-metric', [['detail', 'runbookExecution'], value])).details).toEqual([expect.stringMatching(/^detail\.runbookExecution: /)]);
    });
  });

  describe('tolerance', () => {
    it.each<[string, Record<string, unknown>]>([
      ['accepts unknown top-level fields', changed('alarm-state-change-single-metric', [['replay-name'], 'replay-2024'])],
      [
        'accepts the alarm tags that tag propagation adds to the detail',
        changed('alarm-state-change-single-metric', [['detail', 'alarmTags'], { team: 'notifications' }], [['detail', 'alarmTagsStatus'], 'Complete']),
      ],
      ['accepts unknown fields in the state', changed('alarm-state-change-single-metric', [['detail', 'state', 'evaluatedBy'], { engine: 'v2' }])],
      ['accepts unknown fields in a metric', changed('alarm-state-change-metric-math', [[...metricsPath, 1, 'accountId'], '123456789012'])],
      [
        'accepts unknown fields in the composite configuration',
        changed('alarm-state-change-composite', [['detail', 'configuration', 'actionsEnabled'], true]),
      ],
    ])('%s', (_behaviour, input) => {
      expect(() => parseAlarmEvent(input)).not.toThrow();
    });

    it.each<[string, Record<string, unknown>, (event: ReturnType<typeof parseAlarmEvent>) => unknown, unknown]>([
      ['accepts an event without previousState', changed('alarm-state-change-single-metric', [['detail', 'previousState'], REMOVE]), (e) => e.previousState, undefined],
      ['accepts a configuration without description', changed('alarm-state-change-single-metric', [['detail', 'configuration', 'description'], REMOVE]), (e) => e.description, undefined],
      ['accepts a state without reasonData', changed('alarm-state-change-single-metric', [['detail', 'state', 'reasonData'], REMOVE]), (e) => e.state.reasonData, undefined],
      ['accepts a composite alarm with an empty metrics list', changed('alarm-state-change-composite', [[...metricsPath], []]), (e) => e.kind, 'composite'],
      ['synthesises the id m1 for a single-metric alarm without one', changed('alarm-state-change-single-metric', [[...metricsPath, 0, 'id'], REMOVE]), (e) => e.metrics[0]?.id, 'm1'],
      ['treats a metric without returnData as returning data', changed('alarm-state-change-single-metric', [[...metricsPath, 0, 'returnData'], REMOVE]), (e) => e.metrics[0]?.returnData, true],
      ['reads a metric without dimensions as having none', changed('alarm-state-change-single-metric', [[...metricsPath, 0, 'metricStat', 'metric', 'dimensions'], REMOVE]), (e) => e.metrics[0]?.dimensions, {}],
      ['accepts exactly 30 dimensions', changed('alarm-state-change-single-metric', [[...metricsPath, 0, 'metricStat', 'metric', 'dimensions'], dimensions(30)]), (e) => Object.keys(e.metrics[0]?.dimensions ?? {}).length, 30],
      ['accepts a timestamp with a colon in its offset (read as the same instant, in EventBridge\'s form)', changed('alarm-state-change-single-metric', [['detail', 'state', 'timestamp'], '2019-10-02T17:04:40.989+00:00']), (e) => e.state.timestamp, '2019-10-02T17:04:40.989+0000'],
      [
        'reads threshold, operator and evaluation settings when the configuration carries them',
        changed(
          'alarm-state-change-single-metric',
          [['detail', 'configuration', 'threshold'], 50],
          [['detail', 'configuration', 'comparisonOperator'], 'GreaterThanThreshold'],
          [['detail', 'configuration', 'evaluationPeriods'], 1],
          [['detail', 'configuration', 'treatMissingData'], 'ignore'],
          [[...metricsPath, 0, 'metricStat', 'unit'], 'Percent'],
        ),
        (e) => [e.threshold, e.comparisonOperator, e.evaluationPeriods, e.treatMissingData, e.metrics[0]?.unit],
        [50, 'GreaterThanThreshold', 1, 'ignore', 'Percent'],
      ],
    ])('%s', (_behaviour, input, pick, expected) => {
      expect(pick(parseAlarmEvent(input))).toEqual(expected);
    });
  });

  describe('string input', () => {
    it.each<[string, Fixture]>([
      ['parses a single-metric event delivered as JSON text (an SQS body)', 'alarm-state-change-single-metric'],
      ['parses a composite event delivered as JSON text', 'alarm-state-change-composite-suppressed'],
    ])('%s', (_behaviour, name) => {
      expect(parseAlarmEvent(JSON.stringify(fixture(name)))).toEqual(parseAlarmEvent(fixture(name)));
    });
  });

  describe('rejections', () => {
    const long = 'x'.repeat(16 * 1024 + 1);
    it.each<[string, unknown, RegExp]>([
      ['rejects null', null, /^event must be a JSON object, got null$/],
      ['rejects an array', [fixture('alarm-state-change-single-metric')], /^event must be a JSON object, got an array$/],
      ['rejects a number', 42, /^event must be a JSON object, got number$/],
      ['rejects undefined', undefined, /^event must be a JSON object, got undefined$/],
      ['rejects text that is not JSON', '{"source": "aws.cloudwatch"', /^event is not valid JSON: /],
      ['rejects JSON text that is not an object', '"just a string"', /^event must be a JSON object, got "just a string"$/],
      ['rejects an event from another source', changed('alarm-state-change-single-metric', [['source'], 'aws.ec2']), /^source must be aws\.cloudwatch$/],
      ['rejects an event without a source', changed('alarm-state-change-single-metric', [['source'], REMOVE]), /^source must be aws\.cloudwatch$/],
      [
        'rejects a configuration change event',
        fixture('alarm-configuration-change-update'),
        /^unsupported detail-type "CloudWatch Alarm Configuration Change": only "CloudWatch Alarm State Change" is handled$/,
      ],
      [
        'rejects an alarm contributor state change event',
        fixture('alarm-contributor-state-change'),
        /^unsupported detail-type "CloudWatch Alarm Contributor State Change": only "CloudWatch Alarm State Change" is handled$/,
      ],
      ['rejects an event without a detail-type', changed('alarm-state-change-single-metric', [['detail-type'], REMOVE]), /^detail-type: required/],
      ['rejects an event without a detail', changed('alarm-state-change-single-metric', [['detail'], REMOVE]), /^detail: required$/],
      ['rejects an event without an alarm name', changed('alarm-state-change-single-metric', [['detail', 'alarmName'], REMOVE]), /^detail\.alarmName: required$/],
      ['rejects an empty alarm name', changed('alarm-state-change-single-metric', [['detail', 'alarmName'], '']), /^detail\.alarmName: must not be empty/],
      ['rejects an alarm name longer than 255 characters', changed('alarm-state-change-single-metric', [['detail', 'alarmName'], 'a'.repeat(256)], [['resources'], REMOVE]), /^detail\.alarmName: must be at most 255 characters$/],
      ['rejects an alarm name that is not a string', changed('alarm-state-change-single-metric', [['detail', 'alarmName'], 42]), /^detail\.alarmName: expected a string$/],
      ['rejects an event without a state', changed('alarm-state-change-single-metric', [['detail', 'state'], REMOVE]), /^detail\.state: required$/],
      ['rejects a state value CloudWatch never sends', changed('alarm-state-change-single-metric', [['detail', 'state', 'value'], 'ALARMING']), /^detail\.state\.value: expected ALARM \| OK \| INSUFFICIENT_DATA$/],
      ['rejects a lower-case state value', changed('alarm-state-change-single-metric', [['detail', 'state', 'value'], 'alarm']), /^detail\.state\.value: expected ALARM \| OK \| INSUFFICIENT_DATA$/],
      ['rejects a bad previous state value', changed('alarm-state-change-single-metric', [['detail', 'previousState', 'value'], 'UNKNOWN']), /^detail\.previousState\.value: expected ALARM \| OK \| INSUFFICIENT_DATA$/],
      ['rejects a state without a reason', changed('alarm-state-change-single-metric', [['detail', 'state', 'reason'], REMOVE]), /^detail\.state\.reason: required$/],
      ['rejects a state timestamp that is not ISO 8601', changed('alarm-state-change-single-metric', [['detail', 'state', 'timestamp'], '02/10/19 16:59:00']), /^detail\.state\.timestamp: expected an ISO 8601 timestamp$/],
      ['rejects a state timestamp on a day that does not exist', changed('alarm-state-change-single-metric', [['detail', 'state', 'timestamp'], '2019-02-30T17:04:40.989+0000']), /^detail\.state\.timestamp: expected an ISO 8601 timestamp$/],
      ['rejects a state timestamp given as epoch seconds', changed('alarm-state-change-single-metric', [['detail', 'state', 'timestamp'], 1570035880]), /^detail\.state\.timestamp: expected an ISO 8601 timestamp string$/],
      ['rejects an envelope time without a zone', changed('alarm-state-change-single-metric', [['time'], '2019-10-02 17:04:40']), /^time: expected an ISO 8601 timestamp$/],
      ['rejects a mute window that is not a timestamp', changed('alarm-state-change-muted', [['detail', 'muteDetail', 'muteWindowEnd'], 'tomorrow']), /^detail\.muteDetail\.muteWindowEnd: expected an ISO 8601 timestamp$/],
      ['rejects a muteDetail that is not an object', changed('alarm-state-change-single-metric', [['detail', 'muteDetail'], 'muted']), /^detail\.muteDetail: expected an object$/],
      ['rejects reasonData that is not a string', changed('alarm-state-change-single-metric', [['detail', 'state', 'reasonData'], { threshold: 50 }]), /^detail\.state\.reasonData: expected a JSON string$/],
      ['rejects a threshold given as text', changed('alarm-state-change-single-metric', [['detail', 'configuration', 'threshold'], '50']), /^detail\.configuration\.threshold: expected a number$/],
      ['rejects a period that is not a whole number of seconds', changed('alarm-state-change-single-metric', [[...metricsPath, 0, 'metricStat', 'period'], 'five minutes']), /^detail\.configuration\.metrics\[0\]\.metricStat\.period: expected a number of seconds$/],
      ['rejects metrics that are not a list', changed('alarm-state-change-single-metric', [[...metricsPath], { id: 'm1' }]), /^detail\.configuration\.metrics: expected an array$/],
      ['rejects a dimension value that is not a string', changed('alarm-state-change-single-metric', [[...metricsPath, 0, 'metricStat', 'metric', 'dimensions', 'InstanceId'], 7]), /^detail\.configuration\.metrics\[0\]\.metricStat\.metric\.dimensions\.InstanceId: expected a string dimension value$/],
      ['rejects more than 30 dimensions on a metric', changed('alarm-state-change-single-metric', [[...metricsPath, 0, 'metricStat', 'metric', 'dimensions'], dimensions(31)]), /^detail\.configuration\.metrics\[0\]\.metricStat\.metric\.dimensions: at most 30 dimensions per metric$/],
      ['rejects a description over 16 KiB', changed('alarm-state-change-single-metric', [['detail', 'configuration', 'description'], long]), /^detail\.configuration\.description: string exceeds 16384 bytes$/],
      ['rejects an unknown field over 16 KiB', changed('alarm-state-change-single-metric', [['detail', 'notes'], [long]]), /^detail\.notes\[0\]: string exceeds 16384 bytes$/],
      ['rejects a state reason over 16 KiB of multi-byte text', changed('alarm-state-change-single-metric', [['detail', 'state', 'reason'], 'é'.repeat(8193)]), /^detail\.state\.reason: string exceeds 16384 bytes$/],
      ['rejects an account id that is not 12 digits', changed('alarm-state-change-single-metric', [['account'], '1234567890']), /^account: expected a 12-digit AWS account id$/],
      // Review finding (decision 116): the account id checks are whole-value checks, on the event and on a metric's accountId.
      ['rejects an account id of 13 digits', changed('alarm-state-change-single-metric', [['account'], '1234567890123']), /^account: expected a 12-digit AWS account id$/],
      ['rejects an account id with letters around 12 digits', changed('alarm-state-change-single-metric', [['account'], 'x123456789012y']), /^account: expected a 12-digit AWS account id$/],
      ['rejects a metric accountId of 11 digits', changed('alarm-state-change-metric-math', [[...metricsPath, 1, 'accountId'], '12345678901']), /^detail\.configuration\.metrics\[1\]\.accountId: expected a 12-digit AWS account id$/],
      ['rejects a metric accountId with a space after its 12 digits', changed('alarm-state-change-metric-math', [[...metricsPath, 1, 'accountId'], '123456789012 ']), /^detail\.configuration\.metrics\[1\]\.accountId: expected a 12-digit AWS account id$/],
      ['rejects a metric accountId given as a number', changed('alarm-state-change-metric-math', [[...metricsPath, 1, 'accountId'], 123456789012]), /^detail\.configuration\.metrics\[1\]\.accountId: expected a string$/],
      ['rejects a region that is not an AWS region', changed('alarm-state-change-single-metric', [['region'], 'us-east-*']), /^region: expected an AWS region/],
      ['rejects an event without an id', changed('alarm-state-change-single-metric', [['id'], REMOVE]), /^id: required$/],
      ['rejects a first resource that is not a CloudWatch alarm ARN', changed('alarm-state-change-single-metric', [['resources'], ['arn:aws:sns:us-east-1:123456789012:alerts']]), /^resources\[0\]: expected a CloudWatch alarm ARN/],
      ['rejects an alarm ARN naming another alarm', changed('alarm-state-change-single-metric', [['resources'], ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:SomethingElse']]), /^resources\[0\]: alarm ARN .* does not match/],
      ['rejects an alarm ARN from another account', changed('alarm-state-change-single-metric', [['account'], '210987654321']), /^resources\[0\]: alarm ARN .* does not match/],
      ['rejects a configuration with neither metrics nor alarmRule', changed('alarm-state-change-single-metric', [[...metricsPath], REMOVE]), /^detail\.configuration: expected metrics \(metric alarm\) or alarmRule \(composite alarm\)$/],
      ['rejects an event without a configuration', changed('alarm-state-change-single-metric', [['detail', 'configuration'], REMOVE]), /^detail\.configuration: required$/],
      ['rejects a composite alarm that also has metrics', changed('alarm-state-change-metric-math', [['detail', 'configuration', 'alarmRule'], 'ALARM(ServerCpuTooHigh)']), /^detail\.configuration: a composite alarm \(alarmRule\) cannot also have metrics$/],
      ['rejects a metric with neither metricStat nor expression', changed('alarm-state-change-metric-math', [[...metricsPath, 1, 'metricStat'], REMOVE]), /^detail\.configuration\.metrics\[1\]: expected exactly one of metricStat or expression$/],
      ['rejects a metric with both metricStat and expression', changed('alarm-state-change-single-metric', [[...metricsPath, 0, 'expression'], 'm1 * 2']), /^detail\.configuration\.metrics\[0\]: expected exactly one of metricStat or expression$/],
      ['rejects a metricStat without a metric name', changed('alarm-state-change-single-metric', [[...metricsPath, 0, 'metricStat', 'metric', 'name'], REMOVE]), /^detail\.configuration\.metrics\[0\]\.metricStat\.metric\.name: required$/],
      ['rejects a metric math series without an id', changed('alarm-state-change-metric-math', [[...metricsPath, 2, 'id'], REMOVE]), /^detail\.configuration\.metrics\[2\]\.id: required when an alarm has several metrics$/],
      [
        'rejects two plain metrics without an expression to combine them',
        changed('alarm-state-change-metric-math', [[...metricsPath, 0], REMOVE]),
        /^detail\.configuration\.metrics: a single-metric alarm has exactly one metric, got 2$/,
      ],
    ])('%s', (_behaviour, input, message) => {
      const error = rejection(input);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.message).toMatch(message);
      expect(error.details.length).toBeGreaterThan(0);
    });

    it('lists every schema issue with its path in details', () => {
      const error = rejection(
        changed(
          'alarm-state-change-single-metric',
          [['detail', 'state', 'value'], 'ALARMING'],
          [['detail', 'state', 'timestamp'], 'yesterday'],
          [['detail', 'configuration', 'threshold'], '50'],
        ),
      );
      expect(error.message).toMatch(/ \(and 2 more\)$/);
      expect(error.details).toEqual([
        'detail.state.value: expected ALARM | OK | INSUFFICIENT_DATA',
        'detail.state.timestamp: expected an ISO 8601 timestamp',
        'detail.configuration.threshold: expected a number',
      ]);
    });

    it('keeps the JSON syntax error as the cause of a text rejection', () => {
      expect(rejection('not json').cause).toBeInstanceOf(SyntaxError);
    });

    it('names the source it got in details', () => {
      expect(rejection(changed('alarm-state-change-single-metric', [['source'], 'aws.ec2'])).details).toContain('source: got "aws.ec2"');
    });
  });
});

describe('primaryMetric', () => {
  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['returns the only metric of a single-metric alarm', fixture('alarm-state-change-single-metric'), '30b6c6b2-a864-43a2-4877-c09a1afc3b87'],
    ['returns the first metric read by SUM(METRICS()) in a metric math alarm', fixture('alarm-state-change-metric-math'), 'm1'],
    ['returns the metric the anomaly detection band is built on', fixture('alarm-state-change-anomaly-detection'), 'm1'],
    ['returns nothing for a composite alarm', fixture('alarm-state-change-composite'), undefined],
    ['returns nothing for a Metrics Insights alarm, which has no single watched resource', fixture('alarm-state-change-metrics-insights'), undefined],
    [
      'prefers the metric the returned expression reads over one it does not',
      changed('alarm-state-change-metric-math', [[...metricsPath, 0, 'expression'], 'm2 * 8']),
      'm2',
    ],
    [
      'follows expressions through other expressions to the metric they read',
      changed(
        'alarm-state-change-metric-math',
        [[...metricsPath, 0, 'expression'], 'e2 / 1024'],
        [[...metricsPath, 3], { id: 'e2', expression: 'RATE(m2)', returnData: false }],
      ),
      'm2',
    ],
    [
      'does not mistake an id inside another identifier for a reference',
      changed('alarm-state-change-metric-math', [[...metricsPath, 0, 'expression'], 'FILL(m2, m10)']),
      'm2',
    ],
  ])('%s', (_behaviour, input, expectedId) => {
    expect(primaryMetric(parseAlarmEvent(input))?.id).toBe(expectedId);
  });

  it('returns the series with the dimensions that identify the watched instance', () => {
    expect(primaryMetric(parseAlarmEvent(fixture('alarm-state-change-anomaly-detection')))?.dimensions).toEqual({
      InstanceId: 'i-12345678901234567',
    });
  });
});

describe('every oversized value is named by its own path, unknown fields included (one path walked in place: decision 308)', () => {
  it('names a long string, a nesting too deep and a long field name in sibling branches, each with its path, in order', () => {
    const long = 'x'.repeat(16 * 1024 + 1);
    const nest = (levels: number): unknown => (levels === 0 ? 'bottom' : { a: nest(levels - 1) });
    const event = changed(
      'alarm-state-change-single-metric',
      [['detail', 'notes'], [long, nest(40), ['fine', long]]],
      [['detail', 'extra'], { ['k'.repeat(256)]: 1, ok: long, fine: [1, 2] }],
      [['detail', 'state', 'reason'], long],
    );
    expect(rejection(event).details).toEqual([
      'detail.state.reason: string exceeds 16384 bytes',
      'detail.notes[0]: string exceeds 16384 bytes',
      `detail.notes[1]${'.a'.repeat(30)}: nested deeper than 32 levels`,
      'detail.notes[2][1]: string exceeds 16384 bytes',
      'detail.extra: field name exceeds 255 characters',
      'detail.extra.ok: string exceeds 16384 bytes',
    ]);
  });
});
