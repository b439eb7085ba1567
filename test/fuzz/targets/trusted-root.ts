import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import { RatifyError } from '../../../src/errors.js';
import { parseTrustedRootBytes } from '../../../src/crypto/sigstore/index.js';
import { check, Finding, hiddenCrash, type FuzzTarget } from '../target.js';
import { jsonDocs, unique, vectorFiles } from '../seeds.js';

/** True when @sigstore's own decoding throws a JavaScript error on this input (a package crash our wrapper contains). */
function packageCrashes(data: Buffer): boolean {
  try {
    toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(data.toString('utf8'))));
    return false;
  } catch (e) {
    return (e instanceof TypeError || e instanceof RangeError) && (e.stack ?? '').split('\n')[1]?.includes('/node_modules/') === true;
  }
}

/**
 * Sigstore trusted_root.json (`trustedRootPath`, conformance `--trusted-root`). Clean reject:
 * RatifyError CONFIG_INVALID, including for roots that make @sigstore/verify itself throw
 * (the rejection keeps only the library's message, so that case is confirmed by re-running the
 * library on the input). An accepted root names at least one log or authority.
 */
export const target: FuzzTarget = {
  name: 'trusted-root',
  description: 'Sigstore trusted roots (`parseTrustedRootBytes`: protobuf JSON, keys and certificates decoded eagerly); clean reject CONFIG_INVALID',
  maxLen: 32 * 1024,
  fuzz(data) {
    let r: ReturnType<typeof parseTrustedRootBytes>;
    try {
      r = parseTrustedRootBytes(data, 'fuzz');
    } catch (e) {
      if (!(e instanceof RatifyError)) throw new Finding(`expected RatifyError, got ${String(e)}`, { cause: e });
      const hidden = hiddenCrash(e);
      if (hidden && !packageCrashes(data)) throw hidden;
      return;
    }
    const m = r.material;
    check(m.tlogs.length + m.certificateAuthorities.length + m.timestampAuthorities.length > 0, 'accepted a root without trust anchors');
  },
  seeds: () =>
    unique(jsonDocs(vectorFiles(/trusted[-_]?root.*\.json$/i), (v) => typeof v === 'object' && v !== null && String((v as { mediaType?: unknown }).mediaType).includes('trustedroot'))),
};
