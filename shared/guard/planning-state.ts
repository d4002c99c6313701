// Pure: the resource state an incident plans from (every decision's plan reads it; the guardrails are the change step's).
import type { ResourceState } from '../state/incident-store';

/**
 * The state an incident plans from: the state table's, except where the incident's own earlier attempt already reserved
 * its change (a retry): then the state that reservation replaced, with the facts learned since. A restore's reservation
 * clears the baseline it restores to, so a retry planning from it found nothing to restore (decision 110).
 */
export function planningState(state: ResourceState | undefined, incidentKey: string): ResourceState | undefined {
  if (!state || state.lastIncidentKey !== incidentKey || !state.reservedFrom) return state;
  const { learned: _learned, ...before } = state.reservedFrom;
  return { ...before, ...(state.learned ? { learned: state.learned } : {}), version: state.version };
}
