import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layoutDirs, tarOf, walkLayout } from '../layout.js';
import type { FuzzTarget } from '../target.js';

let file: string | undefined;

/**
 * OCI layouts as tar files (`oci-layout` store `path: layout.tar`): the tar header scan (ustar,
 * GNU long names, PAX), then index.json, manifests and blobs read from it. Clean reject:
 * RatifyError at any step.
 */
export const target: FuzzTarget = {
  name: 'oci-layout-tar',
  description: 'OCI layouts as tar archives (tar headers incl. GNU/PAX, then index.json, referrers, manifests and blobs through the `oci-layout` store)',
  async: true,
  maxLen: 64 * 1024,
  async fuzz(data) {
    file ??= join(mkdtempSync(join(tmpdir(), 'ratify-fuzz-tar-')), 'layout.tar');
    writeFileSync(file, data);
    await walkLayout(file);
  },
  seeds: () => layoutDirs().map(tarOf),
};
