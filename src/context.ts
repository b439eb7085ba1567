import { RatifyError } from './errors.js';
import { silentLogger, type Logger } from './observability/logger.js';
import type { MetricsSink } from './observability/sink.js';

/** Counters a request accumulates so that `--explain` and metrics can report them. */
export interface RequestStats {
  registryRequests: number;
  registryBytes: number;
  cacheHits: number;
  cacheMisses: number;
  /** Registry answers of HTTP 429. */
  rateLimited?: number;
}

/**
 * Passed to every operation below the entry points. Nothing below cli/ and server/
 * reads process.env or global state; everything it needs arrives here or in typed config.
 */
export interface Context {
  /** Aborts when the request deadline passes or the caller gives up. */
  signal: AbortSignal;
  log: Logger;
  traceId?: string;
  namespace?: string;
  stats?: RequestStats;
  /** Absolute deadline (ms since epoch), when one is set; used to budget retries and waits. */
  deadline?: number;
  /** Metrics for the server; absent in the CLI. */
  metrics?: MetricsSink;
  /** Headers forwarded to registries (trace id under the configured header names). */
  forwardHeaders?: Record<string, string>;
  /** Set by `--explain`: stores record here what they dropped and why. */
  note?: (text: string) => void;
}

export function newStats(): RequestStats {
  return { registryRequests: 0, registryBytes: 0, cacheHits: 0, cacheMisses: 0 };
}

export function backgroundContext(log: Logger = silentLogger()): Context {
  return { signal: new AbortController().signal, log };
}

/**
 * A child context that aborts after `ms` milliseconds (or when the parent aborts).
 * The abort reason is a RatifyError naming `step`, so whoever observes the abort can
 * say which step ran out of time.
 */
export function withDeadline(parent: Context, ms: number, step = 'request'): Context & { cancel(): void } {
  const ctl = new AbortController();
  const deadline = Date.now() + ms;
  const timer = setTimeout(() => {
    ctl.abort(
      new RatifyError('DEADLINE_EXCEEDED', `${step} did not finish within ${ms} ms`, {
        remediation: 'Increase the timeout (executor.verificationRequestTimeout or --timeout) or check registry latency',
      }),
    );
  }, ms);
  // Not unref'd: a request waiting only on its deadline must keep the process alive until it
  // fails closed. Callers release the timer with cancel().
  const onParent = () => ctl.abort(parent.signal.reason);
  if (parent.signal.aborted) onParent();
  else parent.signal.addEventListener('abort', onParent, { once: true });
  const effective = parent.deadline !== undefined ? Math.min(parent.deadline, deadline) : deadline;
  return {
    ...parent,
    signal: ctl.signal,
    deadline: effective,
    cancel() {
      clearTimeout(timer);
      parent.signal.removeEventListener('abort', onParent);
    },
  };
}

/** Milliseconds left before the context's deadline (Infinity when none). */
export function remainingMs(ctx: Context): number {
  return ctx.deadline === undefined ? Number.POSITIVE_INFINITY : ctx.deadline - Date.now();
}

/** Throws the abort reason as a RatifyError if the context is done. */
export function throwIfAborted(ctx: Context, step: string): void {
  if (!ctx.signal.aborted) return;
  throw abortError(ctx, step);
}

export function abortError(ctx: Context, step: string): RatifyError {
  const r: unknown = ctx.signal.reason;
  if (r instanceof RatifyError) {
    return new RatifyError(r.code, `${step}: ${r.detail}`, { remediation: r.remediation });
  }
  return new RatifyError('DEADLINE_EXCEEDED', `${step} was cancelled`, { cause: r });
}

/** Resolves after `ms`, or rejects early when the context aborts. */
export function sleep(ctx: Context, ms: number, step = 'wait'): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ctx.signal.aborted) return reject(abortError(ctx, step));
    const t = setTimeout(() => {
      ctx.signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(ctx, step));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles with `p`, or rejects with the deadline error as soon as the context aborts (the work
 * itself goes on for whoever else waits on it: shared work, or a step that ignores its signal).
 */
export function untilAborted<T>(p: Promise<T>, ctx: Context, step: string): Promise<T> {
  if (ctx.signal.aborted) return Promise.reject(abortError(ctx, step));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(ctx, step));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        ctx.signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
