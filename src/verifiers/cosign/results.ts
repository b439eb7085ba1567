import { RatifyError } from '../../errors.js';
import type { CheckTrace, VerifierResult } from '../types.js';
import type { KeyInformation } from './keys.js';

/** Ratify's texts (pkg/verifier/cosign/cosign.go), quoted exactly. */
export const Messages = {
  success: 'Verification success. Valid signatures found. Please refer to extensions field for verifications performed.',
  legacySuccess: 'Verification success. Valid signatures found',
  failure: 'Failed to validate the Cosign signature',
  noValidSignatures: 'no valid Cosign signatures found',
  legacyNoValidSignatures: 'no valid signatures found',
} as const;

/** cosign's "verifications performed" lines, as Ratify lists them in `summary`. */
export const Summary = {
  annotations: 'The specified annotations were verified.',
  claims: 'The cosign claims were validated.',
  offlineBundle: 'Existence of the claims in the transparency log was verified offline.',
  rekorClaims: 'The claims were present in the transparency log.',
  rekorSig: 'The signatures were integrated into the transparency log when the certificate was valid.',
  sigVerifier: 'The signatures were verified against the specified public key.',
  certVerifier: 'The code-signing certificate was verified using trusted certificate authority certificates.',
} as const;

/** One verification of one signature (Ratify's cosignExtension, fields in its JSON order). */
export interface VerificationRecord {
  signatureDigest?: string;
  isSuccess: boolean;
  bundleVerified: boolean;
  error?: string;
  /** Go's omitempty does not drop struct values: always present, `{}` when keyless. */
  keyInformation: KeyInformation;
  summary?: string[];
}

export interface SignatureRecord {
  signature: string;
  verifications: VerificationRecord[];
}

export function record(r: { signatureDigest?: string; ok: boolean; bundleVerified: boolean; error?: string; key?: KeyInformation; summary?: string[] }): VerificationRecord {
  // Built field by field so that JSON keeps Go's struct order.
  const out = {} as VerificationRecord;
  if (r.signatureDigest !== undefined) out.signatureDigest = r.signatureDigest;
  out.isSuccess = r.ok;
  out.bundleVerified = r.bundleVerified;
  if (r.error !== undefined) out.error = r.error;
  out.keyInformation = r.key ?? {};
  if (r.summary && r.summary.length > 0) out.summary = r.summary;
  return out;
}

/**
 * cosign's verificationPerformedMessage. `claims`: the payload's claims were checked (always for
 * ratify-ts, see README); `keyed`: a configured key rather than a certificate vouched.
 */
export function summaryFor(bundleVerified: boolean, keyed: boolean, claims: boolean): string[] {
  const s: string[] = [];
  if (claims) s.push(Summary.claims);
  if (bundleVerified) s.push(Summary.offlineBundle);
  s.push(keyed ? Summary.sigVerifier : Summary.certVerifier);
  return s;
}

/** Trust-policy mode extensions (Ratify's Extension; both fields omitempty). */
export function extensions(signatures: SignatureRecord[], trustPolicy: string | undefined): Record<string, unknown> {
  const e: Record<string, unknown> = {};
  if (signatures.length > 0) e.signatures = signatures;
  if (trustPolicy) e.trustPolicy = trustPolicy;
  return e;
}

/** Legacy mode extensions (LegacyExtension). */
export function legacyExtensions(records: VerificationRecord[]): Record<string, unknown> {
  return records.length > 0 ? { signatures: records } : {};
}

/**
 * Ratify's errorToVerifyResult: VERIFY_REFERENCE_FAILURE "Failed to validate the Cosign
 * signature" wrapping `err`. The message is GetDetail() (wrapper details, and the root's own
 * detail only when the root wraps an original error); errorReason is the root's original error
 * text, else its detail.
 */
export function errorResult(err: unknown, trace: CheckTrace[], extensionsValue?: unknown): VerifierResult {
  const parts: string[] = [Messages.failure];
  let errorReason: string;
  let remediation: string | undefined;
  if (err instanceof RatifyError) {
    let cur: RatifyError = err;
    for (;;) {
      const next = cur.cause instanceof RatifyError ? cur.cause : undefined;
      if (next !== undefined || cur.cause !== undefined) parts.push(cur.detail);
      if (next === undefined) break;
      cur = next;
    }
    errorReason = err.errorReason;
    remediation = err.effectiveRemediation;
  } else {
    errorReason = err instanceof Error ? err.message : String(err);
  }
  const r: VerifierResult = { isSuccess: false, message: parts.join(': '), errorReason, trace };
  if (remediation) r.remediation = remediation;
  if (extensionsValue !== undefined) r.extensions = extensionsValue;
  return r;
}
