// The kill switch stops the automation changing things, not people being told (decision 178): every page goes out, and
// while the switch is engaged (or cannot be read) each one says so.
import type { KillSwitchState } from '../guard/kill-switch';
import { safeField } from '../report/safe-text';
import type { MessageView } from './message-view';
import { shellQuote } from './next-step';
import type { EscalationTier } from './policy';
import type { TierNotifier } from './tier-notifier';

/** A value someone wrote to the switch reaches the message: masked, one line and bounded like any text from outside. */
const MAX_NOTICE_CHARS = 600;

/**
 * Which switch: each region's stack creates its own under the same name (one switch per region), in the account the
 * escalation runs in, so the command that resumes names the region, and in cross-account mode the account whose
 * credentials it needs (the operations account, not the workload's) (review 12, R12-12).
 */
export interface KillSwitchLocation {
  parameterName: string;
  region: string;
  /** Cross-account mode only: the operations account the switch is in. */
  account?: string;
}

/** Pure: the command that turns this region's switch off, shell-quoted, with the account to run it in when it matters. */
export function resumeCommand(where: KillSwitchLocation): string {
  const command = `aws ssm put-parameter --region ${shellQuote(where.region)} --name ${shellQuote(where.parameterName)} --value off --overwrite`;
  return where.account ? `${command} (with credentials of account ${where.account}, where the switch is; each region has its own)` : `${command} (each region has its own switch)`;
}

/** Pure: what a message says about the kill switch; undefined while it says "off". */
export function killSwitchNotice(state: KillSwitchState, where: KillSwitchLocation): MessageView['killSwitch'] {
  if (!state.engaged) return undefined;
  if (state.unread) {
    return {
      unread: true,
      text: safeField(
        `${state.reason}. While it cannot be read the alarm handlers make no change (they retry); this message is sent anyway.`,
        MAX_NOTICE_CHARS,
      ),
    };
  }
  // The written value is bounded; the command after it is the deployment's own and is never cut.
  return {
    unread: false,
    text: `${safeField(
      `${state.reason}. The automation is stopped: nothing is changed automatically while the switch is engaged (it only plans and reports), and escalation still pages.`,
      MAX_NOTICE_CHARS,
    )} To resume: ${resumeCommand(where)}`,
  };
}

type Notifier = Pick<TierNotifier, 'notify' | 'resolve'>;

/**
 * The live notifier, with the kill switch read before each delivery (kept for killSwitchCacheSeconds) and its state
 * written into the message. Nothing here withholds a message: a read that throws is noted as unreadable, and the page
 * goes out either way, so a throttled or denied SSM read can neither silence a tier nor be recorded as its page.
 */
export function withKillSwitchNotice(
  live: Notifier,
  killSwitch: { read(): Promise<KillSwitchState> },
  where: KillSwitchLocation,
  log: { warn(message: string, fields: Record<string, unknown>): void },
): Notifier {
  const noted = async (tier: EscalationTier, view: MessageView): Promise<MessageView> => {
    const state = await killSwitch.read().catch(
      (error: unknown): KillSwitchState => ({ engaged: true, unread: true, reason: `kill switch ${where.parameterName} could not be read (${error instanceof Error ? error.name : 'error'})` }),
    );
    const notice = killSwitchNotice(state, where);
    if (!notice) return view;
    log.warn(state.unread ? 'kill switch unreadable: paging anyway, with a notice' : 'kill switch engaged: paging anyway, with a notice', { tier: tier.name, reason: state.reason });
    return { ...view, killSwitch: notice };
  };
  return {
    // The case options (the incident's creation, the send's case nonce) go through: dropped, the look read every case
    // in the account's 12 months and the case had no nonce (review 20b R20-23).
    notify: async (tier, view, progress, options) => live.notify(tier, await noted(tier, view), progress, options),
    resolve: async (tier, view, previous, progress) => live.resolve(tier, await noted(tier, view), previous, progress),
  };
}
