// Which recorded answer the per-event bench's in-memory transport (bench/in-memory-transport.mjs) gives a replayed request.
//
// Several calls of one operation in one decision (scale-consumers' GetMetricData: its consumers' error rates and its depth
// alarm's own metric, decision 217) are answered from one list. Handing them out by position was not deterministic: the
// recording took the emulator's answers in the order they came back, and two concurrent requests come back in either
// order, so the error-rate query could be answered with the alarm's series and the alarm with the error rates (the
// replayed decision then escalated 'not-corroborated' in 14 calls and 5 round trips, where it applies in 21 and 8). Each
// answer is kept with the request it answered, and a replayed request gets the answer to the same request.

/** What identifies a request among others of its operation: method, path, query and body, as text. */
export function requestFingerprint(request: { method?: string; path?: string; query?: Record<string, unknown>; body?: unknown }): string {
  const query = Object.entries(request.query ?? {})
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    .sort()
    .join('&');
  return `${request.method ?? '?'} ${request.path ?? '/'}?${query}\n${bodyText(request.body)}`;
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return new TextDecoder('utf-8', { fatal: false }).decode(body);
  // A stream is read once, by the transport that sends it: not part of the fingerprint.
  return '<stream>';
}

/**
 * The request with every run of digits as '#': the same request made for another incident or at another minute (times,
 * timestamps in keys, epoch seconds in a GetMetricData window) has the same shape; another request does not.
 */
export function requestShape(fingerprint: string): string {
  return fingerprint.replace(/\d+/g, '#');
}

/**
 * The index of the recorded answer for `fingerprint` among `recorded` (the fingerprints of the requests the recording
 * answered, in the order they were sent), `used` being those already given in this decision: the first unused answer to
 * the same request, else to a request of the same shape; once those are used, the last answer to the same request (or
 * shape) again (a poll that reads more often than the recording did gets the latest answer); a request the recording
 * never made in any form gets the first unused answer, else the last. undefined when nothing was recorded.
 * `shapes`: the recorded requests' shapes, computed once by the caller (the transport, decision 332) rather than for every
 * recorded request at every replayed call; by default computed here.
 */
export function chooseRecorded(recorded: readonly string[], used: ReadonlySet<number>, fingerprint: string, shapes: readonly string[] = recorded.map(requestShape)): number | undefined {
  if (recorded.length === 0) return undefined;
  const shape = requestShape(fingerprint);
  let firstUnused: number | undefined;
  let firstUnusedExact: number | undefined;
  let firstUnusedAlike: number | undefined;
  let lastExact: number | undefined;
  let lastAlike: number | undefined;
  for (let i = 0; i < recorded.length; i += 1) {
    const exact = recorded[i] === fingerprint;
    const alike = shapes[i] === shape;
    if (exact) lastExact = i;
    if (alike) lastAlike = i;
    if (used.has(i)) continue;
    firstUnused ??= i;
    if (exact) firstUnusedExact ??= i;
    if (alike) firstUnusedAlike ??= i;
  }
  return firstUnusedExact ?? firstUnusedAlike ?? lastExact ?? lastAlike ?? firstUnused ?? recorded.length - 1;
}
