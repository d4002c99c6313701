// Pure: the identity of one alarm state change (alarm ARN + the instant of the change), the same however the instant
// was written. EventBridge writes `2026-12-06T07:17:31.070+0000`; the SSM documents build their event from
// DescribeAlarmsForMetric's StateUpdatedTimestamp, which arrives as `2026-12-06T07:17:31.070Z` (decision 150).

/**
 * A state change's timestamp in one form: UTC, milliseconds, EventBridge's offset `+0000`
 * (`2026-12-06T07:17:31.070+0000`), whatever ISO 8601 form it came in (`Z`, `+00:00`, another offset, more fraction
 * digits: those are truncated to the millisecond, as CloudWatch keeps them). EventBridge's own form is the canonical
 * one, so an incident opened from an EventBridge delivery keeps the key it had before this existed. Text that is no
 * timestamp comes back unchanged, for the parser to reject.
 */
export function stateChangeInstant(timestamp: string): string {
  // Date.parse is not bound to read a basic offset ("+0000"); "+00:00" it must.
  const ms = Date.parse(timestamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? timestamp : new Date(ms).toISOString().replace(/Z$/, '+0000');
}

/** The incident key of a state change: `${alarmArn}#${instant}`, the instant as stateChangeInstant writes it. */
export function stateChangeKey(alarmArn: string, timestamp: string): string {
  return `${alarmArn}#${stateChangeInstant(timestamp)}`;
}
