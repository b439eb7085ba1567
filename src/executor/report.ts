import type { RatifyError } from '../errors.js';
import type { Verifier, VerifierResult } from '../verifiers/types.js';
import type { NestedVerifierResult, ReportElement } from './types.js';

/** A config-policy report for one verifier result, in Ratify's field order (subject etc. are stamped later). */
export function reportElement(v: Verifier, r: VerifierResult): ReportElement {
  const e: ReportElement = { isSuccess: r.isSuccess, name: v.name, verifierName: v.name, type: v.type, verifierType: v.type };
  if (r.message) e.message = r.message;
  if (r.errorReason) e.errorReason = r.errorReason;
  if (r.remediation) e.remediation = r.remediation;
  if (r.extensions !== undefined && r.extensions !== null) e.extensions = r.extensions;
  if (r.skipped) e.skipped = true;
  return e;
}

/** Rego-shaped verifier result: message, name and extensions always present (extensions null when none). */
export function nestedVerifierResult(v: Verifier, r: VerifierResult): NestedVerifierResult {
  const e: NestedVerifierResult = { isSuccess: r.isSuccess, message: r.message ?? '', name: v.name, extensions: null };
  if (r.errorReason) e.errorReason = r.errorReason;
  if (r.remediation) e.remediation = r.remediation;
  // Assigned after the optional fields so that JSON keeps Ratify's order.
  const { extensions: _e, name: _n, ...head } = e;
  const out: NestedVerifierResult = { ...head, name: v.name, verifierName: v.name, type: v.type, verifierType: v.type, extensions: r.extensions ?? null };
  if (r.skipped) out.skipped = true;
  return out;
}

/** A report for a request-level error (config policy's ErrorToVerifyResult shape). */
export function errorReport(subject: string, err: RatifyError): ReportElement {
  const r: ReportElement = { subject, isSuccess: false, message: `failed to verify artifact: ${subject}`, errorReason: err.errorReason };
  const rem = err.effectiveRemediation;
  if (rem) r.remediation = rem;
  return r;
}
