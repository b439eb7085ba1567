import { mkdir, readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { digestOf, parseDigest } from '../oci/digest.js';
import type { Logger } from '../observability/logger.js';

export interface ContentCacheOptions {
  /** Bytes kept in memory. */
  maxMemoryBytes?: number;
  /** Largest single item kept in memory (big blobs go to disk only). */
  maxItemBytes?: number;
  /** Optional directory for an on-disk cache laid out like OCI layout blobs (blobs/<alg>/<hex>). */
  dir?: string;
  log?: Logger;
}

/**
 * Immutable content by digest: manifests and blobs never change for a digest, so they can
 * be cached forever. Every disk read is digest-checked, because the directory is writable
 * by others and may be corrupted.
 */
export class ContentCache {
  private readonly mem: LRUCache<string, Buffer>;
  private readonly maxItem: number;
  private dirReady: Promise<void> | undefined;
  private readonly algDirs = new Map<string, Promise<void>>();
  hits = 0;
  misses = 0;

  constructor(private readonly o: ContentCacheOptions = {}) {
    this.mem = new LRUCache<string, Buffer>({
      maxSize: o.maxMemoryBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (v) => Math.max(1, v.length),
    });
    this.maxItem = o.maxItemBytes ?? 4 * 1024 * 1024;
  }

  async get(digest: string): Promise<Buffer | undefined> {
    const m = this.mem.get(digest);
    if (m) {
      this.hits++;
      // A copy: callers own what they get and must not be able to corrupt the cache.
      return Buffer.from(m);
    }
    if (this.o.dir) {
      const p = this.path(digest);
      try {
        const data = await readFile(p);
        if (digestOf(data, parseDigest(digest).algorithm) === digest) {
          this.hits++;
          if (data.length <= this.maxItem) this.mem.set(digest, data);
          return data;
        }
        this.o.log?.warn({ digest, path: p }, 'on-disk cache entry is corrupt; removing it');
        await unlink(p).catch(() => undefined);
      } catch {
        // absent or unreadable: a miss
      }
    }
    this.misses++;
    return undefined;
  }

  /** Caller guarantees `data` matches `digest` (it was verified when fetched). */
  async put(digest: string, data: Buffer): Promise<void> {
    if (data.length <= this.maxItem) this.mem.set(digest, data);
    if (!this.o.dir) return;
    try {
      await this.ensureDir(digest);
      const final = this.path(digest);
      const tmp = `${final}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(tmp, data, { mode: 0o644 });
      await rename(tmp, final);
    } catch (e) {
      // A read-only or full disk must not fail verification; the cache is an optimisation.
      this.o.log?.debug({ err: (e as Error).message }, 'could not write on-disk cache entry');
    }
  }

  private path(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.o.dir!, 'blobs', algorithm, hex);
  }

  private ensureDir(digest: string): Promise<void> {
    const alg = parseDigest(digest).algorithm;
    let p = this.algDirs.get(alg);
    if (!p) {
      this.dirReady ??= (async () => {
        await mkdir(join(this.o.dir!, 'blobs'), { recursive: true });
        await writeFile(join(this.o.dir!, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}', { flag: 'wx' }).catch(() => undefined);
      })();
      p = this.dirReady.then(() => mkdir(join(this.o.dir!, 'blobs', alg), { recursive: true })).then(() => undefined);
      // A failure is retried on the next put rather than remembered.
      p.catch(() => this.algDirs.delete(alg));
      this.algDirs.set(alg, p);
    }
    return p;
  }
}
