import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { withDeadline, type Context } from '../context.js';
import { RatifyError } from '../errors.js';
import type { Cache } from '../cache/types.js';
import type { Executor, VerifyOutcome } from '../executor/executor.js';
import type { VerifyResult } from '../executor/types.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Reference } from '../reference/reference.js';
import type { Coalescer } from './coalesce.js';
import { reportReplacer, type Redactor } from './redact.js';
import { RawJson, goDuration, parseProviderRequest, providerResponse, sanitiseKey, splitNamespace, systemErrorResponse, type ProviderItem, type ProviderRequest, type ProviderResponse } from './wire.js';

export interface ProviderDeps {
  /** The executor for new requests (replaced on config reload). */
  executor(): Executor;
  log: Logger;
  metrics?: Metrics;
  /** Result cache (`--cache-enabled`); verification results are kept for cacheTtlMs. */
  cache?: Cache;
  cacheTtlMs: number;
  /** Cross-replica coalescing of identical verifications (Redis lock), when configured. */
  coalescer?: Coalescer;
  /** Header names that carry a trace id in, and are forwarded to registries (logger.requestHeaders.traceIDHeaderName). */
  traceHeaders(): string[];
  /** Applied to every error text and report message that goes on the wire. */
  redact: Redactor;
}

export interface HttpAnswer {
  status: number;
  body: ProviderResponse;
}

/**
 * The Gatekeeper external-data provider: verify and mutate. Keys are handled in parallel
 * under one request deadline; a per-key problem is that key's `error`, a whole-request
 * problem is HTTP 500 with `systemError` (Ratify's wire format).
 */
export class GatekeeperProvider {
  /** Serialized parts of each result (results are shared, frozen objects: cached ones serve many requests). */
  private readonly fragments = new WeakMap<VerifyResult, { version: string; head: string; tail: string }>();
  private readonly replacer: (key: string, value: unknown) => unknown;

  constructor(private readonly d: ProviderDeps) {
    this.replacer = reportReplacer(d.redact);
  }

  traceId(headers: Record<string, string | string[] | undefined>): string {
    for (const h of this.d.traceHeaders()) {
      const v = headers[h.toLowerCase()];
      const s = Array.isArray(v) ? v[0] : v;
      if (s && s.length <= 256) return s;
    }
    return randomUUID();
  }

  async verify(body: Buffer, traceId: string, parent: Context): Promise<HttpAnswer> {
    const executor = this.d.executor();
    return this.handle('verify', body, traceId, parent, executor.verificationRequestTimeout, false, (key, work) => this.verifyKey(executor, key, traceId, work));
  }

  async mutate(body: Buffer, traceId: string, parent: Context): Promise<HttpAnswer> {
    const executor = this.d.executor();
    return this.handle('mutate', body, traceId, parent, executor.mutationRequestTimeout, true, (key, work) => this.mutateKey(executor, key, work()));
  }

  /**
   * Runs `perKey` for every key under the request deadline. The deadline context (an
   * AbortController, a timer, a listener on the parent signal) is made by the first key that
   * needs real work (`work()`), so a request answered wholly from the cache costs none of it.
   * The deadline thus runs from the first cache miss (a memory lookup takes microseconds, a
   * Redis one is bounded by its operation timeout); the guard below runs from arrival.
   */
  private async handle(
    endpoint: 'verify' | 'mutate',
    body: Buffer,
    traceId: string,
    parent: Context,
    timeoutMs: number,
    idempotent: boolean,
    perKey: (key: string, work: () => Context) => Promise<ProviderItem>,
  ): Promise<HttpAnswer> {
    let req: ProviderRequest;
    try {
      req = parseProviderRequest(body);
    } catch (e) {
      // Not a ProviderRequest: the client's mistake, with a stable code (Ratify answers 500).
      const err = e instanceof RatifyError ? e : new RatifyError('BAD_REQUEST', 'invalid request body', { cause: e });
      this.d.metrics?.systemErrors.inc({ error: err.code, workload_namespace: '' });
      this.d.log.warn({ traceID: traceId, err: err.message }, `${endpoint} request refused`);
      return { status: 400, body: systemErrorResponse(`${err.code}: ${err.detail}`, idempotent) };
    }
    const started = performance.now();
    const m = this.d.metrics;
    m?.inflight.inc({ endpoint });
    let ctx: (Context & { cancel(): void }) | undefined;
    let finished = false;
    const work = (): Context => {
      if (!ctx) {
        ctx = withDeadline({ ...parent, traceId, forwardHeaders: this.forwardHeaders(traceId) }, timeoutMs, `${endpoint} request`);
        // Every key's verification listens on this signal (up to MAX_KEYS): not a leak, so no
        // MaxListenersExceededWarning (with its stack trace) for each request of more than 10 keys.
        setMaxListeners(0, ctx.signal);
        // A key that starts after the answer was sent (the guard fired) must not leave a listener
        // on the shared parent signal: like the keys already running, it keeps only the executor's own deadline.
        if (finished) ctx.cancel();
      }
      return ctx;
    };
    let guard: NodeJS.Timeout | undefined;
    try {
      // One item per key as sent (Ratify's answer), but a key repeated in the request is worked on once.
      const distinct = new Map<string, Promise<ProviderItem>>();
      for (const k of req.keys) if (!distinct.has(k)) distinct.set(k, perKey(k, work));
      // The executor fails each key closed at the deadline; this race only guards against a
      // step that ignores its signal (or a cache lookup that hangs), so Gatekeeper always gets
      // an answer.
      const items = await Promise.race([
        Promise.all(req.keys.map((k) => distinct.get(k)!)),
        new Promise<never>((_r, reject) => {
          guard = setTimeout(() => reject(new RatifyError('DEADLINE_EXCEEDED', `operation timed out after duration ${goDuration(timeoutMs)}`)), timeoutMs + 250);
          guard.unref();
        }),
      ]);
      return { status: 200, body: providerResponse(items, idempotent) };
    } catch (e) {
      const err = e instanceof RatifyError ? e : new RatifyError('EXECUTOR_FAILURE', 'request failed', { cause: e });
      m?.systemErrors.inc({ error: err.root.code, workload_namespace: '' });
      this.d.log.error({ traceID: traceId, err: err.message }, `${endpoint} request failed`);
      this.d.log.debug({ traceID: traceId, err: err.message, stack: e instanceof Error ? e.stack : undefined }, `${endpoint} request failed`);
      return { status: 500, body: systemErrorResponse(this.d.redact(err.detail), idempotent) };
    } finally {
      // Both go with the request (the guard timer used to outlive it by seconds, for every request).
      finished = true;
      clearTimeout(guard);
      ctx?.cancel();
      m?.inflight.dec({ endpoint });
      const ms = performance.now() - started;
      if (endpoint === 'verify') m?.verificationRequest.observe(ms);
      else m?.mutationRequest.observe(ms);
    }
  }

  private forwardHeaders(traceId: string): Record<string, string> | undefined {
    const names = this.d.traceHeaders();
    if (names.length === 0) return undefined;
    return Object.fromEntries(names.map((h) => [h, traceId]));
  }

  private async verifyKey(executor: Executor, rawKey: string, traceId: string, work: () => Context): Promise<ProviderItem> {
    const key = sanitiseKey(rawKey);
    const { namespace, subject } = splitNamespace(key);
    let reference: Reference;
    try {
      reference = await executor.router.parse(subject);
    } catch (e) {
      return { key, error: this.d.redact((e as RatifyError).message) };
    }
    // Ratify's key, plus the config version: a verdict cached under one configuration (trusted
    // identities, policy, stores) is never served after a reload to another.
    const cacheKey = `${namespace ? `${namespace}:` : ''}cache_ratify_verify_handler_${executor.configVersion}_${subject}`;
    const cached = await this.cacheGet(cacheKey);
    if (cached) return { key, value: this.response(executor, cached, traceId) };
    const ctx: Context = { ...work(), ...(namespace ? { namespace } : {}) };
    const outcome = await this.compute(executor, cacheKey, subject, reference, ctx);
    if (outcome.error && executor.policy.shape !== 'config') {
      // Nested-shape policies report request errors as the item's error (Ratify's Rego mode),
      // naming NO_MATCHING_STORE too, which is under Ratify's outer code.
      const own = outcome.error.root.code === 'NO_MATCHING_STORE' ? 'NO_MATCHING_STORE: ' : '';
      return { key, error: this.d.redact(`${outcome.error.code}: ${own}${outcome.error.message.replace(/^[A-Z_]+: /, '')}`) };
    }
    this.d.log.info({ traceID: traceId, subject, namespace, isSuccess: outcome.result.isSuccess }, 'verification result');
    return { key, value: this.response(executor, outcome.result, traceId) };
  }

  /** One verification per subject across concurrent requests (and replicas, with a coalescer); results cached if lasting. */
  private async compute(executor: Executor, cacheKey: string, subject: string, reference: Reference, ctx: Context): Promise<VerifyOutcome> {
    const run = async (): Promise<VerifyOutcome> => {
      const outcome = await executor.verify({ subject, reference }, ctx);
      if (this.d.cache && !outcome.transient && !(outcome.error && executor.policy.shape !== 'config')) {
        await this.d.cache.set(cacheKey, outcome.result, this.d.cacheTtlMs);
      }
      return outcome;
    };
    if (!this.d.coalescer || !this.d.cache) return run();
    return this.d.coalescer.run<VerifyOutcome>(cacheKey, ctx, async () => {
      const hit = await this.d.cache!.get<VerifyResult>(cacheKey);
      return hit ? { result: hit, transient: false } : undefined;
    }, run);
  }

  private async cacheGet(key: string): Promise<VerifyResult | undefined> {
    if (!this.d.cache) return undefined;
    const v = await this.d.cache.get<VerifyResult>(key);
    this.d.metrics?.cache('verify', v !== undefined);
    return v;
  }

  /**
   * Ratify's VerificationResponse for a result (reference §2.3: version, isSuccess, traceID,
   * timestamp, verifierReports). Only traceID and timestamp change between
   * requests, so the rest is serialized once per result (cached results are shared, frozen objects).
   */
  private response(executor: Executor, r: VerifyResult, traceId: string): RawJson {
    const version = executor.policy.shape === 'config' ? '0.2.0' : '1.1.0';
    let parts = this.fragments.get(r);
    if (!parts || parts.version !== version) {
      const tail: Record<string, unknown> = {};
      if (r.verifierReports.length) tail.verifierReports = r.verifierReports;
      if (r.platforms) tail.platforms = r.platforms;
      // Messages, reasons and remediations are redacted here, once per result.
      const tailJson = JSON.stringify(tail, this.replacer);
      parts = { version, head: `{"version":"${version}","isSuccess":${r.isSuccess},"traceID":`, tail: tailJson === '{}' ? '}' : `,${tailJson.slice(1)}` };
      this.fragments.set(r, parts);
    }
    return new RawJson(`${parts.head}${JSON.stringify(traceId)},"timestamp":"${new Date().toISOString()}"${parts.tail}`);
  }

  private async mutateKey(executor: Executor, rawKey: string, ctx: Context): Promise<ProviderItem> {
    const key = sanitiseKey(rawKey);
    const { namespace, subject } = splitNamespace(key);
    try {
      const ref = await executor.router.parse(subject);
      // Nothing to pin: a digest already, or a layout path (nothing pulls from it).
      if (ref.digest || !ref.registry) return { key, value: key };
      // The stores owning the subject resolve its tag, as for verification (NO_MATCHING_STORE when none does).
      const desc = await executor.router.resolve(ref, { ...ctx, ...(namespace ? { namespace } : {}) });
      return { key, value: `${ref.path}@${desc.digest}` };
    } catch (e) {
      const err = e instanceof RatifyError ? e : new RatifyError('EXECUTOR_FAILURE', 'mutation failed', { cause: e });
      return { key, value: key, error: this.d.redact(err.message) };
    }
  }
}
