import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { backgroundContext, newStats, withDeadline, type Context } from '../../src/context.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { makeReference, type Reference } from '../../src/reference/reference.js';
import type { OrasStore } from '../../src/stores/oras/store.js';
import { collect, DEFAULT_LIMITS } from '../../src/stores/types.js';
import { FAST_RETRIES, FakeRegistry, NEXT as NEXT_ROUTE, isError, jsonBytes, registryError, sendIndex, sendManifest, sha256 } from './fake-registry.js';
import { newOrasStore } from './oras-fixture.js';

const REPO = 'team/app';
const ctx: Context = backgroundContext();

let fake: FakeRegistry;
let store: OrasStore;
let subject: Descriptor;
let ref: Reference;

const newStore = newOrasStore;

beforeEach(async () => {
  fake = await FakeRegistry.start();
  store = newStore();
  subject = fake.putArtifact(REPO, { tag: 'v1', layers: ['subject layer'] });
  ref = makeReference(fake.host, REPO, undefined, subject.digest);
});

afterEach(async () => {
  await store.close();
  await fake.close();
});

const referrersPath = () => `/v2/${REPO}/referrers/${subject.digest}`;
const tagSchemaPath = () => `/v2/${REPO}/manifests/${subject.digest.replace(':', '-')}`;
const cosignPath = () => `/v2/${REPO}/manifests/${subject.digest.replace(':', '-')}.sig`;
const list = (opts?: { artifactTypes?: string[] }, c: Context = ctx) => collect(store.listReferrers(ref, subject, c, opts));
const digests = (ds: Descriptor[]) => ds.map((d) => d.digest);


/** The referrers tag schema index for the subject, as oras-go writes it. */
function putTagSchemaIndex(manifests: Descriptor[]): Descriptor {
  return fake.putManifest(REPO, { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }, MediaType.OciIndex, subject.digest.replace(':', '-'));
}

describe('resolve and content', () => {
  test('resolve a tag and a digest; unknown tag → RESOURCE_NOT_FOUND inside REPOSITORY_OPERATION_FAILURE', async () => {
    const byTag = await store.resolve(makeReference(fake.host, REPO, 'v1'), ctx);
    assert.deepEqual(byTag, { mediaType: MediaType.OciManifest, digest: subject.digest, size: subject.size });
    assert.deepEqual(await store.resolve(ref, ctx), byTag);
    await assert.rejects(
      store.resolve(makeReference(fake.host, REPO, 'nope'), ctx),
      isError('REPOSITORY_OPERATION_FAILURE', { root: 'RESOURCE_NOT_FOUND', text: /Unable to resolve the reference.*:nope.*not found/ }),
    );
  });

  test('manifest and blob are digest-verified and then served from the content cache', async () => {
    const sig = fake.putArtifact(REPO, { subject, artifactType: MediaType.NotarySignature, layers: ['signature envelope'] });
    const m = await store.fetchManifest(ref, sig, ctx);
    assert.equal(m.artifactType, MediaType.NotarySignature);
    assert.deepEqual(m.subject?.digest, subject.digest);
    const layer = m.blobs[0]!;
    assert.equal(Buffer.from(await store.fetchBlob(ref, layer, ctx)).toString(), 'signature envelope');
    const before = fake.log.length;
    const sctx: Context = { ...ctx, stats: newStats() };
    await store.fetchManifest(ref, sig, sctx);
    await store.fetchBlob(ref, layer, sctx);
    assert.equal(fake.log.length, before, 'cached by digest');
    assert.equal(sctx.stats!.cacheHits, 2);
  });
});

describe('referrers API', () => {
  test('pages via relative and absolute Link URLs are concatenated in order', async () => {
    const a = fake.putArtifact(REPO, { subject, artifactType: 'application/a' });
    const b = fake.putArtifact(REPO, { subject, artifactType: 'application/b' });
    const c = fake.putArtifact(REPO, { subject, artifactType: 'application/c' });
    fake.route('GET', referrersPath(), (req, res) => {
      const page = req.url.searchParams.get('page');
      if (!page) return sendIndex(res, [a, b], { link: `<${referrersPath()}?page=2>; rel="next"` });
      if (page === '2') return sendIndex(res, [c], { link: `<${fake.origin}${referrersPath()}?page=3>; rel="next"` });
      return sendIndex(res, []);
    });
    const got = await list();
    assert.deepEqual(digests(got), [a.digest, b.digest, c.digest]);
    assert.deepEqual(got.map((d) => d.artifactType), ['application/a', 'application/b', 'application/c']);
    assert.equal(fake.count('GET', referrersPath()), 3);
  });

  test("the fake's own pagination (page size 2, five referrers) is followed to the end", async () => {
    fake.referrersPageSize = 2;
    const all = [1, 2, 3, 4, 5].map((i) => fake.putArtifact(REPO, { subject, artifactType: `application/t${i}` }));
    assert.deepEqual(digests(await list()), digests(all));
    assert.equal(fake.count('GET', referrersPath()), 3);
  });

  test('artifactType filtering happens in the store when the server does not filter', async () => {
    fake.filterArtifactType = false;
    fake.putArtifact(REPO, { subject, artifactType: 'application/a' });
    const b = fake.putArtifact(REPO, { subject, artifactType: 'application/b' });
    fake.putArtifact(REPO, { subject, artifactType: 'application/c' });
    assert.deepEqual(digests(await list({ artifactTypes: ['application/b'] })), [b.digest]);
    assert.equal((await list({ artifactTypes: ['*'] })).length, 3);
    assert.equal((await list({ artifactTypes: ['application/none'] })).length, 0);
    for (const r of fake.requests('GET', referrersPath())) assert.equal(r.url.searchParams.get('artifactType'), null);
  });

  test('a server that claims to filter but returns everything is still filtered by the store', async () => {
    fake.putArtifact(REPO, { subject, artifactType: 'application/a' });
    const b = fake.putArtifact(REPO, { subject, artifactType: 'application/b' });
    const all = fake.referrersOf(REPO, subject.digest);
    fake.route('GET', referrersPath(), (_req, res) => sendIndex(res, all, { 'oci-filters-applied': 'artifactType' }));
    assert.deepEqual(digests(await list({ artifactTypes: ['application/b'] })), [b.digest]);
  });

  test('a subject without referrers gives an empty list', async () => {
    assert.deepEqual(await list(), []);
    // The first listing asks the tag schema in parallel (capability unknown); once the API has
    // answered, later listings use only the API.
    const tagSchemaAsks = fake.count('GET', tagSchemaPath());
    assert.ok(tagSchemaAsks <= 1);
    assert.deepEqual(await list(), []);
    assert.equal(fake.count('GET', tagSchemaPath()), tagSchemaAsks, 'no tag schema once the API is known');
    assert.equal(fake.count('GET', referrersPath()), 2);
  });

  test('more referrers than referrersPerSubject → LIST_REFERRERS_FAILURE', async () => {
    store = newStore({ limits: { ...DEFAULT_LIMITS, referrersPerSubject: 3 } });
    for (let i = 0; i < 4; i++) fake.putArtifact(REPO, { subject, artifactType: `application/t${i}` });
    await assert.rejects(list(), isError('LIST_REFERRERS_FAILURE', { text: /more than 3 referrers/ }));
  });

  test('a huge referrers index (over the default limit) → LIST_REFERRERS_FAILURE', async () => {
    const many = Array.from({ length: DEFAULT_LIMITS.referrersPerSubject + 1 }, (_, i) => ({
      mediaType: MediaType.OciManifest,
      digest: sha256(`referrer ${i}`),
      size: 100,
      artifactType: 'application/x',
    }));
    fake.route('GET', referrersPath(), (_req, res) => sendIndex(res, many));
    await assert.rejects(list(), isError('LIST_REFERRERS_FAILURE', { text: /more than 1000 referrers/ }));
  });

  test('endless Link pagination → LIST_REFERRERS_FAILURE "pagination did not end"', async () => {
    let n = 0;
    fake.route('GET', referrersPath(), (_req, res) => sendIndex(res, [], { link: `<${referrersPath()}?page=${++n}>; rel="next"` }));
    await assert.rejects(list(), isError('LIST_REFERRERS_FAILURE', { text: /pagination did not end.*more than 100 pages/ }));
    assert.equal(fake.count('GET', referrersPath()), 100);
  });

  test('a repeating Link → LIST_REFERRERS_FAILURE "pagination did not end"', async () => {
    fake.route('GET', referrersPath(), (_req, res) => sendIndex(res, [], { link: `<${referrersPath()}>; rel="next"` }));
    await assert.rejects(list(), isError('LIST_REFERRERS_FAILURE', { text: /pagination did not end.*repeats/ }));
    assert.equal(fake.count('GET', referrersPath()), 1);
  });

  test('a malformed referrers index → LIST_REFERRERS_FAILURE (root MANIFEST_INVALID)', async () => {
    fake.route('GET', referrersPath(), (_req, res) => {
      res.writeHead(200, { 'content-type': MediaType.OciIndex });
      res.end('this is not json');
    });
    await assert.rejects(list(), isError('LIST_REFERRERS_FAILURE', { root: 'MANIFEST_INVALID', text: /failed to list referrers.*malformed JSON/ }));
    fake.route('GET', referrersPath(), (_req, res) => sendIndex(res, [{ mediaType: MediaType.OciManifest, digest: 'sha256:nothex', size: 1 }]));
    await assert.rejects(list(), isError('LIST_REFERRERS_FAILURE', { root: 'MANIFEST_INVALID', text: /not a valid digest/ }));
  });

  test('a registry error on the referrers endpoint → LIST_REFERRERS_FAILURE, no fallback', async () => {
    fake.route('GET', referrersPath(), (_req, res) => registryError(res, 400, 'UNSUPPORTED', 'nope'));
    // A tag schema index exists, but an API error must not silently fall back to it.
    putTagSchemaIndex([fake.putArtifact(REPO, { artifactType: 'application/x' })]);
    await assert.rejects(list(), isError('LIST_REFERRERS_FAILURE', { text: /HTTP 400.*UNSUPPORTED: nope/ }));
  });
});

describe('fallback to the referrers tag schema', () => {
  test('404 "404 page not found" (distribution 2.8) → tag schema index; capability remembered', async () => {
    fake.referrersApi = false;
    const a = fake.putArtifact(REPO, { subject, artifactType: 'application/a' });
    const b = fake.putArtifact(REPO, { subject, artifactType: 'application/b' });
    putTagSchemaIndex([a, b]);
    assert.deepEqual(digests(await list()), [a.digest, b.digest]);
    assert.deepEqual((await list()).map((d) => d.artifactType), ['application/a', 'application/b']);
    assert.deepEqual(digests(await list({ artifactTypes: ['application/b'] })), [b.digest]);
    assert.equal(fake.count('GET', referrersPath()), 1, 'the referrers endpoint is probed once');
    assert.equal(fake.count('GET', tagSchemaPath()), 3);
    // Another subject on the same registry does not probe again either.
    const other = fake.putArtifact(REPO, { tag: 'v2' });
    assert.deepEqual(await collect(store.listReferrers(makeReference(fake.host, REPO, undefined, other.digest), other, ctx)), []);
    assert.equal(fake.count('GET', /\/referrers\//), 1);
  });

  test('no tag schema index → no referrers', async () => {
    fake.referrersApi = false;
    assert.deepEqual(await list(), []);
    assert.equal(fake.count('GET', tagSchemaPath()), 1);
  });

  test('200 with a non-index content type → fallback too', async () => {
    const a = fake.putArtifact(REPO, { subject, artifactType: 'application/a' });
    putTagSchemaIndex([a]);
    fake.route('GET', referrersPath(), (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    assert.deepEqual(digests(await list()), [a.digest]);
    await list();
    assert.equal(fake.count('GET', referrersPath()), 1);
  });

  test('a tag schema tag that is not an index → LIST_REFERRERS_FAILURE', async () => {
    fake.referrersApi = false;
    fake.putArtifact(REPO, { tag: subject.digest.replace(':', '-') });
    await assert.rejects(list(), isError('LIST_REFERRERS_FAILURE', { text: /is not an OCI image index/ }));
  });

  test('a malformed tag schema index → LIST_REFERRERS_FAILURE (root MANIFEST_INVALID)', async () => {
    fake.referrersApi = false;
    fake.putManifest(REPO, '{"schemaVersion":2,"manifests":', MediaType.OciIndex, subject.digest.replace(':', '-'));
    await assert.rejects(list(), isError('LIST_REFERRERS_FAILURE', { root: 'MANIFEST_INVALID', text: /malformed JSON/ }));
  });

  test('a tag schema index with more referrers than the limit → LIST_REFERRERS_FAILURE', async () => {
    store = newStore({ limits: { ...DEFAULT_LIMITS, referrersPerSubject: 2 } });
    fake.referrersApi = false;
    putTagSchemaIndex([1, 2, 3].map((i) => fake.putArtifact(REPO, { subject, artifactType: `application/t${i}` })));
    await assert.rejects(list(), isError('LIST_REFERRERS_FAILURE', { text: /more than 2 referrers/ }));
  });
});

describe('cosign', () => {
  function putCosignSignature(): Descriptor {
    const layer = fake.putBlob(REPO, '{"critical":{}}', MediaType.CosignSimpleSigning);
    const config = fake.putBlob(REPO, '{}', 'application/vnd.oci.image.config.v1+json');
    return fake.putManifest(REPO, { schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [layer] }, MediaType.OciManifest, `${subject.digest.replace(':', '-')}.sig`);
  }

  test('the .sig tag is resolved by HEAD and appended with the cosign artifactType', async () => {
    store = newStore({ cosignEnabled: true });
    const notation = fake.putArtifact(REPO, { subject, artifactType: MediaType.NotarySignature });
    const sig = putCosignSignature();
    const got = await list();
    assert.deepEqual(got, [
      { ...notation, artifactType: MediaType.NotarySignature },
      { mediaType: MediaType.OciManifest, digest: sig.digest, size: sig.size, artifactType: MediaType.CosignArtifactSig },
    ]);
    assert.equal(fake.count('HEAD', cosignPath()), 1);
    assert.equal(fake.count('GET', cosignPath()), 0);
    assert.deepEqual(digests(await list({ artifactTypes: [MediaType.CosignArtifactSig] })), [sig.digest]);
  });

  test('also with the tag schema fallback', async () => {
    store = newStore({ cosignEnabled: true });
    fake.referrersApi = false;
    const sig = putCosignSignature();
    assert.deepEqual(digests(await list()), [sig.digest]);
  });

  test('without cosignEnabled the .sig tag is not looked at', async () => {
    putCosignSignature();
    assert.deepEqual(await list(), []);
    assert.equal(fake.count('*', cosignPath()), 0);
  });

  test('404 on the .sig tag → not appended', async () => {
    store = newStore({ cosignEnabled: true });
    const a = fake.putArtifact(REPO, { subject, artifactType: 'application/a' });
    assert.deepEqual(digests(await list()), [a.digest]);
    assert.equal(fake.count('HEAD', cosignPath()), 1);
  });

  test('500 on the .sig tag (after retries) → LIST_REFERRERS_FAILURE', async () => {
    store = newStore({ cosignEnabled: true });
    fake.route('HEAD', cosignPath(), (_req, res) => {
      res.writeHead(500);
      res.end();
    });
    await assert.rejects(list(), isError('LIST_REFERRERS_FAILURE', { root: 'REPOSITORY_OPERATION_FAILURE', text: /Cosign signature.*HTTP 500/ }));
    assert.equal(fake.count('HEAD', cosignPath()), 1 + (FAST_RETRIES.maxRetries ?? 0));
  });
});

describe('hostile or broken content', () => {
  test('manifest by digest returning other bytes → GET_REFERRER_MANIFEST_FAILURE (root MANIFEST_INVALID)', async () => {
    const sig = fake.putArtifact(REPO, { subject, artifactType: 'application/a' });
    const evil = jsonBytes({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: sig, layers: [] });
    fake.route('GET', `/v2/${REPO}/manifests/${sig.digest}`, (req, res) => sendManifest(req, res, evil, MediaType.OciManifest, sig.digest));
    await assert.rejects(store.fetchManifest(ref, sig, ctx), isError('GET_REFERRER_MANIFEST_FAILURE', { root: 'MANIFEST_INVALID', text: /digest mismatch/ }));
  });

  test('blob returning other bytes → GET_BLOB_CONTENT_FAILURE digest mismatch; nothing cached', async () => {
    const b = fake.putBlob(REPO, 'genuine');
    fake.route('GET', `/v2/${REPO}/blobs/${b.digest}`, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end('forged!');
    }, { times: 1 });
    await assert.rejects(store.fetchBlob(ref, b, ctx), isError('GET_BLOB_CONTENT_FAILURE', { root: 'GET_BLOB_CONTENT_FAILURE', text: /digest mismatch/ }));
    assert.equal(Buffer.from(await store.fetchBlob(ref, b, ctx)).toString(), 'genuine');
  });

  test('descriptor sizes over the limits are refused before any request', async () => {
    store = newStore({ limits: { ...DEFAULT_LIMITS, manifestBytes: 1000, blobBytes: 2000 } });
    const before = fake.log.length;
    const d = sha256('anything');
    await assert.rejects(store.fetchManifest(ref, { mediaType: MediaType.OciManifest, digest: d, size: 1001 }, ctx), isError('GET_REFERRER_MANIFEST_FAILURE', { root: 'MANIFEST_INVALID', text: /too large/ }));
    await assert.rejects(store.fetchBlob(ref, { digest: d, size: 2001 }, ctx), isError('GET_BLOB_CONTENT_FAILURE', { text: /too large/ }));
    assert.equal(fake.log.length - before, 0);
  });

  test('a manifest over the limit (Content-Length) → GET_REFERRER_MANIFEST_FAILURE', async () => {
    store = newStore({ limits: { ...DEFAULT_LIMITS, manifestBytes: 300 } });
    const big = fake.putArtifact(REPO, { subject, artifactType: 'application/a', annotations: { pad: 'x'.repeat(500) } });
    await assert.rejects(store.fetchManifest(ref, { ...big, size: 200 }, ctx), isError('GET_REFERRER_MANIFEST_FAILURE', { root: 'MANIFEST_INVALID', text: /too large/ }));
  });

  test('manifest body that is not JSON → DATA_DECODING_FAILURE (as Ratify)', async () => {
    const junk = fake.putManifest(REPO, 'definitely { not json', MediaType.OciManifest);
    await assert.rejects(store.fetchManifest(ref, junk, ctx), isError('DATA_DECODING_FAILURE', { text: /Failed to parse artifact metadata.*malformed JSON/ }));
    // The raw bytes are fine (digest-verified); decoding is what fails.
    assert.equal(Buffer.from(await store.fetchManifestBytes(ref, junk, ctx)).toString(), 'definitely { not json');
  });

  test('text/html for a referrer manifest → GET_REFERRER_MANIFEST_FAILURE (root MANIFEST_INVALID)', async () => {
    const sig = fake.putArtifact(REPO, { subject, artifactType: 'application/a' });
    fake.route('GET', `/v2/${REPO}/manifests/${sig.digest}`, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html></html>');
    });
    await assert.rejects(store.fetchManifest(ref, sig, ctx), isError('GET_REFERRER_MANIFEST_FAILURE', { root: 'MANIFEST_INVALID', text: /unexpected content type "text\/html"/ }));
  });
});

describe('deadlines', () => {
  test('a slow referrers listing past the deadline → DEADLINE_EXCEEDED', { timeout: 10000 }, async () => {
    fake.route('GET', referrersPath(), (_req, res) => {
      res.writeHead(200, { 'content-type': MediaType.OciIndex });
      res.write('{"schemaVersion":2,');
      const t = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(t));
    });
    const dctx = withDeadline(ctx, 300, 'list referrers');
    try {
      await assert.rejects(list(undefined, dctx), (e: unknown) => {
        const err = e as { code?: string; root?: { code?: string }; message?: string };
        assert.ok(err.code === 'DEADLINE_EXCEEDED' || err.root?.code === 'DEADLINE_EXCEEDED', String(err.message));
        assert.match(String(err.message), /did not finish within 300 ms/);
        return true;
      });
    } finally {
      dctx.cancel();
    }
  });

  test('a blob dripping past the deadline → GET_BLOB_CONTENT_FAILURE with root DEADLINE_EXCEEDED', { timeout: 10000 }, async () => {
    const b = fake.putBlob(REPO, Buffer.alloc(1000, 1));
    fake.route('GET', `/v2/${REPO}/blobs/${b.digest}`, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1000' });
      const t = setInterval(() => res.write(Buffer.alloc(1, 1)), 20);
      res.on('close', () => clearInterval(t));
    });
    const dctx = withDeadline(ctx, 300, 'fetch blob');
    try {
      await assert.rejects(store.fetchBlob(ref, b, dctx), isError('GET_BLOB_CONTENT_FAILURE', { root: 'DEADLINE_EXCEEDED' }));
    } finally {
      dctx.cancel();
    }
  });
});

describe('caching, coalescing and connection limits', () => {
  test('cacheEnabled keeps a referrer list for ttl, keyed per namespace', async () => {
    const { MemoryCache } = await import('../../src/cache/memory.js');
    const cache = new MemoryCache();
    await store.close();
    store = newStore({ cacheEnabled: true, ttlSeconds: 1, cache });
    fake.putArtifact(REPO, { artifactType: 'application/a', subject });
    await list();
    await list();
    assert.equal(fake.count('GET', referrersPath()), 1, 'second listing is served from the cache');
    // Another namespace does not see the first namespace's entry.
    await collect(store.listReferrers(ref, subject, { ...ctx, namespace: 'team-b' }));
    assert.equal(fake.count('GET', referrersPath()), 2);
    assert.ok(await cache.get(`team-b:cache_ratify_list_referrers_${store.cacheId}_${ref.path}@${subject.digest}`));
    await new Promise((r) => setTimeout(r, 1100));
    await list();
    assert.equal(fake.count('GET', referrersPath()), 3, 'the entry expires after ttl');
  });

  test('without cacheEnabled every listing asks the registry', async () => {
    await list();
    await list();
    assert.equal(fake.count('GET', referrersPath()), 2);
  });

  test('identical concurrent fetches are coalesced into one request', async () => {
    const blob = fake.putBlob(REPO, 'shared blob content');
    const results = await Promise.all(Array.from({ length: 10 }, () => store.fetchBlob(ref, blob, ctx)));
    assert.equal(fake.count('GET', `/v2/${REPO}/blobs/${blob.digest}`), 1);
    for (const r of results) assert.equal(Buffer.from(r).toString(), 'shared blob content');
  });

  test('no more connections to one registry than connectionsPerHost', async () => {
    await store.close();
    store = newStore({ transport: { ...FAST_RETRIES, connectionsPerHost: 2 } });
    let inFlight = 0;
    let peak = 0;
    const blobs = Array.from({ length: 8 }, (_, i) => fake.putBlob(REPO, `blob ${i}`));
    fake.route('GET', /\/blobs\//, async (req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
      return NEXT_ROUTE;
    });
    await Promise.all(blobs.map((b) => store.fetchBlob(ref, b, ctx)));
    assert.equal(peak, 2);
  });
});
