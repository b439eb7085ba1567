/**
 * CRL validation and lookup with notation-core-go's rules (revocation/internal/crl):
 * the CRL must not be expired and must be signed by the certificate's issuer; delta CRLs and
 * unknown critical extensions are refused; a listed serial is revoked unless the signing time
 * precedes the entry's invalidity date; CertificateHold/RemoveFromCRL entries are temporary and
 * the most recent one decides.
 */
import { bytesEqual } from '../../timestamp/der.js';
import { OID } from '../../timestamp/oids.js';
import { schemeFor, verifySignature } from '../../timestamp/signature.js';
import type { ParsedCertificate } from '../../timestamp/certificate.js';
import type { ParsedCrl, RevokedEntry } from './parse.js';

export const REASON_CERTIFICATE_HOLD = 6;
export const REASON_REMOVE_FROM_CRL = 8;

/** Clock difference tolerated for a CRL's thisUpdate. */
export const CRL_CLOCK_SKEW_MS = 5 * 60_000;

/** Throws Error (notation's words) when the CRL cannot be used for `issuer`'s certificates now. */
export function validateCrl(crl: ParsedCrl, issuer: ParsedCertificate, now: Date): void {
  // Expiry is checked first: an expired CRL is the most useful thing to report, whoever signed it.
  if (crl.nextUpdate && now.getTime() > crl.nextUpdate.getTime()) {
    throw new Error(`expired CRL. Current time ${now.toISOString()} is after CRL NextUpdate ${crl.nextUpdate.toISOString()}`);
  }
  // Not in notation: a CRL issued in the future means a wrong clock somewhere; do not trust it.
  if (crl.thisUpdate.getTime() > now.getTime() + CRL_CLOCK_SKEW_MS) {
    throw new Error(`CRL is not yet valid. Current time ${now.toISOString()} is before CRL ThisUpdate ${crl.thisUpdate.toISOString()}`);
  }
  if (!bytesEqual(crl.issuerRaw, issuer.subjectRaw)) {
    throw new Error(`CRL is not signed by CA ${issuer.subject}: CRL issuer does not match the certificate issuer`);
  }
  const scheme = schemeFor(crl.signatureAlgorithm, { allowSha1: true });
  const sigErr = typeof scheme === 'string' ? scheme : verifySignature(scheme, issuer.publicKey, crl.tbsRaw, crl.signature);
  if (sigErr) throw new Error(`CRL is not signed by CA ${issuer.subject}: ${sigErr}`);

  for (const ext of crl.extensions) {
    switch (ext.oid) {
      case OID.freshestCrl:
      case OID.deltaCrlIndicator:
        throw new Error('delta CRL is not supported');
      case OID.issuingDistributionPoint:
        // Scope of the CRL; every distribution point is checked anyway.
        break;
      default:
        if (ext.critical) throw new Error(`unsupported critical extension found in CRL: ${ext.oid}`);
    }
  }
}

export interface CrlLookup {
  revoked: boolean;
  reasonCode?: number;
  revocationTime?: Date;
}

/** Looks `cert` up in a validated CRL. Throws Error for an unusable matching entry. */
export function checkCrlRevocation(cert: ParsedCertificate, crl: ParsedCrl, signingTime?: Date): CrlLookup {
  let latestTemporary: RevokedEntry | undefined;
  for (const entry of crl.revoked) {
    if (entry.serialNumber !== cert.serialNumber) continue;
    for (const ext of entry.extensions) {
      if (ext.critical && ext.oid !== OID.invalidityDate && ext.oid !== OID.crlReason) {
        throw new Error(`unsupported critical extension found in CRL: ${ext.oid}`);
      }
    }
    if (entry.invalidityDateError) throw new Error(entry.invalidityDateError);
    // Signed before the key became invalid: not revoked at signing time (RFC 5280 5.3.2).
    if (signingTime && entry.invalidityDate && signingTime.getTime() < entry.invalidityDate.getTime()) continue;

    if (entry.reasonCode === REASON_CERTIFICATE_HOLD || entry.reasonCode === REASON_REMOVE_FROM_CRL) {
      if (!latestTemporary || latestTemporary.revocationTime.getTime() < entry.revocationTime.getTime()) {
        latestTemporary = entry;
      }
      continue;
    }
    return { revoked: true, reasonCode: entry.reasonCode, revocationTime: entry.revocationTime };
  }
  if (latestTemporary && latestTemporary.reasonCode === REASON_CERTIFICATE_HOLD) {
    return { revoked: true, reasonCode: REASON_CERTIFICATE_HOLD, revocationTime: latestTemporary.revocationTime };
  }
  return { revoked: false };
}
