import { parseOcspResponse } from '../../../src/crypto/revocation/index.js';
import { OcspResponseError } from '../../../src/crypto/revocation/ocsp/response.js';
import { invalidityDate } from '../../../src/crypto/revocation/ocsp/response.js';
import { pkiSeeds } from '../pki-seeds.js';
import { check, rejectsOnlyWith, type FuzzTarget } from '../target.js';

/**
 * OCSP responses (DER) as a responder returns them. Clean reject: OcspResponseError. Accepted
 * responses hold only well-formed single responses.
 */
export const target: FuzzTarget = {
  name: 'ocsp',
  description: 'OCSP responses (`parseOcspResponse`: status, BasicOCSPResponse, single responses, extensions); clean reject OcspResponseError',
  maxLen: 8 * 1024,
  fuzz(data) {
    const r = rejectsOnlyWith([OcspResponseError], () => parseOcspResponse(data));
    if (!r) return;
    for (const s of r.responses) {
      check(['good', 'revoked', 'unknown'].includes(s.status), `certificate status ${String(s.status)}`);
      check(!Number.isNaN(s.thisUpdate.getTime()), 'thisUpdate is not a time');
      rejectsOnlyWith([OcspResponseError], () => invalidityDate(s));
    }
  },
  seeds: async () => (await pkiSeeds()).ocspResponses,
};
