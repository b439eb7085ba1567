/**
 * SPDX license expressions (SPDX 2.3 / 3.0 Annex D), parsed into a small tree.
 *
 *   license-expression = simple-expression / compound-expression
 *   simple-expression  = license-id / license-id "+" / license-ref
 *   compound           = simple "WITH" exception / compound "AND" compound /
 *                        compound "OR" compound / "(" compound ")"
 *
 * Precedence, tightest first: "+", WITH, AND, OR. Operators are matched case-insensitively
 * (the spec allows AND/and; real SBOMs also carry "And"), identifiers keep their spelling
 * and are compared case-insensitively later. `NOASSERTION` and `NONE` are the SPDX
 * "no information" values; they parse as special leaves.
 *
 * Anything outside this grammar throws LicenseExpressionError so that the caller can fall back
 * to Ratify's whole-word matching instead of guessing (nothing fails open).
 */

export type LicenseExpr =
  | LicenseTerm
  | { kind: 'special'; value: 'NOASSERTION' | 'NONE' }
  | { kind: 'and' | 'or'; args: LicenseExpr[] };

/** A simple expression, optionally with an exception: `GPL-2.0-or-later WITH Classpath-exception-2.0`. */
export interface LicenseTerm {
  kind: 'license';
  /** As written, without the trailing "+". Includes any `DocumentRef-x:` prefix. */
  id: string;
  /** `+` was written ("or any later version"). */
  plus: boolean;
  exception?: string;
}

export class LicenseExpressionError extends Error {
  override name = 'LicenseExpressionError';
}

/** Parentheses nest at most this deep; deeper input is treated as malformed (bounded recursion). */
export const MAX_NESTING = 64;
/** Longer expressions are treated as malformed: no real license field comes close. */
export const MAX_EXPRESSION_LENGTH = 64 * 1024;

// idstring = 1*(ALPHA / DIGIT / "-" / "."); a license-ref may carry "DocumentRef-<idstring>:".
const LICENSE_TOKEN = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?[A-Za-z0-9.-]+\+?$/i;
const EXCEPTION_TOKEN = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?[A-Za-z0-9.-]+$/i;

type Token = { t: '(' | ')' } | { t: 'op'; op: 'AND' | 'OR' | 'WITH' } | { t: 'word'; w: string };

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  // Parentheses need no surrounding whitespace: "(MIT OR Apache-2.0)".
  for (const raw of input.split(/(\(|\)|\s+)/)) {
    if (raw === '' || /^\s+$/.test(raw)) continue;
    if (raw === '(' || raw === ')') {
      out.push({ t: raw });
      continue;
    }
    const up = raw.toUpperCase();
    if (up === 'AND' || up === 'OR' || up === 'WITH') out.push({ t: 'op', op: up });
    else out.push({ t: 'word', w: raw });
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  parse(): LicenseExpr {
    if (this.toks.length === 0) throw new LicenseExpressionError('empty license expression');
    const e = this.or(0);
    if (this.i !== this.toks.length) throw new LicenseExpressionError(`unexpected ${this.describe(this.toks[this.i])}`);
    return e;
  }

  private describe(t: Token | undefined): string {
    if (t === undefined) return 'end of expression';
    if (t.t === 'op') return `operator ${t.op}`;
    if (t.t === 'word') return `"${t.w}"`;
    return `"${t.t}"`;
  }

  private peekOp(op: 'AND' | 'OR' | 'WITH'): boolean {
    const t = this.toks[this.i];
    return t !== undefined && t.t === 'op' && t.op === op;
  }

  // AND and OR chains become n-ary nodes so that "A AND B AND ... " stays shallow.
  private or(depth: number): LicenseExpr {
    const args = [this.and(depth)];
    while (this.peekOp('OR')) {
      this.i++;
      args.push(this.and(depth));
    }
    return args.length === 1 ? args[0]! : { kind: 'or', args: flatten('or', args) };
  }

  private and(depth: number): LicenseExpr {
    const args = [this.with(depth)];
    while (this.peekOp('AND')) {
      this.i++;
      args.push(this.with(depth));
    }
    return args.length === 1 ? args[0]! : { kind: 'and', args: flatten('and', args) };
  }

  private with(depth: number): LicenseExpr {
    const left = this.primary(depth);
    if (!this.peekOp('WITH')) return left;
    // WITH binds only to a simple expression, never to a parenthesised one (ABNF).
    if (left.kind !== 'license' || left.exception !== undefined) {
      throw new LicenseExpressionError('WITH must follow a single license identifier');
    }
    this.i++;
    const t = this.toks[this.i];
    if (t === undefined || t.t !== 'word' || !EXCEPTION_TOKEN.test(t.w)) {
      throw new LicenseExpressionError(`expected an exception identifier after WITH, got ${this.describe(t)}`);
    }
    this.i++;
    return { ...left, exception: t.w };
  }

  private primary(depth: number): LicenseExpr {
    const t = this.toks[this.i];
    if (t === undefined) throw new LicenseExpressionError('unexpected end of expression');
    if (t.t === '(') {
      if (depth >= MAX_NESTING) throw new LicenseExpressionError(`parentheses nested deeper than ${MAX_NESTING}`);
      this.i++;
      const inner = this.or(depth + 1);
      const close = this.toks[this.i];
      if (close === undefined || close.t !== ')') throw new LicenseExpressionError(`expected ")", got ${this.describe(close)}`);
      this.i++;
      return inner;
    }
    if (t.t !== 'word') throw new LicenseExpressionError(`unexpected ${this.describe(t)}`);
    this.i++;
    const up = t.w.toUpperCase();
    if (up === 'NOASSERTION' || up === 'NONE') return { kind: 'special', value: up };
    if (!LICENSE_TOKEN.test(t.w)) throw new LicenseExpressionError(`"${t.w}" is not a license identifier`);
    const plus = t.w.endsWith('+');
    return { kind: 'license', id: plus ? t.w.slice(0, -1) : t.w, plus };
  }
}

function flatten(kind: 'and' | 'or', args: LicenseExpr[]): LicenseExpr[] {
  const out: LicenseExpr[] = [];
  for (const a of args) {
    if (a.kind === kind) out.push(...a.args);
    else out.push(a);
  }
  return out;
}

/** Parses an SPDX license expression; throws LicenseExpressionError when it is not one. */
export function parseLicenseExpression(input: string): LicenseExpr {
  if (input.length > MAX_EXPRESSION_LENGTH) {
    throw new LicenseExpressionError(`license expression longer than ${MAX_EXPRESSION_LENGTH} characters`);
  }
  return new Parser(tokenize(input)).parse();
}

/** Canonical text of a parsed expression (for messages and tests). */
export function formatLicenseExpression(e: LicenseExpr, parentKind?: 'and' | 'or'): string {
  switch (e.kind) {
    case 'special':
      return e.value;
    case 'license':
      return `${e.id}${e.plus ? '+' : ''}${e.exception !== undefined ? ` WITH ${e.exception}` : ''}`;
    default: {
      const s = e.args.map((a) => formatLicenseExpression(a, e.kind)).join(e.kind === 'and' ? ' AND ' : ' OR ');
      // OR inside AND needs parentheses; AND inside OR does not (AND binds tighter).
      return parentKind === 'and' && e.kind === 'or' ? `(${s})` : s;
    }
  }
}
