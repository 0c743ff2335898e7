import { LRUCache } from 'lru-cache';

/** How a BoundedCache is sized: both bounds are required, so no cache of ours can grow without limit. */
export interface BoundedCacheOptions {
  /** The most entries kept; past it the least recently used entry goes first. */
  max: number;
  /** How long an entry lives, in milliseconds (> 0). */
  ttlMs: number;
  /** The clock, in milliseconds; `performance.now` unless a test brings its own. */
  now?: () => number;
}

/**
 * The one per-replica cache of both services: at most `max` entries, each
 * living `ttlMs` — or less, when `set` is given a shorter `ttlMs` because the
 * value must not outlive something (a token's `exp`, a secret's grace end).
 * An entry is returned while its age is at most its TTL, never after.
 * Least recently used entries are evicted first. Values may be `null` (remembering that something does not
 * exist); `undefined` from `get` means "not cached".
 *
 * Backed by lru-cache (isaacs/node-lru-cache), boxed so that `null` can be
 * stored, which lru-cache refuses.
 * @throws RangeError when `max` is not a positive integer or `ttlMs` is not positive.
 */
export class BoundedCache<K extends NonNullable<unknown>, V> {
  private readonly entries: LRUCache<K, { value: V }>;
  private readonly ttlMs: number;

  constructor(options: BoundedCacheOptions) {
    if (!Number.isInteger(options.max) || options.max <= 0) {
      throw new RangeError(`BoundedCache max must be a positive integer, not ${options.max}.`);
    }
    if (!(options.ttlMs > 0)) throw new RangeError(`BoundedCache ttlMs must be positive, not ${options.ttlMs}.`);
    this.ttlMs = options.ttlMs;
    const now = options.now;
    this.entries = new LRUCache<K, { value: V }>({
      max: options.max,
      ttl: options.ttlMs,
      // Read the clock on every check: lru-cache otherwise reuses one reading for a millisecond.
      ttlResolution: 0,
      ...(now ? { perf: { now } } : {}),
    });
  }

  /** The live value under `key`, or `undefined` when there is none (never a stale one). */
  get(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  /**
   * Stores `value` for the cache's TTL, or for `ttlMs` when that is shorter.
   * A `ttlMs` of zero or less stores nothing and drops what was there: the
   * value is already past its use.
   */
  set(key: K, value: V, ttlMs?: number): void {
    const ttl = ttlMs === undefined ? this.ttlMs : Math.min(this.ttlMs, ttlMs);
    if (!(ttl > 0)) {
      this.entries.delete(key);
      return;
    }
    this.entries.set(key, { value }, { ttl });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
