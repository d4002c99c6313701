// Review 23a R23a-14: a verb whose first AWS call cannot even connect (the sandbox stopped, a wrong AWS_ENDPOINT_URL, no
// network) says so with the verb, the endpoint and "nothing run", instead of a bare `connect ECONNREFUSED 127.0.0.1:1`.

/**
 * Node's errors for a connection that was never made: the request reached nobody, so nothing it asked for happened.
 * (A reset or a timeout is not one of them: the request may have arrived.)
 */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Node's message for one (`connect ECONNREFUSED 127.0.0.1:1`, `getaddrinfo ENOTFOUND host`): the SDK's retry layer
 * rewraps an error from another realm (a jest sandbox, a worker) as `AWS SDK error wrapper for <message>`, keeping only it.
 */
const NEVER_CONNECTED_MESSAGE = /\b(?:connect|getaddrinfo) (ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/;

/** The never-connected code of an error (its own code, or its cause's, or named by Node's message), else undefined. */
export function neverConnectedCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && NEVER_CONNECTED.has(code)) return code;
    const named = typeof message === 'string' ? NEVER_CONNECTED_MESSAGE.exec(message)?.[1] : undefined;
    if (named !== undefined) return named;
  }
  return undefined;
}

/** Where the CLI's calls go: the AWS_ENDPOINT_URL, else AWS's own endpoints of the region. */
export function awsEndpointName(region: string | undefined): string {
  return process.env.AWS_ENDPOINT_URL || `AWS's endpoints in ${region || 'the configured region'}`;
}

/** What the verb says after its name (`runbook <verb>: ...`): which endpoint, which code, and that nothing ran. */
export function unreachableText(endpoint: string, code: string): string {
  return `cannot reach AWS at ${endpoint} (${code}): nothing run`;
}
