// One SigV4 signer per client instead of one per request: what a client's default signer factory builds at every send is
// the same object every time, so the first one built is kept (decision 350).
import type { AuthScheme, RequestSigner } from '@aws-sdk/types';

/** A client whose resolved configuration carries the SDK's SigV4 signer factory (every AWS SDK v3 SigV4 client). */
export interface SigningClient {
  config: { signer: (authScheme?: AuthScheme) => Promise<RequestSigner> };
}

/**
 * `client`, its signer factory keeping the first signer it builds. @aws-sdk/core 3.981 (`resolveAwsSdkSigV4Config`, the
 * default `signer`) builds a new SignatureV4 at every request from a copy of the whole client configuration (about 4 KB
 * allocated per call); what it builds is the same at every call of one client: the region and service it is given are
 * the client's `signingRegion` / `signingName`, which the first call writes into the configuration and every later call
 * reuses (`||=`), the credentials are the client's provider (read by the signer at every request, so a rotated identity
 * is still seen), and `sha256`, `uriEscapePath` are the configuration's. Each request's own signing region and service
 * are passed to `sign` by `AwsSdkSigV4Signer` from that request's signing properties, never taken from the instance, and
 * the signing key cache is @smithy/signature-v4's module's, not the instance's. A factory that fails is not kept: the next
 * request asks again. Proven equal, request by request, to the default's signatures: test/unit/aws/cached-signer.test.ts.
 */
export function withCachedSigner<C extends SigningClient>(client: C): C {
  const build = client.config.signer;
  let kept: Promise<RequestSigner> | undefined;
  client.config.signer = (authScheme) => {
    kept ??= build(authScheme).catch((error: unknown) => {
      kept = undefined;
      throw error;
    });
    return kept;
  };
  return client;
}
