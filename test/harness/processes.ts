import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';

const live = new Set<ChildProcess>();
let hooked = false;

/**
 * Starts a long-running test service. It is killed when this process exits normally (exit
 * hook) or dies by a signal (a shell watchdog blocked on a pipe from us sees EOF).
 */
export function spawnService(cmd: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): ChildProcess {
  const out = openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], ...(env ? { env } : {}) });
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  const dog = spawn('sh', ['-c', 'read _; kill -KILL "$1" 2>/dev/null', 'ratify-test-watchdog', String(child.pid)], { stdio: ['pipe', 'ignore', 'ignore'] });
  dog.unref();
  (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  child.once('exit', () => dog.kill('SIGKILL'));
  return child;
}

/** SIGTERM, then SIGKILL after `ms`; resolves when the process is gone. */
export function stopProcess(child: ChildProcess, ms = 3000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill(signal);
  });
}
