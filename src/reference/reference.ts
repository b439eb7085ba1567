import { RatifyError } from '../errors.js';
import { parseDigest } from '../oci/digest.js';

/**
 * An image reference after docker normalisation, as distribution's ParseDockerRef returns it.
 * `original` is the normalised string form Ratify carries in reports and cache keys.
 */
export interface Reference {
  /** Registry after normalisation, in lower case: "docker.io", "localhost:5000", "[::1]:5000". */
  registry: string;
  /** Repository path inside the registry: "library/nginx". */
  repository: string;
  tag?: string;
  digest?: string;
  /** registry + "/" + repository. */
  path: string;
  /** Normalised string: path[:tag][@digest]. */
  original: string;
}

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
/**
 * distribution/reference v0.6.0 (the version Ratify 1.4 builds with) limits the repository path
 * (the name without its domain) to 255 characters; older releases counted the domain too.
 */
const REPOSITORY_NAME_TOTAL_LENGTH_MAX = 255;
/**
 * Not in distribution: the grammar leaves the domain unbounded, so cap the whole input before
 * running any regular expression over it (path 255 + tag 128 + digest ≤ 135 leave plenty of room).
 */
const INPUT_LENGTH_MAX = 4096;

// The distribution/reference grammar, anchored piece by piece.
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const HOST = `(?:${DOMAIN_NAME}|${IPV6})`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REFERENCE_RE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ANCHORED_NAME_RE = new RegExp(`^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;

/** Keeps error messages readable when the input is huge. */
function shown(input: string): string {
  return JSON.stringify(input.length > 256 ? `${input.slice(0, 128)}…(${input.length} chars)` : input);
}

function invalid(input: string, why: string): RatifyError {
  return new RatifyError('REFERENCE_INVALID', 'failed to parse subject reference', {
    cause: new Error(`${why}: ${shown(input)}`),
    remediation:
      'Use a reference like registry.example.com/repo:tag or registry.example.com/repo@sha256:<64 hex> (lower-case repository name)',
  });
}

/**
 * distribution's splitDockerDomain: the first path element is the registry when it is
 * "localhost", contains "." or ":", or has an upper-case letter (repositories are lower-case);
 * "index.docker.io" becomes "docker.io", and single-element Docker Hub names get "library/".
 *
 * Unlike distribution, the registry comes back in lower case: host names are case-insensitive
 * (DNS), and everything keyed on the registry (store scopes, notation and cosign trust-policy
 * scopes, cache keys, reports) must see one form, or `LOCALHOST:5000/app` escapes a scope written
 * for `localhost:5000/app`. A host that is a registry only because of its upper case ("FOO/bar")
 * is refused: in lower case it would read as a Docker Hub namespace, so the subject string we
 * report (and hand to plugins) would name another image.
 */
function splitDockerDomain(name: string, input: string): [string, string] {
  const i = name.indexOf('/');
  let domain: string;
  let rest: string;
  const first = i === -1 ? '' : name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    rest = name;
  } else {
    domain = first.toLowerCase();
    rest = name.slice(i + 1);
    if (domain !== first && !/[.:]/.test(domain) && domain !== 'localhost') {
      throw invalid(input, `registry host ${JSON.stringify(first)} is a registry only because of its upper case; in lower case it would name a Docker Hub repository`);
    }
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !rest.includes('/')) rest = OFFICIAL_REPO_PREFIX + rest;
  return [domain, rest];
}

/**
 * Parse like distribution's ParseDockerRef: normalise docker names, add ":latest" when
 * neither tag nor digest is present, and drop the tag when a digest is present.
 */
export function parseReference(input: string): Reference {
  if (typeof input !== 'string') throw invalid(String(input), 'reference must be a string');
  if (input.length === 0) throw invalid(input, 'repository name must have at least one component');
  if (input.length > INPUT_LENGTH_MAX) {
    throw invalid(input, `reference must not be more than ${INPUT_LENGTH_MAX} characters`);
  }
  if (IDENTIFIER_RE.test(input)) {
    throw invalid(input, 'invalid repository name, cannot specify 64-byte hexadecimal strings');
  }
  // Split off digest and tag first so that the name can be normalised on its own.
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  // The tag separator is the last ':' after the last '/' (a ':' before it is a port).
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash && !rest.slice(colon).includes(']')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const [domain, remainder] = splitDockerDomain(rest, input);
  if (remainder.toLowerCase() !== remainder) {
    throw invalid(input, 'invalid reference format: repository name must be lowercase');
  }
  const name = `${domain}/${remainder}`;
  const m = ANCHORED_NAME_RE.exec(name);
  if (!m) throw invalid(input, 'invalid reference format');
  // distribution re-splits the normalised name with its own grammar. When the element that
  // splitDockerDomain took as the registry is not a valid domain but the whole name is still
  // a valid path ("foo_bar.com/app"), the reference is valid with an empty domain and the
  // whole name as its path. The registry to contact is still that first element (oras-go
  // reads the reference that way), so registry/repository below keep the split.
  const repositoryPath = m[1] !== undefined ? (m[2] ?? '') : name;
  if (repositoryPath.length > REPOSITORY_NAME_TOTAL_LENGTH_MAX) {
    throw invalid(input, `repository name must not be more than ${REPOSITORY_NAME_TOTAL_LENGTH_MAX} characters`);
  }
  if (tag !== undefined && !TAG_RE.test(tag)) throw invalid(input, 'invalid reference format: invalid tag');
  const full = `${name}${tag !== undefined ? ':' + tag : ''}${digest !== undefined ? '@' + digest : ''}`;
  if (!REFERENCE_RE.test(full)) throw invalid(input, 'invalid reference format');
  if (digest !== undefined) {
    try {
      parseDigest(digest);
    } catch (e) {
      throw invalid(input, (e as Error).message);
    }
    // ParseDockerRef: a canonical reference keeps only the digest.
    tag = undefined;
  } else if (tag === undefined) {
    tag = 'latest';
  }
  return makeReference(domain, remainder, tag, digest);
}

export function makeReference(registry: string, repository: string, tag?: string, digest?: string): Reference {
  // An empty registry marks a local source (OCI layout directory) whose path is the repository.
  const path = registry ? `${registry}/${repository}` : repository;
  const original = `${path}${tag !== undefined ? ':' + tag : ''}${digest !== undefined ? '@' + digest : ''}`;
  const ref: Reference = { registry, repository, path, original };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/**
 * The same repository, addressed by digest (nested subjects: "<path>@<digest>"). Like
 * distribution's WithDigest the digest is validated; any tag is dropped, as ParseDockerRef does.
 */
export function withDigest(ref: Reference, digest: string): Reference {
  try {
    parseDigest(digest);
  } catch (e) {
    throw invalid(`${ref.path}@${String(digest)}`, (e as Error).message);
  }
  return makeReference(ref.registry, ref.repository, undefined, digest);
}

/** The host to contact: docker.io is served by registry-1.docker.io (oras-go Reference.Host()). */
export function registryHost(registry: string): string {
  return registry === DEFAULT_DOMAIN ? 'registry-1.docker.io' : registry;
}

/** Validates a tag alone (used when a tag is given separately): distribution's tag grammar, 1-128 chars. */
export function isValidTag(tag: string): boolean {
  return typeof tag === 'string' && TAG_RE.test(tag);
}

/**
 * Loopback registries get the lenient transport (TLS verification off), as Ratify's ORAS store
 * does. Ratify decides on the normalised reference string: it starts with "localhost:" or
 * contains "127.0.0.1" or "::1" anywhere (reference §5.1). This is the part of that rule that
 * names a loopback host: "localhost" with a port, 127.0.0.1 and [::1] (with or without port).
 * Deliberately never more lenient than Ratify: bare "localhost" and 127.0.0.2 keep TLS
 * verification (as in Ratify), and accidental substring matches of Ratify's rule
 * ("[2001:db8::1]", "127.0.0.1.nip.io", a tag "127.0.0.1") do not switch verification off.
 */
export function isLoopbackRegistry(registry: string): boolean {
  if (registry.startsWith('localhost:')) return true;
  const host = hostOnly(registry);
  return host === '127.0.0.1' || (host === '::1' && registry.startsWith('['));
}

/** The host part without port or IPv6 brackets: "[::1]:5000" -> "::1", "localhost:5000" -> "localhost". */
export function hostOnly(registry: string): string {
  if (registry.startsWith('[')) {
    const end = registry.indexOf(']');
    return end === -1 ? registry.slice(1) : registry.slice(1, end);
  }
  const c = registry.lastIndexOf(':');
  return c === -1 ? registry : registry.slice(0, c);
}
