import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { setMaxListeners } from 'node:events';
import { RatifyError } from '../errors.js';
import type { Cache } from '../cache/types.js';
import { loadConfig, warnConfig, type LoadedConfig, type RuntimeEnv } from '../config/load.js';
import type { Executor } from '../executor/executor.js';
import { buildExecutor } from '../executor/build.js';
import type { Logger } from '../observability/logger.js';
import type { Context } from '../context.js';
import type { Metrics } from '../observability/metrics.js';
import { GatekeeperProvider } from './provider.js';
import { loadTlsMaterial, type TlsFiles } from './tls.js';
import { watchFiles, type FileWatcher } from './watch.js';
import type { Coalescer } from './coalesce.js';
import { DEFAULT_HTTP_LIMITS, HttpRefusal, applyLimits, checkLimits, closeServer, listen, nodeServerOptions, readBody, refuse, sendJson, type HttpLimits } from './http.js';
import { healthServer, metricsServer } from './listeners.js';
import { serverRedactor, type Redactor } from './redact.js';
import { systemErrorResponse } from './wire.js';

export interface ServerOptions {
  /** Listen address: "host:port", ":port" (every interface), "[::1]:port" or a bare port. */
  http: string;
  configPath?: string;
  tls?: TlsFiles;
  rt: RuntimeEnv;
  log: Logger;
  metrics?: Metrics;
  /** Same forms as `http`; "127.0.0.1:8888" keeps metrics on loopback. */
  metricsAddr?: string;
  healthAddr?: string;
  cache?: Cache;
  cacheTtlMs?: number;
  coalescer?: Coalescer;
  /** Size and time limits of every listener (DEFAULT_HTTP_LIMITS for what is not given). */
  limits?: Partial<HttpLimits>;
  /** How long in-flight requests get to finish on shutdown. */
  shutdownGraceMs?: number;
  /** Poll interval for config and certificate changes (file events trigger checks sooner). */
  watchIntervalMs?: number;
  /** Where relative OCI layout paths in subjects resolve (the process's working directory). */
  subjectBaseDir?: string;
  /** Hides machine paths and stack traces in answers (default: from the config, certificate, home and working directories). */
  redact?: Redactor;
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
  private readonly limits: HttpLimits;
  private readonly redact: Redactor;
  private reloadFailed = false;

  constructor(private readonly o: ServerOptions) {
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...o.limits };
    checkLimits(this.limits);
    this.redact =
      o.redact ?? serverRedactor({ configPath: o.configPath, rt: o.rt, certDir: o.tls ? dirname(o.tls.certFile) : undefined, caFile: o.tls?.caFile, cwd: process.cwd(), tmpDir: tmpdir() });
    this.provider = new GatekeeperProvider({
      redact: this.redact,
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
    warnConfig(this.o.log, loaded);
    this.executor = await this.buildFrom(loaded);
    this.loadedHash = loaded.raw;
    this.setTraceHeaders(loaded);
    if (loaded.path) {
      const path = loaded.path;
      const w = watchFiles([path], () => this.reloadConfig(path), { intervalMs: this.o.watchIntervalMs ?? 2000, onError: (e) => this.logFailure(e, 'config reload failed') });
      this.watchers.push(w);
      // The file may have changed between loading it and the watcher's first look.
      await w.ready;
      await this.reloadConfig(path);
    }
    // Whatever a request does, the process survives it: a failure nothing else caught ends that request only.
    const handler = (req: IncomingMessage, res: ServerResponse) =>
      void this.handle(req, res).catch((e: unknown) => {
        this.logFailure(e, 'request handling failed');
        res.destroy();
      });
    const httpOptions = nodeServerOptions(this.limits);
    if (this.o.tls) {
      const material = await loadTlsMaterial(this.o.tls);
      const server = createHttpsServer(
        {
          ...httpOptions,
          ...material,
          minVersion: 'TLSv1.3',
          requestCert: !!this.o.tls.caFile,
          rejectUnauthorized: !!this.o.tls.caFile,
          // A client that opens a connection and never finishes the handshake holds it no longer than a slow header.
          handshakeTimeout: this.limits.headersTimeoutMs,
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
          { intervalMs: this.o.watchIntervalMs ?? 2000, onError: (e) => this.logFailure(e, 'TLS reload failed; keeping the previous certificates') },
      );
      this.watchers.push(tw);
      await tw.ready;
      // Catch a rotation that happened while we were starting.
      server.setSecureContext(await loadTlsMaterial(tlsFiles));
    } else {
      this.main = createHttpServer(httpOptions, handler);
      this.o.log.warn('serving plain HTTP: pass --cert-dir to serve HTTPS as Gatekeeper requires');
    }
    applyLimits(this.main, this.limits);
    // Expect: 100-continue: refuse an oversized body before the client sends it.
    this.main.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      if (!(Number(req.headers['content-length']) > this.limits.maxBodyBytes)) res.writeContinue();
      handler(req, res);
    });
    const port = await listen(this.main, this.o.http);
    const out: Listening = { port };
    if (this.o.metrics && this.o.metricsAddr) {
      this.metricsServer = metricsServer(this.o.metrics, this.limits);
      out.metricsPort = await listen(this.metricsServer, this.o.metricsAddr);
    }
    if (this.o.healthAddr) {
      this.healthServer = healthServer(() => ({ ready: this.ready, draining: this.draining }), this.limits);
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
      if (loaded.raw === this.loadedHash) {
        // Back to the config in force after a failed reload: the file and the server agree again.
        if (this.reloadFailed) this.o.metrics?.configReload(true);
        this.reloadFailed = false;
        return;
      }
      warnConfig(this.o.log, loaded);
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
      this.reloadFailed = false;
      this.o.metrics?.configReload(true);
      this.o.log.info({ path }, 'configuration reloaded');
    } catch (e) {
      this.reloadFailed = true;
      this.o.metrics?.configReload(false);
      this.logFailure(e, 'new configuration is invalid; still serving the previous one', { path });
    }
  }

  /** The error at error level (the logger redacts it there), its stack at debug level. */
  private logFailure(e: unknown, msg: string, fields: Record<string, unknown> = {}): void {
    this.o.log.error({ ...fields, err: e instanceof Error ? e.message : String(e) }, msg);
    if (e instanceof Error) this.o.log.debug({ ...fields, err: e.message, stack: e.stack }, msg);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A request pipelined behind one whose answer closed the connection.
    if (req.socket.writableEnded) return void req.socket.destroy();
    const path = req.url?.split('?')[0];
    const endpoint = path === VERIFY_PATH ? 'verify' : path === MUTATE_PATH ? 'mutate' : undefined;
    const idempotent = endpoint === 'mutate';
    if (!endpoint) return refuse(req, res, new HttpRefusal(404, 'RESOURCE_NOT_FOUND', `no such endpoint; use POST ${VERIFY_PATH} or ${MUTATE_PATH}`), false);
    if (req.method !== 'POST') return refuse(req, res, new HttpRefusal(405, 'BAD_REQUEST', `method ${req.method ?? ''} is not allowed; use POST`), idempotent, { allow: 'POST' });
    if (this.draining) return refuse(req, res, new HttpRefusal(503, 'EXECUTOR_FAILURE', 'server is shutting down'), idempotent, { connection: 'close' });
    // Ratify reads any Content-Type as JSON (curl -d sends form-urlencoded); it decodes no Content-Encoding.
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      return this.refuseBody(req, res, new HttpRefusal(415, 'BAD_REQUEST', `Content-Encoding ${JSON.stringify(encoding.slice(0, 64))} is not supported; send the JSON body unencoded`), endpoint);
    }
    this.inflight++;
    try {
      let body: Buffer;
      try {
        body = await readBody(req, this.limits.maxBodyBytes, Math.min(this.bodyTimeoutMs(endpoint), this.limits.requestTimeoutMs));
      } catch (e) {
        return this.refuseBody(req, res, e instanceof HttpRefusal ? e : new HttpRefusal(400, 'BAD_REQUEST', 'request body could not be read'), endpoint);
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
      sendJson(res, answer.status, answer.body);
    } catch (e) {
      this.logFailure(e, `${endpoint} request failed`);
      sendJson(res, 500, systemErrorResponse(this.redact(e instanceof Error ? e.message : String(e)), idempotent));
    } finally {
      this.inflight--;
      if (this.inflight === 0 && this.idle) this.idle();
    }
  }

  /** A verify or mutate request refused for its body: counted as Ratify counts an unreadable body. */
  private refuseBody(req: IncomingMessage, res: ServerResponse, r: HttpRefusal, endpoint: 'verify' | 'mutate'): void {
    this.o.metrics?.systemErrors.inc({ error: r.code, workload_namespace: '' });
    this.o.log.warn({ status: r.status, err: r.message }, `${endpoint} request refused`);
    refuse(req, res, r, endpoint === 'mutate');
  }

  /** The body must arrive within the endpoint's request deadline (Gatekeeper has given up by then). */
  private bodyTimeoutMs(endpoint: 'verify' | 'mutate'): number {
    if (this.limits.bodyTimeoutMs !== undefined) return this.limits.bodyTimeoutMs;
    const ex = this.executor;
    if (!ex) return this.limits.requestTimeoutMs;
    return endpoint === 'verify' ? ex.verificationRequestTimeout : ex.mutationRequestTimeout;
  }
}
