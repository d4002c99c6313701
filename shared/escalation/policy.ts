// The escalation path as one environment runs it: tiers in order, with their channels, timeouts and support-case setting. Pure.
import { ConfigurationError } from '../errors';
import type { AutomationConfig, EnvironmentName, EscalationChannel } from '../config/schema';

export type SupportSeverity = 'low' | 'normal' | 'high' | 'urgent' | 'critical';

export interface EscalationTier {
  level: number;
  name: string;
  topicName: string;
  channels: EscalationChannel[];
  timeoutMinutes: number;
  /** Set when this tier is reached by opening an AWS Support case instead of notifying its topic. */
  supportCase?: {
    severityCode: SupportSeverity;
    /** Per playbook (the row's handler, from supportCase.severityByRow): the severity for that row's incidents. */
    severityByPlaybook?: Record<string, SupportSeverity>;
    serviceCode?: string;
    categoryCode?: string;
    ccEmailAddresses?: string[];
  };
}

export interface EscalationPolicy {
  environment: EnvironmentName;
  /** In escalation order; tiers[0] is notified first. */
  tiers: EscalationTier[];
  stillFiringAfterMinutes: number;
  /** A flapping alarm is one incident (decision 204): see FlappingPolicy. */
  flapping: FlappingPolicy;
}

/**
 * How a re-fire of the same alarm is grouped (decision 204). `regroupWithinMinutes`: an ALARM state change at most this
 * long after the alarm's last incident resolved re-opens that incident (0: never; every state change is its own).
 * `settleMinutes`: once an incident has re-opened, its resolution is told only after the alarm stayed OK this long.
 */
export interface FlappingPolicy {
  regroupWithinMinutes: number;
  settleMinutes: number;
}

const DEFAULT_STILL_FIRING_MINUTES = 10;
/** Project defaults (decision 204), used where a configuration has no `flapping` block; shared/config/defaults.ts sets the same. */
export const DEFAULT_FLAPPING: FlappingPolicy = { regroupWithinMinutes: 30, settleMinutes: 10 };

/**
 * The environment's tiers, in its order, joined with the path's names and topics. Without an `escalation` block:
 * every tier of the path, email only, no support case. A level the path does not have fails at start, naming the field.
 */
export function resolveEscalationPolicy(config: AutomationConfig, environment: EnvironmentName): EscalationPolicy {
  const path = new Map(config.escalationPath.map((tier) => [tier.level, tier]));
  const env = config.environments[environment].escalation;
  const chosen = env?.tiers ?? [...path.values()].sort((a, b) => a.level - b.level).map((tier) => ({ level: tier.level, channels: ['email' as const] }));
  const seen = new Set<number>();
  const tiers = chosen.map((choice, i): EscalationTier => {
    const field = `environments.${environment}.escalation.tiers[${i}].level`;
    const tier = path.get(choice.level);
    if (!tier) {
      throw new ConfigurationError(`Invalid runbook configuration: ${field}: level ${choice.level} is not in escalationPath`, [field]);
    }
    if (seen.has(choice.level)) throw new ConfigurationError(`Invalid runbook configuration: ${field}: level ${choice.level} appears twice`, [field]);
    seen.add(choice.level);
    const support = env?.supportCase;
    return {
      level: tier.level,
      name: tier.name,
      topicName: tier.topicName,
      channels: [...new Set(choice.channels)],
      timeoutMinutes: ('timeoutMinutes' in choice ? choice.timeoutMinutes : undefined) ?? tier.timeoutMinutes,
      ...(tier.kind === 'aws-support' && support?.enabled
        ? {
            supportCase: {
              severityCode: support.severityCode,
              ...(support.severityByRow ? { severityByPlaybook: severityByPlaybook(config, support.severityByRow) } : {}),
              ...(support.serviceCode ? { serviceCode: support.serviceCode } : {}),
              ...(support.categoryCode ? { categoryCode: support.categoryCode } : {}),
              ...(support.ccEmailAddresses?.length ? { ccEmailAddresses: [...support.ccEmailAddresses] } : {}),
            },
          }
        : {}),
    };
  });
  return {
    environment,
    tiers,
    stillFiringAfterMinutes: env?.stillFiringAfterMinutes ?? DEFAULT_STILL_FIRING_MINUTES,
    flapping: { ...DEFAULT_FLAPPING, ...(env?.flapping ?? {}) },
  };
}

function severityByPlaybook(config: AutomationConfig, byRow: Record<string, SupportSeverity>): Record<string, SupportSeverity> {
  return Object.fromEntries(config.troubleshooting.filter((row) => byRow[row.id] !== undefined).map((row) => [row.handler, byRow[row.id] as SupportSeverity]));
}

/** The case severity for an incident a playbook escalated: its row's, else the environment's. */
export function supportSeverityOf(supportCase: NonNullable<EscalationTier['supportCase']>, playbook: string | undefined): SupportSeverity {
  return (playbook !== undefined ? supportCase.severityByPlaybook?.[playbook] : undefined) ?? supportCase.severityCode;
}

/** The tier at `level`, if this environment's path has it. */
export function tierAt(policy: EscalationPolicy, level: number): EscalationTier | undefined {
  return policy.tiers.find((tier) => tier.level === level);
}

/** The tier after `level` in this environment's order (the first tier for level 0), if any. */
export function tierAfter(policy: EscalationPolicy, level: number): EscalationTier | undefined {
  if (level <= 0) return policy.tiers[0];
  const index = policy.tiers.findIndex((tier) => tier.level === level);
  return index < 0 ? undefined : policy.tiers[index + 1];
}

/**
 * Project default, not AWS's (review 12 R12-13): how often a notice re-reads its alarm. A notice has no ladder and no
 * timer, so nothing else would find that its alarm was deleted; an hour keeps a notice of a redeployed region listed at
 * most about an hour after the redeploy, at one DescribeAlarms and one schedule per hour per open notice.
 */
export const NOTICE_CHECK_MINUTES = 60;

/** After notifying `tier` at `now`: the next tier and when its timer is due, or nothing at the end of the path. */
export function nextEscalation(policy: EscalationPolicy, tier: EscalationTier, now: Date): { tier: EscalationTier; at: Date } | undefined {
  const next = tierAfter(policy, tier.level);
  return next ? { tier: next, at: new Date(now.getTime() + tier.timeoutMinutes * 60_000) } : undefined;
}
