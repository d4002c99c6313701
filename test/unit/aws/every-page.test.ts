import { everyPage } from '../../../shared/aws/every-page';

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
});
