import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyLayout, layoutDirs, walkLayout } from '../layout.js';
import type { FuzzTarget } from '../target.js';

let dir: string | undefined;

/**
 * index.json of an OCI layout directory: the real blobs of a signed layout with a hostile
 * index.json (tags, tag-schema indexes, descriptors), then referrer discovery, manifests and
 * blobs through the `oci-layout` store. Clean reject: RatifyError at any step.
 */
export const target: FuzzTarget = {
  name: 'oci-layout-index',
  description: 'OCI layout `index.json` over the real blobs of a signed layout (tags, tag-schema indexes, referrer discovery through the `oci-layout` store)',
  async: true,
  maxLen: 16 * 1024,
  async fuzz(data) {
    // The layout with the most referrers: the vectors' multiple-signature one when present.
    dir ??= copyLayout(layoutDirs().find((d) => d.endsWith('e2e-valid-multiple-signatures')) ?? layoutDirs()[0]!);
    writeFileSync(join(dir, 'index.json'), data);
    await walkLayout(dir);
  },
  seeds: () => layoutDirs().map((d) => readFileSync(join(d, 'index.json'))),
};
