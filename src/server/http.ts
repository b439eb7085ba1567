import { STATUS_CODES, type IncomingMessage, type Server, type ServerOptions as NodeServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { RatifyError, type ErrorCode } from '../errors.js';
import { serializeProviderResponse, systemErrorResponse, type ProviderResponse } from './wire.js';

/** What one HTTP request may cost the server: size and time limits of every listener. */
export interface HttpLimits {
  /** Largest request body accepted; larger ones get 413 (Content-Length or chunked). */
  maxBodyBytes: number;
  /** Time for the request line and headers to arrive (Ratify: ReadHeaderTimeout 5 s); also the TLS handshake. */
  headersTimeoutMs: number;
  /** Time for the whole request (headers and body) to arrive, whatever the endpoint. */
  requestTimeoutMs: number;
  /** Time for the body to arrive; unset: the endpoint's request deadline (verificationRequestTimeout, mutationRequestTimeout). */
  bodyTimeoutMs?: number;
  /** Largest request head (request line and headers); larger ones get 431. */
  maxHeaderBytes: number;
  /** Headers beyond this count are ignored (node:http's behaviour). */
  maxHeadersCount: number;
  /** Idle keep-alive connections are closed after this (Ratify: IdleTimeout 90 s). */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxBodyBytes: 1024 * 1024,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 30_000,
  maxHeaderBytes: 16 * 1024,
  maxHeadersCount: 100,
  keepAliveTimeoutMs: 90_000,
};

/**
 * After an answer that leaves part of the request unread, the connection is half-closed and
 * read (and discarded) for this long before it is dropped: closing with unread data makes the
 * kernel send a reset, and a client still sending would lose the answer with it.
 */
const LINGER_MS = 1_000;

export function checkLimits(l: HttpLimits): void {
  const positive = (n: number | undefined, what: string) => {
    if (n !== undefined && !(Number.isInteger(n) && n > 0)) throw new RatifyError('CONFIG_INVALID', `${what} must be a positive integer, got ${n}`);
  };
  positive(l.maxBodyBytes, 'maximum body size');
  positive(l.headersTimeoutMs, 'headers timeout');
  positive(l.requestTimeoutMs, 'request timeout');
  positive(l.bodyTimeoutMs, 'body timeout');
  positive(l.maxHeaderBytes, 'maximum header size');
  positive(l.maxHeadersCount, 'maximum header count');
  if (l.headersTimeoutMs > l.requestTimeoutMs) {
    throw new RatifyError('CONFIG_INVALID', `headers timeout (${l.headersTimeoutMs} ms) must not exceed the request timeout (${l.requestTimeoutMs} ms)`);
  }
}

/** node:http options enforcing the limits (the timeouts are checked every second, not every 30 s). */
export function nodeServerOptions(l: HttpLimits): NodeServerOptions {
  return {
    maxHeaderSize: l.maxHeaderBytes,
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, l.headersTimeoutMs),
  };
}

/** The rest of the limits, and JSON answers for requests node:http itself refuses. */
export function applyLimits(server: Server, l: HttpLimits): void {
  server.maxHeadersCount = l.maxHeadersCount;
  server.on('clientError', clientErrorHandler());
}

/** "`:6001`" → {port: 6001} (every interface); "127.0.0.1:0", "[::1]:6001", "localhost:6001", "8888". */
export function parseListenAddress(addr: string): { host?: string; port: number } {
  const m = /^(?:(?:\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]|([A-Za-z0-9.-]*)):)?(\d{1,5})$/.exec(addr.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535) {
    throw new RatifyError('CONFIG_INVALID', `invalid listen address ${JSON.stringify(addr)}`, { remediation: 'Use host:port, :port, [::1]:port or a port number, e.g. 127.0.0.1:8888' });
  }
  const host = m[1] ?? (m[2] || undefined);
  return { ...(host ? { host } : {}), port };
}

export function listen(server: Server, addr: string): Promise<number> {
  const { host, port } = parseListenAddress(addr);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A request refused before it reached the provider: HTTP status and a Ratify error code. */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

/**
 * Reads the body up to `limit` bytes within `timeoutMs`. Over the limit (declared or counted)
 * rejects with 413, too slow with 408; the rest of the body is then read and discarded so
 * that the answer can be written before the connection closes.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    let done = false;
    const fail = (r: HttpRefusal) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      chunks.length = 0;
      reject(r);
    };
    const tooLarge = () => new HttpRefusal(413, 'BAD_REQUEST', `request body exceeds ${limit} bytes`);
    const timer = setTimeout(() => fail(new HttpRefusal(408, 'DEADLINE_EXCEEDED', `request body did not arrive within ${timeoutMs} ms`)), timeoutMs);
    req.on('data', (c: Buffer) => {
      if (done) return;
      n += c.length;
      if (n > limit) return fail(tooLarge());
      chunks.push(c);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(Buffer.concat(chunks, n));
    });
    req.on('error', () => fail(new HttpRefusal(400, 'BAD_REQUEST', 'request body could not be read')));
    req.on('close', () => fail(new HttpRefusal(400, 'BAD_REQUEST', 'connection closed before the request body was complete')));
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) fail(tooLarge());
  });
}

/** Whether the request carries a body node:http will otherwise drain in full after the answer. */
function hasUnreadBody(req: IncomingMessage): boolean {
  if (req.complete) return false;
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * Makes node:http close this connection gently once the answer is written: half-close, keep
 * reading for LINGER_MS, then drop it. node:http closes a `Connection: close` response's socket
 * with destroySoon(), which would drop unread data and reset the connection.
 */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function (this: Socket) {
    if (this.writable) this.end();
    const t = setTimeout(() => this.destroy(), LINGER_MS);
    t.unref();
    this.once('close', () => clearTimeout(t));
  };
}

/** The answer for a refused request: a ProviderResponse with systemError; closes the connection if the body is unread. */
export function refuse(req: IncomingMessage, res: ServerResponse, r: HttpRefusal, idempotent: boolean, headers: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (hasUnreadBody(req)) {
    // Discard whatever still arrives; the socket closes after the answer (and a short linger).
    req.on('data', () => undefined);
    req.resume();
    lingerOnClose(req.socket);
    res.setHeader('connection', 'close');
  }
  sendJson(res, r.status, systemErrorResponse(r.message, idempotent));
}

export function sendJson(res: ServerResponse, status: number, body: ProviderResponse): void {
  if (res.headersSent || res.destroyed || res.socket?.writable === false) return;
  const data = serializeProviderResponse(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

export function sendText(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}

/**
 * node:http's parser refused the request (malformed, head too large, too slow): answer in the
 * same JSON shape when nothing was written yet, then close gently. A parser in error reports
 * again for every further chunk: only the first report is answered.
 */
function clientErrorHandler(): (err: Error & { code?: string }, socket: Duplex) => void {
  const answered = new WeakSet<Duplex>();
  return (err, socket) => {
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (answered.has(socket)) return;
    answered.add(socket);
    socket.on('error', () => undefined);
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, code, detail]: [number, ErrorCode, string] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'BAD_REQUEST', 'request headers are too large']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'DEADLINE_EXCEEDED', 'request did not arrive in time']
          : [400, 'BAD_REQUEST', 'malformed HTTP request'];
    const data = serializeProviderResponse(systemErrorResponse(`${code}: ${detail}`, false));
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(data)}\r\nconnection: close\r\n\r\n${data}`);
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

export function closeServer(s: Server | undefined): Promise<void> {
  if (!s) return Promise.resolve();
  return new Promise((r) => {
    s.close(() => r());
    s.closeAllConnections?.();
  });
}
