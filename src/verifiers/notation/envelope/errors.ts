import { RatifyError } from '../../../errors.js';

/**
 * Which notation-core-go error type a failure corresponds to. notation-go treats them
 * differently (a parse failure is wrapped in "unable to parse the digital signature"), and
 * callers may want to tell an envelope that is broken from one that was tampered with.
 */
export type EnvelopeErrorKind =
  /** ParseEnvelope failed: not JSON/CBOR of the right shape, or an unsupported media type. */
  | 'malformed'
  /** SignatureIntegrityError: the signature does not verify (or cannot be checked). */
  | 'integrity'
  /** InvalidSignatureError: well-formed but violates the envelope specification. */
  | 'invalid';

export class EnvelopeError extends RatifyError {
  constructor(
    readonly kind: EnvelopeErrorKind,
    detail: string,
  ) {
    super('VERIFY_REFERENCE_FAILURE', detail);
  }
}

export function malformed(reason: string): EnvelopeError {
  return new EnvelopeError('malformed', `unable to parse the digital signature, error : ${reason}`);
}

export function integrity(reason: string): EnvelopeError {
  return new EnvelopeError('integrity', `signature is invalid. Error: ${reason}`);
}

export function invalidSignature(reason: string): EnvelopeError {
  return new EnvelopeError('invalid', reason);
}
