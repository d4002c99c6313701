// escalate's announcement of a kill switch change to L1 (decision 178; review 12 R12-3, review 13 R13-9): the change
// checked against this function's own switch, rendered, told once per state of the switch. A module of its own, loaded
// with the first such event (decision 333): a rare event, so its rendering and notice log are not read at every cold start.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Clock } from '../clock';
import type { RuntimeConfig } from '../config/load-config';
import { InvalidInputError, TransientError } from '../errors';
import type { KillSwitchState } from '../guard/kill-switch';
import type { EscalationResult } from './escalation-service';
import type { KillSwitchChange } from './kill-switch-change';
import { KillSwitchNoticeLog } from './kill-switch-notice-log';
import type { EscalationPolicy } from './policy';
import { killSwitchToldKey, renderKillSwitchChange } from './render-kill-switch-change';
import type { TierNotifier } from './tier-notifier';

export interface KillSwitchAnnouncerDeps {
  runtime: RuntimeConfig;
  policy: EscalationPolicy;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  tierNotifier: Pick<TierNotifier, 'publishNotice'>;
  /** The state table under the work's deadline, and under the recording reserve (timer-deadline.ts). */
  db: Pick<DynamoDBDocumentClient, 'send'>;
  recorder: Pick<DynamoDBDocumentClient, 'send'>;
  /** This function's own account (STS, asked once per container). */
  account(): Promise<string>;
  /** What the switch says now, read past the cache (a change just happened); a failed read is told as such. */
  readSwitch(): Promise<KillSwitchState>;
}

/** Tells L1 that someone changed the kill switch: the change is refused unless it is of this function's own switch. */
export function killSwitchAnnouncer(deps: KillSwitchAnnouncerDeps): (change: KillSwitchChange) => Promise<EscalationResult> {
  const { runtime, policy, clock, logger, metrics, tierNotifier } = deps;
  const killSwitchNotices = new KillSwitchNoticeLog(
    deps.db,
    { tableName: runtime.config.stateTableName, parameterName: runtime.config.killSwitchParameterName, leaseSeconds: runtime.config.claimLeaseSeconds },
    deps.recorder,
  );
  return async (change: KillSwitchChange): Promise<EscalationResult> => {
    const name = runtime.config.killSwitchParameterName;
    // Refused before this module was loaded (create-escalation-handlers.ts) if it is not this function's own switch, in
    // its account and region, or if the path has no tier to tell: what reaches here is announced.
    const own = await deps.account();
    // What it says now, read past the cache (a change just happened); a failed read is told as such, never withheld.
    const now = await deps.readSwitch();
    const tier = policy.tiers[0];
    if (!tier) throw new InvalidInputError(`the ${runtime.environment} escalation path has no tier to tell`);
    const at = clock.now();
    const notice = renderKillSwitchChange(change, now, { environment: runtime.environment, account: own, region: runtime.region, tier, at });
    const told = killSwitchToldKey(change, now);
    const reason = `${change.operation} of ${name} (${told}) told to ${tier.name}: ${now.reason}`;
    if (runtime.dryRun) {
      logger.info('dry run: kill switch change not sent', { tier: tier.name, subject: notice.subject, text: notice.text });
      return { action: 'announced', reason, delivered: [{ kind: 'notify', level: tier.level, tier: tier.name, via: tier.channels.map((c) => `dry-run:${c}`).join('+') }] };
    }
    // Each state of the switch is told once (review 12 R12-3, review 13 R13-9): a redelivery, or the same event handed to
    // escalate by anyone who may invoke it, finds it told and pages nobody.
    const claim = await killSwitchNotices.claim(told, at);
    if (!claim.claimed) {
      if (claim.reason === 'in-progress') throw new TransientError(`the kill switch notice of ${told} is being sent by another delivery; retried, it finds it told or takes it over`);
      logger.info('kill switch change already told', { operation: change.operation, told, sentAt: claim.sentAt, now: now.reason });
      metrics.addMetric('KillSwitchChangesAlreadyTold', MetricUnit.Count, 1);
      return { action: 'ignored', reason: `${name} ${told} was already told to ${tier.name}${claim.sentAt ? ` at ${claim.sentAt}` : ''}: nobody paged again`, delivered: [] };
    }
    logger.warn('kill switch changed: telling the first tier', { operation: change.operation, now: now.reason, told, tier: tier.name });
    let delivery;
    try {
      delivery = await tierNotifier.publishNotice(tier, notice, 'kill-switch', runtime.environment, {
        delivered: claim.delivered,
        onDelivered: (channel, messageId) => killSwitchNotices.recordDelivered(claim.owner, channel, messageId),
      });
    } catch (error) {
      await killSwitchNotices.release(claim.owner);
      throw error;
    }
    await killSwitchNotices.complete(claim.owner, clock.now());
    metrics.addMetric('KillSwitchChanges', MetricUnit.Count, 1);
    return { action: 'announced', reason, delivered: [{ kind: 'notify', level: tier.level, tier: tier.name, via: delivery.channels.join('+') }] };
  };
}
