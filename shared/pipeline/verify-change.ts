// The health check after a change, run by a Scheduler timer: re-read the row's signal, judge it, revert and escalate if worse.
import type { Logger } from '@aws-lambda-powertools/logger';
import { errorName } from '../aws/classify-error';
import type { Clock } from '../clock';
import type { RuntimeConfig } from '../config/load-config';
import { InvalidInputError } from '../errors';
import type { KillSwitchState } from '../guard/kill-switch';
import { metricWindow } from '../playbooks/metric-window';
import type { DecisionReporter } from '../report/decision-reporter';
import type { IncidentStore } from '../state/incident-store';
import { runUnderClaim } from './incident-protocol';
import type { Decision, Playbook, PlaybookContext, ResourceRef } from './types';
import { decideHealthVerdict, describeReading, parseVerifyChangeInput, verifyClaimName, VERIFY_HANDLER, type VerifyChangeInput } from './verify-change-plan';

/** A playbook with its clients, as verify-change holds it (method members are bivariant, so any playbook fits). */
export interface VerifiablePlaybook {
  playbook: Playbook<unknown, { resource: ResourceRef }, unknown, unknown>;
  clients: unknown;
}

export interface VerifyChangeServices {
  store: Pick<IncidentStore, 'claim' | 'recordIntent' | 'complete' | 'release' | 'appendAudit' | 'getResourceState'>;
  reporter: Pick<DecisionReporter, 'log' | 'count' | 'publish'>;
  killSwitch: { read(): Promise<KillSwitchState> };
}

export interface VerifyChangeDeps {
  playbooks: Readonly<Record<string, VerifiablePlaybook>>;
  services: VerifyChangeServices;
  runtime: RuntimeConfig;
  clock: Clock;
  logger: Logger;
}

/** "memoryMb 512, lastUpdateStatus Successful" from a verify() result. */
function describeState(state: Record<string, unknown>, prefix = ''): string {
  return Object.entries(state)
    .filter(([, value]) => !(typeof value === 'object' && value !== null && Object.keys(value).length === 0))
    .map(([key, value]) =>
      typeof value === 'object' && value !== null ? describeState(value as Record<string, unknown>, `${prefix}${key}.`) : `${prefix}${key} ${String(value)}`,
    )
    .join(', ');
}

function decisionOf(input: VerifyChangeInput, runtime: RuntimeConfig, clock: Clock, rest: Pick<Decision, 'outcome' | 'reason'> & Partial<Decision>): Decision {
  const { alarm } = input;
  return {
    playbook: input.playbook,
    environment: runtime.environment,
    region: alarm.region,
    account: alarm.account,
    incidentKey: input.incidentKey,
    ...(alarm.name ? { alarmName: alarm.name } : {}),
    ...(alarm.arn ? { alarmArn: alarm.arn } : {}),
    ...(alarm.state === 'ALARM' || alarm.state === 'OK' || alarm.state === 'INSUFFICIENT_DATA' ? { alarmState: alarm.state } : {}),
    ...(alarm.time ? { alarmTime: alarm.time } : {}),
    resource: { type: input.target.resource.type, id: input.target.resource.id, arn: input.target.resource.arn },
    dryRun: runtime.dryRun,
    ...rest,
    decidedAt: clock.now().toISOString(),
  };
}

export async function runVerifyChange(deps: VerifyChangeDeps, raw: unknown): Promise<Decision> {
  const { runtime, clock, services, logger } = deps;
  let input: VerifyChangeInput;
  let entry: VerifiablePlaybook | undefined;
  try {
    input = parseVerifyChangeInput(raw);
    entry = deps.playbooks[input.playbook];
    if (!entry?.playbook.health) {
      throw new InvalidInputError(`verify-change has no health check for playbook "${input.playbook}" (it knows ${Object.keys(deps.playbooks).join(', ')})`);
    }
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const rejected: Decision = {
      playbook: VERIFY_HANDLER,
      outcome: 'rejected',
      reason: error.message,
      environment: runtime.environment,
      region: runtime.region,
      dryRun: runtime.dryRun,
      decidedAt: clock.now().toISOString(),
      ...(error.details.length ? { findings: [...error.details] } : {}),
    };
    logger.warn('verify-change input rejected', { reason: error.message, details: error.details });
    services.reporter.count(rejected);
    return rejected;
  }
  logger.appendKeys({ incidentId: input.incidentKey, checkedPlaybook: input.playbook });

  // The same schedule delivered twice (Scheduler and Lambda retry at least once) judges and reverts once.
  return runUnderClaim<never, Decision>({ store: services.store, clock, logger }, verifyClaimName(input.playbook), input.incidentKey, {
    what: 'health check claim',
    label: `${input.playbook} health check`,
    duplicate: (existing) => {
      const duplicate = decisionOf(input, runtime, clock, {
        outcome: 'skipped',
        reason: `duplicate delivery: the health check of this change is already ${existing?.status === 'COMPLETED' ? `done (${existing.outcome ?? 'done'})` : 'running'}`,
      });
      services.reporter.log(duplicate);
      services.reporter.count(duplicate);
      return duplicate;
    },
    act: () => judge(deps, entry, input),
    failed: (classified) =>
      decisionOf(input, runtime, clock, {
        outcome: 'escalate',
        reason: `health check after "${input.summary}" failed: ${classified.message}`,
        escalation: { cause: 'failure', error: { name: errorName((classified as { cause?: unknown }).cause ?? classified), message: classified.message } },
      }),
    record: async (decision) => {
      services.reporter.log(decision);
      services.reporter.count(decision);
      // Keyed by the change, not the check's time: a retry overwrites its own entry; the change's own entry stays.
      await services.store.appendAudit({ resourceArn: input.target.resource.arn, at: input.changedAt, incidentKey: input.incidentKey, decision: { ...decision } }, clock.now());
      await services.reporter.publish(decision);
    },
    outcome: (decision) => ({ outcome: decision.outcome, reason: decision.reason }),
  });
}

async function judge(deps: VerifyChangeDeps, entry: VerifiablePlaybook, input: VerifyChangeInput): Promise<Decision> {
  const { runtime, clock, services } = deps;
  const { playbook, clients } = entry;
  const health = playbook.health;
  if (!health) throw new InvalidInputError(`${playbook.name} has no health check`);
  const ctx: PlaybookContext<unknown> = {
    clients,
    clock,
    runtime,
    recall: async (resourceArn: string) => (await services.store.getResourceState(resourceArn))?.learned,
  };
  const { target, change } = input;
  const policy = runtime.env.verifyChange;
  const after = await health.read(ctx, target, change, metricWindow(clock.now(), policy.verifyWindowMinutes, new Date(input.changedAt)));
  const worse = health.worse(input.before, after, policy);
  // Only a change still in place is reverted: one the automation already restored (alarm OK) or a person changed is left.
  const stillApplied = worse === undefined ? true : playbook.isApplied(await playbook.observe(ctx, target), change);
  const killSwitch = worse !== undefined && stillApplied ? await services.killSwitch.read() : undefined;
  const held = runtime.dryRun ? 'DRY_RUN is set' : killSwitch?.engaged ? `kill switch: ${killSwitch.reason}` : undefined;
  const verdict = decideHealthVerdict({ worse, stillApplied, ...(held ? { held } : {}) });
  const figures = {
    before: { health: input.before.figures, window: `${input.before.from}/${input.before.to}` },
    after: { health: after.figures, window: `${after.from}/${after.to}` },
  };
  const findings = [`before: ${describeReading(input.before)}`, `after: ${describeReading(after)}`];
  const about = `health check of "${input.summary}" (${health.signal})`;
  const decide = (rest: Pick<Decision, 'outcome' | 'reason'> & Partial<Decision>): Decision => decisionOf(input, runtime, clock, { ...figures, findings, ...rest });

  switch (verdict.kind) {
    case 'healthy':
      return decide({ outcome: 'skipped', reason: `${about}: verified healthy, nothing worse after ${policy.verifyWindowMinutes} min` });
    case 'moved-on':
      return decide({ outcome: 'skipped', reason: `${about}: worse (${verdict.worse}), but the change is no longer in place (restored or changed since): nothing reverted` });
    case 'held':
      return decide({
        outcome: 'escalate',
        reason: `${about}: made things worse (${verdict.worse}); not reverted: ${verdict.why}`,
        escalation: { cause: 'made-worse' },
      });
    case 'revert': {
      // The row's own apply and verify, on the inverse change: RevisionId, settle waits and "not overriding a deploy" hold.
      const revert = health.revertOf(change);
      await playbook.apply(ctx, target, revert);
      const state = await playbook.verify(ctx, target, revert);
      return decide({
        outcome: 'escalate',
        reason: `${about}: made things worse (${verdict.worse}); reverted to the recorded value: ${describeState(state)}`,
        escalation: { cause: 'made-worse' },
        after: { ...figures.after, reverted: state },
      });
    }
  }
}
