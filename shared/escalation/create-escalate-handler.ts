// escalate's Lambda handler: "Runbook Decision" events, alarm state changes and the kill switch's changes, wired by
// create-escalation-handlers.ts. Apart from the timer's so that only escalate loads its input parser (escalate-input.ts).
import { handlerFor, type EscalationHandler, type EscalationHandlerOptions } from './create-escalation-handlers';
import { parseEscalateInput } from './escalate-input';
// The service's intake, read at init: every escalate event runs it (decision 333); escalation-timer's part is not read.
import { handle } from './escalation-intake';
import { InvalidInputError } from '../errors';
import { replayBeyondRecordsReason } from '../events/replay-age';

/** "Runbook Decision" events and alarm state changes -> incidents, first-tier notifications, resolutions; a kill switch change -> L1. */
export function createEscalateHandler(options: EscalationHandlerOptions = {}): EscalationHandler {
  return handlerFor('escalate', options, async ({ service, announceKillSwitchChange, clock, deadline }, event, context) => {
    const input = parseEscalateInput(event);
    if (input.kind === 'alarm') {
      // An archive's replay older than every claim is sure to be kept (decisions 274, 286): nobody paged again.
      const tooOld = replayBeyondRecordsReason(input.event, clock.now());
      if (tooOld !== undefined) throw new InvalidInputError(tooOld, [`replay-name: ${input.event.replayName ?? ''}`, `state.timestamp: ${input.event.state.timestamp}`]);
    }
    // Every AWS call is bound by the function's time left, as escalation-timer's (timer-deadline.ts; decision 312): a
    // first page or a kill switch notice that went out is recorded, or its claim given back, before the timeout.
    const disarm = context?.getRemainingTimeInMillis ? deadline.arm(context.getRemainingTimeInMillis.bind(context)) : undefined;
    try {
      return await (input.kind === 'kill-switch-change' ? announceKillSwitchChange(input.change) : handle(service, input));
    } finally {
      disarm?.();
    }
  });
}
