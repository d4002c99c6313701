// One pager for the list calls the SDK has no paginator for (API Gateway v2's GetApis, GetStages, GetIntegrations,
// GetRoutes) or that a caller reads through its own client shape: pages are read one after another until a page
// names no next token. The playbooks and preflight both use it, so "every page" means the same thing in each.

/** A page as the caller reads it: its items and the token of the next page, if any. */
export interface ListedPage<T> {
  items?: T[] | undefined;
  next?: string | undefined;
}

/** Every item of every page: `read(undefined)` first, then `read(next)` while a page names a next token. */
export async function everyPage<T>(read: (token: string | undefined) => Promise<ListedPage<T>>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await read(token);
    all.push(...(page.items ?? []));
    token = page.next;
  } while (token);
  return all;
}
