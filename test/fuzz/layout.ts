import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backgroundContext } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import { createOciLayoutStore } from '../../src/stores/ocilayout/index.js';
import { parseOciLayoutSubject } from '../../src/stores/ocilayout/subject.js';
import { projectRoot, vectorsDir } from '../harness/vectors.js';
import { check, rejectsOnlyWithAsync } from './target.js';

const MAX_REFERRERS = 32;

/** Every OCI layout directory in the vectors and examples/. */
export function layoutDirs(): string[] {
  const dirs = [join(projectRoot(), 'examples', 'sample-layout')];
  const v = vectorsDir();
  const root = v && join(v, 'notation/test/e2e/testdata/registry/oci_layout');
  if (root && existsSync(root)) for (const d of readdirSync(root).sort()) dirs.push(join(root, d));
  const hello = v && join(v, 'ratify-go/testdata/oci_store/hello');
  if (hello && existsSync(join(hello, 'index.json'))) dirs.push(hello);
  return dirs.filter((d) => existsSync(join(d, 'index.json')));
}

/** A private copy of a layout, for targets that rewrite one of its files. */
export function copyLayout(dir: string): string {
  const to = mkdtempSync(join(tmpdir(), 'ratify-fuzz-layout-'));
  cpSync(dir, to, { recursive: true });
  return to;
}

/** The layout as a tar file (what `tar -C <dir> -cf layout.tar .` makes). */
export function tarOf(dir: string): Buffer {
  return execFileSync('tar', ['-C', dir, '--format=ustar', '-cf', '-', '.'], { maxBuffer: 64 * 1024 * 1024 });
}

/**
 * Opens the layout at `path` as the oci-layout store does for `ratify verify --oci-layout` and
 * walks it: resolve tag v1, list the subject's referrers, fetch each one's manifest and first
 * blob. Clean reject: RatifyError at any step. Everything listed must be a referrer of the
 * subject that was asked about.
 */
export async function walkLayout(path: string): Promise<void> {
  const ctx = backgroundContext();
  const ok = [RatifyError];
  const store = await rejectsOnlyWithAsync(ok, () => createOciLayoutStore({ name: 'oci-layout', path }));
  if (!store) return;
  try {
    const ref = parseOciLayoutSubject(`${path}:v1`).reference;
    const subject = await rejectsOnlyWithAsync(ok, () => store.resolve(ref, ctx));
    if (!subject) return;
    const referrers = await rejectsOnlyWithAsync(ok, async () => {
      const out = [];
      for await (const d of store.listReferrers(ref, subject, ctx)) if (out.push(d) >= MAX_REFERRERS) break;
      return out;
    });
    for (const d of referrers ?? []) {
      const m = await rejectsOnlyWithAsync(ok, () => store.fetchManifest(ref, d, ctx));
      if (!m) continue;
      check(m.subject === undefined || m.subject.digest === subject.digest, `referrer ${d.digest} has subject ${m.subject?.digest}, not ${subject.digest}`);
      const blob = m.blobs[0];
      if (blob) {
        const bytes = await rejectsOnlyWithAsync(ok, () => store.fetchBlob(ref, blob, ctx));
        if (bytes) check(bytes.byteLength === blob.size, `blob ${blob.digest} is ${bytes.byteLength} bytes, descriptor says ${blob.size}`);
      }
    }
  } finally {
    await store.close();
  }
}
