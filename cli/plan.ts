// `runbook plan --event FILE | --alarm NAME`: what the automation would do now — a preview that claims, changes and records nothing.
import { loadRuntimeConfig } from '../shared/config/load-config';
import { InvalidInputError } from '../shared/errors';
import { parseAlarmEvent } from '../shared/events/alarm-event';
import { changeStep } from '../shared/pipeline/change-step';
import { buildPipeline } from '../shared/pipeline/create-alarm-handler';
import { previewPlaybook } from '../shared/pipeline/run-playbook';
import type { Decision } from '../shared/pipeline/types';
import { playbooks } from '../shared/playbooks/registry';
import { eventForAlarm, readEventFile } from './alarm-state-event';
import { EXIT } from './exit-codes';
import { renderDecision } from './render';
import { readTargetAccount } from './target-account';

export interface PlanOptions {
  event?: string;
  alarm?: string;
  handler?: string;
  environment?: string;
  json?: boolean;
  /** Tests: the account check (default: cli/target-account.ts readTargetAccount). */
  checkAccount?: typeof readTargetAccount;
}

type AnyPlaybook = (typeof playbooks)[keyof typeof playbooks];

/** The playbook whose alarm this is: the one named, or the first that accepts the event's target. */
function choosePlaybook(event: unknown, handler: string | undefined, runtime: ReturnType<typeof loadRuntimeConfig>): AnyPlaybook {
  const all = Object.values(playbooks) as AnyPlaybook[];
  if (handler) {
    const named = all.find((p) => p.name === handler);
    if (!named) throw new InvalidInputError(`no playbook named ${handler}; there are: ${all.map((p) => p.name).join(', ')}`);
    return named;
  }
  const parsed = parseAlarmEvent(event);
  const reasons: string[] = [];
  for (const playbook of all) {
    try {
      playbook.resolveTarget(parsed, runtime);
      return playbook;
    } catch (error) {
      reasons.push(`${playbook.name}: ${(error as Error).message}`);
    }
  }
  throw new InvalidInputError(`no playbook handles alarm "${parsed.alarmName}"`, reasons);
}

export async function planCommand(options: PlanOptions): Promise<number> {
  const shellEnvironment = process.env.RUNBOOK_ENVIRONMENT || undefined;
  if (options.environment) process.env.RUNBOOK_ENVIRONMENT = options.environment;
  if (!options.event === !options.alarm) {
    console.error('runbook plan: give exactly one of --event FILE or --alarm NAME');
    return EXIT.usage;
  }
  try {
    const runtime = loadRuntimeConfig(process.env);
    let event: unknown;
    if (options.event) {
      const read = readEventFile(options.event);
      if ('unreadable' in read) {
        console.error(`runbook plan: ${read.unreadable}`);
        return EXIT.usage;
      }
      event = read.event;
    } else {
      event = await eventForAlarm(options.alarm ?? '', runtime, 'plan');
    }
    const playbook = choosePlaybook(event, options.handler, runtime);
    const pipeline = buildPipeline({ playbook: playbook as Parameters<typeof buildPipeline>[0]['playbook'], changes: changeStep });
    const decision: Decision = await previewPlaybook(pipeline, event);
    console.log(options.json ? JSON.stringify(decision, null, 2) : renderDecision(decision));
    // The preview says what would happen under -e's policy; say when nothing ties this account to that environment,
    // as `invoke` would refuse it there (decision 151). stderr: the plan on stdout stays as it was.
    const check = await (options.checkAccount ?? readTargetAccount)(runtime.environment, shellEnvironment);
    if (check.kind !== 'verified') console.error(`runbook plan: note: ${check.text}; runbook invoke would refuse to apply here`);
    return decision.outcome === 'rejected' ? EXIT.rejected : EXIT.ok;
  } catch (error) {
    const e = error as Error & { details?: string[] };
    if (e instanceof InvalidInputError) {
      console.error(`runbook plan: ${e.message}`);
      for (const d of e.details) console.error(`  ${d}`);
      return EXIT.rejected;
    }
    if (e.name === 'ConfigurationError') {
      console.error(`runbook plan: ${e.message}`);
      return EXIT.usage;
    }
    console.error(`runbook plan: ${e.name}: ${e.message}`);
    return EXIT.failure;
  }
}
