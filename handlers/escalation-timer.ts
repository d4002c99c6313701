// Lambda entry point: the target of the escalation's EventBridge Scheduler timers (shared/escalation/escalation-service.ts).
import { createEscalationTimerHandler } from '../shared/escalation/create-escalation-timer-handler';
import { regionServingSource } from '../shared/pipeline/region-serving-source';

// In a DR region a standby-watch incident re-reads "this region serves" before it climbs (review 12, R12-7).
export const handler = createEscalationTimerHandler({ regionServing: regionServingSource });
