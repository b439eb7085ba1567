import { createPublicKey, type KeyObject } from 'node:crypto';
import { RatifyError } from '../../errors.js';

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
 * Parses a PEM public key (SPKI "PUBLIC KEY", or PKCS#1 "RSA PUBLIC KEY") as cosign's
 * cryptoutils.UnmarshalPEMToPublicKey does, limited to the key types cosign signs with:
 * ECDSA P-256/P-384/P-521, RSA and Ed25519. Throws KEY_INVALID with the reason.
 */
export function parsePublicKeyPem(pem: Uint8Array | string, source: string): KeyObject {
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('utf8');
  const invalid = (why: string, cause?: unknown) =>
    new RatifyError('KEY_INVALID', `cannot decode public key ${source}`, {
      cause: new Error(why + (cause instanceof Error ? `: ${cause.message}` : '')),
      remediation: 'Provide a PEM-encoded public key ("-----BEGIN PUBLIC KEY-----"), e.g. cosign.pub',
    });
  if (text.length === 0) throw invalid('the key is empty');
  if (text.length > MAX_PUBLIC_KEY_BYTES) throw invalid(`the key is over ${MAX_PUBLIC_KEY_BYTES} bytes`);
  const m = /-----BEGIN (PUBLIC KEY|RSA PUBLIC KEY)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) throw invalid('no PEM "PUBLIC KEY" block found');
  const body = (m[2] ?? '').replace(/\s+/g, '');
  // OpenSSL tolerates some garbage in base64; Go's pem decoder does not, and neither do we.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) throw invalid('the PEM body is not valid base64');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(body, 'base64'), format: 'der', type: m[1] === 'RSA PUBLIC KEY' ? 'pkcs1' : 'spki' });
  } catch (e) {
    throw invalid('not a valid public key', e);
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
