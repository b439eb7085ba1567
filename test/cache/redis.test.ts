import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCache } from '../../src/cache/memory.js';
import { RedisCache } from '../../src/cache/redis.js';
import { TieredCache } from '../../src/cache/tiered.js';
import { Coalescer } from '../../src/server/coalesce.js';
import { backgroundContext } from '../../src/context.js';
import { startRedis, type RedisHandle } from '../harness/redis.js';

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('condition not met in time');
}

describe('Redis cache against a real redis-server', () => {
  let redis: RedisHandle;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  it('stores JSON values with a TTL, shared between clients', async () => {
    const a = new RedisCache({ url: redis.url, prefix: 't1:' });
    const b = new RedisCache({ url: redis.url, prefix: 't1:' });
    await until(() => a.available && b.available);
    await a.set('k', { isSuccess: true, n: 1 }, 300);
    assert.deepEqual(await b.get('k'), { isSuccess: true, n: 1 });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(await b.get('k'), undefined, 'expired');
    await a.close();
    await b.close();
  });

  it('locks are exclusive and released only by their owner', async () => {
    const a = new RedisCache({ url: redis.url, prefix: 't2:' });
    await until(() => a.available);
    assert.equal(await a.tryLock('l', 'one', 1000), true);
    assert.equal(await a.tryLock('l', 'two', 1000), false);
    await a.unlock('l', 'two');
    assert.equal(await a.tryLock('l', 'two', 1000), false, 'not released by a stranger');
    await a.unlock('l', 'one');
    assert.equal(await a.tryLock('l', 'two', 1000), true);
    await a.close();
  });

  it('coalesces the same work across two "replicas"', async () => {
    const a = new RedisCache({ url: redis.url, prefix: 't3:' });
    const b = new RedisCache({ url: redis.url, prefix: 't3:' });
    await until(() => a.available && b.available);
    let computed = 0;
    const work = (cache: RedisCache) => async () => {
      computed++;
      await new Promise((r) => setTimeout(r, 150));
      await cache.set('result', 'done', 5000);
      return 'done';
    };
    const [ra, rb] = await Promise.all([
      new Coalescer(a).run('key', backgroundContext(), () => a.get<string>('result'), work(a)),
      new Coalescer(b).run('key', backgroundContext(), () => b.get<string>('result'), work(b)),
    ]);
    assert.equal(ra, 'done');
    assert.equal(rb, 'done');
    assert.equal(computed, 1);
    await a.close();
    await b.close();
  });

  it('keeps serving from the local cache while Redis is down, and shares again once it is back', async () => {
    let unavailable = 0;
    const shared = new RedisCache({ url: redis.url, prefix: 't4:', onUnavailable: () => unavailable++ });
    const tiered = new TieredCache(new MemoryCache(), shared);
    await until(() => shared.available);
    await tiered.set('before', 1, 60_000);
    await redis.kill();
    await until(() => !shared.available);
    // Local entries still answer, new writes still work locally, nothing throws.
    assert.equal(await tiered.get('before'), 1);
    await tiered.set('during', 2, 60_000);
    assert.equal(await tiered.get('during'), 2);
    assert.ok(unavailable > 0, 'the fallback is counted');
    await redis.restart();
    await until(() => shared.available);
    await tiered.set('after', 3, 60_000);
    const other = new RedisCache({ url: redis.url, prefix: 't4:' });
    await until(() => other.available);
    assert.equal(await other.get('after'), 3, 'shared again after reconnecting');
    await shared.close();
    await other.close();
  });
});
