import { randomUUID } from 'node:crypto';
import { sleep, type Context } from '../context.js';
import type { RedisCache } from '../cache/redis.js';

/**
 * Makes replicas share work: the first replica to miss the cache for a key takes a short
 * Redis lock and computes; the others wait for its result to appear in the cache (or for the
 * lock to lapse) instead of verifying the same image again. Without Redis it just computes.
 */
export class Coalescer {
  constructor(
    private readonly redis: RedisCache,
    private readonly lockTtlMs = 3_000,
    private readonly pollMs = 20,
  ) {}

  async run<T>(key: string, ctx: Context, cached: () => Promise<T | undefined>, compute: () => Promise<T>): Promise<T> {
    if (!this.redis.available) return compute();
    const owner = randomUUID();
    const lockKey = `lock:${key}`;
    if (await this.redis.tryLock(lockKey, owner, this.lockTtlMs)) {
      try {
        // Another replica may have finished and released the lock since our cache miss.
        const hit = await cached();
        if (hit !== undefined) return hit;
        return await compute();
      } finally {
        await this.redis.unlock(lockKey, owner);
      }
    }
    const until = Date.now() + this.lockTtlMs;
    while (Date.now() < until && !ctx.signal.aborted && this.redis.available) {
      await sleep(ctx, this.pollMs, 'wait for another replica').catch(() => undefined);
      const hit = await cached();
      if (hit !== undefined) return hit;
      // The lock is gone but no result was cached (the holder hit a transient failure):
      // compute ourselves. Taking the lock for 1 ms is how we ask whether it is free.
      const free = await this.redis.tryLock(lockKey, owner, 1);
      if (free) break;
    }
    return compute();
  }
}
