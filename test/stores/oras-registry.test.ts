import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { startRegistry, type RegistryFlavour, type RegistryHandle } from '../harness/registry.js';
import { pushBlob, pushLayout, pushManifest } from '../harness/load-layout.js';
import { skipUnlessVectors, vectorPath } from '../harness/vectors.js';
import { writeRatifyConfig, type RatifyTestConfig } from '../harness/ratify-config.js';
import { createStore } from '../../src/stores/factory.js';
import { OrasStore } from '../../src/stores/oras/store.js';
import { collect, type ReferrerStore } from '../../src/stores/types.js';
import { parseReference, withDigest } from '../../src/reference/reference.js';
import { backgroundContext, newStats, type Context } from '../../src/context.js';
import { silentLogger } from '../../src/observability/logger.js';
import { RatifyError } from '../../src/errors.js';

const LAYOUTS = 'notation/test/e2e/testdata/registry/oci_layout';
const SUBJECT = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';
const SIGNATURE = 'sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f';
const NOTARY = 'application/vnd.cncf.notary.signature';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const FLAVOURS: RegistryFlavour[] = ['open', 'basic', 'token', 'tls'];
const skip = skipUnlessVectors(FLAVOURS.length * 7, 'oras store against docker-registry with the notation e2e layouts');

const rt = (dir: string) => ({ home: dir, env: process.env });
const ctx = (): Context => ({ ...backgroundContext(silentLogger()), stats: newStats() });
const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

for (const flavour of FLAVOURS) {
  describe(`oras store on a ${flavour} registry`, { skip }, () => {
    let reg: RegistryHandle;
    let cfg: RatifyTestConfig;
    let store: ReferrerStore;

    before(async () => {
      reg = await startRegistry(flavour);
      await pushLayout(reg, vectorPath(LAYOUTS, 'e2e-valid-signature'), 'e2e/valid');
      await pushLayout(reg, vectorPath(LAYOUTS, 'e2e-valid-multiple-signatures'), 'e2e/multi');
      await pushLayout(reg, vectorPath(LAYOUTS, 'e2e'), 'e2e/unsigned');
      cfg = await writeRatifyConfig(reg);
      store = await createStore(cfg.store, 0, { rt: rt(cfg.dir), log: silentLogger() });
    });
    after(async () => {
      await store?.close?.();
      await reg?.stop();
      if (cfg) await rm(cfg.dir, { recursive: true, force: true });
    });

    it('resolves a tag to the subject descriptor', async () => {
      const d = await store.resolve(parseReference(`${reg.host}/e2e/valid:v1`), ctx());
      assert.deepEqual(d, { mediaType: OCI_MANIFEST, digest: SUBJECT, size: 517 });
    });

    it('finds the Notation signature through the referrers tag schema', async () => {
      const ref = parseReference(`${reg.host}/e2e/valid@${SUBJECT}`);
      const subject = await store.resolve(ref, ctx());
      const refs = await collect(store.listReferrers(ref, subject, ctx()));
      assert.equal(refs.length, 1);
      assert.equal(refs[0]!.digest, SIGNATURE);
      assert.equal(refs[0]!.artifactType, NOTARY);
      assert.equal(refs[0]!.mediaType, OCI_MANIFEST);
    });

    it('normalises the signature manifest and returns the verified envelope blob', async () => {
      const ref = parseReference(`${reg.host}/e2e/valid@${SUBJECT}`);
      const m = await store.fetchManifest(ref, { mediaType: OCI_MANIFEST, digest: SIGNATURE, size: 728 }, ctx());
      assert.equal(m.artifactType, NOTARY);
      assert.equal(m.subject?.digest, SUBJECT);
      assert.equal(m.blobs.length, 1);
      assert.equal(m.blobs[0]!.mediaType, 'application/jose+json');
      const blob = await store.fetchBlob(ref, m.blobs[0]!, ctx());
      assert.equal(sha256(blob), m.blobs[0]!.digest);
      assert.equal(blob.length, m.blobs[0]!.size);
      assert.match(Buffer.from(blob).toString('utf8'), /"protected"/);
    });

    it('lists only what the tag schema index lists when the registry has no referrers API', async () => {
      // e2e-valid-multiple-signatures links a second signature only through `subject`; a 2.8 registry cannot find it.
      const ref = parseReference(`${reg.host}/e2e/multi@${SUBJECT}`);
      const refs = await collect(store.listReferrers(ref, await store.resolve(ref, ctx()), ctx()));
      assert.deepEqual(refs.map((r) => r.digest), [SIGNATURE]);
    });

    it('reports no referrers for an unsigned image', async () => {
      const ref = parseReference(`${reg.host}/e2e/unsigned:v1`);
      const subject = await store.resolve(ref, ctx());
      assert.deepEqual(await collect(store.listReferrers({ ...ref, digest: subject.digest }, subject, ctx())), []);
    });

    it('fails resolution of a missing tag with a clear error', async () => {
      await assert.rejects(store.resolve(parseReference(`${reg.host}/e2e/valid:nope`), ctx()), (e: unknown) => {
        assert.ok(e instanceof RatifyError);
        assert.equal(e.code, 'REPOSITORY_OPERATION_FAILURE');
        assert.match(e.message, /Unable to resolve the reference/);
        assert.equal(e.root.code, 'RESOURCE_NOT_FOUND');
        return true;
      });
    });

    it('serves repeated content from the cache without registry requests', async () => {
      const ref = parseReference(`${reg.host}/e2e/valid@${SUBJECT}`);
      const c1 = ctx();
      const m = await store.fetchManifest(ref, { mediaType: OCI_MANIFEST, digest: SIGNATURE, size: 728 }, c1);
      await store.fetchBlob(ref, m.blobs[0]!, c1);
      const c2 = ctx();
      await store.fetchManifest(ref, { mediaType: OCI_MANIFEST, digest: SIGNATURE, size: 728 }, c2);
      await store.fetchBlob(ref, m.blobs[0]!, c2);
      assert.equal(c2.stats!.registryRequests, 0);
      assert.equal(c2.stats!.cacheHits, 2);
      // A second store over the same on-disk cache directory also needs no registry round trip.
      const other = await createStore(cfg.store, 0, { rt: rt(cfg.dir), log: silentLogger() });
      const c3 = ctx();
      await other.fetchBlob(ref, m.blobs[0]!, c3);
      assert.equal(c3.stats!.registryRequests, 0);
      await other.close?.();
    });
  });
}

describe('oras store credentials and TLS', { skip }, () => {
  const started: RegistryHandle[] = [];
  after(async () => {
    await Promise.all(started.map((r) => r.stop()));
  });

  it('refuses a wrong password with AUTH_DENIED', async () => {
    const reg = await startRegistry('basic');
    started.push(reg);
    await pushLayout(reg, vectorPath(LAYOUTS, 'e2e'), 'e2e/unsigned');
    const cfg = await writeRatifyConfig({ ...reg, password: 'wrong' });
    const store = await createStore(cfg.store, 0, { rt: rt(cfg.dir), log: silentLogger() });
    await assert.rejects(store.resolve(parseReference(`${reg.host}/e2e/unsigned:v1`), ctx()), (e: unknown) => {
      assert.ok(e instanceof RatifyError);
      assert.equal(e.root.code, 'AUTH_DENIED');
      return true;
    });
    await store.close?.();
  });

  it('fetches one token per repository scope and reuses it', async () => {
    const reg = await startRegistry('token');
    started.push(reg);
    await pushLayout(reg, vectorPath(LAYOUTS, 'e2e-valid-signature'), 'e2e/valid');
    const cfg = await writeRatifyConfig(reg, { localCacheEnabled: false });
    const store = (await createStore(cfg.store, 0, { rt: rt(cfg.dir), log: silentLogger() })) as OrasStore;
    const ref = parseReference(`${reg.host}/e2e/valid:v1`);
    for (let i = 0; i < 5; i++) {
      const s = await store.resolve(ref, ctx());
      await collect(store.listReferrers(withDigest(ref, s.digest), s, ctx()));
    }
    assert.equal(store.client(reg.host).auth.tokenFetches, 1);
    await store.close?.();
  });

  it('replicas sharing a cache share bearer tokens (cache_ratify_oras_auth_<host>)', async () => {
    const { MemoryCache } = await import('../../src/cache/memory.js');
    const reg = await startRegistry('token');
    started.push(reg);
    await pushLayout(reg, vectorPath(LAYOUTS, 'e2e'), 'e2e/shared');
    const cfg = await writeRatifyConfig(reg, { localCacheEnabled: false });
    const shared = new MemoryCache();
    const a = (await createStore(cfg.store, 0, { rt: rt(cfg.dir), log: silentLogger(), cache: shared })) as OrasStore;
    const b = (await createStore(cfg.store, 0, { rt: rt(cfg.dir), log: silentLogger(), cache: shared })) as OrasStore;
    const ref = parseReference(`${reg.host}/e2e/shared:v1`);
    await a.resolve(ref, ctx());
    const before = reg.tokenServer!.requests;
    await b.resolve(ref, ctx());
    assert.equal(a.client(reg.host).auth.tokenFetches, 1);
    assert.equal(b.client(reg.host).auth.tokenFetches, 0, 'the second replica used the shared token');
    // b still had to learn the Bearer scheme from one 401, but fetched no token.
    assert.equal(reg.tokenServer!.requests, before);
    await a.close?.();
    await b.close?.();
  });

  it('rejects a TLS registry whose certificate is not from the configured CA', async () => {
    const reg = await startRegistry('tls');
    const other = await startRegistry('tls');
    started.push(reg, other);
    // The CA of another registry does not vouch for this one.
    const cfg = await writeRatifyConfig({ ...reg, caFile: other.caFile });
    const store = await createStore(cfg.store, 0, { rt: rt(cfg.dir), log: silentLogger() });
    await assert.rejects(store.resolve(parseReference(`${reg.host}/x/y:v1`), ctx()), (e: unknown) => {
      assert.ok(e instanceof RatifyError);
      assert.equal(e.root.code, 'REPOSITORY_OPERATION_FAILURE');
      assert.match(String((e.root.cause as Error)?.message ?? e.message), /certificate|self.signed|verify/i);
      return true;
    });
    await store.close?.();
  });

  it('discovers a cosign signature tag only when cosignEnabled', async () => {
    const reg = await startRegistry('open');
    started.push(reg);
    await pushLayout(reg, vectorPath(LAYOUTS, 'e2e'), 'e2e/cosign');
    const layer = Buffer.from('{"critical":{}}');
    const cfgBlob = Buffer.from('{}');
    const layerDigest = await pushBlob(reg, 'e2e/cosign', layer);
    const cfgDigest = await pushBlob(reg, 'e2e/cosign', cfgBlob);
    const sig = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfgDigest, size: cfgBlob.length },
        layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: layerDigest, size: layer.length }],
      }),
    );
    const sigDigest = await pushManifest(reg, 'e2e/cosign', `sha256-${SUBJECT.slice(7)}.sig`, OCI_MANIFEST, sig);
    const ref = parseReference(`${reg.host}/e2e/cosign@${SUBJECT}`);
    for (const cosignEnabled of [true, false]) {
      const cfg = await writeRatifyConfig(reg, { cosignEnabled });
      const store = await createStore(cfg.store, 0, { rt: rt(cfg.dir), log: silentLogger() });
      const refs = await collect(store.listReferrers(ref, await store.resolve(ref, ctx()), ctx()));
      if (cosignEnabled) {
        assert.deepEqual(refs, [{ mediaType: OCI_MANIFEST, digest: sigDigest, size: sig.length, artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' }]);
      } else {
        assert.deepEqual(refs, []);
      }
      await store.close?.();
    }
  });
});
