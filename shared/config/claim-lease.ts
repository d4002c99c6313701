// The claim lease against the handlers' Lambda timeouts (decision 31: a handler's timeout stays under the lease, so a
// retry never takes over a claim whose holder may still be running; review 20b R20-24).
import { ConfigurationError } from '../errors';

/**
 * Project default: the longest Lambda timeout any handler is given (scale-up-database's 120 s, infra/lib/settings.ts
 * HANDLER_SIZING). The configuration's lease is checked against it (the schema knows no sizing table); synth checks every
 * function's own timeout against the configured lease, so a sizing raised past this is refused there.
 */
export const LONGEST_HANDLER_TIMEOUT_SECONDS = 120;

/**
 * Project default: how much longer than a handler's timeout its claims are held. A holder is stopped by Lambda at its
 * timeout, counted from the invocation's start, and its lease is counted from the claim's write, later; the margin
 * covers what that does not: the clocks of the holder's and the taker's hosts (the lease is the holder's epoch second,
 * compared with the taker's; both Amazon Time Sync, far under 1 s apart) and a request already on the wire when the
 * holder is stopped reaching AWS after it (a call's send, not its answer: seconds at most). 10 s, ten times the first.
 */
export const CLAIM_LEASE_MARGIN_SECONDS = 10;

/** The shortest lease the configuration accepts: the longest handler timeout and the margin. */
export const MIN_CLAIM_LEASE_SECONDS = LONGEST_HANDLER_TIMEOUT_SECONDS + CLAIM_LEASE_MARGIN_SECONDS;

/**
 * Each function whose timeout and the margin pass the lease, named with both figures: a retry could take over its claims
 * while it still runs (two attempts delivering one page, applying one change). Empty when every one fits.
 */
export function leaseTimeoutProblems(leaseSeconds: number, timeoutsSeconds: Readonly<Record<string, number>>): string[] {
  return Object.entries(timeoutsSeconds)
    .filter(([, timeout]) => timeout + CLAIM_LEASE_MARGIN_SECONDS > leaseSeconds)
    .map(([handler, timeout]) => `${handler}: Lambda timeout ${timeout} s + ${CLAIM_LEASE_MARGIN_SECONDS} s margin passes claimLeaseSeconds ${leaseSeconds}`);
}

/** Throws ConfigurationError listing leaseTimeoutProblems, if any (synth: infra/lib/settings.ts assertLeaseCoversTimeouts). */
export function assertLeaseCoversTimeouts(leaseSeconds: number, timeoutsSeconds: Readonly<Record<string, number>>): void {
  const problems = leaseTimeoutProblems(leaseSeconds, timeoutsSeconds);
  if (problems.length) throw new ConfigurationError(`claimLeaseSeconds ${leaseSeconds} is not longer than every handler's Lambda timeout with its margin (decision 31)`, problems);
}
