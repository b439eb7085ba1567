/**
 * A key/value cache for JSON-serialisable values with per-entry TTL. The memory and Redis
 * implementations behave the same: values are copied in and out, never shared.
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}
