// Pure: whether an event EventBridge replayed from an archive is too old for the project's records to tell it was handled.
import type { AlarmStateChange } from './alarm-event';
import { isoDateTimeText } from './state-change-key';

const DAY_MS = 86_400_000;

/**
 * Why a replayed alarm event is not acted on (undefined when it may be, or is no replay). A replay (`replay-name`) re-sends
 * an archived event unchanged, so it names the state change it named then, under the same incident key. Its claim was
 * taken no earlier than the state change and is kept `retentionDays` after it was taken (the records' TTL), so while the
 * state change is at most `retentionDays` old the claim says whether it was handled and a replay is a duplicate like any
 * other. Older, the claim may be gone: the alarm still in that state since then would pass the re-read and the replay
 * would remediate the state change a second time (an archive keeps events indefinitely by default). A live delivery
 * is never that old (EventBridge retries for at most 24 hours; a dead-letter queue keeps at most 14 days), and an SSM
 * document's event (no `replay-name`) is a person's decision: neither is judged here (decision 274).
 */
export function replayBeyondRecordsReason(
  event: Pick<AlarmStateChange, 'alarmName' | 'replayName' | 'state'>,
  now: Date,
  retentionDays: number,
): string | undefined {
  if (event.replayName === undefined) return undefined;
  const changedAt = Date.parse(isoDateTimeText(event.state.timestamp));
  if (Number.isNaN(changedAt) || now.getTime() - changedAt <= retentionDays * DAY_MS) return undefined;
  const ageDays = Math.floor((now.getTime() - changedAt) / DAY_MS);
  return `replayed event (EventBridge replay "${event.replayName}") of alarm "${event.alarmName}"'s state change of ${event.state.timestamp}, ${ageDays} days ago: older than the ${retentionDays} days the records that tell a handled state change are kept (recordRetentionDays), so whether it was handled cannot be told; not acted on, nothing read or changed`;
}
