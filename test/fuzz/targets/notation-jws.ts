import { flattenedVerify } from 'jose';
import { EnvelopeError, parseEnvelope, verifyIntegrity } from '../../../src/verifiers/notation/envelope/index.js';
import { envelopeSeeds } from '../envelope-seeds.js';
import { check, rejectsOnlyWithAsync, type FuzzTarget } from '../target.js';

/**
 * Notary Project JWS envelopes (application/jose+json): parse, then notation's integrity check.
 * Clean reject: EnvelopeError. Differential: an envelope we accept must also verify with jose's
 * flattened JWS verification under the leaf key, with the same payload (two implementations of
 * the signature check agree on every signature we trust).
 */
export const target: FuzzTarget = {
  name: 'notation-jws',
  description: 'Notary Project JWS envelopes (`parseEnvelope` + `verifyIntegrity`); differential: accepted ones verify with jose `flattenedVerify`',
  async: true,
  maxLen: 16 * 1024,
  async fuzz(data) {
    const env = await rejectsOnlyWithAsync([EnvelopeError], async () => {
      const e = parseEnvelope(data, 'application/jose+json');
      verifyIntegrity(e);
      return e;
    });
    if (!env || env.signedContent.format !== 'jws') return;
    const [protectedB64, payloadB64, signatureB64] = [...env.signedContent.signingInput.toString('utf8').split('.'), Buffer.from(env.signature).toString('base64url')];
    const leaf = env.certificateChain[0]!.publicKey;
    const r = await flattenedVerify({ protected: protectedB64!, payload: payloadB64!, signature: signatureB64! }, leaf, {
      algorithms: [env.signedContent.alg],
      // notation's own critical headers, which jose cannot know.
      crit: Object.fromEntries(['io.cncf.notary.signingScheme', 'io.cncf.notary.expiry', 'io.cncf.notary.authenticSigningTime', 'io.cncf.notary.signingTime', 'io.example.a'].map((k) => [k, true])),
    }).catch((e: unknown) => e as Error);
    if (r instanceof Error && r.name === 'JWSInvalid' && /crit/i.test(r.message)) return; // a critical header jose was not told about
    check(!(r instanceof Error), `accepted envelope fails jose verification: ${r instanceof Error ? r.message : ''}`);
    check(Buffer.from(r.payload).equals(env.payload.bytes), 'jose and notation disagree on the payload');
  },
  seeds: async () => (await envelopeSeeds()).jws,
};
