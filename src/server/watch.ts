import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface FileWatcher {
  /** Check now (tests, or after a signal). */
  check(): Promise<void>;
  /** Resolves once the first fingerprint is taken: changes after this are noticed. */
  ready: Promise<void>;
  close(): void;
}

/**
 * Calls `onChange` when the content of any of `paths` changes. fs.watch on the parent
 * directories reacts at once (Kubernetes swaps a `..data` symlink inside the mounted
 * directory, so watching the files themselves would miss it); a slow poll of content hashes
 * backs it up on filesystems where events are unreliable. Reading and hashing is async.
 */
export function watchFiles(paths: string[], onChange: () => Promise<void> | void, opts: { intervalMs?: number; onError?: (e: unknown) => void } = {}): FileWatcher {
  let last = '';
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const fingerprint = async () => {
    const h = createHash('sha256');
    for (const p of paths) {
      try {
        h.update(p).update('\0').update(await readFile(p));
      } catch {
        h.update(p).update('\0missing');
      }
    }
    return h.digest('hex');
  };

  const check = async (): Promise<void> => {
    if (closed) return;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        const fp = await fingerprint();
        if (fp !== last) {
          const first = last === '';
          last = fp;
          if (!first) {
            try {
              await onChange();
            } catch (e) {
              opts.onError?.(e);
            }
          }
        }
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const ready = check();
  const watchers: FSWatcher[] = [];
  for (const dir of new Set(paths.map((p) => dirname(p)))) {
    try {
      const w = watch(dir, { persistent: false }, () => void check());
      w.on('error', () => undefined);
      watchers.push(w);
    } catch {
      // The directory may not exist yet; polling covers it.
    }
  }
  const timer = setInterval(() => void check(), opts.intervalMs ?? 2000);
  timer.unref();
  return {
    check,
    ready,
    close() {
      closed = true;
      clearInterval(timer);
      for (const w of watchers) w.close();
    },
  };
}
