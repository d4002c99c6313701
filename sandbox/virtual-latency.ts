// The headers by which a latency or trickle fault of the gap proxy reaches a caller whose clock does not sleep (the
// rehearsal's scripts in tests, sandbox/rehearsal/script-runner.ts): the caller says so, the proxy answers at once naming
// the time, and the caller's clock passes it. Every other caller is held (latency) or dribbled to (trickle) by the proxy.

/** Sent by a caller whose clock does not sleep: a latency fault is told, not waited. */
export const VIRTUAL_CLOCK_HEADER = 'x-sandbox-clock';
/** The latency a fault rule gave the call, in ms, on an answer to a VIRTUAL_CLOCK_HEADER caller. */
export const LATENCY_HEADER = 'x-sandbox-latency-ms';
/**
 * The time a fault rule's trickle spreads the answer's body over, in ms, on an answer to a VIRTUAL_CLOCK_HEADER caller:
 * every piece comes within any read timeout, so the caller's clock passes all of it and no read times out.
 */
export const TRICKLE_HEADER = 'x-sandbox-trickle-ms';
