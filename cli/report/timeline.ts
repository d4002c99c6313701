// The game-day timeline: what one demo run recorded (alarm state changes, metric samples, decisions, incidents), as
// validated data. `runbook demo` writes it beside the report; `runbook report <timeline.json>` renders it again.
import { z } from 'zod';

export const TIMELINE_FORMAT = 'notification-runbooks/game-day-timeline@1';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
/** Milliseconds from the scenario's start; negative for metric datapoints stamped before it (CloudWatch timestamps). */
const offsetMs = finite;

const seriesSchema = z.object({
  label: z.string().min(1),
  unit: z.string(),
  /** The resource is drawn on the metric's axis (same unit: connections against max_connections). */
  sharesMetricAxis: z.boolean().optional(),
  /** [offsetMs, value] pairs in recording order. */
  points: z.array(z.tuple([offsetMs, finite])),
});

const alarmSchema = z.object({ t: offsetMs, alarmName: z.string().min(1), from: z.string(), to: z.string().min(1) });

const decisionSchema = z.object({
  t: offsetMs,
  playbook: z.string().min(1),
  outcome: z.string().min(1),
  reason: z.string(),
  alarmState: z.string().optional(),
  cause: z.string().optional(),
  blastRadius: z.string().optional(),
  alarmToChangeMs: finite.optional(),
  findings: z.array(z.string()).optional(),
  runbook: z.string().optional(),
});

const incidentEventSchema = z.object({
  t: offsetMs,
  kind: z.enum(['opened', 'reopened', 'notified', 'timer', 'escalated', 'acknowledged', 'resolved', 'stopped']),
  detail: z.string(),
  tier: z.string().optional(),
  /** Minutes the sandbox clock was ahead of the wall clock when this happened (escalation timers jump it). */
  clockAheadMinutes: finite.optional(),
});

const scenarioSchema = z.object({
  name: z.string().min(1),
  title: z.string().min(1),
  startedAt: z.iso.datetime(),
  durationMs: finite,
  metric: seriesSchema.optional(),
  resource: seriesSchema.optional(),
  alarms: z.array(alarmSchema),
  decisions: z.array(decisionSchema),
  incidents: z.array(z.object({ incidentId: z.string().min(1), events: z.array(incidentEventSchema) })),
  result: z.object({ ok: z.boolean(), summary: z.array(z.string()) }),
});

export const timelineSchema = z.object({
  format: z.literal(TIMELINE_FORMAT),
  environment: z.string().min(1),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  scenarios: z.array(scenarioSchema).min(1, 'a game day with no scenario has nothing to show'),
});

export type Timeline = z.infer<typeof timelineSchema>;
export type ScenarioTimeline = z.infer<typeof scenarioSchema>;
export type TimelineSeries = z.infer<typeof seriesSchema>;
export type TimelineDecision = z.infer<typeof decisionSchema>;
export type IncidentEvent = z.infer<typeof incidentEventSchema>;

/** A timeline that cannot be rendered: empty, truncated, or not a game-day timeline. */
export class TimelineError extends Error {
  override readonly name = 'TimelineError';
}

/** Parses a timeline file's text, saying plainly what is wrong with it. */
export function parseTimeline(text: string, source = 'the timeline'): Timeline {
  if (text.trim() === '') throw new TimelineError(`${source} is empty: nothing was recorded (did the demo stop before its first scenario?)`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new TimelineError(`${source} is not complete JSON (${detail}); the file may be truncated: re-run the demo to record it again`);
  }
  const parsed = timelineSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new TimelineError(`${source} is not a game-day timeline (${TIMELINE_FORMAT}): ${problems.join('; ')}`);
  }
  return parsed.data;
}
