import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RatifyError } from '../../../src/errors.js';
import { getTSTInfo, parseCertificates, parseTimestampToken, validateMessage, verifyTimestampToken, type ParsedCertificate } from '../../../src/crypto/timestamp/index.js';
import { vectorsDir } from '../../harness/vectors.js';
import { pkiSeeds } from '../pki-seeds.js';
import { check, rejectsOnlyWith, type FuzzTarget } from '../target.js';
import { unique, vectorFiles } from '../seeds.js';

/** tspclient-go's test root, when the vectors are present: accepted tokens are verified against it. */
function roots(): ParsedCertificate[] {
  const v = vectorsDir();
  const f = v && join(v, 'tspclient-go/testdata/GlobalSignRootCA.crt');
  return f && existsSync(f) ? parseCertificates(readFileSync(f)) : [];
}
const trusted = roots();
const MESSAGE = Buffer.from('notation');

/**
 * RFC 3161 timestamp tokens (CMS SignedData with TSTInfo): parse, TSTInfo, message imprint,
 * then full verification (signing-certificate attribute, chain, CMS signature). Clean reject:
 * RatifyError (VERIFY_REFERENCE_FAILURE, CERT_INVALID). A verified token names its signer chain.
 */
export const target: FuzzTarget = {
  name: 'timestamp',
  description: 'RFC 3161 tokens / CMS SignedData (`parseTimestampToken`, `getTSTInfo`, `validateMessage`, `verifyTimestampToken`)',
  maxLen: 16 * 1024,
  fuzz(data) {
    const token = rejectsOnlyWith([RatifyError], () => parseTimestampToken(data));
    if (!token) return;
    rejectsOnlyWith([RatifyError], () => getTSTInfo(token));
    rejectsOnlyWith([RatifyError], () => validateMessage(token, MESSAGE));
    if (trusted.length === 0) return;
    const v = rejectsOnlyWith([RatifyError], () => verifyTimestampToken(token, { roots: trusted, message: MESSAGE }));
    if (v) check(v.signerChain.length > 0 && v.signerChain[0] === v.signingCertificate, 'verified token without its signer chain');
  },
  seeds: async () => unique([...vectorFiles(/\.(p7s|tst|tsr)$/), ...(await pkiSeeds()).timestampTokens]),
};
