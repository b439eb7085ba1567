/** X.509 CRL (RFC 5280 section 5) decoding: the fields revocation checking needs. */
import {
  SeqReader,
  TAG,
  algorithmIdentifier,
  bitString,
  children,
  decodeExact,
  explicit,
  extensions as readExtensions,
  generalizedTime,
  integer,
  isContext,
  isUniversal,
  raw,
  smallInt,
  time,
  decode,
  type AlgorithmIdentifier,
  type Extension,
  type Node,
} from '../../timestamp/der.js';
import { OID } from '../../timestamp/oids.js';

export interface RevokedEntry {
  serialNumber: bigint;
  revocationTime: Date;
  /** CRLReason; 0 (unspecified) when the entry has none, as Go reports it. */
  reasonCode: number;
  invalidityDate?: Date;
  /** Set when the invalidity date extension is present but malformed. */
  invalidityDateError?: string;
  extensions: Extension[];
}

export interface ParsedCrl {
  raw: Uint8Array;
  tbsRaw: Uint8Array;
  signatureAlgorithm: AlgorithmIdentifier;
  signature: Uint8Array;
  issuerRaw: Uint8Array;
  thisUpdate: Date;
  nextUpdate?: Date;
  revoked: RevokedEntry[];
  extensions: Extension[];
  crlNumber?: bigint;
}

export class CrlParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CrlParseError';
  }
}

/** Parses a DER CRL ("x509: malformed crl: ..." on failure). */
export function parseCrl(der: Uint8Array): ParsedCrl {
  try {
    return parse(der);
  } catch (e) {
    throw new CrlParseError(`x509: malformed crl: ${(e as Error).message}`);
  }
}

function parse(der: Uint8Array): ParsedCrl {
  const root = decodeExact(der, 'CRL');
  const crl = new SeqReader(root, 'CertificateList');
  const tbsNode = crl.next('tbsCertList');
  const signatureAlgorithm = algorithmIdentifier(crl.next('signatureAlgorithm'), 'signatureAlgorithm');
  const signature = bitString(crl.next('signatureValue'), 'signatureValue');

  const tbs = new SeqReader(tbsNode, 'TBSCertList');
  const v = tbs.optional((n) => isUniversal(n, TAG.INTEGER));
  if (v && smallInt(v, 'version') !== 1) throw new Error('unsupported CRL version');
  algorithmIdentifier(tbs.next('signature'), 'signature');
  const issuerNode = tbs.next('issuer');
  if (!isUniversal(issuerNode, TAG.SEQUENCE)) throw new Error('asn1: structure error: issuer must be a Name');
  const thisUpdate = time(tbs.next('thisUpdate'), 'thisUpdate');
  const nu = tbs.optional((n) => isUniversal(n, TAG.UTC_TIME) || isUniversal(n, TAG.GENERALIZED_TIME));
  const nextUpdate = nu ? time(nu, 'nextUpdate') : undefined;
  const rc = tbs.optional((n) => isUniversal(n, TAG.SEQUENCE));
  const revoked: RevokedEntry[] = rc ? children(rc).map(parseEntry) : [];
  const extNode = tbs.optional((n) => isContext(n, 0));
  const exts = extNode ? readExtensions(explicit(extNode, 'crlExtensions'), 'crlExtensions') : [];
  if (!tbs.done) throw new Error('asn1: syntax error: trailing data in TBSCertList');

  const num = exts.find((e) => e.oid === OID.crlNumber);
  return {
    raw: raw(root),
    tbsRaw: raw(tbsNode),
    signatureAlgorithm,
    signature,
    issuerRaw: raw(issuerNode),
    thisUpdate,
    ...(nextUpdate ? { nextUpdate } : {}),
    revoked,
    extensions: exts,
    ...(num ? { crlNumber: integer(decode(num.value), 'cRLNumber') } : {}),
  };
}

function parseEntry(n: Node, i: number): RevokedEntry {
  const r = new SeqReader(n, `revokedCertificates[${i}]`);
  const serialNumber = integer(r.next('userCertificate'), 'userCertificate');
  const revocationTime = time(r.next('revocationDate'), 'revocationDate');
  const extNode = r.optional((x) => isUniversal(x, TAG.SEQUENCE));
  const exts = extNode ? readExtensions(extNode, 'crlEntryExtensions') : [];
  let reasonCode = 0;
  let invalidityDate: Date | undefined;
  let invalidityDateError: string | undefined;
  for (const e of exts) {
    if (e.oid === OID.crlReason) reasonCode = smallInt(decode(e.value), 'reasonCode');
    // A bad invalidity date only matters for the certificate it names: the checker reports it.
    if (e.oid === OID.invalidityDate) {
      try {
        invalidityDate = generalizedTime(decodeExact(e.value, 'invalidity date'), 'invalidityDate');
      } catch (err) {
        invalidityDateError = `failed to parse invalidity date: ${(err as Error).message}`;
      }
    }
  }
  return {
    serialNumber,
    revocationTime,
    reasonCode,
    ...(invalidityDate ? { invalidityDate } : {}),
    ...(invalidityDateError ? { invalidityDateError } : {}),
    extensions: exts,
  };
}
