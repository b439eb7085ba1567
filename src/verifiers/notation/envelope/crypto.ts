import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';

export type Hash = 'sha256' | 'sha384' | 'sha512';

const HASH_LEN: Record<Hash, number> = { sha256: 32, sha384: 48, sha512: 64 };

/**
 * RSASSA-PSS verification. The JWS path (golang-jwt) accepts any salt length, the COSE path
 * (go-cose) requires salt length = hash length; we keep each library's rule.
 */
export function verifyRsaPss(key: KeyObject, hash: Hash, data: Uint8Array, sig: Uint8Array, salt: 'auto' | 'hash'): boolean {
  try {
    return cryptoVerify(
      hash,
      data,
      {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: salt === 'auto' ? constants.RSA_PSS_SALTLEN_AUTO : HASH_LEN[hash],
      },
      sig,
    );
  } catch {
    return false;
  }
}

/**
 * ECDSA verification of a raw r‖s signature (JWS and COSE both use it). The halves are
 * `coordBytes` long; they are re-encoded as DER so any curve/hash pairing Go would check
 * is checked here too, instead of node insisting on the curve's own r‖s width.
 */
export function verifyEcdsaRaw(key: KeyObject, hash: Hash, data: Uint8Array, sig: Uint8Array, coordBytes: number): boolean {
  if (sig.length !== 2 * coordBytes) return false;
  const der = rawToDer(sig.subarray(0, coordBytes), sig.subarray(coordBytes));
  try {
    return cryptoVerify(hash, data, { key, dsaEncoding: 'der' }, der);
  } catch {
    return false;
  }
}

function derInteger(v: Uint8Array): Buffer {
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  let body = Buffer.from(v.subarray(i));
  if ((body[0] ?? 0) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

function rawToDer(r: Uint8Array, s: Uint8Array): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

/** Byte length of an EC key's coordinates ((bits + 7) / 8), as Go derives it from the curve. */
export function ecCoordBytes(key: KeyObject): number | undefined {
  const bits: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521, secp224r1: 224 };
  const b = bits[key.asymmetricKeyDetails?.namedCurve ?? ''];
  return b === undefined ? undefined : Math.ceil(b / 8);
}
