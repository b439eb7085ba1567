import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backgroundContext, type Context } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import type { Descriptor, ReferenceDescriptor, ReferenceManifest } from '../../src/oci/descriptor.js';
import { digestToTag } from '../../src/oci/digest.js';
import { toReferenceManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { makeReference, type Reference } from '../../src/reference/reference.js';
import { Executor } from '../../src/executor/executor.js';
import { createPolicy } from '../../src/policy/factory.js';
import type { ReferrerStore } from '../../src/stores/types.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createCosignVerifier } from '../../src/verifiers/cosign/verifier.js';
import { runConformance } from '../../src/crypto/sigstore/conformance.js';
import { parseBundle } from '../../src/crypto/sigstore/bundle.js';
import { parseEnvelope, parseStatement, verifyEnvelopeWithKey } from '../../src/crypto/sigstore/dsse.js';
import { parsePublicKeyPem } from '../../src/crypto/sigstore/keys.js';
import { loadTrustedRootFile, parseTrustedRootBytes, publicGoodTrustedRoot } from '../../src/crypto/sigstore/trusted-root.js';
import { verifySigstore, type VerifyPolicy } from '../../src/crypto/sigstore/verify.js';
import { MemoryStore } from '../helpers/memory-store.js';
import { skipUnlessVectors, vectorPath, vectorsDir } from '../harness/vectors.js';
import { connaisseurTrustedRoot, emptyImage } from '../helpers/cosign-fixtures.js';

/**
 * Every case of kinds sigstore-bundle, cosign-key, cosign-keyless and trusted-root in
 * ../shared/vectors/cases.json, each through the path a user would take: the
 * sigstore-conformance adapter for sigstore-conformance bundles, the cosign verifier (alone or
 * under the executor) for cosign-format signatures, the verification core for sigstore-go's
 * policy-threshold cases. The expected outcome is asserted; for the cases @sigstore/verify 3.1.1
 * alone gets wrong (rekor2-dsse-happy-path, require-tsa) the reason is asserted too.
 */

const KINDS = new Set(['sigstore-bundle', 'cosign-key', 'cosign-keyless', 'trusted-root']);
const DEFAULT_IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';
const PUBLIC_GOOD_SNAPSHOT = 'sigstore-go/examples/trusted-root-public-good.json';
const COSIGN_SIG = MediaType.CosignArtifactSig;
const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';

interface Case {
  id: string;
  kind: string;
  check: string;
  expect: 'pass' | 'fail';
  reason: string;
  files: string[];
  inputs: Record<string, unknown>;
}

function loadCases(): Case[] {
  const dir = vectorsDir();
  if (!dir) return [];
  return (JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: Case[] }).cases.filter((c) => KINDS.has(c.kind));
}

const cases = loadCases();
const skip = skipUnlessVectors(70, 'Sigstore and cosign vectors');
const ctx = (): Context => backgroundContext(silentLogger());
const src = (c: Case, p: string) => vectorPath(c.id.split('/')[0]!, p);
const rt = { home: '/nonexistent-home', env: {} };

type Outcome = { pass: boolean; reason: string };

// ---------------------------------------------------------------- sigstore-conformance

async function conformanceCase(c: Case): Promise<Outcome> {
  const i = c.inputs as Record<string, string | undefined>;
  const args = ['verify-bundle', '--bundle', src(c, i.bundle!)];
  if (i.publicKey) args.push('--key', src(c, i.publicKey));
  else args.push('--certificate-identity', i.identity ?? DEFAULT_IDENTITY, '--certificate-oidc-issuer', i.issuer ?? DEFAULT_ISSUER);
  // The source runs against the live production root where the case has none; the snapshot stands in.
  const root = i.trustedRoot && existsSync(src(c, i.trustedRoot)) ? src(c, i.trustedRoot) : vectorPath(PUBLIC_GOOD_SNAPSHOT);
  args.push('--trusted-root', root, src(c, i.artifact!));
  let err = '';
  const code = await runConformance(args, { stdout: () => undefined, stderr: (s) => (err += s) });
  assert.ok(code === 0 || code === 1, `exit ${code}: ${err}`);
  return { pass: code === 0, reason: err.trim() };
}

// ---------------------------------------------------------------- sigstore-go policy cases

async function sigstoreGoCase(c: Case): Promise<Outcome> {
  const i = c.inputs as { bundle: string; trustedRoot: string; publicKey?: string; artifact?: string; keyValidity?: [string, string]; policy?: Record<string, number> };
  const trust = await loadTrustedRootFile(src(c, i.trustedRoot));
  const policy: VerifyPolicy = {
    tlogThreshold: i.policy?.transparencyLogThreshold ?? 0,
    ctlogThreshold: 0,
    timestampThreshold: i.policy?.observerTimestampThreshold ?? 0,
    signedTimestampThreshold: i.policy?.signedTimestampThreshold ?? 0,
  };
  if (i.publicKey) policy.key = parsePublicKeyPem(readFileSync(src(c, i.publicKey)), i.publicKey);
  if (i.keyValidity) policy.keyValidity = { start: new Date(i.keyValidity[0]), end: new Date(i.keyValidity[1]) };
  const artifact = i.artifact?.includes('"test content"') ? Buffer.from('test content') : undefined;
  try {
    const bundle = parseBundle(readFileSync(src(c, i.bundle)));
    verifySigstore(trust.material, { bundle, ...(artifact ? { artifact } : {}) }, policy);
    return { pass: true, reason: '' };
  } catch (e) {
    return { pass: false, reason: `${(e as { code?: string }).code}: ${(e as Error).message}` };
  }
}

// ---------------------------------------------------------------- cosign OCI attestation bundle

async function ociAttestationCase(c: Case): Promise<Outcome> {
  const i = c.inputs as { bundle: string; trustedRoot: string; identity: { issuerRegExp: string; subjectRegExp: string }; imageDigest: string; predicateType: string };
  const store = new MemoryStore();
  const img = emptyImage();
  store.putBlob(img.config);
  const subject = store.putManifest(JSON.parse(img.manifest.toString()), MediaType.DockerManifest);
  assert.equal(subject.digest, i.imageDigest, 'the rebuilt empty image is the attested image');
  const referrer = store.addReferrer(subject, { artifactType: BUNDLE_V03, layers: [{ mediaType: BUNDLE_V03, data: readFileSync(src(c, i.bundle)) }] });
  const v = await createCosignVerifier(
    {
      name: 'cosign',
      artifactTypes: BUNDLE_V03,
      trustedRootPath: src(c, i.trustedRoot),
      predicateTypes: [i.predicateType],
      trustPolicies: [{ name: 'attestations', scopes: ['*'], keyless: { certificateIdentityRegExp: i.identity.subjectRegExp, certificateOIDCIssuerRegExp: i.identity.issuerRegExp } }],
    },
    { rt },
  );
  const ref = makeReference('127.0.0.1:60943', 'repo', undefined, subject.digest);
  const r = await v.verify({ subject: ref, subjectDescriptor: subject, referrer, store }, ctx());
  const ext = r.extensions as { signatures: Array<{ verifications: Array<{ bundleVerified: boolean; error?: string }> }> };
  const ver = ext.signatures[0]!.verifications[0]!;
  if (r.isSuccess) assert.equal(ver.bundleVerified, true, 'cosign reports bundleVerified=true');
  return { pass: r.isSuccess, reason: ver.error ?? '' };
}

// ---------------------------------------------------------------- grype DSSE envelopes (cosign attest --key)

function grypeCase(c: Case): Outcome {
  const i = c.inputs as { envelope: string; publicKey: string };
  try {
    const key = parsePublicKeyPem(readFileSync(src(c, i.publicKey)), i.publicKey);
    const env = parseEnvelope(readFileSync(src(c, i.envelope)));
    verifyEnvelopeWithKey(env, key);
    assert.equal(parseStatement(env).predicateType, 'https://syft.dev/bom');
    return { pass: true, reason: '' };
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    return { pass: false, reason: (e as Error).message };
  }
}

// ---------------------------------------------------------------- connaisseur registry fixture

/**
 * The connaisseur registry fixture as a store: manifests/<tag>.json served for that tag (digest =
 * sha256 of the file), blobs/<digest>.json, and cosign's `sha256-<hex>.sig` tag found as the oras
 * store finds it with cosignEnabled.
 */
class FixtureStore implements ReferrerStore {
  readonly name = 'connaisseur-fixture';
  readonly config = { name: 'connaisseur-fixture' };
  private readonly manifests = new Map<string, Buffer>();
  private readonly tags = new Map<string, string>();

  constructor(private readonly dir: string) {
    for (const f of readdirSync(join(dir, 'manifests'))) {
      const bytes = readFileSync(join(dir, 'manifests', f));
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      this.manifests.set(digest, bytes);
      this.tags.set(f.replace(/\.json$/, ''), digest);
    }
  }

  private descriptor(digest: string): Descriptor {
    const bytes = this.manifests.get(digest);
    if (!bytes) throw new RatifyError('GET_SUBJECT_DESCRIPTOR_FAILURE', `${digest} not found`);
    const mt = (JSON.parse(bytes.toString()) as { mediaType?: string }).mediaType ?? MediaType.OciManifest;
    return { mediaType: mt, digest, size: bytes.length };
  }

  async resolve(ref: Reference): Promise<Descriptor> {
    const digest = ref.digest ?? this.tags.get(ref.tag ?? 'latest');
    if (!digest) throw new RatifyError('GET_SUBJECT_DESCRIPTOR_FAILURE', `${ref.original} not found`);
    return this.descriptor(digest);
  }

  async *listReferrers(_ref: Reference, subject: Descriptor): AsyncIterable<ReferenceDescriptor> {
    const sig = this.tags.get(`${digestToTag(subject.digest)}.sig`);
    if (sig) yield { ...this.descriptor(sig), artifactType: COSIGN_SIG };
  }

  async fetchManifestBytes(_ref: Reference, desc: Descriptor): Promise<Uint8Array> {
    return this.manifests.get(desc.digest) ?? Promise.reject(new RatifyError('GET_REFERRER_MANIFEST_FAILURE', `${desc.digest} not found`));
  }

  async fetchManifest(ref: Reference, desc: Descriptor): Promise<ReferenceManifest> {
    return toReferenceManifest(await this.fetchManifestBytes(ref, desc), desc.mediaType);
  }

  async fetchBlob(_ref: Reference, desc: Pick<Descriptor, 'digest'>): Promise<Uint8Array> {
    const bytes = readFileSync(join(this.dir, 'blobs', `${desc.digest}.json`));
    assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, desc.digest);
    return bytes;
  }
}

let tmp: string;

async function connaisseurCase(c: Case): Promise<Outcome> {
  const base = vectorPath('connaisseur', 'test/testdata/cosign');
  const store = new FixtureStore(join(base, 'securesystemsengineering/testimage'));
  const i = c.inputs as { image: string; publicKeys?: Record<string, string>; required?: string[]; verifyTlog?: boolean; identity?: { issuerRegex: string; subjectRegex: string } };
  const tag = /:([\w.-]+)/.exec(i.image)![1]!;
  let entry: Record<string, unknown>;
  if (i.publicKeys) {
    // connaisseur's "required" signers become the trust policy's keys: Ratify accepts any listed key.
    const names = i.required ?? Object.keys(i.publicKeys);
    entry = {
      trustPolicies: [{ name: 'connaisseur', scopes: ['*'], tLogVerify: i.verifyTlog ?? true, keys: names.map((n) => ({ file: join('connaisseur', i.publicKeys![n]!) })) }],
    };
  } else {
    const root = join(tmp, 'connaisseur-trusted-root.json');
    await writeFile(root, JSON.stringify(connaisseurTrustedRoot(readFileSync(join(base, '11_keyless.yaml'), 'utf8'))));
    entry = {
      trustedRootPath: root,
      trustPolicies: [{ name: 'connaisseur-keyless', scopes: ['*'], keyless: { certificateIdentityRegExp: i.identity!.subjectRegex, certificateOIDCIssuerRegExp: i.identity!.issuerRegex } }],
    };
  }
  const v = await createCosignVerifier({ name: 'cosign', artifactTypes: COSIGN_SIG, ...entry }, { rt, baseDir: vectorsDir()! });
  const ex = new Executor({ stores: [store], verifiers: [v], policy: createPolicy({ plugin: { name: 'configPolicy' } }) });
  const { result } = await ex.verify({ subject: `docker.io/securesystemsengineering/testimage:${tag}` }, ctx());
  const reports = result.verifierReports as Array<{ errorReason?: string; extensions?: unknown }>;
  return { pass: result.isSuccess === true, reason: reports.map((r) => `${r.errorReason ?? ''} ${JSON.stringify(r.extensions ?? '')}`).join('; ') };
}

// ---------------------------------------------------------------- trusted root

function trustedRootCase(c: Case): Outcome {
  const loaded = parseTrustedRootBytes(readFileSync(src(c, c.files[0]!.split('/').slice(1).join('/'))), c.id);
  assert.ok(loaded.material.tlogs.some((t) => t.baseURL === 'https://rekor.sigstore.dev'));
  assert.ok(loaded.material.certificateAuthorities.length >= 2, 'Fulcio 2021 and 2022 CAs');
  assert.ok(loaded.material.ctlogs.length >= 2);
  assert.ok(loaded.material.timestampAuthorities.length >= 1);
  return { pass: true, reason: '' };
}

function driverFor(c: Case): (c: Case) => Promise<Outcome> | Outcome {
  if (c.id.startsWith('sigstore-conformance/')) return conformanceCase;
  if (c.kind === 'trusted-root') return trustedRootCase;
  if (c.id.startsWith('sigstore-go/')) return sigstoreGoCase;
  if (c.id.startsWith('cosign/oci-attestation/')) return ociAttestationCase;
  if (c.id.startsWith('grype/')) return grypeCase;
  if (c.id.startsWith('connaisseur/cosign/')) return connaisseurCase;
  throw new Error(`no driver for ${c.id}`);
}

/** Why a case must fail, where a wrong reason would hide a bug (the library alone passes or fails these for other reasons). */
const REASONS: Record<string, RegExp> = {
  'sigstore-go/sigstore-js-provenance/require-tsa': /threshold not met for verified signed timestamps/,
  'sigstore-go/sigstore-js-provenance/tlog2': /expected 2 tlog entries, got 1/,
  'sigstore-go/public-key-validity': /Public key is not valid for timestamp/,
  'sigstore-go/dsse-2sigs': /dsseEnvelope\.signatures/,
  'cosign/oci-attestation/wrong-identity': /IDENTITY_ERROR/,
  'sigstore-conformance/bundle-with-root-cert_fail': /contains a root certificate/,
  'sigstore-conformance/bundle-unknown-version_fail': /unsupported bundle media type/,
  'sigstore-conformance/managed-key-no-key_fail': /no public key was given/,
  'sigstore-conformance/wrong-material_fail': /does not match the artifact/,
  'grype/alpine-spdx-att/broken-key': /cannot decode public key/,
  'grype/alpine-spdx-att/other-key': /key and signature don't match/,
  'grype/alpine-spdx-att/tampered-payload': /key and signature don't match/,
  'connaisseur/cosign/unsigned': /No verification results for the artifact/,
};

describe('Sigstore and cosign test vectors', { skip }, () => {
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'ratify-cosign-vectors-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('covers the expected number of cases per kind', () => {
    const byKind: Record<string, number> = {};
    for (const c of cases) byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
    assert.deepEqual(byKind, { 'cosign-key': 7, 'cosign-keyless': 1, 'sigstore-bundle': 60, 'trusted-root': 1 });
    for (const c of cases) assert.doesNotThrow(() => driverFor(c), c.id);
  });

  it('loads the default (public-good) trusted root from the @sigstore/tuf seed offline', () => {
    const pg = publicGoodTrustedRoot();
    assert.ok(pg.material.tlogs.some((t) => t.baseURL === 'https://rekor.sigstore.dev'));
    assert.ok(pg.material.certificateAuthorities.length >= 2);
  });

  for (const c of cases) {
    it(`${c.id} (${c.kind}/${c.check}) → ${c.expect}`, async () => {
      if (c.id === 'connaisseur/cosign/unsigned') {
        // Executor-level outcome: no signature referrer means no report at all.
        const out = await connaisseurCaseWithError(c);
        assert.equal(out.pass, false);
        assert.match(out.reason, REASONS[c.id]!);
        return;
      }
      const out = await driverFor(c)(c);
      assert.equal(out.pass ? 'pass' : 'fail', c.expect, `${c.id}: ${out.reason}\nsource says: ${c.reason}`);
      const why = REASONS[c.id];
      if (why) assert.match(out.reason, why);
    });
  }
});

/** The unsigned image's failure comes from the executor (NO_VERIFIER_REPORT), not from a verifier report. */
async function connaisseurCaseWithError(c: Case): Promise<Outcome> {
  const base = vectorPath('connaisseur', 'test/testdata/cosign');
  const store = new FixtureStore(join(base, 'securesystemsengineering/testimage'));
  const k = (c.inputs as { publicKeys: Record<string, string> }).publicKeys;
  const v = await createCosignVerifier(
    { name: 'cosign', artifactTypes: COSIGN_SIG, trustPolicies: [{ name: 'c', scopes: ['*'], tLogVerify: false, keys: Object.values(k).map((p) => ({ file: join('connaisseur', p) })) }] },
    { rt, baseDir: vectorsDir()! },
  );
  const ex = new Executor({ stores: [store], verifiers: [v], policy: createPolicy({ plugin: { name: 'configPolicy' } }) });
  const { result, error } = await ex.verify({ subject: 'docker.io/securesystemsengineering/testimage:co-unsigned' }, ctx());
  return { pass: result.isSuccess === true, reason: error?.message ?? '' };
}
