/** Object identifiers used by RFC 3161 tokens, CMS, X.509, CRLs and OCSP. */
export const OID = {
  // hashes
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  // signature algorithms
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  rsassaPss: '1.2.840.113549.1.1.10',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  mgf1: '1.2.840.113549.1.1.8',
  ecdsaWithSHA1: '1.2.840.10045.4.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
  // CMS (RFC 5652)
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  // RFC 3161 / ESS
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  baselineTimestampPolicy: '0.4.0.2023.1.1',
  // X.509 extensions
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  deltaCrlIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  certificateIssuer: '2.5.29.29',
  crlDistributionPoints: '2.5.29.31',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  freshestCrl: '2.5.29.46',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  // EKUs
  anyExtendedKeyUsage: '2.5.29.37.0',
  ekuCodeSigning: '1.3.6.1.5.5.7.3.3',
  ekuTimeStamping: '1.3.6.1.5.5.7.3.8',
  ekuOcspSigning: '1.3.6.1.5.5.7.3.9',
  // OCSP (RFC 6960)
  adOcsp: '1.3.6.1.5.5.7.48.1',
  adCaIssuers: '1.3.6.1.5.5.7.48.2',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
} as const;

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** tspclient-go's oid.ToHash: only SHA-256/384/512 are accepted for imprints and digests. */
export function tspHashFromOid(oid: string): HashName | undefined {
  switch (oid) {
    case OID.sha256:
      return 'sha256';
    case OID.sha384:
      return 'sha384';
    case OID.sha512:
      return 'sha512';
    default:
      return undefined;
  }
}

/** Any digest we can compute (SHA-1 included, for OCSP CertIDs and legacy CRL signatures). */
export function hashFromOid(oid: string): HashName | undefined {
  return oid === OID.sha1 ? 'sha1' : tspHashFromOid(oid);
}

export const HASH_LENGTH: Record<HashName, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };
