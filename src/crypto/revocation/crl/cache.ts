/**
 * CRL caches. Entries are only honoured until the CRL's nextUpdate; CRLs without nextUpdate are
 * not cached. The file cache uses notation-go's layout (file name = hex SHA-256 of the URL,
 * content = {"rawBaseCRL": base64 DER}), so a notation CRL cache directory can be shared.
 * Corrupt or expired files are treated as misses; writes are atomic (temp file + rename).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../../observability/logger.js';
import { parseCrl, type ParsedCrl } from './parse.js';

export interface CrlCache {
  /** A CRL still before its nextUpdate at `now`, or undefined. Never throws. */
  get(url: string, now: Date): Promise<ParsedCrl | undefined>;
  /** Best effort; never throws. */
  set(url: string, crl: ParsedCrl, now: Date): Promise<void>;
}

function fresh(crl: ParsedCrl, now: Date): boolean {
  return crl.nextUpdate !== undefined && now.getTime() <= crl.nextUpdate.getTime();
}

export class MemoryCrlCache implements CrlCache {
  private readonly lru: LRUCache<string, ParsedCrl>;

  constructor(opts: { maxEntries?: number; maxBytes?: number } = {}) {
    this.lru = new LRUCache<string, ParsedCrl>({
      max: opts.maxEntries ?? 256,
      maxSize: opts.maxBytes ?? 128 * 1024 * 1024,
      sizeCalculation: (v) => Math.max(1, v.raw.length),
    });
  }

  get(url: string, now: Date): Promise<ParsedCrl | undefined> {
    const crl = this.lru.get(url);
    if (crl && !fresh(crl, now)) this.lru.delete(url);
    return Promise.resolve(crl && fresh(crl, now) ? crl : undefined);
  }

  set(url: string, crl: ParsedCrl, now: Date): Promise<void> {
    if (fresh(crl, now)) this.lru.set(url, crl);
    return Promise.resolve();
  }
}

interface FileContent {
  rawBaseCRL: string;
}

export class FileCrlCache implements CrlCache {
  constructor(
    private readonly dir: string,
    private readonly log?: Logger,
  ) {}

  static fileName(url: string): string {
    return createHash('sha256').update(url).digest('hex');
  }

  async get(url: string, now: Date): Promise<ParsedCrl | undefined> {
    const file = join(this.dir, FileCrlCache.fileName(url));
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log?.debug({ url, err: (e as Error).message }, 'CRL file cache read failed');
      return undefined;
    }
    try {
      const parsed = JSON.parse(text) as Partial<FileContent>;
      if (typeof parsed.rawBaseCRL !== 'string') throw new Error('missing rawBaseCRL');
      const crl = parseCrl(Buffer.from(parsed.rawBaseCRL, 'base64'));
      if (!crl.nextUpdate) throw new Error('cached CRL has no NextUpdate');
      if (!fresh(crl, now)) {
        this.log?.debug({ url, nextUpdate: crl.nextUpdate.toISOString() }, 'CRL in file cache has expired');
        return undefined;
      }
      return crl;
    } catch (e) {
      this.log?.debug({ url, err: (e as Error).message }, 'ignoring corrupt CRL file cache entry');
      return undefined;
    }
  }

  async set(url: string, crl: ParsedCrl, now: Date): Promise<void> {
    if (!fresh(crl, now)) return;
    const file = join(this.dir, FileCrlCache.fileName(url));
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const body: FileContent = { rawBaseCRL: Buffer.from(crl.raw).toString('base64') };
      await writeFile(tmp, `${JSON.stringify(body)}\n`, { mode: 0o600 });
      await rename(tmp, file);
    } catch (e) {
      this.log?.debug({ url, err: (e as Error).message }, 'CRL file cache write failed');
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }
}

/** Memory first, then file; a file hit is promoted to memory. */
export class TieredCrlCache implements CrlCache {
  constructor(private readonly tiers: CrlCache[]) {}

  async get(url: string, now: Date): Promise<ParsedCrl | undefined> {
    for (let i = 0; i < this.tiers.length; i++) {
      const crl = await (this.tiers[i] as CrlCache).get(url, now);
      if (crl) {
        for (let j = 0; j < i; j++) await (this.tiers[j] as CrlCache).set(url, crl, now);
        return crl;
      }
    }
    return undefined;
  }

  async set(url: string, crl: ParsedCrl, now: Date): Promise<void> {
    for (const t of this.tiers) await t.set(url, crl, now);
  }
}
