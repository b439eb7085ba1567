/**
 * Findings of the adversarial review (issue 11 part 7), each against the hostile in-test
 * registry: a digest subject answered with another digest, referrers listed under the wrong
 * subject, pagination to another origin, registry error text echoed unbounded, and cache keys
 * shared between two differently configured registry stores.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import { MemoryCache } from '../../src/cache/memory.js';
import { backgroundContext, type Context } from '../../src/context.js';
import { Executor } from '../../src/executor/executor.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { ConfigPolicy } from '../../src/policy/config-policy.js';
import { makeReference, type Reference } from '../../src/reference/reference.js';
import { RegistryClient } from '../../src/registry/client.js';
import { StaticCredentials } from '../../src/registry/credentials.js';
import { RegistryTransport } from '../../src/registry/transport.js';
import type { OrasStore } from '../../src/stores/oras/store.js';
import { collect } from '../../src/stores/types.js';
import { ScriptedVerifier } from '../executor/fixtures.js';
import { FAST_RETRIES, FakeRegistry, isError, jsonBytes, registryError, sendIndex, sendManifest } from './fake-registry.js';
import { newOrasStore } from './oras-fixture.js';

const REPO = 'team/app';
const SBOM = 'application/spdx+json';
const ctx: Context = backgroundContext();

let fake: FakeRegistry;
let store: OrasStore;
let a: Descriptor;
let b: Descriptor;
let refA: Reference;

const newStore = newOrasStore;

beforeEach(async () => {
  fake = await FakeRegistry.start();
  store = newStore();
  a = fake.putArtifact(REPO, { tag: 'a', layers: ['image A'] });
  b = fake.putArtifact(REPO, { tag: 'b', layers: ['image B'] });
  refA = makeReference(fake.host, REPO, undefined, a.digest);
});

afterEach(async () => {
  await store.close();
  await fake.close();
});

const digests = (ds: Descriptor[]) => ds.map((d) => d.digest);

/** Succeeds when the referrer's manifest signs the subject descriptor it is given (what a signature verifier checks). */
const signsSubject = () =>
  new ScriptedVerifier('signature', [MediaType.NotarySignature], async (input, c) => {
    const m = await input.store.fetchManifest(input.subject, input.referrer, c);
    return m.subject?.digest === input.subjectDescriptor.digest ? { isSuccess: true, message: 'signed' } : { isSuccess: false, message: 'signs another image' };
  });

describe('a digest subject is exactly the digest asked for', () => {
  test('@sha512 answered with the sha256 Docker-Content-Digest of another, signed image → not verified', async () => {
    const sigB = fake.putArtifact(REPO, { subject: b, artifactType: MediaType.NotarySignature, layers: ['signature of B'] });
    const asked = `sha512:${createHash('sha512').update('image nobody signed').digest('hex')}`;
    // HEAD of the sha512 subject answers with B's descriptor; its referrers list B's signature.
    fake.route('HEAD', `/v2/${REPO}/manifests/${asked}`, (req, res) => {
      res.writeHead(200, { 'content-type': MediaType.OciManifest, 'content-length': String(b.size), 'docker-content-digest': b.digest });
      res.end();
    });
    fake.route('GET', `/v2/${REPO}/referrers/${asked}`, (_req, res) => sendIndex(res, [sigB]));
    const ref = makeReference(fake.host, REPO, undefined, asked);
    await assert.rejects(store.resolve(ref, ctx), isError('REPOSITORY_OPERATION_FAILURE', { root: 'GET_SUBJECT_DESCRIPTOR_FAILURE', text: /answered for another digest.*asked for sha512:/ }));
    const ex = new Executor({ stores: [store], verifiers: [signsSubject()], policy: new ConfigPolicy({ artifactVerificationPolicies: { [MediaType.NotarySignature]: 'any' } }) });
    const out = await ex.verify({ subject: ref.original }, ctx);
    assert.equal(out.result.isSuccess, false, JSON.stringify(out.result));
    assert.equal(out.error?.root.code, 'GET_SUBJECT_DESCRIPTOR_FAILURE');
  });

  test('a GET by digest whose body is another manifest fails on the bytes, whatever the header says', async () => {
    const client = new RegistryClient({ transport: new RegistryTransport(FAST_RETRIES), plainHttp: true });
    try {
      const asked = `sha512:${createHash('sha512').update('other').digest('hex')}`;
      fake.route('*', `/v2/${REPO}/manifests/${asked}`, (req, res) => sendManifest(req, res, Buffer.from(JSON.stringify({ schemaVersion: 2, layers: [] })), MediaType.OciManifest, b.digest));
      await assert.rejects(client.fetchManifest(ctx, fake.host, REPO, asked), isError('MANIFEST_INVALID', { text: /digest mismatch/ }));
      await assert.rejects(client.resolve(ctx, fake.host, REPO, asked), isError('GET_SUBJECT_DESCRIPTOR_FAILURE'));
    } finally {
      await client.transport.close();
    }
  });
});

describe('a referrer must name the subject it is listed for', () => {
  test('the referrers API listing B’s SBOM and signed B itself under A: both dropped, A’s own kept', async () => {
    const own = fake.putArtifact(REPO, { subject: a, artifactType: SBOM, layers: ['A sbom'] });
    const bSbom = fake.putArtifact(REPO, { subject: b, artifactType: SBOM, layers: ['B sbom'] });
    fake.route('GET', `/v2/${REPO}/referrers/${a.digest}`, (_req, res) => sendIndex(res, [own, bSbom, { ...b, artifactType: SBOM }]));
    assert.deepEqual(digests(await collect(store.listReferrers(refA, a, ctx))), [own.digest]);
  });

  test('a tag-schema index listing B’s signature under A: dropped; the executor notes it under --explain', async () => {
    fake.referrersApi = false;
    const sigB = fake.putArtifact(REPO, { subject: b, artifactType: MediaType.NotarySignature, layers: ['signature of B'] });
    fake.putManifest(REPO, { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [sigB] }, MediaType.OciIndex, a.digest.replace(':', '-'));
    assert.deepEqual(await collect(store.listReferrers(refA, a, ctx)), []);
    const verifier = signsSubject();
    const ex = new Executor({ stores: [store], verifiers: [verifier], policy: new ConfigPolicy({ artifactVerificationPolicies: { [MediaType.NotarySignature]: 'any' } }) });
    const out = await ex.verify({ subject: refA.original }, ctx, { explain: true });
    assert.equal(out.result.isSuccess, false);
    assert.equal(out.error?.root.code, 'NO_VERIFIER_REPORT', 'nothing of A’s was listed');
    assert.equal(verifier.calls, 0, 'B’s signature is never verified for A');
    assert.ok(out.trace?.notes?.some((n) => n.includes(`dropped referrer ${sigB.digest}`) && n.includes(`names subject "${b.digest}"`)), JSON.stringify(out.trace?.notes));
  });

  test('cosign’s .sig manifest (no subject field) is kept; a referrer whose manifest is missing is kept and fails', async () => {
    store = newStore({ cosignEnabled: true });
    const config = fake.putBlob(REPO, '{}', 'application/vnd.oci.image.config.v1+json');
    const layer = fake.putBlob(REPO, '{"critical":{}}', MediaType.CosignSimpleSigning);
    const sig = fake.putManifest(REPO, { schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [layer] }, MediaType.OciManifest, `${a.digest.replace(':', '-')}.sig`);
    const ghost = { mediaType: MediaType.OciManifest, digest: `sha256:${'0'.repeat(64)}`, size: 10, artifactType: SBOM };
    fake.route('GET', `/v2/${REPO}/referrers/${a.digest}`, (_req, res) => sendIndex(res, [ghost]));
    const got = await collect(store.listReferrers(refA, a, ctx));
    assert.deepEqual(digests(got), [ghost.digest, sig.digest]);
    assert.equal(got[1]!.artifactType, MediaType.CosignArtifactSig);
  });

  test('the check is done once per listed manifest: the verifier reads it from the content cache', async () => {
    const sig = fake.putArtifact(REPO, { subject: a, artifactType: MediaType.NotarySignature, layers: ['signature of A'] });
    const verifier = signsSubject();
    const ex = new Executor({ stores: [store], verifiers: [verifier], policy: new ConfigPolicy({ artifactVerificationPolicies: { [MediaType.NotarySignature]: 'any' } }) });
    const out = await ex.verify({ subject: refA.original }, ctx);
    assert.equal(out.result.isSuccess, true, JSON.stringify(out.result));
    assert.equal(fake.count('GET', `/v2/${REPO}/manifests/${sig.digest}`), 1);
  });
});

describe('pagination stays on the registry’s origin', () => {
  let evil: FakeRegistry;
  beforeEach(async () => {
    evil = await FakeRegistry.start();
    evil.route('*', /.*/, (_req, res) => registryError(res, 500, 'SECRET', 'root:x:0:0:EVIL-BODY'));
  });
  afterEach(async () => {
    await evil.close();
  });

  test('a referrers Link to another origin stops with LIST_REFERRERS_FAILURE; nothing reaches it, nothing is echoed', async () => {
    const creds = new StaticCredentials({ [fake.host]: { username: 'alice', password: 's3cret' } });
    store = newStore({ credentials: creds });
    fake.requireBasic('alice', 's3cret');
    const own = fake.putArtifact(REPO, { subject: a, artifactType: SBOM });
    fake.route('GET', `/v2/${REPO}/referrers/${a.digest}`, (_req, res) => sendIndex(res, [own], { link: `<${evil.origin}/v2/${REPO}/referrers/${a.digest}?page=2>; rel="next"` }));
    await assert.rejects(collect(store.listReferrers(refA, a, ctx)), (e: unknown) => {
      isError('LIST_REFERRERS_FAILURE', { text: /pagination link leads to another origin/ })(e);
      assert.doesNotMatch((e as Error).message, /EVIL-BODY|SECRET/);
      return true;
    });
    assert.equal(evil.log.length, 0, 'no request (and no credentials) to the other origin');
  });

  test('the same for tag lists; another port of the same host is another origin', async () => {
    const client = new RegistryClient({ transport: new RegistryTransport(FAST_RETRIES), plainHttp: true });
    try {
      fake.route('GET', `/v2/${REPO}/tags/list`, (_req, res) => {
        const body = jsonBytes({ name: REPO, tags: ['a'] });
        res.writeHead(200, { 'content-type': 'application/json', link: `<${evil.origin}/v2/${REPO}/tags/list?last=a>; rel="next"` });
        res.end(body);
      });
      await assert.rejects(client.listTags(ctx, fake.host, REPO), isError('REPOSITORY_OPERATION_FAILURE', { text: /another origin/ }));
      assert.equal(evil.log.length, 0);
    } finally {
      await client.transport.close();
    }
  });

  test('a redirect of a manifest GET to storage elsewhere drops the credentials (today’s rule)', async () => {
    const creds = new StaticCredentials({ [fake.host]: { username: 'alice', password: 's3cret' } });
    const client = new RegistryClient({ transport: new RegistryTransport(FAST_RETRIES), plainHttp: true, credentials: creds });
    try {
      fake.requireBasic('alice', 's3cret');
      const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: a, layers: [] }));
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      fake.route('GET', `/v2/${REPO}/manifests/${digest}`, (_req, res) => {
        res.writeHead(307, { location: `${evil.origin}/storage/m?sig=1` });
        res.end();
      });
      evil.route('GET', '/storage/m', (req, res) => sendManifest(req, res, bytes, MediaType.OciManifest));
      const got = await client.fetchManifest(ctx, fake.host, REPO, digest);
      assert.equal(got.descriptor.digest, digest);
      assert.equal(evil.requests('GET', '/storage/m')[0]?.headers.authorization, undefined);
    } finally {
      await client.transport.close();
    }
  });
});

test('a registry’s error text is capped and stripped of control characters in our errors', async () => {
  // Under the 8 KiB read limit for error bodies, so that it is read (and must be cut).
  const hostile = '\u001b[2J\u001b[31mFORGED\nlevel=info msg="verified"\u202e' + 'A'.repeat(6000);
  fake.route('GET', `/v2/${REPO}/manifests/${b.digest}`, (_req, res) => registryError(res, 400, 'DENIED', hostile));
  await assert.rejects(store.fetchManifestBytes(refA, b, ctx), (e: unknown) => {
    const msg = (e as Error).message;
    assert.match(msg, /HTTP 400.*DENIED: \[2J \[31mFORGED level=info/);
    assert.doesNotMatch(msg, /[\u0000-\u001f\u202e]/);
    assert.ok(msg.length < 1000, `message of ${msg.length} characters`);
    return true;
  });
});

test('two registry stores configured differently never share a cached referrer list', async () => {
  const cache = new MemoryCache();
  const sbom = fake.putArtifact(REPO, { subject: a, artifactType: SBOM });
  const config = fake.putBlob(REPO, '{}', 'application/vnd.oci.image.config.v1+json');
  const layer = fake.putBlob(REPO, '{"critical":{}}', MediaType.CosignSimpleSigning);
  const sig = fake.putManifest(REPO, { schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [layer] }, MediaType.OciManifest, `${a.digest.replace(':', '-')}.sig`);
  const plain = newStore({ raw: { name: 'oras' }, cacheEnabled: true, cache });
  const cosign = newStore({ raw: { name: 'oras', cosignEnabled: true }, cosignEnabled: true, cacheEnabled: true, cache });
  try {
    assert.deepEqual(digests(await collect(plain.listReferrers(refA, a, ctx))), [sbom.digest]);
    assert.deepEqual(digests(await collect(cosign.listReferrers(refA, a, ctx))), [sbom.digest, sig.digest]);
  } finally {
    await Promise.all([plain.close(), cosign.close()]);
  }
});
