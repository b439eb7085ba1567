/**
 * The HTTP used for CRL downloads and OCSP queries: plain http only (as notation), a per-call
 * timeout capped by the context deadline, a response size limit checked against Content-Length
 * and while streaming, and a few redirects. Injectable so that tests (or an air-gapped setup)
 * can answer revocation requests themselves.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { remainingMs, type Context } from '../../context.js';

export interface RevocationHttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Budget for this call; the context deadline still applies. */
  timeoutMs: number;
  maxBytes: number;
}

export interface RevocationHttpResponse {
  statusCode: number;
  body: Buffer;
  /** Final URL after redirects. */
  url: string;
}

/** Failure kinds the checkers turn into notation's texts. */
export class RevocationHttpError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'too-large' | 'network' | 'scheme' | 'redirect',
    readonly timeoutMs?: number,
  ) {
    super(message);
    this.name = 'RevocationHttpError';
  }
}

export interface RevocationHttpClient {
  send(ctx: Context, req: RevocationHttpRequest): Promise<RevocationHttpResponse>;
}

export interface UndiciRevocationHttpClientOptions {
  dispatcher?: Dispatcher;
  userAgent?: string;
  maxRedirects?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class UndiciRevocationHttpClient implements RevocationHttpClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly userAgent: string;
  private readonly maxRedirects: number;

  constructor(opts: UndiciRevocationHttpClientOptions = {}) {
    this.ownsDispatcher = opts.dispatcher === undefined;
    this.dispatcher = opts.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 16 });
    this.userAgent = opts.userAgent ?? 'ratify-ts';
    this.maxRedirects = opts.maxRedirects ?? 3;
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  async send(ctx: Context, req: RevocationHttpRequest): Promise<RevocationHttpResponse> {
    const budget = Math.max(0, Math.min(req.timeoutMs, remainingMs(ctx)));
    const timer = AbortSignal.timeout(Math.max(1, budget));
    const signal = AbortSignal.any([ctx.signal, timer]);
    let url = req.url;
    let method = req.method;
    let body = req.body;
    try {
      for (let hop = 0; ; hop++) {
        const u = new URL(url);
        if (u.protocol !== 'http:') {
          throw new RevocationHttpError(`unsupported scheme: ${u.protocol.replace(/:$/, '')}. Only supports HTTP protocol`, 'scheme');
        }
        const res = await request(url, {
          method,
          headers: { 'user-agent': this.userAgent, ...(req.headers ?? {}) },
          body: body === undefined ? null : Buffer.from(body),
          dispatcher: this.dispatcher,
          signal,
          headersTimeout: budget + 50,
          bodyTimeout: budget + 50,
        });
        const location = res.headers['location'];
        if (REDIRECTS.has(res.statusCode) && typeof location === 'string') {
          res.body.on('error', () => undefined);
          res.body.destroy();
          if (hop >= this.maxRedirects) throw new RevocationHttpError(`stopped after ${hop + 1} redirects`, 'redirect');
          url = new URL(location, url).toString();
          if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
            method = 'GET';
            body = undefined;
          }
          continue;
        }
        const data = await readLimited(res, req.maxBytes);
        return { statusCode: res.statusCode, body: data, url };
      }
    } catch (e) {
      if (e instanceof RevocationHttpError) throw e;
      if (timer.aborted && !ctx.signal.aborted) {
        throw new RevocationHttpError(`timed out after ${budget} ms`, 'timeout', budget);
      }
      if (ctx.signal.aborted) {
        throw new RevocationHttpError('cancelled: the request deadline was exceeded', 'timeout', budget);
      }
      throw new RevocationHttpError(networkMessage(e), 'network');
    }
  }
}

function networkMessage(e: unknown): string {
  const err = e as { message?: string; code?: string; cause?: { message?: string; code?: string } };
  const inner = err.cause?.message ?? err.message ?? String(e);
  const code = err.cause?.code ?? err.code;
  return code && !inner.includes(code) ? `${inner} (${code})` : inner;
}

async function readLimited(res: Dispatcher.ResponseData, limit: number): Promise<Buffer> {
  const cl = res.headers['content-length'];
  const declared = typeof cl === 'string' ? Number(cl) : undefined;
  if (declared !== undefined && declared > limit) {
    res.body.on('error', () => undefined);
    res.body.destroy();
    throw new RevocationHttpError(`response size ${declared} exceeds the limit of ${limit} bytes`, 'too-large');
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      res.body.on('error', () => undefined);
      res.body.destroy();
      throw new RevocationHttpError(`response exceeds the limit of ${limit} bytes`, 'too-large');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
