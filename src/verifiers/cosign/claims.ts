import type { Envelope } from '@sigstore/bundle';
import { parseStatement, statementNamesDigest, type InTotoStatement } from '../../crypto/sigstore/dsse.js';
import { SigstoreVerifyError } from '../../crypto/sigstore/errors.js';

/** The predicate cosign v3 signs images with (a signature, not an attestation). */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

/**
 * cosign's SimpleClaimVerifier: the simple-signing payload must name the subject's digest in
 * critical.image.docker-manifest-digest. Without this a signature for any image would verify
 * for every image.
 */
export function checkSimpleSigningClaims(payload: Buffer, subjectDigest: string): void {
  let o: unknown;
  try {
    o = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new SigstoreVerifyError('CLAIMS_ERROR', 'the signed payload is not a simple-signing JSON document');
  }
  const got = (o as { critical?: { image?: { 'docker-manifest-digest'?: unknown } } } | null)?.critical?.image?.['docker-manifest-digest'];
  if (got !== subjectDigest) {
    throw new SigstoreVerifyError('CLAIMS_ERROR', `invalid or missing digest in claim: ${typeof got === 'string' ? got : ''}`);
  }
}

/**
 * An in-toto attestation (or cosign v3 signature) about the subject: the statement must list the
 * subject's digest, and attestations must have a selected predicate type (none selected: any).
 */
export function checkStatement(env: Envelope, subjectDigest: string, predicateTypes: readonly string[]): InTotoStatement {
  const st = parseStatement(env);
  if (!statementNamesDigest(st, subjectDigest)) {
    throw new SigstoreVerifyError('CLAIMS_ERROR', `no matching subject digest found: the statement does not name ${subjectDigest}`);
  }
  if (predicateTypes.length > 0 && st.predicateType !== COSIGN_SIGN_PREDICATE && !predicateTypes.includes(st.predicateType)) {
    throw new SigstoreVerifyError('CLAIMS_ERROR', `predicate type ${st.predicateType} is not one of the selected types [${predicateTypes.join(', ')}]`);
  }
  return st;
}
