/**
 * OCSP response (RFC 6960 4.2) decoding and verification: the response must be signed by the
 * certificate's issuer or by a delegated responder that the issuer certified for OCSP signing,
 * must contain a SingleResponse for the certificate, and must be current (thisUpdate not in the
 * future, nextUpdate present and not passed — notation treats a response without nextUpdate as
 * expired).
 */
import { createHash } from 'node:crypto';
import {
  SeqReader,
  TAG,
  algorithmIdentifier,
  bitString,
  bytesEqual,
  children,
  decodeExact,
  explicit,
  extensions as readExtensions,
  generalizedTime,
  integer,
  isContext,
  isUniversal,
  octets,
  oid,
  raw,
  smallInt,
  type AlgorithmIdentifier,
  type Extension,
  type Node,
} from '../../timestamp/der.js';
import { OID, hashFromOid } from '../../timestamp/oids.js';
import { parseCertificateNode, type ParsedCertificate } from '../../timestamp/certificate.js';
import { checkSignedBy } from '../../timestamp/chain.js';
import { schemeFor, verifySignature } from '../../timestamp/signature.js';

export type CertStatus = 'good' | 'revoked' | 'unknown';

export interface SingleResponse {
  certId: { hashOid: string; issuerNameHash: Uint8Array; issuerKeyHash: Uint8Array; serialNumber: bigint };
  status: CertStatus;
  revocationTime?: Date;
  revocationReason?: number;
  thisUpdate: Date;
  nextUpdate?: Date;
  extensions: Extension[];
}

export interface BasicOcspResponse {
  tbsRaw: Uint8Array;
  responderId: { byName?: Uint8Array; byKey?: Uint8Array };
  producedAt: Date;
  responses: SingleResponse[];
  extensions: Extension[];
  signatureAlgorithm: AlgorithmIdentifier;
  signature: Uint8Array;
  certs: ParsedCertificate[];
}

/** An OCSP answer we cannot use; `message` follows notation / x/crypto/ocsp wording. */
export class OcspResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OcspResponseError';
  }
}

const STATUS_ERRORS: Record<number, string> = {
  1: 'OCSP malformed',
  2: 'OCSP internal error',
  3: 'OCSP try later',
  5: 'OCSP signature required',
  6: 'OCSP unauthorized',
};

export function parseOcspResponse(der: Uint8Array): BasicOcspResponse {
  let status: number;
  let basicDer: Uint8Array | undefined;
  try {
    const r = new SeqReader(decodeExact(der, 'OCSPResponse'), 'OCSPResponse');
    status = smallInt(r.next('responseStatus'), 'responseStatus');
    const rb = r.optional((n) => isContext(n, 0));
    if (rb) {
      const bytes = new SeqReader(explicit(rb, 'responseBytes'), 'ResponseBytes');
      const type = oid(bytes.next('responseType'), 'responseType');
      if (type !== OID.ocspBasic) throw new OcspResponseError(`ocsp: bad OCSP response type ${type}`);
      basicDer = octets(bytes.next('response'), 'response');
    }
  } catch (e) {
    if (e instanceof OcspResponseError) throw e;
    throw new OcspResponseError(`ocsp: malformed response: ${(e as Error).message}`);
  }
  if (status !== 0) throw new OcspResponseError(STATUS_ERRORS[status] ?? `ocsp: error from server: status ${status}`);
  if (!basicDer) throw new OcspResponseError('ocsp: malformed response: successful response without responseBytes');
  try {
    return parseBasic(basicDer);
  } catch (e) {
    throw new OcspResponseError(`ocsp: malformed response: ${(e as Error).message}`);
  }
}

function parseBasic(der: Uint8Array): BasicOcspResponse {
  const basic = new SeqReader(decodeExact(der, 'BasicOCSPResponse'), 'BasicOCSPResponse');
  const tbsNode = basic.next('tbsResponseData');
  const signatureAlgorithm = algorithmIdentifier(basic.next('signatureAlgorithm'), 'signatureAlgorithm');
  const signature = bitString(basic.next('signature'), 'signature');
  const certsNode = basic.optional((n) => isContext(n, 0));
  const certs = certsNode ? children(explicit(certsNode, 'certs')).map(parseCertificateNode) : [];

  const tbs = new SeqReader(tbsNode, 'ResponseData');
  const v = tbs.optional((n) => isContext(n, 0));
  if (v && smallInt(explicit(v, 'version'), 'version') !== 0) throw new Error('unsupported OCSP response version');
  const rid = tbs.next('responderID');
  let responderId: BasicOcspResponse['responderId'];
  if (isContext(rid, 1)) responderId = { byName: raw(explicit(rid, 'responderID.byName')) };
  else if (isContext(rid, 2)) responderId = { byKey: octets(explicit(rid, 'responderID.byKey'), 'responderID.byKey') };
  else throw new Error('asn1: structure error: invalid responderID');
  const producedAt = generalizedTime(tbs.next('producedAt'), 'producedAt');
  const rs = tbs.next('responses');
  if (!isUniversal(rs, TAG.SEQUENCE)) throw new Error('asn1: structure error: responses must be a SEQUENCE');
  const responses = children(rs).map(parseSingle);
  const extNode = tbs.optional((n) => isContext(n, 1));
  const exts = extNode ? readExtensions(explicit(extNode, 'responseExtensions'), 'responseExtensions') : [];
  return { tbsRaw: raw(tbsNode), responderId, producedAt, responses, extensions: exts, signatureAlgorithm, signature, certs };
}

function parseSingle(n: Node, i: number): SingleResponse {
  const r = new SeqReader(n, `SingleResponse[${i}]`);
  const cid = new SeqReader(r.next('certID'), 'CertID');
  const hashOid = algorithmIdentifier(cid.next('hashAlgorithm'), 'hashAlgorithm').oid;
  const issuerNameHash = octets(cid.next('issuerNameHash'), 'issuerNameHash');
  const issuerKeyHash = octets(cid.next('issuerKeyHash'), 'issuerKeyHash');
  const serialNumber = integer(cid.next('serialNumber'), 'serialNumber');
  const cs = r.next('certStatus');
  let status: CertStatus;
  let revocationTime: Date | undefined;
  let revocationReason: number | undefined;
  if (isContext(cs, 0)) status = 'good';
  else if (isContext(cs, 2)) status = 'unknown';
  else if (isContext(cs, 1)) {
    status = 'revoked';
    const info = children(cs);
    const t = info[0];
    if (!t) throw new Error('asn1: syntax error: RevokedInfo truncated');
    revocationTime = generalizedTime(t, 'revocationTime');
    const reason = info[1];
    if (reason && isContext(reason, 0)) revocationReason = smallInt(explicit(reason, 'revocationReason'), 'revocationReason');
  } else throw new Error('asn1: structure error: invalid certStatus');
  const thisUpdate = generalizedTime(r.next('thisUpdate'), 'thisUpdate');
  const nu = r.optional((x) => isContext(x, 0));
  const nextUpdate = nu ? generalizedTime(explicit(nu, 'nextUpdate'), 'nextUpdate') : undefined;
  const se = r.optional((x) => isContext(x, 1));
  const exts = se ? readExtensions(explicit(se, 'singleExtensions'), 'singleExtensions') : [];
  return {
    certId: { hashOid, issuerNameHash, issuerKeyHash, serialNumber },
    status,
    ...(revocationTime ? { revocationTime } : {}),
    ...(revocationReason !== undefined ? { revocationReason } : {}),
    thisUpdate,
    ...(nextUpdate ? { nextUpdate } : {}),
    extensions: exts,
  };
}

export interface VerifyOcspOptions {
  now: Date;
  /** Tolerated clock difference for thisUpdate (default 5 minutes). */
  clockSkewMs?: number;
}

/**
 * Verifies `resp` for `cert` issued by `issuer` and returns the matching SingleResponse.
 * Throws OcspResponseError.
 */
export function verifyOcspResponse(
  resp: BasicOcspResponse,
  cert: ParsedCertificate,
  issuer: ParsedCertificate,
  opts: VerifyOcspOptions,
): SingleResponse {
  verifyResponder(resp, issuer, opts.now);

  const single = resp.responses.find((s) => matches(s, cert, issuer));
  if (!single) throw new OcspResponseError('ocsp: no response matching the supplied certificate');

  const skew = opts.clockSkewMs ?? 5 * 60_000;
  if (single.thisUpdate.getTime() > opts.now.getTime() + skew) {
    throw new OcspResponseError(`OCSP response is not yet valid: thisUpdate ${single.thisUpdate.toISOString()} is in the future`);
  }
  if (!single.nextUpdate || opts.now.getTime() > single.nextUpdate.getTime()) {
    throw new OcspResponseError('expired OCSP response');
  }
  return single;
}

function matches(s: SingleResponse, cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  if (s.certId.serialNumber !== cert.serialNumber) return false;
  const h = hashFromOid(s.certId.hashOid);
  if (!h) return false;
  return (
    bytesEqual(createHash(h).update(issuer.subjectRaw).digest(), s.certId.issuerNameHash) &&
    bytesEqual(createHash(h).update(issuer.publicKeyBits).digest(), s.certId.issuerKeyHash)
  );
}

function identifies(resp: BasicOcspResponse, c: ParsedCertificate): boolean {
  const { byName, byKey } = resp.responderId;
  if (byName) return bytesEqual(byName, c.subjectRaw);
  if (byKey) return bytesEqual(byKey, createHash('sha1').update(c.publicKeyBits).digest());
  return false;
}

function checkResponseSignature(resp: BasicOcspResponse, signer: ParsedCertificate): string | undefined {
  const scheme = schemeFor(resp.signatureAlgorithm, { allowSha1: true });
  if (typeof scheme === 'string') return scheme;
  return verifySignature(scheme, signer.publicKey, resp.tbsRaw, resp.signature);
}

/** The issuer itself, or a delegated responder certificate issued by it with id-kp-OCSPSigning. */
function verifyResponder(resp: BasicOcspResponse, issuer: ParsedCertificate, now: Date): void {
  if (identifies(resp, issuer) || resp.certs.length === 0) {
    const err = checkResponseSignature(resp, issuer);
    if (!err) return;
    if (resp.certs.length === 0) throw new OcspResponseError(`bad OCSP signature: ${err}`);
  }
  const delegates = resp.certs.filter((c) => identifies(resp, c));
  const candidates = delegates.length > 0 ? delegates : resp.certs;
  let lastErr = 'no responder certificate found';
  for (const d of candidates) {
    if (!bytesEqual(d.issuerRaw, issuer.subjectRaw)) {
      lastErr = `responder certificate "${d.subject}" is not issued by "${issuer.subject}"`;
      continue;
    }
    const issuedErr = checkSignedBy(d, issuer);
    if (issuedErr) {
      lastErr = `bad signature on embedded certificate: ${issuedErr}`;
      continue;
    }
    if (!(d.extKeyUsage ?? []).includes(OID.ekuOcspSigning)) {
      lastErr = `responder certificate "${d.subject}" is not authorized for OCSP signing (missing id-kp-OCSPSigning)`;
      continue;
    }
    if (now.getTime() < d.notBefore.getTime() || now.getTime() > d.notAfter.getTime()) {
      lastErr = `responder certificate "${d.subject}" is not valid at ${now.toISOString()}`;
      continue;
    }
    const sigErr = checkResponseSignature(resp, d);
    if (sigErr) {
      lastErr = sigErr;
      continue;
    }
    return;
  }
  throw new OcspResponseError(`bad OCSP signature: ${lastErr}`);
}

/** The invalidity date single extension (notation compares it with the signing time). */
export function invalidityDate(s: SingleResponse): Date | undefined {
  const ext = s.extensions.find((e) => e.oid === OID.invalidityDate);
  if (!ext) return undefined;
  try {
    return generalizedTime(decodeExact(ext.value, 'invalidity date'), 'invalidityDate');
  } catch {
    return undefined;
  }
}
