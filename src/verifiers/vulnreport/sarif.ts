/**
 * The parts of a SARIF 2.1.0 log the vulnerability-report verifier reads, typed and checked
 * (Ratify decodes with go-sarif; a field of the wrong type is a parse failure there too).
 * Only the first run is read, as in Ratify.
 */

export interface SarifRule {
  id: string;
  /** rules[].help.text, where Trivy and Grype write "Severity: <level>". */
  helpText?: string;
}

export interface SarifResult {
  ruleId?: string;
  /** The result as it appeared, for messages. */
  raw: Record<string, unknown>;
}

export interface SarifView {
  runCount: number;
  /** Lower-cased runs[0].tool.driver.name ("trivy", "grype"). */
  scanner: string;
  /** runs[0].tool.driver.rules by id (a later duplicate id wins, as in a Go map). */
  rules: Map<string, SarifRule>;
  results: SarifResult[];
}

export class SarifParseError extends Error {
  override name = 'SarifParseError';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function expect(cond: boolean, path: string, want: string, v: unknown): void {
  if (!cond) throw new SarifParseError(`${path}: expected ${want}, got ${typeName(v)}`);
}

function optString(o: Record<string, unknown>, k: string, path: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  expect(typeof v === 'string', `${path}.${k}`, 'string', v);
  return v as string;
}

function optArray(o: Record<string, unknown>, k: string, path: string): unknown[] {
  const v = o[k];
  if (v === undefined || v === null) return [];
  expect(Array.isArray(v), `${path}.${k}`, 'array', v);
  return v as unknown[];
}

export function readSarif(doc: unknown): SarifView {
  expect(isObject(doc), 'sarif', 'object', doc);
  const runs = optArray(doc as Record<string, unknown>, 'runs', 'sarif');
  if (runs.length === 0) return { runCount: 0, scanner: '', rules: new Map(), results: [] };
  const run = runs[0];
  expect(isObject(run), 'runs[0]', 'object', run);
  const r = run as Record<string, unknown>;
  expect(isObject(r.tool), 'runs[0].tool', 'object', r.tool);
  const driver = (r.tool as Record<string, unknown>).driver;
  expect(isObject(driver), 'runs[0].tool.driver', 'object', driver);
  const d = driver as Record<string, unknown>;
  const scanner = (optString(d, 'name', 'runs[0].tool.driver') ?? '').toLowerCase();

  const rules = new Map<string, SarifRule>();
  optArray(d, 'rules', 'runs[0].tool.driver').forEach((rule, i) => {
    const p = `runs[0].tool.driver.rules[${i}]`;
    expect(isObject(rule), p, 'object', rule);
    const ro = rule as Record<string, unknown>;
    const id = optString(ro, 'id', p) ?? '';
    const entry: SarifRule = { id };
    if (ro.help !== undefined && ro.help !== null) {
      expect(isObject(ro.help), `${p}.help`, 'object', ro.help);
      const text = optString(ro.help as Record<string, unknown>, 'text', `${p}.help`);
      if (text !== undefined) entry.helpText = text;
    }
    rules.set(id, entry);
  });

  const results = optArray(r, 'results', 'runs[0]').map((res, i) => {
    const p = `runs[0].results[${i}]`;
    expect(isObject(res), p, 'object', res);
    const ro = res as Record<string, unknown>;
    const out: SarifResult = { raw: ro };
    const ruleId = optString(ro, 'ruleId', p);
    if (ruleId !== undefined) out.ruleId = ruleId;
    return out;
  });
  return { runCount: runs.length, scanner, rules, results };
}

export const SEVERITY_SCANNERS = ['trivy', 'grype'] as const;
const SEVERITY_RE = /Severity:[\t\n\f\r ]*([0-9A-Za-z_]+)/;

/**
 * Ratify's severity rule: only for Trivy and Grype, the first "Severity: <word>" in the
 * rule's help text, lower-cased. Throws with Ratify's reason when it cannot.
 */
export function extractSeverity(scanner: string, rule: SarifRule): string {
  if (!(SEVERITY_SCANNERS as readonly string[]).includes(scanner)) throw new Error(`scanner not supported:[${scanner}]`);
  if (rule.helpText === undefined || rule.helpText === '') throw new Error(`help text not found for rule:[${rule.id}]`);
  const m = SEVERITY_RE.exec(rule.helpText);
  if (!m) throw new Error(`severity not found in help text:[${rule.helpText}]`);
  return m[1]!.toLowerCase();
}

/** A result for Ratify's "…for result:[%v]." messages (JSON instead of Go's struct dump), bounded. */
export function describeResult(r: SarifResult): string {
  const s = JSON.stringify(r.raw);
  return s.length > 512 ? `${s.slice(0, 509)}...` : s;
}
