import { parseCertificateDer, type Certificate } from '../../../crypto/x509/certificate.js';
import { RatifyError } from '../../../errors.js';
import { invalidSignature } from './errors.js';

/** The leaf is parsed first and alone, as notation does before checking the signature. */
export function parseLeaf(der: Uint8Array): Certificate {
  try {
    return parseCertificateDer(der);
  } catch {
    throw invalidSignature('malformed leaf certificate');
  }
}

/** Remaining x5c/x5chain entries; a parse failure reports the x509 error text. */
export function parseCertificates(ders: readonly Uint8Array[]): Certificate[] {
  return ders.map((der) => {
    try {
      return parseCertificateDer(der);
    } catch (e) {
      throw invalidSignature(e instanceof RatifyError ? e.detail : String(e));
    }
  });
}
