import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsSink } from './sink.js';

// Ratify's buckets (reference §8.1), in milliseconds.
const VERIFICATION_BUCKETS = [0, 10, 30, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1400, 1600, 1800, 2000, 2300, 2600, 4000, 4400, 4900];
const MUTATION_BUCKETS = [0, 10, 30, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1400, 1600, 1800];
const VERIFIER_BUCKETS = [0, 10, 50, 100, 200, 300, 400, 600, 800, 1100, 1500, 2000];

/**
 * Prometheus metrics with Ratify's names, labels and buckets, plus ratify-ts's own
 * (cache, in-flight, rate limiting, Redis availability). One instance per server.
 */
export class Metrics implements MetricsSink {
  readonly registry = new Registry();
  readonly verificationRequest: Histogram;
  readonly mutationRequest: Histogram;
  readonly verifierDurationH: Histogram;
  readonly systemErrors: Counter;
  readonly registryRequests: Counter;
  readonly blobCacheC: Counter;
  readonly cacheRequests: Counter;
  readonly inflight: Gauge;
  readonly rateLimited: Counter;
  readonly redisUnavailable: Counter;
  readonly configReloads: Counter;
  readonly configLastReloadSuccess: Gauge;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const r = this.registry;
    this.verificationRequest = new Histogram({ name: 'ratify_verification_request', help: 'Duration of a verification request (ms)', buckets: VERIFICATION_BUCKETS, registers: [r] });
    this.mutationRequest = new Histogram({ name: 'ratify_mutation_request', help: 'Duration of a mutation request (ms)', buckets: MUTATION_BUCKETS, registers: [r] });
    this.verifierDurationH = new Histogram({
      name: 'ratify_verifier_duration',
      help: 'Duration of one verifier on one referrer (ms)',
      labelNames: ['verifier', 'subject', 'success', 'error', 'workload_namespace'],
      buckets: VERIFIER_BUCKETS,
      registers: [r],
    });
    this.systemErrors = new Counter({ name: 'ratify_system_error_count_total', help: 'Requests that failed as a whole', labelNames: ['error', 'workload_namespace'], registers: [r] });
    this.registryRequests = new Counter({
      name: 'ratify_registry_request_count_total',
      help: 'Registry HTTP responses',
      labelNames: ['status_code', 'registry_host', 'workload_namespace'],
      registers: [r],
    });
    this.blobCacheC = new Counter({ name: 'ratify_blob_cache_count_total', help: 'Manifest/blob cache lookups', labelNames: ['hit', 'workload_namespace'], registers: [r] });
    this.cacheRequests = new Counter({ name: 'ratify_cache_requests_total', help: 'Result/referrer cache lookups (ratify-ts)', labelNames: ['cache', 'result'], registers: [r] });
    this.inflight = new Gauge({ name: 'ratify_inflight_requests', help: 'Requests being served (ratify-ts)', labelNames: ['endpoint'], registers: [r] });
    this.rateLimited = new Counter({ name: 'ratify_registry_rate_limited_total', help: 'HTTP 429 answers from registries (ratify-ts)', labelNames: ['registry_host', 'workload_namespace'], registers: [r] });
    this.redisUnavailable = new Counter({ name: 'ratify_redis_unavailable_total', help: 'Cache operations served locally because Redis was unreachable (ratify-ts)', labelNames: ['operation'], registers: [r] });
    this.configReloads = new Counter({ name: 'ratify_config_reload_total', help: 'config.json reloads by result; a failure keeps the last good config (ratify-ts)', labelNames: ['result'], registers: [r] });
    this.configLastReloadSuccess = new Gauge({ name: 'ratify_config_last_reload_success', help: '1 when the last config.json reload succeeded, 0 while an invalid one is ignored (ratify-ts)', registers: [r] });
    this.configLastReloadSuccess.set(1);
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: r });
  }

  registryResponse(host: string, status: number, namespace: string): void {
    this.registryRequests.inc({ status_code: String(status), registry_host: host, workload_namespace: namespace });
  }

  registryRateLimited(host: string, namespace: string): void {
    this.rateLimited.inc({ registry_host: host, workload_namespace: namespace });
  }

  blobCache(hit: boolean, namespace: string): void {
    this.blobCacheC.inc({ hit: String(hit), workload_namespace: namespace });
  }

  verifierDuration(verifier: string, subject: string, ms: number, success: boolean, error: boolean, namespace: string): void {
    this.verifierDurationH.observe({ verifier, subject, success: String(success), error: String(error), workload_namespace: namespace }, ms);
  }

  /** One config.json reload: counted by result, and the gauge says whether the config in force is the file's. */
  configReload(success: boolean): void {
    this.configReloads.inc({ result: success ? 'success' : 'failure' });
    this.configLastReloadSuccess.set(success ? 1 : 0);
  }

  cache(cache: string, hit: boolean): void {
    this.cacheRequests.inc({ cache, result: hit ? 'hit' : 'miss' });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
