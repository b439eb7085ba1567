/**
 * The structural chain check revocation needs before asking anyone about a certificate: each
 * certificate is issued (name and signature) by the next, and the last one is self-signed.
 * Trust-store and purpose rules (EKU, key usage, validity) are src/crypto/x509's job.
 */
import { RatifyError } from '../../errors.js';
import { bytesEqual } from '../timestamp/der.js';
import { checkSignedBy } from '../timestamp/chain.js';
import { parseCertificates, type ParsedCertificate } from '../timestamp/certificate.js';

export type ChainInput = Array<ParsedCertificate | Uint8Array> | string;

export function invalidChain(detail: string): RatifyError {
  return new RatifyError('CERT_INVALID', `invalid chain: expected chain to be correct and complete: ${detail}`, {
    component: 'revocation',
  });
}

export function toChain(input: ChainInput): ParsedCertificate[] {
  try {
    if (typeof input === 'string') return parseCertificates(input);
    return input.map((c) => (c instanceof Uint8Array ? (parseCertificates(c)[0] as ParsedCertificate) : c));
  } catch (e) {
    throw invalidChain((e as Error).message);
  }
}

/** Throws invalidChain(...) unless chain[i] is issued by chain[i+1] and the last is self-signed. */
export function validateChainStructure(chain: ParsedCertificate[]): void {
  if (chain.length === 0) throw invalidChain('chain does not contain any certificates');
  for (let i = 0; i < chain.length - 1; i++) {
    const child = chain[i] as ParsedCertificate;
    const parent = chain[i + 1] as ParsedCertificate;
    if (!bytesEqual(child.issuerRaw, parent.subjectRaw)) {
      throw invalidChain(`certificate with subject "${child.subject}" is not issued by "${parent.subject}"`);
    }
    const err = checkSignedBy(child, parent);
    if (err) throw invalidChain(`invalid certificate chain: certificate with subject "${child.subject}" is not signed by "${parent.subject}": ${err}`);
  }
  const root = chain[chain.length - 1] as ParsedCertificate;
  if (!bytesEqual(root.issuerRaw, root.subjectRaw) || checkSignedBy(root, root) !== undefined) {
    throw invalidChain(`root certificate with subject "${root.subject}" is not self-signed`);
  }
}
