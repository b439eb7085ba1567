import { homedir } from 'node:os';
import { dirname, resolve as resolvePath } from 'node:path';
import { stat } from 'node:fs/promises';
import { newStats, withDeadline, type Context } from '../context.js';
import { RatifyError } from '../errors.js';
import { loadConfig, runtimeEnvFrom, warnConfig, type LoadedConfig, type RuntimeEnv } from '../config/load.js';
import { createLogger, type Logger } from '../observability/logger.js';
import type { Reference } from '../reference/reference.js';
import { createStoreRouter } from '../stores/factory.js';
import { createOciLayoutStore } from '../stores/ocilayout/store.js';
import { layoutReference, realPath, StoreRouter } from '../stores/router.js';
import type { ReferrerStore } from '../stores/types.js';
import { parseOciLayoutSubject } from '../stores/ocilayout/subject.js';

export interface GlobalOptions {
  debug?: boolean;
}

export interface CommonOptions {
  subject: string;
  config?: string;
  ociLayout?: boolean;
  timeout?: string;
}

/** What a CLI command needs: logger, deadline context, config, stores and the parsed subject. */
export interface CommandRuntime {
  log: Logger;
  ctx: Context & { cancel(): void };
  rt: RuntimeEnv;
  loaded: LoadedConfig;
  /** The stores, and which of them own which subjects. */
  router: StoreRouter;
  stores: readonly ReferrerStore[];
  subject: Reference;
  /** The command's deadline in ms. */
  timeoutMs: number;
  close(): Promise<void>;
}

export const DEFAULT_CLI_TIMEOUT_MS = 60_000;

export function makeLogger(global: GlobalOptions, env: NodeJS.ProcessEnv, format?: string, redact?: (text: string) => string): Logger {
  const level = global.debug ? 'debug' : (env.RATIFY_LOG_LEVEL ?? 'warn').toLowerCase();
  return createLogger({ level, format: format === 'json' || format === 'logstash' ? format : 'text', ...(redact ? { redact } : {}) });
}

/** Accepts "1500", "1500ms", "30s", "2m". */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s.trim());
  if (!m) throw new RatifyError('BAD_REQUEST', `invalid duration ${JSON.stringify(s)}`, { remediation: 'Use e.g. 500ms, 30s, 2m or a number of milliseconds' });
  const n = Number(m[1]);
  const ms = m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n;
  if (ms <= 0) throw new RatifyError('BAD_REQUEST', 'timeout must be positive');
  return Math.round(ms);
}

/**
 * With --oci-layout the subject is "<dir>:<tag>" or "<dir>@<digest>" (as in notation) and
 * the only store is that layout; otherwise stores come from config.
 */
export async function openRuntime(opts: CommonOptions, global: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<CommandRuntime> {
  const rt = runtimeEnvFrom(env, homedir());
  const loaded = await loadConfig(opts.config, rt);
  const log = makeLogger(global, env, loaded.config.logger?.formatter);
  warnConfig(log, loaded);
  // --timeout, else the config's executor timeout when the user set one, else a generous CLI default.
  const timeoutMs = opts.timeout ? parseDuration(opts.timeout) : (loaded.config.executor?.verificationRequestTimeout ?? DEFAULT_CLI_TIMEOUT_MS);
  const ctx = withDeadline({ signal: new AbortController().signal, log, stats: newStats() }, timeoutMs, 'command');
  let router: StoreRouter | undefined;
  let subject: Reference;
  // Relative layout paths in subjects are the user's: they resolve against the working directory.
  const cwd = process.cwd();
  try {
    if (opts.ociLayout) {
      const parsed = parseOciLayoutSubject(opts.subject);
      const path = resolvePath(cwd, parsed.layoutPath);
      await stat(path).catch((e: unknown) => {
        throw new RatifyError('REFERENCE_INVALID', `OCI layout ${path} does not exist`, { cause: e, remediation: 'Give --oci-layout a subject like ./layout:tag or ./layout@sha256:<hex>' });
      });
      // The layout replaces the config's stores and owns exactly its own subjects.
      const store = await createOciLayoutStore({ name: 'oci-layout', path }, undefined, { ctx });
      router = new StoreRouter([{ store, kind: 'layout', layoutPath: path }], { baseDir: cwd });
      subject = layoutReference(parsed.reference, await realPath(path));
    } else {
      router = await createStoreRouter(loaded.config.store, { rt, log, ...(loaded.path ? { baseDir: dirname(loaded.path) } : {}), subjectBaseDir: cwd });
      subject = await router.parse(opts.subject);
    }
  } catch (e) {
    // The deadline timer would otherwise keep the process alive until it fires.
    ctx.cancel();
    await router?.close();
    throw e;
  }
  const owned = router;
  return {
    log,
    ctx,
    rt,
    loaded,
    router: owned,
    stores: owned.stores,
    subject,
    timeoutMs,
    async close() {
      ctx.cancel();
      await owned.close();
    },
  };
}

/**
 * The subject's descriptor from the first store owning it that resolves it (Ratify's
 * ResolveSubjectDescriptor); NO_MATCHING_STORE when no store owns it.
 */
export async function resolveSubject(rt: CommandRuntime) {
  return rt.router.resolve(rt.subject, rt.ctx);
}

export function printJSON(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}
