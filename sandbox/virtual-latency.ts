// The two headers by which a latency fault of the gap proxy reaches a caller whose clock does not sleep (the rehearsal's
// scripts in tests, sandbox/rehearsal/script-runner.ts): the caller says so, the proxy answers at once naming the latency,
// and the caller's clock passes it. Every other caller is held for the latency by the proxy itself.

/** Sent by a caller whose clock does not sleep: a latency fault is told, not waited. */
export const VIRTUAL_CLOCK_HEADER = 'x-sandbox-clock';
/** The latency a fault rule gave the call, in ms, on an answer to a VIRTUAL_CLOCK_HEADER caller. */
export const LATENCY_HEADER = 'x-sandbox-latency-ms';
