// Pure: the identity of one alarm state change (alarm ARN + the instant of the change), the same however the instant
// was written. EventBridge writes `2026-12-06T07:17:31.070+0000`; the SSM documents build their event from
// DescribeAlarmsForMetric's timestamps, which the rehearsal hands on as `2026-12-06T07:17:31.070Z` and real SSM in a
// form AWS does not document (decisions 150, 171).

/**
 * A timestamp in the form Date.parse and zod must read: a basic offset ("+0000") with its colon, and RFC 3339's space
 * between date and time (section 5.6's note; Python's `str(datetime)`: `2026-12-06 07:17:31.070000+00:00`) as the "T"
 * of ISO 8601. SSM Automation hands an `aws:executeAwsApi` output of a boto3 datetime on as a String in a form AWS does
 * not document: `isoformat()` and `str()` are the two Python writes, and both read as the same instant (decision 171).
 */
export function isoDateTimeText(timestamp: string): string {
  return timestamp.replace(/^(\d{4}-\d{2}-\d{2}) (\d{2}:)/, '$1T$2').replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

/**
 * A state change's timestamp in one form: UTC, milliseconds, EventBridge's offset `+0000`
 * (`2026-12-06T07:17:31.070+0000`), whatever ISO 8601 form it came in (`Z`, `+00:00`, another offset, a space for the
 * "T", more fraction digits: those are truncated to the millisecond, as CloudWatch keeps them). EventBridge's own form is the canonical
 * one, so an incident opened from an EventBridge delivery keeps the key it had before this existed. Text that is no
 * timestamp comes back unchanged, for the parser to reject.
 */
export function stateChangeInstant(timestamp: string): string {
  // Date.parse is not bound to read a basic offset ("+0000"); "+00:00" it must.
  const ms = Date.parse(isoDateTimeText(timestamp));
  return Number.isNaN(ms) ? timestamp : new Date(ms).toISOString().replace(/Z$/, '+0000');
}

/** The incident key of a state change: `${alarmArn}#${instant}`, the instant as stateChangeInstant writes it. */
export function stateChangeKey(alarmArn: string, timestamp: string): string {
  return `${alarmArn}#${stateChangeInstant(timestamp)}`;
}
