// Acknowledging an incident: one conditional write on the state table (what `runbook ack` and the SSM document do).
import type { Clock } from '../clock';
import { acknowledgerLabel, isPrincipalArn } from './acknowledger';
import type { EscalationStore } from './escalation-store';
import type { Incident } from './incident';
import { formatTime } from './message-view';

/**
 * `acknowledged`: this call took it. `already-acknowledged`: the same principal had (a replay: nothing to do).
 * `acknowledged-by-another`: another principal owns it; this acknowledgement was not recorded.
 * `resolved`, `not-open`, `not-found`: nothing to acknowledge; nothing recorded.
 */
export type AcknowledgeOutcome = 'acknowledged' | 'already-acknowledged' | 'acknowledged-by-another' | 'resolved' | 'not-open' | 'not-found';

export interface AcknowledgeResult {
  outcome: AcknowledgeOutcome;
  incidentId: string;
  message: string;
  incident?: Incident;
}

export interface AcknowledgeRequest {
  incidentId: string;
  /** The caller's principal ARN as AWS said it (STS GetCallerIdentity), never typed by the caller. */
  by: string;
  /** Self-declared (`--by`): shown beside the principal, labelled so. */
  note?: string;
  via: string;
}

/** Refused before any write: an acknowledger that is not a principal ARN would put typed text where AWS's word belongs. */
export class UnverifiedAcknowledgerError extends Error {
  override readonly name = 'UnverifiedAcknowledgerError';
}

/** Pure: what the state of the incident after the conditional write means for this request. */
export function acknowledgeOutcome(request: Pick<AcknowledgeRequest, 'incidentId' | 'by'>, acknowledged: boolean, incident: Incident | undefined): AcknowledgeResult {
  const { incidentId } = request;
  if (!incident) return { outcome: 'not-found', incidentId, message: `no incident ${incidentId} in the state table: nothing acknowledged` };
  if (acknowledged) {
    const next = incident.nextLevel !== undefined && incident.nextEscalationAt ? ` L${incident.nextLevel} (due ${formatTime(incident.nextEscalationAt)}) will not be notified.` : '';
    return {
      outcome: 'acknowledged',
      incidentId,
      incident,
      message: `${incidentId} acknowledged by ${acknowledgerLabel(incident)}: escalation stopped.${next} It resolves when alarm "${incident.alarmName}" returns to OK.`,
    };
  }
  const when = formatTime(incident.acknowledgedAt ?? '');
  switch (incident.status) {
    case 'ACKNOWLEDGED':
      return incident.acknowledgedBy === request.by
        ? { outcome: 'already-acknowledged', incidentId, incident, message: `${incidentId} was already acknowledged by you (${acknowledgerLabel(incident)}) at ${when}: nothing changed` }
        : {
            outcome: 'acknowledged-by-another',
            incidentId,
            incident,
            message: `${incidentId} is already acknowledged by ${acknowledgerLabel(incident)} at ${when}, not by you (${request.by}): your acknowledgement was not recorded`,
          };
    case 'RESOLVED':
      return {
        outcome: 'resolved',
        incidentId,
        incident,
        message: `${incidentId} is resolved (${incident.resolution ?? 'alarm OK'}, ${formatTime(incident.resolvedAt ?? '')}): nothing to acknowledge, nothing recorded`,
      };
    default:
      return {
        outcome: 'not-open',
        incidentId,
        incident,
        message: `${incidentId} is not open: nobody has been notified yet (the automation acted and is watching alarm "${incident.alarmName}"); nothing recorded`,
      };
  }
}

/**
 * OPEN -> ACKNOWLEDGED, conditional on OPEN: the first acknowledgement stands, a later one never overwrites it. The
 * pending timer still fires, re-reads the incident and stops: acknowledging needs no Scheduler permission, so the CLI
 * and the SSM document can do exactly the same thing.
 */
export async function acknowledgeIncident(store: Pick<EscalationStore, 'acknowledge'>, request: AcknowledgeRequest, clock: Clock): Promise<AcknowledgeResult> {
  if (!isPrincipalArn(request.by)) {
    throw new UnverifiedAcknowledgerError(`"${request.by.slice(0, 80)}" is not a principal ARN (STS GetCallerIdentity's Arn): nothing acknowledged`);
  }
  const { acknowledged, incident } = await store.acknowledge(
    request.incidentId,
    { by: request.by, via: request.via, ...(request.note ? { note: request.note } : {}) },
    clock.now(),
  );
  return acknowledgeOutcome(request, acknowledged, incident);
}
