import { everyPage, MAX_LIST_PAGES } from '../../../shared/aws/every-page';
import { PermanentError } from '../../../shared/errors';

describe('everyPage', () => {
  it('reads page after page with each page’s token until a page names none, and keeps every item in order', async () => {
    const pages: Record<string, { items?: string[]; next?: string }> = {
      start: { items: ['a', 'b'], next: 't1' },
      t1: { next: 't2' }, // a page may carry no items and still name the next one
      t2: { items: ['c'] },
    };
    const asked: Array<string | undefined> = [];
    const items = await everyPage(async (token: string | undefined) => {
      asked.push(token);
      return pages[token ?? 'start'] ?? {};
    });
    expect(asked).toEqual([undefined, 't1', 't2']);
    expect(items).toEqual(['a', 'b', 'c']);
  });

  it('stops after the first page when it names no next token, and an empty string is no token', async () => {
    const asked: Array<string | undefined> = [];
    expect(await everyPage(async (token: string | undefined) => (asked.push(token), { items: [1], next: '' }))).toEqual([1]);
    expect(asked).toEqual([undefined]);
  });

  it('refuses a NextToken answered twice instead of looping, naming the call', async () => {
    const asked: Array<string | undefined> = [];
    const pages: Record<string, { items: number[]; next?: string }> = { start: { items: [1], next: 'a' }, a: { items: [2], next: 'b' }, b: { items: [3], next: 'a' } };
    const read = everyPage(async (token: string | undefined) => (asked.push(token), pages[token ?? 'start'] ?? { items: [] }), 'EC2 DescribeRouteTables');
    await expect(read).rejects.toThrow(new PermanentError('EC2 DescribeRouteTables did not come to an end (a NextToken answered twice): not read'));
    expect(asked).toEqual([undefined, 'a', 'b']);
  });

  it(`stops after ${MAX_LIST_PAGES} pages when every page names a new token`, async () => {
    let calls = 0;
    const read = everyPage(async () => ((calls += 1), { items: [calls], next: `t${calls}` }), 'EC2 DescribeSubnets');
    await expect(read).rejects.toThrow(`EC2 DescribeSubnets did not come to an end (more than ${MAX_LIST_PAGES} pages)`);
    expect(calls).toBe(MAX_LIST_PAGES);
  });
});
