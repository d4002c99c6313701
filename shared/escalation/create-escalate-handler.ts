// escalate's Lambda handler: "Runbook Decision" events, alarm state changes and the kill switch's changes, wired by
// create-escalation-handlers.ts. Apart from the timer's so that only escalate loads its input parser (escalate-input.ts).
import { handlerFor, type EscalationHandler, type EscalationHandlerOptions } from './create-escalation-handlers';
import { parseEscalateInput } from './escalate-input';

/** "Runbook Decision" events and alarm state changes -> incidents, first-tier notifications, resolutions; a kill switch change -> L1. */
export function createEscalateHandler(options: EscalationHandlerOptions = {}): EscalationHandler {
  return handlerFor('escalate', options, ({ service, announceKillSwitchChange }, event) => {
    const input = parseEscalateInput(event);
    return input.kind === 'kill-switch-change' ? announceKillSwitchChange(input.change) : service.handle(input);
  });
}
