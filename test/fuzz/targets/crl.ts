import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCrlRevocation, parseCrl, validateCrl } from '../../../src/crypto/revocation/index.js';
import { CrlParseError } from '../../../src/crypto/revocation/crl/parse.js';
import { parseCertificate, type ParsedCertificate } from '../../../src/crypto/timestamp/index.js';
import { vectorsDir } from '../../harness/vectors.js';
import { pkiSeeds } from '../pki-seeds.js';
import { check, rejectsOnlyWith, type FuzzTarget } from '../target.js';
import { pemToDer, unique, vectorFiles } from '../seeds.js';

/** The Notary Project e2e CRL issuer and leaf, when the vectors are present: accepted CRLs are checked against them. */
function notationCrlPki(): { root: ParsedCertificate; leaf: ParsedCertificate } | undefined {
  const v = vectorsDir();
  const dir = v && join(v, 'notation/test/e2e/testdata/config/crl');
  if (!dir || !existsSync(join(dir, 'root.crt'))) return undefined;
  const [leafDer] = pemToDer(readFileSync(join(dir, 'certchain_with_crl.pem')));
  const [rootDer] = pemToDer(readFileSync(join(dir, 'root.crt')));
  return leafDer && rootDer ? { root: parseCertificate(rootDer), leaf: parseCertificate(leafDer) } : undefined;
}
const pki = notationCrlPki();
const NOW = new Date('2024-06-01T00:00:00Z');

/**
 * Certificate revocation lists (DER). Clean rejects: CrlParseError from parsing; a plain Error
 * from validation and lookup (notation's reason texts). An accepted CRL is validated against
 * the Notary Project e2e root and looked up for its leaf.
 */
export const target: FuzzTarget = {
  name: 'crl',
  description: 'X.509 CRLs (`parseCrl`, then `validateCrl` against a real issuer and `checkCrlRevocation`)',
  maxLen: 8 * 1024,
  fuzz(data) {
    const crl = rejectsOnlyWith([CrlParseError], () => parseCrl(data));
    if (!crl || !pki) return;
    for (const step of [() => validateCrl(crl, pki.root, NOW), () => checkCrlRevocation(pki.leaf, crl, NOW)]) {
      try {
        step();
      } catch (e) {
        check(e instanceof Error && e.constructor === Error, `CRL check threw ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  },
  seeds: async () => unique([...vectorFiles(/\.crl$/), ...(await pkiSeeds()).crls]),
};
