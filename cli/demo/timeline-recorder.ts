// Records the game-day timeline as the demo plays: each scenario's alarm state changes, metric samples, decisions and
// incident events, with times relative to the scenario's start.
import type { Decision } from '../../shared/pipeline/types';
import { TIMELINE_FORMAT, type IncidentEvent, type ScenarioTimeline, type Timeline, type TimelineSeries } from '../report/timeline';

export interface SeriesSpec {
  label: string;
  unit: string;
  /** For the resource: draw it on the metric's axis (same unit). */
  sharesMetricAxis?: boolean;
}

export interface TimelineRecorder {
  /** Starts a scenario; what follows is recorded under it. */
  begin(name: string, title: string): void;
  /** Names what the scenario charts: the metric that drives it and the resource the automation changes. */
  chart(metric: SeriesSpec, resource?: SeriesSpec): void;
  /** One sample of the metric and/or the resource, now or at a datapoint's own time (epoch ms). */
  sample(values: { metric?: number; resource?: number }, atEpochMs?: number): void;
  alarm(alarmName: string, from: string, to: string): void;
  decision(decision: Decision): void;
  incident(incidentId: string, event: Omit<IncidentEvent, 't'>): void;
  end(result: { ok: boolean; summary: string[] }): void;
  /** The whole run so far (the scenarios that ended). */
  timeline(): Timeline;
}

interface OpenScenario {
  name: string;
  title: string;
  startedAtMs: number;
  metric?: TimelineSeries;
  resource?: TimelineSeries;
  alarms: ScenarioTimeline['alarms'];
  decisions: ScenarioTimeline['decisions'];
  incidents: Map<string, IncidentEvent[]>;
}

export function createTimelineRecorder(environment: string, now: () => number = Date.now): TimelineRecorder {
  const startedAtMs = now();
  const done: ScenarioTimeline[] = [];
  let open: OpenScenario | undefined;
  const current = (): OpenScenario => {
    if (!open) throw new Error('timeline: nothing is recorded outside a scenario (call begin first)');
    return open;
  };
  const offset = (atEpochMs = now()): number => atEpochMs - current().startedAtMs;

  return {
    begin(name, title) {
      open = { name, title, startedAtMs: now(), alarms: [], decisions: [], incidents: new Map() };
    },
    chart(metric, resource) {
      const scenario = current();
      scenario.metric = { ...metric, points: [] };
      if (resource) scenario.resource = { ...resource, points: [] };
    },
    sample(values, atEpochMs) {
      const scenario = current();
      const t = offset(atEpochMs);
      // Each series keeps strictly increasing times, so a chart never folds two samples into one point.
      const push = (series: TimelineSeries, value: number): void => {
        const last = series.points[series.points.length - 1];
        series.points.push([last && last[0] >= t ? last[0] + 1 : t, value]);
      };
      if (values.metric !== undefined && Number.isFinite(values.metric)) {
        if (!scenario.metric) throw new Error(`timeline: ${scenario.name} samples a metric it never named (call chart first)`);
        push(scenario.metric, values.metric);
      }
      if (values.resource !== undefined && Number.isFinite(values.resource)) {
        if (!scenario.resource) throw new Error(`timeline: ${scenario.name} samples a resource it never named (call chart first)`);
        push(scenario.resource, values.resource);
      }
    },
    alarm(alarmName, from, to) {
      current().alarms.push({ t: offset(), alarmName, from, to });
    },
    decision(d) {
      current().decisions.push({
        t: offset(),
        playbook: d.playbook,
        outcome: d.outcome,
        reason: d.reason,
        ...(d.alarmState ? { alarmState: d.alarmState } : {}),
        ...(d.escalation?.cause ? { cause: d.escalation.cause } : {}),
        ...(d.blastRadius ? { blastRadius: d.blastRadius } : {}),
        ...(d.alarmToChangeMs !== undefined ? { alarmToChangeMs: d.alarmToChangeMs } : {}),
        ...(d.findings?.length ? { findings: [...d.findings] } : {}),
        ...(d.runbook ? { runbook: d.runbook.documentName } : {}),
      });
    },
    incident(incidentId, event) {
      const scenario = current();
      const events = scenario.incidents.get(incidentId) ?? [];
      events.push({ t: offset(), ...event });
      scenario.incidents.set(incidentId, events);
    },
    end(result) {
      const scenario = current();
      done.push({
        name: scenario.name,
        title: scenario.title,
        startedAt: new Date(scenario.startedAtMs).toISOString(),
        durationMs: now() - scenario.startedAtMs,
        ...(scenario.metric ? { metric: scenario.metric } : {}),
        ...(scenario.resource ? { resource: scenario.resource } : {}),
        alarms: scenario.alarms,
        decisions: scenario.decisions,
        incidents: [...scenario.incidents.entries()].map(([incidentId, events]) => ({ incidentId, events })),
        result: { ok: result.ok, summary: [...result.summary] },
      });
      open = undefined;
    },
    timeline() {
      return {
        format: TIMELINE_FORMAT,
        environment,
        startedAt: new Date(startedAtMs).toISOString(),
        endedAt: new Date(now()).toISOString(),
        scenarios: [...done],
      };
    },
  };
}
