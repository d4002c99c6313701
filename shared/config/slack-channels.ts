// Pure: the AWS Chatbot Slack channel configurations an environment's escalation asks for, one per Slack channel, with
// the project's defaults filled in. Infra synthesizes them (infra/lib/constructs/escalation-topics.ts).
import type { AutomationConfig, EnvironmentName } from './schema';

/**
 * Project default (the document names no chat tool): the guardrail of a channel that names none. Read-only and no wider
 * than what an on-call channel looks at (alarms, metrics, logs); AWS would otherwise apply AdministratorAccess.
 */
export const DEFAULT_SLACK_GUARDRAIL_POLICY = 'CloudWatchReadOnlyAccess';
/** Project default: Chatbot logs failed deliveries only. */
export const DEFAULT_SLACK_LOGGING_LEVEL = 'ERROR';
/** Project default: the channel role (which has no permissions) answers for everyone; no per-user role. */
export const DEFAULT_SLACK_USER_ROLE_REQUIRED = false;

export interface SlackChannelPlan {
  workspaceId: string;
  channelId: string;
  /** The tiers (levels) whose topics the channel is subscribed to, in order. */
  levels: number[];
  /** Managed policy ARNs given in the configuration; undefined: DEFAULT_SLACK_GUARDRAIL_POLICY (AWS managed). */
  guardrailPolicyArns?: string[];
  loggingLevel: 'ERROR' | 'INFO' | 'NONE';
  userRoleRequired: boolean;
}

/**
 * Every Slack channel the environment's tiers name, merged by (workspace, channel): a channel under two tiers is one
 * configuration subscribed to both topics (the schema refuses two different settings for one channel). Only tiers of
 * the escalation path count, like the email endpoints.
 */
export function slackChannelPlans(config: AutomationConfig, environment: EnvironmentName): SlackChannelPlan[] {
  const levels = new Set(config.escalationPath.map((tier) => tier.level));
  const plans = new Map<string, SlackChannelPlan>();
  for (const tier of config.environments[environment]?.escalation?.tiers ?? []) {
    if (!levels.has(tier.level) || !tier.channels.includes('chat')) continue;
    for (const channel of tier.slack ?? []) {
      const key = `${channel.workspaceId}/${channel.channelId}`;
      const known = plans.get(key);
      if (known) {
        if (!known.levels.includes(tier.level)) known.levels.push(tier.level);
        continue;
      }
      plans.set(key, {
        workspaceId: channel.workspaceId,
        channelId: channel.channelId,
        levels: [tier.level],
        ...(channel.guardrailPolicies ? { guardrailPolicyArns: [...channel.guardrailPolicies] } : {}),
        loggingLevel: channel.loggingLevel ?? DEFAULT_SLACK_LOGGING_LEVEL,
        userRoleRequired: channel.userRoleRequired ?? DEFAULT_SLACK_USER_ROLE_REQUIRED,
      });
    }
  }
  return [...plans.values()].map((plan) => ({ ...plan, levels: [...plan.levels].sort((a, b) => a - b) }));
}
