import { EnvelopeError, parseEnvelope, verifyIntegrity } from '../../../src/verifiers/notation/envelope/index.js';
import { envelopeSeeds } from '../envelope-seeds.js';
import { check, rejectsOnlyWith, type FuzzTarget } from '../target.js';

/**
 * Notary Project COSE_Sign1 envelopes (application/cose): parse, then notation's integrity
 * check. Clean reject: EnvelopeError. An accepted envelope has a leaf certificate and a payload.
 */
export const target: FuzzTarget = {
  name: 'notation-cose',
  description: 'Notary Project COSE_Sign1 envelopes (`parseEnvelope` + `verifyIntegrity`)',
  maxLen: 16 * 1024,
  fuzz(data) {
    const env = rejectsOnlyWith([EnvelopeError], () => {
      const e = parseEnvelope(data, 'application/cose');
      verifyIntegrity(e);
      return e;
    });
    if (env) check(env.certificateChain.length > 0 && env.payload.bytes.length > 0, 'accepted envelope without chain or payload');
  },
  seeds: async () => (await envelopeSeeds()).cose,
};
