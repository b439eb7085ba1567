import type { KeyObject } from 'node:crypto';
import { RatifyError } from '../../errors.js';
import { decodePem } from '../x509/pem.js';
import { PublicKeyParseError, parsePkcs1PublicKey, parsePkixPublicKey } from '../x509/pkix-key.js';

/** A PEM public key is well under a kilobyte; this bounds what we hand to OpenSSL. */
export const MAX_PUBLIC_KEY_BYTES = 64 * 1024;

export type SupportedKeyType = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa' | 'ed25519';

const CURVES: Record<string, SupportedKeyType> = {
  'prime256v1': 'ecdsa-p256',
  'P-256': 'ecdsa-p256',
  'secp384r1': 'ecdsa-p384',
  'P-384': 'ecdsa-p384',
  'secp521r1': 'ecdsa-p521',
  'P-521': 'ecdsa-p521',
};

/** Smallest RSA modulus accepted (cosign's and Go's floor for signature keys). */
const MIN_RSA_BITS = 2048;

/** What kind of signing key this is, or an explanation of why we do not verify with it. */
export function keyType(key: KeyObject): SupportedKeyType | { error: string } {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
      return CURVES[curve] ?? { error: `unsupported elliptic curve ${curve || '(unknown)'}` };
    }
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      return bits >= MIN_RSA_BITS ? 'rsa' : { error: `RSA key of ${bits} bits is too small (minimum ${MIN_RSA_BITS})` };
    }
    case 'ed25519':
      return 'ed25519';
    default:
      return { error: `unsupported public key type ${key.asymmetricKeyType ?? '(unknown)'}` };
  }
}

/**
 * Parses a PEM public key as cosign does (sigstore cryptoutils.UnmarshalPEMToPublicKey, then
 * signature.LoadVerifier): the first PEM block Go's pem.Decode finds must be "PUBLIC KEY" (PKIX)
 * or "RSA PUBLIC KEY" (PKCS#1), holding a key Go's crypto/x509 parses, of a type cosign signs with:
 * ECDSA P-256/P-384/P-521, RSA (at least 2048 bits here) or Ed25519. Throws KEY_INVALID with the reason.
 */
export function parsePublicKeyPem(pem: Uint8Array | string, source: string): KeyObject {
  const bytes = typeof pem === 'string' ? Buffer.from(pem, 'utf8') : Buffer.from(pem);
  const invalid = (why: string, cause?: unknown) =>
    new RatifyError('KEY_INVALID', `cannot decode public key ${source}`, {
      cause: new Error(why + (cause instanceof Error ? `: ${cause.message}` : '')),
      remediation: 'Provide a PEM-encoded public key ("-----BEGIN PUBLIC KEY-----"), e.g. cosign.pub',
    });
  if (bytes.length === 0) throw invalid('the key is empty');
  if (bytes.length > MAX_PUBLIC_KEY_BYTES) throw invalid(`the key is over ${MAX_PUBLIC_KEY_BYTES} bytes`);
  const decoded = decodePem(bytes);
  if (decoded === undefined) throw invalid('PEM decoding failed (no PEM "PUBLIC KEY" block found)');
  const { type, bytes: der } = decoded.block;
  let key: KeyObject;
  try {
    if (type === 'PUBLIC KEY') key = parsePkixPublicKey(der).key;
    else if (type === 'RSA PUBLIC KEY') key = parsePkcs1PublicKey(der);
    else throw invalid(`unknown Public key PEM file type: ${type}. Are you passing the correct public key?`);
  } catch (e) {
    if (e instanceof PublicKeyParseError) throw invalid('not a valid public key', e);
    throw e;
  }
  const t = keyType(key);
  if (typeof t !== 'string') throw invalid(t.error);
  return key;
}

/** Hashes a signature over a payload may use with this key, the customary one first (cosign signs ECDSA P-384 with SHA-384 from KMS, SHA-256 from files). */
export function candidateHashes(key: KeyObject): Array<'sha256' | 'sha384' | 'sha512' | undefined> {
  const t = keyType(key);
  switch (t) {
    case 'ed25519':
      return [undefined];
    case 'ecdsa-p384':
      return ['sha384', 'sha256'];
    case 'ecdsa-p521':
      return ['sha512', 'sha256'];
    case 'rsa':
      return ['sha256', 'sha384', 'sha512'];
    default:
      return ['sha256'];
  }
}
