/** Options of {@link LruCache}. */
export interface LruOptions<K, V> {
  /** Most entries kept. @default Infinity */
  readonly maxEntries?: number;
  /** Most bytes kept, as counted by `sizeOf`. @default Infinity */
  readonly maxBytes?: number;
  /** Size of one value in bytes. @default () => 0 */
  readonly sizeOf?: (value: V) => number;
  /** Called for each entry that leaves: evicted, replaced or deleted. @default none */
  readonly onRemove?: (key: K, value: V) => void;
}

/**
 * A map bounded by entries and bytes that evicts about the least recently used entries (CLOCK,
 * "second chance"): a hit only marks its entry; eviction takes the oldest inserted entry and,
 * if it was used since, clears the mark and moves it to the young end instead. A hit costs a
 * flag, not a Map reordering, which matters at tens of thousands of hits per second.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, { value: V; size: number; used: boolean }>();
  private total = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly sizeOf: (value: V) => number;
  private readonly onRemove: ((key: K, value: V) => void) | undefined;

  constructor(options: LruOptions<K, V> = {}) {
    this.maxEntries = options.maxEntries ?? Infinity;
    this.maxBytes = options.maxBytes ?? Infinity;
    this.sizeOf = options.sizeOf ?? (() => 0);
    this.onRemove = options.onRemove;
  }

  /** The value of `key` (marked as used); undefined when absent. */
  get(key: K): V | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) return undefined;
    entry.used = true;
    return entry.value;
  }

  /** Whether `key` is cached (does not refresh it). */
  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Whether {@link set} would keep a value of `size` bytes (not when it is larger than `maxBytes`). */
  keeps(size: number): boolean {
    return size <= this.maxBytes && this.maxEntries >= 1;
  }

  /** Insert or replace, then evict from the least recently used end; a value larger than `maxBytes` is not kept. */
  set(key: K, value: V): void {
    const size = this.sizeOf(value);
    this.delete(key);
    if (size > this.maxBytes || this.maxEntries < 1) return;
    this.map.set(key, { value, size, used: false });
    this.total += size;
    while (this.map.size > this.maxEntries || this.total > this.maxBytes) {
      const oldest = this.map.entries().next();
      if (oldest.done) break;
      const [k, entry] = oldest.value;
      this.map.delete(k);
      if (entry.used && k !== key) {
        entry.used = false;
        this.map.set(k, entry);
      } else {
        this.total -= entry.size;
        this.onRemove?.(k, entry.value);
      }
    }
  }

  delete(key: K): boolean {
    const entry = this.map.get(key);
    if (entry === undefined) return false;
    this.map.delete(key);
    this.total -= entry.size;
    this.onRemove?.(key, entry.value);
    return true;
  }

  clear(): void {
    if (this.onRemove) for (const [k, entry] of this.map) this.onRemove(k, entry.value);
    this.map.clear();
    this.total = 0;
  }

  /** Entries held. */
  get size(): number {
    return this.map.size;
  }

  /** The byte bound. */
  get capacity(): number {
    return this.maxBytes;
  }

  /** Bytes held, as counted by `sizeOf`. */
  get bytes(): number {
    return this.total;
  }
}
