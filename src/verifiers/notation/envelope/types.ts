import type { Certificate } from '../../../crypto/x509/certificate.js';
import type { SignatureAlgorithm } from '../../../crypto/x509/keyspec.js';

export type { SignatureAlgorithm } from '../../../crypto/x509/keyspec.js';

export const MEDIA_TYPE_JWS = 'application/jose+json';
export const MEDIA_TYPE_COSE = 'application/cose';
export type EnvelopeMediaType = typeof MEDIA_TYPE_JWS | typeof MEDIA_TYPE_COSE;

/** The only payload type notation signs (signature-specification.md, "Payload"). */
export const MEDIA_TYPE_PAYLOAD_V1 = 'application/vnd.cncf.notary.payload.v1+json';

export const SIGNING_SCHEME_X509 = 'notary.x509';
export const SIGNING_SCHEME_X509_SIGNING_AUTHORITY = 'notary.x509.signingAuthority';
export type SigningScheme = typeof SIGNING_SCHEME_X509 | typeof SIGNING_SCHEME_X509_SIGNING_AUTHORITY;

/** Header names shared by the JWS and COSE envelopes. */
export const HEADER = {
  signingScheme: 'io.cncf.notary.signingScheme',
  signingTime: 'io.cncf.notary.signingTime',
  authenticSigningTime: 'io.cncf.notary.authenticSigningTime',
  expiry: 'io.cncf.notary.expiry',
  signingAgent: 'io.cncf.notary.signingAgent',
  timestampSignature: 'io.cncf.notary.timestampSignature',
  verificationPlugin: 'io.cncf.notary.verificationPlugin',
  verificationPluginMinVersion: 'io.cncf.notary.verificationPluginMinVersion',
} as const;

/** Default cap on envelope size (SPEC.md "Limits"). */
export const DEFAULT_MAX_ENVELOPE_BYTES = 2 * 1024 * 1024;

/**
 * A signed attribute beyond the ones notation defines. JWS keys are strings and values plain
 * JSON; COSE keys may be integers and CBOR maps arrive as Map (their keys need not be strings).
 */
export interface ExtendedAttribute {
  key: string | number;
  critical: boolean;
  value: unknown;
}

export interface SignedAttributes {
  signingScheme: SigningScheme;
  /** signingTime for notary.x509, authenticSigningTime for notary.x509.signingAuthority. */
  signingTime: Date;
  expiry?: Date;
  /** Set for notary.x509.signingAuthority (same instant as signingTime). */
  authenticSigningTime?: Date;
  extendedAttributes: ExtendedAttribute[];
}

export interface UnsignedAttributes {
  signingAgent?: string;
  /** RFC 3161 TimeStampToken (DER) countersigning the signature value. */
  timestampSignature?: Buffer;
}

/**
 * What the cryptographic check needs, kept from parsing so verification never re-reads the
 * untrusted bytes differently from how they were parsed.
 */
export type SignedContent =
  | { format: 'jws'; alg: string; signingInput: Buffer }
  | { format: 'cose'; alg: number; toBeSigned: Buffer };

/** A parsed Notary Project signature envelope (JWS or COSE), format-independent. */
export interface SignatureEnvelope {
  mediaType: EnvelopeMediaType;
  payload: { contentType: string; bytes: Buffer };
  signedAttributes: SignedAttributes;
  unsignedAttributes: UnsignedAttributes;
  /** Leaf first, as carried in x5c / x5chain. */
  certificateChain: Certificate[];
  signature: Buffer;
  signatureAlgorithm: SignatureAlgorithm;
  signedContent: SignedContent;
}
