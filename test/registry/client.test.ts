import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { backgroundContext, newStats, withDeadline, type Context } from '../../src/context.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { RegistryClient, type RegistryClientOptions } from '../../src/registry/client.js';
import { StaticCredentials } from '../../src/registry/credentials.js';
import { RegistryTransport, type TransportOptions } from '../../src/registry/transport.js';
import { FAST_RETRIES, FakeRegistry, isError, jsonBytes, registryError, sendJson, sendManifest, sha256 } from './fake-registry.js';

const REPO = 'team/app';
const ctx: Context = backgroundContext();

let fake: FakeRegistry;
let transport: RegistryTransport;
let client: RegistryClient;
let reg: string;

function newClient(opts: Partial<RegistryClientOptions> = {}, t: TransportOptions = FAST_RETRIES): RegistryClient {
  transport = new RegistryTransport(t);
  return new RegistryClient({ transport, plainHttp: true, ...opts });
}

beforeEach(async () => {
  fake = await FakeRegistry.start();
  reg = fake.host;
  client = newClient();
});

afterEach(async () => {
  await transport.close();
  await fake.close();
});

const manifestPath = (ref: string) => `/v2/${REPO}/manifests/${ref}`;
const blobPath = (digest: string) => `/v2/${REPO}/blobs/${digest}`;

describe('happy paths against the fake', () => {
  test('ping, resolve, fetch manifest and blob, list tags', async () => {
    await client.ping(ctx, reg);
    const layer = fake.putBlob(REPO, 'hello layer');
    const m = fake.putArtifact(REPO, { tag: 'v1', layers: ['hello layer'] });
    const d = await client.resolve(ctx, reg, REPO, 'v1');
    assert.deepEqual(d, { mediaType: MediaType.OciManifest, digest: m.digest, size: m.size });
    const got = await client.fetchManifest(ctx, reg, REPO, 'v1');
    assert.equal(got.descriptor.digest, m.digest);
    const byDigest = await client.fetchManifest(ctx, reg, REPO, m.digest, m);
    assert.ok(byDigest.bytes.equals(got.bytes));
    const blob = await client.fetchBlob(ctx, reg, REPO, layer.digest, layer.size);
    assert.equal(blob.toString(), 'hello layer');
    fake.putArtifact(REPO, { tag: 'v2' });
    assert.deepEqual(await client.listTags(ctx, reg, REPO), ['v1', 'v2']);
  });

  test('HEAD without Docker-Content-Digest falls back to GET and hashes the body', async () => {
    const m = fake.putArtifact(REPO, { tag: 'v1' });
    fake.route('HEAD', manifestPath('v1'), (_req, res) => {
      res.writeHead(200, { 'content-type': MediaType.OciManifest, 'content-length': String(m.size) });
      res.end();
    });
    assert.deepEqual(await client.resolve(ctx, reg, REPO, 'v1'), { mediaType: MediaType.OciManifest, digest: m.digest, size: m.size });
    assert.equal(fake.count('HEAD', manifestPath('v1')), 1);
    assert.equal(fake.count('GET', manifestPath('v1')), 1);
  });

  test('unknown tag → RESOURCE_NOT_FOUND (HEAD and GET)', async () => {
    await assert.rejects(client.resolve(ctx, reg, REPO, 'nope'), isError('RESOURCE_NOT_FOUND', { text: /resolve .*:nope: not found/ }));
    await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'nope'), isError('RESOURCE_NOT_FOUND', { text: /fetch manifest .*:nope: not found/ }));
    await assert.rejects(client.fetchBlob(ctx, reg, REPO, sha256('nope')), isError('GET_BLOB_CONTENT_FAILURE', { text: /blob not found/ }));
  });

  test('tag list pagination follows Link', async () => {
    for (const t of ['a', 'b', 'c', 'd', 'e']) fake.putArtifact(REPO, { tag: t });
    // The registry pages by two, as one with a page size would.
    fake.route('GET', `/v2/${REPO}/tags/list`, (req, res) => {
      const last = req.url.searchParams.get('last');
      const all = ['a', 'b', 'c', 'd', 'e'].filter((t) => !last || t > last);
      const page = all.slice(0, 2);
      const headers: Record<string, string> = {};
      if (all.length > 2) headers.link = `</v2/${REPO}/tags/list?n=2&last=${page[1]}>; rel="next"`;
      sendJson(res, 200, { name: REPO, tags: page }, headers);
    });
    assert.deepEqual(await client.listTags(ctx, reg, REPO), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(fake.count('GET', `/v2/${REPO}/tags/list`), 3);
  });
});

describe('referrers API (client level)', () => {
  test('two pages via relative and absolute Link URLs are concatenated in order', async () => {
    const subject = fake.putArtifact(REPO, { tag: 'v1' });
    const a = fake.putArtifact(REPO, { subject, artifactType: 'application/a' });
    const b = fake.putArtifact(REPO, { subject, artifactType: 'application/b' });
    const c = fake.putArtifact(REPO, { subject, artifactType: 'application/c' });
    const path = `/v2/${REPO}/referrers/${subject.digest}`;
    const index = (ms: unknown[]) => jsonBytes({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: ms });
    const send = (res: import('node:http').ServerResponse, body: Buffer, link?: string) => {
      res.writeHead(200, { 'content-type': MediaType.OciIndex, ...(link ? { link } : {}) });
      res.end(body);
    };
    fake.route('GET', path, (req, res) => {
      const page = req.url.searchParams.get('page');
      if (page === null) return send(res, index([a]), `<${path}?page=2>; rel="next"`); // relative
      if (page === '2') return send(res, index([b]), `<${fake.origin}${path}?page=3>; rel="next"`); // absolute
      return send(res, index([c]));
    });
    const got = await client.referrers(ctx, reg, REPO, subject.digest);
    assert.ok(got);
    assert.deepEqual(
      got.descriptors.map((d) => d.digest),
      [a.digest, b.digest, c.digest],
    );
    assert.equal(got.filtered, false);
    assert.deepEqual(
      fake.requests('GET', path).map((r) => r.url.search),
      ['', '?page=2', '?page=3'],
    );
  });

  test('artifactType filter applied by the server is reported (OCI-Filters-Applied)', async () => {
    const subject = fake.putArtifact(REPO, { tag: 'v1' });
    fake.putArtifact(REPO, { subject, artifactType: 'application/a' });
    const b = fake.putArtifact(REPO, { subject, artifactType: 'application/b' });
    const got = await client.referrers(ctx, reg, REPO, subject.digest, 'application/b');
    assert.ok(got);
    assert.equal(got.filtered, true);
    assert.deepEqual(got.descriptors.map((d) => d.digest), [b.digest]);
    assert.equal(fake.requests('GET', /referrers/)[0]!.url.searchParams.get('artifactType'), 'application/b');
  });

  test('a server that ignores the filter returns everything with filtered=false', async () => {
    fake.filterArtifactType = false;
    const subject = fake.putArtifact(REPO, { tag: 'v1' });
    fake.putArtifact(REPO, { subject, artifactType: 'application/a' });
    fake.putArtifact(REPO, { subject, artifactType: 'application/b' });
    const got = await client.referrers(ctx, reg, REPO, subject.digest, 'application/b');
    assert.ok(got);
    assert.equal(got.filtered, false);
    assert.equal(got.descriptors.length, 2);
  });

  test('404 "404 page not found" means unsupported; 404 NAME_UNKNOWN means supported and empty', async () => {
    const subject = fake.putArtifact(REPO, { tag: 'v1' });
    fake.referrersApi = false;
    assert.equal(await client.referrers(ctx, reg, REPO, subject.digest), undefined);
    fake.route('GET', /\/referrers\//, (_req, res) => registryError(res, 404, 'NAME_UNKNOWN', 'repository name not known to registry'));
    assert.deepEqual(await client.referrers(ctx, reg, REPO, subject.digest), { descriptors: [], filtered: false });
  });

  test('endless Link pagination (a new URL each time) stops with LIST_REFERRERS_FAILURE', async () => {
    client = newClient({ maxPages: 7 });
    const subject = fake.putArtifact(REPO, { tag: 'v1' });
    let n = 0;
    fake.route('GET', /\/referrers\//, (_req, res) => {
      res.writeHead(200, { 'content-type': MediaType.OciIndex, link: `</v2/${REPO}/referrers/${subject.digest}?page=${++n}>; rel="next"` });
      res.end(jsonBytes({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }));
    });
    await assert.rejects(client.referrers(ctx, reg, REPO, subject.digest), isError('LIST_REFERRERS_FAILURE', { text: /pagination did not end.*more than 7 pages/ }));
    assert.equal(fake.count('GET', /\/referrers\//), 7);
  });

  test('a Link that repeats the same URL stops with LIST_REFERRERS_FAILURE', async () => {
    const subject = fake.putArtifact(REPO, { tag: 'v1' });
    fake.route('GET', /\/referrers\//, (_req, res) => {
      res.writeHead(200, { 'content-type': MediaType.OciIndex, link: `</v2/${REPO}/referrers/${subject.digest}?page=same>; rel="next"` });
      res.end(jsonBytes({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }));
    });
    await assert.rejects(client.referrers(ctx, reg, REPO, subject.digest), isError('LIST_REFERRERS_FAILURE', { text: /pagination did not end.*repeats/ }));
    assert.equal(fake.count('GET', /\/referrers\//), 2);
  });

  test('more referrers than maxReferrers across pages → LIST_REFERRERS_FAILURE', async () => {
    client = newClient({ maxReferrers: 5 });
    const subject = fake.putArtifact(REPO, { tag: 'v1' });
    for (let i = 0; i < 8; i++) fake.putArtifact(REPO, { subject, artifactType: `application/t${i}` });
    fake.referrersPageSize = 3;
    await assert.rejects(client.referrers(ctx, reg, REPO, subject.digest), isError('LIST_REFERRERS_FAILURE', { text: /more than 5 referrers/ }));
    assert.equal(fake.count('GET', /\/referrers\//), 2, 'stops at the page that crosses the limit');
  });

  test('a malformed referrers index is an error (never silently empty)', async () => {
    const subject = fake.putArtifact(REPO, { tag: 'v1' });
    fake.route('GET', /\/referrers\//, (_req, res) => {
      res.writeHead(200, { 'content-type': MediaType.OciIndex });
      res.end('{"schemaVersion":2,"manifests":[{"mediaType":');
    });
    await assert.rejects(client.referrers(ctx, reg, REPO, subject.digest), isError('MANIFEST_INVALID', { text: /invalid image index.*malformed JSON/ }));
  });
});

describe('digest verification', () => {
  test('manifest by digest returning other bytes → MANIFEST_INVALID', async () => {
    const m = fake.putArtifact(REPO, { tag: 'v1' });
    const other = jsonBytes({ schemaVersion: 2, mediaType: MediaType.OciManifest, evil: true });
    fake.route('GET', manifestPath(m.digest), (req, res) => sendManifest(req, res, other, MediaType.OciManifest, m.digest));
    await assert.rejects(client.fetchManifest(ctx, reg, REPO, m.digest), isError('MANIFEST_INVALID', { text: /digest mismatch/ }));
    await assert.rejects(client.fetchManifest(ctx, reg, REPO, m.digest, m), isError('MANIFEST_INVALID', { text: /digest mismatch/ }));
  });

  test('blob returning other bytes → digest mismatch', async () => {
    const b = fake.putBlob(REPO, 'the real content');
    fake.route('GET', blobPath(b.digest), (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end('not the real content');
    });
    await assert.rejects(client.fetchBlob(ctx, reg, REPO, b.digest), isError('GET_BLOB_CONTENT_FAILURE', { text: /digest mismatch.*expected sha256:/ }));
  });

  test('Docker-Content-Digest disagreeing with the body of a tag fetch → MANIFEST_INVALID', async () => {
    const m = fake.putArtifact(REPO, { tag: 'v1' });
    const bytes = (await client.fetchManifest(ctx, reg, REPO, m.digest)).bytes;
    const lie = sha256('something else');
    fake.route('GET', manifestPath('v1'), (req, res) => sendManifest(req, res, bytes, MediaType.OciManifest, lie));
    await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'v1'), isError('MANIFEST_INVALID', { text: new RegExp(`digest mismatch.*expected ${lie}`) }));
  });

  test('HEAD with a Docker-Content-Digest other than the requested digest → GET_SUBJECT_DESCRIPTOR_FAILURE', async () => {
    const m = fake.putArtifact(REPO, { tag: 'v1' });
    fake.route('HEAD', manifestPath(m.digest), (_req, res) => {
      res.writeHead(200, { 'content-type': MediaType.OciManifest, 'content-length': String(m.size), 'docker-content-digest': sha256('x') });
      res.end();
    });
    await assert.rejects(client.resolve(ctx, reg, REPO, m.digest), isError('GET_SUBJECT_DESCRIPTOR_FAILURE', { text: /answered for another digest/ }));
  });
});

describe('size limits', () => {
  test('manifest with Content-Length over the limit is refused without reading it', async () => {
    client = newClient({ manifestLimit: 1024 });
    const big = jsonBytes({ schemaVersion: 2, mediaType: MediaType.OciManifest, pad: 'x'.repeat(4096) });
    const d = fake.putManifest(REPO, big, MediaType.OciManifest, 'big');
    await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'big'), isError('MANIFEST_INVALID', { text: /too large.*exceeds the limit of 1024/ }));
    await assert.rejects(client.fetchManifest(ctx, reg, REPO, d.digest), isError('MANIFEST_INVALID', { text: /too large/ }));
  });

  test('chunked manifest (no Content-Length) streaming past the limit is cut off', async () => {
    client = newClient({ manifestLimit: 1024 });
    let written = 0;
    let closed = false;
    fake.route('GET', manifestPath('chunked'), (_req, res) => {
      res.writeHead(200, { 'content-type': MediaType.OciManifest, 'docker-content-digest': sha256('x') });
      const t = setInterval(() => {
        if (closed || written > 10 * 1024 * 1024) return clearInterval(t);
        res.write(Buffer.alloc(512, 0x20));
        written += 512;
      }, 1);
      res.on('close', () => {
        closed = true;
        clearInterval(t);
      });
    });
    await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'chunked'), isError('MANIFEST_INVALID', { text: /too large.*more than 1024/ }));
    assert.ok(written < 10 * 1024 * 1024, 'the client stopped reading');
  });

  test('blob over the blob limit (Content-Length and streamed)', async () => {
    client = newClient({ blobLimit: 100 });
    const b = fake.putBlob(REPO, Buffer.alloc(1000, 1));
    await assert.rejects(client.fetchBlob(ctx, reg, REPO, b.digest), isError('GET_BLOB_CONTENT_FAILURE', { text: /too large.*1000 bytes exceeds the limit of 100/ }));
    // A descriptor size within the limit does not let the registry send more than that size.
    const small = fake.putBlob(REPO, 'tiny');
    fake.route('GET', blobPath(small.digest), (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(50, 2));
    });
    await assert.rejects(client.fetchBlob(ctx, reg, REPO, small.digest, small.size), isError('GET_BLOB_CONTENT_FAILURE', { text: /too large.*more than 4/ }));
  });

  test('refusing a body by Content-Length does not crash the process (regression)', async () => {
    // undici's body emits 'error' when destroyed unread; without a listener that was an
    // uncaught exception (reported against this test by the runner if it comes back).
    client = newClient({ blobLimit: 10, manifestLimit: 10 });
    const b = fake.putBlob(REPO, Buffer.alloc(100, 3));
    fake.putArtifact(REPO, { tag: 'v1' });
    for (let i = 0; i < 3; i++) {
      await assert.rejects(client.fetchBlob(ctx, reg, REPO, b.digest), isError('GET_BLOB_CONTENT_FAILURE', { text: /too large/ }));
      await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'v1'), isError('MANIFEST_INVALID', { text: /too large/ }));
    }
    await new Promise((r) => setTimeout(r, 50));
  });

  test('descriptor size over the limit is refused before any request', async () => {
    client = newClient({ manifestLimit: 1024, blobLimit: 2048 });
    const digest = sha256('whatever');
    await assert.rejects(client.fetchManifest(ctx, reg, REPO, digest, { size: 1025 }), isError('MANIFEST_INVALID', { text: /too large/ }));
    await assert.rejects(client.fetchBlob(ctx, reg, REPO, digest, 2049), isError('GET_BLOB_CONTENT_FAILURE', { text: /too large/ }));
    assert.equal(fake.log.length, 0);
  });
});

describe('content type', () => {
  test('text/html on a manifest GET → MANIFEST_INVALID', async () => {
    fake.route('GET', manifestPath('v1'), (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html><body>login</body></html>');
    });
    await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'v1'), isError('MANIFEST_INVALID', { text: /unexpected content type "text\/html"/ }));
  });

  test('malformed tag list → DATA_DECODING_FAILURE', async () => {
    fake.route('GET', `/v2/${REPO}/tags/list`, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"name":"team/app","tags":[');
    });
    await assert.rejects(client.listTags(ctx, reg, REPO), isError('DATA_DECODING_FAILURE', { text: /list tags.*malformed JSON/ }));
    fake.route('GET', `/v2/${REPO}/tags/list`, (_req, res) => sendJson(res, 200, { name: REPO, tags: [1, 2] }));
    await assert.rejects(client.listTags(ctx, reg, REPO), isError('DATA_DECODING_FAILURE', { text: /"tags" must be a list of strings/ }));
  });
});

describe('redirects', () => {
  test('a redirect loop A→B→A on a blob GET → REPOSITORY_OPERATION_FAILURE "too many redirects"', async () => {
    const b = fake.putBlob(REPO, 'data');
    fake.route('GET', blobPath(b.digest), (_req, res) => {
      res.writeHead(307, { location: '/storage/b' });
      res.end();
    });
    fake.route('GET', '/storage/b', (_req, res) => {
      res.writeHead(302, { location: `${fake.origin}${blobPath(b.digest)}` });
      res.end();
    });
    await assert.rejects(client.fetchBlob(ctx, reg, REPO, b.digest), isError('REPOSITORY_OPERATION_FAILURE', { text: /too many redirects.*loop: true/ }));
    assert.equal(fake.count('GET', blobPath(b.digest)), 1, 'the loop is not followed, nor retried');
  });

  test('more redirects than the limit → REPOSITORY_OPERATION_FAILURE "too many redirects"', async () => {
    const b = fake.putBlob(REPO, 'data');
    fake.route('GET', blobPath(b.digest), (_req, res) => {
      res.writeHead(307, { location: '/hop/1' });
      res.end();
    });
    fake.route('GET', /^\/hop\//, (req, res) => {
      const n = Number(req.path.split('/')[2]);
      res.writeHead(302, { location: `/hop/${n + 1}` });
      res.end();
    });
    await assert.rejects(client.fetchBlob(ctx, reg, REPO, b.digest), isError('REPOSITORY_OPERATION_FAILURE', { text: /too many redirects.*limit 3/ }));
    assert.equal(fake.count('GET', /^\/hop\//), 3);
  });

  test('a redirect to another origin does not carry the Authorization header; the blob still verifies', async () => {
    const storage = await FakeRegistry.start();
    try {
      client = newClient({ credentials: new StaticCredentials({ [reg]: { username: 'alice', password: 's3cret' } }) });
      fake.requireBasic('alice', 's3cret');
      const data = Buffer.from('blob stored elsewhere');
      const digest = sha256(data);
      fake.route('GET', blobPath(digest), (_req, res) => {
        res.writeHead(307, { location: `${storage.origin}/signed/blob?sig=abc` });
        res.end();
      });
      storage.route('GET', '/signed/blob', (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(data.length) });
        res.end(data);
      });
      const got = await client.fetchBlob(ctx, reg, REPO, digest, data.length);
      assert.ok(got.equals(data));
      const toRegistry = fake.requests('GET', blobPath(digest));
      assert.equal(toRegistry.length, 2, 'one 401, one authorised');
      assert.match(toRegistry[1]!.headers.authorization ?? '', /^Basic /);
      const toStorage = storage.requests('GET', '/signed/blob');
      assert.equal(toStorage.length, 1);
      assert.equal(toStorage[0]!.headers.authorization, undefined);
    } finally {
      await storage.close();
    }
  });
});

describe('deadlines', () => {
  test('a body that drips past the deadline rejects with DEADLINE_EXCEEDED', { timeout: 10000 }, async () => {
    const b = fake.putBlob(REPO, Buffer.alloc(4096, 7));
    fake.route('GET', blobPath(b.digest), (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '4096' });
      const t = setInterval(() => res.write(Buffer.alloc(1, 7)), 50);
      res.on('close', () => clearInterval(t));
    });
    const dctx = withDeadline(ctx, 300, 'fetch blob');
    try {
      await assert.rejects(client.fetchBlob(dctx, reg, REPO, b.digest, 4096), isError('DEADLINE_EXCEEDED', { text: /fetch blob.*did not finish within 300 ms/ }));
    } finally {
      dctx.cancel();
    }
  });

  test('headers that never come past the deadline rejects with DEADLINE_EXCEEDED', { timeout: 10000 }, async () => {
    fake.route('GET', manifestPath('slow'), () => {
      /* never answer */
    });
    const dctx = withDeadline(ctx, 300, 'fetch manifest');
    try {
      await assert.rejects(client.fetchManifest(dctx, reg, REPO, 'slow'), isError('DEADLINE_EXCEEDED', { text: /did not finish within 300 ms/ }));
    } finally {
      dctx.cancel();
    }
  });
});

describe('retries and rate limits', () => {
  test('429 with Retry-After: 1 then 200 succeeds and is counted', async () => {
    const m = fake.putArtifact(REPO, { tag: 'v1' });
    fake.route('GET', manifestPath('v1'), (_req, res) => registryError(res, 429, 'TOOMANYREQUESTS', 'slow down', { 'retry-after': '1' }), { times: 1 });
    const sctx: Context = { ...ctx, stats: newStats() };
    const got = await client.fetchManifest(sctx, reg, REPO, 'v1');
    assert.equal(got.descriptor.digest, m.digest);
    assert.equal(fake.count('GET', manifestPath('v1')), 2);
    assert.equal(sctx.stats!.rateLimited, 1);
    assert.equal(sctx.stats!.registryRequests, 2);
  });

  test('429 with Retry-After: 120 under a 2 s deadline fails fast with a rate-limit error', { timeout: 10000 }, async () => {
    fake.putArtifact(REPO, { tag: 'v1' });
    fake.route('GET', manifestPath('v1'), (_req, res) => registryError(res, 429, 'TOOMANYREQUESTS', 'slow down', { 'retry-after': '120' }));
    const dctx = withDeadline(ctx, 2000);
    const start = Date.now();
    try {
      await assert.rejects(client.fetchManifest(dctx, reg, REPO, 'v1'), isError('REPOSITORY_OPERATION_FAILURE', { text: /rate limit \(HTTP 429\).*Retry-After asks for 120 s/ }));
    } finally {
      dctx.cancel();
    }
    assert.ok(Date.now() - start < 1500, 'did not wait for the deadline');
    assert.equal(fake.count('GET', manifestPath('v1')), 1);
  });

  test('503, 503, 200 → success after retries', async () => {
    const m = fake.putArtifact(REPO, { tag: 'v1' });
    fake.route('GET', manifestPath('v1'), (_req, res) => registryError(res, 503, 'UNAVAILABLE', 'try again'), { times: 2 });
    assert.equal((await client.fetchManifest(ctx, reg, REPO, 'v1')).descriptor.digest, m.digest);
    assert.equal(fake.count('GET', manifestPath('v1')), 3);
  });

  test('503 forever → the 503 is reported after the retries', async () => {
    fake.route('GET', manifestPath('v1'), (_req, res) => registryError(res, 503, 'UNAVAILABLE', 'try again'));
    await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'v1'), isError('REPOSITORY_OPERATION_FAILURE', { text: /HTTP 503.*UNAVAILABLE: try again/ }));
    assert.equal(fake.count('GET', manifestPath('v1')), 1 + (FAST_RETRIES.maxRetries ?? 0));
  });

  test('connection reset then 200 → success', async () => {
    const b = fake.putBlob(REPO, 'payload');
    fake.route('GET', blobPath(b.digest), (_req, res) => res.socket?.destroy(), { times: 1 });
    assert.equal((await client.fetchBlob(ctx, reg, REPO, b.digest, b.size)).toString(), 'payload');
    assert.equal(fake.count('GET', blobPath(b.digest)), 2);
  });

  test('connection reset forever → REPOSITORY_OPERATION_FAILURE, no hang', async () => {
    const b = fake.putBlob(REPO, 'payload');
    fake.route('GET', blobPath(b.digest), (_req, res) => res.socket?.destroy());
    await assert.rejects(client.fetchBlob(ctx, reg, REPO, b.digest, b.size), isError('REPOSITORY_OPERATION_FAILURE', { text: /request to .* failed/ }));
  });
});

describe('authorisation failures', () => {
  test('403 → AUTH_DENIED with the registry error detail', async () => {
    fake.route('GET', manifestPath('v1'), (_req, res) => registryError(res, 403, 'DENIED', 'requested access to the resource is denied'));
    await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'v1'), isError('AUTH_DENIED', { text: /HTTP 403.*DENIED: requested access/ }));
  });
});
