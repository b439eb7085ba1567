import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../harness/vectors.js';
import type { FuzzTarget } from './target.js';

/**
 * In-process runs for `npm test`: the regression corpus of a target, then a short seeded run of
 * mutated seeds. No coverage feedback (that is the engine's job in `npm run fuzz`); this keeps
 * every finding fixed and every target runnable in a few milliseconds per input.
 */

export function regressionDir(name: string): string {
  return join(projectRoot(), 'test', 'fuzz', 'corpus', name);
}

export function regressionInputs(name: string): { file: string; data: Buffer }[] {
  const dir = regressionDir(name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.') && f !== 'README.md')
    .sort()
    .map((f) => ({ file: join(dir, f), data: readFileSync(join(dir, f)) }));
}

/** mulberry32: small, seedable, good enough to pick mutations reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x3a, 0x2c, 0x30, 0x31, 0x02, 0x04, 0x81, 0x82, 0x84];

/** One libFuzzer-like mutation of `base` (byte flips, interesting bytes, cut, insert, repeat, splice). */
export function mutate(base: Buffer, other: Buffer, rnd: () => number, maxLen: number): Buffer {
  const pick = (n: number) => Math.floor(rnd() * n);
  const b = Buffer.from(base.length > 0 ? base : Buffer.from([0]));
  switch (pick(7)) {
    case 0: {
      for (let i = 1 + pick(4); i > 0; i--) {
        const at = pick(b.length);
        b[at] = b[at]! ^ (1 << pick(8));
      }
      return b;
    }
    case 1: {
      for (let i = 1 + pick(3); i > 0; i--) b[pick(b.length)] = INTERESTING[pick(INTERESTING.length)]!;
      return b;
    }
    case 2:
      return b.subarray(0, pick(b.length));
    case 3: {
      const at = pick(b.length);
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + pick(Math.min(64, b.length - at)))]);
    }
    case 4: {
      const at = pick(b.length + 1);
      const from = pick(b.length);
      const chunk = b.subarray(from, from + 1 + pick(32));
      return Buffer.concat([b.subarray(0, at), chunk, b.subarray(at)]).subarray(0, maxLen);
    }
    case 5: {
      const from = pick(b.length);
      const chunk = b.subarray(from, from + 1 + pick(16));
      return Buffer.concat([b.subarray(0, from), ...Array.from({ length: 2 + pick(64) }, () => chunk), b.subarray(from)]).subarray(0, maxLen);
    }
    default: {
      const cut = pick(b.length + 1);
      const o = other.length > 0 ? other : b;
      return Buffer.concat([b.subarray(0, cut), o.subarray(pick(o.length))]).subarray(0, maxLen);
    }
  }
}

/** Seeds, then `count` mutations of them, deterministic for a seed. */
export function* seededInputs(seeds: Buffer[], count: number, seed: number, maxLen: number): Generator<Buffer> {
  const rnd = prng(seed);
  const pool = seeds.length > 0 ? seeds : [Buffer.alloc(0)];
  for (const s of pool) yield s.subarray(0, maxLen);
  for (let i = 0; i < count; i++) {
    const base = pool[Math.floor(rnd() * pool.length)]!;
    const other = pool[Math.floor(rnd() * pool.length)]!;
    let m = mutate(base, other, rnd, maxLen);
    // Stacked mutations reach further from the seeds, as libFuzzer's mutation depth does.
    for (let d = Math.floor(rnd() * 3); d > 0; d--) m = mutate(m, other, rnd, maxLen);
    yield m;
  }
}

/** Runs one input; resolves for a clean accept/reject, rejects with the finding. */
export async function runOne(target: FuzzTarget, data: Buffer): Promise<void> {
  await target.fuzz(data);
}
