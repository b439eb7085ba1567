import { spawn, type ChildProcess } from 'node:child_process';
import { getMaxListeners, setMaxListeners } from 'node:events';
import { abortError, sleep, type Context } from '../context.js';
import { RatifyError } from '../errors.js';

export interface RunPluginOptions {
  /** The executable (found by findInPaths). */
  path: string;
  /** The complete environment of the plugin. */
  env: NodeJS.ProcessEnv;
  stdin: Uint8Array;
  /** Aborting it kills the plugin's whole process group. */
  ctx: Context;
  /** Most bytes accepted on stdout / stderr; one more kills the plugin. */
  maxStdoutBytes: number;
  maxStderrBytes: number;
  /** For messages: `verifier plugin "foo"`. */
  what: string;
  /** Ratify retries `text file busy` up to 5 times, 1 s apart. */
  busyRetries?: number;
  busyDelayMs?: number;
  /** After the plugin exits, how long to wait for its pipes to close (a grandchild may hold them). */
  closeGraceMs?: number;
  /**
   * Epoch ms at which the plugin is killed with a 'timeout' PluginRunError — set a little before
   * the request deadline so that the caller can report the plugin, not the deadline.
   */
  killAt?: number;
}

export interface PluginRun {
  /** Exit status, or null when killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  ms: number;
  /** Spawn attempts made (more than 1 after `text file busy`). */
  attempts: number;
}

export type PluginRunFailure = 'spawn' | 'output-limit' | 'timeout';

/** The plugin could not be run, or was killed for writing too much. */
export class PluginRunError extends Error {
  constructor(
    readonly kind: PluginRunFailure,
    message: string,
    readonly errno?: string,
    readonly partial?: { stdout: Buffer; stderr: Buffer },
  ) {
    super(message);
    this.name = 'PluginRunError';
  }
}

const DEFAULT_BUSY_RETRIES = 5;
const DEFAULT_BUSY_DELAY_MS = 1000;
const DEFAULT_CLOSE_GRACE_MS = 500;

/**
 * Runs a plugin once, as Ratify's DefaultExecutor does (no argv, stdin data, captured stdout
 * and stderr), but: in its own process group, which is SIGKILLed when the context aborts (the
 * request deadline) and after the plugin exits (no stray grandchildren); with bounded output;
 * and with `text file busy` retried. Throws PluginRunError, or the context's abort error.
 */
export async function runPlugin(o: RunPluginOptions): Promise<PluginRun> {
  const retries = o.busyRetries ?? DEFAULT_BUSY_RETRIES;
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await runOnce(o);
      return { ...r, attempts: attempt };
    } catch (e) {
      if (e instanceof PluginRunError && e.kind === 'spawn' && e.errno === 'ETXTBSY' && attempt <= retries) {
        o.ctx.log.debug({ plugin: o.path, attempt }, `${o.what}: text file busy, retrying`);
        await sleep(o.ctx, o.busyDelayMs ?? DEFAULT_BUSY_DELAY_MS, o.what);
        continue;
      }
      throw e;
    }
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  if (process.platform !== 'win32') {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // group already gone
    }
  }
  if (child.exitCode === null && child.signalCode === null) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

function fmtBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function runOnce(o: RunPluginOptions): Promise<Omit<PluginRun, 'attempts'>> {
  if (o.ctx.signal.aborted) return Promise.reject(abortError(o.ctx, o.what));
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let child: ChildProcess;
    try {
      child = spawn(o.path, [], {
        env: o.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group (setsid), so that the deadline kills everything it started.
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      reject(new PluginRunError('spawn', `cannot run ${o.path}: ${err.code ?? ''} ${err.message}`.trim(), err.code));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outN = 0;
    let errN = 0;
    let failure: Error | undefined;
    let settled = false;
    let exitCode: number | null = null;
    let signal: NodeJS.Signals | null = null;
    let grace: NodeJS.Timeout | undefined;
    let timer: NodeJS.Timeout | undefined;

    const finish = (spawnError?: Error) => {
      if (settled) return;
      settled = true;
      if (grace) clearTimeout(grace);
      if (timer) clearTimeout(timer);
      o.ctx.signal.removeEventListener('abort', onAbort);
      const e = spawnError ?? failure;
      if (e) {
        // Killed (or never started): answer now rather than after the pipes drain.
        killGroup(child);
        child.stdout?.destroy();
        child.stderr?.destroy();
        reject(e);
        return;
      }
      resolve({ exitCode, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err), ms: performance.now() - t0 });
    };
    const onAbort = () => {
      failure ??= abortError(o.ctx, o.what);
      finish();
    };
    // One listener per running plugin on the request's signal: with many referrers verified at
    // once that passes Node's leak-warning threshold of 10, which is only a diagnostic.
    if (getMaxListeners(o.ctx.signal) < 1000) setMaxListeners(1000, o.ctx.signal);
    o.ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (o.killAt !== undefined) {
      timer = setTimeout(() => {
        if (failure || exitCode !== null || signal !== null) return;
        failure = new PluginRunError('timeout', `${o.what} did not finish before the request deadline (ran ${Math.round(performance.now() - t0)} ms); it was killed with its process group`);
        finish();
      }, Math.max(0, o.killAt - Date.now()));
    }

    const overflow = (stream: string, limit: number) => {
      if (failure) return;
      failure = new PluginRunError('output-limit', `${o.what} wrote more than ${fmtBytes(limit)} to ${stream}; it was killed`, undefined, {
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
      });
      finish();
    };
    child.stdout!.on('data', (c: Buffer) => {
      if (failure) return;
      outN += c.length;
      if (outN > o.maxStdoutBytes) return overflow('stdout', o.maxStdoutBytes);
      out.push(c);
    });
    child.stderr!.on('data', (c: Buffer) => {
      if (failure) return;
      errN += c.length;
      if (errN > o.maxStderrBytes) return overflow('stderr', o.maxStderrBytes);
      err.push(c);
    });
    // A plugin that exits without reading stdin makes the write fail with EPIPE: not our concern.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(Buffer.from(o.stdin.buffer, o.stdin.byteOffset, o.stdin.byteLength));

    child.on('error', (e: NodeJS.ErrnoException) => {
      if (child.pid === undefined) finish(new PluginRunError('spawn', `cannot run ${o.path}: ${e.code ?? ''} ${e.message}`.trim(), e.code));
    });
    child.on('exit', (code, sig) => {
      exitCode = code;
      signal = sig;
      // Anything the plugin left running in its group goes too; then wait for the pipes.
      killGroup(child);
      if (settled) return;
      grace = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, o.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS);
    });
    child.on('close', (code, sig) => {
      if (exitCode === null && signal === null) {
        exitCode = code;
        signal = sig as NodeJS.Signals | null;
      }
      finish();
    });
  });
}

/** Go's exec error text, for Ratify's `plugin failed with error: '…'` message. */
export function exitText(run: Pick<PluginRun, 'exitCode' | 'signal'>): string {
  if (run.signal) return `signal: ${run.signal === 'SIGKILL' ? 'killed' : run.signal}`;
  return `exit status ${run.exitCode ?? -1}`;
}

/** The deadline error for a plugin (re-exported so callers need not import context). */
export function isDeadline(e: unknown): e is RatifyError {
  return e instanceof RatifyError && e.root.code === 'DEADLINE_EXCEEDED';
}
