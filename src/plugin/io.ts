import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PluginError } from './errors.js';
import { PluginErrorCode } from './protocol.js';

/** Where a plugin reads and writes; `process` by default, replaceable in tests. */
export interface PluginIO {
  env: Record<string, string | undefined>;
  stdin: AsyncIterable<Uint8Array | string>;
  stdout: (data: string | Uint8Array) => Promise<void>;
  stderr: (data: string) => void;
}

export function processIO(): PluginIO {
  return {
    env: process.env,
    stdin: process.stdin,
    stdout: (data) =>
      new Promise<void>((resolve, reject) => {
        process.stdout.write(data, (e) => (e ? reject(e) : resolve()));
      }),
    stderr: (s) => {
      process.stderr.write(s);
    },
  };
}

/** Most bytes a plugin reads from stdin (config + descriptor are small). */
export const MAX_STDIN_BYTES = 16 * 1024 * 1024;

export async function readAll(stdin: AsyncIterable<Uint8Array | string>, limit = MAX_STDIN_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of stdin) {
      const b = typeof c === 'string' ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
      n += b.length;
      if (n > limit) throw new PluginError(PluginErrorCode.IOFailure, `error reading from stdin: more than ${limit} bytes`);
      chunks.push(b);
    }
  } catch (e) {
    if (e instanceof PluginError) throw e;
    throw new PluginError(PluginErrorCode.IOFailure, `error reading from stdin: ${(e as Error).message}`);
  }
  return Buffer.concat(chunks);
}

/** Parses stdin as a JSON object (code 1 ConfigParsingFailure otherwise). */
export function parseJSONObject(bytes: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new PluginError(PluginErrorCode.ConfigParsingFailure, `failed to parse ${what}`, (e as Error).message);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new PluginError(PluginErrorCode.ConfigParsingFailure, `failed to parse ${what}`, 'not a JSON object');
  }
  return v as Record<string, unknown>;
}

/**
 * True when the module at `importMetaUrl` is the program node was started with, so one file
 * can be both an exec plugin (run) and an in-process module (imported).
 */
export function isMain(importMetaUrl: string): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(fileURLToPath(importMetaUrl)) === realpathSync(argv1);
  } catch {
    return false;
  }
}
