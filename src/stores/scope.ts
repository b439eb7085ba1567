import { z } from 'zod';
import { RatifyError } from '../errors.js';
import type { Reference } from '../reference/reference.js';

/**
 * Which subjects a store answers for. A store that answers for a subject it does not hold is how a
 * verifier ends up approving an image it never saw (an OCI layout answering for any registry by tag
 * alone), so every store has a scope and a subject no store owns fails closed.
 *
 * Patterns, after ratify-go's store mux (registry/repository patterns, most specific wins) with the
 * repository-prefix form the issue asks for:
 *   `*`                          every registry subject (the `oras` default, as in Ratify v1)
 *   `*.example.com[:port]`       any host one DNS label below example.com (RFC 6125 §6.4.3)
 *   `registry.example.com[:port]` or `registry.example.com/*`   every repository on that host
 *   `registry.example.com/team/*` every repository under `team/` (whole path components only)
 *   `registry.example.com/team/app` exactly that repository
 * Host names compare case-insensitively (DNS); repositories are lower-case by the reference grammar.
 */
export type ScopePattern =
  | { kind: 'any'; text: string }
  | { kind: 'dns-wildcard'; text: string; zone: string; port: string }
  | { kind: 'registry'; text: string; registry: string }
  | { kind: 'repository-prefix'; text: string; registry: string; prefix: string }
  | { kind: 'repository'; text: string; registry: string; repository: string };

// Ranks of specificity; within a rank, a longer repository prefix is more specific.
const RANK = { any: 0, 'dns-wildcard': 1, registry: 2, 'repository-prefix': 3, repository: 4 } as const;

const DOMAIN_COMPONENT = '(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])';
const HOST_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-f0-9:]+\\])(?::[0-9]{1,5})?$`);
const ZONE_RE = new RegExp(`^${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]{1,5})?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;

/** Registry names compare in one form: lower-case host, Docker Hub's legacy name folded. */
export function normaliseRegistry(registry: string): string {
  const r = registry.toLowerCase();
  return r === 'index.docker.io' ? 'docker.io' : r;
}

function bad(pattern: string, why: string): RatifyError {
  return new RatifyError('CONFIG_INVALID', `invalid store scope ${JSON.stringify(pattern)}: ${why}`, {
    remediation:
      'Use "*", "registry.example.com", "*.example.com", "registry.example.com/*", "registry.example.com/team/*" or "registry.example.com/team/app"',
  });
}

/** Parses one scope pattern; throws CONFIG_INVALID naming the pattern and the rule it breaks. */
export function parseScopePattern(pattern: string): ScopePattern {
  if (typeof pattern !== 'string' || pattern.length === 0) throw bad(String(pattern), 'a scope must be a non-empty string');
  if (pattern.length > 512) throw bad(pattern.slice(0, 64) + '…', 'a scope must not be longer than 512 characters');
  if (pattern !== pattern.trim()) throw bad(pattern, 'leading or trailing white space');
  if (pattern === '*') return { kind: 'any', text: pattern };
  const slash = pattern.indexOf('/');
  const hostPart = slash === -1 ? pattern : pattern.slice(0, slash);
  const rest = slash === -1 ? undefined : pattern.slice(slash + 1);
  if (hostPart.startsWith('*.')) {
    if (rest !== undefined) throw bad(pattern, 'a DNS wildcard scope cannot name a repository');
    const zone = hostPart.slice(2).toLowerCase();
    if (!ZONE_RE.test(zone)) throw bad(pattern, 'invalid domain after "*." (one wildcard, at the start only)');
    const c = zone.lastIndexOf(':');
    return { kind: 'dns-wildcard', text: pattern, zone: c === -1 ? zone : zone.slice(0, c), port: c === -1 ? '' : zone.slice(c) };
  }
  const registry = normaliseRegistry(hostPart);
  if (!HOST_RE.test(registry)) throw bad(pattern, `invalid registry host ${JSON.stringify(hostPart)}`);
  if (rest === undefined || rest === '*') return { kind: 'registry', text: pattern, registry };
  const parts = rest.split('/');
  const prefix = parts[parts.length - 1] === '*';
  const components = prefix ? parts.slice(0, -1) : parts;
  for (const c of components) {
    if (c.includes('*')) throw bad(pattern, 'a wildcard is allowed only as the whole last path component ("team/*")');
    if (!PATH_COMPONENT_RE.test(c)) throw bad(pattern, `invalid repository path component ${JSON.stringify(c)} (lower-case letters, digits and separators)`);
  }
  const repository = components.join('/');
  return prefix ? { kind: 'repository-prefix', text: pattern, registry, prefix: repository + '/' } : { kind: 'repository', text: pattern, registry, repository };
}

/**
 * How specifically `p` matches `ref` (higher is more specific), or undefined when it does not.
 * Only registry references match: a subject without a registry (an OCI layout path) is owned by
 * the layout it names, never by a pattern.
 */
export function scopeMatch(p: ScopePattern, ref: Pick<Reference, 'registry' | 'repository'>): number | undefined {
  if (!ref.registry) return undefined;
  const registry = normaliseRegistry(ref.registry);
  switch (p.kind) {
    case 'any':
      return RANK.any;
    case 'dns-wildcard': {
      const c = registry.startsWith('[') ? -1 : registry.lastIndexOf(':');
      const host = c === -1 ? registry : registry.slice(0, c);
      const port = c === -1 ? '' : registry.slice(c);
      if (port !== p.port) return undefined;
      const dot = host.indexOf('.');
      return dot > 0 && host.slice(dot + 1) === p.zone ? RANK['dns-wildcard'] : undefined;
    }
    case 'registry':
      return registry === p.registry ? RANK.registry : undefined;
    case 'repository-prefix':
      return registry === p.registry && ref.repository.startsWith(p.prefix) ? RANK['repository-prefix'] * 1000 + p.prefix.length : undefined;
    case 'repository':
      return registry === p.registry && ref.repository === p.repository ? RANK.repository * 1000 : undefined;
  }
}

/** The best match of any of the patterns (undefined: the store does not own the subject). */
export function bestScopeMatch(patterns: readonly ScopePattern[], ref: Pick<Reference, 'registry' | 'repository'>): number | undefined {
  let best: number | undefined;
  for (const p of patterns) {
    const m = scopeMatch(p, ref);
    if (m !== undefined && (best === undefined || m > best)) best = m;
  }
  return best;
}

/** The `scopes` key of a store entry in config.json: a non-empty list of valid, distinct patterns. */
export const scopesSchema = z
  .array(z.string())
  .min(1, 'scopes must list at least one pattern (omit the key for the store\'s default scope)')
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((s, i) => {
      try {
        parseScopePattern(s);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: [i], message: e instanceof RatifyError ? e.detail : String(e) });
        return;
      }
      if (seen.has(s.toLowerCase())) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate scope ${JSON.stringify(s)}` });
      seen.add(s.toLowerCase());
    });
  });
