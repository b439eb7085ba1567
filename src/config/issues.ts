import { z } from 'zod';
import { RatifyError } from '../errors.js';

/**
 * Problems found in a config.json, in one shape for every section and plugin: the place
 * (`verifier.plugins[2].disallowedSeverity`), a stable code, a message, and for a misspelt key
 * or value the closest known one. Every schema's issues and every build error go through here,
 * so the CLI, `config validate`, and the server's reload log say the same thing.
 */
export type IssueCode =
  | 'invalid_json'
  | 'unknown_key'
  | 'missing_key'
  | 'invalid_type'
  | 'invalid_value'
  /** A Ratify key whose feature ratify-ts does not have (a warning: nothing is weakened by it). */
  | 'unsupported_key'
  /** A known plugin that this build cannot run (regoPolicy). */
  | 'unavailable'
  | 'plugin_not_found'
  /** The entry passed its schema but building it failed (unreadable file, bad trust policy, ...). */
  | 'build_failed';

export interface ConfigIssue {
  path: string;
  code: IssueCode;
  message: string;
  suggestion?: string;
}

export type IssuePath = ReadonlyArray<PropertyKey>;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `["verifier", "plugins", 2, "key"]` → `verifier.plugins[2].key`; odd keys as `["application/spdx+json"]`. */
export function formatPath(path: IssuePath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (IDENT.test(String(p))) out += out ? `.${String(p)}` : String(p);
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out || '(root)';
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.path}: ${i.message}${i.suggestion !== undefined ? ` (did you mean ${JSON.stringify(i.suggestion)}?)` : ''}`;
}

/** One line naming every issue (error messages and log lines stay single-line). */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map(formatIssue).join('; ');
}

/** Edit distance with adjacent transpositions (optimal string alignment), case-insensitive: a key that differs only in case is distance 0. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...Array<number>(t.length).fill(0)]);
  for (let j = 1; j <= t.length; j++) d[0]![j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[s.length]![t.length]!;
}

/** The closest candidate when it is close enough to be a likely typo (about a third of the letters), else undefined. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    if (c === word) continue;
    const d = distance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  if (best !== undefined && bestD === 0) return best;
  // Below three letters everything is one edit from something: no guess.
  if (best !== undefined && Math.min(word.length, best.length) >= 3 && bestD <= Math.max(1, Math.floor(Math.max(word.length, best.length) / 3))) return best;
  // A known key with something added or cut off at the end ("versionInfo" for "version").
  const w = word.toLowerCase();
  for (const c of candidates) {
    const k = c.toLowerCase();
    if (Math.min(k.length, w.length) >= 4 && (w.startsWith(k) || k.startsWith(w))) return c;
  }
  return undefined;
}

// zod's schema definitions, read only to learn which keys an object at a path knows.
interface Def {
  type: string;
  shape?: Record<string, Schema>;
  innerType?: Schema;
  in?: Schema;
  out?: Schema;
  element?: Schema;
  valueType?: Schema;
  options?: Schema[];
  left?: Schema;
  right?: Schema;
  getter?: () => Schema;
}
interface Schema {
  _zod: { def: Def };
}

/** The object schemas reachable at `path` (unions give several). */
function objectsAt(schema: Schema, path: IssuePath): Schema[] {
  const def = schema._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return objectsAt(def.innerType!, path);
    case 'pipe':
      return [...objectsAt(def.in!, path), ...(def.out ? objectsAt(def.out, path) : [])];
    case 'lazy':
      return objectsAt(def.getter!(), path);
    case 'union':
      return def.options!.flatMap((o) => objectsAt(o, path));
    case 'intersection':
      return [...objectsAt(def.left!, path), ...objectsAt(def.right!, path)];
  }
  if (path.length === 0) return def.type === 'object' ? [schema] : [];
  const [head, ...rest] = path;
  if (def.type === 'object') {
    const child = def.shape![String(head)];
    return child ? objectsAt(child, rest) : [];
  }
  if (def.type === 'array') return objectsAt(def.element!, rest);
  if (def.type === 'record') return objectsAt(def.valueType!, rest);
  return [];
}

function knownKeysAt(schema: Schema, path: IssuePath): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((o) => Object.keys(o._zod.def.shape ?? {})))];
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** An issue before its path is printed (what nested schemas hand to their parent). */
export interface RawIssue {
  path: PropertyKey[];
  code: IssueCode;
  message: string;
  suggestion?: string;
}

/**
 * Converts zod issues (parsed with `reportInput: true`) into RawIssues. Custom issues may carry
 * `params: {code, suggestion}` (see `dispatch`).
 */
export function rawIssues(schema: z.ZodType, error: { issues: readonly z.core.$ZodIssue[] }): RawIssue[] {
  const out: RawIssue[] = [];
  for (const i of error.issues) {
    const at = [...i.path];
    const input = (i as { input?: unknown }).input;
    switch (i.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema as unknown as Schema, i.path);
        for (const key of i.keys) {
          const suggestion = closest(key, known);
          const issue: RawIssue = { path: [...at, key], code: 'unknown_key', message: `unknown key ${JSON.stringify(key)}` };
          if (suggestion !== undefined) issue.suggestion = suggestion;
          else if (known.length > 0) issue.message += `; known keys: ${known.join(', ')}`;
          out.push(issue);
        }
        break;
      }
      case 'invalid_type': {
        const defaultText = i.message.startsWith('Invalid input');
        if (input === undefined) out.push({ path: at, code: 'missing_key', message: defaultText ? `required (${i.expected})` : i.message });
        else out.push({ path: at, code: 'invalid_type', message: defaultText ? `expected ${i.expected}, got ${kind(input)}` : i.message });
        break;
      }
      case 'invalid_value': {
        const values = i.values.map((v) => JSON.stringify(v));
        const issue: RawIssue = {
          path: at,
          code: 'invalid_value',
          message: i.message.startsWith('Invalid') ? `must be ${values.length === 1 ? values[0] : `one of ${values.join(', ')}`}, got ${JSON.stringify(input)}` : i.message,
        };
        const suggestion = typeof input === 'string' ? closest(input, i.values.filter((v): v is string => typeof v === 'string')) : undefined;
        if (suggestion !== undefined) issue.suggestion = suggestion;
        out.push(issue);
        break;
      }
      case 'invalid_union':
        out.push({ path: at, code: 'invalid_type', message: i.message === 'Invalid input' ? `has the wrong type (got ${kind(input)})` : i.message });
        break;
      default: {
        const params = (i as { params?: { code?: IssueCode; suggestion?: string } }).params;
        const issue: RawIssue = { path: at, code: params?.code ?? 'invalid_value', message: i.message };
        if (params?.suggestion !== undefined) issue.suggestion = params.suggestion;
        out.push(issue);
      }
    }
  }
  return out;
}

export function formatRaw(i: RawIssue, base: IssuePath = []): ConfigIssue {
  const c: ConfigIssue = { path: formatPath([...base, ...i.path]), code: i.code, message: i.message };
  if (i.suggestion !== undefined) c.suggestion = i.suggestion;
  return c;
}

export function issuesFromZod(schema: z.ZodType, error: z.ZodError, base: IssuePath = []): ConfigIssue[] {
  return rawIssues(schema, error).map((i) => formatRaw(i, base));
}

/** Hands a nested schema's issues to the enclosing one, keeping codes and suggestions. */
export function addRawIssues(ctx: z.RefinementCtx, issues: readonly RawIssue[], prefix: PropertyKey[] = []): void {
  for (const i of issues) {
    ctx.addIssue({ code: 'custom', path: [...prefix, ...i.path], message: i.message, params: { code: i.code, ...(i.suggestion !== undefined ? { suggestion: i.suggestion } : {}) } });
  }
}

/**
 * A schema that checks an object with the schema `pick` chooses for it (a plugin entry by its
 * type, an auth provider by its name), or reports the issue `pick` returns. By default the value
 * is kept as written (plugins receive their entry unchanged); `parsed` returns the chosen
 * schema's output instead.
 */
export function dispatch<T = Record<string, unknown>>(pick: (v: Record<string, unknown>) => z.ZodType | RawIssue, keep: 'raw' | 'parsed' = 'raw'): z.ZodType<T> {
  return z.record(z.string(), z.unknown()).transform((v, ctx) => {
    const chosen = pick(v);
    if (!(chosen instanceof z.ZodType)) {
      addRawIssues(ctx, [chosen]);
      return z.NEVER;
    }
    const r = chosen.safeParse(v, { reportInput: true });
    if (!r.success) {
      addRawIssues(ctx, rawIssues(chosen, r.error));
      return z.NEVER;
    }
    return keep === 'raw' ? v : r.data;
  }) as unknown as z.ZodType<T>;
}

/** Parses `value` with `schema`; on failure, the issues under `base`. */
export function check<S extends z.ZodType>(schema: S, value: unknown, base: IssuePath = []): { data: z.output<S>; issues: [] } | { data?: undefined; issues: ConfigIssue[] } {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return { data: r.data, issues: [] };
  return { issues: issuesFromZod(schema, r.error, base) };
}

/** CONFIG_INVALID naming every issue. */
export function configInvalid(what: string, issues: readonly ConfigIssue[]): RatifyError {
  return new RatifyError('CONFIG_INVALID', `${what} is invalid`, {
    cause: new Error(formatIssues(issues)),
    remediation: 'Fix the keys named above (`ratify config validate -c <file>` lists every problem); see README "Configuration"',
  });
}

/** Parses a config entry or throws CONFIG_INVALID with every issue (factories call this). */
export function parseEntry<S extends z.ZodType>(schema: S, value: unknown, base: IssuePath, what = formatPath(base)): z.output<S> {
  const r = check(schema, value, base);
  if (r.issues.length > 0) throw configInvalid(what, r.issues);
  return r.data as z.output<S>;
}

/** Splits `verifier.plugins[2]` (as printed by formatPath) back into path parts, for factories given a `where` string. */
export function parsePath(where: string): IssuePath {
  const out: PropertyKey[] = [];
  for (const m of where.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}
