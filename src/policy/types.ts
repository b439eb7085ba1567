import type { RatifyError } from '../errors.js';
import type { NestedReport, ReportElement, VerifyResult } from '../executor/types.js';

/**
 * Decides from the reports whether the subject may run (Ratify's PolicyProvider).
 * `shape` tells the executor how to build reports: `config` (first matching verifier,
 * nested only when asked) or `nested` (all matching verifiers, always recurse: the
 * input Ratify's Rego policy receives, which CEL policies also get).
 */
export interface PolicyProvider {
  /** "configpolicy" | "celpolicy" | ... */
  readonly type: string;
  readonly shape: 'config' | 'nested';
  overallResult(reports: ReportElement[] | NestedReport[], subject: string): Promise<PolicyDecision>;
  /** Config policy turns request errors into a failure report; others return undefined (the error propagates). */
  errorToResult(subject: string, err: RatifyError): VerifyResult | undefined;
}

export interface PolicyDecision {
  isSuccess: boolean;
  /** For --explain: which rule decided. */
  detail: string;
}
