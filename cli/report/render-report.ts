// Renders a game-day timeline as one self-contained HTML page: a summary table, per scenario a uPlot chart of the
// driving metric against the resource the automation changed (alarm states as bands, decisions as markers), the
// decisions with their blast radius, and per incident its escalation timeline. Pure: data in, text out.
import type { ScenarioTimeline, Timeline, TimelineDecision } from './timeline';

export interface ReportAssets {
  /** uPlot's own browser build (uPlot.iife.min.js) and stylesheet, inlined so the page loads nothing. */
  uplotJs: string;
  uplotCss: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

/** JSON safe inside a <script> element: no "</script>", no HTML comment openers, no JS line terminators. */
export const scriptJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

/** Inlined code must not close its own <script>/<style> element early. */
const inlineSafe = (code: string, element: 'script' | 'style'): string => code.replace(new RegExp(`</(${element})`, 'gi'), '<\\/$1');

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The terminal summary's line for a scenario, exactly as `runbook demo` prints it (without indentation). */
export const summaryLine = (scenario: Pick<ScenarioTimeline, 'title' | 'result'>): string => `${scenario.result.ok ? 'PASS' : 'FAIL'}  ${scenario.title}`;

/** Alarm -> change for a row: the first applied change's time, or what the row did instead. */
export function alarmToChange(scenario: ScenarioTimeline): string {
  const applied = scenario.decisions.find((d) => d.outcome === 'applied' && d.alarmToChangeMs !== undefined);
  if (applied) return `${Math.round(applied.alarmToChangeMs ?? 0)} ms`;
  const first = scenario.decisions.find((d) => d.outcome !== 'skipped') ?? scenario.decisions[0];
  if (!first) return 'no decision';
  return `no change (${first.outcome}${first.cause ? `: ${first.cause}` : ''})`;
}

function decisionItem(d: TimelineDecision, index: number): string {
  const head = `<span class="marker">#${index + 1}</span> <span class="t">t+${escapeHtml(seconds(d.t))}</span> <b>${escapeHtml(d.playbook)}</b> <span class="outcome ${escapeHtml(d.outcome)}">${escapeHtml(d.outcome.toUpperCase())}${d.cause ? ` (${escapeHtml(d.cause)})` : ''}</span>`;
  const lines = [`<div class="reason">${escapeHtml(d.reason)}</div>`];
  if (d.blastRadius) lines.push(`<div class="blast"><b>Blast radius:</b> ${escapeHtml(d.blastRadius)}</div>`);
  if (d.alarmToChangeMs !== undefined) lines.push(`<div><b>Alarm → change:</b> ${Math.round(d.alarmToChangeMs)} ms</div>`);
  if (d.runbook) lines.push(`<div><b>Runbook:</b> ${escapeHtml(d.runbook)}</div>`);
  if (d.findings?.length) lines.push(`<ul class="findings">${d.findings.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`);
  return `<li class="decision">${head}${lines.join('')}</li>`;
}

function incidentTable(incident: ScenarioTimeline['incidents'][number]): string {
  const rows = incident.events
    .map(
      (e) =>
        `<tr class="incident-event ${escapeHtml(e.kind)}"><td>t+${escapeHtml(seconds(e.t))}</td><td>${e.clockAheadMinutes !== undefined ? `+${e.clockAheadMinutes} min` : ''}</td><td>${escapeHtml(e.kind)}</td><td>${escapeHtml(e.tier ?? '')}</td><td>${escapeHtml(e.detail)}</td></tr>`,
    )
    .join('');
  return `<div class="incident" data-incident="${escapeHtml(incident.incidentId)}"><h4>Incident ${escapeHtml(incident.incidentId)}</h4><table><thead><tr><th>when</th><th>sandbox clock</th><th>what</th><th>tier</th><th>detail</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function scenarioSection(scenario: ScenarioTimeline, index: number): string {
  const chart = scenario.metric
    ? `<div class="chart" id="chart-${index}" data-scenario="${escapeHtml(scenario.name)}"></div><p class="legend-note">Shaded: the alarm in ALARM. Markers: the automation's decisions (numbered below). Time in seconds from the scenario's start; metric datapoints keep their CloudWatch timestamps.</p>`
    : '';
  const alarms = scenario.alarms.length
    ? `<p class="alarms">${scenario.alarms.map((a) => `t+${escapeHtml(seconds(a.t))} “${escapeHtml(a.alarmName)}” ${escapeHtml(a.from)} → ${escapeHtml(a.to)}`).join('<br>')}</p>`
    : '';
  const decisions = scenario.decisions.length ? `<ol class="decisions">${scenario.decisions.map(decisionItem).join('')}</ol>` : '<p>No decision was recorded.</p>';
  const incidents = scenario.incidents.length ? `<h3>Escalation</h3>${scenario.incidents.map(incidentTable).join('')}` : '';
  return `<section class="scenario ${scenario.result.ok ? 'pass' : 'fail'}" id="scenario-${escapeHtml(scenario.name)}">
<h2>${escapeHtml(scenario.title)} <span class="verdict">${scenario.result.ok ? 'PASS' : 'FAIL'}</span></h2>
${chart}${alarms}<h3>Decisions</h3>${decisions}${incidents}
<pre class="result">${scenario.result.summary.map(escapeHtml).join('\n')}</pre>
</section>`;
}

// The page's own script: builds one uPlot chart per scenario from the embedded timeline. Plain ES2017, no imports.
const PAGE_SCRIPT = String.raw`
(function () {
  var timeline = JSON.parse(document.getElementById('timeline-data').textContent);
  var OUTCOME_COLORS = { applied: '#1a7f37', 'dry-run': '#8250df', escalate: '#cf222e', skipped: '#6e7781', rejected: '#9a6700' };
  window.gameDayCharts = [];
  timeline.scenarios.forEach(function (scenario, index) {
    var el = document.getElementById('chart-' + index);
    if (!el || !scenario.metric) return;
    var xs = [];
    var seen = {};
    function addX(t) { if (!seen[t]) { seen[t] = true; xs.push(t); } }
    scenario.metric.points.forEach(function (p) { addX(p[0]); });
    if (scenario.resource) scenario.resource.points.forEach(function (p) { addX(p[0]); });
    scenario.decisions.forEach(function (d) { addX(d.t); });
    scenario.alarms.forEach(function (a) { addX(a.t); });
    xs.sort(function (a, b) { return a - b; });
    function column(points) {
      var byX = {};
      points.forEach(function (p) { byX[p[0]] = p[1]; });
      return xs.map(function (x) { return Object.prototype.hasOwnProperty.call(byX, x) ? byX[x] : null; });
    }
    var metricColumn = column(scenario.metric.points);
    // A decision's marker sits on the metric's last value before it (0 before the first sample).
    function metricAt(t) {
      var value = 0;
      scenario.metric.points.forEach(function (p) { if (p[0] <= t) value = p[1]; });
      return value;
    }
    var outcomes = [];
    scenario.decisions.forEach(function (d) { if (outcomes.indexOf(d.outcome) < 0) outcomes.push(d.outcome); });
    var data = [xs, metricColumn];
    var series = [
      {},
      { label: scenario.metric.label + (scenario.metric.unit ? ' (' + scenario.metric.unit + ')' : ''), stroke: '#0969da', width: 2, scale: 'metric', spanGaps: true, points: { show: true, size: 5 } }
    ];
    var axes = [
      { label: 'seconds from the scenario start', values: function (u, vals) { return vals.map(function (v) { return String(Math.round(v / 100) / 10) + ' s'; }); } },
      { scale: 'metric', label: scenario.metric.label, stroke: '#0969da' }
    ];
    var scales = { x: { time: false }, metric: {} };
    if (scenario.resource) {
      data.push(column(scenario.resource.points));
      var resourceScale = scenario.resource.sharesMetricAxis ? 'metric' : 'resource';
      series.push({ label: scenario.resource.label + (scenario.resource.unit ? ' (' + scenario.resource.unit + ')' : ''), stroke: '#bc4c00', width: 2, scale: resourceScale, spanGaps: true, paths: uPlot.paths.stepped({ align: 1 }), points: { show: true, size: 5 } });
      if (resourceScale === 'resource') {
        axes.push({ scale: 'resource', side: 1, label: scenario.resource.label, stroke: '#bc4c00', grid: { show: false } });
        scales.resource = {};
      }
    }
    outcomes.forEach(function (outcome) {
      var byX = {};
      scenario.decisions.forEach(function (d) { if (d.outcome === outcome) byX[d.t] = metricAt(d.t); });
      data.push(xs.map(function (x) { return Object.prototype.hasOwnProperty.call(byX, x) ? byX[x] : null; }));
      var color = OUTCOME_COLORS[outcome] || '#24292f';
      series.push({ label: 'decision: ' + outcome, stroke: color, fill: color, scale: 'metric', paths: function () { return null; }, points: { show: true, size: 12, width: 2, stroke: color, fill: color } });
    });
    // ALARM intervals: from each transition into ALARM to the next transition out of it (or the chart's end).
    var bands = [];
    var openAt = null;
    scenario.alarms.forEach(function (a) {
      if (a.to === 'ALARM' && openAt === null) openAt = a.t;
      else if (a.to !== 'ALARM' && openAt !== null) { bands.push([openAt, a.t]); openAt = null; }
    });
    if (openAt !== null) bands.push([openAt, xs[xs.length - 1]]);
    var chart = new uPlot({
      width: Math.max(640, Math.min(1100, el.clientWidth || 960)),
      height: 300,
      scales: scales,
      series: series,
      axes: axes,
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          ctx.fillStyle = 'rgba(207, 34, 46, 0.12)';
          bands.forEach(function (b) {
            var left = u.valToPos(b[0], 'x', true);
            var right = u.valToPos(b[1], 'x', true);
            ctx.fillRect(left, u.bbox.top, Math.max(2, right - left), u.bbox.height);
          });
          ctx.restore();
        }]
      }
    }, data, el);
    window.gameDayCharts.push({ scenario: scenario.name, chart: chart, bands: bands });
  });
  document.body.setAttribute('data-rendered', String(window.gameDayCharts.length));
})();
`;

const PAGE_STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1180px; color: #24292f; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; border-top: 1px solid #d0d7de; padding-top: 18px; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
tr.PASS td.verdict, .pass .verdict { color: #1a7f37; font-weight: 600; } tr.FAIL td.verdict, .fail .verdict { color: #cf222e; font-weight: 600; }
.outcome.applied { color: #1a7f37; } .outcome.escalate { color: #cf222e; } .outcome.dry-run { color: #8250df; } .outcome.skipped { color: #6e7781; }
.decision { margin-bottom: 8px; } .marker { font-weight: 600; } .t { color: #57606a; } .blast { color: #57606a; }
pre.result { background: #f6f8fa; padding: 8px; white-space: pre-wrap; } .legend-note, .meta { color: #57606a; font-size: 12px; }
`;

/** The whole page. Every text from the timeline is escaped; the data rides along as JSON for the charts. */
export function renderReport(timeline: Timeline, assets: ReportAssets): string {
  const rows = timeline.scenarios
    .map(
      (s) =>
        `<tr class="summary-row ${s.result.ok ? 'PASS' : 'FAIL'}" data-line="${escapeHtml(summaryLine(s))}"><td class="verdict">${s.result.ok ? 'PASS' : 'FAIL'}</td><td class="title"><a href="#scenario-${escapeHtml(s.name)}">${escapeHtml(s.title)}</a></td><td class="alarm-to-change">${escapeHtml(alarmToChange(s))}</td><td class="duration">${escapeHtml(seconds(s.durationMs))}</td></tr>`,
    )
    .join('\n');
  const passed = timeline.scenarios.filter((s) => s.result.ok).length;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Game day: Notification Service, ${escapeHtml(timeline.environment)}, ${escapeHtml(timeline.startedAt)}</title>
<style>${inlineSafe(assets.uplotCss, 'style')}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<h1>Game day: Notification Service (${escapeHtml(timeline.environment)})</h1>
<p class="meta">Played on the local AWS sandbox from ${escapeHtml(timeline.startedAt)} to ${escapeHtml(timeline.endedAt)}: ${passed} of ${timeline.scenarios.length} scenarios as expected.</p>
<h2>Summary</h2>
<table id="summary"><thead><tr><th>result</th><th>scenario</th><th>alarm → change</th><th>took</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${timeline.scenarios.map(scenarioSection).join('\n')}
<script id="timeline-data" type="application/json">${scriptJson(timeline)}</script>
<script>${inlineSafe(assets.uplotJs, 'script')}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
