import type { Context } from '../../context.js';
import type { ReferenceManifest } from '../../oci/descriptor.js';
import { BaseVerifier, commonConfig } from '../base.js';
import { blobSizeError, failureFromError, goReferenceDescriptorV, isTransientFailure } from '../sbom/ratify-compat.js';
import type { CheckTrace, Verifier, VerifierDeps, VerifierFactory, VerifierResult, VerifyInput } from '../types.js';
import { parseVulnReportConfig, type VulnReportConfig } from './config.js';
import { extractCreated, findNewerReport } from './created.js';
import { DurationError, parseGoDuration } from './duration.js';
import { dateToEpochNs, type GoTime } from './gotime.js';
import { describeResult, extractSeverity, readSarif, SarifParseError, type SarifView } from './sarif.js';
import { builtinSarifCheck, loadSchemaCheck, type SchemaCheck } from './schema.js';

/** Artifact types read as SARIF: the standard one and Trivy's own. */
export const SARIF_ARTIFACT_TYPES = ['application/sarif+json', 'application/vnd.aquasecurity.trivy.report.sarif.v1'] as const;

export const VULNREPORT_MESSAGES = {
  created: 'Failed to create timestamp annotation.',
  maximumAge: 'Failed to validate maximum age.',
  passthrough: 'Validation skipped. passthrough enabled',
  sarifParse: 'Failed to parse sarif report.',
  noRuns: 'No runs found in sarif report.',
  deniedCVEs: 'Found denied CVEs. See extensions field for details.',
  severities: 'Found disallowed severities. See extensions field for details.',
  extractSeverity: 'Failed to extract severity.',
  success: 'Validation succeeded',
  superseded: 'Skipped: a newer vulnerability report exists',
} as const;

export interface VulnReportOptions {
  /** The clock for `maximumAge` (tests inject a fixed time). */
  now?: () => Date;
}

/** Extension objects with keys in Go's map order (sorted), as Ratify's JSON has them. */
function ext(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(fields).sort()) out[k] = fields[k];
  return out;
}

/**
 * Ratify's `vulnerabilityreport` verifier (reference §3.4), run in-process, in Ratify's order:
 * created annotation, maximum age, manifest and first blob, passthrough, schema, SARIF
 * checks (deny-listed CVEs, then disallowed severities). `latestOnly` (ratify-ts) runs right
 * after the created annotation. See README.md in this folder.
 */
export class VulnReportVerifier extends BaseVerifier implements Verifier {
  private readonly now: () => Date;
  private readonly schemaChecks = new Map<string, SchemaCheck>();

  constructor(
    common: ReturnType<typeof commonConfig>,
    readonly config: VulnReportConfig,
    opts: VulnReportOptions = {},
  ) {
    super(common);
    this.now = opts.now ?? (() => new Date());
  }

  private async schemaCheck(ctx: Context): Promise<SchemaCheck> {
    const u = this.config.schemaURL;
    if (u === undefined) return builtinSarifCheck();
    let check = this.schemaChecks.get(u.href);
    if (check === undefined) {
      check = await loadSchemaCheck(u, ctx);
      // Only successful loads are kept: a file fixed later is picked up.
      this.schemaChecks.set(u.href, check);
    }
    return check;
  }

  async verify(input: VerifyInput, ctx: Context): Promise<VerifierResult> {
    const { subject, referrer, store } = input;
    const cfg = this.config;
    const trace: CheckTrace[] = [];
    const done = (r: VerifierResult): VerifierResult => ({ ...r, trace });

    // 1. Created time, from the referrer descriptor's annotations.
    let created: GoTime;
    try {
      created = extractCreated(cfg.createdAnnotationName, referrer);
    } catch (e) {
      trace.push({ check: 'created', ok: false, detail: (e as Error).message });
      return done({ isSuccess: false, message: VULNREPORT_MESSAGES.created, errorReason: (e as Error).message });
    }
    trace.push({ check: 'created', ok: true, detail: created.text });
    const createdAt = created.text;

    // ratify-ts: latestOnly lets an older report step aside for the newest one.
    if (cfg.latestOnly) {
      const newer = findNewerReport(input, cfg.createdAnnotationName, created.epochNs);
      if (newer !== undefined) {
        trace.push({ check: 'latest-only', ok: true, detail: `superseded by ${newer.digest} (created ${newer.createdAt}), which decides instead` });
        return done({ isSuccess: false, skipped: true, message: VULNREPORT_MESSAGES.superseded, extensions: ext({ createdAt, supersededBy: newer.digest }) });
      }
      trace.push({ check: 'latest-only', ok: true, detail: input.siblings === undefined ? 'no listing of the subject’s referrers: verified' : 'no newer report' });
    }

    // 2. Maximum age.
    if (cfg.maximumAge !== '') {
      let max: bigint;
      try {
        max = parseGoDuration(cfg.maximumAge);
      } catch (e) {
        if (!(e instanceof DurationError)) throw e;
        trace.push({ check: 'maximum-age', ok: false, detail: e.message });
        return done({
          isSuccess: false,
          message: VULNREPORT_MESSAGES.maximumAge,
          errorReason: `error parsing maximum age:[${cfg.maximumAge}]`,
          extensions: ext({ createdAt }),
        });
      }
      const age = dateToEpochNs(this.now()) - created.epochNs;
      if (age > max) {
        trace.push({ check: 'maximum-age', ok: false, detail: `age ${age / 1_000_000_000n}s > ${cfg.maximumAge}` });
        // Ratify's message is empty here (detail-only error); the reason carries the text.
        return done({ isSuccess: false, message: '', errorReason: `Report is older than maximum age:[${cfg.maximumAge}].`, extensions: ext({ createdAt }) });
      }
      trace.push({ check: 'maximum-age', ok: true, detail: `within ${cfg.maximumAge}` });
    }

    // 3. Manifest and its first blob.
    let manifest: ReferenceManifest;
    try {
      manifest = await store.fetchManifest(subject, referrer, ctx);
    } catch (e) {
      if (isTransientFailure(e, ctx)) throw e;
      trace.push({ check: 'manifest', ok: false, detail: (e as Error).message });
      return done(
        failureFromError(
          `Failed to fetch reference manifest for subject: ${subject.original}, reference descriptor: ${goReferenceDescriptorV(referrer)}.`,
          e,
          ext({ createdAt }),
        ),
      );
    }
    const blob = manifest.blobs[0];
    if (blob === undefined) {
      trace.push({ check: 'manifest', ok: false, detail: 'no layers' });
      return done({
        isSuccess: false,
        message: '',
        errorReason: `No layers found in manifest for referrer ${subject.path}@${referrer.digest}.`,
        extensions: ext({ createdAt }),
      });
    }
    trace.push({ check: 'manifest', ok: true, detail: `reading the first of ${manifest.blobs.length} layer(s), ${blob.digest}` });
    const blobFailure = (e: unknown): VerifierResult => {
      trace.push({ check: 'blob', ok: false, detail: (e as Error).message });
      return done(failureFromError(`Failed to fetch blob for subject:[${subject.original}] digest:[${blob.digest}].`, e, ext({ createdAt })));
    };
    if (blob.size > cfg.maxBlobBytes) return blobFailure(blobSizeError(blob.size, cfg.maxBlobBytes));
    let bytes: Uint8Array;
    try {
      bytes = await store.fetchBlob(subject, blob, ctx);
    } catch (e) {
      if (isTransientFailure(e, ctx)) throw e;
      return blobFailure(e);
    }
    if (bytes.byteLength > cfg.maxBlobBytes) return blobFailure(blobSizeError(bytes.byteLength, cfg.maxBlobBytes));
    trace.push({ check: 'blob', ok: true, detail: `${bytes.byteLength} bytes` });
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

    // 4. Passthrough: hand the report to the policy unchecked.
    if (cfg.passthrough) {
      trace.push({ check: 'passthrough', ok: true });
      return done({ isSuccess: true, message: VULNREPORT_MESSAGES.passthrough, extensions: ext({ createdAt, passthrough: true, report: text }) });
    }

    // 5. Schema validation (SARIF only).
    const artifactType = referrer.artifactType ?? '';
    const schemaFailure = (reason: string): VerifierResult => {
      trace.push({ check: 'schema', ok: false, detail: reason });
      return done({
        isSuccess: false,
        message: `Schema validation failed for digest:[${blob.digest}],artifact type:[${artifactType}].`,
        errorReason: reason,
        extensions: ext({ createdAt }),
      });
    };
    if (!(SARIF_ARTIFACT_TYPES as readonly string[]).includes(artifactType)) {
      return schemaFailure(`media type not configured for plugin:[${artifactType}]`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      // RangeError (nesting deep enough to exhaust the stack) lands here too.
      return schemaFailure(`report is not valid JSON: ${(e as Error).message}`);
    }
    let check: SchemaCheck;
    try {
      check = await this.schemaCheck(ctx);
    } catch (e) {
      if (isTransientFailure(e, ctx)) throw e;
      return schemaFailure(`cannot load schema: ${(e as Error).message}`);
    }
    let schemaError: string | undefined;
    try {
      schemaError = check(doc);
    } catch (e) {
      schemaError = `schema validation error: ${(e as Error).message}`;
    }
    if (schemaError !== undefined) return schemaFailure(schemaError);
    trace.push({ check: 'schema', ok: true, detail: cfg.schemaURL?.href ?? 'built-in SARIF 2.1.0 subset' });

    // 6. SARIF.
    let sarif: SarifView;
    try {
      sarif = readSarif(doc);
    } catch (e) {
      if (!(e instanceof SarifParseError)) throw e;
      trace.push({ check: 'sarif', ok: false, detail: e.message });
      return done({ isSuccess: false, message: VULNREPORT_MESSAGES.sarifParse, errorReason: e.message, extensions: ext({ createdAt }) });
    }
    if (sarif.runCount < 1) {
      trace.push({ check: 'sarif', ok: false, detail: 'no runs' });
      return done({ isSuccess: false, message: VULNREPORT_MESSAGES.noRuns, extensions: ext({ createdAt }) });
    }
    const scanner = sarif.scanner;
    trace.push({ check: 'sarif', ok: true, detail: `scanner ${scanner}, ${sarif.results.length} result(s)` });

    if (cfg.denylistCVEs.length > 0) {
      const r = this.checkDenylist(sarif, createdAt, trace);
      if (r) return done(r);
    }
    if (cfg.disallowedSeverities.length > 0) {
      const r = this.checkSeverities(sarif, createdAt, trace);
      if (r) return done(r);
    }
    return done({ isSuccess: true, message: VULNREPORT_MESSAGES.success, extensions: ext({ createdAt, scanner }) });
  }

  /** 7. Deny-listed CVEs: a failure result, or undefined when none is found. */
  private checkDenylist(sarif: SarifView, createdAt: string, trace: CheckTrace[]): VerifierResult | undefined {
    const scanner = sarif.scanner;
    const wanted = new Map<string, boolean>();
    for (const c of this.config.denylistCVEs) wanted.set(c.toLowerCase(), false);
    for (const r of sarif.results) {
      if (r.ruleId === undefined || r.ruleId === '') {
        trace.push({ check: 'cve-denylist', ok: false, detail: 'result without ruleId' });
        return { isSuccess: false, message: `Rule id not found for result:[${describeResult(r)}].`, extensions: ext({ createdAt, scanner }) };
      }
      const id = r.ruleId.toLowerCase();
      if (wanted.has(id)) wanted.set(id, true);
    }
    // Ratify lists violations in Go map order (random); we keep the deny list's order.
    const violations = [...wanted].filter(([, hit]) => hit).map(([id]) => id);
    trace.push({ check: 'cve-denylist', ok: violations.length === 0, detail: violations.join(', ') || 'none found' });
    if (violations.length === 0) return undefined;
    return {
      isSuccess: false,
      message: VULNREPORT_MESSAGES.deniedCVEs,
      extensions: ext({ createdAt, scanner, denylistCVEs: [...this.config.denylistCVEs], cveViolations: violations }),
    };
  }

  /** 8. Disallowed severities (Trivy and Grype): a failure result, or undefined. */
  private checkSeverities(sarif: SarifView, createdAt: string, trace: CheckTrace[]): VerifierResult | undefined {
    const scanner = sarif.scanner;
    const violating = new Map<string, string>();
    for (const r of sarif.results) {
      if (r.ruleId === undefined || r.ruleId === '') {
        trace.push({ check: 'severity', ok: false, detail: 'result without ruleId' });
        return { isSuccess: false, message: `Rule id not found for result:[${describeResult(r)}].`, extensions: ext({ createdAt, scanner }) };
      }
      const rule = sarif.rules.get(r.ruleId);
      if (rule === undefined) {
        trace.push({ check: 'severity', ok: false, detail: `no rule ${r.ruleId}` });
        return { isSuccess: false, message: `Rule not found for result:[${describeResult(r)}].`, extensions: ext({ createdAt, scanner }) };
      }
      let severity: string;
      try {
        severity = extractSeverity(scanner, rule);
      } catch (e) {
        trace.push({ check: 'severity', ok: false, detail: (e as Error).message });
        return { isSuccess: false, message: VULNREPORT_MESSAGES.extractSeverity, errorReason: (e as Error).message, extensions: ext({ createdAt, scanner }) };
      }
      if (this.config.disallowedSeverities.some((d) => d.toLowerCase() === severity)) violating.set(rule.id, severity);
    }
    trace.push({ check: 'severity', ok: violating.size === 0, detail: `${violating.size} rule(s) with a disallowed severity` });
    if (violating.size === 0) return undefined;
    // A Go map marshals with sorted keys.
    const severityViolations: Record<string, string> = {};
    for (const k of [...violating.keys()].sort()) severityViolations[k] = violating.get(k)!;
    return {
      isSuccess: false,
      message: VULNREPORT_MESSAGES.severities,
      extensions: ext({ createdAt, scanner, disallowedSeverities: [...this.config.disallowedSeverities], severityViolations }),
    };
  }
}

export async function createVulnReportVerifier(entry: Record<string, unknown>, opts: VulnReportOptions = {}): Promise<VulnReportVerifier> {
  // As a Ratify plugin, an entry without artifactTypes applies to every referrer ("*").
  const common = commonConfig(entry, { requireArtifactTypes: false, where: 'verifier vulnerabilityreport' });
  return new VulnReportVerifier(common, parseVulnReportConfig(entry, `verifier ${common.name}`), opts);
}

/** A factory with an injected clock (tests); `vulnReportVerifierFactory` uses the real one. */
export function makeVulnReportVerifierFactory(opts: VulnReportOptions = {}): VerifierFactory {
  return {
    type: 'vulnerabilityreport',
    async create(entry: Record<string, unknown>, deps: VerifierDeps): Promise<Verifier> {
      const v = await createVulnReportVerifier(entry, opts);
      if (v.config.maximumAge !== '') {
        try {
          parseGoDuration(v.config.maximumAge);
        } catch (e) {
          // Ratify reports this per verification; say it once up front as well.
          deps.log.warn({ verifier: v.name, maximumAge: v.config.maximumAge }, `maximumAge is not a Go duration (${(e as Error).message}); every report will fail`);
        }
      }
      return v;
    },
  };
}

export const vulnReportVerifierFactory: VerifierFactory = makeVulnReportVerifierFactory();
