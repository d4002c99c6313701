// Named errors: each class tells the pipeline what to do with a failure (CONVENTIONS.md "Errors").

/** Bad input (malformed event, unknown alarm, wrong detail-type): rejected, logged, no AWS call, no retry. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  constructor(
    message: string,
    readonly details: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A guardrail stopped a change: not applied, recorded, escalated. */
export class GuardrailError extends Error {
  override readonly name = 'GuardrailError';
  constructor(
    readonly guardrail: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Throttling, 5xx, conflicts after bounded waiting: thrown so Lambda / EventBridge retry; idempotency makes it safe. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Access denied, resource gone, invalid configuration of the target: recorded and escalated with what is missing. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The automation's own configuration is invalid: fails at start, naming the field. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}
