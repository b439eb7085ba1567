import type { Cache } from './types.js';
import type { MemoryCache } from './memory.js';
import type { RedisCache } from './redis.js';

/**
 * A replica's local cache in front of the shared Redis cache. Reads try local first, then
 * Redis (and keep what Redis had locally); writes go to both. When Redis is down every
 * operation is served locally, so the replica keeps working alone.
 */
export class TieredCache implements Cache {
  constructor(
    readonly local: MemoryCache,
    readonly shared: RedisCache,
    /** Local copies of shared entries live at most this long, so replicas converge quickly. */
    private readonly localTtlCapMs = 5_000,
  ) {}

  async get<T>(key: string): Promise<T | undefined> {
    const l = await this.local.get<T>(key);
    if (l !== undefined) return l;
    const s = await this.shared.get<T>(key);
    if (s !== undefined) await this.local.set(key, s, this.localTtlCapMs);
    return s;
  }

  async set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    await Promise.all([this.local.set(key, value, ttlMs), this.shared.set(key, value, ttlMs)]);
  }

  async delete(key: string): Promise<void> {
    await Promise.all([this.local.delete(key), this.shared.delete(key)]);
  }
}
