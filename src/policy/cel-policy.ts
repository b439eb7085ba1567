import { celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { RatifyError } from '../errors.js';
import type { NestedReport, VerifyResult } from '../executor/types.js';
import type { PolicyDecision, PolicyProvider } from './types.js';

/** A verifier result with the artifact it was about, as CEL sees it in `reports`. */
interface FlatReport {
  subject: string;
  referenceDigest: string;
  artifactType: string;
  depth: number;
  isSuccess: boolean;
  message: string;
  errorReason: string;
  name: string;
  type: string;
  extensions: unknown;
}

const MAX_EXPRESSION = 64 * 1024;

/**
 * A policy written in CEL over the input Ratify's Rego policy receives. Variables:
 * - `verifierReports` / `input.verifierReports`: the nested reports (Rego input shape);
 * - `artifacts`: the referrers attached to the subject itself (depth 0), each with `depth`;
 * - `reports`: the verifier results of those referrers, flattened, each with subject,
 *   referenceDigest, artifactType and depth of its artifact (extensions default to {});
 * - `latest`: artifactType → the newest of `reports` of that type by `extensions.createdAt`;
 * - `allArtifacts` / `allReports`: the same at every depth (a signature on the SBOM is depth 1);
 * - `subject`: the subject reference.
 * The short names are the top level on purpose: a signature of an SBOM, or of anything nested below
 * the image, says nothing about the image, so "is it signed?" must not find it by default.
 * An evaluation error or a non-bool result denies (fail closed).
 */
export class CelPolicy implements PolicyProvider {
  readonly type = 'celpolicy';
  readonly shape = 'nested' as const;
  private readonly program: ReturnType<typeof plan>;
  readonly expression: string;

  constructor(entry: Record<string, unknown>) {
    const expr = entry.expression;
    if (typeof expr !== 'string' || expr.trim() === '') {
      throw new RatifyError('CONFIG_INVALID', 'policy.plugin.expression is required for celPolicy', {
        remediation: 'e.g. "expression": "reports.size() > 0 && reports.all(r, r.isSuccess)"',
      });
    }
    if (expr.length > MAX_EXPRESSION) throw new RatifyError('CONFIG_INVALID', `policy.plugin.expression is longer than ${MAX_EXPRESSION} characters`);
    this.expression = expr;
    let parsed;
    try {
      parsed = parse(expr);
    } catch (e) {
      throw new RatifyError('CONFIG_INVALID', 'policy.plugin.expression is not valid CEL', { cause: e });
    }
    this.program = plan(celEnv({}), parsed);
  }

  overallResult(reports: NestedReport[], subject: string): Promise<PolicyDecision> {
    const bindings = celInput(reports, subject);
    let out: unknown;
    try {
      out = this.program(bindings as Record<string, CelInput>);
    } catch (e) {
      return Promise.resolve({ isSuccess: false, detail: `CEL evaluation failed: ${(e as Error).message}` });
    }
    if (isCelError(out)) return Promise.resolve({ isSuccess: false, detail: `CEL evaluation failed: ${out.message}` });
    if (typeof out !== 'boolean') return Promise.resolve({ isSuccess: false, detail: `CEL expression returned ${typeof out}, not a bool` });
    return Promise.resolve({ isSuccess: out, detail: `CEL expression evaluated to ${String(out)}` });
  }

  errorToResult(): VerifyResult | undefined {
    return undefined;
  }
}

/** Builds the CEL variables from the nested reports (JSON-clean: no undefined, no class instances). */
export function celInput(reports: NestedReport[], subject: string): Record<string, unknown> {
  const clean = JSON.parse(JSON.stringify(reports)) as NestedReport[];
  const artifacts: Array<NestedReport & { depth: number }> = [];
  const flat: FlatReport[] = [];
  const walk = (rs: NestedReport[], depth: number) => {
    for (const r of rs) {
      artifacts.push({ ...r, depth });
      for (const v of r.verifierReports) {
        // latestOnly's skipped reports decide nothing; the raw verifierReports still show them.
        if (v.skipped) continue;
        flat.push({
          subject: r.subject,
          referenceDigest: r.referenceDigest,
          artifactType: r.artifactType,
          depth,
          isSuccess: v.isSuccess,
          message: v.message ?? '',
          errorReason: v.errorReason ?? '',
          name: v.name,
          type: v.type ?? v.name,
          extensions: v.extensions ?? {},
        });
      }
      walk(r.nestedReports ?? [], depth + 1);
    }
  };
  walk(clean, 0);
  const topArtifacts = artifacts.filter((a) => a.depth === 0);
  const topReports = flat.filter((r) => r.depth === 0);
  const latest: Record<string, FlatReport> = {};
  for (const r of topReports) {
    const prev = latest[r.artifactType];
    if (!prev || createdAt(r) >= createdAt(prev)) latest[r.artifactType] = r;
  }
  return {
    verifierReports: clean,
    input: { verifierReports: clean },
    artifacts: topArtifacts,
    reports: topReports,
    allArtifacts: artifacts,
    allReports: flat,
    latest,
    subject,
  };
}

function createdAt(r: FlatReport): number {
  const ext = r.extensions as { createdAt?: unknown } | null;
  const t = typeof ext?.createdAt === 'string' ? Date.parse(ext.createdAt) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}
