import { RatifyError } from '../../../src/errors.js';
import { parseCertificateDer, parseCertificates } from '../../../src/crypto/x509/index.js';
import { parseCertificate } from '../../../src/crypto/timestamp/index.js';
import { CertificateParseError } from '../../../src/crypto/timestamp/certificate.js';
import { certificateSeeds } from '../der-seeds.js';
import { pkiSeeds } from '../pki-seeds.js';
import { check, rejectsOnlyWith, utf8, type FuzzTarget } from '../target.js';
import { unique } from '../seeds.js';

/** Serial as crypto/x509 reports it (two's-complement hex) → the integer crypto/timestamp reports. */
function serialValue(hex: string): bigint {
  const v = BigInt(`0x${hex || '0'}`);
  const bits = BigInt(hex.length * 4);
  return hex.length > 0 && parseInt(hex[0]!, 16) >= 8 ? v - (1n << bits) : v;
}

/**
 * X.509 certificates, DER and PEM, through both of the project's readers: crypto/x509
 * (OpenSSL + pkijs, used for signing chains) and crypto/timestamp (asn1js walker, used for TSA,
 * CRL and OCSP chains). Clean rejects: RatifyError CERT_INVALID and CertificateParseError.
 * Differential: when both accept, they agree on version, serial, validity, subject and issuer.
 */
export const target: FuzzTarget = {
  name: 'x509',
  description: 'X.509 DER/PEM through both readers (crypto/x509: OpenSSL+pkijs; crypto/timestamp: asn1js); differential on version, serial, validity, names',
  maxLen: 8 * 1024,
  fuzz(data) {
    const a = rejectsOnlyWith([RatifyError], () => parseCertificateDer(data));
    const b = rejectsOnlyWith([CertificateParseError], () => parseCertificate(data));
    if (a && b) {
      check(a.version === b.version, `version: x509 ${a.version}, timestamp ${b.version}`);
      check(serialValue(a.serialNumber) === b.serialNumber, `serial: x509 ${a.serialNumber}, timestamp ${b.serialNumber}`);
      check(a.notBefore.getTime() === b.notBefore.getTime(), `notBefore: ${a.notBefore.toISOString()} vs ${b.notBefore.toISOString()}`);
      check(a.notAfter.getTime() === b.notAfter.getTime(), `notAfter: ${a.notAfter.toISOString()} vs ${b.notAfter.toISOString()}`);
      check(a.subject === b.subject, `subject: ${JSON.stringify(a.subject)} vs ${JSON.stringify(b.subject)}`);
      check(a.issuer === b.issuer, `issuer: ${JSON.stringify(a.issuer)} vs ${JSON.stringify(b.issuer)}`);
    }
    if (data.includes('-----BEGIN')) rejectsOnlyWith([RatifyError], () => parseCertificates(utf8(data)));
    else rejectsOnlyWith([RatifyError], () => parseCertificates(data));
  },
  seeds: async () => unique([...certificateSeeds(), ...(await pkiSeeds()).certificates]),
};
