/**
 * Verifies a signature given an X.509/CMS AlgorithmIdentifier, with node:crypto. Failure texts
 * follow Go's crypto packages ("crypto/rsa: verification error", "x509: ECDSA verification
 * failure") because notation reports those words.
 */
import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { SeqReader, algorithmIdentifier, children, isContext, explicit, smallInt, type AlgorithmIdentifier } from './der.js';
import { OID, hashFromOid, HASH_LENGTH, type HashName } from './oids.js';

export type SignatureScheme =
  | { kind: 'rsa-pkcs1'; hash: HashName }
  | { kind: 'rsa-pss'; hash: HashName; saltLength: number }
  | { kind: 'ecdsa'; hash: HashName }
  | { kind: 'ed25519' };

export interface SchemeOptions {
  /** Accept SHA-1 based signatures (Go allows them for CRLs and OCSP, not for certificate chains or CMS). */
  allowSha1?: boolean;
  /** For CMS: digestAlgorithm of the SignerInfo, used with the bare rsaEncryption / RSASSA-PSS OIDs. */
  digestOid?: string;
}

/** Maps an AlgorithmIdentifier to a scheme, or explains (as a string) why it is not supported. */
export function schemeFor(alg: AlgorithmIdentifier, opts: SchemeOptions = {}): SignatureScheme | string {
  const scheme = baseScheme(alg, opts.digestOid ? hashFromOid(opts.digestOid) : undefined);
  if (typeof scheme !== 'string' && scheme.kind !== 'ed25519' && scheme.hash === 'sha1' && !opts.allowSha1) {
    return `insecure algorithm SHA1 (${alg.oid})`;
  }
  return scheme;
}

function baseScheme(alg: AlgorithmIdentifier, digest: HashName | undefined): SignatureScheme | string {
  switch (alg.oid) {
    case OID.sha1WithRSA:
      return { kind: 'rsa-pkcs1', hash: 'sha1' };
    case OID.sha256WithRSA:
      return { kind: 'rsa-pkcs1', hash: 'sha256' };
    case OID.sha384WithRSA:
      return { kind: 'rsa-pkcs1', hash: 'sha384' };
    case OID.sha512WithRSA:
      return { kind: 'rsa-pkcs1', hash: 'sha512' };
    case OID.rsaEncryption:
      // CMS signers may name the key type only; the SignerInfo digestAlgorithm gives the hash.
      return digest ? { kind: 'rsa-pkcs1', hash: digest } : 'unknown signature algorithm';
    case OID.rsassaPss:
      return pssScheme(alg, digest);
    case OID.ecdsaWithSHA1:
      return { kind: 'ecdsa', hash: 'sha1' };
    case OID.ecdsaWithSHA256:
      return { kind: 'ecdsa', hash: 'sha256' };
    case OID.ecdsaWithSHA384:
      return { kind: 'ecdsa', hash: 'sha384' };
    case OID.ecdsaWithSHA512:
      return { kind: 'ecdsa', hash: 'sha512' };
    case OID.ed25519:
      return { kind: 'ed25519' };
    default:
      return `unknown signature algorithm ${alg.oid}`;
  }
}

/** RSASSA-PSS-params; defaults are SHA-1 / MGF1-SHA-1 / salt 20 (RFC 4055). */
function pssScheme(alg: AlgorithmIdentifier, fallbackHash: HashName | undefined): SignatureScheme | string {
  if (alg.params === undefined || children(alg.params).length === 0) {
    // Absent or empty parameters: CMS signers sometimes rely on the digestAlgorithm.
    const h = fallbackHash ?? 'sha1';
    return { kind: 'rsa-pss', hash: h, saltLength: HASH_LENGTH[h] };
  }
  try {
    const r = new SeqReader(alg.params, 'RSASSA-PSS-params');
    let hash: HashName = 'sha1';
    let salt = 20;
    const h = r.optional((n) => isContext(n, 0));
    if (h) {
      const found = hashFromOid(algorithmIdentifier(explicit(h, 'hashAlgorithm'), 'hashAlgorithm').oid);
      if (!found) return 'unsupported RSASSA-PSS hash algorithm';
      hash = found;
    }
    const m = r.optional((n) => isContext(n, 1));
    if (m) {
      const mgf = algorithmIdentifier(explicit(m, 'maskGenAlgorithm'), 'maskGenAlgorithm');
      if (mgf.oid !== OID.mgf1 || !mgf.params) return 'unsupported RSASSA-PSS mask generation function';
      const mgfHash = hashFromOid(algorithmIdentifier(mgf.params, 'mgf1 hash').oid);
      if (mgfHash !== hash) return 'RSASSA-PSS MGF1 hash differs from the message hash';
    }
    const s = r.optional((n) => isContext(n, 2));
    if (s) salt = smallInt(explicit(s, 'saltLength'), 'saltLength');
    return { kind: 'rsa-pss', hash, saltLength: salt };
  } catch (e) {
    return `invalid RSASSA-PSS parameters: ${(e as Error).message}`;
  }
}

/**
 * Verifies `signature` over `data`. Returns undefined when valid, otherwise the reason (Go words).
 */
export function verifySignature(scheme: SignatureScheme, key: KeyObject, data: Uint8Array, signature: Uint8Array): string | undefined {
  const type = key.asymmetricKeyType;
  try {
    switch (scheme.kind) {
      case 'rsa-pkcs1':
        if (type !== 'rsa') return `x509: signature algorithm specifies an RSA public key, but have public key of type ${type}`;
        return cryptoVerify(scheme.hash, data, key, signature) ? undefined : 'crypto/rsa: verification error';
      case 'rsa-pss':
        if (type !== 'rsa' && type !== 'rsa-pss') {
          return `x509: signature algorithm specifies an RSA public key, but have public key of type ${type}`;
        }
        return cryptoVerify(
          scheme.hash,
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength },
          signature,
        )
          ? undefined
          : 'crypto/rsa: verification error';
      case 'ecdsa':
        if (type !== 'ec') return `x509: signature algorithm specifies an ECDSA public key, but have public key of type ${type}`;
        return cryptoVerify(scheme.hash, data, key, signature) ? undefined : 'x509: ECDSA verification failure';
      case 'ed25519':
        if (type !== 'ed25519') return `x509: signature algorithm specifies an Ed25519 public key, but have public key of type ${type}`;
        return cryptoVerify(null, data, key, signature) ? undefined : 'x509: Ed25519 verification failure';
    }
  } catch {
    // OpenSSL rejects some malformed signatures (wrong length, bad DER) by throwing.
    return scheme.kind === 'ecdsa'
      ? 'x509: ECDSA verification failure'
      : scheme.kind === 'ed25519'
        ? 'x509: Ed25519 verification failure'
        : 'crypto/rsa: verification error';
  }
}
