/**
 * The ESS SigningCertificateV2 signed attribute (RFC 5035, RFC 5816) that binds a timestamp
 * token's signature to one certificate: which certificate in the token signed it, checked by
 * hash. tspclient-go accepts only v2; a token carrying only the v1 attribute is rejected.
 */
import { createHash } from 'node:crypto';
import {
  SeqReader,
  TAG,
  algorithmIdentifier,
  bytesEqual,
  children,
  decode,
  explicit,
  integer,
  isContext,
  isUniversal,
  octets,
  raw,
} from './der.js';
import { OID, tspHashFromOid, type HashName } from './oids.js';
import { errText, findCertificate, getAttribute, type ParsedSignedData, type SignerInfo } from './cms.js';
import type { ParsedCertificate } from './certificate.js';

interface EssCertIdV2 {
  /** undefined means the DEFAULT id-sha256. */
  hashAlgorithm: string | undefined;
  certHash: Uint8Array;
  issuerSerial?: { issuerNameRaw: Uint8Array | undefined; serialNumber: bigint };
}

/** SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies ... OPTIONAL } */
function decodeSigningCertificateV2(der: Uint8Array): EssCertIdV2[] {
  const r = new SeqReader(decode(der), 'SigningCertificateV2');
  const certs = r.next('certs');
  if (!isUniversal(certs, TAG.SEQUENCE)) throw new Error('asn1: structure error: SigningCertificateV2.certs must be a SEQUENCE');
  return children(certs).map((n, i) => {
    const e = new SeqReader(n, `ESSCertIDv2[${i}]`);
    const alg = e.optional((x) => isUniversal(x, TAG.SEQUENCE));
    const certHash = octets(e.next('certHash'), 'ESSCertIDv2.certHash');
    const is = e.optional((x) => isUniversal(x, TAG.SEQUENCE));
    let issuerSerial: EssCertIdV2['issuerSerial'];
    if (is) {
      // IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber INTEGER }
      const ir = new SeqReader(is, 'IssuerSerial');
      const generalNames = ir.next('issuer');
      if (!isUniversal(generalNames, TAG.SEQUENCE)) throw new Error('asn1: structure error: IssuerSerial.issuer must be GeneralNames');
      // Only the directoryName [4] choice identifies a certificate issuer.
      const dirName = children(generalNames).find((g) => isContext(g, 4));
      issuerSerial = {
        issuerNameRaw: dirName ? raw(explicit(dirName, 'directoryName')) : undefined,
        serialNumber: integer(ir.next('serialNumber'), 'IssuerSerial.serialNumber'),
      };
    }
    return {
      hashAlgorithm: alg ? algorithmIdentifier(alg, 'ESSCertIDv2.hashAlgorithm').oid : undefined,
      certHash,
      ...(issuerSerial ? { issuerSerial } : {}),
    };
  });
}

/**
 * The signing certificate named by the signer's SigningCertificateV2 attribute (by IssuerSerial,
 * or by the unsigned sid when IssuerSerial is absent), checked against its CertHash.
 * Throws Error with tspclient-go's texts.
 */
export function signingCertificate(sd: ParsedSignedData, si: SignerInfo): ParsedCertificate {
  let ids: EssCertIdV2[];
  try {
    ids = decodeSigningCertificateV2(getAttribute(si.signedAttributes, OID.signingCertificateV2));
  } catch (e) {
    throw new Error(`failed to get SigningCertificateV2 from signed attributes: ${errText(e)}`);
  }
  const first = ids[0];
  if (!first) throw new Error('signingCertificateV2 does not contain any certificate');

  let candidate: ParsedCertificate | undefined;
  if (first.issuerSerial) {
    if (!first.issuerSerial.issuerNameRaw) throw new Error('issuer name is missing in IssuerSerial');
    candidate = findCertificate(sd.certificates, first.issuerSerial.issuerNameRaw, first.issuerSerial.serialNumber);
  } else if (si.sid.kind === 'issuerAndSerial') {
    candidate = findCertificate(sd.certificates, si.sid.issuerRaw, si.sid.serialNumber);
  } else {
    const keyId = si.sid.keyId;
    candidate = sd.certificates.find((c) => c.subjectKeyId !== undefined && bytesEqual(c.subjectKeyId, keyId));
  }
  if (!candidate) throw new Error('signing certificate not found in the timestamp token');

  let hash: HashName = 'sha256';
  if (first.hashAlgorithm !== undefined) {
    const h = tspHashFromOid(first.hashAlgorithm);
    if (!h) throw new Error('unsupported certificate hash algorithm in SigningCertificateV2 attribute');
    hash = h;
  }
  const actual = createHash(hash).update(candidate.raw).digest();
  if (!bytesEqual(actual, first.certHash)) throw new Error('signing certificate hash does not match CertHash in signed attribute');
  return candidate;
}
