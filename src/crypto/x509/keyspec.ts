import type { KeyObject } from 'node:crypto';

/** The Notary Project signature algorithms (signature-specification.md, "Algorithm Selection"). */
export type SignatureAlgorithm =
  | 'RSASSA-PSS-SHA-256'
  | 'RSASSA-PSS-SHA-384'
  | 'RSASSA-PSS-SHA-512'
  | 'ECDSA-SHA-256'
  | 'ECDSA-SHA-384'
  | 'ECDSA-SHA-512';

export interface KeySpec {
  type: 'RSA' | 'EC';
  /** Bits, as Go reports them: RSA rounds the modulus up to whole bytes; EC is the curve size. */
  size: number;
}

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521, secp224r1: 224 };

/**
 * notation-core-go signature.ExtractKeySpec. Returns the spec or Go's error text
 * (UnsupportedSigningKeyError) so callers can prefix it as notation does.
 */
export function extractKeySpec(key: KeyObject): KeySpec | { error: string } {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const bits = Math.ceil((details.modulusLength ?? 0) / 8) * 8;
    if (bits === 2048 || bits === 3072 || bits === 4096) return { type: 'RSA', size: bits };
    return { error: `rsa key size ${bits} bits is not supported` };
  }
  if (key.asymmetricKeyType === 'ec') {
    const bits = CURVE_BITS[details.namedCurve ?? ''];
    if (bits === undefined) return { error: 'unsupported public key type' };
    if (bits === 256 || bits === 384 || bits === 521) return { type: 'EC', size: bits };
    return { error: `ecdsa key size ${bits} bits is not supported` };
  }
  return { error: 'unsupported public key type' };
}

/** KeySpec.SignatureAlgorithm(): the one algorithm notation allows for a key. */
export function signatureAlgorithmFor(spec: KeySpec): SignatureAlgorithm {
  if (spec.type === 'RSA') {
    return spec.size === 2048 ? 'RSASSA-PSS-SHA-256' : spec.size === 3072 ? 'RSASSA-PSS-SHA-384' : 'RSASSA-PSS-SHA-512';
  }
  return spec.size === 256 ? 'ECDSA-SHA-256' : spec.size === 384 ? 'ECDSA-SHA-384' : 'ECDSA-SHA-512';
}

/** Go's numeric signature.Algorithm values, which notation prints with %v in one message. */
export const ALGORITHM_NUMBER: Record<SignatureAlgorithm, number> = {
  'RSASSA-PSS-SHA-256': 1,
  'RSASSA-PSS-SHA-384': 2,
  'RSASSA-PSS-SHA-512': 3,
  'ECDSA-SHA-256': 4,
  'ECDSA-SHA-384': 5,
  'ECDSA-SHA-512': 6,
};

export function hashOf(alg: SignatureAlgorithm): 'sha256' | 'sha384' | 'sha512' {
  return alg.endsWith('256') ? 'sha256' : alg.endsWith('384') ? 'sha384' : 'sha512';
}
