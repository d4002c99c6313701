// shared/aws/lru-cache.ts against a reference model computed here (a list in recency order), and against what the SDK's
// DynamoDB endpoint cache, its one user in the bundles, does with it.
import { EndpointCache } from '@aws-sdk/endpoint-cache';
import LRUCache from '../../../shared/aws/lru-cache';

describe('LRUCache (stands in for mnemonist/lru-cache in the bundles)', () => {
  it('drops the least recently used key beyond capacity; get refreshes a key, peek and has do not', () => {
    const cache = new LRUCache<string, number>(2);
    cache.set('a', 1).set('b', 2);
    expect(cache.peek('a')).toBe(1); // not a use: 'a' stays the least recent
    expect(cache.has('a')).toBe(true);
    cache.set('c', 3);
    expect([...cache.keys()]).toEqual(['b', 'c']);
    expect(cache.get('b')).toBe(2); // a use: 'c' is now the least recent
    cache.set('d', 4);
    expect([...cache.keys()]).toEqual(['b', 'd']);
    expect(cache.get('c')).toBeUndefined();
    cache.set('b', 20); // overwriting is a use, and never evicts
    expect(cache.size).toBe(2);
    expect([...cache.keys()]).toEqual(['d', 'b']);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.has('b')).toBe(false);
  });

  it('refuses a capacity that is not a positive number, as mnemonist does', () => {
    expect(() => new LRUCache(0)).toThrow(/capacity should be positive number/);
    expect(() => new LRUCache(Number.NaN)).toThrow(/capacity should be positive number/);
  });

  it('agrees with a reference model over a seeded run of 2000 random operations', () => {
    let seed = 42;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      // The high bits: an LCG's low bits repeat with a short period.
      return Math.floor(seed / 65536) % n;
    };
    const capacity = 5;
    const cache = new LRUCache<number, number>(capacity);
    let model: Array<[number, number]> = []; // least recent first
    const seen = { get: 0, set: 0, peek: 0, has: 0, evictions: 0, hits: 0 };
    for (let i = 0; i < 2000; i += 1) {
      const key = next(9);
      const op = (['get', 'set', 'peek', 'has'] as const)[next(4)] ?? 'get';
      seen[op] += 1;
      const at = model.findIndex(([k]) => k === key);
      if (op === 'set') {
        if (at >= 0) model.splice(at, 1);
        model.push([key, i]);
        if (model.length > capacity) {
          model = model.slice(1);
          seen.evictions += 1;
        }
        cache.set(key, i);
      } else if (op === 'get') {
        const expected = at >= 0 ? model[at]?.[1] : undefined;
        if (at >= 0) {
          seen.hits += 1;
          model.push(...model.splice(at, 1));
        }
        expect(cache.get(key)).toBe(expected);
      } else if (op === 'peek') {
        expect(cache.peek(key)).toBe(at >= 0 ? model[at]?.[1] : undefined);
      } else {
        expect(cache.has(key)).toBe(at >= 0);
      }
      expect([...cache.keys()]).toEqual(model.map(([k]) => k));
    }
    // The run covered every operation, evictions and hits.
    expect(Math.min(seen.get, seen.set, seen.peek, seen.has)).toBeGreaterThan(400);
    expect(seen.evictions).toBeGreaterThan(50);
    expect(seen.hits).toBeGreaterThan(50);
  });

  it('serves the SDK\'s EndpointCache as mnemonist does: endpoints kept until they expire, an emptied key reads as absent', () => {
    // EndpointCache imports mnemonist in node_modules; the bundles import ours instead. Here it runs on ours (its CommonJS
    // build requires the module itself as the constructor).
    jest.isolateModules(() => {
      jest.doMock('mnemonist/lru-cache', () => LRUCache);
      const { EndpointCache: OnOurs } = jest.requireActual<{ EndpointCache: typeof EndpointCache }>('@aws-sdk/endpoint-cache');
      const cache = new OnOurs(1);
      cache.set('k1', [{ Address: 'a.example', CachePeriodInMinutes: 1 }]);
      expect(cache.getEndpoint('k1')).toBe('a.example');
      cache.set('k2', [{ Address: 'b.example', CachePeriodInMinutes: 1 }]);
      expect(cache.getEndpoint('k1')).toBeUndefined(); // capacity 1: k1 went
      expect(cache.getEndpoint('k2')).toBe('b.example');
      cache.delete('k2');
      expect(cache.has('k2')).toBe(false);
      cache.set('k3', [{ Address: 'c.example', CachePeriodInMinutes: -1 }]); // already expired
      expect(cache.getEndpoint('k3')).toBeUndefined();
      cache.clear();
      expect(cache.has('k3')).toBe(false);
    });
  });
});
