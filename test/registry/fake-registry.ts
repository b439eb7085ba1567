/**
 * A small in-process OCI distribution registry for tests (node:http on 127.0.0.1:0).
 *
 * Out of the box it serves, from in-memory content, the read side of the distribution spec
 * as an OCI 1.1 registry does: GET /v2/, HEAD/GET manifests and blobs, tags/list (with
 * `n`/`last` Link pagination) and the referrers API (image index body, Link pagination,
 * `?artifactType=` filter with OCI-Filters-Applied). Tests program it per case:
 *
 * - `route(method, path, handler, { times })` overrides (latest first; a handler may return
 *   NEXT to fall through, `times` removes the route after that many uses);
 * - `use(handler)` adds middleware that runs before every route (authentication);
 * - `referrersApi = false` answers the referrers endpoint like distribution 2.8 (plain 404);
 * - every request is logged (`log`, `count()`), with its headers and body.
 *
 * The same class without content is a generic fake HTTP server (token endpoint, storage).
 * Importing this module has no side effects.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RatifyError, type ErrorCode } from '../../src/errors.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import type { TransportOptions } from '../../src/registry/transport.js';

export const NEXT = Symbol('next');

export interface FakeRequest {
  method: string;
  /** Path without query. */
  path: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type Handler = (req: FakeRequest, res: ServerResponse) => unknown;

interface Route {
  method: string;
  path: string | RegExp;
  handler: Handler;
  times: number;
}

interface StoredManifest {
  bytes: Buffer;
  mediaType: string;
}

interface Repo {
  manifests: Map<string, StoredManifest>;
  tags: Map<string, string>;
  blobs: Map<string, Buffer>;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function jsonBytes(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const b = jsonBytes(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(b.length), ...headers });
  res.end(b);
}

export function registryError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { errors: [{ code, message }] }, headers);
}

/** A manifest response with the usual headers (HEAD gets no body). */
export function sendManifest(req: FakeRequest, res: ServerResponse, bytes: Buffer, mediaType: string, digest = sha256(bytes)): void {
  res.writeHead(200, { 'content-type': mediaType, 'content-length': String(bytes.length), 'docker-content-digest': digest });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** An OCI image index response (a referrers page, a tag-schema index), with extra headers such as Link. */
export function sendIndex(res: ServerResponse, manifests: unknown[], headers: Record<string, string> = {}): void {
  const body = jsonBytes({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests });
  res.writeHead(200, { 'content-type': MediaType.OciIndex, 'content-length': String(body.length), ...headers });
  res.end(body);
}

export class FakeRegistry {
  readonly log: FakeRequest[] = [];
  /** Serve the OCI referrers API; false answers like distribution 2.8 (404 "404 page not found"). */
  referrersApi = true;
  /** Referrers per page (0 = one page). */
  referrersPageSize = 0;
  /** Apply `?artifactType=` server side and say so with OCI-Filters-Applied. */
  filterArtifactType = true;
  private readonly routes: Route[] = [];
  private readonly middleware: Handler[] = [];
  private readonly repos = new Map<string, Repo>();
  private server!: Server;

  static async start(): Promise<FakeRegistry> {
    const f = new FakeRegistry();
    f.server = createServer((req, res) => void f.handle(req, res));
    f.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    return f;
  }

  /** "127.0.0.1:<port>": the registry name to use in references. */
  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get origin(): string {
    return `http://${this.host}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Adds an override; routes added later win. `path` is matched against the path without query. */
  route(method: string, path: string | RegExp, handler: Handler, opts: { times?: number } = {}): this {
    this.routes.unshift({ method: method.toUpperCase(), path, handler, times: opts.times ?? Number.POSITIVE_INFINITY });
    return this;
  }

  /** Middleware run before any route, in order; return NEXT to continue. */
  use(handler: Handler): this {
    this.middleware.push(handler);
    return this;
  }

  /** Requests matching method ('*' = any) and path (string = exact path, RegExp = test). */
  requests(method = '*', path?: string | RegExp): FakeRequest[] {
    return this.log.filter((r) => (method === '*' || r.method === method.toUpperCase()) && (path === undefined || matches(path, r.path)));
  }

  count(method = '*', path?: string | RegExp): number {
    return this.requests(method, path).length;
  }

  // ---- content ----

  private repo(name: string): Repo {
    let r = this.repos.get(name);
    if (!r) {
      r = { manifests: new Map(), tags: new Map(), blobs: new Map() };
      this.repos.set(name, r);
    }
    return r;
  }

  putBlob(repo: string, data: Buffer | string, mediaType = 'application/octet-stream'): Descriptor {
    const bytes = Buffer.from(data);
    const digest = sha256(bytes);
    this.repo(repo).blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.length };
  }

  /** Stores a manifest (object → JSON, or raw bytes), optionally tagged. */
  putManifest(repo: string, manifest: unknown, mediaType: string = MediaType.OciManifest, tag?: string): Descriptor {
    const bytes = Buffer.isBuffer(manifest) ? manifest : typeof manifest === 'string' ? Buffer.from(manifest) : jsonBytes(manifest);
    const digest = sha256(bytes);
    const r = this.repo(repo);
    r.manifests.set(digest, { bytes, mediaType });
    if (tag) r.tags.set(tag, digest);
    return { mediaType, digest, size: bytes.length };
  }

  /** An image manifest with a fresh config blob; with `subject` it is a referrer of it. */
  putArtifact(repo: string, opts: { artifactType?: string; subject?: Descriptor; configMediaType?: string; layers?: string[]; tag?: string; annotations?: Record<string, string> } = {}): Descriptor {
    const config = this.putBlob(repo, JSON.stringify({ n: Math.random() }), opts.configMediaType ?? (opts.artifactType ? MediaType.OciEmpty : 'application/vnd.oci.image.config.v1+json'));
    const layers = (opts.layers ?? []).map((l) => this.putBlob(repo, l, 'application/vnd.oci.image.layer.v1.tar'));
    const m: Record<string, unknown> = { schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers };
    if (opts.artifactType) m.artifactType = opts.artifactType;
    if (opts.subject) m.subject = { mediaType: opts.subject.mediaType, digest: opts.subject.digest, size: opts.subject.size };
    if (opts.annotations) m.annotations = opts.annotations;
    const d = this.putManifest(repo, m, MediaType.OciManifest, opts.tag);
    return opts.artifactType ? { ...d, artifactType: opts.artifactType } : d;
  }

  /** The descriptors the referrers API lists for `digest`, in insertion order. */
  referrersOf(repo: string, digest: string): Descriptor[] {
    const out: Descriptor[] = [];
    for (const [d, m] of this.repo(repo).manifests) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(m.bytes.toString('utf8')) as Record<string, unknown>;
      } catch {
        continue;
      }
      const subject = o.subject as { digest?: string } | undefined;
      if (subject?.digest !== digest) continue;
      const desc: Descriptor = { mediaType: m.mediaType, digest: d, size: m.bytes.length };
      const at = (o.artifactType as string | undefined) ?? (o.config as { mediaType?: string } | undefined)?.mediaType;
      if (at) desc.artifactType = at;
      if (o.annotations) desc.annotations = o.annotations as Record<string, string>;
      out.push(desc);
    }
    return out;
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const fr: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, url, headers: req.headers, body: Buffer.concat(chunks) };
    this.log.push(fr);
    try {
      for (const m of this.middleware) {
        if ((await m(fr, res)) !== NEXT) return;
      }
      for (const r of [...this.routes]) {
        if ((r.method !== '*' && r.method !== fr.method) || !matches(r.path, fr.path)) continue;
        if ((await r.handler(fr, res)) === NEXT) continue;
        if (--r.times <= 0) this.routes.splice(this.routes.indexOf(r), 1);
        return;
      }
      this.serveDefault(fr, res);
    } catch (e) {
      if (!res.headersSent) registryError(res, 500, 'UNKNOWN', String(e));
      else res.destroy();
    }
  }

  private serveDefault(req: FakeRequest, res: ServerResponse): void {
    if (req.path === '/v2/' || req.path === '/v2') {
      sendJson(res, 200, {}, { 'docker-distribution-api-version': 'registry/2.0' });
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs|tags|referrers)\/([^/]+)$/.exec(req.path);
    if (!m) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
      return;
    }
    const [, name, kind, ref] = m as unknown as [string, string, string, string];
    const repo = this.repo(name);
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (kind === 'manifests' && get) {
      const digest = ref.includes(':') ? ref : repo.tags.get(ref);
      const stored = digest ? repo.manifests.get(digest) : undefined;
      if (!stored || !digest) return registryError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
      return sendManifest(req, res, stored.bytes, stored.mediaType, digest);
    }
    if (kind === 'blobs' && get) {
      const b = repo.blobs.get(ref);
      if (!b) return registryError(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry');
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(b.length), 'docker-content-digest': ref });
      res.end(req.method === 'HEAD' ? undefined : b);
      return;
    }
    if (kind === 'tags' && ref === 'list' && req.method === 'GET') {
      let tags = [...repo.tags.keys()].sort();
      const last = req.url.searchParams.get('last');
      if (last) tags = tags.filter((t) => t > last);
      const n = Number(req.url.searchParams.get('n') ?? 0);
      const headers: Record<string, string> = {};
      if (n > 0 && tags.length > n) {
        tags = tags.slice(0, n);
        headers.link = `</v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(tags[n - 1]!)}>; rel="next"`;
      }
      return sendJson(res, 200, { name, tags }, headers);
    }
    if (kind === 'referrers' && req.method === 'GET') {
      if (!this.referrersApi) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('404 page not found\n');
        return;
      }
      if (!/^sha256:[a-f0-9]{64}$/.test(ref)) return registryError(res, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content');
      let list = this.referrersOf(name, ref);
      const headers: Record<string, string> = {};
      const at = req.url.searchParams.get('artifactType');
      if (at && this.filterArtifactType) {
        list = list.filter((d) => d.artifactType === at);
        headers['oci-filters-applied'] = 'artifactType';
      }
      const size = this.referrersPageSize;
      const page = Number(req.url.searchParams.get('page') ?? 0);
      if (size > 0) {
        const start = page * size;
        if (start + size < list.length) {
          const q = new URLSearchParams({ page: String(page + 1) });
          if (at) q.set('artifactType', at);
          headers.link = `</v2/${name}/referrers/${ref}?${q.toString()}>; rel="next"`;
        }
        list = list.slice(start, start + size);
      }
      const body = jsonBytes({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: list });
      res.writeHead(200, { 'content-type': MediaType.OciIndex, 'content-length': String(body.length), ...headers });
      res.end(body);
      return;
    }
    registryError(res, 405, 'UNSUPPORTED', 'the operation is unsupported');
  }

  // ---- authentication helpers ----

  /** Require HTTP Basic on /v2/ paths. */
  requireBasic(user: string, pass: string): this {
    const want = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    return this.use((req, res) => {
      if (!req.path.startsWith('/v2')) return NEXT;
      if (req.headers.authorization === want) return NEXT;
      registryError(res, 401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': 'Basic realm="fake registry"' });
      return undefined;
    });
  }

  /** Require a bearer token issued by `tokens` on /v2/ paths, with distribution's challenge. */
  requireBearer(tokens: FakeTokenServer, service = 'fake-registry'): this {
    return this.use((req, res) => {
      if (!req.path.startsWith('/v2')) return NEXT;
      const auth = req.headers.authorization ?? '';
      if (auth.startsWith('Bearer ') && tokens.isValid(auth.slice(7))) return NEXT;
      const repo = /^\/v2\/(.+)\/(manifests|blobs|tags|referrers)\//.exec(req.path)?.[1];
      const scope = repo ? `,scope="repository:${repo}:pull"` : '';
      registryError(res, 401, 'UNAUTHORIZED', 'authentication required', {
        'www-authenticate': `Bearer realm="${tokens.realm}",service="${service}"${scope}`,
      });
      return undefined;
    });
  }
}

/**
 * A token endpoint (distribution token spec, GET with optional Basic, and the OAuth2 POST
 * refresh-token flow). `respond` overrides the answer for a test.
 */
export class FakeTokenServer {
  expiresIn: number | undefined = 300;
  private n = 0;
  private readonly issued = new Map<string, number>();
  /** Override the response; return NEXT to issue a token normally. */
  respond: Handler | undefined;

  private constructor(readonly server: FakeRegistry) {}

  static async start(): Promise<FakeTokenServer> {
    const t = new FakeTokenServer(await FakeRegistry.start());
    t.server.route('*', '/token', async (req, res) => {
      if (t.respond && (await t.respond(req, res)) !== NEXT) return undefined;
      const token = `tok-${++t.n}`;
      t.issued.set(token, t.expiresIn !== undefined ? Date.now() + t.expiresIn * 1000 : Number.POSITIVE_INFINITY);
      const body: Record<string, unknown> = req.method === 'POST' ? { access_token: token } : { token };
      if (t.expiresIn !== undefined) body.expires_in = t.expiresIn;
      sendJson(res, 200, body);
      return undefined;
    });
    return t;
  }

  get realm(): string {
    return `${this.server.origin}/token`;
  }

  /** Requests to /token (every method). */
  get fetches(): number {
    return this.server.count('*', '/token');
  }

  /** Make every token issued so far invalid (the registry will answer 401 to them). */
  revokeAll(): void {
    this.issued.clear();
  }

  isValid(token: string): boolean {
    const exp = this.issued.get(token);
    return exp !== undefined && exp > Date.now();
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

function matches(p: string | RegExp, path: string): boolean {
  return typeof p === 'string' ? p === path : p.test(path);
}

/** Transport options that keep retries fast for tests. */
export const FAST_RETRIES: TransportOptions = { maxRetries: 2, minRetryWaitMs: 5, maxRetryWaitMs: 20 };

/**
 * assert.rejects validator: a RatifyError whose code (or, with `root`, whose root code) is as
 * expected and whose message matches `text`.
 */
export function isError(code: ErrorCode, opts: { root?: ErrorCode; text?: RegExp } = {}) {
  return (e: unknown): true => {
    assert.ok(e instanceof RatifyError, `expected a RatifyError, got ${e instanceof Error ? e.stack : String(e)}`);
    assert.equal(e.code, code, `code: ${e.message}`);
    if (opts.root) assert.equal(e.root.code, opts.root, `root code: ${e.message}`);
    if (opts.text) assert.match(e.message, opts.text);
    return true;
  };
}
