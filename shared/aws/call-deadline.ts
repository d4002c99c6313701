// Bounds an AWS call by the time its Lambda invocation has left (context.getRemainingTimeInMillis): the SDK's send is given
// an AbortSignal (it aborts the request and the retry's waits), and a timer gives the call up should it not answer. The
// document-version cleanup's deadlines (decisions 283, 285) and the escalation timer's (review 18b R18-10) are this one.
/** A call that outlived its deadline, or was not started for want of time: failed like a call whose answer was lost. */
export class CallDeadlineError extends Error {
  override readonly name = 'CallDeadlineExceeded';
}

export interface CallDeadlineTerms {
  /** The invocation's time left; unset: only `capMs` bounds the call (neither set: no deadline). */
  remainingMs?: () => number;
  /** Time kept after the call: it starts only with more than this left, and is given up when only this is left. */
  reserveMs: number;
  /** The longest the call may take, whatever time is left. */
  capMs?: number;
  /** What the reserve is kept for, said when the call is not started: "for the answer". */
  keptFor: string;
}

/**
 * One call given at most min(capMs, the time left less the reserve): told by its AbortSignal, and given up by a timer if it
 * ignores it (`CallDeadlineError`, "did not answer within"); not started at all when that is no time. A call given up is
 * left behind, not waited for: the SDK rejects any attempt it would still make with an aborted signal. Without any bound
 * the call runs as it is, with no signal.
 */
export async function withCallDeadline<T>(label: string, call: (signal: AbortSignal | undefined) => Promise<T>, terms: CallDeadlineTerms): Promise<T> {
  const remaining = terms.remainingMs?.() ?? Number.POSITIVE_INFINITY;
  const budget = Math.min(terms.capMs ?? Number.POSITIVE_INFINITY, remaining - terms.reserveMs);
  if (budget === Number.POSITIVE_INFINITY) return call(undefined);
  if (budget <= 0) throw new CallDeadlineError(`${label} not started: ${Math.round(remaining / 1000)} s left, ${terms.reserveMs / 1000} s kept ${terms.keptFor}`);
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new CallDeadlineError(`${label} did not answer within ${(budget / 1000).toFixed(1)} s`));
    }, budget);
  });
  try {
    return await Promise.race([call(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The time left of the invocations under way in one container, for clients built once per container: the handler arms
 * it with its context for the invocation and disarms it after. Lambda runs one invocation at a time in a container; a
 * test or the sandbox may run several through one handler at once, and then the least time left bounds every call (a
 * bound never later than the call's own invocation's).
 */
export class InvocationDeadline {
  private readonly armed = new Set<() => number>();

  /** Arms the deadline for one invocation; the function returned disarms it. */
  arm(remainingMs: () => number): () => void {
    const entry = (): number => remainingMs();
    this.armed.add(entry);
    return () => void this.armed.delete(entry);
  }

  /** The least time left of the invocations armed; undefined when none is (no deadline). */
  remainingMs(): number | undefined {
    let least: number | undefined;
    for (const remaining of this.armed) {
      const left = remaining();
      if (least === undefined || left < least) least = left;
    }
    return least;
  }
}

/** The SDK's handler options as far as this module sets them (HttpHandlerOptions). */
interface SendOptions {
  abortSignal?: AbortSignal;
}

/** A client's `send` as it is called here: a command and, at most, the handler options. */
type PlainSend = (command: unknown, options?: SendOptions) => Promise<unknown>;

/**
 * The client's `send`, every call of it under the armed invocation's deadline less `reserveMs` (no deadline while none is
 * armed: the call is made as before). `label` names the service in the error ("SNS call did not answer within 3.2 s").
 */
export function deadlineBound<C extends { send: object }>(client: C, deadline: InvocationDeadline, terms: { reserveMs: number; keptFor: string; label: string }): Pick<C, 'send'> {
  const send = client.send as PlainSend;
  const bounded: PlainSend = (command, options) => {
    if (deadline.remainingMs() === undefined) return send.call(client, command, options);
    return withCallDeadline(terms.label, (abortSignal) => send.call(client, command, { ...options, ...(abortSignal ? { abortSignal } : {}) }), {
      remainingMs: () => deadline.remainingMs() ?? 0,
      reserveMs: terms.reserveMs,
      keptFor: terms.keptFor,
    });
  };
  return { send: bounded as unknown as C['send'] };
}

/** The views deadlineBoundClient made: a client bound twice (a shared one handed to several rows) is bound once. */
const boundViews = new WeakSet<object>();

/**
 * `client` itself but for its `send`, bound as deadlineBound binds it: a view (a Proxy) that answers every other property
 * from the client, so it is still an instance of its class (the SDK's paginators check `client instanceof` their client)
 * and has its config and middleware. For clients built where the caller does not build them (a playbook's createClients).
 */
export function deadlineBoundClient<C extends { send: object }>(client: C, deadline: InvocationDeadline, terms: { reserveMs: number; keptFor: string; label: string }): C {
  if (boundViews.has(client)) return client;
  const { send } = deadlineBound(client, deadline, terms);
  const view = new Proxy(client, {
    get: (target, property, receiver) => (property === 'send' ? send : Reflect.get(target, property, receiver) as unknown),
  });
  boundViews.add(view);
  return view;
}

