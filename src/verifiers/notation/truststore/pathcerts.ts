/**
 * Ratify `utils.GetCertificatesFromPath`: every certificate in a file or directory tree.
 * - Missing or unreadable paths are skipped with a warning (the default directory usually does not exist).
 * - Directories are walked recursively in name order; symlinks are resolved (Kubernetes mounts
 *   secrets as `name -> ..data/name`), a symlink to a directory is not descended, and a physical file
 *   reached twice is read once.
 * - A file that is not a certificate fails the whole call: `error reading certificate file <path>: <why>`.
 * Deliberate difference: a configured path that is itself a symlink to a directory is followed
 * (Go's filepath.Walk would silently yield nothing for it).
 */
import type { X509Certificate } from 'node:crypto';
import { lstat, readdir, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '../../../observability/logger.js';
import type { CertFileCache } from './certfile.js';
import { TrustStoreError } from './errors.js';

export async function certificatesFromPath(path: string, files: CertFileCache, log?: Logger): Promise<X509Certificate[]> {
  const certs: X509Certificate[] = [];
  const seen = new Set<string>();

  const load = async (file: string) => {
    const key = resolve(file);
    if (seen.has(key)) return;
    try {
      certs.push(...(await files.read(file)));
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new TrustStoreError('certificate', `error reading certificate file ${file}: ${why}`, e);
    }
    seen.add(key);
  };

  const walk = async (p: string, isRoot: boolean): Promise<void> => {
    let info;
    try {
      info = await lstat(p);
    } catch (e) {
      // Ratify always adds its default directory, which usually does not exist: not worth a warning.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && isRoot) log?.debug({ path: p }, 'certificate path does not exist');
      else log?.warn({ path: p, err: (e as Error).message }, 'invalid certificate path skipped');
      return;
    }
    if (info.isSymbolicLink()) {
      let target: string;
      let targetInfo;
      try {
        target = await realpath(p);
        targetInfo = await lstat(target);
      } catch (e) {
        log?.error({ path: p, err: (e as Error).message }, 'unable to resolve symbolic link');
        return;
      }
      if (targetInfo.isDirectory()) {
        if (isRoot) await walk(target, false);
        return;
      }
      if (!targetInfo.isSymbolicLink()) await load(target);
      return;
    }
    if (info.isDirectory()) {
      let names: string[];
      try {
        names = await readdir(p);
      } catch (e) {
        log?.warn({ path: p, err: (e as Error).message }, 'unreadable certificate directory skipped');
        return;
      }
      names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const name of names) await walk(join(p, name), false);
      return;
    }
    await load(p);
  };

  await walk(path, true);
  log?.debug({ path, count: certs.length }, 'notation verification certificates loaded');
  return certs;
}
