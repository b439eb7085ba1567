import { LRUCache } from 'lru-cache';
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';
import * as asn1js from 'asn1js';
import { RatifyError } from '../../errors.js';
import { goNameString, type NameAttribute } from './name.js';

/** Go's x509.KeyUsage bits (bit i of the BIT STRING → 1 << i). */
export const KeyUsage = {
  DigitalSignature: 1 << 0,
  ContentCommitment: 1 << 1,
  KeyEncipherment: 1 << 2,
  DataEncipherment: 1 << 3,
  KeyAgreement: 1 << 4,
  CertSign: 1 << 5,
  CRLSign: 1 << 6,
  EncipherOnly: 1 << 7,
  DecipherOnly: 1 << 8,
} as const;

/** Extended key usage OIDs Go knows by name (anything else is an "unknown" EKU to Go). */
export const EKU = {
  Any: '2.5.29.37.0',
  ServerAuth: '1.3.6.1.5.5.7.3.1',
  ClientAuth: '1.3.6.1.5.5.7.3.2',
  CodeSigning: '1.3.6.1.5.5.7.3.3',
  EmailProtection: '1.3.6.1.5.5.7.3.4',
  IPSECEndSystem: '1.3.6.1.5.5.7.3.5',
  IPSECTunnel: '1.3.6.1.5.5.7.3.6',
  IPSECUser: '1.3.6.1.5.5.7.3.7',
  TimeStamping: '1.3.6.1.5.5.7.3.8',
  OCSPSigning: '1.3.6.1.5.5.7.3.9',
  MicrosoftServerGatedCrypto: '1.3.6.1.4.1.311.10.3.3',
  NetscapeServerGatedCrypto: '2.16.840.1.113730.4.1',
  MicrosoftCommercialCodeSigning: '1.3.6.1.4.1.311.2.1.22',
  MicrosoftKernelCodeSigning: '1.3.6.1.4.1.311.61.1.1',
} as const;

const KNOWN_EKUS = new Set<string>(Object.values(EKU));

export const OID_KEY_USAGE = '2.5.29.15';
export const OID_BASIC_CONSTRAINTS = '2.5.29.19';
export const OID_EXT_KEY_USAGE = '2.5.29.37';

export interface Extension {
  oid: string;
  critical: boolean;
  /** The extnValue OCTET STRING contents (DER of the extension itself). */
  value: Buffer;
}

export interface BasicConstraints {
  isCA: boolean;
  /** Present only when the certificate states pathLenConstraint. */
  maxPathLen?: number;
}

/**
 * A parsed certificate: the DER, node's view (for keys and quick checks), pkijs' view (for
 * anything structural), and the fields the Notary Project rules look at, decoded the way
 * Go's crypto/x509 decodes them.
 */
export interface Certificate {
  readonly der: Buffer;
  readonly node: X509Certificate;
  readonly pkijs: pkijs.Certificate;
  /** 1, 2 or 3 (Go's Version). */
  readonly version: number;
  /** Go pkix.Name.String() of the subject/issuer, e.g. `CN=x,O=y,C=US`. */
  readonly subject: string;
  readonly issuer: string;
  readonly subjectAttributes: readonly NameAttribute[];
  readonly issuerAttributes: readonly NameAttribute[];
  readonly rawSubject: Buffer;
  readonly rawIssuer: Buffer;
  /** Lower-case hex of the serial number's two's-complement bytes. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly tbs: Buffer;
  readonly signatureAlgorithmOid: string;
  /** The AlgorithmIdentifier parameters (needed for RSASSA-PSS). */
  readonly signatureAlgorithmParams: unknown;
  readonly signature: Buffer;
  readonly publicKey: KeyObject;
  readonly extensions: readonly Extension[];
  /** Go KeyUsage bitmask; 0 when the extension is absent. */
  readonly keyUsage: number;
  readonly basicConstraints: BasicConstraints | undefined;
  /** EKUs Go knows by name, in certificate order. */
  readonly extKeyUsage: readonly string[];
  /** EKUs Go does not know (its UnknownExtKeyUsage). */
  readonly unknownExtKeyUsage: readonly string[];
  /** Lower-case hex SHA-256 of the DER: notation's certificate thumbprint. */
  readonly sha256Fingerprint: string;
}

function invalid(msg: string, cause?: unknown): RatifyError {
  return new RatifyError('CERT_INVALID', msg, cause === undefined ? {} : { cause });
}

/**
 * Certificates are immutable and the same few signers recur in every signature, so parsed
 * certificates are kept by their DER bytes (parsing dominates verification time otherwise).
 */
const parsed = new LRUCache<string, Certificate>({ max: 2048 });

/** Parses one DER certificate. Throws CERT_INVALID with a Go-like "x509: ..." reason. */
export function parseCertificateDer(input: Uint8Array): Certificate {
  const key = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('base64');
  const hit = parsed.get(key);
  if (hit) return hit;
  const cert = parseUncached(input);
  parsed.set(key, cert);
  return cert;
}

function parseUncached(input: Uint8Array): Certificate {
  const der = Buffer.from(input);
  let node: X509Certificate;
  let cert: pkijs.Certificate;
  let end: number;
  try {
    // Both must accept it: OpenSSL is the stricter DER reader, pkijs gives us the structure.
    node = new X509Certificate(der);
    const asn = asn1js.fromBER(der);
    if (asn.offset === -1) throw new Error(asn.result.error);
    end = asn.offset;
    cert = new pkijs.Certificate({ schema: asn.result });
  } catch (e) {
    throw invalid(`x509: malformed certificate: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  // Go's x509.ParseCertificate; OpenSSL and pkijs ignore what follows the certificate.
  if (end !== der.length) throw invalid('x509: trailing data');
  // Go 1.23+ (GODEBUG x509negativeserial=0, the default for Ratify's and sigstore-go's Go versions).
  if ((cert.serialNumber.valueBlock.valueHexView[0] ?? 0) & 0x80) throw invalid('x509: negative serial number');

  const subjectAttributes = nameAttributes(cert.subject);
  const issuerAttributes = nameAttributes(cert.issuer);
  const extensions = (cert.extensions ?? []).map((e) => ({
    oid: e.extnID,
    critical: e.critical === true,
    value: Buffer.from(e.extnValue.valueBlock.valueHexView),
  }));
  const seen = new Set<string>();
  for (const e of extensions) {
    if (seen.has(e.oid)) throw invalid('x509: certificate contains duplicate extensions');
    seen.add(e.oid);
  }

  const { ekus, unknown } = extKeyUsage(extensions);
  let publicKey: KeyObject;
  try {
    publicKey = node.publicKey;
  } catch (e) {
    // OpenSSL reads the certificate but not its SubjectPublicKeyInfo: nothing could be verified with it.
    throw invalid(`x509: failed to parse public key: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  return {
    der,
    node,
    pkijs: cert,
    version: cert.version + 1,
    subject: goNameString(subjectAttributes),
    issuer: goNameString(issuerAttributes),
    subjectAttributes,
    issuerAttributes,
    rawSubject: Buffer.from(cert.subject.valueBeforeDecode),
    rawIssuer: Buffer.from(cert.issuer.valueBeforeDecode),
    serialNumber: Buffer.from(cert.serialNumber.valueBlock.valueHexView).toString('hex'),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    tbs: Buffer.from(cert.tbsView),
    signatureAlgorithmOid: cert.signatureAlgorithm.algorithmId,
    signatureAlgorithmParams: cert.signatureAlgorithm.algorithmParams,
    signature: Buffer.from(cert.signatureValue.valueBlock.valueHexView),
    publicKey,
    extensions,
    keyUsage: keyUsage(extensions),
    basicConstraints: basicConstraints(extensions),
    extKeyUsage: ekus,
    unknownExtKeyUsage: unknown,
    sha256Fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}

function nameAttributes(name: pkijs.RelativeDistinguishedNames): NameAttribute[] {
  return name.typesAndValues.map((tv) => ({ oid: tv.type, value: rdnString(tv.value) }));
}

// Go's parseASN1String: only these string types are accepted in names; others fail the parse.
function rdnString(v: unknown): string {
  const block = v as { idBlock?: { tagClass: number; tagNumber: number }; valueBlock?: { valueHexView?: Uint8Array } };
  const tag = block.idBlock?.tagNumber ?? -1;
  const raw = Buffer.from(block.valueBlock?.valueHexView ?? new Uint8Array());
  if (block.idBlock?.tagClass !== 1) throw invalid(`x509: invalid RDN value: unsupported string type: ${tag}`);
  switch (tag) {
    case 20: // T61String: Go keeps the raw bytes
      return raw.toString('latin1');
    case 19: // PrintableString
      if (!/^[A-Za-z0-9 '()+,\-./:=?*&]*$/.test(raw.toString('latin1'))) throw invalid('x509: invalid RDN value: invalid PrintableString');
      return raw.toString('latin1');
    case 12: // UTF8String
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(raw);
      } catch {
        throw invalid('x509: invalid RDN value: invalid UTF-8 string');
      }
    case 30: {
      // BMPString (UCS-2 big-endian); Go strips one trailing NUL character.
      if (raw.length % 2 !== 0) throw invalid('x509: invalid RDN value: invalid BMPString');
      let s = raw.swap16().toString('utf16le');
      if (s.endsWith('\0')) s = s.slice(0, -1);
      return s;
    }
    case 22: // IA5String
      if (raw.some((b) => b > 0x7f)) throw invalid('x509: invalid RDN value: invalid IA5String');
      return raw.toString('latin1');
    case 18: // NumericString
      if (!/^[0-9 ]*$/.test(raw.toString('latin1'))) throw invalid('x509: invalid RDN value: invalid NumericString');
      return raw.toString('latin1');
    default:
      throw invalid(`x509: invalid RDN value: unsupported string type: ${tag}`);
  }
}

function decodeExt(e: Extension, what: string): asn1js.AsnType {
  const parsed = asn1js.fromBER(e.value);
  if (parsed.offset === -1 || parsed.offset !== e.value.length) throw invalid(`x509: invalid ${what}`);
  return parsed.result;
}

function keyUsage(exts: readonly Extension[]): number {
  const e = exts.find((x) => x.oid === OID_KEY_USAGE);
  if (!e) return 0;
  const bits = decodeExt(e, 'key usage');
  if (!(bits instanceof asn1js.BitString)) throw invalid('x509: invalid key usage');
  const bytes = bits.valueBlock.valueHexView;
  const bitLength = bytes.length * 8 - bits.valueBlock.unusedBits;
  let usage = 0;
  for (let i = 0; i < 9 && i < bitLength; i++) {
    if (((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) usage |= 1 << i;
  }
  return usage;
}

function basicConstraints(exts: readonly Extension[]): BasicConstraints | undefined {
  const e = exts.find((x) => x.oid === OID_BASIC_CONSTRAINTS);
  if (!e) return undefined;
  const seq = decodeExt(e, 'basic constraints');
  if (!(seq instanceof asn1js.Sequence)) throw invalid('x509: invalid basic constraints');
  const out: BasicConstraints = { isCA: false };
  for (const item of seq.valueBlock.value) {
    if (item instanceof asn1js.Boolean) out.isCA = item.valueBlock.value;
    else if (item instanceof asn1js.Integer) {
      const n = item.valueBlock.valueDec;
      if (!Number.isSafeInteger(n) || n < 0) throw invalid('x509: invalid basic constraints');
      out.maxPathLen = n;
    } else throw invalid('x509: invalid basic constraints');
  }
  return out;
}

function extKeyUsage(exts: readonly Extension[]): { ekus: string[]; unknown: string[] } {
  const ekus: string[] = [];
  const unknown: string[] = [];
  const e = exts.find((x) => x.oid === OID_EXT_KEY_USAGE);
  if (!e) return { ekus, unknown };
  const seq = decodeExt(e, 'extended key usages');
  if (!(seq instanceof asn1js.Sequence)) throw invalid('x509: invalid extended key usages');
  for (const item of seq.valueBlock.value) {
    if (!(item instanceof asn1js.ObjectIdentifier)) throw invalid('x509: invalid extended key usages');
    const oid = item.valueBlock.toString();
    (KNOWN_EKUS.has(oid) ? ekus : unknown).push(oid);
  }
  return { ekus, unknown };
}

/** Go's ekuToString names, used in notation's EKU error messages. */
export function ekuName(oid: string): string {
  for (const [name, value] of Object.entries(EKU)) {
    if (value === oid) return name === 'TimeStamping' ? 'Timestamping' : name;
  }
  return oid;
}
