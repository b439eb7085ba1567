/**
 * The certificate checks trust stores apply, with Go crypto/x509 semantics because notation-go and
 * Ratify decide with them:
 * - `isCA`: Go's `cert.IsCA` (basicConstraints present with cA=TRUE).
 * - `isSelfSigned`: Go's `cert.CheckSignature(cert.SignatureAlgorithm, RawTBS, Signature)` — the
 *   certificate's own key verifies its signature (SHA-1 allowed, MD5 not).
 * - `rootCAError`: notation's `isRootCACertificate` — `CheckSignatureFrom(self)` (CA constraints, keyCertSign,
 *   SHA-1 rejected) and identical raw subject and issuer — returning Go's error text.
 */
import type { X509Certificate } from 'node:crypto';
import { certificateNames, formatIssuer, formatSubject, goQuote } from '../../../crypto/dn.js';

interface Tlv {
  tag: number;
  contentStart: number;
  end: number;
}

function tlv(der: Uint8Array, pos: number, limit: number): Tlv {
  const tag = der[pos]!;
  let p = pos + 1;
  let len = der[p++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[p++]!;
  }
  if (p + len > limit) throw new Error('x509: malformed certificate');
  return { tag, contentStart: p, end: p + len };
}

function kids(der: Uint8Array, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = t.contentStart; p < t.end; ) {
    const c = tlv(der, p, t.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

function oidHex(der: Uint8Array, t: Tlv): string {
  return Buffer.from(der.subarray(t.contentStart, t.end)).toString('hex');
}

/** DER contents of OIDs we look for, hex-encoded. */
const OID = {
  basicConstraints: '551d13', // 2.5.29.19
  keyUsage: '551d0f', // 2.5.29.15
  md2WithRSA: '2a864886f70d010102',
  md5WithRSA: '2a864886f70d010104',
  sha1WithRSA: '2a864886f70d010105',
  ecdsaWithSHA1: '2a8648ce3d0401',
  dsaWithSHA1: '2a8648ce380403',
} as const;

/** Go's names for the insecure signature algorithms it refuses. */
const INSECURE: Readonly<Record<string, { name: string; sha1: boolean }>> = {
  [OID.md2WithRSA]: { name: 'MD2-RSA', sha1: false },
  [OID.md5WithRSA]: { name: 'MD5-RSA', sha1: false },
  [OID.sha1WithRSA]: { name: 'SHA1-RSA', sha1: true },
  [OID.ecdsaWithSHA1]: { name: 'ECDSA-SHA1', sha1: true },
  [OID.dsaWithSHA1]: { name: 'DSA-SHA1', sha1: true },
};

export interface CertFacts {
  /** 1, 2 or 3 (Go's Version). */
  version: number;
  /** The basicConstraints extension is present (Go's BasicConstraintsValid). */
  basicConstraintsValid: boolean;
  /** basicConstraints cA (Go's IsCA). */
  isCA: boolean;
  /** Go's KeyUsage bit mask (bit 0 = digitalSignature, bit 5 = keyCertSign); 0 when absent. */
  keyUsage: number;
  /** Hex of the signature algorithm OID's DER contents. */
  signatureAlgorithm: string;
}

const factsCache = new WeakMap<X509Certificate, CertFacts>();

/** Reads the fields Go consults from the certificate's DER (cached per certificate object). */
export function certFacts(cert: X509Certificate): CertFacts {
  const cached = factsCache.get(cert);
  if (cached) return cached;
  const der = cert.raw;
  const outer = tlv(der, 0, der.length);
  const [tbs, sigAlg] = kids(der, outer);
  if (!tbs || !sigAlg) throw new Error('x509: malformed certificate');
  const fields = kids(der, tbs);
  let version = 1;
  if (fields[0]?.tag === 0xa0) {
    const v = kids(der, fields[0])[0];
    if (v) version = der[v.end - 1]! + 1;
  }
  const facts: CertFacts = {
    version,
    basicConstraintsValid: false,
    isCA: false,
    keyUsage: 0,
    signatureAlgorithm: oidHex(der, kids(der, sigAlg)[0]!),
  };
  const extWrapper = fields.find((f) => f.tag === 0xa3);
  const extList = extWrapper ? kids(der, extWrapper)[0] : undefined;
  for (const ext of extList ? kids(der, extList) : []) {
    const parts = kids(der, ext);
    const id = oidHex(der, parts[0]!);
    const value = parts[parts.length - 1]!; // OCTET STRING (critical BOOLEAN may sit between)
    const inner = tlv(der, value.contentStart, value.end);
    if (id === OID.basicConstraints) {
      facts.basicConstraintsValid = true;
      const first = kids(der, inner)[0];
      facts.isCA = first?.tag === 0x01 && der[first.contentStart] !== 0;
    } else if (id === OID.keyUsage && inner.tag === 0x03 && inner.end - inner.contentStart > 1) {
      // BIT STRING: first octet is the unused-bit count; Go reads the first 9 bits, MSB first.
      const bits = der.subarray(inner.contentStart + 1, inner.end);
      let usage = 0;
      for (let i = 0; i < 9; i++) {
        const byte = bits[i >> 3] ?? 0;
        if (byte & (0x80 >> (i & 7))) usage |= 1 << i;
      }
      facts.keyUsage = usage;
    }
  }
  factsCache.set(cert, facts);
  return facts;
}

const KEY_USAGE_CERT_SIGN = 1 << 5;

/** Go's `cert.IsCA`. */
export function isCA(cert: X509Certificate): boolean {
  return certFacts(cert).isCA;
}

/** Go's error when the public key does not verify the signature, by key type. */
function verificationFailure(cert: X509Certificate): string {
  switch (cert.publicKey.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return 'crypto/rsa: verification error';
    case 'ec':
      return 'x509: ECDSA verification failure';
    case 'ed25519':
      return 'x509: Ed25519 verification failure';
    default:
      return 'x509: cannot verify signature: algorithm unimplemented';
  }
}

/**
 * Go `checkSignature` of the certificate's own signature with its own key; returns Go's error text,
 * or undefined when it verifies.
 */
function selfSignatureError(cert: X509Certificate, allowSHA1: boolean): string | undefined {
  const insecure = INSECURE[certFacts(cert).signatureAlgorithm];
  if (insecure && (!insecure.sha1 || !allowSHA1)) {
    const override = insecure.name === 'SHA1-RSA' || insecure.name === 'ECDSA-SHA1' ? ' (temporarily override with GODEBUG=x509sha1=1)' : '';
    return insecure.name === 'MD2-RSA'
      ? 'x509: cannot verify signature: algorithm unimplemented'
      : `x509: cannot verify signature: insecure algorithm ${insecure.name}${override}`;
  }
  let ok = false;
  try {
    ok = cert.verify(cert.publicKey);
  } catch {
    ok = false;
  }
  return ok ? undefined : verificationFailure(cert);
}

/** Go's `cert.CheckSignature(...)` with the certificate's own key succeeds (a self-signed certificate). */
export function isSelfSigned(cert: X509Certificate): boolean {
  return selfSignatureError(cert, true) === undefined;
}

/** Trust store rule shared by notation-go and Ratify: a CA certificate or a self-signed one. */
export function isCAOrSelfSigned(cert: X509Certificate): boolean {
  return isCA(cert) || isSelfSigned(cert);
}

/**
 * notation-go `isRootCACertificate`: undefined for a root CA, else notation's error text
 * (`certificate with subject "..." is not a root CA certificate: ...`).
 */
export function rootCAError(cert: X509Certificate): string | undefined {
  const f = certFacts(cert);
  const subject = formatSubject(cert);
  const notRoot = (why: string) => `certificate with subject ${goQuote(subject)} is not a root CA certificate: ${why}`;
  // CheckSignatureFrom(parent = itself)
  if ((f.version === 3 && !f.basicConstraintsValid) || (f.basicConstraintsValid && !f.isCA)) {
    return notRoot('x509: invalid signature: parent certificate cannot sign this kind of certificate');
  }
  if (f.keyUsage !== 0 && (f.keyUsage & KEY_USAGE_CERT_SIGN) === 0) {
    return notRoot('x509: invalid signature: parent certificate cannot sign this kind of certificate');
  }
  const sigErr = selfSignatureError(cert, false);
  if (sigErr !== undefined) return notRoot(sigErr);
  const { issuerDer, subjectDer } = certificateNames(cert);
  if (!Buffer.from(issuerDer).equals(Buffer.from(subjectDer))) {
    return notRoot(`issuer (${formatIssuer(cert)}) and subject (${subject}) are not the same`);
  }
  return undefined;
}
