// escalation-timer's Lambda handler: the escalation's Scheduler timers, wired by create-escalation-handlers.ts. Apart
// from escalate's so that only the timer loads its input parser (timer-input.ts).
import { handlerFor, type EscalationHandler, type EscalationHandlerOptions } from './create-escalation-handlers';
import { parseTimerHandlerInput } from './timer-input';

/**
 * The durable timers' target: re-reads incident and alarm, then escalates to the next tier, opens, resolves or stops;
 * and the sweep's (decision 264): every overdue timer's work, said late, in a small pool under the function's deadline.
 */
export function createEscalationTimerHandler(options: EscalationHandlerOptions = {}): EscalationHandler {
  return handlerFor('escalation-timer', options, ({ service }, event, context) => {
    const input = parseTimerHandlerInput(event);
    // The sweep stops starting timers with a reserve of the function's time left (review 17 R17-6); without a Lambda
    // context (a direct call) it has no deadline.
    const remaining = context?.getRemainingTimeInMillis?.bind(context);
    return input.kind === 'sweep' ? service.sweep(remaining ? { remainingMs: remaining } : {}) : service.handleTimer(input.input);
  });
}
