// Pure: whether an event EventBridge replayed from an archive is too old for the project's records to tell it was handled.
import { REPLAY_MAX_AGE_DAYS } from '../config/schema';
import type { AlarmStateChange } from './alarm-event';
import { isoDateTimeText } from './state-change-key';

const DAY_MS = 86_400_000;

/**
 * Why a replayed alarm event is not acted on (undefined when it may be, or is no replay). A replay (`replay-name`) re-sends
 * an archived event unchanged, so it names the state change it named then, under the same incident key. Its claim was
 * taken no earlier than the state change and is kept at least REPLAY_MAX_AGE_DAYS after it was taken (the records' TTL,
 * never set shorter), so while the state change is at most that old the claim says whether it was handled and a replay
 * is a duplicate like any other. Older, the claim may be gone: the alarm still in that state since then would pass the
 * re-read and the replay would remediate the state change a second time (an archive keeps events indefinitely by
 * default). An SSM document's event (no `replay-name`) is a person's decision, and a live delivery is never that old:
 * neither is judged here (decisions 274, 286).
 */
export function replayBeyondRecordsReason(event: Pick<AlarmStateChange, 'alarmName' | 'replayName' | 'state'>, now: Date): string | undefined {
  if (event.replayName === undefined) return undefined;
  const changedAt = Date.parse(isoDateTimeText(event.state.timestamp));
  if (Number.isNaN(changedAt) || now.getTime() - changedAt <= REPLAY_MAX_AGE_DAYS * DAY_MS) return undefined;
  const ageDays = Math.floor((now.getTime() - changedAt) / DAY_MS);
  return `replayed event (EventBridge replay "${event.replayName}") of alarm "${event.alarmName}"'s state change of ${event.state.timestamp}, ${ageDays} days ago: older than the ${REPLAY_MAX_AGE_DAYS} days within which the records are sure to tell a handled state change (every claim is kept at least that long), so whether it was handled cannot be told; not acted on, nothing read or changed (to act on it, run the playbook's runbook by hand)`;
}
