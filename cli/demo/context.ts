// What every demo scenario gets: the running sandbox, its clients, the event router and a way to print.
import { appendFileSync } from 'node:fs';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { EnvironmentName } from '../../shared/config/schema';
import type { Decision } from '../../shared/pipeline/types';
import { createEventRouter, type EventRouter, type RouteResult } from '../../sandbox/event-router';
import { invokeBundle, isBundleBuilt } from '../../sandbox/invoke-bundle';
import type { PlayableSandbox } from '../../sandbox/session';
import type { AutomationConfig } from '../../shared/config/schema';
import { loadRuntimeConfig } from '../../shared/config/load-config';
import { resolveEscalationPolicy, type EscalationPolicy, type EscalationTier } from '../../shared/escalation/policy';
import { createDemoEscalationPath, pageOf, settle, type DemoEscalationPath, type RowPage } from './escalation-path';
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
  /** The escalation path every scenario's decisions and OKs go through (set up once, as `runbook sandbox` does). */
  escalation: DemoEscalationPath;
  /** The environment's escalation policy; its first tier is the one an escalating row pages. */
  policy: EscalationPolicy;
  firstTier: EscalationTier;
  line(text?: string): void;
  /** Prints one routed event's outcome, and returns the decisions among them. */
  report(results: RouteResult[]): Decision[];
  /** Routes an escalate decision to the escalation path: the incident it opened and what the first tier received. */
  page(): Promise<RowPage>;
  /** After the alarm's OK: the incidents resolved, the first tier told, no escalation timer left. */
  settle(incidentIds: readonly string[]): Promise<{ settled: boolean; text: string }>;
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

export async function createDemoContext(session: PlayableSandbox, options: DemoOptions, logFile: string, timeline: TimelineRecorder): Promise<DemoContext> {
  const startedAt = Date.now();
  const line = (text = ''): void => console.log(text);
  const at = (): string => `t+${seconds(Date.now() - startedAt)}`;
  const runtime = loadRuntimeConfig(process.env);
  const policy = resolveEscalationPolicy(runtime.config, runtime.environment);
  const firstTier = policy.tiers[0];
  if (!firstTier) throw new Error(`the ${runtime.environment} escalation path has no tier`);
  const escalation = await createDemoEscalationPath(session, timeline, logFile, line, at);
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
    escalation,
    policy,
    firstTier,
    line,
    page: () => pageOf(escalation, firstTier, line),
    settle: (incidentIds) => settle(escalation, incidentIds, firstTier),
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
