// A least-recently-used cache on a Map (insertion order = recency), standing in for mnemonist's LRUCache in the bundles:
// the SDK's DynamoDB endpoint cache (@aws-sdk/endpoint-cache) is its only user, through new LRUCache(capacity), get,
// set, has, peek and clear. esbuild.config.mjs points `mnemonist/lru-cache` here: about 7 KB less at every cold start
// (mnemonist's cache, its typed-array helpers and obliterator), and no 1000-slot arrays allocated when a DynamoDB client
// is built. Same contract for those calls: get and set make the key the most recent, peek and has do not, a set beyond
// capacity drops the least recent key.
export default class LRUCache<K, V> {
  private readonly items = new Map<K, V>();
  readonly capacity: number;

  constructor(capacity: number) {
    if (typeof capacity !== 'number' || !(capacity > 0)) throw new Error('lru-cache: capacity should be positive number.');
    this.capacity = capacity;
  }

  get size(): number {
    return this.items.size;
  }

  has(key: K): boolean {
    return this.items.has(key);
  }

  /** The value, without making the key the most recent. */
  peek(key: K): V | undefined {
    return this.items.get(key);
  }

  /** The value, and the key becomes the most recent. */
  get(key: K): V | undefined {
    if (!this.items.has(key)) return undefined;
    const value = this.items.get(key) as V;
    this.items.delete(key);
    this.items.set(key, value);
    return value;
  }

  /** Stores the value as the most recent; beyond capacity the least recent key goes. */
  set(key: K, value: V): this {
    this.items.delete(key);
    this.items.set(key, value);
    if (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value as K);
    return this;
  }

  clear(): void {
    this.items.clear();
  }

  /** Keys, least recent first. */
  keys(): IterableIterator<K> {
    return this.items.keys();
  }
}
