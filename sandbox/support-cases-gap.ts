// support:DescribeCases as AWS pages and filters it, over moto's answer: moto 5.2.1 returns every case of the account
// at once, ignores afterTime, beforeTime and maxResults, echoes the nextToken it was sent, and writes timeCreated as
// its own local time without a zone (moto/support/models.py: "not yet implemented: DisplayID, AfterTime, BeforeTime,
// MaxResults, Language"). escalation's look for an earlier attempt's case (review 19 R19-10) sends afterTime and pages.
import type { GapReply } from './preflight-gaps';

/** AWS Support API reference: maxResults 10 to 100. With none given, this many. */
const DEFAULT_PAGE = 100;
const TOKEN_PREFIX = 'sandbox-cases-';

interface DescribeCasesRequest {
  afterTime?: unknown;
  beforeTime?: unknown;
  maxResults?: unknown;
  nextToken?: unknown;
}

interface MotoCase {
  timeCreated?: unknown;
  [field: string]: unknown;
}

/** moto's timeCreated (Python `datetime.now().isoformat()`, local, no zone) as AWS writes it: ISO 8601 in UTC. */
function createdAt(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

function instant(value: unknown, name: string): number | undefined | { error: string } {
  if (value === undefined || value === null) return undefined;
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? { error: `${name} is not an ISO 8601 time: ${String(value)}` } : at;
}

/**
 * The page AWS would answer: moto's cases created within [afterTime, beforeTime], at most maxResults of them from the
 * token's offset, a nextToken while more remain, timeCreated in UTC. A request AWS would refuse is refused.
 */
export function describeCasesPage(requestBody: string, motoAnswer: string): GapReply {
  const request = JSON.parse(requestBody || '{}') as DescribeCasesRequest;
  const answer = JSON.parse(motoAnswer) as { cases?: MotoCase[] };
  const after = instant(request.afterTime, 'afterTime');
  const before = instant(request.beforeTime, 'beforeTime');
  for (const bound of [after, before]) if (typeof bound === 'object') return { status: 400, error: { code: 'ValidationException', message: bound.error } };
  const size = request.maxResults === undefined ? DEFAULT_PAGE : Number(request.maxResults);
  if (!Number.isInteger(size) || size < 10 || size > 100) {
    return { status: 400, error: { code: 'ValidationException', message: `maxResults must be 10 to 100, got ${String(request.maxResults)}` } };
  }
  let offset = 0;
  if (request.nextToken !== undefined && request.nextToken !== null) {
    const token = String(request.nextToken);
    offset = token.startsWith(TOKEN_PREFIX) ? Number(token.slice(TOKEN_PREFIX.length)) : Number.NaN;
    if (!Number.isInteger(offset) || offset < 0) return { status: 400, error: { code: 'ValidationException', message: `invalid nextToken: ${token}` } };
  }
  const within = (answer.cases ?? []).flatMap((c) => {
    const at = createdAt(c.timeCreated);
    if (at === undefined) return [c];
    if ((typeof after === 'number' && at < after) || (typeof before === 'number' && at > before)) return [];
    return [{ ...c, timeCreated: new Date(at).toISOString() }];
  });
  const page = within.slice(offset, offset + size);
  const next = offset + size < within.length ? `${TOKEN_PREFIX}${offset + size}` : undefined;
  return { status: 200, json: { cases: page, ...(next ? { nextToken: next } : {}) } };
}
