import type { CheckTrace } from '../verifiers/types.js';

/** Config-policy report element (Ratify's VerifierResult as JSON, reference §2.3). */
export interface ReportElement {
  subject?: string;
  isSuccess: boolean;
  name?: string;
  verifierName?: string;
  type?: string;
  verifierType?: string;
  referenceDigest?: string;
  artifactType?: string;
  message?: string;
  errorReason?: string;
  remediation?: string;
  extensions?: unknown;
  /** ratify-ts: the verifier stepped aside for a newer referrer (latestOnly); isSuccess is false and policies ignore it. */
  skipped?: true;
  nestedResults?: ReportElement[];
}

/** One verifier's result inside a nested (Rego/CEL-shaped) report. */
export interface NestedVerifierResult {
  isSuccess: boolean;
  message: string;
  errorReason?: string;
  remediation?: string;
  name: string;
  verifierName?: string;
  type?: string;
  verifierType?: string;
  extensions: unknown;
  /** ratify-ts: see ReportElement.skipped. */
  skipped?: true;
}

/** Rego/CEL-shaped report element (Ratify's NestedVerifierReport). */
export interface NestedReport {
  subject: string;
  referenceDigest: string;
  artifactType: string;
  verifierReports: NestedVerifierResult[];
  nestedReports: NestedReport[];
}

/** What the executor returns: Ratify's VerifyResult. */
export interface VerifyResult {
  isSuccess: boolean;
  verifierReports: Array<ReportElement | NestedReport>;
  /** Only with a platform mode other than `index`: what was verified for each platform. */
  platforms?: Array<{ platform: string; digest: string; isSuccess: boolean }>;
}

/** A `--explain` record for one referrer. */
export interface ReferrerTrace {
  subject: string;
  digest: string;
  artifactType: string;
  store: string;
  depth: number;
  /** Why no verifier ran. */
  skipped?: string;
  verifiers: Array<{ name: string; type: string; isSuccess: boolean; message: string; errorReason?: string; checks: CheckTrace[]; ms: number }>;
}

export interface StepTiming {
  step: string;
  ms: number;
  detail?: string;
}

/** Everything `--explain` prints: what was found, what ran, what fired, how long it took. */
export interface ExplainTrace {
  subject: string;
  digest?: string;
  policy: { type: string; isSuccess?: boolean; detail?: string };
  steps: StepTiming[];
  /** The stores that own the subject. */
  stores?: string[];
  referrers: ReferrerTrace[];
  /** What stores dropped or refused along the way (a referrer naming another subject, ...). */
  notes?: string[];
  registry: { requests: number; bytes: number; cacheHits: number; cacheMisses: number; rateLimited: number };
  totalMs: number;
}
