import { validateCodeSigningChain } from '../../../crypto/x509/chain.js';
import { ALGORITHM_NUMBER, extractKeySpec, signatureAlgorithmFor } from '../../../crypto/x509/keyspec.js';
import { RatifyError } from '../../../errors.js';
import { invalidSignature } from './errors.js';
import type { SignatureEnvelope } from './types.js';

/**
 * notation-core-go's format-independent checks (internal/base validateEnvelopeContent), run
 * after the signature verifies: payload and signature present, expiry after signing time,
 * a valid code-signing chain, and the signature algorithm the leaf key dictates.
 */
export function validateEnvelopeContent(env: SignatureEnvelope): void {
  if (env.payload.bytes.length === 0) throw invalidSignature('content not present');
  if (env.signature.length === 0) throw invalidSignature('signature not present or is empty');
  const { signingTime, expiry } = env.signedAttributes;
  if (expiry && expiry.getTime() <= signingTime.getTime()) throw invalidSignature('expiry cannot be equal or before the signing time');

  const chain = env.certificateChain;
  if (chain.length === 0) throw invalidSignature('certificate-chain not present or is empty');
  try {
    validateCodeSigningChain(chain);
  } catch (e) {
    throw invalidSignature(`certificate-chain is invalid, ${e instanceof RatifyError ? e.detail : String(e)}`);
  }
  const spec = extractKeySpec(chain[0]!.publicKey);
  if ('error' in spec) throw invalidSignature(spec.error);
  const derived = signatureAlgorithmFor(spec);
  if (derived !== env.signatureAlgorithm) {
    // Go prints both algorithms with %v (their enum numbers), and the stray "s" is in its format string.
    throw invalidSignature(
      `mismatch between signature algorithm derived from signing certificate (${ALGORITHM_NUMBER[derived]}) and signing algorithm specified (${ALGORITHM_NUMBER[env.signatureAlgorithm]}s)`,
    );
  }
}

/**
 * Critical extended attributes this verifier does not process. The Notary Project requires
 * verification to fail on any; notation-go handles the plugin ones itself, so callers pass
 * the keys they understand.
 */
export function unknownCriticalAttributes(env: SignatureEnvelope, understood: Iterable<string | number>): (string | number)[] {
  const known = new Set(understood);
  return env.signedAttributes.extendedAttributes.filter((a) => a.critical && !known.has(a.key)).map((a) => a.key);
}
