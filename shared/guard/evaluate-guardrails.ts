// Pure guardrails: environment policy, dry run, kill switch, cooldown and hourly budget decide whether a planned change may be applied.
import type { RuntimeConfig } from '../config/load-config';
import type { MutationMode } from '../config/schema';
import type { ResourceState } from '../state/incident-store';
import type { RegionServing } from './region-serving';

export type GuardVerdict =
  | { action: 'apply' }
  /** Planned, not applied: the environment's or row's mode, DRY_RUN, or (`killSwitch`) the kill switch someone engaged. */
  | { action: 'dry-run'; reason: string; killSwitch?: true }
  /** Nothing decided: what decides it could not be read (the kill switch); the event is retried, nothing is applied. */
  | { action: 'retry'; reason: string }
  | { action: 'block'; guardrail: 'dr-region' | 'approval-required' | 'cooldown' | 'hourly-budget'; reason: string };

export interface GuardInput {
  direction: 'scale-up' | 'restore';
  /** The troubleshooting row (config.troubleshooting[].id): the environment's mutationModeByRow may override its mode. */
  row?: string;
  runtime: Pick<RuntimeConfig, 'environment' | 'region' | 'regionRole' | 'mutationMode' | 'dryRun' | 'env'>;
  resourceState: ResourceState | undefined;
  nowSeconds: number;
  killSwitch: { engaged: boolean; reason: string; unread?: true };
  incidentKey: string;
  /**
   * In a DR region: whether it serves now (shared/guard/region-serving.ts, read in that region at run time). Missing
   * counts as not serving. Ignored in a primary region.
   */
  regionServing?: RegionServing;
}

const HOUR_SECONDS = 3600;

export function recentChanges(state: ResourceState | undefined, nowSeconds: number): number[] {
  return (state?.changeTimesSeconds ?? []).filter((t) => t > nowSeconds - HOUR_SECONDS);
}

/** The mode for one row: its override in the environment, else the environment's own. */
export function effectiveMutationMode(runtime: Pick<RuntimeConfig, 'mutationMode' | 'env'>, row: string | undefined): MutationMode {
  return (row !== undefined ? runtime.env.mutationModeByRow?.[row] : undefined) ?? runtime.mutationMode;
}

export function evaluateGuardrails(input: GuardInput): GuardVerdict {
  const { runtime, resourceState, nowSeconds, direction } = input;
  // The DR region's resources are the standby until a failover: while they serve no traffic an alarm there is no reason
  // to scale or resize them, and nothing is applied, whatever the mode; a person is told why (a failover is a decision,
  // not a reflex). Once FailoverToDR has run there (read in that region, failing closed: decision 123) the region serves,
  // and the rules below apply as in the primary.
  if (runtime.regionRole === 'dr' && input.regionServing?.serving !== true) {
    const why = input.regionServing?.reason ?? 'not serving: whether it serves was not read';
    return {
      action: 'block',
      guardrail: 'dr-region',
      reason: `${runtime.region} is the DR region of ${runtime.environment} and ${why}: its resources are the standby and serve no traffic, so the automation does not ${direction === 'scale-up' ? 'scale or resize' : 'change'} them (report-only); a person decides`,
    };
  }
  const mode = effectiveMutationMode(runtime, input.row);
  const overridden = mode !== runtime.mutationMode;
  if (mode === 'report-only') {
    return {
      action: 'dry-run',
      reason: overridden
        ? `${input.row ?? 'this row'} is report-only in ${runtime.environment}: planned, not applied`
        : `environment ${runtime.environment} is report-only (auto scaling is off there): planned, not applied`,
    };
  }
  if (runtime.dryRun) return { action: 'dry-run', reason: 'DRY_RUN is set: planned, not applied' };
  // A switch that could not be read is not one someone set: no change now, and no dry run recorded as the incident's
  // decision either (a retry would find it final). Asked only where it decides: report-only and DRY_RUN never change.
  if (input.killSwitch.unread) {
    return { action: 'retry', reason: `${input.killSwitch.reason}: nothing is changed until it can be read; the event is retried` };
  }
  if (input.killSwitch.engaged) return { action: 'dry-run', reason: input.killSwitch.reason, killSwitch: true };
  if (mode === 'approval') {
    return {
      action: 'block',
      guardrail: 'approval-required',
      reason: overridden
        ? `${input.row ?? 'this row'} requires approval in ${runtime.environment}: run the SSM document instead`
        : `environment ${runtime.environment} requires approval for changes: run the SSM document instead`,
    };
  }
  // A retry of the incident that reserved the last change is finishing that change, not making another.
  if (resourceState?.lastIncidentKey === input.incidentKey) return { action: 'apply' };
  const { cooldownSeconds, maxChangesPerHour } = runtime.env.guardrails;
  const last = direction === 'scale-up' ? resourceState?.lastScaleUpAtSeconds : resourceState?.lastRestoreAtSeconds;
  if (last !== undefined && nowSeconds - last < cooldownSeconds) {
    const waited = nowSeconds - last;
    return {
      action: 'block',
      guardrail: 'cooldown',
      reason: `cooldown: last ${direction} of this resource was ${waited}s ago, cooldown is ${cooldownSeconds}s`,
    };
  }
  // Restores count too: their values come back from the state table, and a flapping alarm must not turn the resource
  // up and down without end. A restore held back leaves the resource scaled up (never below its baseline) and escalates.
  const count = recentChanges(resourceState, nowSeconds).length;
  if (count >= maxChangesPerHour) {
    return {
      action: 'block',
      guardrail: 'hourly-budget',
      reason: `hourly budget: ${count} changes to this resource in the last hour, limit is ${maxChangesPerHour}; this ${direction} is not made`,
    };
  }
  return { action: 'apply' };
}

/**
 * The resource's state after a change is applied: baseline kept or cleared, change time recorded, and the state it
 * replaces kept beside it (reservedFrom) for a retry of the same incident to plan from.
 */
export function nextResourceState(
  state: ResourceState | undefined,
  change: { direction: 'scale-up' | 'restore'; baseline?: Record<string, unknown>; clearsBaseline?: boolean },
  nowSeconds: number,
  incidentKey: string,
): Omit<ResourceState, 'version'> {
  if (state && state.lastIncidentKey === incidentKey) {
    const { version: _version, ...unchanged } = state;
    return unchanged;
  }
  const { version: _version, reservedFrom: _older, ...replaced } = state ?? { version: 0, changeTimesSeconds: [] };
  const baseline = change.clearsBaseline ? undefined : (state?.baseline ?? change.baseline);
  return {
    reservedFrom: replaced,
    ...(baseline ? { baseline } : {}),
    ...(state?.learned ? { learned: state.learned } : {}),
    ...(change.direction === 'scale-up'
      ? { lastScaleUpAtSeconds: nowSeconds, lastRestoreAtSeconds: state?.lastRestoreAtSeconds }
      : { lastScaleUpAtSeconds: state?.lastScaleUpAtSeconds, lastRestoreAtSeconds: nowSeconds }),
    changeTimesSeconds: [...recentChanges(state, nowSeconds), nowSeconds],
    lastIncidentKey: incidentKey,
  };
}
