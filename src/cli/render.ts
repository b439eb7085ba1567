import pc from 'picocolors';
import type { ExplainTrace, NestedReport, ReportElement, VerifyResult } from '../executor/types.js';
import { renderTree, type PrintNode } from './treeprint.js';

export interface Colours {
  ok(s: string): string;
  bad(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

/** Colours only on a terminal (and never when NO_COLOR is set). */
export function colours(enabled: boolean): Colours {
  const c = pc.createColors(enabled);
  return { ok: c.green, bad: c.red, dim: c.dim, bold: c.bold };
}

const mark = (c: Colours, ok: boolean) => (ok ? c.ok('✓') : c.bad('✗'));

/** A readable tree of a VerifyResult: one line per report, details indented under it. */
export function renderResult(subject: string, policy: string, result: VerifyResult, c: Colours): string {
  const head = `${mark(c, result.isSuccess)} ${c.bold(subject)}  ${result.isSuccess ? c.ok('verified') : c.bad('not verified')} ${c.dim(`(${policy})`)}`;
  const children = result.verifierReports.map((r) => ('verifierReports' in r ? nestedNode(r, c) : reportNode(r, c)));
  return renderTree({ label: head, children });
}

function reportNode(r: ReportElement, c: Colours): PrintNode {
  const who = r.verifierName ? `${r.verifierName}: ` : '';
  const what = r.artifactType ? `[${r.artifactType}] ${r.referenceDigest ?? ''}` : r.subject ?? '';
  const children: PrintNode[] = [];
  if (r.message) children.push(leaf(`${who}${r.message}`));
  if (r.errorReason) children.push(leaf(c.bad(`reason: ${r.errorReason}`)));
  if (r.remediation) children.push(leaf(c.dim(`fix: ${r.remediation}`)));
  for (const line of extensionLines(r.extensions)) children.push(leaf(c.dim(line)));
  for (const n of r.nestedResults ?? []) children.push(reportNode(n, c));
  return { label: `${mark(c, r.isSuccess)} ${what}`, children };
}

function nestedNode(r: NestedReport, c: Colours): PrintNode {
  const ok = r.verifierReports.length > 0 && r.verifierReports.every((v) => v.isSuccess);
  const children: PrintNode[] = r.verifierReports.map((v) => ({
    label: `${mark(c, v.isSuccess)} ${v.name}: ${v.message}`,
    children: [
      ...(v.errorReason ? [leaf(c.bad(`reason: ${v.errorReason}`))] : []),
      ...(v.remediation ? [leaf(c.dim(`fix: ${v.remediation}`))] : []),
      ...extensionLines(v.extensions).map((l) => leaf(c.dim(l))),
    ],
  }));
  if (r.verifierReports.length === 0) children.push(leaf(c.dim('no verifier for this artifact type')));
  children.push(...r.nestedReports.map((n) => nestedNode(n, c)));
  return { label: `${mark(c, ok)} [${r.artifactType}] ${r.referenceDigest}`, children };
}

function leaf(label: string): PrintNode {
  return { label, children: [] };
}

/** Short scalar extensions only (Issuer, SN, createdAt, scanner...); big structures stay in the JSON output. */
function extensionLines(ext: unknown): string[] {
  if (!ext || typeof ext !== 'object' || Array.isArray(ext)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(ext as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out.push(`${k}: ${String(v)}`);
    else if (Array.isArray(v) && v.length > 0 && v.length <= 10 && v.every((x) => typeof x === 'string')) out.push(`${k}: ${v.join(', ')}`);
  }
  return out;
}

/** The --explain trace: referrers found/skipped, checks with the rule that fired, timings, registry counts. */
export function renderExplain(t: ExplainTrace, c: Colours): string {
  const lines: string[] = [];
  lines.push(c.bold(`explain: ${t.subject}${t.digest ? ` → ${t.digest}` : ''}`));
  lines.push(`  policy ${t.policy.type}: ${t.policy.isSuccess === undefined ? '' : t.policy.isSuccess ? c.ok('allow') : c.bad('deny')} ${t.policy.detail ?? ''}`.trimEnd());
  if (t.stores) lines.push(`  stores: ${t.stores.join(', ')}`);
  lines.push(`  referrers: ${t.referrers.length}`);
  for (const r of t.referrers) {
    const indent = '    ' + '  '.repeat(r.depth);
    lines.push(`${indent}${r.skipped ? c.dim('○') : mark(c, r.verifiers.every((v) => v.isSuccess))} [${r.artifactType}] ${r.digest} ${c.dim(`(store ${r.store})`)}`);
    if (r.skipped) lines.push(`${indent}  ${c.dim(`skipped: ${r.skipped}`)}`);
    for (const v of r.verifiers) {
      lines.push(`${indent}  ${mark(c, v.isSuccess)} verifier ${v.name} (${v.type}) ${ms(v.ms)}: ${v.message}${v.errorReason ? ` — ${v.errorReason}` : ''}`);
      for (const ch of v.checks) {
        lines.push(`${indent}    ${mark(c, ch.ok)} ${ch.check}${ch.level ? c.dim(` [${ch.level}]`) : ''}${ch.detail ? `: ${ch.detail}` : ''}`);
      }
    }
  }
  for (const n of t.notes ?? []) lines.push(`  ${c.dim('note:')} ${n}`);
  lines.push('  timings:');
  for (const s of t.steps) lines.push(`    ${s.step.padEnd(28)} ${ms(s.ms)}`);
  lines.push(`    ${'total'.padEnd(28)} ${ms(t.totalMs)}`);
  const g = t.registry;
  lines.push(`  registry: ${g.requests} requests, ${g.bytes} bytes, cache ${g.cacheHits} hits / ${g.cacheMisses} misses${g.rateLimited ? `, ${g.rateLimited} rate-limited` : ''}`);
  return lines.join('\n') + '\n';
}

function ms(x: number): string {
  return `${x.toFixed(1)} ms`;
}
