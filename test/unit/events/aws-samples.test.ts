// AWS's own event samples through the real parsers: what CloudWatch, EventBridge and Scheduler send, not what we wrote.
// Each sample in test/unit/events/aws-samples/ names its source and what was adapted (nothing, for a verbatim one);
// test/unit/events/aws-samples/fixtures-sources.json does the same for the events in test/fixtures/events.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { InvalidInputError } from '../../../shared/errors';
import { parseEscalateInput } from '../../../shared/escalation/escalate-input';
import { parseTimerInput } from '../../../shared/escalation/timer-input';
import { schedulerInputText } from '../../../shared/escalation/one-time-schedule';
import { TimerScheduler } from '../../../shared/escalation/timer-scheduler';
import { partitionOf } from '../../../shared/aws/arn';
import { parseAlarmEvent, primaryMetric, refuseForeignAccount, type AlarmStateChange } from '../../../shared/events/alarm-event';
import { parseVerifyChangeInput } from '../../../shared/pipeline/verify-change-plan';
import { VerifyScheduler } from '../../../shared/pipeline/verify-scheduler';
import { playbooks } from '../../../shared/playbooks/registry';
import { deliveredInput } from '../../../sandbox/scheduler-driver';
import { Logger } from '@aws-lambda-powertools/logger';
import { planAlarmIntake } from '../../../shared/escalation/plan-intake';
import { alarmSpecs } from '../../../shared/config/alarm-specs';
import { runPlaybook, type PipelineServices } from '../../../shared/pipeline/run-playbook';
import type { Decision, Playbook, ResourceRef } from '../../../shared/pipeline/types';
import type { CurrentAlarmState } from '../../../shared/aws/alarm-state-reader';

const SAMPLES = join(__dirname, 'aws-samples');
/** Characters as CloudWatch counts them (code points), not UTF-16 units as `length` does. */
const characterCount = (text: string): number => [...text].length;
const FIXTURES = join(__dirname, '../../fixtures/events');
const LOG_FIXTURES = join(__dirname, '../../fixtures/lambda-logs');

interface Sample {
  source: Record<string, unknown>;
  retrieved: string;
  adapted: string[];
  /** The event as delivered: an object, or `text` when it arrived as JSON text (an SQS body). */
  event?: Record<string, unknown>;
  text?: string;
}

const sampleFiles = readdirSync(SAMPLES).filter((name) => name.endsWith('.json') && name !== 'fixtures-sources.json');
function sample(name: string): Sample {
  return JSON.parse(readFileSync(join(SAMPLES, `${name}.json`), 'utf8')) as Sample;
}
/** What the handler receives: the event object, or the JSON text it came as. */
function delivered(name: string): unknown {
  const { event, text } = sample(name);
  return event ?? text;
}
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Record<string, unknown>;
}
/** The event with its alarm renamed, in its name and in its ARN (resources[0]). */
function renamed(event: Record<string, unknown>, name: string): Record<string, unknown> {
  const copy = structuredClone(event) as { detail: { alarmName: string }; resources: string[] };
  const old = copy.detail.alarmName;
  copy.detail.alarmName = name;
  copy.resources = copy.resources.map((arn) => arn.replace(`:alarm:${old}`, `:alarm:${name}`));
  return copy;
}
function rejection(parse: () => unknown): InvalidInputError {
  try {
    parse();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
}

describe('the samples say where they come from', () => {
  it('every sample names its source, when it was read and what was adapted, and holds an event or its text', () => {
    expect(sampleFiles.length).toBe(22);
    for (const file of sampleFiles) {
      const { source, retrieved, adapted, event, text } = sample(file.replace(/\.json$/, ''));
      expect(typeof source.document).toBe('string');
      expect(retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(Array.isArray(adapted)).toBe(true);
      // A sample named "adapted-" says what it changed; any other is as published or captured.
      expect(adapted.length > 0).toBe(file.startsWith('adapted-'));
      expect([event, text].filter((x) => x !== undefined)).toHaveLength(1);
    }
  });

  it('every event in test/fixtures/events has its source listed', () => {
    const listed = Object.keys((JSON.parse(readFileSync(join(SAMPLES, 'fixtures-sources.json'), 'utf8')) as { fixtures: Record<string, string> }).fixtures);
    expect(listed.sort()).toEqual(readdirSync(FIXTURES).filter((name) => name.endsWith('.json')).sort());
  });

  it('every file of log lines in test/fixtures/lambda-logs is listed, and each of its samples names its source, when it was read and what was adapted', () => {
    const listed = Object.keys((JSON.parse(readFileSync(join(SAMPLES, 'fixtures-sources.json'), 'utf8')) as { logs: Record<string, string> }).logs);
    expect(listed.sort()).toEqual(readdirSync(LOG_FIXTURES).filter((name) => name.endsWith('.json')).sort());
    for (const file of listed) {
      const { samples } = JSON.parse(readFileSync(join(LOG_FIXTURES, file), 'utf8')) as { samples: Array<{ id: string; source: { document?: unknown }; retrieved: string; adapted: unknown; lines: unknown }> };
      expect(samples.length).toBeGreaterThan(0);
      for (const { source, retrieved, adapted, lines } of samples) {
        expect(source.document).toMatch(/^https:\/\//);
        expect(retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(Array.isArray(adapted)).toBe(true);
        expect(Array.isArray(lines) && lines.length > 0 && lines.every((line) => typeof line === 'string')).toBe(true);
      }
    }
  });
});

type Accepted = { kind: AlarmStateChange['kind']; state: string; previous: string | undefined; muted: boolean; primary: string | undefined };

describe('parseAlarmEvent on what AWS sends', () => {
  // Published by AWS (test/fixtures/events, see fixtures-sources.json) and the samples in aws-samples/.
  it.each<[string, unknown, Accepted]>([
    ['single-metric alarm (2019 example)', fixture('alarm-state-change-single-metric'), { kind: 'metric', state: 'ALARM', previous: 'OK', muted: false, primary: '30b6c6b2-a864-43a2-4877-c09a1afc3b87' }],
    ['single-metric alarm under a mute rule (current example)', fixture('alarm-state-change-muted'), { kind: 'metric', state: 'ALARM', previous: 'OK', muted: true, primary: '30b6c6b2-a864-43a2-4877-c09a1afc3b87' }],
    ['metric-math alarm, previousState INSUFFICIENT_DATA without reasonData', fixture('alarm-state-change-metric-math'), { kind: 'metric-math', state: 'ALARM', previous: 'INSUFFICIENT_DATA', muted: false, primary: 'm1' }],
    ['anomaly-detection alarm (ANOMALY_DETECTION_BAND, no thresholdMetricId in the example)', fixture('alarm-state-change-anomaly-detection'), { kind: 'anomaly-detection', state: 'ALARM', previous: 'OK', muted: false, primary: 'm1' }],
    ['composite alarm whose actions are suppressed (actionsSuppressedBy WaitPeriod)', fixture('alarm-state-change-composite-suppressed'), { kind: 'composite', state: 'ALARM', previous: 'OK', muted: true, primary: undefined }],
    ['composite alarm, suppressed and under a mute rule (current example)', fixture('alarm-state-change-composite-suppressed-muted'), { kind: 'composite', state: 'ALARM', previous: 'OK', muted: true, primary: undefined }],
    ['Metrics Insights (multi time series) alarm', fixture('alarm-state-change-metrics-insights'), { kind: 'metric-math', state: 'ALARM', previous: 'INSUFFICIENT_DATA', muted: false, primary: undefined }],
    ['real delivery as an SQS body: 20 s period, evaluatedDatapoints, previousState INSUFFICIENT_DATA with reasonData', delivered('captured-sqs-body-high-resolution'), { kind: 'metric', state: 'ALARM', previous: 'INSUFFICIENT_DATA', muted: false, primary: 'e6ceefb7-f504-ebf4-035d-e13798e92d3f' }],
    ['state INSUFFICIENT_DATA now (adapted)', delivered('adapted-insufficient-data-now'), { kind: 'metric', state: 'INSUFFICIENT_DATA', previous: 'ALARM', muted: false, primary: 'e6ceefb7-f504-ebf4-035d-e13798e92d3f' }],
    ['alarm name with spaces, CJK and symbols (adapted)', delivered('adapted-unicode-alarm-name'), { kind: 'metric', state: 'ALARM', previous: 'OK', muted: false, primary: '30b6c6b2-a864-43a2-4877-c09a1afc3b87' }],
    ['alarm name of 255 characters, 243 of them emoji (adapted)', delivered('adapted-255-character-emoji-alarm-name'), { kind: 'metric', state: 'ALARM', previous: 'OK', muted: false, primary: '30b6c6b2-a864-43a2-4877-c09a1afc3b87' }],
    ['metric-math alarm over our queue (adapted)', delivered('adapted-queue-depth-metric-math'), { kind: 'metric-math', state: 'ALARM', previous: 'INSUFFICIENT_DATA', muted: false, primary: 'm1' }],
    ['composite alarm over our alarms (adapted)', delivered('adapted-composite-over-our-alarms'), { kind: 'composite', state: 'ALARM', previous: 'OK', muted: false, primary: undefined }],
    // The page as it is now (2026-12-06): the 2019 examples plus muteDetail.
    ['metric-math alarm under a mute rule (current example)', delivered('metric-math-muted'), { kind: 'metric-math', state: 'ALARM', previous: 'INSUFFICIENT_DATA', muted: true, primary: 'm1' }],
    ['anomaly-detection alarm under a mute rule (current example)', delivered('anomaly-detection-muted'), { kind: 'anomaly-detection', state: 'ALARM', previous: 'OK', muted: true, primary: 'm1' }],
    // ALARM -> ALARM: a composite whose WaitPeriod suppression ended; only the previous state was suppressed.
    ['composite alarm whose suppression ended, ALARM -> ALARM (adapted)', delivered('adapted-composite-suppression-ended'), { kind: 'composite', state: 'ALARM', previous: 'ALARM', muted: false, primary: undefined }],
    // Fails on the code before decision 129, whose region pattern wanted two letters before the first dash.
    ['single-metric alarm in the European Sovereign Cloud, eusc-de-east-1 (adapted)', delivered('adapted-european-sovereign-cloud-region'), { kind: 'metric', state: 'ALARM', previous: 'OK', muted: false, primary: '30b6c6b2-a864-43a2-4877-c09a1afc3b87' }],
    // The "How partial data is handled" page: a Metrics Insights alarm evaluated on the first 10,000 metrics only.
    ['Metrics Insights alarm evaluated on partial data (evaluationState PARTIAL_DATA), previousState INSUFFICIENT_DATA', delivered('metrics-insights-partial-data'), { kind: 'metric-math', state: 'ALARM', previous: 'INSUFFICIENT_DATA', muted: false, primary: undefined }],
    // EventBridge's replay of an archived event: the same event plus replay-name.
    ['single-metric alarm replayed from an EventBridge archive (replay-name; adapted)', delivered('adapted-replayed-from-archive'), { kind: 'metric', state: 'ALARM', previous: 'OK', muted: false, primary: '30b6c6b2-a864-43a2-4877-c09a1afc3b87' }],
    // Decision 287: SetAlarmState's longest reason (1023 characters) and reason data (4000), in Japanese: 11,892 bytes of
    // reasonData, refused as "string exceeds 10240 bytes" before.
    ['single-metric alarm set by SetAlarmState with the longest reason and reason data it takes, in Japanese (adapted)', delivered('adapted-set-alarm-state-longest-unicode-reason'), { kind: 'metric', state: 'ALARM', previous: 'OK', muted: false, primary: '30b6c6b2-a864-43a2-4877-c09a1afc3b87' }],
    ['anomaly-detection band over our queue depth, fired under the lower band (adapted)', delivered('adapted-anomaly-band-over-queue-depth'), { kind: 'anomaly-detection', state: 'ALARM', previous: 'OK', muted: false, primary: 'm1' }],
  ])('accepts the %s', (_what, input, expected) => {
    const event = parseAlarmEvent(input);
    expect({
      kind: event.kind,
      state: event.state.value,
      previous: event.previousState?.value,
      muted: event.muted,
      primary: primaryMetric(event)?.id,
    }).toEqual(expected);
    // The incident key is the alarm ARN, as sent, and the state's own timestamp: nothing re-encoded.
    const raw = (typeof input === 'string' ? JSON.parse(input) : input) as { resources: string[]; detail: { state: { timestamp: string } } };
    expect(event.incidentKey).toBe(`${raw.resources[0]}#${raw.detail.state.timestamp}`);
  });

  it('keeps the longest reason and reason data SetAlarmState takes whole, the reason data parsed', () => {
    const { state } = parseAlarmEvent(delivered('adapted-set-alarm-state-longest-unicode-reason'));
    expect(characterCount(state.reason)).toBe(1023);
    expect(state.reasonData).toMatchObject({ version: '1.0', source: 'set-alarm-state', note: expect.stringMatching(/^通知キューの滞留を手動で確認中。/) });
  });

  // Decision 287: SetAlarmState's 4000 characters of JSON can nest 2000 arrays deep; parsed, that value overflowed the
  // stack of JSON.stringify (and of any recursive reader). Kept as the text it came as, like reasonData that is not JSON.
  it('keeps reason data nested 2000 levels deep as the text it came as, and the event stays printable', () => {
    const event = structuredClone(fixture('alarm-state-change-single-metric')) as { detail: { state: { reasonData: string } } };
    event.detail.state.reasonData = `${'['.repeat(2000)}${']'.repeat(2000)}`;
    const parsed = parseAlarmEvent(event);
    expect(parsed.state.reasonData).toBe(event.detail.state.reasonData);
    expect(() => JSON.stringify(parsed)).not.toThrow();
    // 32 levels, the event's own bound, are still parsed.
    event.detail.state.reasonData = `${'['.repeat(32)}${']'.repeat(32)}`;
    expect(Array.isArray(parseAlarmEvent(event).state.reasonData)).toBe(true);
  });

  it('keeps the reasonData of a real INSUFFICIENT_DATA state: no datapoints, the evaluated timestamps', () => {
    expect(parseAlarmEvent(delivered('adapted-insufficient-data-now')).state).toMatchObject({
      reason: 'Insufficient Data: 1 datapoint was unknown.',
      reasonData: { recentDatapoints: [], evaluatedDatapoints: [{ timestamp: '2026-05-12T20:54:58.000+0000' }], period: 20 },
    });
  });

  it('names the mute rule and its window, as the current examples carry them', () => {
    expect(parseAlarmEvent(delivered('metric-math-muted')).mutedReason).toBe(
      'muted by alarm mute rule arn:aws:cloudwatch:us-east-1:1234567890:alarm-mute-rule:testMute (window 2026-01-01T10:00:00.000+0000 to 2026-01-01T12:00:00.000+0000)',
    );
  });

  it('keeps the suppression a composite alarm\'s previous state had, and takes the new state as not suppressed', () => {
    const event = parseAlarmEvent(delivered('adapted-composite-suppression-ended'));
    expect(event.previousState).toMatchObject({ value: 'ALARM', actionsSuppressedBy: 'WaitPeriod', actionsSuppressedReason: 'Actions suppressed by WaitPeriod' });
    expect(event.state.actionsSuppressedBy).toBeUndefined();
    expect(event.state.reasonData).toEqual({
      triggeringAlarms: [{ arn: 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:CompositeDemo.FirstChild', state: { value: 'ALARM', timestamp: '2023-08-04T12:54:46.138+0000' } }],
    });
  });

  it('keeps the evaluation state CloudWatch wrote (PARTIAL_DATA) on the state that has it, and on no other', () => {
    const event = parseAlarmEvent(delivered('metrics-insights-partial-data'));
    expect(event.state).toMatchObject({ value: 'ALARM', evaluationState: 'PARTIAL_DATA', timestamp: '2022-11-08T11:26:05.401+0000' });
    expect(event.state.reasonData).toMatchObject({ period: 60, recentDatapoints: [20000, 20000, 20000], threshold: 0 });
    expect(event.previousState).toEqual({ value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', timestamp: '2022-11-08T11:25:51.227+0000' });
    expect(event.metrics).toEqual([{ id: 'm2', expression: 'SELECT SUM(PartialDataTestMetric) FROM partial_data_test', returnData: true, period: 60, dimensions: {} }]);
    expect(parseAlarmEvent(fixture('alarm-state-change-single-metric')).state.evaluationState).toBeUndefined();
  });

  it('names the replay a replayed event came from, and gives it the incident key of the live delivery it repeats', () => {
    const replayed = parseAlarmEvent(delivered('adapted-replayed-from-archive'));
    const live = parseAlarmEvent(fixture('alarm-state-change-single-metric'));
    expect(replayed.replayName).toBe('replay_archive');
    expect(live.replayName).toBeUndefined();
    expect(replayed.incidentKey).toBe(live.incidentKey);
    expect({ ...replayed, replayName: undefined }).toEqual({ ...live, replayName: undefined });
  });

  it.each<[string, unknown, string]>([
    ['an empty replay-name', { ...(sample('adapted-replayed-from-archive').event ?? {}), 'replay-name': '' }, 'replay-name: must not be empty'],
    ['a replay-name of 65 characters (EventBridge: at most 64)', { ...(sample('adapted-replayed-from-archive').event ?? {}), 'replay-name': 'r'.repeat(65) }, 'replay-name: must be at most 64 characters'],
    ['a replay-name that is no string', { ...(sample('adapted-replayed-from-archive').event ?? {}), 'replay-name': 7 }, 'replay-name: expected a string'],
  ])('refuses %s, naming why', (_what, input, message) => {
    expect(rejection(() => parseAlarmEvent(input)).message).toBe(message);
  });

  it('keeps a previousState without reasonData as one without it', () => {
    const event = parseAlarmEvent(fixture('alarm-state-change-metric-math'));
    expect(event.previousState).toEqual({ value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', timestamp: '2019-10-02T17:20:03.642+0000' });
  });

  // zod 4.6's maxLength counts a string's code points once its length is over the bound (checked: 250 emoji, 500
  // units, pass maxLength(255)); this holds that, for the alarm name and for the timer that carries it.
  it('takes an alarm name of 255 characters that JavaScript counts as 498 code units', () => {
    const event = parseAlarmEvent(delivered('adapted-255-character-emoji-alarm-name'));
    expect(event.alarmName.length).toBe(498);
    expect(characterCount(event.alarmName)).toBe(255);
    expect(event.alarmArn.endsWith(`:alarm:${event.alarmName}`)).toBe(true);
  });

  it('still refuses 256 characters, however they are encoded', () => {
    const base = sample('adapted-255-character-emoji-alarm-name').event as { detail: { alarmName: string }; resources: string[] };
    const name = `${base.detail.alarmName}🔥`;
    const event = { ...base, detail: { ...base.detail, alarmName: name }, resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`] };
    expect(rejection(() => parseAlarmEvent(event)).message).toBe('detail.alarmName: must be at most 255 characters');
  });

  it.each<[string, unknown, RegExp]>([
    ['a Metrics Insights contributor state change', fixture('alarm-contributor-state-change'), /^unsupported detail-type "CloudWatch Alarm Contributor State Change"/],
    ['an alarm configuration change (update)', fixture('alarm-configuration-change-update'), /^unsupported detail-type "CloudWatch Alarm Configuration Change"/],
    ['an alarm configuration change (create, composite)', delivered('configuration-change-create-composite'), /^unsupported detail-type "CloudWatch Alarm Configuration Change"/],
    ['an alarm configuration change (delete, its region "us-east-*" as published)', delivered('configuration-change-delete-metric-math'), /^unsupported detail-type "CloudWatch Alarm Configuration Change"/],
    ['an alarm configuration change (create, composite with an actions suppressor)', delivered('configuration-change-create-composite-with-suppressor'), /^unsupported detail-type "CloudWatch Alarm Configuration Change"/],
    ['an alarm configuration change (delete, composite suppressed by WaitPeriod, region "us-east-*")', delivered('configuration-change-delete-composite-with-suppressor'), /^unsupported detail-type "CloudWatch Alarm Configuration Change"/],
    // As the page prints it, "Remove" after "alarmActions": [] included: not JSON, refused as such.
    ['the update-with-suppressor configuration change as published (not JSON)', delivered('configuration-change-update-with-suppressor-as-published'), /^event is not valid JSON: /],
    // Fails on the code before decision 116, which said only "detail-type: required".
    [
      'the payload of an alarm action that invokes a function directly',
      delivered('lambda-alarm-action-metric'),
      /^a CloudWatch alarm action payload \(alarmData\), not an EventBridge "CloudWatch Alarm State Change" event: the runbooks take alarms through EventBridge rules/,
    ],
    [
      'the payload of a composite alarm\'s action (suppression ended, ALARM -> ALARM)',
      delivered('lambda-alarm-action-composite-suppression-ended'),
      /^a CloudWatch alarm action payload \(alarmData\), not an EventBridge "CloudWatch Alarm State Change" event/,
    ],
    // An EventBridge envelope around an alarm-action body (a public fixture, not an AWS shape): no detail, no event.
    ['an EventBridge envelope whose detail is named alarmData', delivered('envelope-with-alarmdata-instead-of-detail'), /^detail: required$/],
  ])('rejects %s, naming why', (_what, input, message) => {
    const error = rejection(() => parseAlarmEvent(input));
    expect(error.message).toMatch(message);
    expect(error.details.length).toBeGreaterThan(0);
  });
});

describe('the region and the alarm ARN\'s partition, as the SDK\'s partition table has them (decision 129)', () => {
  /** The documented single-metric example moved to `region`, its ARN in `partition` (the partition table's for the region unless given). */
  function inRegion(region: string, partition = partitionOf(region)): Record<string, unknown> {
    return { ...fixture('alarm-state-change-single-metric'), region, resources: [`arn:${partition}:cloudwatch:${region}:123456789012:alarm:ServerCpuTooHigh`] };
  }

  // A region of each of the eight partitions in @aws-sdk/core's partitions.js (three of aws).
  it.each([
    ['us-east-1', 'aws'],
    ['ap-southeast-2', 'aws'],
    ['il-central-1', 'aws'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['eusc-de-east-1', 'aws-eusc'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
    ['us-isof-south-1', 'aws-iso-f'],
    ['eu-isoe-west-1', 'aws-iso-e'],
  ])('takes an alarm in %s, its ARN in partition %s', (region, partition) => {
    expect(parseAlarmEvent(inRegion(region))).toMatchObject({ region, alarmArn: `arn:${partition}:cloudwatch:${region}:123456789012:alarm:ServerCpuTooHigh` });
  });

  it.each([
    ['a region no partition has', inRegion('zz-east-1'), 'region: expected an AWS region such as us-east-1'],
    ['a European Sovereign Cloud region outside its table (eusc-fr-)', inRegion('eusc-fr-east-1'), 'region: expected an AWS region such as us-east-1'],
    ['a region in capitals', inRegion('US-EAST-1'), 'region: expected an AWS region such as us-east-1'],
    [
      'an alarm ARN in the commercial partition for eusc-de-east-1',
      inRegion('eusc-de-east-1', 'aws'),
      'resources[0]: alarm ARN "arn:aws:cloudwatch:eusc-de-east-1:123456789012:alarm:ServerCpuTooHigh" names partition aws, but region eusc-de-east-1 is in aws-eusc',
    ],
    [
      'an alarm ARN in the China partition for us-east-1',
      inRegion('us-east-1', 'aws-cn'),
      'resources[0]: alarm ARN "arn:aws-cn:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh" names partition aws-cn, but region us-east-1 is in aws',
    ],
  ])('refuses %s, naming why', (_what, input, message) => {
    expect(rejection(() => parseAlarmEvent(input)).message).toBe(message);
  });
});

describe('an alarm forwarded from the workload account to the operations bus', () => {
  // EventBridge delivers a forwarded event unchanged: account and resources stay the workload account's.
  const workload = (account: string) => ({ kind: 'known' as const, account, source: 'environments.production.accountId' });

  it.each<[string, unknown]>([
    ['single-metric', fixture('alarm-state-change-single-metric')],
    ['metric-math', fixture('alarm-state-change-metric-math')],
    ['composite', fixture('alarm-state-change-composite')],
    ['captured SQS body (account 204772699175)', delivered('captured-sqs-body-high-resolution')],
  ])('is taken when the workload account is the event account (%s)', (_what, input) => {
    const event = parseAlarmEvent(input);
    expect(() => refuseForeignAccount(event, workload(event.account))).not.toThrow();
  });

  it.each<[string, unknown]>([
    ['single-metric', fixture('alarm-state-change-single-metric')],
    ['captured SQS body', delivered('captured-sqs-body-high-resolution')],
  ])('is refused when the event names another account than the configured workload (%s)', (_what, input) => {
    const event = parseAlarmEvent(input);
    expect(rejection(() => refuseForeignAccount(event, workload('111122223333'))).message).toBe(
      `alarm event for "${event.alarmName}" names account ${event.account}, not this deployment's workload account 111122223333 (environments.production.accountId): refused, nothing read or changed there`,
    );
  });

  // Not a published sample: the documented metric-math example with MetricDataQuery's AccountId on m1, the field a
  // cross-account (observability) alarm carries. Fails on the code before decision 116, which took it and let the
  // playbook act on a same-named resource in the alarm's own account.
  it('refuses an alarm whose metric is another account\'s, even when the alarm is the workload account\'s', () => {
    const raw = fixture('alarm-state-change-metric-math') as { detail: { configuration: { metrics: Array<Record<string, unknown>> } } };
    (raw.detail.configuration.metrics[1] as Record<string, unknown>).accountId = '444455556666';
    const event = parseAlarmEvent(raw);
    expect(event.metrics.map((series) => series.accountId)).toEqual([undefined, '444455556666', undefined]);
    const error = rejection(() => refuseForeignAccount(event, workload('123456789012')));
    expect(error.message).toBe(
      'alarm "TotalNetworkTrafficTooHigh" of account 123456789012 reads another account\'s metrics (m1: 444455556666): a playbook acts only on resources in the alarm\'s own account',
    );
    expect(error.details).toEqual(['metrics.m1.accountId: 444455556666']);
  });

  it('takes a metric whose accountId is the alarm\'s own', () => {
    const raw = fixture('alarm-state-change-metric-math') as { detail: { configuration: { metrics: Array<Record<string, unknown>> } } };
    (raw.detail.configuration.metrics[1] as Record<string, unknown>).accountId = '123456789012';
    expect(() => refuseForeignAccount(parseAlarmEvent(raw), workload('123456789012'))).not.toThrow();
  });
});

describe('the alarm handlers\' targets on AWS samples', () => {
  const runtime = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', RUNBOOK_CONFIG_JSON: '{}' });
  const byName = playbooks as unknown as Record<string, { resolveTarget: (event: AlarmStateChange, config: typeof runtime) => unknown }>;
  const names = Object.keys(byName);
  const resolve = (name: string, event: AlarmStateChange): unknown => {
    const playbook = byName[name];
    if (!playbook) throw new Error(`no playbook ${name}`);
    return playbook.resolveTarget(event, runtime);
  };

  it('knows the seven alarm handlers', () => {
    expect(names.sort()).toEqual(['alert-error-rate', 'check-db-connections', 'inspect-security-groups', 'raise-lambda-memory', 'scale-consumers', 'scale-up-database', 'watch-standby']);
  });

  // AWS's examples watch an EC2 instance, a DynamoDB query or other alarms: none names a resource of ours, so every
  // handler refuses them as input (logged, no AWS call: the handler's resolveTarget runs before any client is used).
  it.each<[string, unknown]>([
    ['single-metric (EC2 CPUUtilization)', fixture('alarm-state-change-single-metric')],
    ['metric-math (EC2 NetworkIn + NetworkOut)', fixture('alarm-state-change-metric-math')],
    ['anomaly-detection (EC2 CPUUtilization band)', fixture('alarm-state-change-anomaly-detection')],
    ['composite', fixture('alarm-state-change-composite')],
    ['Metrics Insights', fixture('alarm-state-change-metrics-insights')],
    ['composite over our alarms (adapted)', delivered('adapted-composite-over-our-alarms')],
  ])('every handler refuses the %s example as naming none of its resources', (_what, input) => {
    const event = parseAlarmEvent(input);
    for (const name of names) {
      expect(() => resolve(name, event)).toThrow(InvalidInputError);
    }
  });

  it('scale-consumers finds the queue in the metric-math alarm over it, the series its expression reads', () => {
    const event = parseAlarmEvent(delivered('adapted-queue-depth-metric-math'));
    expect(resolve('scale-consumers', event)).toMatchObject({ queueName: 'notification-service-queue' });
  });
});

/** The datapoints a reasonData lists ({"recentDatapoints":[72.5,81.0]}), if any. */
function recentDatapoints(reasonData: unknown): number[] | undefined {
  if (typeof reasonData !== 'object' || reasonData === null) return undefined;
  const points = (reasonData as { recentDatapoints?: unknown }).recentDatapoints;
  if (!Array.isArray(points)) return undefined;
  const numbers = points.filter((p): p is number => typeof p === 'number' && Number.isFinite(p));
  return numbers.length > 0 ? numbers : undefined;
}

describe('the reasonData of AWS samples, as the parser keeps it', () => {
  // What CloudWatch writes in the parsed reasonData differs by kind of alarm: threshold and datapoints, bands, triggering
  // alarms, or nothing. It is the caller's word (SetAlarmState writes it): scale-up-database reads CloudWatch's metric
  // instead (decision 217); the text is kept for people.
  it.each<[string, unknown, number[] | undefined, number | undefined]>([
    ['single-metric (threshold 50)', fixture('alarm-state-change-single-metric'), [99.50160229693434], 50],
    ['metric-math (threshold 10000)', fixture('alarm-state-change-metric-math'), [45628], 10000],
    ['anomaly-detection (bands, no threshold)', fixture('alarm-state-change-anomaly-detection'), [0], undefined],
    ['captured SQS body (evaluatedDatapoints)', delivered('captured-sqs-body-high-resolution'), [99.83333333333333], 20],
    ['INSUFFICIENT_DATA: no datapoints (adapted)', delivered('adapted-insufficient-data-now'), undefined, 20],
    ['composite (triggeringAlarms)', fixture('alarm-state-change-composite-suppressed'), undefined, undefined],
    ['Metrics Insights (no reasonData)', fixture('alarm-state-change-metrics-insights'), undefined, undefined],
  ])('%s', (_what, input, datapoints, threshold) => {
    const { reasonData } = parseAlarmEvent(input).state;
    expect(recentDatapoints(reasonData)).toEqual(datapoints);
    expect((reasonData as { threshold?: unknown } | undefined)?.threshold).toBe(threshold);
  });

  it('keeps the evaluated datapoints of a real delivery, with their sample counts', () => {
    expect(parseAlarmEvent(delivered('captured-sqs-body-high-resolution')).state.reasonData).toMatchObject({
      evaluatedDatapoints: [{ timestamp: '2026-05-12T20:58:58.000+0000', sampleCount: 1, value: 99.83333333333333 }],
    });
  });
});

describe('the alarm handlers\' decision on AWS samples, before any AWS call', () => {
  // Each real playbook through the pipeline's entry (runPlaybook), with services that record every call: a muted alarm
  // is recorded as skipped and a composite is refused, both before the alarm is re-read, a claim taken or a client used.
  // Each handler runs where it is deployed (watch-standby in the DR region) and takes only the alarms routed to it
  // (decision 184): AWS's samples name alarms of their own, so each is relabelled as one of the handler's alarms, in its
  // name, its ARN and its region, to reach what the case is about.
  const regionOf = (name: string): string => (name === 'watch-standby' ? 'us-west-2' : 'us-east-1');
  const runtimeIn = (region: string) => loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region, RUNBOOK_CONFIG_JSON: '{}' });
  const byName = playbooks as unknown as Record<string, Playbook<unknown, { resource: ResourceRef }, unknown, unknown>>;
  /** The sample as one of `name`'s own alarms in its region. */
  function asOwnAlarm(name: string, input: unknown): Record<string, unknown> {
    const region = regionOf(name);
    const own = alarmSpecs(runtimeIn(region).config, 'production', region).find((spec) => spec.handler === name)?.name;
    if (!own) throw new Error(`no alarm of ${name} in ${region}`);
    const event = renamed((typeof input === 'string' ? JSON.parse(input) : input) as Record<string, unknown>, own) as { region: string; resources: string[] };
    event.resources = event.resources.map((arn) => arn.replace(`:cloudwatch:${event.region}:`, `:cloudwatch:${region}:`));
    event.region = region;
    return event as unknown as Record<string, unknown>;
  }

  /**
   * The decision, every call the pipeline made (into `calls`, kept when the run throws) and what it published. `alarm`:
   * what DescribeAlarms answers (recorded as a call); without it the re-read is refused like every other call.
   */
  async function decide(name: string, input: unknown, calls: string[] = [], alarm?: CurrentAlarmState): Promise<{ decision: Decision; calls: string[]; published: Decision[] }> {
    const runtime = runtimeIn(regionOf(name));
    const playbook = byName[name];
    if (!playbook) throw new Error(`no playbook ${name}`);
    const published: Decision[] = [];
    const refused = (what: string) => async (): Promise<never> => {
      calls.push(what);
      throw new Error(`${what} called`);
    };
    const services: PipelineServices = {
      store: {
        claim: refused('claim'),
        recordIntent: refused('recordIntent'),
        complete: refused('complete'),
        release: refused('release'),
        getResourceState: refused('getResourceState'),
        reserveChange: refused('reserveChange'),
        appendAudit: refused('appendAudit'),
        recordVerifyDue: refused('recordVerifyDue'),
      },
      reporter: { log: () => undefined, count: () => undefined, publish: async (d) => void published.push(d) },
      killSwitch: { read: refused('killSwitch.read') },
      alarms: {
        current: alarm
          ? async () => {
              calls.push('DescribeAlarms');
              return alarm;
            }
          : refused('DescribeAlarms'),
      },
    };
    const decision = await runPlaybook(
      { playbook, clients: new Proxy({}, { get: (_t, key) => calls.push(`clients.${String(key)}`) }), services, runtime, clock: { now: () => new Date('2026-12-06T05:00:00Z'), sleep: async () => undefined }, logger: new Logger({ logLevel: 'SILENT' }) },
      input,
    );
    return { decision, calls, published };
  }

  it.each<[string, unknown]>([
    ['single-metric (current example)', fixture('alarm-state-change-muted')],
    ['metric-math (current example)', delivered('metric-math-muted')],
    ['anomaly-detection (current example)', delivered('anomaly-detection-muted')],
  ])('every handler records the muted %s as skipped and calls nothing', async (_what, input) => {
    for (const name of Object.keys(byName)) {
      const { decision, calls, published } = await decide(name, asOwnAlarm(name, input));
      expect(decision).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^alarm is muted: muted by alarm mute rule arn:aws:cloudwatch:us-east-1:1234567890:alarm-mute-rule:testMute/) });
      expect(calls).toEqual([]);
      expect(published).toEqual([decision]);
    }
  });

  it.each<[string, unknown]>([
    ['composite whose suppression ended (adapted)', delivered('adapted-composite-suppression-ended')],
    ['composite (documented, no suppressor)', fixture('alarm-state-change-composite')],
  ])('every handler refuses the %s as input and calls nothing', async (_what, input) => {
    for (const name of Object.keys(byName)) {
      const { decision, calls, published } = await decide(name, asOwnAlarm(name, input));
      expect(decision).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/is a composite alarm without a metric/) });
      expect(calls).toEqual([]);
      expect(published).toEqual([]);
    }
  });

  // As AWS published them: alarms nobody routed to these handlers. Fails on the code before decision 184, which took
  // any alarm name (the muted ones were recorded as skipped, published on the bus).
  it.each<[string, unknown]>([
    ['single-metric (2019 example)', fixture('alarm-state-change-single-metric')],
    ['muted single-metric (current example)', fixture('alarm-state-change-muted')],
    ['muted metric-math (current example)', delivered('metric-math-muted')],
    ['composite (documented, no suppressor)', fixture('alarm-state-change-composite')],
  ])('every handler refuses the %s as an alarm it does not watch, and calls nothing', async (_what, input) => {
    for (const name of Object.keys(byName)) {
      const { decision, calls, published } = await decide(name, input);
      expect(decision).toMatchObject({ outcome: 'rejected' });
      expect(decision.reason).toMatch(new RegExp(`^alarm ".+" is not one the production environment watches with ${name} in ${regionOf(name)}: refused, nothing read or changed$`));
      expect(calls).toEqual([]);
      expect(published).toEqual([]);
    }
  });

  // Decision 342: the workload's forwarding rule forwards every state change of an alarm named with the configuration's
  // prefix ("NotificationService "), so anyone in that account who may create an alarm can name one so. The operations
  // account's rules list their alarms by name and drop it; should one ever reach a handler, the handler refuses it too:
  // a name of another row's shape, of its own row's shape on a resource it does not watch, and of no row at all.
  it.each([
    ["its own row's title on a queue it does not watch", 'NotificationService Queue Depth > 1000 (someone-elses-queue)'],
    ["another row's title on the watched function", 'NotificationService Memory Pressure > 0 (notification-service-consumer)'],
    ['no row\'s title at all', 'NotificationService Anything At All'],
  ])('every handler refuses an alarm named with the configuration\'s prefix that no row routes to it (%s), and calls nothing', async (_what, alarmName) => {
    for (const name of Object.keys(byName)) {
      const region = regionOf(name);
      const event = renamed(fixture('alarm-state-change-single-metric') as Record<string, unknown>, alarmName) as { region: string; resources: string[] };
      event.resources = event.resources.map((arn) => arn.replace(`:cloudwatch:${event.region}:`, `:cloudwatch:${region}:`));
      event.region = region;
      const { decision, calls, published } = await decide(name, event);
      expect(decision).toMatchObject({ outcome: 'rejected', reason: `alarm "${alarmName}" is not one the production environment watches with ${name} in ${region}: refused, nothing read or changed` });
      expect(calls).toEqual([]);
      expect(published).toEqual([]);
    }
  });

  // Decision 274. EventBridge re-sends an archived event as it was, plus replay-name: the 2019 example's state change is
  // seven years before this clock, far older than the 15 days its claim is sure to be kept (decision 286). Fails without the
  // check in run-playbook.ts's admit: the replay goes on to DescribeAlarms (and, the alarm still in ALARM since then and
  // the claim gone, would remediate the state change again).
  it('every handler refuses a replay of a state change older than the records kept, and calls nothing', async () => {
    for (const name of Object.keys(byName)) {
      const { decision, calls, published } = await decide(name, asOwnAlarm(name, delivered('adapted-replayed-from-archive')));
      expect(decision).toMatchObject({
        outcome: 'rejected',
        reason: expect.stringMatching(/^replayed event \(EventBridge replay "replay_archive"\) of alarm ".+"'s state change of 2019-10-02T17:04:40\.989\+0000, 2621 days ago: older than the 15 days within which the records are sure to tell a handled state change \(every claim is kept at least that long\), so whether it was handled cannot be told; not acted on, nothing read or changed \(to act on it, run the playbook's runbook by hand\)$/),
        findings: ['replay-name: replay_archive', 'state.timestamp: 2019-10-02T17:04:40.989+0000'],
      });
      expect(calls).toEqual([]);
      expect(published).toEqual([]);
    }
  });

  /** The sample as one of `name`'s alarms, its state change `daysAgo` before the tests' clock (2026-12-06T05:00Z). */
  function changedDaysAgo(name: string, input: unknown, daysAgo: number): Record<string, unknown> {
    const event = asOwnAlarm(name, input) as { detail: { state: { timestamp: string } } };
    event.detail.state.timestamp = new Date(Date.parse('2026-12-06T05:00:00Z') - daysAgo * 86_400_000).toISOString().replace('Z', '+0000');
    return event as unknown as Record<string, unknown>;
  }

  // At the records' age and within it a replay is a delivery of the same state change: re-read like any other (its
  // claim then says whether it was handled: test/integration/handlers/aws-samples.test.ts replays an applied one). The
  // queue's metric-math sample, so that scale-consumers finds its target and reaches the re-read.
  const queueSample = (replayName?: string): Record<string, unknown> => {
    const event = structuredClone(sample('adapted-queue-depth-metric-math').event ?? {});
    return replayName === undefined ? event : { ...event, 'replay-name': replayName };
  };
  it.each<[string, string, Record<string, unknown>, number]>([
    ['a replay of a state change 15 days old (every claim is kept at least that long)', 'DescribeAlarms', queueSample('replay_archive'), 15],
    ['a replay of a state change 5 days old', 'DescribeAlarms', queueSample('replay_archive'), 5],
    ['a live delivery of a state change 2621 days old (no replay-name: the age is not judged)', 'DescribeAlarms', queueSample(), 2621],
    // Review 18, R18-6: recordRetentionDays is 90 now, but a claim taken while it was 30 is gone at 30 days.
    ['a replay of a state change 45 days old (within the 90 days configured now, but a claim taken under 30 is gone)', 'nothing', queueSample('replay_archive'), 45],
    ['a replay of a state change 16 days old', 'nothing', queueSample('replay_archive'), 16],
  ])('scale-consumers, for %s: first call %s', async (_what, first, input, daysAgo) => {
    const calls: string[] = [];
    // Past the re-read the services refuse every call (the claim throws): only how far the event got is asserted.
    const decision = await decide('scale-consumers', changedDaysAgo('scale-consumers', input, daysAgo), calls).then(
      (result) => result.decision,
      () => undefined,
    );
    expect(calls[0] ?? 'nothing').toBe(first);
    if (first === 'nothing') expect(decision).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(new RegExp(`^replayed event .*, ${daysAgo} days ago: older than the 15 days`)) });
  });

  // The partial-data page's alarm queries a Metrics Insights table: routed to none of the handlers, and, relabelled as
  // one of theirs, naming none of their resources. Either way refused before any AWS call.
  it('every handler refuses the Metrics Insights alarm evaluated on partial data, as published and as one of its own alarms, and calls nothing', async () => {
    for (const name of Object.keys(byName)) {
      const published = await decide(name, delivered('metrics-insights-partial-data'));
      expect(published.decision).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/^alarm "my-alarm-name" is not one the production environment watches with /) });
      const own = await decide(name, asOwnAlarm(name, delivered('metrics-insights-partial-data')));
      expect(own.decision).toMatchObject({ outcome: 'rejected' });
      expect(own.decision.reason).not.toMatch(/not one the production environment watches/);
      expect([...published.calls, ...own.calls, ...published.published, ...own.published]).toEqual([]);
    }
  });

  // Decision 287. The samples below as each handler's own alarm *with its own metrics* (the alarm infra deploys for it,
  // shared/config/alarm-specs.ts), so a case reaches past the target to the re-read, as a genuine delivery would.
  const ownSpec = (name: string) => {
    const spec = alarmSpecs(runtimeIn(regionOf(name)).config, 'production', regionOf(name)).find((s) => s.handler === name);
    if (!spec) throw new Error(`no alarm of ${name}`);
    return spec;
  };
  /** The sample as `name`'s own alarm, its configuration.metrics those of that alarm as CloudWatch's events write them. */
  function withOwnMetrics(name: string, input: unknown): Record<string, unknown> {
    const event = asOwnAlarm(name, input) as { detail: { configuration: { metrics: unknown[] } } };
    const { metric } = ownSpec(name);
    const metricStat = (m: { namespace: string; metricName: string; dimensions: Record<string, string>; periodSeconds: number }, stat: string) => ({
      metric: { namespace: m.namespace, name: m.metricName, dimensions: m.dimensions },
      period: m.periodSeconds,
      stat,
    });
    event.detail.configuration.metrics =
      metric.kind === 'single'
        ? [{ id: 'm1', metricStat: metricStat(metric.metric, metric.statistic ?? metric.extendedStatistic ?? 'Average'), returnData: true }]
        : [
            { id: metric.expressionId, expression: metric.expression, label: metric.label, returnData: true },
            ...metric.inputs.map((input) => ({ id: input.id, metricStat: metricStat(input.metric, input.stat), returnData: false })),
          ];
    return event as unknown as Record<string, unknown>;
  }
  /** How far a run got: its first call ('nothing' when none), every other call refused (the run throws past the re-read). */
  async function firstCall(name: string, input: unknown): Promise<string> {
    const calls: string[] = [];
    await decide(name, input, calls).catch(() => undefined);
    return calls[0] ?? 'nothing';
  }

  // Fails with the parser's 10 KiB string bound (before decision 287): every handler refused its own genuine alarm,
  // "detail.state.reasonData: string exceeds 10240 bytes", no remediation, no incident.
  it('every handler takes its own alarm set by SetAlarmState with the longest reason and reason data CloudWatch accepts, in Japanese, and re-reads the alarm', async () => {
    const reasonData = (sample('adapted-set-alarm-state-longest-unicode-reason').event as { detail: { state: { reasonData: string } } }).detail.state.reasonData;
    expect([reasonData.length, new TextEncoder().encode(reasonData).length]).toEqual([4000, 11892]);
    for (const name of Object.keys(byName)) {
      expect([name, await firstCall(name, withOwnMetrics(name, delivered('adapted-set-alarm-state-longest-unicode-reason')))]).toEqual([name, 'DescribeAlarms']);
    }
  });

  it('every handler acts on its own alarm going INSUFFICIENT_DATA -> ALARM (a captured delivery) as on any ALARM: it re-reads the alarm first', async () => {
    const captured = JSON.parse(delivered('captured-sqs-body-high-resolution') as string) as unknown;
    for (const name of Object.keys(byName)) {
      expect([name, await firstCall(name, withOwnMetrics(name, captured))]).toEqual([name, 'DescribeAlarms']);
    }
  });

  it('every handler skips its own alarm going ALARM -> INSUFFICIENT_DATA: logged and counted, nothing published, nothing called', async () => {
    for (const name of Object.keys(byName)) {
      const { decision, calls, published } = await decide(name, withOwnMetrics(name, delivered('adapted-insufficient-data-now')));
      expect(decision).toMatchObject({ outcome: 'skipped', reason: `${name} does not act on state INSUFFICIENT_DATA`, alarmState: 'INSUFFICIENT_DATA' });
      expect([...calls, ...published]).toEqual([]);
    }
  });

  // The band alarm fired because the queue was *emptier* than expected (0.0 under the lower band): scaling the consumers
  // up on it would be wrong. The alarm CloudWatch answers is the threshold alarm infra deployed, so the event's two series
  // are not its one metric: refused at the re-read, before any claim. (Had the alarm itself been edited into this band,
  // the re-read would bind it and queue-backup-plan.ts's corroboration, the depth against the configured 1000, decides.)
  it('scale-consumers refuses the anomaly band over its queue when the alarm it re-reads is the deployed threshold alarm, and claims nothing', async () => {
    const calls: string[] = [];
    const deployed: CurrentAlarmState = {
      value: 'ALARM',
      updatedAt: new Date('2019-10-03T16:00:04.653Z'),
      updatedAtFrom: 'StateTransitionedTimestamp',
      definition: { kind: 'single', series: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'notification-service-queue' } } },
    };
    const { decision, published } = await decide('scale-consumers', delivered('adapted-anomaly-band-over-queue-depth'), calls, deployed);
    expect(decision).toMatchObject({
      outcome: 'rejected',
      reason:
        'the event\'s metrics are not what alarm "NotificationService Queue Depth > 1000 (notification-service-queue)" watches (CloudWatch DescribeAlarms): metrics: the event lists 2 series, the alarm watches one metric; refused, nothing changed',
    });
    expect(calls).toEqual(['DescribeAlarms']);
    expect(published).toEqual([]);
  });

  it.each<[string, (event: Record<string, unknown>) => void, RegExp]>([
    // EventBridge delivers the account of the alarm's ARN; an event whose envelope names another is not CloudWatch's.
    ['whose envelope names another account than its alarm ARN', (event) => void (event.account = '444455556666'), /^resources\[0\]: alarm ARN ".+" does not match the event's region, account and detail\.alarmName$/],
    // CloudWatch cross-account observability: the monitoring account's alarm on a source account's metric (MetricDataQuery AccountId).
    [
      "reading the metric of another account (cross-account observability's AccountId)",
      (event) => void ((event as { detail: { configuration: { metrics: Array<Record<string, unknown>> } } }).detail.configuration.metrics[0]!.accountId = '444455556666'),
      /reads another account's metrics \(.+: 444455556666\): a playbook acts only on resources in the alarm's own account$/,
    ],
  ])('every handler refuses its own alarm %s, and calls nothing', async (_what, change, reason) => {
    for (const name of Object.keys(byName)) {
      const event = withOwnMetrics(name, fixture('alarm-state-change-single-metric'));
      change(event);
      const { decision, calls, published } = await decide(name, event);
      expect(decision).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(reason) });
      expect([...calls, ...published]).toEqual([]);
    }
  });
});

describe('the escalate handler\'s intake on AWS samples', () => {
  // planAlarmIntake is what handleAlarm decides from the parsed event (alarm name, state, muted) for a new incident.
  it.each<[string, unknown, string]>([
    ['a single-metric alarm in ALARM (2019 example)', fixture('alarm-state-change-single-metric'), 'open'],
    ['a composite alarm whose suppression ended, ALARM -> ALARM (adapted)', delivered('adapted-composite-suppression-ended'), 'open'],
    ['a composite alarm suppressed by WaitPeriod', fixture('alarm-state-change-composite-suppressed'), 'ignore'],
    ['a metric-math alarm under a mute rule (current example)', delivered('metric-math-muted'), 'ignore'],
    ['an anomaly-detection alarm under a mute rule (current example)', delivered('anomaly-detection-muted'), 'ignore'],
    ['an alarm now INSUFFICIENT_DATA (adapted)', delivered('adapted-insufficient-data-now'), 'ignore'],
    ['a Metrics Insights alarm in ALARM on partial data', delivered('metrics-insights-partial-data'), 'open'],
    ['a single-metric alarm in ALARM, replayed from an archive (adapted)', delivered('adapted-replayed-from-archive'), 'open'],
    ['a single-metric alarm set by SetAlarmState with the longest reason and reason data, in Japanese (adapted)', delivered('adapted-set-alarm-state-longest-unicode-reason'), 'open'],
    ['an anomaly-detection band over our queue depth in ALARM (adapted)', delivered('adapted-anomaly-band-over-queue-depth'), 'open'],
  ])('%s: %s', (_what, input, kind) => {
    const parsed = parseEscalateInput(input);
    if (parsed.kind !== 'alarm') throw new Error('expected an alarm');
    const { event } = parsed;
    expect(planAlarmIntake({ alarmName: event.alarmName, state: event.state.value, muted: event.muted }, undefined, event.state.timestamp).kind).toBe(kind);
  });
});

describe('parseEscalateInput on what AWS sends', () => {
  it.each<[string, unknown]>([
    ['single-metric', fixture('alarm-state-change-single-metric')],
    ['composite', fixture('alarm-state-change-composite-suppressed-muted')],
    ['captured SQS body', delivered('captured-sqs-body-high-resolution')],
    ['INSUFFICIENT_DATA now', delivered('adapted-insufficient-data-now')],
    ['255-character emoji alarm name', delivered('adapted-255-character-emoji-alarm-name')],
  ])('takes the %s state change as an alarm', (_what, input) => {
    expect(parseEscalateInput(input)).toMatchObject({ kind: 'alarm', event: { detailType: 'CloudWatch Alarm State Change' } });
  });

  it.each<[string, unknown, RegExp]>([
    ['a configuration change', delivered('configuration-change-create-composite'), /got detail-type "CloudWatch Alarm Configuration Change"$/],
    ['a configuration change of a composite with an actions suppressor', delivered('configuration-change-create-composite-with-suppressor'), /got detail-type "CloudWatch Alarm Configuration Change"$/],
    ['a contributor state change', fixture('alarm-contributor-state-change'), /got detail-type "CloudWatch Alarm Contributor State Change"$/],
    ['an alarm action payload', delivered('lambda-alarm-action-metric'), /got detail-type null$/],
    ['a composite alarm action payload', delivered('lambda-alarm-action-composite-suppression-ended'), /got detail-type null$/],
    ['an EventBridge envelope whose detail is named alarmData', delivered('envelope-with-alarmdata-instead-of-detail'), /^detail: required$/],
  ])('rejects %s', (_what, input, message) => {
    expect(rejection(() => parseEscalateInput(input)).message).toMatch(message);
  });
});

describe('EventBridge Scheduler hands the Lambda target exactly the Input we set', () => {
  // Scheduler's Lambda Invoke target passes the schedule's Input as the invocation payload; Lambda's Node.js runtime
  // hands the function the parsed JSON. Scheduler first replaces its context keywords (<aws.scheduler.scheduled-time>,
  // ...) wherever they occur in the Input text, an alarm's name included: deliveredInput (the sandbox's Scheduler) does
  // that, then parses. So: Input -> keywords replaced -> JSON.parse -> our parser.
  const scheduler = mockClient(SchedulerClient);
  beforeEach(() => scheduler.reset());
  const schedulerContext = { scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/notification-runbooks/x', scheduledTime: new Date('2026-12-05T12:15:00Z'), executionId: 'd32c5kddcf5bb8c3', attemptNumber: 1 };

  function inputsSent(): unknown[] {
    return scheduler.commandCalls(CreateScheduleCommand).map((call) => deliveredInput(call.args[0].input.Target?.Input, schedulerContext));
  }

  it('the sandbox replaces Scheduler\'s context keywords wherever they are in the Input text, as Scheduler does', () => {
    const raw = '{"a":"<aws.scheduler.attempt-number>","b":"x <aws.scheduler.execution-id> <aws.scheduler.scheduled-time>","c":"<aws.scheduler.schedule-arn>","d":"<b>"}';
    expect(deliveredInput(raw, { ...schedulerContext, attemptNumber: 3 })).toEqual({ a: '3', b: 'x d32c5kddcf5bb8c3 2026-12-05T12:15:00Z', c: schedulerContext.scheduleArn, d: '<b>' });
  });

  it('an Input carries no `<`, so no keyword, whatever the alarm is named; it parses to the same value', () => {
    const input = { action: 'escalate', alarm: { name: 'q <aws.scheduler.execution-id> < <aws.scheduler.attempt-number>' } };
    const text = schedulerInputText(input);
    expect(text).not.toContain('<');
    expect(text).toContain('\\u003caws.scheduler.execution-id>');
    expect(JSON.parse(text)).toEqual(input);
  });

  const alarmNames = [
    'ServerCpuTooHigh',
    'EC2 CPU Utilization Anomaly',
    (sample('adapted-unicode-alarm-name').event as { detail: { alarmName: string } }).detail.alarmName,
    (sample('adapted-255-character-emoji-alarm-name').event as { detail: { alarmName: string } }).detail.alarmName,
    // Names holding Scheduler's keywords (CloudWatch refuses only control characters in an alarm name): unescaped, the
    // timer would name another alarm than its incident and be refused, an escalation lost.
    'Queue <aws.scheduler.execution-id> depth',
    '<aws.scheduler.scheduled-time>',
    'p99 < 500 ms <aws.scheduler.attempt-number> <aws.scheduler.schedule-arn>',
  ];

  // A timer refused as input would be an escalation lost: the 255-character emoji name must come back whole.
  it.each(alarmNames.map((name) => [name.length > 40 ? `${name.slice(0, 20)}… (${characterCount(name)} characters)` : name, name]))(
    'escalation timers round-trip for the alarm "%s"',
    async (_label, name) => {
      scheduler.on(CreateScheduleCommand).resolves({});
      const timers = new TimerScheduler(scheduler as unknown as SchedulerClient, async () => ({
        timerFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:notification-runbooks-escalation-timer',
        schedulerRoleArn: 'arn:aws:iam::123456789012:role/notification-runbooks-scheduler',
        scheduleGroup: 'notification-runbooks',
      }));
      const check = { action: 'check' as const, incidentId: 'inc-3f2a9c1b7d44', alarm: { name, account: '123456789012' } };
      const escalate = { action: 'escalate' as const, incidentId: 'inc-3f2a9c1b7d44', level: 2, alarm: { name, account: '123456789012' } };
      await timers.schedule(check, new Date('2026-12-05T12:00:00Z'));
      await timers.schedule(escalate, new Date('2026-12-05T12:15:00Z'));
      expect(inputsSent().map((input) => parseTimerInput(input))).toEqual([check, escalate]);
    },
  );

  it.each<[string, unknown]>([
    ['single-metric', fixture('alarm-state-change-single-metric')],
    ['anomaly-detection (spaces in the name)', fixture('alarm-state-change-anomaly-detection')],
    ['unicode name (adapted)', delivered('adapted-unicode-alarm-name')],
    ['255-character emoji name (adapted)', delivered('adapted-255-character-emoji-alarm-name')],
    ['metric-math over our queue (adapted)', delivered('adapted-queue-depth-metric-math')],
    ['single-metric renamed to hold Scheduler keywords (adapted)', renamed(fixture('alarm-state-change-single-metric'), 'cpu <aws.scheduler.execution-id> <aws.scheduler.scheduled-time>')],
  ])('verify-change\'s health check round-trips for the %s incident', async (_what, raw) => {
    scheduler.on(CreateScheduleCommand).resolves({});
    const event = parseAlarmEvent(raw);
    const verify = new VerifyScheduler(scheduler as unknown as SchedulerClient, {}, 'us-east-1');
    const input = { action: 'verify-change' as const, playbook: 'scale-consumers', incidentKey: event.incidentKey };
    await verify.schedule(input, new Date('2026-12-05T12:10:00Z'), { account: event.account, about: event.alarmName });
    const [sent] = inputsSent();
    expect(parseVerifyChangeInput(sent)).toEqual(input);
    // And as the text Scheduler stored, had the runtime handed it over unparsed.
    expect(parseVerifyChangeInput(scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input.Target?.Input)).toEqual(input);
  });
});

describe('escalation-timer and verify-change, if an AWS event ever reached them', () => {
  // Both take only the Input the project's own Scheduler schedules carry (and escalation-timer the sweep rule's); an
  // alarm event or configuration change misrouted to them is input of another kind: refused, nothing read or changed.
  const events = readdirSync(SAMPLES)
    .filter((name) => name.endsWith('.json') && name !== 'fixtures-sources.json')
    .map((file) => [file, delivered(file.replace(/\.json$/, ''))] as [string, unknown]);
  it.each(events)('both refuse %s as input', (_file, input) => {
    expect(() => parseTimerInput(input)).toThrow(InvalidInputError);
    expect(() => parseVerifyChangeInput(input)).toThrow(InvalidInputError);
  });
});
