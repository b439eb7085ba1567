import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { ratifyDir, type RuntimeEnv } from '../config/load.js';
import { RatifyError } from '../errors.js';

/** `$RATIFY_CONFIG/plugins`, else `~/.ratify/plugins` (Ratify's default plugin directory). */
export function defaultPluginDir(rt: RuntimeEnv): string {
  return join(ratifyDir(rt), 'plugins');
}

function absolute(p: string, baseDir: string | undefined, home: string): string {
  if (p === '~' || p.startsWith('~/')) return join(home, p.slice(1));
  return isAbsolute(p) ? p : resolvePath(baseDir ?? process.cwd(), p);
}

/** Verifiers: `verifier.pluginBinDirs` when set, else the default directory. Relative dirs are relative to the config file. */
export function verifierPluginDirs(pluginBinDirs: readonly string[] | null | undefined, rt: RuntimeEnv, baseDir?: string): string[] {
  const dirs = (pluginBinDirs ?? []).filter(Boolean).map((d) => absolute(d, baseDir, rt.home));
  return dirs.length ? dirs : [defaultPluginDir(rt)];
}

/** Stores: `store.pluginBinDirs` followed by the default directory (Ratify appends it). */
export function storePluginDirs(pluginBinDirs: readonly string[] | null | undefined, rt: RuntimeEnv, baseDir?: string): string[] {
  const dirs = (pluginBinDirs ?? []).filter(Boolean).map((d) => absolute(d, baseDir, rt.home));
  const def = defaultPluginDir(rt);
  return dirs.includes(def) ? dirs : [...dirs, def];
}

/** A plugin name becomes a file name: Ratify refuses `/`; we also refuse the names that escape a directory. */
export function checkPluginName(name: string, where: string): void {
  if (!name || name.includes('/') || name.includes('\\') || name === '.' || name === '..' || name.includes('\0')) {
    throw new RatifyError('CONFIG_INVALID', `${where}: plugin name ${JSON.stringify(name)} must be a file name (no "/")`);
  }
}

/** Ratify's FindInPaths: the first `<dir>/<name>` that is a regular file (symlinks followed). */
export async function findInPaths(name: string, dirs: readonly string[]): Promise<string | undefined> {
  for (const d of dirs) {
    const p = join(d, name);
    try {
      if ((await stat(p)).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
