// What every demo scenario gets: the running sandbox, its clients, the event router and a way to print.
import { appendFileSync } from 'node:fs';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { EnvironmentName } from '../../shared/config/schema';
import type { Decision } from '../../shared/pipeline/types';
import { createEventRouter, type EventRouter, type RouteResult } from '../../sandbox/event-router';
import { invokeBundle, isBundleBuilt } from '../../sandbox/invoke-bundle';
import type { PlayableSandbox } from '../../sandbox/session';
import type { AutomationConfig } from '../../shared/config/schema';
import type { TimelineRecorder } from './timeline-recorder';

export interface DemoOptions {
  environment: EnvironmentName;
  messages: number;
  tickMs: number;
  maxTicks: number;
  logDir: string;
  /** Only these scenarios (by name); all when empty. */
  only: string[];
  /** Play on this emulator, already running (the gap proxy's loopback endpoint), instead of starting one; it is left running. */
  endpoint?: string;
  /** With `endpoint`: the account to provision in (default: a random one). */
  account?: string;
}

export interface DemoContext {
  session: PlayableSandbox;
  options: DemoOptions;
  logFile: string;
  router: EventRouter;
  startedAt: number;
  /** What the game-day report is drawn from: alarms, samples, decisions and incidents, per scenario. */
  timeline: TimelineRecorder;
  line(text?: string): void;
  /** Prints one routed event's outcome, and returns the decisions among them. */
  report(results: RouteResult[]): Decision[];
}

export interface ScenarioResult {
  ok: boolean;
  /** Lines of the before/after summary. */
  summary: string[];
}

export interface DemoScenario {
  name: string;
  title: string;
  /** Why the scenario cannot be played in this environment (printed, and the scenario left out); undefined when it can. */
  notPlayable?(config: AutomationConfig, environment: EnvironmentName): string | undefined;
  run(ctx: DemoContext): Promise<ScenarioResult>;
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

export function describeDecision(d: Decision): string {
  const detail = d.outcome === 'escalate' && d.escalation ? ` [escalate: ${d.escalation.cause}${d.escalation.guardrail ? `/${d.escalation.guardrail}` : ''}]` : '';
  return `${d.playbook}: ${d.outcome.toUpperCase()}${detail} — ${d.reason}`;
}

export function createDemoContext(session: PlayableSandbox, options: DemoOptions, logFile: string, timeline: TimelineRecorder): DemoContext {
  const startedAt = Date.now();
  const line = (text = ''): void => console.log(text);
  const router = createEventRouter({
    sqs: new SQSClient(session.clientConfig),
    routes: Object.fromEntries(Object.entries(session.topology.alarmRoutes).map(([handler, route]) => [handler, route.url])),
    isAvailable: isBundleBuilt,
    invoke: (handler, event) => invokeBundle(handler, event, (chunk) => appendFileSync(logFile, chunk)),
  });
  return {
    session,
    options,
    logFile,
    router,
    startedAt,
    timeline,
    line,
    report(results) {
      const decisions: Decision[] = [];
      for (const routed of results) {
        const at = `t+${seconds(Date.now() - startedAt)}`;
        if (routed.error) {
          line(`  ${at}  ${routed.handler}: FAILED (${routed.error.name}: ${routed.error.message}) — the event stays queued and is retried`);
          continue;
        }
        const decision = routed.result as Decision;
        decisions.push(decision);
        timeline.decision(decision);
        line(`  ${at}  ${describeDecision(decision)}`);
      }
      return decisions;
    },
  };
}
