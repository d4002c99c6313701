// Which attempts of one SDK call ended without an answer (review 21b R21b-3). The SDK's retry middleware counts attempts
// (`$metadata.attempts`), not what each one met: a throttled attempt was answered (nothing applied), a timed-out or reset
// one was not (it may have been applied). A small middleware placed just inside the retry middleware sees every attempt
// end, and marks the call's final error with the number of earlier attempts that had no answer.
import type { FinalizeHandler, FinalizeHandlerArguments, FinalizeHandlerOutput, HandlerExecutionContext, MiddlewareStack, Pluggable } from '@smithy/types';

const MIDDLEWARE_NAME = 'unansweredAttemptsMiddleware';

/** Per call (the arguments the retry middleware hands every attempt of it): attempts so far that ended with no answer. */
const unansweredSoFar = new WeakMap<object, number>();
/** Per final error: how many attempts BEFORE the one that threw it ended with no answer. */
const unansweredBefore = new WeakMap<object, number>();

/**
 * True when the attempt's error carries no HTTP answer with an error status: a timeout, a reset or refused connection, a
 * call aborted, or a success status whose body was lost. Such an attempt may have been applied. An attempt answered with
 * a status of 300 or more (a throttle, a refusal, a 5xx) was answered, and the answer says it failed.
 */
export function endedWithoutAnswer(error: unknown): boolean {
  const e = error as { $response?: { statusCode?: number }; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = e?.$response?.statusCode ?? e?.$metadata?.httpStatusCode;
  return status === undefined || status < 300;
}

function unansweredAttemptsMiddleware<Input extends object, Output extends object>(next: FinalizeHandler<Input, Output>, _context: HandlerExecutionContext): FinalizeHandler<Input, Output> {
  return async (args: FinalizeHandlerArguments<Input>): Promise<FinalizeHandlerOutput<Output>> => {
    const before = unansweredSoFar.get(args) ?? 0;
    try {
      return await next(args);
    } catch (error) {
      if (error !== null && typeof error === 'object') unansweredBefore.set(error, before);
      if (endedWithoutAnswer(error)) unansweredSoFar.set(args, before + 1);
      throw error;
    }
  };
}

/** The plugin: the middleware right after (inside) the SDK's retry middleware, so it runs once per attempt. */
export function unansweredAttemptsPlugin<Input extends object, Output extends object>(): Pluggable<Input, Output> {
  return {
    applyToStack: (stack: MiddlewareStack<Input, Output>) => {
      stack.addRelativeTo(unansweredAttemptsMiddleware, { relation: 'after', toMiddleware: 'retryMiddleware', name: MIDDLEWARE_NAME, override: true });
    },
  };
}

/** Adds the middleware to a client's stack (`client.middlewareStack`): at its construction, before its first send (a cached stack is never changed after). */
export function recordUnansweredAttempts<Input extends object, Output extends object>(stack: MiddlewareStack<Input, Output>): void {
  stack.use(unansweredAttemptsPlugin<Input, Output>());
}

/**
 * How many attempts of the call before the one that failed with `error` ended without an answer (each may have been
 * applied); undefined when the error did not pass through the middleware (a client built without it, an error of no
 * attempt): then nothing is known of the earlier attempts.
 */
export function unansweredAttemptsBefore(error: unknown): number | undefined {
  return error !== null && typeof error === 'object' ? unansweredBefore.get(error) : undefined;
}
