import { goQuote } from '../../../crypto/x509/gofmt.js';
import { parseCose, verifyCose } from './cose.js';
import { EnvelopeError, malformed } from './errors.js';
import { parseJws, verifyJws } from './jws.js';
import { DEFAULT_MAX_ENVELOPE_BYTES, MEDIA_TYPE_COSE, MEDIA_TYPE_JWS, type SignatureEnvelope } from './types.js';
import { validateEnvelopeContent } from './validate.js';

export * from './types.js';
export { EnvelopeError, type EnvelopeErrorKind } from './errors.js';
export { parsePayload, type NotationPayload } from './payload.js';
export { validateEnvelopeContent, unknownCriticalAttributes } from './validate.js';

export interface ParseOptions {
  /** Reject larger envelopes before reading them (default 2 MiB). */
  maxBytes?: number;
}

/**
 * Parses a Notary Project signature envelope and validates its headers. Does not verify the
 * signature: call verifyIntegrity before trusting anything in it.
 * Throws EnvelopeError (code VERIFY_REFERENCE_FAILURE) with notation's message.
 */
export function parseEnvelope(bytes: Uint8Array, mediaType: string, opts: ParseOptions = {}): SignatureEnvelope {
  const max = opts.maxBytes ?? DEFAULT_MAX_ENVELOPE_BYTES;
  if (bytes.length > max) {
    throw new EnvelopeError('malformed', `signature envelope size ${bytes.length} bytes exceeds the limit of ${max} bytes`);
  }
  switch (mediaType) {
    case MEDIA_TYPE_JWS:
      return parseJws(bytes);
    case MEDIA_TYPE_COSE:
      return parseCose(bytes);
    default:
      throw malformed(`signature envelope format with media type ${goQuote(mediaType)} is not supported`);
  }
}

/**
 * notation's integrity check: the signature verifies under the leaf certificate's key, then
 * the format-independent rules hold (valid code-signing chain, algorithm matching the key,
 * expiry after signing time). Trust in the chain is not decided here.
 */
export function verifyIntegrity(env: SignatureEnvelope): void {
  if (env.signedContent.format === 'jws') verifyJws(env);
  else verifyCose(env);
  validateEnvelopeContent(env);
}
