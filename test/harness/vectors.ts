import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

const PROJECT_NAME = 'ratify-ts';

let cachedRoot: string | undefined;

/**
 * The directory holding our package.json. Found by walking up from this module because the
 * harness runs both from test/harness (tsx) and from dist/test/harness (compiled), and the
 * compiled tree has no package.json of its own to stop on.
 */
export function projectRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown };
        if (parsed.name === PROJECT_NAME) return (cachedRoot = dir);
      } catch {
        // An unreadable or foreign package.json is not ours: keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json named "${PROJECT_NAME}" above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** Where the vectors are expected, whether or not they exist (for messages). */
export function expectedVectorsDir(): string {
  const fromEnv = process.env['RATIFY_TEST_VECTORS'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  return resolve(projectRoot(), '..', 'shared', 'vectors');
}

/** The third-party test-vector folder, or undefined when it is absent. */
export function vectorsDir(): string | undefined {
  const dir = expectedVectorsDir();
  try {
    return statSync(dir).isDirectory() ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Absolute path inside the vectors folder; throws (with the loud banner) when the folder is absent. */
export function vectorPath(...parts: string[]): string {
  const dir = vectorsDir();
  if (dir === undefined) {
    throw new Error(reportMissingVectors(1, parts.join('/')));
  }
  return join(dir, ...parts);
}

/**
 * Prints a banner that is hard to miss in CI output, because a skipped vector test otherwise
 * looks like a pass. Returns the message to use as the skip reason.
 */
export function reportMissingVectors(countNotRun: number, what: string): string {
  const where = expectedVectorsDir();
  const msg = `RATIFY TEST VECTORS NOT FOUND at ${where}: ${countNotRun} cases NOT RUN (${what})`;
  const bar = '!'.repeat(Math.min(120, msg.length + 4));
  process.stderr.write(
    `\n${bar}\n!!! ${msg}\n!!! set RATIFY_TEST_VECTORS=<dir> or provide ${resolve(projectRoot(), '..', 'shared', 'vectors')}\n${bar}\n\n`,
  );
  return msg;
}

/**
 * For use as a node:test `skip` option: false when the vectors exist, otherwise the skip
 * message (after printing the banner).
 */
export function skipUnlessVectors(countNotRun: number, what: string): string | false {
  return vectorsDir() === undefined ? reportMissingVectors(countNotRun, what) : false;
}

/**
 * Inside a running test: returns the vectors folder, or marks the test skipped (with the
 * banner) and returns undefined; the caller must then return.
 */
export function requireVectors(t: TestContext, what: string): string | undefined {
  const dir = vectorsDir();
  if (dir === undefined) t.skip(reportMissingVectors(1, what));
  return dir;
}
