import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import type { Cache } from './types.js';

export interface RedisCacheOptions {
  url: string;
  /** Prefix for every key, so several deployments can share one Redis. */
  prefix?: string;
  /** Longest a cache operation may wait on Redis before we carry on without it. */
  operationTimeoutMs?: number;
  log?: Logger;
  /** Called when an operation could not reach Redis. */
  onUnavailable?: (operation: string) => void;
}

/**
 * Cache in Redis shared by replicas. Every operation fails fast (no offline queue, short
 * command timeout): the caller serves from its local cache instead, and ioredis reconnects
 * in the background.
 */
export class RedisCache implements Cache {
  readonly client: Redis;
  private readonly prefix: string;
  private readonly timeout: number;
  private lastWarn = 0;

  constructor(private readonly o: RedisCacheOptions) {
    this.prefix = o.prefix ?? 'ratify:';
    this.timeout = o.operationTimeoutMs ?? 250;
    const opts: RedisOptions = {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1000,
      commandTimeout: this.timeout,
      // Keep trying to come back, never faster than every 2 s once it has been down a while.
      retryStrategy: (times) => Math.min(50 * times, 2000),
    };
    this.client = new Redis(o.url, opts);
    // Without a listener ioredis prints "Unhandled error event" for every failed reconnect.
    this.client.on('error', (e: Error) => this.warn('redis connection error', e));
  }

  get available(): boolean {
    return this.client.status === 'ready';
  }

  async get<T>(key: string): Promise<T | undefined> {
    const v = await this.run('get', () => this.client.get(this.prefix + key));
    if (v === undefined || v === null) return undefined;
    try {
      return JSON.parse(v) as T;
    } catch {
      return undefined;
    }
  }

  async set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    await this.run('set', () => this.client.set(this.prefix + key, JSON.stringify(value), 'PX', Math.max(1, Math.round(ttlMs))));
  }

  async delete(key: string): Promise<void> {
    await this.run('delete', () => this.client.del(this.prefix + key));
  }

  /** SET NX PX: true when this caller now holds `key` for `ttlMs` (cross-replica coalescing). */
  async tryLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const r = await this.run('lock', () => this.client.set(this.prefix + key, owner, 'PX', ttlMs, 'NX'));
    return r === 'OK';
  }

  /** Releases the lock only if we still own it. */
  async unlock(key: string, owner: string): Promise<void> {
    await this.run('unlock', () =>
      this.client.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, this.prefix + key, owner),
    );
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }

  /** Runs a command; any failure (down, timeout) counts as unavailable and yields undefined. */
  private async run<T>(operation: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.client.status !== 'ready') {
      this.o.onUnavailable?.(operation);
      return undefined;
    }
    try {
      return await fn();
    } catch (e) {
      this.o.onUnavailable?.(operation);
      this.warn(`redis ${operation} failed; continuing without the shared cache`, e as Error);
      return undefined;
    }
  }

  private warn(msg: string, e: Error): void {
    // One line every few seconds is enough while Redis is down.
    if (Date.now() - this.lastWarn < 5000) return;
    this.lastWarn = Date.now();
    this.o.log?.warn({ err: e.message }, msg);
  }
}
