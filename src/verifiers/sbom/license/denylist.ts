import { LicenseExpressionError, parseLicenseExpression, type LicenseExpr, type LicenseTerm } from './expression.js';
import { containsLicenseWord } from './wordmatch.js';

/**
 * A `disallowedLicenses` entry, compiled once per verifier.
 * - `term`: one license, optionally with `+` or `WITH <exception>`; matched against the terms
 *   of package expressions.
 * - `special`: NOASSERTION or NONE; matches a package whose whole license is that value.
 * - `words`: anything else (a compound expression such as "MIT OR X", or text that is not an
 *   expression); matched with Ratify's whole-word rule against the package's license text.
 */
export type DenyEntry =
  | { kind: 'term'; raw: string; id: string; plus: boolean; exception?: string }
  | { kind: 'special'; raw: string; value: 'NOASSERTION' | 'NONE' }
  | { kind: 'words'; raw: string };

export interface LicenseDenyList {
  readonly entries: readonly DenyEntry[];
}

export interface LicenseVerdict {
  violates: boolean;
  /** The deny-list entries (as configured) that took part in the violation. */
  matched: string[];
  /** How the license text was read: as an SPDX expression, or by Ratify's word match. */
  mode: 'expression' | 'word-match' | 'empty';
  /** Why the text was not read as an expression (word-match mode). */
  parseError?: string;
}

/**
 * SPDX's "-only"/"-or-later" ids (GPL-2.0-only, LGPL-2.1-or-later, ...) are the current
 * spellings of the deprecated "GPL-2.0"/"GPL-2.0+" forms; comparing on the short form makes
 * a deny entry written either way catch both. LicenseRefs are user-defined and kept as is.
 */
function normaliseId(id: string, plus: boolean): { id: string; plus: boolean } {
  const lower = id.toLowerCase();
  if (lower.startsWith('licenseref-') || lower.startsWith('documentref-')) return { id: lower, plus };
  if (lower.endsWith('-or-later')) return { id: lower.slice(0, -'-or-later'.length), plus: true };
  if (lower.endsWith('-only')) return { id: lower.slice(0, -'-only'.length), plus };
  return { id: lower, plus };
}

export function compileLicenseDenyList(list: readonly string[]): LicenseDenyList {
  const entries: DenyEntry[] = [];
  for (const raw of list) {
    if (raw.trim() === '') continue;
    let e: LicenseExpr | undefined;
    try {
      e = parseLicenseExpression(raw.trim());
    } catch (err) {
      if (!(err instanceof LicenseExpressionError)) throw err;
    }
    if (e?.kind === 'license') {
      const n = normaliseId(e.id, e.plus);
      const entry: DenyEntry = { kind: 'term', raw, id: n.id, plus: n.plus };
      if (e.exception !== undefined) entry.exception = e.exception.toLowerCase();
      entries.push(entry);
    } else if (e?.kind === 'special') {
      entries.push({ kind: 'special', raw, value: e.value });
    } else {
      entries.push({ kind: 'words', raw });
    }
  }
  return { entries };
}

function termMatches(entry: Extract<DenyEntry, { kind: 'term' }>, t: LicenseTerm): boolean {
  const n = normaliseId(t.id, t.plus);
  if (n.id !== entry.id) return false;
  // "X+" denies only or-later grants. A plain "X" also catches "X+": an or-later grant
  // includes version X, and we do not enumerate later versions to prove a way out.
  if (entry.plus && !n.plus) return false;
  // "X WITH E" denies only that combination; a plain "X" catches X with any exception.
  if (entry.exception !== undefined && entry.exception !== t.exception?.toLowerCase()) return false;
  return true;
}

/**
 * Whether the expression can be satisfied without a disallowed license. AND needs every
 * operand, OR needs one; a leaf is satisfiable when no deny entry matches it. Records the
 * entries that matched leaves along the way.
 */
function satisfiable(e: LicenseExpr, deny: LicenseDenyList, hits: Set<string>): boolean {
  switch (e.kind) {
    case 'license': {
      let ok = true;
      for (const d of deny.entries) {
        if (d.kind === 'term' && termMatches(d, e)) {
          hits.add(d.raw);
          ok = false;
        }
      }
      return ok;
    }
    case 'special': {
      let ok = true;
      for (const d of deny.entries) {
        if (d.kind === 'special' && d.value === e.value) {
          hits.add(d.raw);
          ok = false;
        }
      }
      return ok;
    }
    case 'and': {
      // Evaluate every operand (no short-circuit) so that all matched entries are reported.
      let ok = true;
      for (const a of e.args) if (!satisfiable(a, deny, hits)) ok = false;
      return ok;
    }
    case 'or': {
      let ok = false;
      for (const a of e.args) if (satisfiable(a, deny, hits)) ok = true;
      return ok;
    }
  }
}

function wordMatches(text: string, entries: readonly DenyEntry[]): string[] {
  return entries.filter((d) => containsLicenseWord(text, d.raw)).map((d) => d.raw);
}

/**
 * Evaluates one package's license text against the deny list.
 *
 * A package violates when every way of satisfying its expression needs a disallowed license:
 * `MIT OR GPL-3.0` passes when only GPL-3.0 is denied, `MIT AND GPL-3.0` does not.
 * Text that does not parse as an SPDX expression is checked with Ratify's whole-word match
 * against every entry, so malformed input is never more permissive than Ratify.
 */
export function evaluateLicense(text: string, deny: LicenseDenyList): LicenseVerdict {
  if (deny.entries.length === 0) return { violates: false, matched: [], mode: 'expression' };
  if (text.trim() === '') return { violates: false, matched: [], mode: 'empty' };
  let expr: LicenseExpr;
  try {
    expr = parseLicenseExpression(text.trim());
  } catch (err) {
    if (!(err instanceof LicenseExpressionError)) throw err;
    const matched = wordMatches(text, deny.entries);
    return { violates: matched.length > 0, matched, mode: 'word-match', parseError: err.message };
  }
  const hits = new Set<string>();
  const ok = satisfiable(expr, deny, hits);
  // Compound deny entries have no single-term meaning: they keep Ratify's word match.
  const wordHits = wordMatches(
    text,
    deny.entries.filter((d) => d.kind === 'words'),
  );
  const violates = !ok || wordHits.length > 0;
  const matched = violates ? [...new Set([...(ok ? [] : hits), ...wordHits])] : [];
  return { violates, matched, mode: 'expression' };
}
