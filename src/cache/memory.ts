import { LRUCache } from 'lru-cache';
import type { Cache } from './types.js';

export interface MemoryCacheOptions {
  /** Upper bound on the bytes held (by JSON length). */
  maxBytes?: number;
  maxEntries?: number;
}

interface Entry {
  value: unknown;
  size: number;
}

/**
 * In-process Cache over lru-cache, sized by the JSON length of the values. Values are copied
 * once on the way in and deep-frozen, then handed out as they are: a cache hit costs no parse
 * or copy, and nobody can change what another request will read.
 */
export class MemoryCache implements Cache {
  private readonly lru: LRUCache<string, Entry>;

  constructor(opts: MemoryCacheOptions = {}) {
    this.lru = new LRUCache<string, Entry>({
      max: opts.maxEntries ?? 100_000,
      maxSize: opts.maxBytes ?? 256 * 1024 * 1024,
      sizeCalculation: (e, k) => e.size + k.length,
    });
  }

  get<T>(key: string): Promise<T | undefined> {
    return Promise.resolve(this.lru.get(key)?.value as T | undefined);
  }

  set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    if (ttlMs > 0) {
      const json = JSON.stringify(value);
      if (json !== undefined) this.lru.set(key, { value: deepFreeze(JSON.parse(json) as unknown), size: json.length }, { ttl: ttlMs });
    }
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

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as Record<string, unknown>)) deepFreeze(x);
  }
  return v;
}
