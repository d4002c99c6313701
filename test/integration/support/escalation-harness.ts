// The escalation path over one sandbox account as the escalation integration tests drive it: escalate and
// escalation-timer from the build, scale-consumers (whose decision opens the incident), and each tier's inbox.
import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { createEscalationInbox, type EscalationInbox } from '../../../sandbox/escalation-inbox';
import { queueAlarmName, type SandboxAccount } from './sandbox-account';
import { loadHandler } from '../../support/load-handler';

export interface EscalationHarness {
  account: SandboxAccount;
  inbox: EscalationInbox;
  escalate: EscalationHandler;
  timer: EscalationHandler;
  scaleConsumers: AlarmHandler;
  alarmName: string;
}

/**
 * Grouping off (decision 204): a case can open a fresh incident seconds after the last one resolved. The account's
 * extra environment for `provisionAccount`.
 */
export const NO_REGROUPING_ENV = {
  RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { production: { escalation: { flapping: { regroupWithinMinutes: 0, settleMinutes: 10 } } } } }),
};

/** The handlers and inbox on `account`; `timer` when the case loaded escalation-timer itself (with its own log setup). */
export async function escalationHarness(account: SandboxAccount, options: { inboxPrefix?: string; timer?: EscalationHandler } = {}): Promise<EscalationHarness> {
  const inbox = await createEscalationInbox(account.clientConfig, account.topology, options.inboxPrefix);
  return {
    account,
    inbox,
    escalate: loadHandler<EscalationHandler>('escalate'),
    timer: options.timer ?? loadHandler<EscalationHandler>('escalation-timer'),
    scaleConsumers: loadHandler<AlarmHandler>('scale-consumers'),
    alarmName: queueAlarmName(account.topology),
  };
}

/** The consumers already at the production cap (400): scale-consumers escalates instead of scaling. */
export async function consumersAtCap(account: SandboxAccount): Promise<void> {
  await account.lambda.send(new UpdateEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid, ScalingConfig: { MaximumConcurrency: 400 } }));
}
