import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const INSTALL_HINT = 'install with `apt-get install -y docker-registry skopeo redis-server apache2-utils`';

/** Absolute path of an executable on PATH, or undefined. */
export function findOnPath(cmd: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, cmd);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Missing infrastructure must fail loudly rather than skip, or CI would silently stop testing
 * against a real registry.
 */
export function requireTool(cmd: string): string {
  const found = findOnPath(cmd);
  if (found === undefined) {
    throw new Error(`required test tool "${cmd}" is not installed (not on PATH); ${INSTALL_HINT}`);
  }
  return found;
}
