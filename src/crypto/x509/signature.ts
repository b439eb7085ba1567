import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';
import { KeyUsage, type Certificate } from './certificate.js';

/**
 * Certificate signature checks with Go crypto/x509 semantics (CheckSignature and
 * CheckSignatureFrom): which algorithms are refused, which parents may sign, and the exact
 * error texts, because notation-core-go embeds them in its chain errors.
 */

type Hash = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';
type KeyAlgo = 'RSA' | 'ECDSA' | 'Ed25519';

interface SigAlg {
  name: string;
  hash: Hash | undefined;
  key: KeyAlgo;
  pss?: boolean;
}

const SIG_ALGS: Record<string, SigAlg> = {
  '1.2.840.113549.1.1.4': { name: 'MD5-RSA', hash: 'md5', key: 'RSA' },
  '1.2.840.113549.1.1.5': { name: 'SHA1-RSA', hash: 'sha1', key: 'RSA' },
  '1.2.840.113549.1.1.11': { name: 'SHA256-RSA', hash: 'sha256', key: 'RSA' },
  '1.2.840.113549.1.1.12': { name: 'SHA384-RSA', hash: 'sha384', key: 'RSA' },
  '1.2.840.113549.1.1.13': { name: 'SHA512-RSA', hash: 'sha512', key: 'RSA' },
  '1.2.840.10045.4.1': { name: 'ECDSA-SHA1', hash: 'sha1', key: 'ECDSA' },
  '1.2.840.10045.4.3.2': { name: 'ECDSA-SHA256', hash: 'sha256', key: 'ECDSA' },
  '1.2.840.10045.4.3.3': { name: 'ECDSA-SHA384', hash: 'sha384', key: 'ECDSA' },
  '1.2.840.10045.4.3.4': { name: 'ECDSA-SHA512', hash: 'sha512', key: 'ECDSA' },
  '1.3.101.112': { name: 'Ed25519', hash: undefined, key: 'Ed25519' },
};

const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
const HASH_OIDS: Record<string, Hash> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const HASH_LEN: Record<Hash, number> = { md5: 16, sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

export const ERR_UNSUPPORTED_ALGORITHM = 'x509: cannot verify signature: algorithm unimplemented';
export const ERR_CONSTRAINT_VIOLATION = 'x509: invalid signature: parent certificate cannot sign this kind of certificate';

/** Go accepts RSASSA-PSS only in the three RFC 4055 shapes (same hash for MGF1, salt = hash size). */
function pssAlg(params: unknown): SigAlg | undefined {
  try {
    const p = new pkijs.RSASSAPSSParams({ schema: params as never });
    const hash = HASH_OIDS[p.hashAlgorithm.algorithmId];
    if (!hash) return undefined;
    const mgfHash = new pkijs.AlgorithmIdentifier({ schema: p.maskGenAlgorithm.algorithmParams as never });
    if (p.maskGenAlgorithm.algorithmId !== '1.2.840.113549.1.1.8' || HASH_OIDS[mgfHash.algorithmId] !== hash) return undefined;
    if (p.saltLength !== HASH_LEN[hash] || p.trailerField !== 1) return undefined;
    return { name: `${hash.toUpperCase()}-RSAPSS`, hash, key: 'RSA', pss: true };
  } catch {
    return undefined;
  }
}

function signatureAlgorithm(cert: Certificate): SigAlg | undefined {
  if (cert.signatureAlgorithmOid === OID_RSASSA_PSS) return pssAlg(cert.signatureAlgorithmParams);
  return SIG_ALGS[cert.signatureAlgorithmOid];
}

function keyAlgo(key: KeyObject): KeyAlgo | undefined {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RSA';
    case 'ec':
      return 'ECDSA';
    case 'ed25519':
      return 'Ed25519';
    default:
      return undefined;
  }
}

const GO_KEY_TYPE: Record<KeyAlgo, string> = { RSA: '*rsa.PublicKey', ECDSA: '*ecdsa.PublicKey', Ed25519: 'ed25519.PublicKey' };

/**
 * Go's checkSignature: verifies `sig` over `signed` with `key` for the certificate's
 * signature algorithm. Returns undefined on success, else Go's error text.
 */
export function checkSignature(cert: Certificate, signed: Uint8Array, sig: Uint8Array, key: KeyObject, allowSHA1: boolean): string | undefined {
  const alg = signatureAlgorithm(cert);
  if (!alg) return ERR_UNSUPPORTED_ALGORITHM;
  if (alg.hash === 'md5' || (alg.hash === 'sha1' && !allowSHA1)) {
    return `x509: cannot verify signature: insecure algorithm ${alg.name}`;
  }
  const have = keyAlgo(key);
  if (!have) return ERR_UNSUPPORTED_ALGORITHM;
  if (have !== alg.key) {
    return `x509: signature algorithm specifies an ${alg.key} public key, but have public key of type ${GO_KEY_TYPE[have]}`;
  }
  let ok = false;
  try {
    if (alg.key === 'RSA') {
      const padding = alg.pss ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
      const opts = alg.pss ? { key, padding, saltLength: HASH_LEN[alg.hash!] } : { key, padding };
      ok = cryptoVerify(alg.hash!, signed, opts, sig);
    } else if (alg.key === 'ECDSA') {
      ok = cryptoVerify(alg.hash!, signed, { key, dsaEncoding: 'der' }, sig);
    } else {
      ok = cryptoVerify(null, signed, key, sig);
    }
  } catch {
    ok = false;
  }
  if (ok) return undefined;
  switch (alg.key) {
    case 'RSA':
      return 'crypto/rsa: verification error';
    case 'ECDSA':
      return 'x509: ECDSA verification failure';
    default:
      return 'x509: Ed25519 verification failure';
  }
}

/** Go's Certificate.CheckSignatureFrom(parent), including its CA constraint checks. */
const signedBy = new WeakMap<Certificate, WeakMap<Certificate, { err: string | undefined }>>();

export function checkSignatureFrom(child: Certificate, parent: Certificate): string | undefined {
  let byParent = signedBy.get(child);
  if (!byParent) signedBy.set(child, (byParent = new WeakMap()));
  let v = byParent.get(parent);
  if (!v) byParent.set(parent, (v = { err: checkSignatureFromUncached(child, parent) }));
  return v.err;
}

function checkSignatureFromUncached(child: Certificate, parent: Certificate): string | undefined {
  const bc = parent.basicConstraints;
  // RFC 5280 4.2.1.9: a v3 certificate without basic constraints (or with cA false) must not sign.
  if ((parent.version === 3 && bc === undefined) || (bc !== undefined && !bc.isCA)) return ERR_CONSTRAINT_VIOLATION;
  if (parent.keyUsage !== 0 && (parent.keyUsage & KeyUsage.CertSign) === 0) return ERR_CONSTRAINT_VIOLATION;
  return checkSignature(child, child.tbs, child.signature, parent.publicKey, false);
}

// Parsed certificates are shared (see parseCertificateDer), so a verdict on one holds for good.
const selfSigned = new WeakMap<Certificate, { err: string | undefined }>();

/** Go's cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature). */
export function checkSelfSignature(cert: Certificate): string | undefined {
  let v = selfSigned.get(cert);
  if (!v) {
    v = { err: checkSignature(cert, cert.tbs, cert.signature, cert.publicKey, true) };
    selfSigned.set(cert, v);
  }
  return v.err;
}
