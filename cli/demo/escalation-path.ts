// The escalation path of the game day, set up once per demo as `runbook sandbox` sets it up: every scenario's decisions
// (the project's bus) and every alarm's OK go to `escalate`, one SQS queue per tier's SNS topic shows what each tier
// receives, and the escalation timers run when the sandbox clock passes them. A scenario whose decision escalates pages
// through it and resolves what it opened before it ends (review 23a R23a-1).
import { appendFileSync } from 'node:fs';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { handlerOfFunctionArn } from '../../shared/escalation/deployment';
import type { EscalationResult } from '../../shared/escalation/escalation-service';
import type { EscalationTier } from '../../shared/escalation/policy';
import { createEscalationInbox, type InboxMessage } from '../../sandbox/escalation-inbox';
import { createEventRouter, type EventRouter, type RouteResult } from '../../sandbox/event-router';
import { invokeBundle } from '../../sandbox/invoke-bundle';
import { createSandboxClock, createSchedulerDriver, type SandboxClock, type SchedulerDriver } from '../../sandbox/scheduler-driver';
import type { PlayableSandbox } from '../../sandbox/session';
import type { TimelineRecorder } from './timeline-recorder';

const MINUTE_MS = 60_000;
// EventBridge -> SQS is immediate in the emulator, but a busy machine can hold a delivery back for seconds.
const WAIT_MS = 15_000;
const POLL_INTERVAL_MS = 100;

/** One escalation result in one line (the demo and `runbook sandbox` print it). */
export function describeResult(result: EscalationResult): string {
  const delivered = result.delivered.map((d) => `${d.kind === 'resolve' ? 'resolution to' : d.kind === 'reopen' ? 're-opened to' : 'notified'} ${d.tier} (${d.via})`).join('; ');
  const id = result.incidentId ?? result.incidentIds?.join(', ') ?? '';
  return `${result.action.toUpperCase()}${id ? ` ${id}` : ''}${delivered ? ` — ${delivered}` : ` — ${result.reason}`}`;
}

export function summarizeInbox(messages: readonly InboxMessage[]): string[] {
  const byTier = new Map<string, string[]>();
  for (const m of messages) {
    const key = `${m.tierName} <- ${m.kind}`;
    byTier.set(key, [...(byTier.get(key) ?? []), m.channel]);
  }
  return [...byTier.entries()].map(([key, channels]) => `${key} (${channels.sort().join(' + ')})`);
}

export interface DemoEscalationPath {
  clock: SandboxClock;
  driver: SchedulerDriver;
  /** Escalation invocations and timers that failed so far. */
  failures(): number;
  countFailure(): void;
  /**
   * Routes the decisions waiting for `escalate`, one at a time, until the queue is empty; waits up to 15 s for the first
   * unless `wait` is false.
   */
  routeDecisions(wait?: boolean): Promise<EscalationResult[]>;
  /** The same for the alarms' OK state changes (which resolve their incidents). */
  routeClearances(wait?: boolean): Promise<EscalationResult[]>;
  /** What the tiers received since the last read (printed, one line per tier and kind). */
  delivered(): Promise<InboxMessage[]>;
  /** Records an escalation result in the scenario's incident timeline (`timer`: the escalation timer that produced it). */
  record(result: EscalationResult, timer?: string): void;
}

export async function createDemoEscalationPath(
  session: PlayableSandbox,
  timeline: TimelineRecorder,
  logFile: string,
  line: (text: string) => void,
  at: () => string,
): Promise<DemoEscalationPath> {
  const { topology, clientConfig } = session;
  const sqs = new SQSClient(clientConfig);
  const log = (chunk: string): void => appendFileSync(logFile, chunk);
  const inbox = await createEscalationInbox(clientConfig, topology, 'demo-escalation-inbox');
  // One message per poll: invokeBundle redirects this process's stdout while a bundle runs, so bundles run one at a time.
  const routerOf = (url: string): EventRouter => createEventRouter({ sqs, routes: { escalate: url }, invoke: (handler, event) => invokeBundle(handler, event, log), batchSize: 1 });
  const decisions = routerOf(topology.decisionRoute.url);
  const clearances = routerOf(topology.alarmClearedRoute.url);
  const clock = createSandboxClock();
  const driver = createSchedulerDriver({
    scheduler: new SchedulerClient(clientConfig),
    groupName: topology.escalationScheduleGroup.name,
    invoke: (arn, input) => invokeBundle(handlerOfFunctionArn(arn) ?? 'unknown-target', input, log),
  });
  let failures = 0;
  const record = (result: EscalationResult, timer?: string): void => {
    const ahead = Math.round(clock.offsetMs() / MINUTE_MS);
    for (const id of result.incidentId ? [result.incidentId] : (result.incidentIds ?? [])) {
      if (timer) timeline.incident(id, { kind: 'timer', detail: `timer ${timer}: ${result.action} — ${result.reason}`, clockAheadMinutes: ahead });
      if (result.action === 'opened' || result.action === 'reopened' || result.action === 'resolved' || result.action === 'stopped' || result.action === 'escalated') {
        if (!timer || result.action !== 'escalated') timeline.incident(id, { kind: result.action, detail: result.reason, clockAheadMinutes: ahead });
      }
      for (const d of result.delivered) {
        const what = d.kind === 'resolve' ? 'resolution' : d.kind === 'reopen' ? 're-open message' : 'notification';
        timeline.incident(id, { kind: d.kind === 'resolve' ? 'resolved' : 'notified', tier: d.tier, detail: `${what} via ${d.via}`, clockAheadMinutes: ahead });
      }
    }
  };
  const report = (results: RouteResult[]): EscalationResult[] => {
    const out: EscalationResult[] = [];
    for (const r of results) {
      if (r.error) {
        failures += 1;
        line(`  ${at()}  ${r.handler}: FAILED (${r.error.name}: ${r.error.message}) — retried`);
      } else {
        const result = r.result as EscalationResult;
        out.push(result);
        record(result);
        line(`  ${at()}  ${r.handler}: ${describeResult(result)}`);
      }
    }
    return out;
  };
  const route = async (router: EventRouter, wait = true): Promise<EscalationResult[]> => {
    const all: EscalationResult[] = [];
    let routed = 0;
    for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; ) {
      const results = await router.pollOnce();
      routed += results.length;
      all.push(...report(results));
      if (results.length === 0 && (routed > 0 || !wait)) break;
      if (results.length === 0) await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
    return all;
  };
  return {
    clock,
    driver,
    failures: () => failures,
    countFailure: () => {
      failures += 1;
    },
    routeDecisions: (wait) => route(decisions, wait),
    routeClearances: (wait) => route(clearances, wait),
    async delivered() {
      const messages = await inbox.read();
      for (const s of summarizeInbox(messages)) line(`  ${at()}  inbox: ${s}`);
      return messages;
    },
    record,
  };
}

/** What one escalating row paged: the incident its decision opened and the first tier's messages about it. */
export interface RowPage {
  incidentId?: string;
  /** The first tier's "opened" messages of that incident, one per channel. */
  firstTier: InboxMessage[];
  /** The incident was opened and the first tier heard it on each of its channels. */
  paged: boolean;
}

/**
 * Routes a row's escalate decision to `escalate` and reads what the first tier received: the incident must be opened
 * (not joined or re-opened: each row is its own incident) and the first tier told on every channel. The first tier's
 * email is printed, as the person on call reads it.
 */
export async function pageOf(path: DemoEscalationPath, firstTier: EscalationTier, line: (text: string) => void): Promise<RowPage> {
  const opened = (await path.routeDecisions()).find((r) => r.action === 'opened' && r.incidentId);
  const messages = await path.delivered();
  const incidentId = opened?.incidentId;
  const firstTierMessages = messages.filter((m) => incidentId !== undefined && m.incidentId === incidentId && m.level === firstTier.level && m.kind === 'opened');
  const email = firstTierMessages.find((m) => m.channel === 'email');
  if (email) {
    line(`  ${firstTier.name} email, subject "${email.subject ?? ''}":`);
    for (const text of email.message.split('\n')) line(`      | ${text}`);
  }
  const paged = incidentId !== undefined && firstTier.channels.length > 0 && firstTier.channels.every((c) => firstTierMessages.some((m) => m.channel === c));
  return { ...(incidentId ? { incidentId } : {}), firstTier: firstTierMessages, paged };
}

/**
 * After the row's alarm went OK: routes the OK (and the playbook's OK decision) to `escalate` and checks that each of
 * `incidentIds` was resolved, the first tier told so, and no escalation timer is left for the next scenario.
 */
export async function settle(path: DemoEscalationPath, incidentIds: readonly string[], firstTier: EscalationTier): Promise<{ settled: boolean; text: string }> {
  // The OK first, then the playbook's own decision on it (already on its queue when the scenario awaited it).
  const results = [...(await path.routeClearances()), ...(await path.routeDecisions(false))];
  const messages = await path.delivered();
  const resolved = incidentIds.filter((id) => results.some((r) => r.action === 'resolved' && (r.incidentId === id || r.incidentIds?.includes(id))));
  const told = incidentIds.filter((id) => firstTier.channels.every((c) => messages.some((m) => m.incidentId === id && m.level === firstTier.level && m.kind === 'resolved' && m.channel === c)));
  const pending = await path.driver.pending();
  const settled = resolved.length === incidentIds.length && told.length === incidentIds.length && pending.length === 0;
  const text = `${resolved.length} of ${incidentIds.length} resolved on the alarm's OK, ${firstTier.name} told for ${told.length}; ${pending.length} escalation timer(s) left`;
  return { settled, text };
}
