// Lambda entry point: "Runbook Decision" events and alarm state changes -> incidents up the escalation path (shared/escalation/).
import { createEscalateHandler } from '../shared/escalation/create-escalate-handler';

export const handler = createEscalateHandler();
