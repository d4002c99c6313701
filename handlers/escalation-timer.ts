// Lambda entry point: the target of the escalation's EventBridge Scheduler timers (shared/escalation/escalation-service.ts).
import { createEscalationTimerHandler } from '../shared/escalation/create-escalation-handlers';

export const handler = createEscalationTimerHandler();
