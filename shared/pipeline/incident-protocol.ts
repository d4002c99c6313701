// The safety protocol of every handler that acts on an incident: claim (lease, takeover, late duplicates), intent, complete, release.
import type { Logger } from '@aws-lambda-powertools/logger';
import { classifyAwsError } from '../aws/classify-error';
import type { Clock } from '../clock';
import { TransientError } from '../errors';
import type { ClaimRecord, IncidentStore } from '../state/incident-store';

/**
 * A duplicate that finds the incident still in progress this long after it was claimed is not a concurrent copy
 * (those arrive within seconds) but a retry of an attempt that never finished: Lambda retries a failed asynchronous
 * invocation after 1 and 3 minutes. It throws, so the retries go on until the claim's lease frees the incident,
 * instead of ending as a "duplicate" while nobody finishes it (decision 31).
 */
export const LATE_DUPLICATE_SECONDS = 30;

/**
 * The conditional writes the protocol stands on (shared/state/incident-store.ts: a claim that creates only, and a takeover
 * of an expired one conditioned on the record it read: every record a claim replaces was read and judged first).
 */
export type ProtocolStore = Pick<IncidentStore, 'claim' | 'recordIntent' | 'complete' | 'release'>;

export interface IncidentProtocolDeps {
  store: ProtocolStore;
  clock: Clock;
  logger: Pick<Logger, 'warn' | 'error'>;
}

/** What the winner of a claim holds while it acts. */
export interface HeldClaim<Intent> {
  claimName: string;
  incidentKey: string;
  owner: string;
  /** The claim was taken over from an attempt whose lease expired (it died without finishing). */
  takenOver: boolean;
  /** What that attempt recorded it was about to do: the retry finishes it instead of doing it again. */
  previousIntent: Intent | undefined;
  /** Writes the planned change onto the claim before it is made. Throws TransientError when the claim was taken over. */
  recordIntent(intent: Intent): Promise<void>;
}

export interface ClaimedWork<Intent, Result> {
  /** What the claim guards, for messages and error labels: "incident claim", "health check claim". */
  what: string;
  /** Label of the work's failures: the playbook's name. */
  label: string;
  /** A delivery that lost the claim to a live holder, or found the incident done: logged and counted, nothing else. */
  duplicate(existing: ClaimRecord | undefined): Result;
  /** The work under the claim. Throw for transient failures (retried) and permanent ones (see `failed`). */
  act(claim: HeldClaim<Intent>): Promise<Result>;
  /** A permanent failure of `act`, already classified: the result recorded in its place (an escalation). */
  failed(error: Error): Result;
  /** Reports and records the result (audit, bus); a failure here releases the claim and is retried. */
  record(result: Result): Promise<void>;
  /** What the completed claim says about the result (and the next step it named, for a later duplicate). */
  outcome(result: Result): { outcome: string; reason: string; runbook?: unknown };
}

function heldSeconds(existing: ClaimRecord | undefined, now: Date): number {
  if (existing?.status !== 'IN_PROGRESS' || !existing.claimedAt) return 0;
  return (now.getTime() - Date.parse(existing.claimedAt)) / 1000;
}

/**
 * Claims `claimName` on the incident, then acts, records and completes under it. Exactly one of any number of
 * concurrent deliveries acts; the others are duplicates. A transient failure gives the claim back (the lease is
 * expired, the intent kept) and throws, so Lambda's retry takes the claim over and sees the intent. A release that
 * fails is logged with its error and never hides the failure that caused it: the retry then waits for the lease.
 */
export async function runUnderClaim<Intent, Result>(
  deps: IncidentProtocolDeps,
  claimName: string,
  incidentKey: string,
  work: ClaimedWork<Intent, Result>,
): Promise<Result> {
  const { store, clock, logger } = deps;
  const now = clock.now();
  const claim = await store.claim(claimName, incidentKey, now).catch((error: unknown) => {
    throw classifyAwsError(error, `DynamoDB PutItem (${work.what})`);
  });
  if (!claim.claimed) {
    const seconds = heldSeconds(claim.existing, now);
    if (seconds >= LATE_DUPLICATE_SECONDS) {
      const late = new TransientError(
        `${work.what} on ${incidentKey} has been in progress for ${Math.round(seconds)} s without finishing: retry once its lease expires`,
      );
      logger.warn('claimed by an attempt that has not finished: the event will be retried', { error: late, claim: claimName });
      throw late;
    }
    return work.duplicate(claim.existing);
  }

  const { owner } = claim;
  const release = async (): Promise<void> => {
    await store.release(claimName, incidentKey, owner).catch((releaseError: unknown) => {
      logger.error('could not release the claim: the retry will wait for its lease to expire', { error: releaseError, claim: claimName, incidentKey });
    });
  };
  const held: HeldClaim<Intent> = {
    claimName,
    incidentKey,
    owner,
    takenOver: claim.takenOver,
    previousIntent: claim.takenOver ? (claim.previousIntent as Intent | undefined) : undefined,
    recordIntent: (intent) => store.recordIntent(claimName, incidentKey, owner, intent),
  };

  let result: Result;
  try {
    // A replaced claim that is not one the automation writes is escalated, never acted on (decision 118).
    result = await (claim.refusedRecord ? Promise.reject(claim.refusedRecord) : work.act(held));
  } catch (error) {
    const classified = classifyAwsError(error, work.label);
    if (classified instanceof TransientError) {
      logger.error('transient failure: the event will be retried', { error: classified, claim: claimName });
      await release();
      throw classified;
    }
    result = work.failed(classified);
  }

  try {
    await work.record(result);
    const { outcome, reason, runbook } = work.outcome(result);
    await (runbook === undefined ? store.complete(claimName, incidentKey, owner, outcome, reason) : store.complete(claimName, incidentKey, owner, outcome, reason, runbook));
  } catch (error) {
    const classified = classifyAwsError(error, `record ${work.what}`);
    logger.error('could not record the decision: the event will be retried', { error: classified, claim: claimName, result });
    await release();
    throw classified instanceof TransientError ? classified : new TransientError(classified.message, { cause: classified });
  }
  return result;
}
