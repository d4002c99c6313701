// runBounded (review 17 R17-6): a sweep's overdue work in a small pool, one group's items in order, and nothing started
// once the time left is within the reserve. Time here is a counter the items move on, never the wall clock.
import { groupInOrder, runBounded } from '../../shared/bounded-sweep';

/** A run of items that each take `costMs` of a shared budget, recording what ran at once and in which order. */
function harness(costMs: number, startMs: number) {
  const h = { elapsedMs: 0, order: [] as string[], inFlight: new Set<string>(), maxInFlight: 0, overlapsInGroup: 0 };
  const remainingMs = (): number => startMs - h.elapsedMs;
  const run = async (item: string): Promise<string> => {
    const group = item.split('.')[0] ?? '';
    if ([...h.inFlight].some((other) => other.startsWith(`${group}.`))) h.overlapsInGroup += 1;
    h.inFlight.add(item);
    h.maxInFlight = Math.max(h.maxInFlight, h.inFlight.size);
    h.order.push(item);
    await new Promise((resolve) => setImmediate(resolve));
    h.elapsedMs += costMs;
    h.inFlight.delete(item);
    if (item.endsWith('!')) throw new Error(`${item} failed`);
    return `${item} done`;
  };
  return { h, remainingMs, run };
}

describe('runBounded: a sweep\'s work in a small pool under a deadline', () => {
  it('runs groups side by side, at most `concurrency` items at once, one group\'s items in order and never two at once', async () => {
    const { h, run } = harness(1, 1000);
    const groups = [['a.1', 'a.2', 'a.3'], ['b.1'], ['c.1', 'c.2'], ['d.1'], ['e.1']];
    const result = await runBounded(groups, { concurrency: 3, reserveMs: 10 }, run);
    expect(h.maxInFlight).toBe(3);
    expect(h.overlapsInGroup).toBe(0);
    expect(h.order.filter((i) => i.startsWith('a.'))).toEqual(['a.1', 'a.2', 'a.3']);
    expect(result.settled.map((s) => s.item)).toEqual(groups.flat());
    expect(result.left).toEqual([]);
    expect(result.stoppedWithMs).toBeUndefined();
  });

  it('starts nothing once the time left is at the reserve: what is left is returned in order, what started finished', async () => {
    const { h, remainingMs, run } = harness(10, 60);
    const groups = [['a.1', 'a.2'], ['b.1'], ['c.1'], ['d.1'], ['e.1']];
    const result = await runBounded(groups, { concurrency: 2, reserveMs: 20, remainingMs }, run);
    // 10 an item, 2 at once: a.1 and b.1 start at 60; a.2 at 50, c.1 at 40, d.1 at 30; at 20 e.1 does not start.
    expect(result.settled.map((s) => s.item)).toEqual(['a.1', 'a.2', 'b.1', 'c.1', 'd.1']);
    expect(result.settled.every((s) => s.result.status === 'fulfilled')).toBe(true);
    expect(result.left).toEqual(['e.1']);
    expect(result.stoppedWithMs).toBe(20);
    expect(remainingMs()).toBe(10);
    expect(h.order).toHaveLength(5);
  });

  it('a group cut by the deadline leaves its later items, in order, for the next run', async () => {
    const { remainingMs, run } = harness(10, 38);
    // a.1 starts at 38, a.2 at 28; at 18 a.3 does not.
    const result = await runBounded([['a.1', 'a.2', 'a.3'], ['b.1']], { concurrency: 1, reserveMs: 20, remainingMs }, run);
    expect(result.settled.map((s) => s.item)).toEqual(['a.1', 'a.2']);
    expect(result.left).toEqual(['a.3', 'b.1']);
  });

  it('one failing item does not stop the others; its rejection is returned with it', async () => {
    const { run } = harness(1, 1000);
    const result = await runBounded([['a.1!', 'a.2'], ['b.1']], { concurrency: 2, reserveMs: 0 }, run);
    expect(result.settled.map((s) => [s.item, s.result.status])).toEqual([
      ['a.1!', 'rejected'],
      ['a.2', 'fulfilled'],
      ['b.1', 'fulfilled'],
    ]);
  });

  it('nothing to do: no item, no worker waits', async () => {
    expect(await runBounded<string, string>([], { concurrency: 4, reserveMs: 20, remainingMs: () => 0 }, async (i) => i)).toEqual({ settled: [], left: [] });
  });

  it('groupInOrder: by key, in the order each key first appears', () => {
    expect(groupInOrder(['a1', 'b1', 'a2', 'c1', 'b2'], (x) => x[0] ?? '')).toEqual([['a1', 'a2'], ['b1', 'b2'], ['c1']]);
  });
});
