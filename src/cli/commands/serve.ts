import { homedir, tmpdir } from 'node:os';
import v8 from 'node:v8';
import type { Command } from 'commander';
import { RatifyError } from '../../errors.js';
import type { Cache } from '../../cache/types.js';
import type { RedisCache } from '../../cache/redis.js';
import type { GlobalOptions } from '../runtime.js';

interface ServeOptions {
  http: string;
  config?: string;
  certDir?: string;
  caCertFile?: string;
  enableCrdManager?: boolean;
  cacheEnabled?: boolean;
  cacheType: string;
  cacheName?: string;
  redisUrl?: string;
  cacheSize: string;
  cacheTtl: string;
  metricsEnabled?: boolean;
  metricsType: string;
  metricsPort: string;
  healthPort: string;
  maxBodyBytes: string;
  headersTimeout: string;
  requestTimeout: string;
  bodyTimeout?: string;
}

export function registerServe(program: Command, global: () => GlobalOptions): void {
  program
    .command('serve')
    .description('Serve the Gatekeeper external data provider (verify and mutate)')
    .option('--http <addr>', 'listen address', ':6001')
    .option('-c, --config <path>', 'config file path (reloaded when it changes)')
    .option('--cert-dir <dir>', 'directory with tls.crt and tls.key (reloaded when they change); without it the server speaks plain HTTP')
    .option('--ca-cert-file <path>', 'client CA: require and verify client certificates (mTLS)')
    .option('--enable-crd-manager', 'watch Ratify CRDs (not available in this build)')
    .option('--cache-enabled', 'cache verification results, referrer lists and descriptors')
    .option('--cache-type <type>', 'memory or redis (ristretto is an alias of memory)', 'memory')
    .option('--cache-name <name>', 'accepted for Ratify compatibility (dapr component name); use --redis-url')
    .option('--redis-url <url>', 'Redis for --cache-type redis (or RATIFY_REDIS_URL)')
    .option('--cache-size <mb>', 'local cache size in MB', '256')
    .option('--cache-ttl <duration>', 'how long verification results are cached', '10s')
    .option('--metrics-enabled', 'serve Prometheus metrics')
    .option('--metrics-type <type>', 'prometheus', 'prometheus')
    .option('--metrics-port <addr>', 'metrics address: a port (every interface, as Ratify) or host:port, e.g. 127.0.0.1:8888', '8888')
    .option('--health-port <addr>', 'health probes address (/healthz, /readyz): :port, host:port or a port', ':9099')
    .option('--max-body-bytes <n>', 'largest request body accepted (413 above)', '1048576')
    .option('--headers-timeout <duration>', 'time for request headers (and the TLS handshake) to arrive', '5s')
    .option('--request-timeout <duration>', 'time for a whole request to arrive', '30s')
    .option('--body-timeout <duration>', 'time for a request body to arrive (default: the endpoint\'s request timeout from config.json)')
    .action(async (opts: ServeOptions) => {
      tuneHeapForServing(process.env.NODE_OPTIONS ?? '', process.execArgv);
      const [{ MemoryCache }, { loadConfig, runtimeEnvFrom }, { RatifyServer }, { tlsFilesFrom }, { makeLogger, parseDuration }, { serverRedactor }] = await Promise.all([
        import('../../cache/memory.js'),
        import('../../config/load.js'),
        import('../../server/server.js'),
        import('../../server/tls.js'),
        import('../runtime.js'),
        import('../../server/redact.js'),
      ]);
      const env = process.env;
      const rt = runtimeEnvFrom(env, homedir());
      // Read once for the logger settings; the server loads (and watches) it itself.
      const loaded = await loadConfig(opts.config, rt);
      // Answers and info-level logs name no path of this machine; --debug logs keep them.
      const redact = serverRedactor({ configPath: opts.config, rt, certDir: opts.certDir, caFile: opts.caCertFile, cwd: process.cwd(), tmpDir: tmpdir() });
      const log = makeLogger({ ...global(), debug: global().debug ?? false }, { ...env, RATIFY_LOG_LEVEL: env.RATIFY_LOG_LEVEL ?? 'info' }, loaded.config.logger?.formatter, redact);
      const maxBodyBytes = Number(opts.maxBodyBytes);
      if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) throw new RatifyError('BAD_REQUEST', '--max-body-bytes must be a positive number of bytes');
      const limits = {
        maxBodyBytes,
        headersTimeoutMs: parseDuration(opts.headersTimeout),
        requestTimeoutMs: parseDuration(opts.requestTimeout),
        ...(opts.bodyTimeout ? { bodyTimeoutMs: parseDuration(opts.bodyTimeout) } : {}),
      };
      if (opts.enableCrdManager) {
        throw new RatifyError('CONFIG_INVALID', '--enable-crd-manager is not available in this build', { remediation: 'Configure stores, verifiers and policy in config.json' });
      }
      if (opts.metricsEnabled && opts.metricsType !== 'prometheus') {
        throw new RatifyError('CONFIG_INVALID', `unsupported metrics type ${JSON.stringify(opts.metricsType)}`, { remediation: 'Use --metrics-type prometheus' });
      }
      const metrics = opts.metricsEnabled ? new (await import('../../observability/metrics.js')).Metrics() : undefined;
      const sizeMb = Number(opts.cacheSize);
      if (!Number.isFinite(sizeMb) || sizeMb <= 0) throw new RatifyError('BAD_REQUEST', '--cache-size must be a positive number of MB');
      let cache: Cache | undefined;
      let redis: RedisCache | undefined;
      if (opts.cacheEnabled) {
        const local = new MemoryCache({ maxBytes: sizeMb * 1024 * 1024 });
        const type = opts.cacheType === 'ristretto' ? 'memory' : opts.cacheType;
        if (type === 'memory') cache = local;
        else if (type === 'redis' || type === 'dapr') {
          const url = opts.redisUrl ?? env.RATIFY_REDIS_URL;
          if (!url) throw new RatifyError('CONFIG_INVALID', '--cache-type redis needs --redis-url (or RATIFY_REDIS_URL)', { remediation: 'e.g. --redis-url redis://redis-master:6379' });
          const [{ RedisCache }, { TieredCache }] = await Promise.all([import('../../cache/redis.js'), import('../../cache/tiered.js')]);
          redis = new RedisCache({ url, log, ...(metrics ? { onUnavailable: (op: string) => metrics.redisUnavailable.inc({ operation: op }) } : {}) });
          cache = new TieredCache(local, redis);
        } else {
          throw new RatifyError('CONFIG_INVALID', `unknown cache type ${JSON.stringify(opts.cacheType)}`, { remediation: 'Use memory or redis' });
        }
      }
      const server = new RatifyServer({
        http: opts.http,
        ...(opts.config ? { configPath: opts.config } : {}),
        ...(opts.certDir ? { tls: tlsFilesFrom(opts.certDir, opts.caCertFile) } : {}),
        rt,
        log,
        subjectBaseDir: process.cwd(),
        redact,
        limits,
        ...(metrics ? { metrics, metricsAddr: opts.metricsPort } : {}),
        healthAddr: opts.healthPort,
        ...(cache ? { cache, cacheTtlMs: parseDuration(opts.cacheTtl) } : {}),
        ...(redis ? { coalescer: new (await import('../../server/coalesce.js')).Coalescer(redis) } : {}),
      });
      if (!opts.certDir && opts.caCertFile) throw new RatifyError('CONFIG_INVALID', '--ca-cert-file needs --cert-dir (mTLS requires HTTPS)');
      const listening = await server.start();
      process.stderr.write(`ratify-ts serving on port ${listening.port}${listening.metricsPort ? `, metrics on ${listening.metricsPort}` : ''}${listening.healthPort ? `, health on ${listening.healthPort}` : ''}\n`);
      await new Promise<void>((resolve) => {
        const stop = (sig: string) => {
          log.info({ signal: sig }, 'shutting down: finishing in-flight requests');
          server.stop().then(
            async () => {
              await redis?.close();
              resolve();
            },
            () => resolve(),
          );
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}

/**
 * A long-running replica holds a cache of results: keep V8 from growing the heap to several
 * times the live data after a burst (its default), so memory stays near what is cached
 * (measured with 10,000 cached subjects: about 200 MiB instead of about 310 MiB). A flag the operator set wins.
 */
function tuneHeapForServing(nodeOptions: string, execArgv: string[]): void {
  const given = `${nodeOptions} ${execArgv.join(' ')}`;
  if (!/--heap-growing-percent/.test(given)) v8.setFlagsFromString('--heap-growing-percent=25');
}
