import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { projectRoot, vectorsDir } from '../harness/vectors.js';

/**
 * Seed corpora are built at run time from the shared vectors ($RATIFY_TEST_VECTORS) and the
 * project's own fixtures; no vector file is copied into the repository. Without the vectors a
 * target still has its in-code seeds.
 */

const MAX_SEED_BYTES = 1024 * 1024;

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile() && st.size <= MAX_SEED_BYTES) out.push(p);
  }
}

const listings = new Map<string, string[]>();

/** Files under root (relative paths with '/'), cached per root. */
function listing(root: string): string[] {
  let files = listings.get(root);
  if (files === undefined) {
    const abs: string[] = [];
    walk(root, abs);
    files = abs.map((p) => relative(root, p).split(sep).join('/'));
    listings.set(root, files);
  }
  return files;
}

/** Vector files whose path (relative to the vectors folder) matches. Empty when the vectors are absent. */
export function vectorFiles(match: RegExp): Buffer[] {
  const root = vectorsDir();
  if (root === undefined) return [];
  return listing(root)
    .filter((p) => match.test(p))
    .map((p) => readFileSync(join(root, p)));
}

/** Files of this repository (examples/, test/ fixtures) whose path matches. */
export function projectFiles(under: string, match: RegExp): Buffer[] {
  const root = join(projectRoot(), under);
  return listing(root)
    .filter((p) => match.test(p))
    .map((p) => readFileSync(join(root, p)));
}

export function text(...items: string[]): Buffer[] {
  return items.map((s) => Buffer.from(s, 'utf8'));
}

export function json(...items: unknown[]): Buffer[] {
  return items.map((v) => Buffer.from(JSON.stringify(v), 'utf8'));
}

/** PEM blocks of a file as DER. */
export function pemToDer(pem: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const m of pem.toString('latin1').matchAll(re)) out.push(Buffer.from((m[2] ?? '').replace(/\s+/g, ''), 'base64'));
  return out;
}

/** Objects in JSON files: parsed, and optionally filtered. Unparseable files are skipped. */
export function jsonDocs(files: Buffer[], keep: (v: unknown) => boolean = () => true): Buffer[] {
  return files.filter((b) => {
    try {
      return keep(JSON.parse(b.toString('utf8')));
    } catch {
      return false;
    }
  });
}

/** Duplicates removed, order kept. */
export function unique(bufs: Buffer[]): Buffer[] {
  const seen = new Set<string>();
  return bufs.filter((b) => {
    const k = b.toString('base64');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
