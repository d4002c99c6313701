// Pure: the content hash of a runbook document, as preflight compares it with what is registered and as the deploy's
// version cleanup checks the default before it deletes (review 15, R15-7). In shared/config/ so infra computes the same
// hash at synth.
import { createHash } from 'node:crypto';

/** Pure: JSON with object keys sorted, so the same document hashes the same whatever its serialization (YAML or JSON). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The content hash of a document (preflight's, the cleanup's): SHA-256 of the canonical JSON of the parsed content. */
export function contentHash(content: unknown): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

