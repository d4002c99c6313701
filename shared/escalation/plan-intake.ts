// Pure: what one decision or alarm state change does to the incident it is about (open, watch, update, resolve, nothing).
import type { IncidentStatus } from './incident';

export interface DecisionFacts {
  playbook: string;
  outcome: string;
  reason: string;
  incidentKey?: string;
  alarmArn?: string;
  alarmName?: string;
  alarmState?: string;
  alarmTime?: string;
  escalation?: { cause: string; guardrail?: string };
  /** Left to the incident of another alarm (the standby watch's, decision 158). */
  deferredTo?: { playbook: string; alarmName: string };
}

export type IntakeAction =
  /** Open the incident (or promote a watch to an incident) and notify the first tier. */
  | { kind: 'open'; cause: string; reason: string }
  /** The automation acted: give the alarm `checkAfterMinutes` to clear, then open an incident if it still fires. */
  | { kind: 'watch'; checkAfterMinutes: number }
  /** Record the decision on the incident; nobody is notified again. */
  | { kind: 'update' }
  /** Record the decision on the open incident of another alarm (`alarmName`, same region and account); nobody is notified. */
  | { kind: 'defer'; alarmName: string; playbook: string }
  /** The alarm is OK: resolve its incidents from state changes before `okTime`. */
  | { kind: 'resolve'; okTime: string }
  | { kind: 'ignore'; reason: string };

// The causes' labels live with the causes (incident.ts): every message reads them, the intake's planner only escalate
// (decision 333). Re-exported for this planner's readers.
export { causeLabel } from './incident';

/**
 * A decision event -> what happens to its incident. `existing` is the incident's status when there is one.
 * Escalations open (or join) the incident; applied and dry-run changes on a firing alarm start a watch, because only
 * the alarm staying in ALARM tells whether they worked; a decision on an OK alarm resolves what came before it.
 * A restore signal (`restoreSignals`: Queue Backup's low-water alarm, decisions 185 and 205) says nothing about a fault:
 * a restore it held or that failed is a `restore-held` notice to the first tier (NOTICE_CAUSES: no next tier, review 12
 * R12-4), resolved by the next applied restore of that alarm; any other decision on it watches nothing and resolves
 * nothing (its state is the queue's depth, not the consumers': only an applied restore says they are back).
 */
export function planDecisionIntake(
  decision: DecisionFacts,
  existing: IncidentStatus | undefined,
  stillFiringAfterMinutes: number,
  restoreSignals: ReadonlySet<string> = new Set(),
): IntakeAction {
  if (!decision.incidentKey || !decision.alarmArn || !decision.alarmName || !decision.alarmTime) {
    return { kind: 'ignore', reason: `decision of ${decision.playbook} names no alarm state change: nothing to escalate` };
  }
  if (decision.outcome === 'rejected') return { kind: 'ignore', reason: 'rejected events are not incidents' };
  if (restoreSignals.has(decision.alarmName)) return planRestoreSignalIntake(decision, decision.alarmTime, existing);
  // A firing alarm whose decision another playbook's alarm reports (decision 158): no incident of its own, recorded on that one.
  if (decision.outcome === 'skipped' && decision.deferredTo && decision.alarmState === 'ALARM') {
    return { kind: 'defer', alarmName: decision.deferredTo.alarmName, playbook: decision.deferredTo.playbook };
  }
  if (decision.outcome === 'escalate') {
    if (existing === 'RESOLVED') return { kind: 'ignore', reason: 'the incident is already resolved' };
    if (existing === 'ACKNOWLEDGED') return { kind: 'update' };
    // Also for an incident already OPEN: opening is idempotent, and finishes a first notification a crash interrupted.
    const cause = decision.escalation?.cause ?? 'failure';
    return { kind: 'open', cause, reason: decision.reason };
  }
  if (decision.alarmState === 'OK') return { kind: 'resolve', okTime: decision.alarmTime };
  if (existing === 'RESOLVED') return { kind: 'ignore', reason: 'the incident is already resolved' };
  // A change the kill switch held back on a firing alarm: nothing was done and nothing will be (the automation decides a
  // state change once), so the incident opens now, not after a watch (decision 379; amends 28).
  if (decision.outcome === 'dry-run' && decision.alarmState === 'ALARM' && decision.escalation?.guardrail === 'kill-switch') {
    if (existing === 'ACKNOWLEDGED') return { kind: 'update' };
    return { kind: 'open', cause: decision.escalation.cause, reason: decision.reason };
  }
  if (existing !== undefined) return { kind: 'update' };
  if ((decision.outcome === 'applied' || decision.outcome === 'dry-run') && decision.alarmState === 'ALARM') {
    return { kind: 'watch', checkAfterMinutes: stillFiringAfterMinutes };
  }
  return { kind: 'ignore', reason: `${decision.outcome}: ${decision.reason}` };
}

/** A decision on a restore signal (planDecisionIntake's doc): a held restore is a notice; an applied one resolves the notices before it. */
function planRestoreSignalIntake(decision: DecisionFacts, alarmTime: string, existing: IncidentStatus | undefined): IntakeAction {
  if (decision.outcome === 'escalate') {
    if (existing === 'RESOLVED') return { kind: 'ignore', reason: 'the incident is already resolved' };
    if (existing === 'ACKNOWLEDGED') return { kind: 'update' };
    return { kind: 'open', cause: 'restore-held', reason: decision.reason };
  }
  // A retry of the same state change on its own notice: recorded there (an OK resolves only notices of earlier state changes).
  if (existing !== undefined) return existing === 'RESOLVED' ? { kind: 'ignore', reason: 'the incident is already resolved' } : { kind: 'update' };
  if (decision.outcome === 'applied') return { kind: 'resolve', okTime: alarmTime };
  return {
    kind: 'ignore',
    reason: `${decision.outcome} on the restore signal "${decision.alarmName ?? ''}": nothing to watch or resolve (only an applied restore says the consumers are back): ${decision.reason}`,
  };
}

export interface AlarmFacts {
  alarmName: string;
  state: string;
  muted: boolean;
}

/**
 * An alarm state change delivered to the escalate handler. OK resolves; ALARM reaches it only for rows whose response
 * is "alert and escalate" (the rule routes those alarms here), so it opens an incident at once. A restore signal's state
 * change (`restoreSignals`) resolves and opens nothing: its only incidents are held-restore notices, which an applied
 * restore resolves (planDecisionIntake), not the queue's depth crossing the watermark again.
 */
export function planAlarmIntake(alarm: AlarmFacts, existing: IncidentStatus | undefined, okTime: string, restoreSignals: ReadonlySet<string> = new Set()): IntakeAction {
  if (restoreSignals.has(alarm.alarmName)) {
    return { kind: 'ignore', reason: `"${alarm.alarmName}" is a restore signal: its ${alarm.state} resolves nothing (only an applied restore resolves its notices)` };
  }
  if (alarm.state === 'OK') return { kind: 'resolve', okTime };
  if (alarm.muted) return { kind: 'ignore', reason: `alarm "${alarm.alarmName}" is muted: not escalated` };
  if (alarm.state !== 'ALARM') return { kind: 'ignore', reason: `alarm "${alarm.alarmName}" is ${alarm.state}: nothing to escalate` };
  if (existing === 'RESOLVED') return { kind: 'ignore', reason: 'the incident is already resolved' };
  if (existing === 'ACKNOWLEDGED') return { kind: 'ignore', reason: 'duplicate delivery: the incident is already acknowledged' };
  return { kind: 'open', cause: 'alarm', reason: `alarm "${alarm.alarmName}" is in ALARM` };
}
