import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { FuzzTarget } from './target.js';

/** Every module in targets/ is a target named after its file. */
const dir = fileURLToPath(new URL('./targets/', import.meta.url));

export function targetNames(): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))
    .map((f) => f.replace(/\.(js|ts)$/, ''))
    .sort();
}

export async function loadTarget(name: string): Promise<FuzzTarget> {
  if (!targetNames().includes(name)) throw new Error(`unknown fuzz target "${name}"; targets: ${targetNames().join(' ')}`);
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const mod = (await import(pathToFileURL(join(dir, `${name}${ext}`)).href)) as { target?: FuzzTarget };
  if (mod.target?.name !== name) throw new Error(`test/fuzz/targets/${name} must export a target named "${name}"`);
  return mod.target;
}
