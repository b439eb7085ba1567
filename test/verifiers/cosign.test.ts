import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backgroundContext, type Context } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import type { Descriptor, ReferenceDescriptor } from '../../src/oci/descriptor.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { parseReference, type Reference } from '../../src/reference/reference.js';
import { createCosignVerifier, type CosignFactoryOptions } from '../../src/verifiers/cosign/verifier.js';
import { selectPolicy, validateScopes } from '../../src/verifiers/cosign/scopes.js';
import { Messages, Summary } from '../../src/verifiers/cosign/results.js';
import type { ProviderKey } from '../../src/verifiers/cosign/keys.js';
import { builtinVerifiers } from '../../src/verifiers/builtin.js';
import { silentLogger } from '../../src/observability/logger.js';
import { MemoryStore } from '../helpers/memory-store.js';
import * as fx from '../helpers/cosign-fixtures.js';

const SIG = fx.COSIGN_SIG_ARTIFACT;
const ISSUER = 'https://token.actions.githubusercontent.com';
const SAN = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
const rt = { home: '/nonexistent-home', env: {} };

let dir: string;
let fixture: fx.SigstoreFixture;
let rootPath: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ratify-cosign-'));
  fixture = await fx.createSigstoreFixture();
  rootPath = join(dir, 'trusted_root.json');
  await writeFile(rootPath, JSON.stringify(fixture.trustedRoot));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ctx = (): Context => backgroundContext(silentLogger());

async function keyFile(name: string, key: KeyObject): Promise<string> {
  const p = join(dir, `${name}.pub`);
  await writeFile(p, fx.publicKeyPem(key));
  return p;
}

interface Layer {
  mediaType?: string;
  data: Buffer | string;
  annotations?: Record<string, string>;
  declaredSize?: number;
}

/** A cosign signature manifest (OCI image manifest, one layer per signature) for `subject`. */
function signatureManifest(store: MemoryStore, subject: Descriptor, layers: Layer[], artifactType = SIG): ReferenceDescriptor {
  const cfg = store.putBlob('{}');
  const m = store.putManifest({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
    layers: layers.map((l) => {
      const b = store.putBlob(l.data);
      return { mediaType: l.mediaType ?? fx.SIMPLE_SIGNING, digest: b.digest, size: l.declaredSize ?? b.size, ...(l.annotations ? { annotations: l.annotations } : {}) };
    }),
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
  });
  return { ...m, artifactType };
}

function setup() {
  const store = new MemoryStore();
  const { ref, desc } = store.addSubject('acme/app', 'v1');
  // The executor gives verifiers the subject with its digest set and the tag kept.
  const subject: Reference = { ...ref };
  return { store, subject, desc };
}

async function verifier(entry: Record<string, unknown>, opts: CosignFactoryOptions = {}) {
  return createCosignVerifier({ name: 'cosign', artifactTypes: SIG, ...entry }, { rt }, opts);
}

const keylessPolicy = (extra: Record<string, unknown> = {}, keyless: Record<string, unknown> = {}) => ({
  trustedRootPath: rootPath,
  trustPolicies: [{ name: 'keyless', scopes: ['*'], keyless: { ctLogVerify: false, certificateIdentity: SAN, certificateOIDCIssuer: ISSUER, ...keyless }, ...extra }],
});

describe('cosign verifier configuration', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['legacy key with trustPolicies', { key: '/k.pub', trustPolicies: [{ name: 'a', scopes: ['*'], keys: [{ file: '/k' }] }] }, /'key' and 'rekorURL' are part of Cosign legacy configuration/],
    ['duplicate policy names', { trustPolicies: [{ name: 'a', scopes: ['x'], keyless: { certificateIdentity: 'i', certificateOIDCIssuer: 'o' } }, { name: 'a', scopes: ['y'], keyless: { certificateIdentity: 'i', certificateOIDCIssuer: 'o' } }] }, /duplicate policy name a/],
    ['unsupported version', { trustPolicies: [{ name: 'a', version: '2.0.0', scopes: ['*'], keys: [{ file: '/k' }] }] }, /Invalid trust policy a: unsupported version 2.0.0/],
    ['no name', { trustPolicies: [{ scopes: ['*'], keys: [{ file: '/k' }] }] }, /name parameter is required in trust policy configuration/],
    ['no scopes', { trustPolicies: [{ name: 'a', keys: [{ file: '/k' }] }] }, /scopes parameter is required in trust policy configuration a/],
    ['neither keys nor keyless', { trustPolicies: [{ name: 'a', scopes: ['*'] }] }, /keys or keyless parameter is required in trust policy configuration a/],
    ['both keys and keyless', { trustPolicies: [{ name: 'a', scopes: ['*'], keys: [{ file: '/k' }], keyless: { certificateIdentity: 'i', certificateOIDCIssuer: 'o' } }] }, /Only one of keys or keyless parameter/],
    ['key without file or provider', { trustPolicies: [{ name: 'a', scopes: ['*'], keys: [{ name: 'k' }] }] }, /key management provider name is required when not using file path/],
    ['file and provider', { trustPolicies: [{ name: 'a', scopes: ['*'], keys: [{ file: '/k', provider: 'p' }] }] }, /'name' and 'file' cannot be configured together/],
    ['version without name', { trustPolicies: [{ name: 'a', scopes: ['*'], keys: [{ provider: 'p', version: '1' }] }] }, /key name is required when key version is defined/],
    ['no identity', { trustPolicies: [{ name: 'a', scopes: ['*'], keyless: { certificateOIDCIssuer: 'o' } }] }, /certificate identity or identity regex pattern is required/],
    ['no issuer', { trustPolicies: [{ name: 'a', scopes: ['*'], keyless: { certificateIdentity: 'i' } }] }, /certificate OIDC issuer or issuer regex pattern is required/],
    ['identity twice', { trustPolicies: [{ name: 'a', scopes: ['*'], keyless: { certificateIdentity: 'i', certificateIdentityRegExp: 'i', certificateOIDCIssuer: 'o' } }] }, /only one of certificate identity or identity regex pattern/],
    ['issuer twice', { trustPolicies: [{ name: 'a', scopes: ['*'], keyless: { certificateIdentity: 'i', certificateOIDCIssuer: 'o', certificateOIDCIssuerRegExp: 'o' } }] }, /only one of certificate OIDC issuer or issuer regex pattern/],
    ['ctLogVerify alone makes it keyless', { trustPolicies: [{ name: 'a', scopes: ['*'], keyless: { ctLogVerify: true } }] }, /certificate identity or identity regex pattern is required/],
    ['bad regular expression', { trustPolicies: [{ name: 'a', scopes: ['*'], keyless: { certificateIdentityRegExp: '(', certificateOIDCIssuer: 'o' } }] }, /certificateIdentityRegExp "\(" is not a valid regular expression/],
    ['wrong JSON type', { trustPolicies: [{ name: 'a', scopes: 'x', keys: [{ file: '/k' }] }] }, /trustPolicies\[0\]\.scopes: expected array, got string/],
    ['missing key file', { trustPolicies: [{ name: 'a', scopes: ['*'], keys: [{ file: '/nonexistent/cosign.pub' }] }] }, /Invalid trust policy \[a\]: failed to load the key from file \/nonexistent\/cosign.pub/],
    ['global scope twice', { trustPolicies: [{ name: 'a', scopes: ['*'], keyless: { certificateIdentity: 'i', certificateOIDCIssuer: 'o' } }, { name: 'b', scopes: ['*'], keyless: { certificateIdentity: 'i', certificateOIDCIssuer: 'o' } }] }, /global wildcard character \* can only be used once/],
    ['trusted root missing', { trustedRootPath: '/nonexistent/trusted_root.json', trustPolicies: [{ name: 'a', scopes: ['*'], keyless: { certificateIdentity: 'i', certificateOIDCIssuer: 'o' } }] }, /cannot read Sigstore trusted root/],
  ];
  for (const [what, entry, msg] of cases) {
    it(`rejects ${what}`, async () => {
      await assert.rejects(verifier(entry), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID' && msg.test(e.message));
    });
  }

  it('requires artifactTypes', async () => {
    await assert.rejects(createCosignVerifier({ name: 'cosign' }, { rt }), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID');
  });

  it('rejects a trusted root that is not one', async () => {
    const p = join(dir, 'not-a-root.json');
    await writeFile(p, JSON.stringify({ mediaType: 'application/json' }));
    await assert.rejects(verifier({ trustedRootPath: p, key: '/k' }), /invalid Sigstore trusted root/);
  });

  it('is registered as the built-in "cosign" type and keeps the configured type name', async () => {
    const reg = builtinVerifiers();
    assert.ok(reg.has('cosign'));
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const v = await reg.create({ name: 'my-cosign', type: 'cosign', artifactTypes: SIG, key: await keyFile('reg', k.publicKey) }, 0, { rt, log: silentLogger() });
    assert.equal(v.type, 'cosign');
    assert.equal(v.name, 'my-cosign');
    assert.ok(v.canVerify({ mediaType: MediaType.OciManifest, digest: 'sha256:' + 'a'.repeat(64), size: 1, artifactType: SIG }));
  });

  it('takes nested references from nestedArtifactTypes (Ratify’s name for them)', async () => {
    const v = await verifier({ key: '/k', nestedArtifactTypes: ['application/spdx+json'] });
    assert.deepEqual(v.nestedReferences, ['application/spdx+json']);
  });
});

describe('cosign trust policy scopes', () => {
  const p = (name: string, ...scopes: string[]) => ({ name, scopes });
  it('rejects overlapping, duplicate, invalid and mixed-global scopes', () => {
    const bad: Array<[Array<{ name: string; scopes: string[] }>, RegExp]> = [
      [[p('a', 'reg.io/ns/*'), p('b', 'reg.io/ns/app:v1')], /overlapping scopes reg.io\/ns\/app:v1 and reg.io\/ns\/\*/],
      [[p('a', 'reg.io/ns/app:v1'), p('b', 'reg.io/*')], /overlapping scopes reg.io\/\* and reg.io\/ns\/app:v1/],
      [[p('a', 'reg.io/ns/*'), p('b', 'reg.io/*')], /overlapping scopes/],
      [[p('a', 'reg.io/x'), p('b', 'reg.io/x')], /duplicate scope reg.io\/x for trust policy b/],
      [[p('a', 'Reg.io/x')], /invalid scope Reg.io\/x/],
      [[p('a', 'reg.io/*/x')], /invalid scope/],
      [[p('a', '*', 'reg.io/x')], /cannot be used with other scopes within the same trust policy a/],
      [[p('a', '')], /scope defined is empty/],
    ];
    for (const [policies, msg] of bad) assert.throws(() => validateScopes(policies), msg);
    validateScopes([p('a', 'reg.io/ns/app:v1', 'reg.io/ns/app@sha256:x'), p('b', 'reg.io/other/*'), p('c', '*')]);
  });

  it('selects exact, then prefix, then global, on the original reference', () => {
    const policies = [p('global', '*'), p('prefix', 'reg.io/team/*'), p('exact', 'reg.io/team2/app:v1')];
    assert.equal(selectPolicy(policies, 'reg.io/team2/app:v1').name, 'exact');
    assert.equal(selectPolicy(policies, 'reg.io/team/app:v1').name, 'prefix');
    assert.equal(selectPolicy(policies, 'reg.io/team2/app@sha256:abc').name, 'global', 'a tag scope does not match the digest form');
    assert.throws(() => selectPolicy([p('x', 'reg.io/x')], 'reg.io/y:v1'), /failed to get trust policy: no policy found for reference reg.io\/y:v1/);
  });

  it('reports a reference no policy covers as a failed verification', async () => {
    const { store, subject, desc } = setup();
    const k = fx.ecKeyPair();
    const v = await verifier({ trustPolicies: [{ name: 'only-other', scopes: ['registry.example/other/*'], keys: [{ file: await keyFile('scope', k.publicKey) }], tLogVerify: false }] });
    const referrer = signatureManifest(store, desc, []);
    const r = await v.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
    assert.equal(r.isSuccess, false);
    assert.equal(r.message, Messages.failure);
    assert.equal(r.errorReason, `failed to get trust policy: no policy found for reference ${subject.original}`);
  });
});

describe('cosign key-based signatures', () => {
  const keyTypes: Array<[string, () => { publicKey: KeyObject; privateKey: KeyObject }]> = [
    ['ECDSA P-256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['ECDSA P-384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['RSA 2048', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['Ed25519', () => generateKeyPairSync('ed25519')],
  ];
  for (const [name, gen] of keyTypes) {
    it(`verifies a simple-signing signature made with ${name}, and refuses another key`, async () => {
      const { store, subject, desc } = setup();
      const good = gen();
      const other = gen();
      const layer = await fx.legacySignatureLayer(fixture, fx.keyedSigner(good.privateKey, good.publicKey), fx.simpleSigningPayload(desc.digest));
      const referrer = signatureManifest(store, desc, [{ data: layer.payload, annotations: layer.annotations }]);
      const file = await keyFile(`k-${name.replace(/\W/g, '')}`, good.publicKey);
      const v = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ file }], tLogVerify: false }] });
      const r = await v.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
      assert.equal(r.isSuccess, true, JSON.stringify(r));
      assert.equal(r.message, Messages.success);
      assert.deepEqual(r.extensions, {
        signatures: [
          {
            signature: layer.annotations['dev.cosignproject.cosign/signature'],
            verifications: [{ isSuccess: true, bundleVerified: false, keyInformation: { provider: 'file', name: file }, summary: [Summary.claims, Summary.sigVerifier] }],
          },
        ],
        trustPolicy: 'p',
      });
      const wrong = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ file: await keyFile('other', other.publicKey) }], tLogVerify: false }] });
      const r2 = await wrong.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
      assert.equal(r2.isSuccess, false);
      assert.equal(r2.errorReason, Messages.noValidSignatures);
    });
  }

  it('keeps Go’s field order in the extensions JSON', async () => {
    const { store, subject, desc } = setup();
    const k = fx.ecKeyPair();
    const layer = await fx.legacySignatureLayer(fixture, fx.keyedSigner(k.privateKey, k.publicKey), fx.simpleSigningPayload('sha256:' + '0'.repeat(64)));
    const referrer = signatureManifest(store, desc, [{ data: layer.payload, annotations: layer.annotations }]);
    const v = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ file: await keyFile('order', k.publicKey) }], tLogVerify: false }] });
    const r = await v.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
    const json = JSON.stringify(r.extensions);
    assert.match(json, /^\{"signatures":\[\{"signature":"[^"]+","verifications":\[\{"isSuccess":false,"bundleVerified":false,"error":"[^"]*","keyInformation":\{"provider":"file","name":"[^"]+"\}\}\]\}\],"trustPolicy":"p"\}$/);
  });

  it('refuses a payload that names another image (digest claim)', async () => {
    const { store, subject, desc } = setup();
    const k = fx.ecKeyPair();
    const other = 'sha256:' + '1'.repeat(64);
    const layer = await fx.legacySignatureLayer(fixture, fx.keyedSigner(k.privateKey, k.publicKey), fx.simpleSigningPayload(other));
    const referrer = signatureManifest(store, desc, [{ data: layer.payload, annotations: layer.annotations }]);
    const v = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ file: await keyFile('claim', k.publicKey) }], tLogVerify: false }] });
    const r = await v.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
    assert.equal(r.isSuccess, false);
    const ver = (r.extensions as { signatures: Array<{ verifications: Array<{ error: string }> }> }).signatures[0]!.verifications[0]!;
    assert.match(ver.error, new RegExp(`invalid or missing digest in claim: ${other}`));
  });

  it('refuses a tampered payload', async () => {
    const { store, subject, desc } = setup();
    const k = fx.ecKeyPair();
    const signed = fx.simpleSigningPayload(desc.digest, 'registry.example/acme/app');
    const shipped = fx.simpleSigningPayload(desc.digest, 'registry.example/acme/evil');
    const layer = await fx.legacySignatureLayer(fixture, fx.keyedSigner(k.privateKey, k.publicKey), shipped, { signedPayload: signed });
    const referrer = signatureManifest(store, desc, [{ data: layer.payload, annotations: layer.annotations }]);
    const v = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ file: await keyFile('tamper', k.publicKey) }], tLogVerify: false }] });
    const r = await v.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
    assert.equal(r.isSuccess, false);
    assert.match(JSON.stringify(r.extensions), /SIGNATURE_ERROR/);
  });

  it('succeeds when any layer verifies with any key, reporting every verification', async () => {
    const { store, subject, desc } = setup();
    const alice = fx.ecKeyPair();
    const bob = fx.ecKeyPair();
    const a = await fx.legacySignatureLayer(fixture, fx.keyedSigner(alice.privateKey, alice.publicKey), fx.simpleSigningPayload(desc.digest));
    const referrer = signatureManifest(store, desc, [
      { data: a.payload, annotations: a.annotations },
      { data: 'not json', annotations: { 'dev.cosignproject.cosign/signature': '!!!' } },
    ]);
    const v = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ file: await keyFile('bob', bob.publicKey) }, { file: await keyFile('alice', alice.publicKey) }], tLogVerify: false }] });
    const r = await v.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
    assert.equal(r.isSuccess, true);
    const sigs = (r.extensions as { signatures: Array<{ verifications: Array<{ isSuccess: boolean }> }> }).signatures;
    assert.deepEqual(sigs.map((s) => s.verifications.map((x) => x.isSuccess)), [[false, true], [false, false]]);
  });

  it('requires a log entry when tLogVerify is on (offline: no Rekor lookup)', async () => {
    const { store, subject, desc } = setup();
    const k = fx.ecKeyPair();
    const layer = await fx.legacySignatureLayer(fixture, fx.keyedSigner(k.privateKey, k.publicKey), fx.simpleSigningPayload(desc.digest));
    const referrer = signatureManifest(store, desc, [{ data: layer.payload, annotations: layer.annotations }]);
    const v = await verifier({ trustedRootPath: rootPath, trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ file: await keyFile('tlog', k.publicKey) }] }] });
    const r = await v.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
    assert.equal(r.isSuccess, false);
    assert.match(JSON.stringify(r.extensions), /signature not found in transparency log/);
  });

  it('verifies the Rekor bundle of a key-signed signature offline (bundleVerified)', async () => {
    const { store, subject, desc } = setup();
    const k = fx.ecKeyPair();
    const layer = await fx.legacySignatureLayer(fixture, fx.keyedSigner(k.privateKey, k.publicKey), fx.simpleSigningPayload(desc.digest), { tlog: true });
    const referrer = signatureManifest(store, desc, [{ data: layer.payload, annotations: layer.annotations }]);
    const v = await verifier({ trustedRootPath: rootPath, trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ file: await keyFile('tlog2', k.publicKey) }] }] });
    const r = await v.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
    assert.equal(r.isSuccess, true, JSON.stringify(r));
    const ver = (r.extensions as { signatures: Array<{ verifications: Array<{ bundleVerified: boolean; summary: string[] }> }> }).signatures[0]!.verifications[0]!;
    assert.equal(ver.bundleVerified, true);
    assert.deepEqual(ver.summary, [Summary.claims, Summary.offlineBundle, Summary.sigVerifier]);
  });

  it('verifies key-signed DSSE attestation layers (cosign attest --key)', async () => {
    const { store, subject, desc } = setup();
    const k = fx.ecKeyPair();
    const bundle = await fx.dsseBundle(fixture, fx.keyedSigner(k.privateKey, k.publicKey), fx.inTotoStatement(desc.digest, 'https://spdx.dev/Document'));
    const referrer = signatureManifest(store, desc, [{ mediaType: fx.DSSE_ENVELOPE, data: JSON.stringify(bundle.dsseEnvelope) }]);
    const file = await keyFile('dsse', k.publicKey);
    const v = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ file }], tLogVerify: false }] });
    assert.equal((await v.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx())).isSuccess, true);
    const selective = await verifier({ predicateTypes: ['https://slsa.dev/provenance/v1'], trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ file }], tLogVerify: false }] });
    const r = await selective.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
    assert.equal(r.isSuccess, false);
    assert.match(JSON.stringify(r.extensions), /predicate type https:\/\/spdx.dev\/Document is not one of the selected types/);
  });
});

describe('cosign keys from key management providers', () => {
  it('uses every key of a provider, or the named one, through the injected lookup', async () => {
    const { store, subject, desc } = setup();
    const k1 = fx.ecKeyPair();
    const k2 = fx.ecKeyPair();
    const layer = await fx.legacySignatureLayer(fixture, fx.keyedSigner(k2.privateKey, k2.publicKey), fx.simpleSigningPayload(desc.digest));
    const referrer = signatureManifest(store, desc, [{ data: layer.payload, annotations: layer.annotations }]);
    const seen: Array<[string | undefined, string]> = [];
    const keys: ProviderKey[] = [
      { name: 'k1', version: 'v1', key: k1.publicKey },
      { name: 'k2', version: 'v7', key: k2.publicKey },
    ];
    const keyProviders = async (ns: string | undefined, name: string) => {
      seen.push([ns, name]);
      if (name !== 'akv') throw new Error('no such provider');
      return keys;
    };
    const all = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ provider: 'team/akv' }], tLogVerify: false }] }, { keyProviders });
    const r = await all.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
    assert.equal(r.isSuccess, true);
    assert.deepEqual(seen, [['team', 'akv']]);
    const vers = (r.extensions as { signatures: Array<{ verifications: Array<{ keyInformation: unknown; isSuccess: boolean }> }> }).signatures[0]!.verifications;
    assert.deepEqual(vers.map((x) => [x.keyInformation, x.isSuccess]), [
      [{ provider: 'team/akv', name: 'k1', version: 'v1' }, false],
      [{ provider: 'team/akv', name: 'k2', version: 'v7' }, true],
    ]);

    const named = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ provider: 'akv', name: 'k1' }], tLogVerify: false }] }, { keyProviders });
    assert.equal((await named.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx())).isSuccess, false);

    const missing = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ provider: 'akv', name: 'k2', version: 'v1' }], tLogVerify: false }] }, { keyProviders });
    const r3 = await missing.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
    assert.equal(r3.isSuccess, false);
    assert.equal(r3.errorReason, 'Invalid trust policy [p]: key k2 with version v1 not found in key management provider akv');

    const broken = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ provider: 'nope' }], tLogVerify: false }] }, { keyProviders });
    const r4 = await broken.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
    assert.equal(r4.isSuccess, false);
    assert.equal(r4.message, `${Messages.failure}: Invalid trust policy [p]: failed to access key management provider nope`);
    assert.equal(r4.errorReason, 'no such provider');
  });

  it('without injected providers, every provider is unknown', async () => {
    const { store, subject, desc } = setup();
    const v = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ provider: 'kmp' }], tLogVerify: false }] });
    const r = await v.verify({ subject, subjectDescriptor: desc, referrer: signatureManifest(store, desc, []), store }, ctx());
    assert.equal(r.isSuccess, false);
    assert.match(r.errorReason ?? '', /key management provider kmp not found/);
  });
});

describe('cosign keyless signatures (self-made Fulcio/Rekor/TSA)', () => {
  async function keylessLayer(o: fx.LegacyOptions & { san?: string; issuer?: string; f?: fx.SigstoreFixture; digest?: string } = {}) {
    const f = o.f ?? fixture;
    const { store, subject, desc } = setup();
    const signer = await fx.keylessSignerOf(f, { san: o.san ?? SAN, issuer: o.issuer ?? ISSUER });
    const layer = await fx.legacySignatureLayer(f, signer, fx.simpleSigningPayload(o.digest ?? desc.digest), o);
    const referrer = signatureManifest(store, desc, [{ data: layer.payload, annotations: layer.annotations }]);
    return { input: { subject, subjectDescriptor: desc, referrer, store } };
  }

  it('verifies certificate, SET and identity', async () => {
    const { input } = await keylessLayer({ tlog: true });
    const r = await (await verifier(keylessPolicy())).verify(input, ctx());
    assert.equal(r.isSuccess, true, JSON.stringify(r));
    assert.deepEqual(r.extensions, {
      signatures: [
        {
          signature: (r.extensions as { signatures: Array<{ signature: string }> }).signatures[0]!.signature,
          verifications: [{ isSuccess: true, bundleVerified: true, keyInformation: {}, summary: [Summary.claims, Summary.offlineBundle, Summary.certVerifier] }],
        },
      ],
      trustPolicy: 'keyless',
    });
    assert.ok(r.trace?.some((t) => t.check === 'signature' && t.ok && t.detail?.includes(SAN)));
  });

  it('refuses the wrong identity', async () => {
    const { input } = await keylessLayer({ tlog: true, san: 'https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main' });
    const r = await (await verifier(keylessPolicy())).verify(input, ctx());
    assert.equal(r.isSuccess, false);
    assert.match(JSON.stringify(r.extensions), /IDENTITY_ERROR/);
  });

  it('refuses an issuer the regular expression does not match, and accepts one it does', async () => {
    const { input } = await keylessLayer({ tlog: true, issuer: 'https://accounts.google.com' });
    const strict = await verifier(keylessPolicy({}, { certificateOIDCIssuer: undefined, certificateOIDCIssuerRegExp: '^https://token\\.actions\\.githubusercontent\\.com$' }));
    const r = await strict.verify(input, ctx());
    assert.equal(r.isSuccess, false);
    assert.match(JSON.stringify(r.extensions), /OIDC issuer \\"https:\/\/accounts.google.com\\" does not match/);
    const loose = await verifier(keylessPolicy({}, { certificateOIDCIssuer: undefined, certificateOIDCIssuerRegExp: '(?i)GOOGLE', certificateIdentity: undefined, certificateIdentityRegExp: '^https://github\\.com/acme/' }));
    assert.equal((await loose.verify(input, ctx())).isSuccess, true);
  });

  it('refuses a tampered payload', async () => {
    const { store, subject, desc } = setup();
    const signer = await fx.keylessSignerOf(fixture, { san: SAN, issuer: ISSUER });
    const layer = await fx.legacySignatureLayer(fixture, signer, fx.simpleSigningPayload(desc.digest, 'x/evil'), { tlog: true, signedPayload: fx.simpleSigningPayload(desc.digest) });
    const referrer = signatureManifest(store, desc, [{ data: layer.payload, annotations: layer.annotations }]);
    const r = await (await verifier(keylessPolicy())).verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
    assert.equal(r.isSuccess, false);
    assert.match(JSON.stringify(r.extensions), /TLOG_BODY_ERROR|SIGNATURE_ERROR/);
  });

  it('refuses a signature for another image digest', async () => {
    const { input } = await keylessLayer({ tlog: true, digest: 'sha256:' + 'f'.repeat(64) });
    const r = await (await verifier(keylessPolicy())).verify(input, ctx());
    assert.equal(r.isSuccess, false);
    assert.match(JSON.stringify(r.extensions), /invalid or missing digest in claim/);
  });

  it('refuses an expired certificate that nothing timestamps; a log entry or TSA token dates it', async () => {
    // Fulcio certificates live 10 minutes; an hour later only a timestamp can show they were valid.
    const later = { clock: () => new Date(fixture.clock.getTime() + 3600 * 1000) };
    const untimed = await keylessLayer();
    const noTlog = await verifier(keylessPolicy({ tLogVerify: false }), later);
    const r = await noTlog.verify(untimed.input, ctx());
    assert.equal(r.isSuccess, false);
    assert.match(JSON.stringify(r.extensions), /certificate is not valid or expired/);
    const soon = { clock: () => new Date(fixture.clock.getTime() + 60 * 1000) };
    assert.equal((await (await verifier(keylessPolicy({ tLogVerify: false }), soon)).verify(untimed.input, ctx())).isSuccess, true, 'while the certificate is valid, now is good enough');

    const withTsa = await keylessLayer({ tsa: true });
    assert.equal((await noTlog.verify(withTsa.input, ctx())).isSuccess, true, 'the RFC 3161 time is inside the certificate validity');

    const logged = await keylessLayer({ tlog: true });
    const tlog = await verifier(keylessPolicy(), later);
    assert.equal((await tlog.verify(logged.input, ctx())).isSuccess, true, 'the integrated time is inside the certificate validity');
    // With tLogVerify off the log entry is not looked at, so it cannot date the certificate.
    assert.equal((await noTlog.verify(logged.input, ctx())).isSuccess, false);
  });

  it('with ctLogVerify on, a certificate without SCTs fails', async () => {
    const { input } = await keylessLayer({ tlog: true });
    const r = await (await verifier(keylessPolicy({}, { ctLogVerify: true }))).verify(input, ctx());
    assert.equal(r.isSuccess, false);
    assert.match(JSON.stringify(r.extensions), /expected 1 SCTs, got 0/);
  });

  it('refuses certificates from a CA the trusted root does not name', async () => {
    const stranger = await fx.createSigstoreFixture();
    const { input } = await keylessLayer({ f: stranger, tsa: false, tlog: false });
    const r = await (await verifier(keylessPolicy({ tLogVerify: false }))).verify(input, ctx());
    assert.equal(r.isSuccess, false);
    assert.match(JSON.stringify(r.extensions), /CERTIFICATE_ERROR/);
  });

  it('legacy mode without a key accepts any trusted certificate; without rekorURL the log is ignored', async () => {
    const { input } = await keylessLayer({ tsa: true });
    const v = await verifier({ trustedRootPath: rootPath });
    const r = await v.verify(input, ctx());
    assert.equal(r.isSuccess, true, JSON.stringify(r));
    assert.equal(r.message, Messages.legacySuccess);
    const layerDigest = (JSON.parse(Buffer.from(await input.store.fetchManifestBytes(input.subject, input.referrer, ctx())).toString()) as { layers: Descriptor[] }).layers[0]!.digest;
    // LegacyExtension: signatureDigest per layer, no summary; Go still writes the empty keyInformation struct.
    assert.equal(JSON.stringify(r.extensions), JSON.stringify({ signatures: [{ signatureDigest: layerDigest, isSuccess: true, bundleVerified: false, keyInformation: {} }] }));
  });
});

describe('cosign Sigstore bundles as OCI 1.1 referrers', () => {
  async function bundleReferrer(build: (desc: Descriptor, store: MemoryStore) => Promise<unknown>) {
    const { store, subject, desc } = setup();
    const bundle = await build(desc, store);
    const referrer = signatureManifest(store, desc, [{ mediaType: fx.BUNDLE_V03, data: JSON.stringify(bundle) }], fx.BUNDLE_V03);
    return { subject, subjectDescriptor: desc, referrer, store };
  }

  it('verifies a keyless DSSE attestation with log entry and TSA token', async () => {
    const signer = await fx.keylessSignerOf(fixture, { san: SAN, issuer: ISSUER });
    const input = await bundleReferrer((d) => fx.dsseBundle(fixture, signer, fx.inTotoStatement(d.digest, 'https://slsa.dev/provenance/v1'), { tlog: true, tsa: true }));
    const v = await verifier({ ...keylessPolicy(), artifactTypes: fx.BUNDLE_V03, predicateTypes: 'https://slsa.dev/provenance/v1' });
    const r = await v.verify(input, ctx());
    assert.equal(r.isSuccess, true, JSON.stringify(r));
  });

  it('refuses an attestation about another image, and unselected predicate types', async () => {
    const signer = await fx.keylessSignerOf(fixture, { san: SAN, issuer: ISSUER });
    const other = await bundleReferrer(() => fx.dsseBundle(fixture, signer, fx.inTotoStatement('sha256:' + 'e'.repeat(64), 'https://slsa.dev/provenance/v1'), { tlog: true }));
    const v = await verifier({ ...keylessPolicy(), artifactTypes: fx.BUNDLE_V03 });
    const r = await v.verify(other, ctx());
    assert.equal(r.isSuccess, false);
    assert.match(JSON.stringify(r.extensions), /no matching subject digest found/);

    const vuln = await bundleReferrer((d) => fx.dsseBundle(fixture, signer, fx.inTotoStatement(d.digest, 'https://cosign.sigstore.dev/attestation/vuln/v1'), { tlog: true }));
    const selective = await verifier({ ...keylessPolicy(), artifactTypes: fx.BUNDLE_V03, predicateTypes: ['https://slsa.dev/provenance/v1'] });
    assert.equal((await selective.verify(vuln, ctx())).isSuccess, false);
    const signature = await bundleReferrer((d) => fx.dsseBundle(fixture, signer, fx.inTotoStatement(d.digest, 'https://sigstore.dev/cosign/sign/v1'), { tlog: true }));
    assert.equal((await selective.verify(signature, ctx())).isSuccess, true, 'cosign v3 image signatures are not filtered as attestations');
  });

  it('verifies a message-signature bundle over the subject manifest', async () => {
    const signer = await fx.keylessSignerOf(fixture, { san: SAN, issuer: ISSUER });
    const good = await bundleReferrer(async (d, store) => fx.messageBundle(fixture, signer, Buffer.from(await store.fetchManifestBytes(parseReference('registry.example/acme/app:v1'), d, ctx())), { tlog: true }));
    const v = await verifier({ ...keylessPolicy(), artifactTypes: fx.BUNDLE_V03 });
    assert.equal((await v.verify(good, ctx())).isSuccess, true);
    const bad = await bundleReferrer(() => fx.messageBundle(fixture, signer, Buffer.from('some other manifest'), { tlog: true }));
    assert.equal((await v.verify(bad, ctx())).isSuccess, false);
  });

  it('verifies key-signed bundles with the configured key whatever their key hint', async () => {
    const k = fx.ecKeyPair();
    const input = await bundleReferrer((d) => fx.dsseBundle(fixture, fx.keyedSigner(k.privateKey, k.publicKey), fx.inTotoStatement(d.digest, 'https://example.com/p'), { tlog: true }));
    const v = await verifier({ trustedRootPath: rootPath, artifactTypes: fx.BUNDLE_V03, trustPolicies: [{ name: 'k', scopes: ['*'], keys: [{ file: await keyFile('bundle', k.publicKey) }] }] });
    const r = await v.verify(input, ctx());
    assert.equal(r.isSuccess, true, JSON.stringify(r));
  });
});

describe('cosign verifier against hostile input', () => {
  async function run(layers: Layer[], entry: Record<string, unknown> = {}, artifactType = SIG) {
    const { store, subject, desc } = setup();
    const referrer = signatureManifest(store, desc, layers, artifactType);
    const k = fx.ecKeyPair();
    const v = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ file: await keyFile('hostile', k.publicKey) }], tLogVerify: false }], ...entry });
    return { r: await v.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx()), store };
  }

  it('turns malformed layers into failed verifications, never exceptions', async () => {
    const garbage: Layer[] = [
      { data: '', annotations: {} },
      { data: '{}', annotations: { 'dev.cosignproject.cosign/signature': 'not base64!' } },
      { data: '{}', annotations: { 'dev.cosignproject.cosign/signature': 'AAAA', 'dev.sigstore.cosign/certificate': 'garbage' } },
      { data: '{}', annotations: { 'dev.cosignproject.cosign/signature': 'AAAA', 'dev.sigstore.cosign/certificate': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' } },
      { data: '{}', annotations: { 'dev.cosignproject.cosign/signature': 'AAAA', 'dev.sigstore.cosign/bundle': '{"Payload":1}' } },
      { data: '{}', annotations: { 'dev.cosignproject.cosign/signature': 'AAAA', 'dev.sigstore.cosign/rfc3161timestamp': '[]' } },
      { mediaType: fx.BUNDLE_V03, data: '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}' },
      { mediaType: fx.BUNDLE_V03, data: 'null' },
      { mediaType: fx.BUNDLE_V03, data: '{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=9.9"}' },
      { mediaType: fx.DSSE_ENVELOPE, data: '{"payloadType":"x","payload":"e30=","signatures":[]}' },
      { mediaType: fx.DSSE_ENVELOPE, data: '[1,2,3]' },
    ];
    const { r } = await run(garbage);
    assert.equal(r.isSuccess, false);
    const sigs = (r.extensions as { signatures: Array<{ verifications: Array<{ isSuccess: boolean; error: string }> }> }).signatures;
    assert.equal(sigs.length, garbage.length);
    for (const s of sigs) assert.equal(s.verifications[0]!.isSuccess, false);
  });

  it('refuses layers over maxBlobBytes without fetching them', async () => {
    const { r, store } = await run([{ data: 'x'.repeat(2000), annotations: {} }], { maxBlobBytes: 1000 });
    assert.equal(r.isSuccess, false);
    assert.match(JSON.stringify(r.extensions), /over the limit of 1000/);
    assert.equal(store.blobFetches.length, 0);
  });

  it('reports a manifest that is not an OCI image manifest as Ratify does', async () => {
    const { store, subject, desc } = setup();
    const referrer = store.addReferrer(desc, { artifactType: SIG, layers: [] });
    const m = store.putManifest({ mediaType: MediaType.OciArtifactManifest, artifactType: SIG, blobs: [] }, MediaType.OciArtifactManifest);
    const k = fx.ecKeyPair();
    const v = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ file: await keyFile('am', k.publicKey) }], tLogVerify: false }] });
    const r = await v.verify({ subject, subjectDescriptor: desc, referrer: { ...m, artifactType: SIG }, store }, ctx());
    assert.equal(r.isSuccess, false);
    // Ratify's GetDetail drops a root detail that wraps no original error: only the outer text remains.
    assert.equal(r.message, Messages.failure);
    assert.equal(r.errorReason, 'The artifact metadata is not an OCI image');
    assert.ok(referrer);
  });

  it('reports an unreadable manifest and a missing layer as failures', async () => {
    const { store, subject, desc } = setup();
    const k = fx.ecKeyPair();
    const v = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ file: await keyFile('gone', k.publicKey) }], tLogVerify: false }] });
    const referrer = signatureManifest(store, desc, [{ data: 'payload', annotations: {} }]);
    const layerDigest = (JSON.parse(Buffer.from(await store.fetchManifestBytes(subject, referrer, ctx())).toString()) as { layers: Descriptor[] }).layers[0]!.digest;
    store.failures.set(layerDigest, new RatifyError('GET_BLOB_CONTENT_FAILURE', 'blob gone'));
    const r = await v.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
    assert.equal(r.isSuccess, false);
    assert.equal(r.message, `${Messages.failure}: Failed to get Cosign signature with digest ${layerDigest}`);
    store.failures.set(referrer.digest, new RatifyError('GET_REFERRER_MANIFEST_FAILURE', 'manifest gone'));
    const r2 = await v.verify({ subject, subjectDescriptor: desc, referrer, store }, ctx());
    assert.equal(r2.message, `${Messages.failure}: Failed to get artifact metadata for ${referrer.digest}`);
  });

  it('throws (never caches a verdict) when the request was cancelled', async () => {
    const { store, subject, desc } = setup();
    const k = fx.ecKeyPair();
    const v = await verifier({ trustPolicies: [{ name: 'p', scopes: ['*'], keys: [{ file: await keyFile('cancel', k.publicKey) }], tLogVerify: false }] });
    const referrer = signatureManifest(store, desc, [{ data: 'payload', annotations: {} }]);
    const ac = new AbortController();
    ac.abort(new RatifyError('DEADLINE_EXCEEDED', 'too slow'));
    store.failures.set(referrer.digest, new RatifyError('DEADLINE_EXCEEDED', 'too slow'));
    await assert.rejects(v.verify({ subject, subjectDescriptor: desc, referrer, store }, { ...ctx(), signal: ac.signal }));
  });

  it('loads a legacy key lazily: a bad key file fails each verification, not start-up', async () => {
    const bad = join(dir, 'broken.pub');
    await writeFile(bad, '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
    const { store, subject, desc } = setup();
    const v = await verifier({ key: bad });
    const r = await v.verify({ subject, subjectDescriptor: desc, referrer: signatureManifest(store, desc, []), store }, ctx());
    assert.equal(r.isSuccess, false);
    assert.match(r.errorReason ?? '', /^failed to load public key: /);
  });

  it('never crashes on random bytes as a signature layer', async () => {
    const k = fx.ecKeyPair();
    const sig = sign('sha256', Buffer.from('x'), k.privateKey).toString('base64');
    for (let i = 0; i < 20; i++) {
      const data = Buffer.from(Array.from({ length: 64 + i * 13 }, (_, j) => (j * 7919 + i * 104729) % 256));
      const { r } = await run([
        { data, annotations: { 'dev.cosignproject.cosign/signature': sig } },
        { mediaType: fx.BUNDLE_V03, data },
        { mediaType: fx.DSSE_ENVELOPE, data },
      ]);
      assert.equal(r.isSuccess, false);
    }
  });
});
