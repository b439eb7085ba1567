import { RatifyError } from '../../errors.js';

/**
 * Trust-policy scopes (Ratify pkg/verifier/cosign/trustpolicies.go): "*" (global, at most one
 * policy, alone in its list), "prefix*", or an exact reference. Scopes may not repeat or overlap,
 * so at most one non-global scope matches any reference.
 */

export const GLOBAL_SCOPE = '*';
const VALID_SCOPE = /^[a-z0-9.\-:@/]*\*?$/;

interface Scoped {
  name: string;
  scopes: readonly string[];
}

function bad(detail: string): RatifyError {
  return new RatifyError('CONFIG_INVALID', detail, { component: 'verifier', plugin: 'cosign' });
}

/** Ratify's validateScopes, with its messages and checking order. */
export function validateScopes(policies: readonly Scoped[]): void {
  const seen: string[] = [];
  let hasGlobal = false;
  for (const p of policies) {
    const scopes = p.scopes;
    if (scopes.length === 0) throw bad(`failed to create trust policies: no scopes defined for trust policy ${p.name}`);
    if (scopes.length > 1 && scopes.includes(GLOBAL_SCOPE)) {
      throw bad(`failed to create trust policies: global wildcard character ${GLOBAL_SCOPE} cannot be used with other scopes within the same trust policy ${p.name}`);
    }
    if (scopes.includes(GLOBAL_SCOPE)) {
      if (hasGlobal) throw bad(`failed to create trust policies: global wildcard character ${GLOBAL_SCOPE} can only be used once`);
      hasGlobal = true;
      continue;
    }
    for (const scope of scopes) {
      if (scope === '') throw bad(`failed to create trust policies: scope defined is empty for trust policy ${p.name}`);
      if (!VALID_SCOPE.test(scope)) throw bad(`failed to create trust policies: invalid scope ${scope} for trust policy ${p.name}`);
      if (seen.includes(scope)) throw bad(`failed to create trust policies: duplicate scope ${scope} for trust policy ${p.name}`);
      for (const existing of seen) {
        if (overlaps(scope, existing)) throw bad(`failed to create trust policies: overlapping scopes ${scope} and ${existing} for trust policy ${p.name}`);
      }
      seen.push(scope);
    }
  }
}

function overlaps(scope: string, existing: string): boolean {
  const wild = (s: string) => s.endsWith(GLOBAL_SCOPE);
  const trim = (s: string) => (wild(s) ? s.slice(0, -1) : s);
  if (wild(scope) && wild(existing)) {
    // The shorter prefix contains the longer one.
    return scope.length < existing.length ? trim(existing).startsWith(trim(scope)) : trim(scope).startsWith(trim(existing));
  }
  if (wild(existing)) return scope.startsWith(trim(existing));
  if (wild(scope)) return existing.startsWith(trim(scope));
  return false;
}

/**
 * The policy for a reference (Ratify's GetScopedPolicy, on the subject's normalised original
 * string, tag or digest form): an exact scope, else a matching prefix, else the global policy.
 */
export function selectPolicy<T extends Scoped>(policies: readonly T[], reference: string): T {
  let prefix: T | undefined;
  let global: T | undefined;
  for (const p of policies) {
    for (const scope of p.scopes) {
      if (scope === GLOBAL_SCOPE) global = p;
      else if (scope.endsWith(GLOBAL_SCOPE)) {
        if (prefix === undefined && reference.startsWith(scope.slice(0, -1))) prefix = p;
      } else if (scope === reference) return p;
    }
  }
  const found = prefix ?? global;
  if (found) return found;
  throw bad(`failed to get trust policy: no policy found for reference ${reference}`);
}
