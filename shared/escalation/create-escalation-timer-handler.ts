// escalation-timer's Lambda handler: the escalation's Scheduler timers, wired by create-escalation-handlers.ts. Apart
// from escalate's so that only the timer loads its input parser (timer-input.ts).
import { handlerFor, type EscalationHandler, type EscalationHandlerOptions } from './create-escalation-handlers';
import { parseTimerHandlerInput } from './timer-input';
// The service's timer run, read at init: a due timer runs it (decision 333).
import { handleTimer } from './escalation-timer-run';
import { lazy } from '../aws/lazy-client';

// The rarer paths (escalation-rare-paths.ts): here, the sweep, loaded on its first run in a container (decision 333).
const rarePathsModule = lazy(() => import('./escalation-rare-paths'));

/**
 * The durable timers' target: re-reads incident and alarm, then escalates to the next tier, opens, resolves or stops;
 * and the sweep's (decision 264): every overdue timer's work, said late, in a small pool under the function's deadline.
 */
export function createEscalationTimerHandler(options: EscalationHandlerOptions = {}): EscalationHandler {
  return handlerFor('escalation-timer', options, async ({ service, deadline }, event, context) => {
    const input = parseTimerHandlerInput(event);
    // The sweep stops starting timers with a reserve of the function's time left (review 17 R17-6), and every AWS call,
    // the sweep's or one timer's, is bound by that time (review 18b R18-10: timer-deadline.ts); without a Lambda context
    // (a direct call) there is no deadline.
    const remaining = context?.getRemainingTimeInMillis?.bind(context);
    const disarm = remaining ? deadline.arm(remaining) : undefined;
    try {
      return await (input.kind === 'sweep' ? (await rarePathsModule()).sweep(service, remaining ? { remainingMs: remaining } : {}, (timer, swept) => handleTimer(service, timer, swept)) : handleTimer(service, input.input));
    } finally {
      disarm?.();
    }
  });
}
