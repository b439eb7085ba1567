/**
 * Public keys read as strictly as Go's crypto/x509 reads them (x509.ParsePKIXPublicKey,
 * x509.ParsePKCS1PublicKey). OpenSSL, behind node:crypto, accepts more: trailing bytes after
 * the key, BER lengths, RSA without NULL parameters, RSASSA-PSS keys, compressed EC points and
 * explicit curve parameters. Go's DER is canonical, so a key is accepted only when node:crypto
 * re-encodes it to the same bytes, and only with the algorithms and point form Go supports.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';

/** Key algorithms x509.ParsePKIXPublicKey returns. */
export type PkixKeyType = 'rsa' | 'ecdsa' | 'ed25519' | 'x25519' | 'dsa';

export interface PkixKey {
  type: PkixKeyType;
  key: KeyObject;
  /** ECDSA only: the named curve. */
  curve?: 'P-224' | 'P-256' | 'P-384' | 'P-521';
}

/** A key Go would not parse; the message is Go's where Go has one. */
export class PublicKeyParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublicKeyParseError';
  }
}

const CURVES: Record<string, { name: NonNullable<PkixKey['curve']>; coordinate: number }> = {
  secp224r1: { name: 'P-224', coordinate: 28 },
  prime256v1: { name: 'P-256', coordinate: 32 },
  secp384r1: { name: 'P-384', coordinate: 48 },
  secp521r1: { name: 'P-521', coordinate: 66 },
};

function tryKey(der: Uint8Array, type: 'spki' | 'pkcs1'): KeyObject | undefined {
  try {
    return createPublicKey({ key: Buffer.from(der), format: 'der', type });
  } catch {
    return undefined;
  }
}

/** Not the canonical DER of the key node:crypto read: which difference Go would have refused first. */
function notCanonical(der: Uint8Array, canonical: Buffer, trailing: string): PublicKeyParseError {
  const input = Buffer.from(der);
  if (input.length > canonical.length && input.subarray(0, canonical.length).equals(canonical)) return new PublicKeyParseError(trailing);
  return new PublicKeyParseError('x509: malformed public key (not the DER encoding Go requires)');
}

/** The subjectPublicKey BIT STRING of an SPKI (already known to be well-formed DER). */
function subjectPublicKey(der: Uint8Array): Uint8Array {
  const spki = asn1js.fromBER(Uint8Array.from(der)).result as asn1js.Sequence;
  const bits = spki.valueBlock.value[1] as asn1js.BitString;
  return bits.valueBlock.valueHexView;
}

/** x509.ParsePKIXPublicKey. Throws PublicKeyParseError. */
export function parsePkixPublicKey(der: Uint8Array): PkixKey {
  const key = tryKey(der, 'spki');
  if (key === undefined) {
    if (tryKey(der, 'pkcs1') !== undefined) {
      throw new PublicKeyParseError('x509: failed to parse public key (use ParsePKCS1PublicKey instead for this key format)');
    }
    throw new PublicKeyParseError('x509: malformed public key');
  }
  const canonical = key.export({ type: 'spki', format: 'der' });
  if (!canonical.equals(der)) throw notCanonical(der, canonical, 'x509: trailing data after ASN.1 of public-key');
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { type: 'rsa', key };
    case 'ed25519':
      return { type: 'ed25519', key };
    case 'x25519':
      return { type: 'x25519', key };
    case 'dsa':
      return { type: 'dsa', key };
    case 'ec': {
      const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (curve === undefined) throw new PublicKeyParseError('x509: unsupported elliptic curve');
      const point = subjectPublicKey(der);
      // ecdsa.ParseUncompressedPublicKey: 0x04 || X || Y, nothing else.
      if (point.length !== 1 + 2 * curve.coordinate || point[0] !== 0x04) throw new PublicKeyParseError('crypto/ecdsa: invalid public key');
      return { type: 'ecdsa', key, curve: curve.name };
    }
    default:
      // RSASSA-PSS, Ed448, X448, DH: not keys Go's x509 package knows.
      throw new PublicKeyParseError('x509: unknown public key algorithm');
  }
}

/** x509.ParsePKCS1PublicKey. Throws PublicKeyParseError. */
export function parsePkcs1PublicKey(der: Uint8Array): KeyObject {
  const key = tryKey(der, 'pkcs1');
  if (key === undefined) {
    if (tryKey(der, 'spki') !== undefined) {
      throw new PublicKeyParseError('x509: failed to parse public key (use ParsePKIXPublicKey instead for this key format)');
    }
    throw new PublicKeyParseError('x509: malformed PKCS #1 public key');
  }
  const canonical = key.export({ type: 'pkcs1', format: 'der' });
  if (!canonical.equals(der)) throw notCanonical(der, canonical, 'asn1: syntax error: trailing data');
  const e = BigInt(`0x${Buffer.from(key.export({ format: 'jwk' }).e ?? '', 'base64url').toString('hex') || '0'}`);
  if (e > 2n ** 31n - 1n) throw new PublicKeyParseError('x509: public key contains large public exponent');
  return key;
}
