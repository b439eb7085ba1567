import type { Context } from '../context.js';
import type { Cache } from '../cache/types.js';
import { abortError } from '../context.js';
import { RatifyError, type ErrorCode } from '../errors.js';
import { Digester, parseDigest, digestToTag } from '../oci/digest.js';
import type { Descriptor } from '../oci/descriptor.js';
import { jsonSyntaxText, parseImageIndex } from '../oci/manifest.js';
import { MANIFEST_ACCEPT, MediaType, bareMediaType, isManifestMediaType } from '../oci/mediatypes.js';
import { registryHost } from '../reference/reference.js';
import { Authenticator } from './auth.js';
import { parseChallenges } from './challenge.js';
import type { CredentialProvider } from './credentials.js';
import { ERROR_BODY_LIMIT, httpError, mismatch, notFound, tooLarge, tooManyReferrers } from './errors.js';
import { discardBody, header, readLimited, RegistryTransport, type TransportRequest, type TransportResponse } from './transport.js';

export interface RegistryClientOptions {
  /** Talk plain HTTP (Ratify's useHttp). */
  plainHttp?: boolean;
  transport: RegistryTransport;
  credentials?: CredentialProvider;
  manifestLimit?: number;
  blobLimit?: number;
  /** Most referrers accepted for one subject (across pages). */
  maxReferrers?: number;
  /** Most pages followed for a paginated listing. */
  maxPages?: number;
  /** Shared cache for bearer tokens (server replicas). */
  tokenCache?: Cache;
}

export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Buffer;
}

/** Result of the referrers API; `undefined` from `referrers()` means the registry does not implement it. */
export interface ReferrersPage {
  descriptors: Descriptor[];
  /** Whether the registry applied the artifactType filter itself (OCI-Filters-Applied). */
  filtered: boolean;
}

const DEFAULT_MANIFEST_LIMIT = 4 * 1024 * 1024;
const DEFAULT_BLOB_LIMIT = 64 * 1024 * 1024;
const DEFAULT_MAX_REFERRERS = 1000;
const DEFAULT_MAX_PAGES = 100;

type Action = 'pull' | 'push' | 'pull,push' | 'delete';

/**
 * An OCI distribution client: manifests, blobs, tags, referrers, with authentication,
 * digest verification of everything fetched and size limits on everything read.
 */
export class RegistryClient {
  readonly auth: Authenticator;
  private readonly o: Required<Omit<RegistryClientOptions, 'credentials' | 'tokenCache'>>;

  constructor(opts: RegistryClientOptions) {
    this.o = {
      plainHttp: false,
      manifestLimit: DEFAULT_MANIFEST_LIMIT,
      blobLimit: DEFAULT_BLOB_LIMIT,
      maxReferrers: DEFAULT_MAX_REFERRERS,
      maxPages: DEFAULT_MAX_PAGES,
      ...stripUndefined(opts),
    } as Required<Omit<RegistryClientOptions, 'credentials' | 'tokenCache'>>;
    this.auth = new Authenticator(opts.transport, opts.credentials, opts.tokenCache ? { shared: opts.tokenCache } : {});
  }

  get transport(): RegistryTransport {
    return this.o.transport;
  }

  baseUrl(registry: string): string {
    return `${this.o.plainHttp ? 'http' : 'https'}://${registryHost(registry)}`;
  }

  /** GET /v2/: checks that the registry speaks the distribution API and that we can authenticate. */
  async ping(ctx: Context, registry: string): Promise<void> {
    const res = await this.send(ctx, registry, undefined, 'pull', { method: 'GET', url: `${this.baseUrl(registry)}/v2/`, what: `ping ${registry}` });
    if (res.statusCode !== 200) throw await httpError(res, `ping ${registry}`, 'REPOSITORY_OPERATION_FAILURE');
    await res.body.dump?.();
  }

  /**
   * HEAD the manifest for its descriptor. Falls back to GET (and hashing the body) when the
   * registry does not return Docker-Content-Digest on HEAD.
   */
  async resolve(ctx: Context, registry: string, repo: string, reference: string): Promise<Descriptor> {
    const what = `resolve ${registry}/${repo}${refSep(reference)}${reference}`;
    const res = await this.send(ctx, registry, repo, 'pull', {
      method: 'HEAD',
      url: this.manifestUrl(registry, repo, reference),
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
      what,
    });
    await res.body.dump?.();
    if (res.statusCode === 404) throw notFound(what);
    if (res.statusCode !== 200) throw await httpError(res, what, 'REPOSITORY_OPERATION_FAILURE');
    const digest = header(res.headers, 'docker-content-digest');
    const mediaType = bareMediaType(header(res.headers, 'content-type'));
    const size = Number(header(res.headers, 'content-length'));
    if (!digest || !isManifestMediaType(mediaType) || !Number.isSafeInteger(size)) {
      return (await this.fetchManifest(ctx, registry, repo, reference)).descriptor;
    }
    checkHeaderDigest(digest, reference, what);
    if (size > this.o.manifestLimit) throw tooLarge(what, size, this.o.manifestLimit);
    return { mediaType, digest, size };
  }

  /**
   * GET a manifest by tag or digest. The body is checked against the requested digest, or
   * the Docker-Content-Digest header for tags, and against `expected.size` when given.
   */
  async fetchManifest(
    ctx: Context,
    registry: string,
    repo: string,
    reference: string,
    expected?: Partial<Descriptor>,
    accept: readonly string[] = MANIFEST_ACCEPT,
  ): Promise<FetchedManifest> {
    const what = `fetch manifest ${registry}/${repo}${refSep(reference)}${reference}`;
    if (expected?.size !== undefined && expected.size > this.o.manifestLimit) throw tooLarge(what, expected.size, this.o.manifestLimit);
    const res = await this.send(ctx, registry, repo, 'pull', {
      method: 'GET',
      url: this.manifestUrl(registry, repo, reference),
      headers: { accept: accept.join(', ') },
      what,
    });
    if (res.statusCode === 404) {
      await res.body.dump?.();
      throw notFound(what);
    }
    if (res.statusCode !== 200) throw await httpError(res, what, 'REPOSITORY_OPERATION_FAILURE');
    const mediaType = bareMediaType(header(res.headers, 'content-type'));
    if (!isManifestMediaType(mediaType)) {
      await res.body.dump?.();
      throw new RatifyError('MANIFEST_INVALID', `${what}: unexpected content type ${JSON.stringify(mediaType)}`, {
        remediation: 'The registry did not return an OCI or Docker manifest; check the reference',
      });
    }
    const headerDigest = header(res.headers, 'docker-content-digest');
    const wanted = expected?.digest ?? (isDigestRef(reference) ? reference : headerDigest);
    let alg: ReturnType<typeof safeAlg>;
    try {
      alg = wanted ? safeAlg(wanted, what) : 'sha256';
    } catch (e) {
      // Free the connection now rather than at the body timeout.
      discardBody(res);
      throw e;
    }
    const digester = new Digester(alg);
    const bytes = await this.read(ctx, res, this.o.manifestLimit, what, (c) => digester.update(c), 'MANIFEST_INVALID');
    const actual = digester.digest();
    if (wanted && actual !== wanted) throw mismatch(what, wanted, actual);
    if (headerDigest && headerDigest !== actual && parseDigestSafe(headerDigest)?.algorithm === alg) {
      throw mismatch(`${what} (Docker-Content-Digest header)`, headerDigest, actual);
    }
    if (expected?.size !== undefined && expected.size !== bytes.length) {
      throw new RatifyError('MANIFEST_INVALID', `${what}: size ${bytes.length} does not match the descriptor size ${expected.size}`);
    }
    return { descriptor: { mediaType, digest: actual, size: bytes.length }, bytes };
  }

  /** GET a blob, streaming it through the digest check and the size limit. */
  async fetchBlob(ctx: Context, registry: string, repo: string, digest: string, size?: number, limit = this.o.blobLimit): Promise<Buffer> {
    const what = `fetch blob ${registry}/${repo}@${digest}`;
    const alg = safeAlg(digest, what);
    if (size !== undefined && size > limit) throw tooLarge(what, size, limit, 'GET_BLOB_CONTENT_FAILURE');
    const res = await this.send(ctx, registry, repo, 'pull', {
      method: 'GET',
      url: `${this.baseUrl(registry)}/v2/${repo}/blobs/${digest}`,
      what,
    });
    if (res.statusCode === 404) {
      await res.body.dump?.();
      throw new RatifyError('GET_BLOB_CONTENT_FAILURE', `${what}: blob not found`);
    }
    if (res.statusCode !== 200) throw await httpError(res, what, 'GET_BLOB_CONTENT_FAILURE');
    const digester = new Digester(alg);
    const bytes = await this.read(ctx, res, size ?? limit, what, (c) => digester.update(c));
    const actual = digester.digest();
    if (actual !== digest) throw mismatch(what, digest, actual, 'GET_BLOB_CONTENT_FAILURE');
    if (size !== undefined && bytes.length !== size) {
      throw new RatifyError('GET_BLOB_CONTENT_FAILURE', `${what}: size ${bytes.length} does not match the descriptor size ${size}`);
    }
    return bytes;
  }

  /** Every tag of a repository, following Link pagination. */
  async listTags(ctx: Context, registry: string, repo: string): Promise<string[]> {
    const what = `list tags of ${registry}/${repo}`;
    const tags: string[] = [];
    await this.paginate(ctx, registry, repo, `${this.baseUrl(registry)}/v2/${repo}/tags/list`, what, 'application/json', async (res) => {
      if (res.statusCode !== 200) throw await httpError(res, what, 'REPOSITORY_OPERATION_FAILURE');
      const body = await this.read(ctx, res, this.o.manifestLimit, what, undefined, 'REPOSITORY_OPERATION_FAILURE');
      const parsed = parseJSON(body, what) as { tags?: unknown };
      if (parsed.tags !== null && parsed.tags !== undefined) {
        if (!Array.isArray(parsed.tags) || !parsed.tags.every((t) => typeof t === 'string')) {
          throw new RatifyError('DATA_DECODING_FAILURE', `${what}: "tags" must be a list of strings`);
        }
        tags.push(...(parsed.tags as string[]));
      }
      return true;
    }, 'REPOSITORY_OPERATION_FAILURE');
    return tags;
  }

  /**
   * The OCI referrers API. Returns undefined when the registry does not implement it (404 not
   * NAME_UNKNOWN, or a non-index content type), so the caller falls back to the tag schema.
   */
  async referrers(ctx: Context, registry: string, repo: string, digest: string, artifactType?: string): Promise<ReferrersPage | undefined> {
    const what = `list referrers of ${registry}/${repo}@${digest}`;
    let url = `${this.baseUrl(registry)}/v2/${repo}/referrers/${digest}`;
    if (artifactType) url += `?artifactType=${encodeURIComponent(artifactType)}`;
    const out: Descriptor[] = [];
    let supported = true;
    let filtered = false;
    await this.paginate(ctx, registry, repo, url, what, MediaType.OciIndex, async (res, page) => {
      if (res.statusCode === 404 && page === 0) {
        const body = await readLimited(res, ERROR_BODY_LIMIT, what).catch(() => Buffer.alloc(0));
        if (!/NAME_UNKNOWN/.test(body.toString('utf8'))) supported = false;
        return false;
      }
      if (res.statusCode !== 200) throw await httpError(res, what, 'LIST_REFERRERS_FAILURE');
      const ct = bareMediaType(header(res.headers, 'content-type'));
      if (ct !== MediaType.OciIndex) {
        await res.body.dump?.();
        if (page === 0) {
          supported = false;
          return false;
        }
        throw new RatifyError('LIST_REFERRERS_FAILURE', `${what}: page ${page + 1} has content type ${JSON.stringify(ct)}`);
      }
      if (/artifactType/i.test(header(res.headers, 'oci-filters-applied') ?? '')) filtered = true;
      const body = await this.read(ctx, res, this.o.manifestLimit, what);
      const index = parseImageIndex(body, MediaType.OciIndex);
      out.push(...index.manifests);
      if (out.length > this.o.maxReferrers) throw tooManyReferrers(what, this.o.maxReferrers);
      return true;
    });
    return supported ? { descriptors: out, filtered } : undefined;
  }

  /**
   * The referrers tag schema: the index tagged `<alg>-<hex>` lists the referrers.
   * A missing tag means no referrers.
   */
  async referrersByTagSchema(ctx: Context, registry: string, repo: string, digest: string): Promise<Descriptor[]> {
    let fetched: FetchedManifest;
    try {
      fetched = await this.fetchManifest(ctx, registry, repo, digestToTag(digest));
    } catch (e) {
      if (e instanceof RatifyError && e.code === 'RESOURCE_NOT_FOUND') return [];
      throw e;
    }
    if (fetched.descriptor.mediaType !== MediaType.OciIndex) {
      throw new RatifyError('LIST_REFERRERS_FAILURE', `referrers tag ${digestToTag(digest)} is not an OCI image index`, {
        cause: new Error(`got ${fetched.descriptor.mediaType}`),
      });
    }
    const index = parseImageIndex(fetched.bytes, MediaType.OciIndex);
    if (index.manifests.length > this.o.maxReferrers) throw tooManyReferrers(`referrers tag of ${digest}`, this.o.maxReferrers);
    return index.manifests;
  }

  /** Resolve a tag, returning undefined on 404 (cosign `.sig` tag probing). */
  async resolveIfExists(ctx: Context, registry: string, repo: string, reference: string): Promise<Descriptor | undefined> {
    try {
      return await this.resolve(ctx, registry, repo, reference);
    } catch (e) {
      if (e instanceof RatifyError && e.code === 'RESOURCE_NOT_FOUND') return undefined;
      throw e;
    }
  }

  // ---- push side (tools and tests; verification never writes) ----

  async pushBlob(ctx: Context, registry: string, repo: string, data: Buffer, digest: string): Promise<void> {
    const what = `push blob ${digest} to ${registry}/${repo}`;
    const start = await this.send(ctx, registry, repo, 'pull,push', {
      method: 'POST',
      url: `${this.baseUrl(registry)}/v2/${repo}/blobs/uploads/`,
      headers: { 'content-length': '0' },
      what,
    });
    await start.body.dump?.();
    if (start.statusCode !== 202) throw await httpError(start, what, 'REPOSITORY_OPERATION_FAILURE');
    const loc = header(start.headers, 'location');
    if (!loc) throw new RatifyError('REPOSITORY_OPERATION_FAILURE', `${what}: upload has no Location`);
    const u = new URL(loc, this.baseUrl(registry));
    u.searchParams.set('digest', digest);
    const put = await this.send(ctx, registry, repo, 'pull,push', {
      method: 'PUT',
      url: u.toString(),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(data.length) },
      body: data,
      what,
    });
    await put.body.dump?.();
    if (put.statusCode !== 201) throw await httpError(put, what, 'REPOSITORY_OPERATION_FAILURE');
  }

  async pushManifest(ctx: Context, registry: string, repo: string, reference: string, mediaType: string, data: Buffer): Promise<string> {
    const what = `push manifest ${reference} to ${registry}/${repo}`;
    const res = await this.send(ctx, registry, repo, 'pull,push', {
      method: 'PUT',
      url: this.manifestUrl(registry, repo, reference),
      headers: { 'content-type': mediaType },
      body: data,
      what,
    });
    await res.body.dump?.();
    if (res.statusCode !== 201) throw await httpError(res, what, 'REPOSITORY_OPERATION_FAILURE');
    return header(res.headers, 'docker-content-digest') ?? '';
  }

  // ---- internals ----

  private manifestUrl(registry: string, repo: string, reference: string): string {
    return `${this.baseUrl(registry)}/v2/${repo}/manifests/${reference}`;
  }

  private async read(
    ctx: Context,
    res: TransportResponse,
    limit: number,
    what: string,
    onChunk?: (c: Buffer) => void,
    tooLargeCode?: ErrorCode,
  ): Promise<Buffer> {
    try {
      const b = await readLimited(res, limit, what, onChunk, tooLargeCode);
      if (ctx.stats) ctx.stats.registryBytes += b.length;
      return b;
    } catch (e) {
      if (ctx.signal.aborted) throw abortError(ctx, what);
      if (e instanceof RatifyError) throw e;
      throw new RatifyError('REPOSITORY_OPERATION_FAILURE', `${what}: reading the response failed`, { cause: e });
    }
  }

  private async paginate(
    ctx: Context,
    registry: string,
    repo: string,
    firstUrl: string,
    what: string,
    accept: string,
    onPage: (res: TransportResponse, page: number) => Promise<boolean>,
    code: ErrorCode = 'LIST_REFERRERS_FAILURE',
  ): Promise<void> {
    let url: string | undefined = firstUrl;
    const seen = new Set<string>();
    for (let page = 0; url; page++) {
      if (page >= this.o.maxPages || seen.has(url)) {
        throw new RatifyError(code, `${what}: pagination did not end`, {
          cause: new Error(seen.has(url) ? `page link repeats ${url}` : `more than ${this.o.maxPages} pages`),
          remediation: 'The registry keeps returning Link headers; it may be misbehaving or hostile',
        });
      }
      seen.add(url);
      const res = await this.send(ctx, registry, repo, 'pull', { method: 'GET', url, headers: { accept }, what });
      const link = header(res.headers, 'link');
      const more = await onPage(res, page);
      if (!more) return;
      url = nextLink(link, url);
      // Pages come from the registry itself: a Link elsewhere would get the registry's
      // credentials and have whatever answers there read back into our errors.
      if (url !== undefined && !sameOrigin(url, firstUrl)) {
        throw new RatifyError(code, `${what}: the registry's pagination link leads to another origin`, {
          cause: new Error(`refused a next page on ${originOf(url)} (the registry is ${originOf(firstUrl)})`),
          remediation: 'Registries paginate on their own scheme, host and port; this one may be misbehaving or hostile',
        });
      }
    }
  }

  /** One authenticated request: pre-authorise from what we know, answer one 401 challenge, retry once. */
  private async send(ctx: Context, registry: string, repo: string | undefined, action: Action, req: TransportRequest): Promise<TransportResponse> {
    const host = registryHost(registry);
    const scope = repo ? `repository:${repo}:${action}` : '';
    const t = this.o.transport;
    const pre = await this.auth.preauthorize(ctx, registry, host, scope);
    let res = await t.send(ctx, withAuth(req, pre));
    if (res.statusCode !== 401) return this.checkForbidden(res, registry, host, req.what);
    await res.body.dump?.();
    const challenges = parseChallenges(header(res.headers, 'www-authenticate'));
    const auth = await this.auth.respond(ctx, registry, host, challenges, scope, pre);
    res = await t.send(ctx, withAuth(req, auth));
    if (res.statusCode === 401) {
      await res.body.dump?.();
      this.auth.invalidate(registry, host);
      throw new RatifyError('AUTH_DENIED', `${req.what}: the registry refused our credentials (HTTP 401)`, {
        remediation: `Check the credentials for ${registry} (docker login, credential helper, or authProvider)`,
      });
    }
    return this.checkForbidden(res, registry, host, req.what);
  }

  private async checkForbidden(res: TransportResponse, registry: string, host: string, what: string): Promise<TransportResponse> {
    if (res.statusCode !== 403) return res;
    this.auth.invalidate(registry, host);
    const err = await httpError(res, what, 'AUTH_DENIED');
    throw err;
  }
}

function withAuth(req: TransportRequest, auth: string | undefined): TransportRequest {
  if (!auth) return req;
  return { ...req, headers: { ...(req.headers ?? {}), authorization: auth } };
}

function refSep(reference: string): string {
  return isDigestRef(reference) ? '@' : ':';
}

function isDigestRef(reference: string): boolean {
  return reference.includes(':');
}

function parseDigestSafe(d: string) {
  try {
    return parseDigest(d);
  } catch {
    return undefined;
  }
}

function safeAlg(d: string, what: string) {
  const p = parseDigestSafe(d);
  if (!p) throw new RatifyError('MANIFEST_INVALID', `${what}: invalid digest ${JSON.stringify(d)}`);
  return p.algorithm;
}

/**
 * A HEAD answer's digest is what resolving returns. For a digest reference it must be exactly the
 * digest asked for: a registry answering `@sha512:…` with the sha256 of some other manifest would
 * otherwise have that other image's signatures verified in place of the subject's.
 */
function checkHeaderDigest(headerDigest: string, reference: string, what: string): void {
  if (!parseDigestSafe(headerDigest)) {
    throw new RatifyError('MANIFEST_INVALID', `${what}: invalid Docker-Content-Digest ${JSON.stringify(headerDigest.slice(0, 200))}`);
  }
  if (isDigestRef(reference) && headerDigest !== reference) {
    throw new RatifyError('GET_SUBJECT_DESCRIPTOR_FAILURE', `${what}: the registry answered for another digest`, {
      cause: new Error(`asked for ${reference}, Docker-Content-Digest is ${headerDigest}`),
      remediation: 'The registry does not serve the digest asked for; do not trust this registry',
    });
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

/** Same scheme, host and port (URL.origin normalises the host's case and the default port). */
function sameOrigin(a: string, b: string): boolean {
  const o = originOf(a);
  return o !== 'null' && o !== '(invalid URL)' && o === originOf(b);
}

/** `<url>; rel="next"` → absolute URL, or undefined. */
export function nextLink(link: string | undefined, base: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /rel="?next"?/i.test(m[2] ?? '')) {
      try {
        return new URL(m[1]!, base).toString();
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function parseJSON(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new RatifyError('DATA_DECODING_FAILURE', `${what}: malformed JSON`, { cause: new Error(jsonSyntaxText(e)) });
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
