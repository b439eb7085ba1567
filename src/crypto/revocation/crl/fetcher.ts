/**
 * Gets a CRL for a distribution-point URL: from the cache when a still-valid copy passes the
 * caller's validation, else by download (http only, size-limited, time-boxed). Concurrent
 * downloads of one URL are shared. Only CRLs that pass validation are cached.
 */
import type { Context } from '../../../context.js';
import { SingleFlight } from '../../../cache/singleflight.js';
import { RevocationHttpError, type RevocationHttpClient } from '../http.js';
import type { CrlCache } from './cache.js';
import { parseCrl, type ParsedCrl } from './parse.js';

export interface CrlFetcherOptions {
  http: RevocationHttpClient;
  cache?: CrlCache;
  /** Per-download budget (capped by the context deadline). notation: 5 s. */
  timeoutMs?: number;
  /** Largest CRL accepted. */
  maxBytes?: number;
  now?: () => Date;
}

/** The downloaded CRL was rejected by the caller's validation. */
export class CrlValidationError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'CrlValidationError';
  }
}

export const DEFAULT_CRL_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_CRL_BYTES = 16 * 1024 * 1024;

export class CrlFetcher {
  private readonly flight = new SingleFlight<ParsedCrl>();
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly now: () => Date;

  constructor(private readonly opts: CrlFetcherOptions) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_CRL_TIMEOUT_MS;
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_CRL_BYTES;
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * A CRL for `url` that `validate` accepts (validate throws to reject). Errors thrown are the
   * download, parse or validation failure.
   */
  async fetch(ctx: Context, url: string, validate: (crl: ParsedCrl) => void): Promise<ParsedCrl> {
    const cache = this.opts.cache;
    if (cache) {
      const cached = await cache.get(url, this.now());
      if (cached) {
        try {
          validate(cached);
          ctx.log.debug({ url }, 'CRL cache hit');
          return cached;
        } catch (e) {
          ctx.log.debug({ url, err: (e as Error).message }, 'cached CRL rejected; downloading again');
        }
      }
    }
    const crl = await this.flight.do(url, () => this.download(ctx, url));
    try {
      validate(crl);
    } catch (e) {
      throw new CrlValidationError(e);
    }
    if (cache) await cache.set(url, crl, this.now());
    return crl;
  }

  private async download(ctx: Context, url: string): Promise<ParsedCrl> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (e) {
      throw new Error(`invalid CRL URL: ${(e as Error).message}`);
    }
    if (parsed.protocol !== 'http:') {
      throw new Error(`unsupported scheme: ${parsed.protocol.replace(/:$/, '')}. Only supports CRL URL in HTTP protocol`);
    }
    let res;
    try {
      ctx.log.debug({ url }, 'downloading CRL');
      res = await this.opts.http.send(ctx, { method: 'GET', url, timeoutMs: this.timeoutMs, maxBytes: this.maxBytes });
    } catch (e) {
      if (e instanceof RevocationHttpError && e.kind === 'too-large') {
        throw new Error(`CRL size exceeds the limit of ${this.maxBytes} bytes`, { cause: e });
      }
      throw new Error(`request failed: ${(e as Error).message}`, { cause: e });
    }
    if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`failed to download with status code: ${res.statusCode}`);
    return parseCrl(res.body);
  }
}
