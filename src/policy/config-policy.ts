import { RatifyError } from '../errors.js';
import type { ReportElement, VerifyResult } from '../executor/types.js';
import type { PolicyDecision, PolicyProvider } from './types.js';

type Rule = 'any' | 'all';

/**
 * Ratify's configPolicy (reference §4.1): per artifact type "any" (one success suffices) or
 * "all" (every report must succeed), "default" for unlisted types (default "all"); every
 * explicitly listed type must be present among the reports.
 */
export class ConfigPolicy implements PolicyProvider {
  readonly type = 'configpolicy';
  readonly shape = 'config' as const;
  private readonly rules: Map<string, Rule>;
  private readonly defaultRule: Rule;

  constructor(entry: Record<string, unknown>) {
    const raw = entry.artifactVerificationPolicies ?? {};
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new RatifyError('CONFIG_INVALID', 'policy.plugin.artifactVerificationPolicies must be an object of artifactType → "any"|"all"');
    }
    this.rules = new Map();
    let def: Rule = 'all';
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (v !== 'any' && v !== 'all') {
        throw new RatifyError('CONFIG_INVALID', `policy.plugin.artifactVerificationPolicies["${k}"] must be "any" or "all", got ${JSON.stringify(v)}`);
      }
      if (k === 'default') def = v;
      else this.rules.set(k, v);
    }
    this.defaultRule = def;
  }

  overallResult(reports: ReportElement[]): Promise<PolicyDecision> {
    return Promise.resolve(this.decide(reports));
  }

  private decide(reports: ReportElement[]): PolicyDecision {
    if (reports.length === 0) return { isSuccess: false, detail: 'no reports' };
    // A skipped report (latestOnly) stepped aside for a sibling that is judged instead: it is
    // neither a success nor a failure. Reports that are all skipped decide nothing, so they deny.
    const judged = reports.filter((r) => !r.skipped);
    if (judged.length === 0) return { isSuccess: false, detail: 'every report was skipped' };
    const satisfied = new Map<string, boolean>();
    for (const t of this.rules.keys()) satisfied.set(t, false);
    for (const r of judged) {
      const t = r.artifactType ?? '';
      const rule = this.rules.get(t) ?? this.defaultRule;
      if (!satisfied.has(t)) satisfied.set(t, false);
      if (rule === 'any' && r.isSuccess) satisfied.set(t, true);
      if (rule === 'all') {
        if (!r.isSuccess) return { isSuccess: false, detail: `"all" for ${t || '(no artifact type)'}: report of ${r.referenceDigest ?? 'the subject'} failed` };
        satisfied.set(t, true);
      }
    }
    const missing = [...satisfied].filter(([, ok]) => !ok).map(([t]) => t);
    if (missing.length) {
      return { isSuccess: false, detail: `no successful report for required artifact type(s) ${missing.join(', ')}` };
    }
    return { isSuccess: true, detail: 'every artifact type satisfied its rule' };
  }

  /** VERIFY_REFERENCE_FAILURE "failed to verify artifact: <subject>" wrapping the error, as one report. */
  errorToResult(subject: string, err: RatifyError): VerifyResult {
    const report: ReportElement = { subject, isSuccess: false, message: `failed to verify artifact: ${subject}`, errorReason: err.errorReason };
    const rem = err.effectiveRemediation;
    if (rem) report.remediation = rem;
    return { isSuccess: false, verifierReports: [report] };
  }
}
