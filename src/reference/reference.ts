import { RatifyError } from '../errors.js';
import { parseDigest } from '../oci/digest.js';

/**
 * An image reference after docker normalisation, as distribution's ParseDockerRef returns it.
 * `original` is the normalised string form Ratify carries in reports and cache keys.
 */
export interface Reference {
  /** Registry as written in the reference after normalisation: "docker.io", "localhost:5000", "[::1]:5000". */
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
const NAME_TOTAL_LENGTH_MAX = 255;

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

function invalid(input: string, why: string): RatifyError {
  return new RatifyError('REFERENCE_INVALID', 'failed to parse subject reference', {
    cause: new Error(`${why}: ${JSON.stringify(input)}`),
    remediation:
      'Use a reference like registry.example.com/repo:tag or registry.example.com/repo@sha256:<64 hex> (lower-case repository name)',
  });
}

/** distribution's splitDockerDomain: decides whether the first path element is a registry. */
function splitDockerDomain(name: string): [string, string] {
  const i = name.indexOf('/');
  let domain: string;
  let rest: string;
  const first = i === -1 ? '' : name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    rest = name;
  } else {
    domain = first;
    rest = name.slice(i + 1);
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
  if (typeof input !== 'string' || input.length === 0) throw invalid(String(input), 'empty reference');
  if (input.length > 4096) throw invalid(input.slice(0, 64) + '…', 'reference too long');
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
  const [domain, remainder] = splitDockerDomain(rest);
  if (remainder.toLowerCase() !== remainder) {
    throw invalid(input, 'invalid reference format: repository name must be lowercase');
  }
  const name = `${domain}/${remainder}`;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw invalid(input, `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const m = ANCHORED_NAME_RE.exec(name);
  if (!m || !m[1]) throw invalid(input, 'invalid reference format');
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
  const path = `${registry}/${repository}`;
  const original = `${path}${tag !== undefined ? ':' + tag : ''}${digest !== undefined ? '@' + digest : ''}`;
  const ref: Reference = { registry, repository, path, original };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** The same repository, addressed by digest (nested subjects: "<path>@<digest>"). */
export function withDigest(ref: Reference, digest: string): Reference {
  return makeReference(ref.registry, ref.repository, undefined, digest);
}

/** The host to contact: docker.io is served by registry-1.docker.io (oras-go Reference.Host()). */
export function registryHost(registry: string): string {
  return registry === DEFAULT_DOMAIN ? 'registry-1.docker.io' : registry;
}

/** Validates a repository name alone (used when a tag is given separately). */
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** Loopback registries get the lenient transport Ratify uses (insecure TLS), as oras's store does. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = hostOnly(registry);
  return host === 'localhost' || host === '127.0.0.1' || host === '::1' || host.startsWith('127.');
}

/** The host part without port or IPv6 brackets. */
export function hostOnly(registry: string): string {
  if (registry.startsWith('[')) {
    const end = registry.indexOf(']');
    return registry.slice(1, end);
  }
  const c = registry.lastIndexOf(':');
  return c === -1 ? registry : registry.slice(0, c);
}
