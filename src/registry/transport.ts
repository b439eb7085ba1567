import { Agent, request, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { abortError, remainingMs, sleep, type Context } from '../context.js';
import { RatifyError, type ErrorCode } from '../errors.js';

export interface TransportOptions {
  /** Skip TLS certificate verification (Ratify does this for useHttp and loopback registries). */
  insecureSkipVerify?: boolean;
  /** Extra trusted CA certificates (PEM) for registries with a private CA. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Connections kept per registry origin; also the per-host concurrency limit. */
  connectionsPerHost?: number;
  /** Retries after the first attempt for 5xx / 408 / 429 / network errors (oras-go: 5). */
  maxRetries?: number;
  minRetryWaitMs?: number;
  maxRetryWaitMs?: number;
  /** Longest Retry-After we are willing to honour, whatever the deadline. */
  maxRetryAfterMs?: number;
  maxRedirects?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  userAgent?: string;
  /** Headers added to every request (trace ids). */
  extraHeaders?: Record<string, string>;
}

export interface TransportRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** What the request is for, used in error messages ("fetch manifest sha256:…"). */
  what: string;
}

export interface TransportResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable & { dump?: () => Promise<void> };
  /** The URL that produced this response (after redirects). */
  url: string;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

const DEFAULTS = {
  connectionsPerHost: 32,
  maxRetries: 5,
  minRetryWaitMs: 200,
  maxRetryWaitMs: 1750,
  maxRetryAfterMs: 30_000,
  maxRedirects: 3,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
} as const;

export function header(h: TransportResponse['headers'], name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * HTTP for registries: keep-alive pools per origin (undici Agent), bounded connections per
 * host, retries with backoff for transient failures, 429 Retry-After, manual redirects that
 * drop credentials across origins, and every wait bounded by the context deadline.
 */
export class RegistryTransport {
  private readonly agent: Agent;
  private readonly o: Required<Omit<TransportOptions, 'ca' | 'extraHeaders' | 'insecureSkipVerify' | 'userAgent'>> &
    TransportOptions;

  constructor(opts: TransportOptions = {}) {
    this.o = { ...DEFAULTS, ...stripUndefined(opts) };
    this.agent = new Agent({
      connections: this.o.connectionsPerHost,
      keepAliveTimeout: 30_000,
      headersTimeout: this.o.headersTimeoutMs,
      bodyTimeout: this.o.bodyTimeoutMs,
      connect: {
        rejectUnauthorized: !opts.insecureSkipVerify,
        ...(opts.ca ? { ca: opts.ca } : {}),
      },
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  async send(ctx: Context, req: TransportRequest): Promise<TransportResponse> {
    const retriable = req.method === 'GET' || req.method === 'HEAD';
    let attempt = 0;
    for (;;) {
      let res: TransportResponse;
      try {
        res = await this.sendFollowingRedirects(ctx, req);
      } catch (e) {
        if (ctx.signal.aborted) throw abortError(ctx, req.what);
        if (e instanceof RatifyError) throw e;
        if (retriable && !isPermanent(e) && attempt < this.o.maxRetries && this.canWait(ctx, this.backoff(attempt))) {
          ctx.log.debug({ err: (e as Error).message, url: req.url, attempt }, 'registry request failed; retrying');
          await sleep(ctx, this.backoff(attempt), req.what);
          attempt++;
          continue;
        }
        throw new RatifyError('REPOSITORY_OPERATION_FAILURE', `${req.what}: request to ${redact(req.url)} failed`, {
          cause: e,
          remediation: 'Check that the registry is reachable from here (network, DNS, TLS settings such as useHttp)',
        });
      }
      if (!retriable || !RETRY_STATUS.has(res.statusCode) || attempt >= this.o.maxRetries) return res;
      const wait = this.waitFor(res, attempt);
      if (res.statusCode === 429) ctx.stats && (ctx.stats.rateLimited = (ctx.stats.rateLimited ?? 0) + 1);
      if (!this.canWait(ctx, wait)) {
        if (res.statusCode === 429) {
          await res.body.dump?.();
          throw new RatifyError('REPOSITORY_OPERATION_FAILURE', `${req.what}: registry rate limit (HTTP 429)`, {
            cause: new Error(`Retry-After asks for ${Math.ceil(wait / 1000)} s, more than the time left for this request`),
            remediation: 'Retry later, authenticate to get a higher rate limit, or use a registry mirror',
          });
        }
        return res;
      }
      await res.body.dump?.();
      ctx.log.debug({ status: res.statusCode, url: req.url, attempt, waitMs: wait }, 'registry answered transiently; retrying');
      await sleep(ctx, wait, req.what);
      attempt++;
    }
  }

  private canWait(ctx: Context, ms: number): boolean {
    // Keep a little of the budget for the retried request itself.
    return ms <= this.o.maxRetryAfterMs && ms + 50 < remainingMs(ctx);
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.o.maxRetryWaitMs, this.o.minRetryWaitMs * 2 ** attempt);
    // Jitter spreads retries of many replicas hitting the same registry.
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  private waitFor(res: TransportResponse, attempt: number): number {
    const ra = header(res.headers, 'retry-after');
    if (ra !== undefined) {
      const secs = Number(ra);
      if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
      const date = Date.parse(ra);
      if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
    }
    return this.backoff(attempt);
  }

  private async sendFollowingRedirects(ctx: Context, req: TransportRequest): Promise<TransportResponse> {
    let url = req.url;
    let headers = { ...this.baseHeaders(), ...req.headers };
    const seen = new Set<string>();
    for (let hop = 0; ; hop++) {
      if (ctx.stats) ctx.stats.registryRequests++;
      const res = await request(url, {
        method: req.method,
        // undici closes the connection after a HEAD by default; registries answer HEAD
        // correctly, and a new (TLS) connection per resolve is the larger cost.
        reset: false,
        headers: ctx.forwardHeaders ? { ...ctx.forwardHeaders, ...headers } : headers,
        body: req.body ?? null,
        dispatcher: this.agent as Dispatcher,
        signal: ctx.signal,
      });
      ctx.log.trace?.({ method: req.method, url: redact(url), status: res.statusCode }, 'registry request');
      if (ctx.metrics) {
        const host = new URL(url).host;
        ctx.metrics.registryResponse(host, res.statusCode, ctx.namespace ?? '');
        if (res.statusCode === 429) ctx.metrics.registryRateLimited(host, ctx.namespace ?? '');
      }
      const location = header(res.headers as TransportResponse['headers'], 'location');
      if (!REDIRECT_STATUS.has(res.statusCode) || !location || req.method === 'PUT' || req.method === 'POST') {
        return { statusCode: res.statusCode, headers: res.headers as TransportResponse['headers'], body: res.body, url };
      }
      await res.body.dump();
      const next = new URL(location, url).toString();
      seen.add(url);
      if (hop + 1 > this.o.maxRedirects || seen.has(next)) {
        throw new RatifyError('REPOSITORY_OPERATION_FAILURE', `${req.what}: too many redirects`, {
          cause: new Error(`stopped after ${hop + 1} redirects at ${redact(next)} (limit ${this.o.maxRedirects}, loop: ${seen.has(next)})`),
          remediation: 'The registry redirects in a loop or too deep; check its storage/redirect configuration',
        });
      }
      if (new URL(next).origin !== new URL(url).origin) {
        // Storage back ends get signed URLs; registry credentials must not leak to them.
        const { authorization: _drop, ...rest } = headers as Record<string, string>;
        headers = rest;
      }
      url = next;
    }
  }

  private baseHeaders(): Record<string, string> {
    return { 'user-agent': this.o.userAgent ?? 'ratify-ts', ...(this.o.extraHeaders ?? {}) };
  }
}

/**
 * Reads a response body into memory, refusing more than `limit` bytes (checked against
 * Content-Length first and again while streaming, since a hostile server may lie).
 */
export async function readLimited(
  res: TransportResponse,
  limit: number,
  what: string,
  onChunk?: (c: Buffer) => void,
  code: ErrorCode = 'GET_BLOB_CONTENT_FAILURE',
): Promise<Buffer> {
  const tooBig = (n: number | string) =>
    new RatifyError(code, `${what} is too large`, {
      cause: new Error(`${n} bytes exceeds the limit of ${limit} bytes`),
      remediation: 'Raise the size limit in the store configuration if this content is legitimate',
    });
  const cl = header(res.headers, 'content-length');
  if (cl !== undefined && Number(cl) > limit) {
    discardBody(res);
    throw tooBig(cl);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      discardBody(res);
      throw tooBig(`more than ${limit}`);
    }
    onChunk?.(chunk);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** TLS verification failures and malformed URLs will not get better by retrying. */
function isPermanent(e: unknown): boolean {
  const code = String((e as { code?: unknown })?.code ?? '');
  return /CERT|SSL|TLS|VERIFY|SELF_SIGNED|ALTNAME|ERR_INVALID_URL|UND_ERR_INVALID_ARG|HOSTNAME/i.test(code);
}

/**
 * Drops a response body we will not read. undici's body emits 'error' (RequestAbortedError)
 * when destroyed before its end; with no listener that is an uncaught exception.
 */
export function discardBody(res: TransportResponse): void {
  res.body.on('error', () => undefined);
  res.body.destroy();
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    // Signed storage URLs carry credentials in the query string.
    if (u.search) u.search = '?…';
    return u.toString();
  } catch {
    return url;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
