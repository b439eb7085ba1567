import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBundle, publicGoodTrustedRoot, SigstoreVerifyError, verifySigstore } from '../../../src/crypto/sigstore/index.js';
import { vectorsDir } from '../../harness/vectors.js';
import { check, rejectsOnlyWith, type FuzzTarget } from '../target.js';
import { jsonDocs, unique, vectorFiles } from '../seeds.js';

const trust = publicGoodTrustedRoot().material;
function artifact(): Buffer {
  const v = vectorsDir();
  const f = v && join(v, 'sigstore-conformance/test/assets/bundle-verify/a.txt');
  return f && existsSync(f) ? readFileSync(f) : Buffer.from('a\n');
}
const ARTIFACT = artifact();
const POLICY = { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 };

/**
 * Sigstore bundles v0.1–v0.3: decode, then full verification of what decodes against the
 * public-good trusted root (the conformance suite's artifact, a transparency-log entry, an SCT
 * and a timestamp required). Clean reject: SigstoreVerifyError. A verified bundle has a
 * verified log entry and a timestamp.
 */
export const target: FuzzTarget = {
  name: 'sigstore-bundle',
  description: 'Sigstore bundles v0.1–v0.3 (`parseBundle`, then `verifySigstore` against the public-good root); clean reject SigstoreVerifyError',
  maxLen: 16 * 1024,
  fuzz(data) {
    const bundle = rejectsOnlyWith([SigstoreVerifyError], () => parseBundle(data));
    if (!bundle) return;
    const out = rejectsOnlyWith([SigstoreVerifyError], () => verifySigstore(trust, { bundle, artifact: ARTIFACT }, POLICY));
    if (out) check(out.tlogEntries >= 1 && out.timestamps.length >= 1, 'verified without a log entry or timestamp');
  },
  seeds: () => unique(jsonDocs(vectorFiles(/\.sigstore(\.json)?$|bundle.*\.json$/), (v) => typeof v === 'object' && v !== null && 'mediaType' in v)),
};
