// One pager for the list calls the SDK has no paginator for (API Gateway v2's GetApis, GetStages, GetIntegrations,
// GetRoutes), that a caller reads through its own client shape, or whose SDK paginator would follow a token forever (the
// EC2 Describe* of the 504 diagnosis): pages are read one after another until a page names no next token, bounded, and a
// token answered twice is refused (as shared/aws/metric-data.ts does). The playbooks and preflight both use it, so
// "every page" means the same thing in each.
import { PermanentError } from '../errors';

/** A page as the caller reads it: its items and the token of the next page, if any. */
export interface ListedPage<T> {
  items?: T[] | undefined;
  next?: string | undefined;
}

/**
 * Pages read at most. A bound no real answer here comes near (EC2 answers up to 1,000 items a page, API Gateway v2 up to
 * 500): it is there to stop a list that does not end, not to cut a real one short.
 */
export const MAX_LIST_PAGES = 100;

/**
 * Every item of every page: `read(undefined)` first, then `read(next)` while a page names a next token. A list that does
 * not end (a token answered twice, or more than `MAX_LIST_PAGES` pages) is no answer: PermanentError naming `what`,
 * never the items read so far taken for the whole list.
 */
export async function everyPage<T>(read: (token: string | undefined) => Promise<ListedPage<T>>, what = 'the list'): Promise<T[]> {
  const all: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  let pages = 0;
  do {
    if (token) {
      if (seen.has(token) || pages >= MAX_LIST_PAGES) {
        throw new PermanentError(`${what} did not come to an end (${seen.has(token) ? 'a NextToken answered twice' : `more than ${MAX_LIST_PAGES} pages`}): not read`);
      }
      seen.add(token);
    }
    const page = await read(token);
    pages += 1;
    all.push(...(page.items ?? []));
    token = page.next;
  } while (token);
  return all;
}

/** everyPage over an answer that names its next page `NextToken` (EC2's Describe* and GetManagedPrefixListEntries). */
export function everyNextTokenPage<Page extends { NextToken?: string | undefined }, T>(
  what: string,
  send: (token: string | undefined) => Promise<Page>,
  pick: (page: Page) => T[] | undefined,
): Promise<T[]> {
  return everyPage(async (token) => {
    const page = await send(token);
    return { items: pick(page), next: page.NextToken };
  }, what);
}
