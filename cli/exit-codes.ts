// Exit codes scripts can rely on.
export const EXIT = {
  ok: 0,
  /** AWS or the sandbox failed (retryable); the message says what. */
  failure: 1,
  /** The input was rejected (malformed event, unknown alarm): nothing was changed. */
  rejected: 2,
  /**
   * rehearse / exec: the document ended in Success, but the automation it invoked answered `escalate` (it changed
   * nothing: a cap, a guardrail, a saturated database...), `rejected`, or `skipped` as a duplicate of a state change it had
   * escalated (decision 167). A person is needed; the run's "Success" is not the fix. The project's own documents now fail
   * themselves on such an answer (decision 211: exit 1, the answer in the failure); this is for a document without that
   * check (one deployed before it).
   */
  escalated: 3,
  /**
   * preflight --strict: no check failed, but one warned (decision 362). A WARN is a finding a person must look at (a grant
   * admitting callers by address range only, drift the automation made); without --strict it exits 0, as `lint`'s warnings
   * do. A number of its own, so a gate can tell "look at this" from "broken" (1); cfn-lint's warnings exit 4 too.
   */
  warned: 4,
  /** Wrong usage or configuration. */
  usage: 64,
  /** A prerequisite is missing (moto_server, a built bundle). */
  unavailable: 69,
} as const;
