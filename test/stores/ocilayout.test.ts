import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, stat, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { backgroundContext, type Context } from '../../src/context.js';
import { RatifyError, type ErrorCode } from '../../src/errors.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { createOciLayoutStore, type OciLayoutStore } from '../../src/stores/ocilayout/store.js';
import { parseOciLayoutSubject } from '../../src/stores/ocilayout/subject.js';
import { indexTar } from '../../src/stores/ocilayout/tar.js';
import { collect, DEFAULT_LIMITS, type ContentLimits } from '../../src/stores/types.js';
import { skipUnlessVectors, vectorsDir } from '../harness/vectors.js';

const ctx: Context = backgroundContext();

// Full digests of the vector layouts (from their index.json / blobs, cross-checked with cases.json).
const HELLO = {
  dir: 'ratify-go/testdata/oci_store/hello',
  v1: 'sha256:2b858809d6fd3d63a2e64e8418a0d5883aec3e24e4fe6346370f09e043763b83',
  foo: 'sha256:429c5e7304ab01d7d5d3772bc1b4443844e0b2b8f6cd362eac2a7f83598b4927',
  bar: 'sha256:0869171bd25813427afe0619ab8f2dc35a95527f24c5806580b37fe88cbbd105',
  orphan: 'sha256:de07fb4ec0d92693027017bb762a2397c700dcf966ec24364659e8ff5567a932',
  fooBlob: 'sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c',
};
const NOTATION = 'notation/test/e2e/testdata/registry/oci_layout';
const E2E_SUBJECT = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';
const SIG_90 = 'sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f';
const SIG_C3 = 'sha256:c3ebe4a20b6832328fc5078a7795ddc1114b896e13fca2add38109c3866b5fbf';
const TAG_INDEX = 'sha256:13e107e0dd246f07ff18998a3d39e226965c41477a1bc1765f7617632ff3f283';
const TS_SUBJECT = 'sha256:53b0191218aed9a3c1f7c661736ac40cfc8eb928642348fd843ba3f0483c0c20';
const TS_SIG = 'sha256:6a5cd3a886707a317935dcaf13954fc80ef9aeb665262b6ae4fe469ad7ea3aea';
const UNKNOWN_ARTIFACT = 'application/vnd.unknown.artifact.v1';
const EMPTY_DIGEST = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function isCode(code: ErrorCode, root?: ErrorCode, text?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof RatifyError, `expected a RatifyError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (root) assert.equal(e.root.code, root, e.message);
    if (text) assert.match(e.message, text);
    return true;
  };
}

function subjectOf(layout: string, tagOrDigest: string) {
  return parseOciLayoutSubject(`${layout}${tagOrDigest.includes(':') ? '@' : ':'}${tagOrDigest}`).reference;
}

async function referrers(store: OciLayoutStore, layout: string, subject: Descriptor, artifactTypes?: string[]) {
  return collect(store.listReferrers(subjectOf(layout, subject.digest), subject, ctx, { artifactTypes }));
}

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ratify-ocilayout-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Real vectors, each checked as a directory, as a tar with "./" names and as a tar without.

interface VectorCheck {
  name: string;
  dir: string;
  run(store: OciLayoutStore, layout: string): Promise<void>;
}

const VECTOR_CHECKS: VectorCheck[] = [
  {
    name: 'ratify-go hello: resolve, list, filter, fetch',
    dir: HELLO.dir,
    async run(store, layout) {
      const subject = await store.resolve(subjectOf(layout, 'v1'), ctx);
      assert.deepEqual(subject, { mediaType: MediaType.OciManifest, digest: HELLO.v1, size: 588, artifactType: UNKNOWN_ARTIFACT });
      assert.deepEqual(await store.resolve(subjectOf(layout, HELLO.v1), ctx), subject);

      // Expectations of cases.json "ratify-go/oci-store/list-referrers-all": foo and bar, not the
      // orphan de07fb4e (it names v1 as subject but is not reachable from index.json).
      const all = await referrers(store, layout, subject);
      assert.deepEqual(all, [
        { mediaType: MediaType.OciManifest, digest: HELLO.foo, size: 896, artifactType: 'application/foo', annotations: { 'org.opencontainers.image.created': '2025-01-22T09:54:49Z' } },
        { mediaType: MediaType.OciManifest, digest: HELLO.bar, size: 896, artifactType: 'application/bar', annotations: { 'org.opencontainers.image.created': '2025-01-22T09:55:25Z' } },
      ]);
      // "ratify-go/oci-store/list-referrers-filtered".
      assert.deepEqual((await referrers(store, layout, subject, ['application/foo'])).map((d) => d.digest), [HELLO.foo]);
      assert.deepEqual(await referrers(store, layout, subject, ['application/test']), []);
      assert.deepEqual((await referrers(store, layout, subject, ['application/foo', 'application/test'])).map((d) => d.digest), [HELLO.foo]);
      assert.equal((await referrers(store, layout, subject, ['*'])).length, 2);

      const m = await store.fetchManifest(subjectOf(layout, 'v1'), all[0]!, ctx);
      assert.equal(m.artifactType, 'application/foo');
      assert.equal(m.subject?.digest, HELLO.v1);
      assert.deepEqual(m.blobs.map((b) => b.digest), [HELLO.fooBlob]);
      const blob = await store.fetchBlob(subjectOf(layout, 'v1'), m.blobs[0]!, ctx);
      assert.equal(Buffer.from(blob).toString(), 'foo\n');

      // By digest, a manifest outside index.json is found from its blob.
      assert.deepEqual(await store.resolve(subjectOf(layout, HELLO.orphan), ctx), {
        mediaType: MediaType.OciManifest,
        digest: HELLO.orphan,
        size: 896,
        artifactType: 'application/bar',
      });
      await assert.rejects(store.resolve(subjectOf(layout, 'v2'), ctx), isCode('GET_SUBJECT_DESCRIPTOR_FAILURE', undefined, /tag "v2" not found/));
      await assert.rejects(store.resolve(subjectOf(layout, EMPTY_DIGEST), ctx), isCode('GET_SUBJECT_DESCRIPTOR_FAILURE', undefined, /not found/));
      await assert.rejects(store.fetchBlob(subjectOf(layout, 'v1'), { digest: EMPTY_DIGEST, size: 0 }, ctx), isCode('GET_BLOB_CONTENT_FAILURE', undefined, /not found/));
    },
  },
  {
    name: 'notation e2e-valid-signature: one signature via subject and tag schema',
    dir: `${NOTATION}/e2e-valid-signature`,
    async run(store, layout) {
      const subject = await store.resolve(subjectOf(layout, 'v1'), ctx);
      assert.deepEqual(subject, { mediaType: MediaType.OciManifest, digest: E2E_SUBJECT, size: 517 });
      const refs = await referrers(store, layout, subject);
      assert.equal(refs.length, 1);
      const sig = refs[0]!;
      assert.equal(sig.digest, SIG_90);
      assert.equal(sig.artifactType, MediaType.NotarySignature);
      assert.equal(sig.size, 728);
      assert.equal(
        sig.annotations?.['io.cncf.notary.x509chain.thumbprint#S256'],
        '["e38aea13f2b051f7183cca64a51ee676f4d4456f41d9fecf15eb367efc7343b9"]',
      );
      assert.deepEqual((await referrers(store, layout, subject, [MediaType.NotarySignature])).map((d) => d.digest), [SIG_90]);

      const m = await store.fetchManifest(subjectOf(layout, 'v1'), sig, ctx);
      assert.equal(m.artifactType, MediaType.NotarySignature);
      assert.equal(m.blobs.length, 1);
      assert.equal(m.blobs[0]!.mediaType, 'application/jose+json');
      const envelope = await store.fetchBlob(subjectOf(layout, 'v1'), m.blobs[0]!, ctx);
      assert.equal(envelope.byteLength, m.blobs[0]!.size);
      assert.equal(`sha256:${createHash('sha256').update(envelope).digest('hex')}`, m.blobs[0]!.digest);

      const raw = await store.fetchManifestBytes(subjectOf(layout, 'v1'), sig, ctx);
      assert.equal(digestOf(raw), SIG_90);
      // The result is a copy: writing into it does not poison the cache.
      raw.fill(0);
      assert.equal(digestOf(await store.fetchManifestBytes(subjectOf(layout, 'v1'), sig, ctx)), SIG_90);

      // Neither the subject nor the tag-schema index has referrers of its own here.
      assert.deepEqual(await referrers(store, layout, { mediaType: MediaType.OciIndex, digest: TAG_INDEX, size: 485 }), []);
      assert.deepEqual(await referrers(store, layout, sig), []);
    },
  },
  {
    name: 'notation e2e-valid-multiple-signatures: de-duplicated to two',
    dir: `${NOTATION}/e2e-valid-multiple-signatures`,
    async run(store, layout) {
      const subject = await store.resolve(subjectOf(layout, 'v1'), ctx);
      assert.equal(subject.digest, E2E_SUBJECT);
      const refs = await referrers(store, layout, subject);
      // 90ceaff2 is listed by the tag-schema index (which comes first in index.json) and by its
      // subject field; c3ebe4a2 only by its subject field.
      assert.deepEqual(refs.map((d) => d.digest), [SIG_90, SIG_C3]);
      assert.ok(refs.every((d) => d.artifactType === MediaType.NotarySignature));
      assert.ok(!refs.some((d) => d.digest === TAG_INDEX || d.digest === E2E_SUBJECT));
    },
  },
  {
    name: 'notation e2e-with-timestamped-signature: artifact subject, subject-field referrer',
    dir: `${NOTATION}/e2e-with-timestamped-signature`,
    async run(store, layout) {
      const subject = await store.resolve(subjectOf(layout, 'v1'), ctx);
      assert.deepEqual(subject, { mediaType: MediaType.OciManifest, digest: TS_SUBJECT, size: 582, artifactType: UNKNOWN_ARTIFACT });
      const refs = await referrers(store, layout, subject);
      assert.deepEqual(refs.map((d) => [d.digest, d.artifactType]), [[TS_SIG, MediaType.NotarySignature]]);
      const m = await store.fetchManifest(subjectOf(layout, 'v1'), refs[0]!, ctx);
      const blob = await store.fetchBlob(subjectOf(layout, 'v1'), m.blobs[0]!, ctx);
      assert.equal(digestOf(blob), m.blobs[0]!.digest);
    },
  },
  {
    name: 'notation e2e: unsigned subject has no referrers',
    dir: `${NOTATION}/e2e`,
    async run(store, layout) {
      const subject = await store.resolve(subjectOf(layout, 'v1'), ctx);
      assert.equal(subject.digest, E2E_SUBJECT);
      assert.deepEqual(await referrers(store, layout, subject), []);
    },
  },
];

const VARIANTS = ['directory', 'tar with ./ names', 'tar with bare names', 'pax tar'] as const;
const vectorsSkip = skipUnlessVectors(VECTOR_CHECKS.length * VARIANTS.length + 5, 'oci-layout store vectors');

async function makeTar(src: string, variant: (typeof VARIANTS)[number], out: string): Promise<string> {
  const file = join(tmp, `${out}.tar`);
  if (variant === 'tar with ./ names') execFileSync('tar', ['-C', src, '-cf', file, '.']);
  else if (variant === 'tar with bare names') execFileSync('tar', ['-C', src, '-cf', file, 'oci-layout', 'index.json', 'blobs']);
  else execFileSync('tar', ['--format=pax', '-C', src, '-cf', file, '.']);
  return file;
}

describe('oci-layout store on real vectors', { skip: vectorsSkip }, () => {
  for (const check of VECTOR_CHECKS) {
    for (const variant of VARIANTS) {
      test(`${check.name} (${variant})`, async () => {
        const src = join(vectorsDir()!, check.dir);
        const layout = variant === 'directory' ? src : await makeTar(src, variant, `${check.dir}-${variant}`.replace(/[^a-zA-Z0-9-]+/g, '_'));
        const store = await createOciLayoutStore({ name: 'oci-layout', path: layout });
        assert.equal(store.name, 'oci-layout');
        assert.deepEqual(store.config, { name: 'oci-layout', path: layout });
        await check.run(store, layout);
      });
    }
  }

  test('cases.json carries the ratify-go expectations used above', async () => {
    const cases = JSON.parse(await readFile(join(vectorsDir()!, 'cases.json'), 'utf8')) as { cases: { id: string; inputs: Record<string, unknown>; reason: string }[] };
    const all = cases.cases.find((c) => c.id === 'ratify-go/oci-store/list-referrers-all');
    const filtered = cases.cases.find((c) => c.id === 'ratify-go/oci-store/list-referrers-filtered');
    assert.ok(all && filtered);
    assert.equal(all.inputs['subject'], 'v1');
    for (const d of [HELLO.v1, HELLO.foo, HELLO.bar, HELLO.orphan]) {
      assert.ok(all.reason.includes(d.slice(0, 'sha256:'.length + 8)), `${d} mentioned`);
    }
    assert.deepEqual(filtered.inputs['artifactTypes'], ['application/foo']);
  });

  test('configurable name; limits.referrersPerSubject enforced', async () => {
    const path = join(vectorsDir()!, HELLO.dir);
    const limits: ContentLimits = { ...DEFAULT_LIMITS, referrersPerSubject: 1 };
    const store = await createOciLayoutStore({ name: 'offline', path }, limits);
    assert.equal(store.name, 'offline');
    const subject = await store.resolve(subjectOf(path, 'v1'), ctx);
    await assert.rejects(referrers(store, path, subject), isCode('LIST_REFERRERS_FAILURE', undefined, /2 referrers.*limit of 1/));
  });

  test('the referrer map is built once and rebuilt when index.json changes', async () => {
    const layout = join(tmp, 'hello-copy');
    await cp(join(vectorsDir()!, HELLO.dir), layout, { recursive: true });
    const store = await createOciLayoutStore({ path: layout });
    const subject = await store.resolve(subjectOf(layout, 'v1'), ctx);
    assert.equal((await referrers(store, layout, subject)).length, 2);
    // With the referrer manifests gone, a second listing still answers from the cached map.
    const saved = await readFile(join(layout, 'blobs/sha256', HELLO.bar.slice(7)));
    await unlink(join(layout, 'blobs/sha256', HELLO.bar.slice(7)));
    assert.equal((await referrers(store, layout, subject)).length, 2);
    await writeFile(join(layout, 'blobs/sha256', HELLO.bar.slice(7)), saved);

    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    index.manifests = index.manifests.filter((d) => d.digest !== HELLO.bar);
    await writeFile(join(layout, 'index.json'), JSON.stringify(index));
    const later = new Date(Date.now() + 5000);
    await utimes(join(layout, 'index.json'), later, later);
    assert.deepEqual((await referrers(store, layout, subject)).map((d) => d.digest), [HELLO.foo]);
  });

  test('an aborted context stops the operation', async () => {
    const path = join(vectorsDir()!, HELLO.dir);
    const store = await createOciLayoutStore({ path });
    const ctl = new AbortController();
    ctl.abort();
    const aborted: Context = { ...ctx, signal: ctl.signal };
    await assert.rejects(store.fetchBlob(subjectOf(path, 'v1'), { digest: HELLO.fooBlob }, aborted), isCode('DEADLINE_EXCEEDED'));
    await assert.rejects(store.resolve(subjectOf(path, 'v1'), aborted), isCode('DEADLINE_EXCEEDED'));
  });

  test('truncated and corrupted tars of a real layout fail cleanly', async () => {
    const src = join(vectorsDir()!, `${NOTATION}/e2e-valid-signature`);
    const good = await makeTar(src, 'tar with bare names', 'corrupt-base');
    const bytes = await readFile(good);

    const truncated = join(tmp, 'truncated.tar');
    await writeFile(truncated, bytes.subarray(0, 512 + 100));
    await assert.rejects(createOciLayoutStore({ path: truncated }), isCode('REFERRER_STORE_FAILURE', undefined, /padding .* is missing/));
    // Cut inside the data of the last file (tar pads the archive with zero records, so cutting
    // a fixed amount off the end would only remove padding).
    const last = [...(await indexTar(good)).values()].sort((a, b) => b.offset - a.offset)[0]!;
    const midData = join(tmp, 'mid-data.tar');
    await writeFile(midData, bytes.subarray(0, last.offset + Math.floor(last.size / 2)));
    await assert.rejects(createOciLayoutStore({ path: midData }), isCode('REFERRER_STORE_FAILURE', undefined, /beyond the end/));
    const midHeader = join(tmp, 'mid-header.tar');
    await writeFile(midHeader, bytes.subarray(0, 1024 + 200));
    await assert.rejects(createOciLayoutStore({ path: midHeader }), isCode('REFERRER_STORE_FAILURE', undefined, /truncated header|beyond the end/));

    const badSum = join(tmp, 'bad-checksum.tar');
    const flipped = Buffer.from(bytes);
    flipped[0] = flipped[0]! ^ 0x01;
    await writeFile(badSum, flipped);
    await assert.rejects(createOciLayoutStore({ path: badSum }), isCode('REFERRER_STORE_FAILURE', undefined, /checksum mismatch at offset 0/));
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile layouts built here.

interface Built {
  path: string;
  subject: Descriptor;
  referrer: Descriptor;
  layer: Descriptor;
}

function json(o: unknown): Buffer {
  return Buffer.from(JSON.stringify(o));
}

function blobDesc(mediaType: string, bytes: Uint8Array): Descriptor {
  return { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
}

/** A subject with one signature-like referrer; `tamper` may rewrite files before they are written. */
async function buildLayout(name: string, tamper: (files: Map<string, Buffer>, d: Omit<Built, 'path'>) => void = () => {}): Promise<Built> {
  const path = join(tmp, name);
  const files = new Map<string, Buffer>();
  const put = (b: Buffer) => files.set(`blobs/sha256/${digestOf(b).slice(7)}`, b);
  const empty = Buffer.from('{}');
  put(empty);
  const layerBytes = Buffer.from('layer content');
  put(layerBytes);
  const layer = blobDesc('application/jose+json', layerBytes);
  const subjectBytes = json({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: blobDesc('application/vnd.x.config', empty), layers: [] });
  put(subjectBytes);
  const subject = blobDesc(MediaType.OciManifest, subjectBytes);
  const referrerBytes = json({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: blobDesc(MediaType.NotarySignature, empty),
    layers: [layer],
    subject,
  });
  put(referrerBytes);
  const referrer = blobDesc(MediaType.OciManifest, referrerBytes);
  files.set('oci-layout', json({ imageLayoutVersion: '1.0.0' }));
  files.set('index.json', json({ schemaVersion: 2, manifests: [{ ...subject, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }, referrer] }));
  tamper(files, { subject, referrer, layer });
  await mkdir(join(path, 'blobs', 'sha256'), { recursive: true });
  for (const [p, b] of files) await writeFile(join(path, p), b);
  return { path, subject, referrer, layer };
}

describe('oci-layout store on hostile layouts', () => {
  test('a well-formed built layout works (baseline for the cases below)', async () => {
    const b = await buildLayout('baseline');
    const store = await createOciLayoutStore({ path: b.path });
    assert.deepEqual(await store.resolve(subjectOf(b.path, 'v1'), ctx), b.subject);
    const refs = await referrers(store, b.path, b.subject);
    assert.deepEqual(refs, [{ ...b.referrer, artifactType: MediaType.NotarySignature }]);
    assert.equal(Buffer.from(await store.fetchBlob(subjectOf(b.path, 'v1'), b.layer, ctx)).toString(), 'layer content');
  });

  test('blob content that does not match its digest', async () => {
    const b = await buildLayout('tampered-blob', (files, d) => {
      files.set(`blobs/sha256/${d.layer.digest.slice(7)}`, Buffer.from('LAYER CONTENT'));
    });
    const store = await createOciLayoutStore({ path: b.path });
    await assert.rejects(store.fetchBlob(subjectOf(b.path, 'v1'), b.layer, ctx), isCode('GET_BLOB_CONTENT_FAILURE', 'GET_BLOB_CONTENT_FAILURE', /digest mismatch/));
  });

  test('a tampered referrer manifest fails the listing rather than vanishing from it', async () => {
    const b = await buildLayout('tampered-manifest', (files, d) => {
      const p = `blobs/sha256/${d.referrer.digest.slice(7)}`;
      files.set(p, Buffer.from(files.get(p)!.toString().replace('jose', 'JOSE')));
    });
    const store = await createOciLayoutStore({ path: b.path });
    await assert.rejects(referrers(store, b.path, b.subject), isCode('LIST_REFERRERS_FAILURE', 'GET_BLOB_CONTENT_FAILURE', /digest mismatch/));
    await assert.rejects(store.fetchManifest(subjectOf(b.path, 'v1'), b.referrer, ctx), isCode('GET_REFERRER_MANIFEST_FAILURE', 'GET_BLOB_CONTENT_FAILURE'));
  });

  test('blob over the size limit, and size that differs from the descriptor', async () => {
    const b = await buildLayout('oversized');
    const store = await createOciLayoutStore({ path: b.path }, { ...DEFAULT_LIMITS, blobBytes: 4 });
    await assert.rejects(store.fetchBlob(subjectOf(b.path, 'v1'), { digest: b.layer.digest }, ctx), isCode('GET_BLOB_CONTENT_FAILURE', undefined, /over the limit of 4 bytes/));
    const roomy = await createOciLayoutStore({ path: b.path });
    await assert.rejects(roomy.fetchBlob(subjectOf(b.path, 'v1'), { ...b.layer, size: 3 }, ctx), isCode('GET_BLOB_CONTENT_FAILURE', undefined, /descriptor says 3/));
    const small = await createOciLayoutStore({ path: b.path }, { ...DEFAULT_LIMITS, manifestBytes: 16 });
    await assert.rejects(small.fetchManifest(subjectOf(b.path, 'v1'), b.referrer, ctx), isCode('GET_REFERRER_MANIFEST_FAILURE', undefined, /over the limit/));
  });

  test('missing blob and invalid digests', async () => {
    const b = await buildLayout('missing-blob', (files, d) => files.delete(`blobs/sha256/${d.layer.digest.slice(7)}`));
    const store = await createOciLayoutStore({ path: b.path });
    await assert.rejects(store.fetchBlob(subjectOf(b.path, 'v1'), b.layer, ctx), isCode('GET_BLOB_CONTENT_FAILURE', undefined, /not found in OCI layout/));
    for (const digest of ['sha256:../../../../etc/passwd', 'sha256:' + 'A'.repeat(64), 'md5:' + '0'.repeat(32)]) {
      await assert.rejects(store.fetchBlob(subjectOf(b.path, 'v1'), { digest }, ctx), isCode('GET_BLOB_CONTENT_FAILURE'));
    }
  });

  test('a referrer whose manifest is absent is skipped (sparse layouts)', async () => {
    const b = await buildLayout('sparse', (files, d) => files.delete(`blobs/sha256/${d.referrer.digest.slice(7)}`));
    const store = await createOciLayoutStore({ path: b.path });
    assert.deepEqual(await referrers(store, b.path, b.subject), []);
  });

  test('malformed index.json, missing oci-layout, wrong layout version, bad path', async () => {
    const malformed = await buildLayout('bad-index', (files) => files.set('index.json', Buffer.from('{"schemaVersion":2,"manifests":[')));
    await assert.rejects(createOciLayoutStore({ path: malformed.path }), isCode('REFERRER_STORE_FAILURE', 'REFERRER_STORE_FAILURE', /invalid index.json.*malformed JSON/s));
    const badEntry = await buildLayout('bad-index-entry', (files) => files.set('index.json', json({ schemaVersion: 2, manifests: [{ digest: 'sha256:x' }] })));
    await assert.rejects(createOciLayoutStore({ path: badEntry.path }), isCode('REFERRER_STORE_FAILURE'));
    const noIndex = await buildLayout('no-index', (files) => files.delete('index.json'));
    await assert.rejects(createOciLayoutStore({ path: noIndex.path }), isCode('REFERRER_STORE_FAILURE', undefined, /no index.json/));
    const noMarker = await buildLayout('no-marker', (files) => files.delete('oci-layout'));
    await assert.rejects(createOciLayoutStore({ path: noMarker.path }), isCode('CONFIG_INVALID', undefined, /no oci-layout file/));
    const v2 = await buildLayout('layout-v2', (files) => files.set('oci-layout', json({ imageLayoutVersion: '2.0.0' })));
    await assert.rejects(createOciLayoutStore({ path: v2.path }), isCode('CONFIG_INVALID', undefined, /unsupported imageLayoutVersion "2.0.0"/));
    await assert.rejects(createOciLayoutStore({ path: join(tmp, 'does-not-exist') }), isCode('CONFIG_INVALID', undefined, /cannot be read/));
    await assert.rejects(createOciLayoutStore({ path: '' }), isCode('CONFIG_INVALID'));
  });

  test('unknown and ambiguous tags', async () => {
    const b = await buildLayout('tags', (files, d) => {
      const tag = (name: string) => ({ 'org.opencontainers.image.ref.name': name });
      files.set('index.json', json({ schemaVersion: 2, manifests: [{ ...d.subject, annotations: tag('v1') }, { ...d.referrer, annotations: tag('v1') }, { ...d.subject, annotations: tag('same') }, { ...d.subject, annotations: tag('same') }] }));
    });
    const store = await createOciLayoutStore({ path: b.path });
    await assert.rejects(store.resolve(subjectOf(b.path, 'latest'), ctx), isCode('GET_SUBJECT_DESCRIPTOR_FAILURE', undefined, /tag "latest" not found.*v1, same/s));
    await assert.rejects(store.resolve(subjectOf(b.path, 'v1'), ctx), isCode('GET_SUBJECT_DESCRIPTOR_FAILURE', undefined, /names 2 different manifests/));
    assert.equal((await store.resolve(subjectOf(b.path, 'same'), ctx)).digest, b.subject.digest);
  });

  test('tag schema: a manifest without a subject field listed by a sha256-<hex> index is nobody’s referrer (dropped)', async () => {
    const b = await buildLayout('tag-schema-only', (files, d) => {
      const empty = Buffer.from('{}');
      const legacy = json({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: blobDesc('application/vnd.legacy', empty), layers: [] });
      files.set(`blobs/sha256/${digestOf(legacy).slice(7)}`, legacy);
      const legacyDesc = { ...blobDesc(MediaType.OciManifest, legacy), annotations: { k: 'v' } };
      const idx = json({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [legacyDesc, d.referrer] });
      files.set(`blobs/sha256/${digestOf(idx).slice(7)}`, idx);
      const idxDesc = { ...blobDesc(MediaType.OciIndex, idx), annotations: { 'org.opencontainers.image.ref.name': `sha256-${d.subject.digest.slice(7)}` } };
      files.set('index.json', json({ schemaVersion: 2, manifests: [{ ...d.subject, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }, idxDesc] }));
    });
    const store = await createOciLayoutStore({ path: b.path });
    const refs = await referrers(store, b.path, b.subject);
    // Only the referrer whose manifest names the subject; the registry store applies the same rule
    // (an image listed under another image would otherwise have its own referrers verified for it).
    assert.deepEqual(refs.map((d) => d.artifactType), [MediaType.NotarySignature]);
  });

  test('a FIFO at a blob path fails instead of hanging', async (t) => {
    const b = await buildLayout('fifo', (files, d) => files.delete(`blobs/sha256/${d.layer.digest.slice(7)}`));
    try {
      execFileSync('mkfifo', [join(b.path, 'blobs/sha256', b.layer.digest.slice(7))]);
    } catch {
      t.skip('mkfifo not available');
      return;
    }
    const store = await createOciLayoutStore({ path: b.path });
    await assert.rejects(store.fetchBlob(subjectOf(b.path, 'v1'), b.layer, ctx), isCode('GET_BLOB_CONTENT_FAILURE', undefined, /not a regular file/));
  });
});

// ---------------------------------------------------------------------------------------------
// The tar indexer on hand-made archives.

function header(name: string, size: number, type = '0', opts: { base256?: boolean; prefix?: string; magic?: string } = {}): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  if (opts.base256) {
    h[124] = 0x80;
    h.writeUIntBE(size, 124 + 12 - 6, 6);
  } else {
    h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  }
  h.write('00000000000\0', 136);
  h.write(type, 156);
  h.write(opts.magic ?? 'ustar\x0000', 257, 'latin1');
  if (opts.prefix) h.write(opts.prefix, 345, 155, 'utf8');
  fixChecksum(h);
  return h;
}

function fixChecksum(h: Buffer): void {
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of h) sum += c;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
}

function entry(name: string, data: Buffer, type = '0', opts: Parameters<typeof header>[3] = {}): Buffer {
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header(name, data.length, type, opts), data, pad]);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len++;
  return `${len}${body}`;
}

describe('tar indexer', () => {
  const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/file.txt`;

  test('ustar prefix, GNU long names, pax paths, base-256 sizes, ./ names, skipped types', async () => {
    const file = join(tmp, 'handmade.tar');
    const tarBytes = Buffer.concat([
      entry('./', Buffer.alloc(0), '5'),
      entry('./plain', Buffer.from('plain')),
      entry('file.txt', Buffer.from('prefixed'), '0', { prefix: long.slice(0, long.lastIndexOf('/')) }),
      entry('././@LongLink', Buffer.from(`gnu/${long}\0`), 'L', { magic: 'ustar  \0' }),
      entry('gnu/truncated-name', Buffer.from('gnu long'), '0', { magic: 'ustar  \0' }),
      entry('PaxHeaders/x', Buffer.from(paxRecord('path', `pax/${long}`) + paxRecord('mtime', '1.5')), 'x'),
      entry('pax/short', Buffer.from('pax long')),
      entry('pax_global_header', Buffer.from(paxRecord('comment', 'ignored')), 'g'),
      entry('big', Buffer.from('base-256 size'), '0', { base256: true }),
      entry('link', Buffer.alloc(0), '2'),
      entry('nul-type', Buffer.from('old'), '\0'),
      Buffer.alloc(1024),
    ]);
    await writeFile(file, tarBytes);
    const entries = await indexTar(file);
    const read = (name: string) => {
      const e = entries.get(name);
      assert.ok(e, `${name} indexed; have ${[...entries.keys()].join(', ')}`);
      return tarBytes.subarray(e.offset, e.offset + e.size).toString();
    };
    assert.equal(read('plain'), 'plain');
    assert.equal(read(long), 'prefixed');
    assert.equal(read(`gnu/${long}`), 'gnu long');
    assert.equal(read(`pax/${long}`), 'pax long');
    assert.equal(read('big'), 'base-256 size');
    assert.equal(read('nul-type'), 'old');
    assert.equal(entries.has('link'), false);
    assert.equal(entries.has(''), false);
    assert.equal(entries.size, 6);
  });

  test('hostile archives: bad checksum, absurd size, negative base-256, bad pax, oversized metadata, not a tar', async () => {
    const cases: [string, Buffer, RegExp][] = [];
    const bad = entry('a', Buffer.from('x'));
    bad[0] = 0x62;
    cases.push(['bad checksum', bad, /checksum mismatch/]);
    const absurd = header('a', 0);
    absurd.write('77777777777\0', 124);
    fixChecksum(absurd);
    cases.push(['absurd size', Buffer.concat([absurd, Buffer.alloc(1024)]), /beyond the end/]);
    const huge = header('a', 0);
    huge.fill(0xff, 124, 136);
    huge[124] = 0x80;
    fixChecksum(huge);
    cases.push(['base-256 size over 2^53', huge, /too large/]);
    const negative = header('a', 0);
    negative[124] = 0xff;
    fixChecksum(negative);
    cases.push(['negative base-256 size', negative, /negative size/]);
    const octal = header('a', 0);
    octal.write('12345678', 124);
    fixChecksum(octal);
    cases.push(['non-octal size', octal, /not octal/]);
    cases.push(['malformed pax', Buffer.concat([entry('p', Buffer.from('99 path=x\n'), 'x'), Buffer.alloc(1024)]), /malformed pax/]);
    const bigPax = header('p', 2 * 1024 * 1024, 'x');
    cases.push(['oversized pax header', Buffer.concat([bigPax, Buffer.alloc(2 * 1024 * 1024)]), /limit/]);
    cases.push(['not a tar', Buffer.from('{"imageLayoutVersion":"1.0.0"}'.padEnd(700, ' ')), /checksum|not octal/]);
    cases.push(['half a header', entry('a', Buffer.from('x')).subarray(0, 300), /truncated header/]);
    for (const [name, bytes, re] of cases) {
      const file = join(tmp, `hostile-${name.replaceAll(' ', '-')}.tar`);
      await writeFile(file, bytes);
      await assert.rejects(indexTar(file), isCode('REFERRER_STORE_FAILURE', undefined, re), name);
      await assert.rejects(createOciLayoutStore({ path: file }), isCode('REFERRER_STORE_FAILURE'), name);
    }
  });

  test('an empty tar and a tar without end blocks', async () => {
    const empty = join(tmp, 'empty.tar');
    await writeFile(empty, Buffer.alloc(1024));
    assert.equal((await indexTar(empty)).size, 0);
    await assert.rejects(createOciLayoutStore({ path: empty }), isCode('CONFIG_INVALID', undefined, /no oci-layout file/));
    const noEnd = join(tmp, 'no-end.tar');
    await writeFile(noEnd, entry('a', Buffer.from('x')));
    assert.equal((await indexTar(noEnd)).get('a')?.size, 1);
    await truncate(noEnd, 513);
    assert.equal((await stat(noEnd)).size, 513);
    await assert.rejects(indexTar(noEnd), isCode('REFERRER_STORE_FAILURE', undefined, /padding .* is missing/));
  });
});

describe('parseOciLayoutSubject', () => {
  test('<dir>:<tag> and <dir>@<digest>', () => {
    const t = parseOciLayoutSubject('/data/layout:v1');
    assert.equal(t.layoutPath, '/data/layout');
    assert.equal(t.tag, 'v1');
    assert.equal(t.reference.tag, 'v1');
    assert.equal(t.reference.original, '/data/layout:v1');
    const d = parseOciLayoutSubject(`./a:b/layout.tar@${E2E_SUBJECT}`);
    assert.equal(d.layoutPath, './a:b/layout.tar');
    assert.equal(d.digest, E2E_SUBJECT);
    assert.equal(d.reference.tag, undefined);
  });

  test('rejects missing tag, bad tag, bad digest', () => {
    for (const bad of ['/data/layout', 'host:5000/layout', '/data/layout:', '/data/layout:-x', '/data/layout@sha256:1234', ':v1']) {
      assert.throws(() => parseOciLayoutSubject(bad), isCode('REFERENCE_INVALID'), bad);
    }
  });
});
