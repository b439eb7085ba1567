/**
 * Result types for certificate revocation checks, shaped after notation-core-go's
 * revocation/result package (per-server results folded into a per-certificate result, folded
 * again into one chain result by notation's revocationFinalResult rule).
 */
import type { RatifyError } from '../../errors.js';

/** ok: not revoked; revoked; unknown: no trustworthy answer (errors, unknown status, ...). */
export type RevocationStatus = 'ok' | 'revoked' | 'unknown';

/**
 * How the status was found: OCSP, CRL, OCSP that fell back to CRL, or none (root certificate, or a
 * certificate with neither OCSP nor CRL distribution points: notation's "NonRevokable").
 */
export type RevocationSource = 'ocsp' | 'crl' | 'ocspFallbackCrl' | 'none';

export type CertChainPurpose = 'codeSigning' | 'timestamping';

/** RFC 5280 5.3.1 CRLReason (also used by OCSP RevokedInfo). */
export const CRL_REASONS: Record<number, string> = {
  0: 'Unspecified',
  1: 'KeyCompromise',
  2: 'CACompromise',
  3: 'AffiliationChanged',
  4: 'Superseded',
  5: 'CessationOfOperation',
  6: 'CertificateHold',
  8: 'RemoveFromCRL',
  9: 'PrivilegeWithdrawn',
  10: 'AACompromise',
};

export function reasonName(code: number): string {
  return CRL_REASONS[code] ?? `invalid reason code with value ${code}`;
}

/** The answer of one OCSP responder or one CRL distribution point. */
export interface ServerResult {
  method: 'ocsp' | 'crl';
  /** Responder or CRL URL ('' when none applies). */
  url: string;
  status: RevocationStatus;
  error?: RatifyError;
  /** CRL/OCSP reason code when revoked. */
  reasonCode?: number;
  revocationTime?: Date;
}

export interface CertRevocationResult {
  subject: string;
  /** Serial number, lower-case hex. */
  serialNumber: string;
  status: RevocationStatus;
  source: RevocationSource;
  /** True for the root and for certificates without any revocation method (status is then 'ok'). */
  nonRevokable: boolean;
  /** The deciding error when status is 'unknown' (the last server error). */
  error?: RatifyError;
  reasonCode?: number;
  reason?: string;
  revocationTime?: Date;
  /** Every server consulted, OCSP results first when OCSP fell back to CRL. */
  servers: ServerResult[];
}

export interface ChainRevocationResult {
  /** Folded status: revoked if any is revoked, ok if all are ok, else unknown. */
  status: RevocationStatus;
  /** Leaf first, same order as the input chain. */
  certs: CertRevocationResult[];
  /** Index of the certificate that decided a non-ok status (the lowest revoked, else the lowest unknown). */
  problemIndex?: number;
  problemSubject?: string;
}
