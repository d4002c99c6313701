// Acknowledging an incident: one conditional write on the state table (what `runbook ack` and the SSM document do).
import type { Clock } from '../clock';
import type { EscalationStore } from './escalation-store';
import type { Incident } from './incident';
import { formatTime } from './message-view';

export type AcknowledgeOutcome = 'acknowledged' | 'already-acknowledged' | 'resolved' | 'not-open' | 'not-found';

export interface AcknowledgeResult {
  outcome: AcknowledgeOutcome;
  incidentId: string;
  message: string;
  incident?: Incident;
}

/**
 * OPEN -> ACKNOWLEDGED. The pending timer still fires, re-reads the incident and stops: acknowledging needs no
 * Scheduler permission, so the CLI and the SSM document can do exactly the same thing.
 */
export async function acknowledgeIncident(
  store: Pick<EscalationStore, 'acknowledge'>,
  request: { incidentId: string; by: string; via: string },
  clock: Clock,
): Promise<AcknowledgeResult> {
  const { incidentId } = request;
  const { acknowledged, incident } = await store.acknowledge(incidentId, request.by, request.via, clock.now());
  if (!incident) return { outcome: 'not-found', incidentId, message: `no incident ${incidentId} in the state table` };
  if (acknowledged) {
    const next = incident.nextLevel !== undefined && incident.nextEscalationAt ? ` L${incident.nextLevel} (due ${formatTime(incident.nextEscalationAt)}) will not be notified.` : '';
    return {
      outcome: 'acknowledged',
      incidentId,
      incident,
      message: `${incidentId} acknowledged by ${request.by}: escalation stopped.${next} It resolves when alarm "${incident.alarmName}" returns to OK.`,
    };
  }
  switch (incident.status) {
    case 'ACKNOWLEDGED':
      return {
        outcome: 'already-acknowledged',
        incidentId,
        incident,
        message: `${incidentId} was already acknowledged by ${incident.acknowledgedBy ?? '?'} at ${formatTime(incident.acknowledgedAt ?? '')}`,
      };
    case 'RESOLVED':
      return { outcome: 'resolved', incidentId, incident, message: `${incidentId} is already resolved (${incident.resolution ?? 'alarm OK'}, ${formatTime(incident.resolvedAt ?? '')})` };
    default:
      return {
        outcome: 'not-open',
        incidentId,
        incident,
        message: `${incidentId} is not open: nobody has been notified yet (the automation acted and is watching alarm "${incident.alarmName}")`,
      };
  }
}
