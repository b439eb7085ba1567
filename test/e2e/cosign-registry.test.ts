import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startRegistry, type RegistryHandle } from '../harness/registry.js';
import { pushBlob, pushManifest } from '../harness/load-layout.js';
import { runCli, type CliResult } from '../harness/cli.js';
import { writeRatifyConfig } from '../harness/ratify-config.js';
import { skipUnlessVectors, vectorPath } from '../harness/vectors.js';
import * as fx from '../helpers/cosign-fixtures.js';

/**
 * `ratify verify` (the built CLI, run as a process) against a loopback docker-registry holding
 * real cosign signatures: connaisseur's legacy `.sig` fixtures (key-based and keyless) and
 * cosign's OCI 1.1 attestation bundle, plus images signed here.
 */

const REPO = 'securesystemsengineering/testimage';
const SIG = fx.COSIGN_SIG_ARTIFACT;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const skip = skipUnlessVectors(14, 'cosign verification through a registry with the connaisseur and cosign vectors');
const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * Loads a connaisseur registry fixture (manifests/<tag>.json, blobs/<digest>.json) straight into
 * the registry's filesystem storage. It cannot go through the push API: the fixture keeps only the
 * signature payloads, and docker-registry refuses manifests whose config and layers it lacks. The
 * registry serves stored content without re-checking it, so the subject and signature manifests
 * keep their real digests.
 */
async function seedFixture(reg: RegistryHandle, repo: string, dir: string): Promise<void> {
  const v2 = join(reg.dataDir, 'data', 'docker', 'registry', 'v2');
  const put = async (path: string, data: string | Uint8Array) => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
  };
  const blob = async (bytes: Buffer) => {
    const digest = sha256(bytes);
    const hex = digest.slice(7);
    await put(join(v2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'), bytes);
    return { digest, hex };
  };
  const repoDir = join(v2, 'repositories', repo);
  for (const f of readdirSync(join(dir, 'blobs'))) {
    const { digest, hex } = await blob(readFileSync(join(dir, 'blobs', f)));
    await put(join(repoDir, '_layers', 'sha256', hex, 'link'), digest);
  }
  for (const f of readdirSync(join(dir, 'manifests'))) {
    const bytes = readFileSync(join(dir, 'manifests', f));
    // `co-unsigned.json` is "{}", not a manifest: the unsigned case uses an image pushed below.
    if (!(JSON.parse(bytes.toString()) as { schemaVersion?: number }).schemaVersion) continue;
    const { digest, hex } = await blob(bytes);
    const tag = f.replace(/\.json$/, '');
    await put(join(repoDir, '_manifests', 'revisions', 'sha256', hex, 'link'), digest);
    await put(join(repoDir, '_manifests', 'tags', tag, 'current', 'link'), digest);
    await put(join(repoDir, '_manifests', 'tags', tag, 'index', 'sha256', hex, 'link'), digest);
  }
}

/** An OCI 1.1 referrer, and the referrers tag-schema index docker-registry 2.8 needs to find it. */
async function pushReferrer(reg: RegistryHandle, repo: string, subject: { mediaType: string; digest: string; size: number }, artifactType: string, layer: { mediaType: string; data: Buffer }, annotations: Record<string, string> = {}) {
  const empty = Buffer.from('{}');
  await pushBlob(reg, repo, empty);
  const layerDigest = await pushBlob(reg, repo, layer.data);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: empty.length },
      layers: [{ mediaType: layer.mediaType, digest: layerDigest, size: layer.data.length }],
      subject,
      annotations,
    }),
  );
  const digest = await pushManifest(reg, repo, sha256(manifest), OCI_MANIFEST, manifest);
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest, size: manifest.length, artifactType, annotations }] }));
  await pushManifest(reg, repo, `sha256-${subject.digest.slice(7)}`, OCI_INDEX, index);
  return digest;
}

async function pushImage(reg: RegistryHandle, repo: string, tag: string, config: Buffer, mediaType = OCI_MANIFEST) {
  const configDigest = await pushBlob(reg, repo, config);
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType, config: { mediaType: mediaType === OCI_MANIFEST ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest }, layers: [] }),
  );
  const digest = await pushManifest(reg, repo, tag, mediaType, manifest);
  return { mediaType, digest, size: manifest.length };
}

describe('cosign verification end to end through a registry', { skip }, () => {
  let reg: RegistryHandle;
  let dir: string;
  let home: string;
  let store: Record<string, unknown>;
  let host: string;
  const conn = () => vectorPath('connaisseur', 'test/testdata/cosign');

  before(async () => {
    reg = await startRegistry('open');
    host = reg.host;
    await seedFixture(reg, REPO, join(conn(), 'securesystemsengineering/testimage'));
    await pushImage(reg, REPO, 'unsigned', Buffer.from('{"architecture":"amd64","os":"linux"}'));
    // cosign's attestation test image (go-containerregistry empty.Image) and its bundle referrer.
    const img = fx.emptyImage();
    await pushBlob(reg, 'cosign/attested', img.config);
    const subjectDigest = await pushManifest(reg, 'cosign/attested', 'v1', 'application/vnd.docker.distribution.manifest.v2+json', img.manifest);
    await pushReferrer(
      reg,
      'cosign/attested',
      { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: subjectDigest, size: img.manifest.length },
      fx.BUNDLE_V03,
      { mediaType: fx.BUNDLE_V03, data: readFileSync(vectorPath('cosign', 'pkg/cosign/testdata/oci-attestation.sigstore.json')) },
      { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://cosign.sigstore.dev/attestation/v1' },
    );
    dir = await mkdtemp(join(tmpdir(), 'ratify-cosign-e2e-'));
    home = join(dir, 'home');
    await writeFile(join(dir, 'connaisseur-root.json'), JSON.stringify(fx.connaisseurTrustedRoot(readFileSync(join(conn(), '11_keyless.yaml'), 'utf8'))));
    const charlie = fx.ecKeyPair();
    await writeFile(join(dir, 'charlie.pub'), fx.publicKeyPem(charlie.publicKey));
    store = (await writeRatifyConfig(reg)).store;
  });
  after(async () => {
    await reg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  let n = 0;
  async function verify(subject: string, verifier: Record<string, unknown>, o: { cosignEnabled?: boolean } = {}): Promise<{ r: CliResult; out: { isSuccess?: boolean; verifierReports: Array<Record<string, unknown>> } }> {
    const config = join(dir, `config-${++n}.json`);
    await writeFile(
      config,
      JSON.stringify({
        store: { version: '1.0.0', plugins: [{ ...store, cosignEnabled: o.cosignEnabled ?? true }] },
        policy: { version: '1.0.0', plugin: { name: 'configPolicy' } },
        verifier: { version: '1.0.0', plugins: [{ name: 'cosign', artifactTypes: SIG, ...verifier }] },
      }),
    );
    const r = await runCli(['verify', '-c', config, '-s', subject], { HOME: home });
    let out;
    try {
      out = JSON.parse(r.stdout);
    } catch {
      assert.fail(`no JSON result (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
    }
    return { r, out };
  }

  const keyPolicy = (file: string, extra: Record<string, unknown> = {}) => ({
    trustPolicies: [{ name: 'keys', scopes: ['*'], keys: [{ file }], tLogVerify: false, ...extra }],
  });

  it('verifies alice’s key-based signature found through the .sig tag', async () => {
    const { r, out } = await verify(`${host}/${REPO}:multi-cosigned-alice`, keyPolicy(join(conn(), 'alice.key')));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(out.isSuccess, true);
    const rep = out.verifierReports[0]!;
    assert.equal(rep.artifactType, SIG);
    assert.equal(rep.message, 'Verification success. Valid signatures found. Please refer to extensions field for verifications performed.');
    assert.deepEqual((rep.extensions as { signatures: Array<{ verifications: Array<{ keyInformation: unknown }> }> }).signatures[0]!.verifications[0]!.keyInformation, { provider: 'file', name: join(conn(), 'alice.key') });
  });

  it('refuses the same signature with bob’s or charlie’s key', async () => {
    for (const key of [join(conn(), 'bob.key'), join(dir, 'charlie.pub')]) {
      const { r, out } = await verify(`${host}/${REPO}:multi-cosigned-alice`, keyPolicy(key));
      assert.equal(r.code, 1, r.stdout);
      assert.equal(out.isSuccess, false);
      assert.equal(out.verifierReports[0]!.errorReason, 'no valid Cosign signatures found');
    }
  });

  it('finds nothing to verify with cosignEnabled off (no referrer, NO_VERIFIER_REPORT)', async () => {
    const { r, out } = await verify(`${host}/${REPO}:multi-cosigned-alice`, keyPolicy(join(conn(), 'alice.key')), { cosignEnabled: false });
    assert.equal(r.code, 1);
    assert.equal(out.isSuccess, false);
    assert.match(String(out.verifierReports[0]!.errorReason), /No verification results for the artifact/);
  });

  it('fails an unsigned image', async () => {
    const { r, out } = await verify(`${host}/${REPO}:unsigned`, keyPolicy(join(conn(), 'alice.key')));
    assert.equal(r.code, 1);
    assert.equal(out.isSuccess, false);
  });

  it('verifies in legacy mode (key) with Ratify’s legacy message and extensions', async () => {
    const { r, out } = await verify(`${host}/${REPO}:multi-cosigned-alice`, { key: join(conn(), 'alice.key') });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const rep = out.verifierReports[0]!;
    assert.equal(rep.message, 'Verification success. Valid signatures found');
    assert.deepEqual(rep.extensions, {
      signatures: [{ signatureDigest: 'sha256:d8ee807d96efe7441b132967ad94eaffbc0172a763e69f2cd8df8f583f0ba0d4', isSuccess: true, bundleVerified: false, keyInformation: {} }],
    });
  });

  it('selects the trust policy by the subject as given: an exact tag scope, else the global one', async () => {
    const tagged = `${host}/${REPO}:multi-cosigned-alice`;
    const policies = {
      trustPolicies: [
        { name: 'alice-for-this-tag', scopes: [tagged], keys: [{ file: join(conn(), 'alice.key') }], tLogVerify: false },
        { name: 'bob-elsewhere', scopes: ['*'], keys: [{ file: join(conn(), 'bob.key') }], tLogVerify: false },
      ],
    };
    const byTag = await verify(tagged, policies);
    assert.equal(byTag.r.code, 0, byTag.r.stdout);
    assert.equal((byTag.out.verifierReports[0]!.extensions as { trustPolicy: string }).trustPolicy, 'alice-for-this-tag');
    const byDigest = await verify(`${host}/${REPO}@sha256:071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81`, policies);
    assert.equal(byDigest.r.code, 1);
    assert.equal((byDigest.out.verifierReports[0]!.extensions as { trustPolicy: string }).trustPolicy, 'bob-elsewhere');
  });

  it('verifies the keyless signature (Fulcio chain from the annotation, Rekor SET, SCT, identity regexps)', async () => {
    const { r, out } = await verify(`${host}/${REPO}:keyless`, {
      trustedRootPath: join(dir, 'connaisseur-root.json'),
      trustPolicies: [{ name: 'philipp', scopes: ['*'], keyless: { certificateIdentityRegExp: 'philipp', certificateOIDCIssuerRegExp: 'github' } }],
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const ver = (out.verifierReports[0]!.extensions as { signatures: Array<{ verifications: Array<{ bundleVerified: boolean; summary: string[] }> }> }).signatures[0]!.verifications[0]!;
    assert.equal(ver.bundleVerified, true);
    assert.ok(ver.summary.includes('Existence of the claims in the transparency log was verified offline.'));
    assert.doesNotMatch(r.stdout, /"bundleVerified": false/, 'Ratify’s keyless bats oracle');
  });

  it('refuses the keyless signature for another identity', async () => {
    const { r, out } = await verify(`${host}/${REPO}:keyless`, {
      trustedRootPath: join(dir, 'connaisseur-root.json'),
      trustPolicies: [{ name: 'bob', scopes: ['*'], keyless: { certificateIdentity: 'bob@gmail.com', certificateOIDCIssuerRegExp: 'google' } }],
    });
    assert.equal(r.code, 1);
    assert.match(JSON.stringify(out.verifierReports[0]!.extensions), /IDENTITY_ERROR/);
  });

  it('verifies the public-good keyless signature against the default trusted root', async () => {
    const { r } = await verify(`${host}/${REPO}:keyless`, {
      trustPolicies: [{ name: 'philipp', scopes: ['*'], keyless: { certificateIdentity: 'philipp.belitz@securesystems.de', certificateOIDCIssuer: 'https://github.com/login/oauth' } }],
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it('verifies cosign’s OCI 1.1 attestation bundle referrer, and refuses a wrong identity', async () => {
    const entry = (subjectRegExp: string) => ({
      artifactTypes: fx.BUNDLE_V03,
      trustedRootPath: vectorPath('cosign', 'pkg/cosign/testdata/trusted_root_pgi.json'),
      predicateTypes: ['https://cosign.sigstore.dev/attestation/v1'],
      trustPolicies: [{ name: 'attestations', scopes: [`${host}/cosign/*`], keyless: { certificateIdentityRegExp: subjectRegExp, certificateOIDCIssuerRegExp: '.*' } }],
    });
    const good = await verify(`${host}/cosign/attested:v1`, entry('.*'));
    assert.equal(good.r.code, 0, good.r.stdout + good.r.stderr);
    assert.equal(good.out.verifierReports[0]!.artifactType, fx.BUNDLE_V03);
    const bad = await verify(`${host}/cosign/attested:v1`, entry('wrong'));
    assert.equal(bad.r.code, 1);
  });
});
