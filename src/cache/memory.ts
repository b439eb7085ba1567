import { LRUCache } from 'lru-cache';
import type { Cache } from './types.js';

export interface MemoryCacheOptions {
  /** Upper bound on the bytes held (by JSON length). */
  maxBytes?: number;
  maxEntries?: number;
}

/** In-process Cache over lru-cache, sized by the JSON length of the values. */
export class MemoryCache implements Cache {
  private readonly lru: LRUCache<string, string>;

  constructor(opts: MemoryCacheOptions = {}) {
    this.lru = new LRUCache<string, string>({
      max: opts.maxEntries ?? 100_000,
      maxSize: opts.maxBytes ?? 256 * 1024 * 1024,
      sizeCalculation: (v, k) => v.length + k.length,
    });
  }

  get<T>(key: string): Promise<T | undefined> {
    const v = this.lru.get(key);
    return Promise.resolve(v === undefined ? undefined : (JSON.parse(v) as T));
  }

  set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    if (ttlMs > 0) this.lru.set(key, JSON.stringify(value), { ttl: ttlMs });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.lru.delete(key);
    return Promise.resolve();
  }

  get size(): number {
    return this.lru.size;
  }
}
