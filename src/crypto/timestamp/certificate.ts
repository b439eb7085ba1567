/**
 * A minimal X.509 certificate model: the fields CMS signer lookup, chain building, CRL and OCSP
 * checks need, with the raw DER of every part we compare or hash. (Full code-signing chain rules
 * live in src/crypto/x509; this is deliberately small.)
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import {
  Asn1Error,
  SeqReader,
  TAG,
  algorithmIdentifier,
  bitString,
  boolean,
  children,
  content,
  decode,
  explicit,
  extensions as readExtensions,
  integer,
  isContext,
  isUniversal,
  oid,
  raw,
  smallInt,
  time,
  type AlgorithmIdentifier,
  type Extension,
  type Node,
} from './der.js';
import { OID } from './oids.js';
import { goNameString, type NameAttribute } from '../x509/name.js';

export interface ParsedCertificate {
  raw: Uint8Array;
  tbsRaw: Uint8Array;
  signatureAlgorithm: AlgorithmIdentifier;
  signature: Uint8Array;
  version: number;
  serialNumber: bigint;
  issuerRaw: Uint8Array;
  subjectRaw: Uint8Array;
  /** Go pkix.Name.String() form, e.g. "CN=LeafCert,O=Organization,C=US". */
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  spkiRaw: Uint8Array;
  /** subjectPublicKey BIT STRING payload (what OCSP's issuerKeyHash hashes). */
  publicKeyBits: Uint8Array;
  publicKey: KeyObject;
  extensions: Extension[];
  basicConstraints?: { ca: boolean; pathLen?: number };
  /** Extended key usage OIDs; undefined when the extension is absent. */
  extKeyUsage?: string[];
  extKeyUsageCritical: boolean;
  /** KeyUsage bits as in RFC 5280 (bit 0 = digitalSignature), when present. */
  keyUsage?: number;
  ocspServers: string[];
  crlDistributionPoints: string[];
  subjectKeyId?: Uint8Array;
}

export class CertificateParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateParseError';
  }
}

export function parseCertificate(der: Uint8Array): ParsedCertificate {
  try {
    return parseCertificateNode(decode(der));
  } catch (e) {
    if (e instanceof CertificateParseError) throw e;
    throw new CertificateParseError(`x509: malformed certificate: ${(e as Error).message}`);
  }
}

/** Parses a certificate that is already decoded (e.g. inside a CMS CertificateSet). */
export function parseCertificateNode(node: Node): ParsedCertificate {
  const cert = new SeqReader(node, 'Certificate');
  const tbsNode = cert.next('tbsCertificate');
  const signatureAlgorithm = algorithmIdentifier(cert.next('signatureAlgorithm'), 'signatureAlgorithm');
  const signature = bitString(cert.next('signatureValue'), 'signatureValue');

  const tbs = new SeqReader(tbsNode, 'TBSCertificate');
  const v = tbs.optional((n) => isContext(n, 0));
  const version = v ? smallInt(explicit(v, 'version'), 'version') + 1 : 1;
  const serialNumber = integer(tbs.next('serialNumber'), 'serialNumber');
  algorithmIdentifier(tbs.next('signature'), 'signature');
  const issuerNode = tbs.next('issuer');
  const validity = new SeqReader(tbs.next('validity'), 'validity');
  const notBefore = time(validity.next('notBefore'), 'notBefore');
  const notAfter = time(validity.next('notAfter'), 'notAfter');
  const subjectNode = tbs.next('subject');
  const spkiNode = tbs.next('subjectPublicKeyInfo');
  const spki = new SeqReader(spkiNode, 'subjectPublicKeyInfo');
  algorithmIdentifier(spki.next('algorithm'), 'subjectPublicKeyInfo.algorithm');
  const publicKeyBits = bitString(spki.next('subjectPublicKey'), 'subjectPublicKey');
  tbs.optional((n) => isContext(n, 1));
  tbs.optional((n) => isContext(n, 2));
  const extNode = tbs.optional((n) => isContext(n, 3));
  const exts = extNode ? readExtensions(explicit(extNode, 'extensions'), 'extensions') : [];

  const spkiRaw = raw(spkiNode);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(spkiRaw), format: 'der', type: 'spki' });
  } catch (e) {
    throw new CertificateParseError(`x509: unsupported public key: ${(e as Error).message}`);
  }

  const out: ParsedCertificate = {
    raw: raw(node),
    tbsRaw: raw(tbsNode),
    signatureAlgorithm,
    signature,
    version,
    serialNumber,
    issuerRaw: raw(issuerNode),
    subjectRaw: raw(subjectNode),
    subject: nameToString(nameNode(subjectNode)),
    issuer: nameToString(nameNode(issuerNode)),
    notBefore,
    notAfter,
    spkiRaw,
    publicKeyBits,
    publicKey,
    extensions: exts,
    extKeyUsageCritical: false,
    ocspServers: [],
    crlDistributionPoints: [],
  };
  for (const ext of exts) applyExtension(out, ext);
  return out;
}

function nameNode(n: Node): Node {
  if (!isUniversal(n, TAG.SEQUENCE)) throw new Asn1Error('asn1: structure error: Name must be a SEQUENCE');
  return n;
}

function applyExtension(c: ParsedCertificate, ext: Extension): void {
  const field = `extension ${ext.oid}`;
  switch (ext.oid) {
    case OID.basicConstraints: {
      const r = new SeqReader(decode(ext.value), field);
      const ca = r.optional((n) => isUniversal(n, TAG.BOOLEAN));
      const pl = r.optional((n) => isUniversal(n, TAG.INTEGER));
      c.basicConstraints = { ca: ca ? boolean(ca, field) : false, ...(pl ? { pathLen: smallInt(pl, field) } : {}) };
      break;
    }
    case OID.extKeyUsage: {
      const n = decode(ext.value);
      if (!isUniversal(n, TAG.SEQUENCE)) throw new Asn1Error(`asn1: structure error: ${field}`);
      c.extKeyUsage = children(n).map((x) => oid(x, field));
      c.extKeyUsageCritical = ext.critical;
      break;
    }
    case OID.keyUsage: {
      const bits = bitString(decode(ext.value), field);
      let v = 0;
      // The first octet holds bits 0..7 (most significant first), the second bit 8.
      for (let i = 0; i < 9; i++) {
        const byte = bits[i >> 3] ?? 0;
        if (byte & (0x80 >> (i & 7))) v |= 1 << i;
      }
      c.keyUsage = v;
      break;
    }
    case OID.authorityInfoAccess: {
      const n = decode(ext.value);
      for (const ad of children(n)) {
        const r = new SeqReader(ad, 'AccessDescription');
        const method = oid(r.next('accessMethod'), 'accessMethod');
        const loc = r.next('accessLocation');
        if (method === OID.adOcsp && isContext(loc, 6)) c.ocspServers.push(Buffer.from(content(loc)).toString('latin1'));
      }
      break;
    }
    case OID.crlDistributionPoints: {
      const n = decode(ext.value);
      for (const dp of children(n)) {
        const dpName = children(dp).find((x) => isContext(x, 0));
        if (!dpName) continue;
        const fullName = children(dpName).find((x) => isContext(x, 0));
        if (!fullName) continue;
        for (const gn of children(fullName)) {
          if (isContext(gn, 6)) c.crlDistributionPoints.push(Buffer.from(content(gn)).toString('latin1'));
        }
      }
      break;
    }
    case OID.subjectKeyIdentifier:
      c.subjectKeyId = content(decode(ext.value));
      break;
    default:
      break;
  }
}

/**
 * Renders a Name like Go's pkix.Name.String() for a parsed certificate, with the same renderer
 * crypto/x509 uses (so a TSA, CRL or OCSP certificate reads exactly like a signing certificate).
 */
export function nameToString(name: Node): string {
  const attrs: NameAttribute[] = [];
  for (const rdn of children(name)) {
    for (const atv of children(rdn)) {
      const [t, v] = children(atv);
      if (!t || !v) continue;
      attrs.push({ oid: oid(t, 'AttributeTypeAndValue.type'), value: Buffer.from(content(v)).toString('utf8') });
    }
  }
  return goNameString(attrs);
}

/** Parses a PEM bundle or a single DER certificate. */
export function parseCertificates(input: Uint8Array | string): ParsedCertificate[] {
  const text = typeof input === 'string' ? input : looksLikePem(input) ? Buffer.from(input).toString('latin1') : undefined;
  if (text === undefined) return [parseCertificate(input as Uint8Array)];
  const out: ParsedCertificate[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push(parseCertificate(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64')));
  }
  if (out.length === 0) throw new CertificateParseError('x509: no PEM certificate found');
  return out;
}

function looksLikePem(b: Uint8Array): boolean {
  return Buffer.from(b.subarray(0, 64)).toString('latin1').includes('-----BEGIN');
}

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Whether the certificate's subject and issuer are the same name (Go: self-issued). */
export function isSelfIssued(c: ParsedCertificate): boolean {
  return Buffer.compare(Buffer.from(c.issuerRaw), Buffer.from(c.subjectRaw)) === 0;
}
