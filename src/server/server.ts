import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setMaxListeners } from 'node:events';
import { RatifyError } from '../errors.js';
import type { Cache } from '../cache/types.js';
import { loadConfig, type LoadedConfig, type RuntimeEnv } from '../config/load.js';
import type { Executor } from '../executor/executor.js';
import { buildExecutor } from '../executor/build.js';
import type { Logger } from '../observability/logger.js';
import type { Context } from '../context.js';
import type { Metrics } from '../observability/metrics.js';
import { GatekeeperProvider } from './provider.js';
import { loadTlsMaterial, type TlsFiles } from './tls.js';
import { watchFiles, type FileWatcher } from './watch.js';
import type { Coalescer } from './coalesce.js';
import { serializeProviderResponse, systemErrorResponse, type ProviderResponse } from './wire.js';

export interface ServerOptions {
  /** Listen address, Ratify style: ":6001", "127.0.0.1:6001", "[::1]:0". */
  http: string;
  configPath?: string;
  tls?: TlsFiles;
  rt: RuntimeEnv;
  log: Logger;
  metrics?: Metrics;
  metricsAddr?: string;
  healthAddr?: string;
  cache?: Cache;
  cacheTtlMs?: number;
  coalescer?: Coalescer;
  maxBodyBytes?: number;
  /** How long in-flight requests get to finish on shutdown. */
  shutdownGraceMs?: number;
  /** Poll interval for config and certificate changes (file events trigger checks sooner). */
  watchIntervalMs?: number;
  /** Where relative OCI layout paths in subjects resolve (the process's working directory). */
  subjectBaseDir?: string;
  /** Build an executor from a config (tests inject verifiers). */
  build?: (loaded: LoadedConfig) => Promise<Executor>;
}

export interface Listening {
  port: number;
  metricsPort?: number;
  healthPort?: number;
}

/**
 * The parent signal of every request: nothing aborts a request from outside (deadlines are the
 * provider's), and one shared signal saves an AbortController per request. Each request that
 * does real work listens on it until its deadline is cancelled, hence no listener limit.
 */
const NEVER_ABORTED = new AbortController().signal;
setMaxListeners(0, NEVER_ABORTED);

const VERIFY_PATH = '/ratify/gatekeeper/v1/verify';
const MUTATE_PATH = '/ratify/gatekeeper/v1/mutate';

/** "`:6001`" → {host: undefined, port: 6001}; "127.0.0.1:0" → {host, port}. */
export function parseListenAddress(addr: string): { host?: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*))?:(\d+)$/.exec(addr.trim());
  if (!m) throw new RatifyError('BAD_REQUEST', `invalid listen address ${JSON.stringify(addr)}`, { remediation: 'Use :6001 or 127.0.0.1:6001' });
  const host = m[1] ?? (m[2] || undefined);
  return { ...(host ? { host } : {}), port: Number(m[3]) };
}

/**
 * `ratify serve`: the Gatekeeper provider over HTTPS (mTLS when a client CA is given),
 * certificates and config.json reloaded on change without restart, Prometheus metrics and
 * health probes on their own ports, graceful shutdown.
 */
export class RatifyServer {
  private executor: Executor | undefined;
  private loadedHash = '';
  private main: Server | undefined;
  private metricsServer: Server | undefined;
  private healthServer: Server | undefined;
  private watchers: FileWatcher[] = [];
  private readonly provider: GatekeeperProvider;
  private draining = false;
  private inflight = 0;
  private idle: (() => void) | undefined;
  private readonly retired: Array<{ executor: Executor; at: number }> = [];
  private traceHeaders: string[] = [];

  constructor(private readonly o: ServerOptions) {
    this.provider = new GatekeeperProvider({
      executor: () => {
        if (!this.executor) throw new RatifyError('EXECUTOR_FAILURE', 'no executor loaded');
        return this.executor;
      },
      log: o.log,
      ...(o.metrics ? { metrics: o.metrics } : {}),
      ...(o.cache ? { cache: o.cache } : {}),
      cacheTtlMs: o.cacheTtlMs ?? 10_000,
      ...(o.coalescer ? { coalescer: o.coalescer } : {}),
      traceHeaders: () => this.traceHeaders,
    });
  }

  get ready(): boolean {
    return !!this.executor && !!this.main?.listening && !this.draining;
  }

  async start(): Promise<Listening> {
    const loaded = await loadConfig(this.o.configPath, this.o.rt);
    this.executor = await this.buildFrom(loaded);
    this.loadedHash = loaded.raw;
    this.setTraceHeaders(loaded);
    if (loaded.path) {
      const path = loaded.path;
      const w = watchFiles([path], () => this.reloadConfig(path), { intervalMs: this.o.watchIntervalMs ?? 2000, onError: (e) => this.o.log.error({ err: String(e) }, 'config reload failed') });
      this.watchers.push(w);
      // The file may have changed between loading it and the watcher's first look.
      await w.ready;
      await this.reloadConfig(path);
    }
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    if (this.o.tls) {
      const material = await loadTlsMaterial(this.o.tls);
      const server = createHttpsServer(
        {
          ...material,
          minVersion: 'TLSv1.3',
          requestCert: !!this.o.tls.caFile,
          rejectUnauthorized: !!this.o.tls.caFile,
        },
        handler,
      );
      this.main = server;
      const files = [this.o.tls.certFile, this.o.tls.keyFile, ...(this.o.tls.caFile ? [this.o.tls.caFile] : [])];
      const tlsFiles = this.o.tls;
      const tw = watchFiles(
          files,
          async () => {
            // New connections get the new certificates; established ones keep theirs.
            server.setSecureContext(await loadTlsMaterial(tlsFiles));
            this.o.log.info({ files }, 'TLS certificates reloaded');
          },
          { intervalMs: this.o.watchIntervalMs ?? 2000, onError: (e) => this.o.log.error({ err: e instanceof Error ? e.message : String(e) }, 'TLS reload failed; keeping the previous certificates') },
      );
      this.watchers.push(tw);
      await tw.ready;
      // Catch a rotation that happened while we were starting.
      server.setSecureContext(await loadTlsMaterial(tlsFiles));
    } else {
      this.main = createHttpServer(handler);
      this.o.log.warn('serving plain HTTP: pass --cert-dir to serve HTTPS as Gatekeeper requires');
    }
    this.main.headersTimeout = 5_000;
    this.main.keepAliveTimeout = 90_000;
    this.main.requestTimeout = 30_000;
    const port = await listen(this.main, this.o.http);
    const out: Listening = { port };
    if (this.o.metrics && this.o.metricsAddr) {
      const metrics = this.o.metrics;
      this.metricsServer = createHttpServer((req, res) => {
        if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
          metrics.text().then(
            (t) => {
              res.writeHead(200, { 'content-type': metrics.contentType });
              res.end(t);
            },
            () => {
              res.writeHead(500);
              res.end();
            },
          );
          return;
        }
        res.writeHead(404);
        res.end();
      });
      out.metricsPort = await listen(this.metricsServer, this.o.metricsAddr);
    }
    if (this.o.healthAddr) {
      this.healthServer = createHttpServer((req, res) => {
        const path = req.url?.split('?')[0];
        if (path === '/healthz') return text(res, 200, 'ok');
        if (path === '/readyz') return this.ready ? text(res, 200, 'ok') : text(res, 503, this.draining ? 'shutting down' : 'not ready');
        text(res, 404, 'not found');
      });
      out.healthPort = await listen(this.healthServer, this.o.healthAddr);
    }
    this.o.log.info({ ...out, tls: !!this.o.tls, mtls: !!this.o.tls?.caFile }, 'ratify-ts server listening');
    return out;
  }

  /** Stop accepting, let in-flight requests finish (up to the grace period), then close. */
  async stop(): Promise<void> {
    this.draining = true;
    for (const w of this.watchers) w.close();
    const closed = new Promise<void>((resolve) => (this.main ? this.main.close(() => resolve()) : resolve()));
    this.main?.closeIdleConnections?.();
    if (this.inflight > 0) {
      await Promise.race([new Promise<void>((r) => (this.idle = r)), new Promise((r) => setTimeout(r, this.o.shutdownGraceMs ?? 6_000).unref())]);
    }
    this.main?.closeAllConnections?.();
    await closed;
    await Promise.all([closeServer(this.metricsServer), closeServer(this.healthServer)]);
    await Promise.all([this.executor?.close(), ...this.retired.map((r) => r.executor.close())]);
  }

  private async buildFrom(loaded: LoadedConfig): Promise<Executor> {
    if (this.o.build) return this.o.build(loaded);
    return buildExecutor(loaded, {
      rt: this.o.rt,
      log: this.o.log,
      ...(this.o.cache ? { cache: this.o.cache, resultTtlMs: this.o.cacheTtlMs ?? 10_000 } : {}),
      ...(this.o.subjectBaseDir !== undefined ? { subjectBaseDir: this.o.subjectBaseDir } : {}),
    });
  }

  private setTraceHeaders(loaded: LoadedConfig): void {
    this.traceHeaders = loaded.config.logger?.requestHeaders?.traceIDHeaderName ?? [];
  }

  /** A changed config applies to new requests; an invalid one is logged and the last good one keeps serving. */
  private async reloadConfig(path: string): Promise<void> {
    let loaded: LoadedConfig;
    try {
      loaded = await loadConfig(path, this.o.rt);
      if (loaded.raw === this.loadedHash) return;
      const next = await this.buildFrom(loaded);
      const prev = this.executor;
      this.executor = next;
      this.loadedHash = loaded.raw;
      this.setTraceHeaders(loaded);
      // Requests already running hold the old executor; close it once they are surely done.
      if (prev) {
        this.retired.push({ executor: prev, at: Date.now() });
        setTimeout(() => {
          const i = this.retired.findIndex((r) => r.executor === prev);
          if (i >= 0) this.retired.splice(i, 1);
          void prev.close();
        }, 60_000).unref();
      }
      this.o.log.info({ path }, 'configuration reloaded');
    } catch (e) {
      this.o.log.error({ path, err: e instanceof Error ? e.message : String(e) }, 'new configuration is invalid; still serving the previous one');
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url?.split('?')[0];
    const endpoint = path === VERIFY_PATH ? 'verify' : path === MUTATE_PATH ? 'mutate' : undefined;
    if (!endpoint) return text(res, 404, 'not found');
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return text(res, 405, 'method not allowed');
    }
    if (this.draining) {
      res.setHeader('connection', 'close');
      return json(res, 503, systemErrorResponse('server is shutting down', endpoint === 'mutate'));
    }
    this.inflight++;
    try {
      let body: Buffer;
      try {
        body = await readBody(req, this.o.maxBodyBytes ?? 1024 * 1024);
      } catch (e) {
        return json(res, (e as { status?: number }).status ?? 400, systemErrorResponse((e as Error).message, endpoint === 'mutate'));
      }
      const traceId = this.provider.traceId(req.headers);
      const base = this.o.log;
      let log: Logger | undefined;
      const ctx: Context = {
        signal: NEVER_ABORTED,
        // Made on first use: a cache hit logs nothing (spreading the context into a deadline reads it).
        get log() {
          return (log ??= base.child({ traceID: traceId }));
        },
        ...(this.o.metrics ? { metrics: this.o.metrics } : {}),
      };
      const answer = endpoint === 'verify' ? await this.provider.verify(body, traceId, ctx) : await this.provider.mutate(body, traceId, ctx);
      json(res, answer.status, answer.body);
    } catch (e) {
      json(res, 500, systemErrorResponse(e instanceof Error ? e.message : String(e), endpoint === 'mutate'));
    } finally {
      this.inflight--;
      if (this.inflight === 0 && this.idle) this.idle();
    }
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      return reject(Object.assign(new Error(`request body exceeds ${limit} bytes`), { status: 413 }));
    }
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > limit) {
        req.destroy();
        reject(Object.assign(new Error(`request body exceeds ${limit} bytes`), { status: 413 }));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, n)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: ProviderResponse): void {
  if (res.headersSent || res.destroyed) return;
  const data = serializeProviderResponse(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}

function listen(server: Server, addr: string): Promise<number> {
  const { host, port } = parseListenAddress(addr);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(s: Server | undefined): Promise<void> {
  if (!s) return Promise.resolve();
  return new Promise((r) => {
    s.close(() => r());
    s.closeAllConnections?.();
  });
}
