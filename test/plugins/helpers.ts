import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino, type Logger } from 'pino';
import type { RuntimeEnv } from '../../src/config/load.js';
import { buildExecutor } from '../../src/executor/build.js';
import type { Executor } from '../../src/executor/executor.js';
import { parseConfig } from '../../src/config/load.js';
import type { ReferrerStore } from '../../src/stores/types.js';
import { projectRoot } from '../harness/vectors.js';

export async function tempDir(prefix = 'ratify-plugins-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes an executable file (mode 0700). */
export async function writeExecutable(dir: string, name: string, content: string | Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  const p = join(dir, name);
  await writeFile(p, content, { mode: 0o700 });
  await chmod(p, 0o700);
  return p;
}

/** A POSIX sh plugin. */
export function shPlugin(dir: string, name: string, body: string): Promise<string> {
  return writeExecutable(dir, name, `#!/bin/sh\n${body}\n`);
}

/** True when this file runs from TypeScript sources (tsx) rather than dist/. */
export const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');

/**
 * Path of a project file as the running tests should execute it: the .ts source under tsx,
 * the compiled .js under dist/ otherwise. `rel` is relative to the project root, without extension.
 */
export function projectModule(rel: string): string {
  const root = projectRoot();
  return fromSource ? join(root, `${rel}.ts`) : join(root, 'dist', `${rel}.js`);
}

/** The compiled file of a project module (for plugins that import `ratify-ts/plugin`, which resolves into dist/). */
export function distModule(rel: string): string {
  const p = join(projectRoot(), 'dist', `${rel}.js`);
  if (!existsSync(p)) throw new Error(`${p} is missing: build first with \`npx tsc -p .\``);
  return p;
}

/**
 * An executable that runs a Node module as a plugin (how a TypeScript plugin is installed:
 * a wrapper script in the plugin dir). `.ts` modules run through tsx.
 */
export function nodePluginWrapper(dir: string, name: string, modulePath: string): Promise<string> {
  const node = JSON.stringify(process.execPath);
  if (modulePath.endsWith('.ts')) {
    const tsx = pathToFileURL(join(projectRoot(), 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href;
    return shPlugin(dir, name, `exec ${node} --import ${JSON.stringify(tsx)} ${JSON.stringify(modulePath)} "$@"`);
  }
  return shPlugin(dir, name, `exec ${node} ${JSON.stringify(modulePath)} "$@"`);
}

export interface LogRecord {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A pino logger that keeps every record (level debug). */
export function capturingLogger(): { log: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const log = pino({ level: 'debug', base: undefined, timestamp: false }, {
    write(s: string) {
      records.push(JSON.parse(s) as LogRecord);
    },
  });
  return { log, records };
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export function runtimeEnv(home: string, env: NodeJS.ProcessEnv = {}): RuntimeEnv {
  return { home, env: { PATH: process.env.PATH, ...env } };
}

/** Builds an executor from a config object (written next to `dir` so relative paths resolve there). */
export async function executorFor(
  dir: string,
  config: Record<string, unknown>,
  opts: { rt: RuntimeEnv; log: Logger; stores?: ReferrerStore[] },
): Promise<Executor> {
  const path = join(dir, 'config.json');
  const text = JSON.stringify(config);
  await writeFile(path, text);
  return buildExecutor({ config: parseConfig(text, path), path, raw: text }, { rt: opts.rt, log: opts.log, ...(opts.stores ? { stores: opts.stores } : {}) });
}

/** Is the process alive? A zombie (killed, not yet reaped by an init that may never reap) is not. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}
