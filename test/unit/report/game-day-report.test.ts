import { createTimelineRecorder } from '../../../cli/demo/timeline-recorder';
import { alarmToChange, escapeHtml, renderReport, scriptJson, summaryLine } from '../../../cli/report/render-report';
import { parseTimeline, TimelineError, TIMELINE_FORMAT, type Timeline } from '../../../cli/report/timeline';
import type { Decision } from '../../../shared/pipeline/types';

const ASSETS = { uplotJs: 'window.uPlot = function () {};', uplotCss: '.uplot {}' };

function decision(overrides: Partial<Decision>): Decision {
  return {
    playbook: 'scale-consumers',
    outcome: 'applied',
    reason: 'MaximumConcurrency 50 -> 100',
    environment: 'production',
    region: 'us-east-1',
    dryRun: false,
    decidedAt: '2026-12-05T04:00:01.000Z',
    ...overrides,
  };
}

/** A recorder on a hand-driven clock, so every offset below is known exactly. */
function recordedRun(): Timeline {
  let nowMs = Date.parse('2026-12-05T04:00:00.000Z');
  const recorder = createTimelineRecorder('production', () => nowMs);
  recorder.begin('queue-backup', 'Queue Backup (Messages > 1000) -> scale consumers');
  recorder.chart({ label: 'queue depth', unit: 'messages' }, { label: 'MaximumConcurrency', unit: 'invocations' });
  recorder.sample({ metric: 1500, resource: 50 });
  nowMs += 1000;
  recorder.alarm('queue depth', 'OK', 'ALARM');
  nowMs += 500;
  recorder.decision(decision({ alarmState: 'ALARM', alarmToChangeMs: 480, blastRadius: 'one event source mapping' }));
  recorder.sample({ metric: 1400, resource: 100 });
  // Same instant again: the recorder keeps the series strictly increasing.
  recorder.sample({ metric: 1300 });
  nowMs += 2000;
  recorder.alarm('queue depth', 'ALARM', 'OK');
  recorder.end({ ok: true, summary: ['queue depth 1500 -> 0'] });
  recorder.begin('escalation', 'Escalation path');
  recorder.incident('inc-0123456789ab', { kind: 'notified', tier: 'DevOps Team (L1)', detail: 'notification via email' });
  nowMs += 100;
  recorder.incident('inc-0123456789ab', { kind: 'acknowledged', detail: 'runbook ack', clockAheadMinutes: 3 });
  recorder.decision(decision({ playbook: 'scale-consumers', outcome: 'escalate', escalation: { cause: 'cap-reached' }, reason: 'at the cap' }));
  recorder.end({ ok: false, summary: ['L2 was paged twice'] });
  return recorder.timeline();
}

describe('the game-day timeline recorder', () => {
  it('records offsets from each scenario start, and keeps each series strictly increasing', () => {
    const timeline = recordedRun();
    const [queue, escalation] = timeline.scenarios;
    expect(queue?.metric?.points).toEqual([
      [0, 1500],
      [1500, 1400],
      [1501, 1300],
    ]);
    expect(queue?.resource?.points).toEqual([
      [0, 50],
      [1500, 100],
    ]);
    expect(queue?.alarms).toEqual([
      { t: 1000, alarmName: 'queue depth', from: 'OK', to: 'ALARM' },
      { t: 3500, alarmName: 'queue depth', from: 'ALARM', to: 'OK' },
    ]);
    expect(queue?.decisions[0]).toMatchObject({ t: 1500, outcome: 'applied', alarmToChangeMs: 480, blastRadius: 'one event source mapping', alarmState: 'ALARM' });
    expect(queue?.durationMs).toBe(3500);
    expect(escalation?.incidents).toEqual([
      {
        incidentId: 'inc-0123456789ab',
        events: [
          { t: 0, kind: 'notified', tier: 'DevOps Team (L1)', detail: 'notification via email' },
          { t: 100, kind: 'acknowledged', detail: 'runbook ack', clockAheadMinutes: 3 },
        ],
      },
    ]);
    // What the recorder writes is what the report reads back.
    expect(parseTimeline(JSON.stringify(timeline))).toEqual(timeline);
  });

  it('refuses a sample for a series the scenario never named, and anything outside a scenario', () => {
    const recorder = createTimelineRecorder('staging', () => 0);
    expect(() => recorder.alarm('a', 'OK', 'ALARM')).toThrow(/outside a scenario/);
    recorder.begin('x', 'X');
    expect(() => recorder.sample({ metric: 1 })).toThrow(/never named/);
  });
});

describe('parseTimeline', () => {
  const valid = JSON.stringify(recordedRun());

  it.each([
    ['an empty file', '', /is empty/],
    ['a file of blanks', '  \n', /is empty/],
    ['a file cut off half way', valid.slice(0, Math.floor(valid.length / 2)), /not complete JSON .*truncated/],
    ['another tool\'s JSON', JSON.stringify({ format: 'something-else', scenarios: [] }), /format.*game-day-timeline@1|not a game-day timeline/],
    ['a timeline with no scenario', JSON.stringify({ ...JSON.parse(valid), scenarios: [] }), /scenarios: a game day with no scenario/],
    ['a sample that is not a number', valid.replace('[0,1500]', '[0,"1500"]'), /scenarios\.0\.metric\.points\.0\.1/],
  ])('rejects %s with a clear error', (_name, text, message) => {
    expect(() => parseTimeline(text, 'run.json')).toThrow(TimelineError);
    expect(() => parseTimeline(text, 'run.json')).toThrow(message);
  });
});

describe('renderReport', () => {
  it('puts one summary row per scenario, as the terminal prints it, with alarm -> change', () => {
    const timeline = recordedRun();
    const html = renderReport(timeline, ASSETS);
    const rows = [...html.matchAll(/<tr class="summary-row (PASS|FAIL)" data-line="([^"]*)">.*?<td class="alarm-to-change">([^<]*)<\/td>/g)].map((m) => [m[1], m[2], m[3]]);
    expect(rows).toEqual([
      ['PASS', 'PASS  Queue Backup (Messages &gt; 1000) -&gt; scale consumers', '480 ms'],
      ['FAIL', 'FAIL  Escalation path', 'no change (escalate: cap-reached)'],
    ]);
    expect(summaryLine(timeline.scenarios[0]!)).toBe('PASS  Queue Backup (Messages > 1000) -> scale consumers');
    expect(alarmToChange({ ...timeline.scenarios[0]!, decisions: [] })).toBe('no decision');
  });

  it('escapes text from outside (alarm reasons, log lines) and cannot be broken out of by the embedded data', () => {
    const hostile = '</script><script>alert(1)</script><img src=x onerror=alert(2)> & "quoted"';
    const timeline = recordedRun();
    timeline.scenarios[0]!.decisions[0]!.reason = hostile;
    timeline.scenarios[0]!.decisions[0]!.findings = [hostile];
    const html = renderReport(timeline, ASSETS);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(escapeHtml(hostile));
    // The JSON island holds the reason with < > & escaped as \u sequences, so it parses back to the same text.
    const island = /<script id="timeline-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    expect(island).not.toMatch(/<\/script/i);
    expect((JSON.parse(island) as Timeline).scenarios[0]?.decisions[0]?.reason).toBe(hostile);
    expect(scriptJson('\u2028')).toBe('"\\u2028"');
  });

  it('loads nothing from the network: a content security policy allows only what is inline', () => {
    const html = renderReport(recordedRun(), ASSETS);
    expect(html).toContain(`content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    expect(html).toContain(ASSETS.uplotJs);
    expect(html).toContain(TIMELINE_FORMAT);
  });
});
