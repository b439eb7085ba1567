/**
 * CMS SignedData (RFC 5652) as far as RFC 3161 tokens need it: parsing, signer lookup, the
 * signature over the signed attributes, and the signed-attribute checks. Error texts follow
 * tspclient-go's internal/cms ("cms: syntax error: ...", "cms verification failure: ...").
 */
import { berStructureError } from './ber.js';
import { createHash } from 'node:crypto';
import {
  Asn1Error,
  SeqReader,
  TAG,
  algorithmIdentifier,
  bytesEqual,
  children,
  content,
  decode,
  explicit,
  integer,
  isContext,
  isUniversal,
  octets,
  oid,
  raw,
  smallInt,
  time,
  type AlgorithmIdentifier,
  type Node,
} from './der.js';
import { OID, tspHashFromOid } from './oids.js';
import { parseCertificateNode, type ParsedCertificate } from './certificate.js';
import { schemeFor, verifySignature } from './signature.js';

/** "cms: syntax error: ..." */
export class CmsSyntaxError extends Error {
  constructor(msg: string, detail?: unknown) {
    super(`cms: syntax error${msg ? `: ${msg}` : ''}${detail !== undefined ? `: ${errText(detail)}` : ''}`);
    this.name = 'CmsSyntaxError';
  }
}

/** "cms verification failure: ..." */
export class CmsVerificationError extends Error {
  constructor(msg: string, detail?: unknown) {
    const parts = ['cms verification failure'];
    if (msg) parts.push(msg);
    if (detail !== undefined) parts.push(errText(detail));
    super(parts.join(': '));
    this.name = 'CmsVerificationError';
  }
}

export function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface Attribute {
  type: string;
  /** DER of each value in the attribute's SET. */
  values: Uint8Array[];
}

export type SignerIdentifier =
  | { kind: 'issuerAndSerial'; issuerRaw: Uint8Array; serialNumber: bigint }
  | { kind: 'subjectKeyIdentifier'; keyId: Uint8Array };

export interface SignerInfo {
  version: number;
  sid: SignerIdentifier;
  digestAlgorithm: AlgorithmIdentifier;
  /** Signed attributes in order; undefined when the field is absent. */
  signedAttributes: Attribute[] | undefined;
  /** DER of the signed attributes re-tagged as SET OF, i.e. what the signature covers. */
  signedAttributesDer: Uint8Array | undefined;
  signatureAlgorithm: AlgorithmIdentifier;
  signature: Uint8Array;
}

export interface ParsedSignedData {
  version: number;
  contentType: string;
  /** eContent octets (for a timestamp token: the DER TSTInfo). */
  content: Uint8Array;
  certificates: ParsedCertificate[];
  signerInfos: SignerInfo[];
}

export class AttributeNotFoundError extends Error {
  constructor() {
    super('attribute not found');
    this.name = 'AttributeNotFoundError';
  }
}

/** Parses a BER/DER ContentInfo holding SignedData. */
export function parseSignedData(ber: Uint8Array): ParsedSignedData {
  const structural = berStructureError(ber);
  if (structural) throw new CmsSyntaxError('invalid signed data: failed to convert from BER to DER', new Error(structural));
  let ci: SeqReader;
  let contentNode: Node;
  try {
    const root = decode(ber);
    ci = new SeqReader(root, 'ContentInfo');
    const ct = oid(ci.next('contentType'), 'contentType');
    const wrapped = ci.next('content');
    if (ct !== OID.signedData) throw new NotSignedDataError();
    if (!isContext(wrapped, 0)) throw new Asn1Error('asn1: structure error: ContentInfo.content must be [0] EXPLICIT');
    contentNode = explicit(wrapped, 'content');
  } catch (e) {
    if (e instanceof NotSignedDataError) throw e;
    throw new CmsSyntaxError('invalid content info: failed to unmarshal DER to ContentInfo', e);
  }

  let version: number;
  let contentType: string;
  let eContent: Uint8Array;
  let certNodes: Node[] = [];
  let signerNodes: Node[];
  try {
    const sd = new SeqReader(contentNode, 'SignedData');
    version = smallInt(sd.next('version'), 'version');
    const digestAlgs = sd.next('digestAlgorithms');
    if (!isUniversal(digestAlgs, TAG.SET)) throw new Asn1Error('asn1: structure error: digestAlgorithms must be a SET');
    const eci = new SeqReader(sd.next('encapContentInfo'), 'EncapsulatedContentInfo');
    contentType = oid(eci.next('eContentType'), 'eContentType');
    const ec = eci.optional((n) => isContext(n, 0));
    eContent = ec ? octets(explicit(ec, 'eContent'), 'eContent') : new Uint8Array(0);
    const certs = sd.optional((n) => isContext(n, 0));
    if (certs) certNodes = children(certs);
    sd.optional((n) => isContext(n, 1)); // crls: not used
    const sis = sd.next('signerInfos');
    if (!isUniversal(sis, TAG.SET)) throw new Asn1Error('asn1: structure error: signerInfos must be a SET');
    signerNodes = children(sis);
  } catch (e) {
    throw new CmsSyntaxError('invalid signed data', e);
  }
  if (version !== 3) throw new CmsSyntaxError(`unsupported signed data version: got ${version}, want 3`);

  let certificates: ParsedCertificate[];
  try {
    certificates = certNodes.map((n) => {
      if (!isUniversal(n, TAG.SEQUENCE)) throw new Asn1Error(`asn1: structure error: unsupported certificate choice ${n.idBlock.tagNumber}`);
      return parseCertificateNode(n);
    });
  } catch (e) {
    throw new CmsSyntaxError('failed to parse X.509 certificates from signed data. Only X.509 certificates are supported', e);
  }

  let signerInfos: SignerInfo[];
  try {
    signerInfos = signerNodes.map(parseSignerInfo);
  } catch (e) {
    throw new CmsSyntaxError('invalid signed data', e);
  }
  return { version, contentType, content: eContent, certificates, signerInfos };
}

/** The ContentInfo holds something other than SignedData. */
export class NotSignedDataError extends Error {
  constructor() {
    super('cms: content type is not signed-data');
    this.name = 'NotSignedDataError';
  }
}

function parseSignerInfo(n: Node, i: number): SignerInfo {
  const r = new SeqReader(n, `SignerInfo[${i}]`);
  const version = smallInt(r.next('version'), 'SignerInfo.version');
  const sidNode = r.next('sid');
  let sid: SignerIdentifier;
  if (isUniversal(sidNode, TAG.SEQUENCE)) {
    const ias = new SeqReader(sidNode, 'IssuerAndSerialNumber');
    const issuer = ias.next('issuer');
    sid = { kind: 'issuerAndSerial', issuerRaw: raw(issuer), serialNumber: integer(ias.next('serialNumber'), 'serialNumber') };
  } else if (isContext(sidNode, 0)) {
    sid = { kind: 'subjectKeyIdentifier', keyId: content(sidNode) };
  } else {
    throw new Asn1Error('asn1: structure error: unsupported SignerIdentifier');
  }
  const digestAlgorithm = algorithmIdentifier(r.next('digestAlgorithm'), 'digestAlgorithm');
  const sa = r.optional((x) => isContext(x, 0));
  let signedAttributes: Attribute[] | undefined;
  let signedAttributesDer: Uint8Array | undefined;
  if (sa) {
    signedAttributes = children(sa).map(parseAttribute);
    signedAttributesDer = new Uint8Array(raw(sa));
    signedAttributesDer[0] = 0x31; // [0] IMPLICIT -> SET OF (RFC 5652 5.4)
  }
  const signatureAlgorithm = algorithmIdentifier(r.next('signatureAlgorithm'), 'signatureAlgorithm');
  const signature = octets(r.next('signature'), 'signature');
  return { version, sid, digestAlgorithm, signedAttributes, signedAttributesDer, signatureAlgorithm, signature };
}

function parseAttribute(n: Node, i: number): Attribute {
  const r = new SeqReader(n, `Attribute[${i}]`);
  const type = oid(r.next('attrType'), 'attrType');
  const vals = r.next('attrValues');
  if (!isUniversal(vals, TAG.SET)) throw new Asn1Error('asn1: structure error: attrValues must be a SET');
  return { type, values: children(vals).map(raw) };
}

/** The single value of the attribute `type`; AttributeNotFoundError when absent. */
export function getAttribute(attrs: Attribute[] | undefined, type: string): Uint8Array {
  const found = (attrs ?? []).filter((a) => a.type === type);
  if (found.length === 0) throw new AttributeNotFoundError();
  if (found.length > 1) throw new Error(`duplicated attribute ${type}`);
  const values = (found[0] as Attribute).values;
  if (values.length !== 1) throw new Error(`attribute ${type} must have exactly one value, got ${values.length}`);
  return values[0] as Uint8Array;
}

/** The certificate with the given issuer name and serial number (RFC 5652 5.3). */
export function findCertificate(
  certs: ParsedCertificate[],
  issuerRaw: Uint8Array,
  serialNumber: bigint,
): ParsedCertificate | undefined {
  return certs.find((c) => c.serialNumber === serialNumber && bytesEqual(c.issuerRaw, issuerRaw));
}

/** RFC 5652 5.6: the signature over the signed attributes (or the content when there are none). */
export function verifySignerSignature(sd: ParsedSignedData, si: SignerInfo, cert: ParsedCertificate): void {
  const scheme = schemeFor(si.signatureAlgorithm, { digestOid: si.digestAlgorithm.oid });
  // tspclient-go maps only RSA (PKCS#1 v1.5, PSS) and ECDSA with SHA-256/384/512.
  if (typeof scheme === 'string' || scheme.kind === 'ed25519' || scheme.hash === 'sha1') {
    throw new CmsVerificationError('unknown signature algorithm');
  }
  const signed = si.signedAttributesDer ?? sd.content;
  const err = verifySignature(scheme, cert.publicKey, signed, si.signature);
  if (err) throw new CmsVerificationError('', new Error(err));
}

/**
 * RFC 5652 5.3/5.6 signed-attribute checks as tspclient-go does them: present, content-type
 * matching id-ct-TSTInfo, message digest over the content, and the signing time (if any)
 * within the validity of at least one chain. Returns the chain that satisfied them.
 */
export function verifySignedAttributes(
  sd: ParsedSignedData,
  si: SignerInfo,
  chains: ParsedCertificate[][],
): ParsedCertificate[] {
  if (chains.length === 0) {
    throw new CmsVerificationError('Failed to verify signed attributes because the certificate chain is empty.');
  }
  if (!si.signedAttributes || si.signedAttributes.length === 0) throw new CmsVerificationError('missing signed attributes');
  if (sd.contentType !== OID.tstInfo) {
    throw new Error(`unexpected content type: ${sd.contentType}. Expected to be id-ct-TSTInfo (${OID.tstInfo})`);
  }
  let ct: string;
  try {
    ct = oid(decode(getAttribute(si.signedAttributes, OID.contentType)), 'content type');
  } catch (e) {
    throw new CmsVerificationError('invalid content type', e);
  }
  if (ct !== sd.contentType) {
    throw new CmsVerificationError(`mismatch content type: found "${ct}" in signer info, and "${sd.contentType}" in signed data`);
  }
  let expected: Uint8Array;
  try {
    expected = octets(decode(getAttribute(si.signedAttributes, OID.messageDigest)), 'message digest');
  } catch (e) {
    throw new CmsVerificationError('invalid message digest', e);
  }
  const hash = tspHashFromOid(si.digestAlgorithm.oid);
  if (!hash) throw new CmsVerificationError('unsupported digest algorithm');
  const actual = createHash(hash).update(sd.content).digest();
  if (!bytesEqual(expected, actual)) throw new CmsVerificationError('mismatch message digest');

  let signingTime: Date;
  try {
    signingTime = time(decode(getAttribute(si.signedAttributes, OID.signingTime)), 'signing time');
  } catch (e) {
    if (e instanceof AttributeNotFoundError) return chains[0] as ParsedCertificate[];
    throw new CmsVerificationError('invalid signing time', e);
  }
  for (const chain of chains) {
    if (chain.every((c) => signingTime >= c.notBefore && signingTime <= c.notAfter)) return chain;
  }
  throw new CmsVerificationError(`signing time, ${signingTime.toISOString()}, is outside certificate's validity period`);
}
