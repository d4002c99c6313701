// One round of `runbook sandbox`'s loop: every duty runs even when another failed, and a failure is reported once per
// resource and distinct error, not on every tick (review 10a, finding 7's side note: a deleted queue wedged the loop).

export interface SandboxDuty {
  /** What the duty is, for the error line: "alarms", "routing", "escalation", "timers". */
  name: string;
  run(): Promise<void>;
}

export interface ErrorOnceLog {
  /** Reports `error` for `resource` unless the same message was already reported for it since it last succeeded. */
  failed(resource: string, error: unknown): void;
  /** The resource worked again: its next failure is reported anew. */
  succeeded(resource: string): void;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createErrorOnceLog(write: (line: string) => void): ErrorOnceLog {
  const reported = new Map<string, Set<string>>();
  return {
    failed(resource, error) {
      const message = messageOf(error);
      const seen = reported.get(resource) ?? new Set<string>();
      reported.set(resource, seen);
      if (seen.has(message)) return;
      seen.add(message);
      write(`sandbox loop: ${resource}: ${message} (reported once; the other duties go on)`);
    },
    succeeded(resource) {
      if (reported.delete(resource)) write(`sandbox loop: ${resource}: working again`);
    },
  };
}

/** Runs each duty in order; one that throws is reported through `errors` and the next duty still runs. */
export async function runSandboxTick(duties: readonly SandboxDuty[], errors: ErrorOnceLog): Promise<void> {
  for (const duty of duties) {
    try {
      await duty.run();
      errors.succeeded(duty.name);
    } catch (error) {
      errors.failed(duty.name, error);
    }
  }
}
