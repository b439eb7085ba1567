/**
 * Registry scopes: their format (a fully qualified repository `registry/repo`, as notation-go checks
 * with distribution's domain and repository grammar) and picking the statement that applies to an
 * artifact (exact repository match first, then the global `*` statement).
 */
import { RatifyError } from '../../../errors.js';
import { goQuote } from '../../../crypto/dn.js';
import { WILDCARD, type TrustPolicy, type TrustPolicyDocument } from './types.js';

const TRUST_POLICY_LINK = 'https://notaryproject.dev/docs/quickstart/#create-a-trust-policy';
const ENSURE =
  'make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout';

const isAlnum = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

/** One DNS label of distribution's domain grammar: alphanumerics and inner hyphens. */
function isDomainLabel(label: string): boolean {
  if (label.length === 0 || !isAlnum(label[0]!) || !isAlnum(label[label.length - 1]!)) return false;
  for (const c of label) if (c !== '-' && !isAlnum(c)) return false;
  return true;
}

/** `host(.host)*(:port)?` — distribution's domain regexp, checked without backtracking. */
function isDomain(domain: string): boolean {
  let host = domain;
  const colon = domain.indexOf(':');
  if (colon >= 0) {
    const port = domain.slice(colon + 1);
    if (!/^[0-9]+$/.test(port)) return false;
    host = domain.slice(0, colon);
  }
  return host.split('.').every(isDomainLabel);
}

/**
 * One path component: lower-case alphanumeric runs joined by `.`, `_`, `__` or any run of `-`.
 * Equivalent to notation's `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*`, written so that a hostile
 * artifact reference cannot trigger exponential regex backtracking (the original nests quantifiers).
 */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|__?|-+)[a-z0-9]+)*$/;

function isRepository(repo: string): boolean {
  return repo.split('/').every((c) => PATH_COMPONENT.test(c));
}

/**
 * notation-go `validateRegistryScopeFormat`; returns notation's error text, or undefined when the
 * scope is a valid `registry/repository`.
 */
export function registryScopeFormatError(scope: string): string | undefined {
  if (scope.length > 1 && scope.includes('*')) {
    return `registry scope ${goQuote(scope)} with wild card(s) is not valid, ${ENSURE}`;
  }
  const slash = scope.indexOf('/');
  if (slash < 0) return `registry scope ${goQuote(scope)} is not valid, ${ENSURE}`;
  const domain = scope.slice(0, slash);
  const repository = scope.slice(slash + 1);
  if (domain === '' || repository === '' || !isDomain(domain) || !isRepository(repository)) {
    return `registry scope ${goQuote(scope)} is not valid, ${ENSURE}`;
  }
  return undefined;
}

/** An artifact that no trust policy statement covers (notation's ErrorNoApplicableTrustPolicy). */
export class NoApplicableTrustPolicyError extends RatifyError {
  constructor(message: string) {
    super('VERIFY_REFERENCE_FAILURE', message, {
      component: 'verifier',
      remediation: 'Add a trust policy statement whose registryScopes contain the repository, or a "*" statement',
    });
    this.name = 'NoApplicableTrustPolicyError';
  }
}

/**
 * The repository path of a digest reference `registry/repo@sha256:...` (notation-go
 * `getArtifactPathFromReference`); throws when there is no `@` or the path is not a valid scope.
 */
export function artifactPathFromReference(artifactReference: string): string {
  const at = artifactReference.lastIndexOf('@');
  if (at < 0) {
    throw new NoApplicableTrustPolicyError(
      `artifact URI ${goQuote(artifactReference)} could not be parsed, make sure it is the fully qualified oci artifact URI without the scheme/protocol. e.g domain.com:80/my/repository@sha256:digest`,
    );
  }
  const path = artifactReference.slice(0, at);
  const err = registryScopeFormatError(path);
  if (err !== undefined) throw new NoApplicableTrustPolicyError(err);
  return path;
}

/**
 * The statement applying to a repository path (`registry/repo`): the one listing it exactly, else the
 * `*` statement, else undefined. With several matches the last wins, as in notation-go (a validated
 * document never has several).
 */
export function trustPolicyForRepository(doc: TrustPolicyDocument, repositoryPath: string): TrustPolicy | undefined {
  let exact: TrustPolicy | undefined;
  let wildcard: TrustPolicy | undefined;
  const wanted = comparableScope(repositoryPath);
  for (const p of doc.trustPolicies) {
    if (p.registryScopes.includes(WILDCARD)) wildcard = p;
    else if (p.registryScopes.some((s) => comparableScope(s) === wanted)) exact = p;
  }
  return exact ?? wildcard;
}

/**
 * A scope as it is compared: the registry host in lower case (host names are case-insensitive,
 * and subjects arrive with lower-case hosts), so "LOCALHOST:5000/app" and "localhost:5000/app"
 * are one scope and neither falls through to the "*" statement. Repositories are lower case by
 * the grammar already.
 */
export function comparableScope(scope: string): string {
  const slash = scope.indexOf('/');
  return slash < 0 ? scope : scope.slice(0, slash).toLowerCase() + scope.slice(slash);
}

/**
 * notation-go `GetApplicableTrustPolicy` for a digest reference `registry/repo@sha256:...` (what
 * Ratify passes: `<subject path>@<subject digest>`). Throws NoApplicableTrustPolicyError with
 * notation's text when no statement applies.
 */
export function applicableTrustPolicy(doc: TrustPolicyDocument, artifactReference: string): TrustPolicy {
  const path = artifactPathFromReference(artifactReference);
  const policy = trustPolicyForRepository(doc, path);
  if (policy === undefined) {
    throw new NoApplicableTrustPolicyError(
      `artifact ${goQuote(artifactReference)} has no applicable trust policy statement. Trust policy applicability for a given artifact is determined by registryScopes. To create a trust policy, see: ${TRUST_POLICY_LINK}`,
    );
  }
  return policy;
}
