/**
 * notation-go behaviours around verifyNotationSignature that no vector case exercises, each one
 * a bug found while driving the vectors (fixed in src/verifiers/notation/verify-signature.ts and
 * verifier.ts):
 * - no applicable trust policy is a verdict about the signature (notation returns
 *   ErrorNoApplicableTrustPolicy from Verify; Ratify reports "Failed to validate the Notation
 *   signature"), not an exception;
 * - a payload without a usable targetArtifact is "content descriptor mismatch", not an exception;
 * - with both a descriptor mismatch and missing user metadata, the metadata error is reported;
 * - the verification-plugin attribute errors carry notation's three texts;
 * - a timestamp token whose TSTInfo cannot be decoded: "failed to get the timestamp TSTInfo";
 * - the failure message prints the referrer's annotations with sorted keys, as Go's fmt does;
 * - a chain that names no OCSP responder or CRL is "ok" without running the revocation validator
 *   (the e2e CRL tests cover a chain that does).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { backgroundContext, type Context } from '../../../src/context.js';
import { RevocationValidator } from '../../../src/crypto/revocation/index.js';
import { getTSTInfo, parseTimestampToken } from '../../../src/crypto/timestamp/index.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { Descriptor, ReferenceDescriptor, ReferenceManifest } from '../../../src/oci/descriptor.js';
import type { ReferrerStore } from '../../../src/stores/types.js';
import { commonConfig } from '../../../src/verifiers/base.js';
import { DEFAULT_MAX_ENVELOPE_BYTES } from '../../../src/verifiers/notation/envelope/index.js';
import { loadTrustPolicyDocument, type TrustPolicyDocument } from '../../../src/verifiers/notation/trustpolicy/index.js';
import type { TrustStoreType, X509TrustStore } from '../../../src/verifiers/notation/truststore/index.js';
import { NotationVerifier } from '../../../src/verifiers/notation/verifier.js';
import { verifyNotationSignature, type NotationVerifyInput } from '../../../src/verifiers/notation/verify-signature.js';
import { sampleDescriptor, selfSignedSigner, signCose, signJws, type TestSigner } from '../../helpers/notation-sign.js';
import { makeTsa, removeDir, tempDir, timestamp, type Tsa } from '../../helpers/pki-openssl.js';

const JWS = 'application/jose+json';
const COSE = 'application/cose';
const SUBJECT = sampleDescriptor('the subject');
const ctx = (): Context => backgroundContext(silentLogger());

function policy(scopes: string[] = ['*'], trustStores = ['ca:test'], level = 'strict'): TrustPolicyDocument {
  return loadTrustPolicyDocument({
    version: '1.0',
    trustPolicies: [{ name: 'test', registryScopes: scopes, signatureVerification: { level }, trustStores, trustedIdentities: ['*'] }],
  });
}

/** Trust store answering from memory: the signer for `ca`, a TSA root for `tsa`. */
function memoryStore(byType: Partial<Record<TrustStoreType, Buffer[]>>): X509TrustStore {
  return { getCertificates: (type) => Promise.resolve((byType[type] ?? []).map((d) => new X509Certificate(d))) };
}

describe('verifyNotationSignature: outcomes instead of exceptions, notation texts', () => {
  let signer: TestSigner;
  let base: Omit<NotationVerifyInput, 'envelope'>;
  before(async () => {
    signer = await selfSignedSigner('P-256');
    base = {
      envelopeMediaType: JWS,
      subject: SUBJECT,
      artifactReference: `registry.example.com/app@${SUBJECT.digest}`,
      policy: policy(),
      trustStore: memoryStore({ ca: [signer.chain[0]!] }),
      codeSigningRevocation: new RevocationValidator({ purpose: 'codeSigning' }),
      timestampingRevocation: new RevocationValidator({ purpose: 'timestamping' }),
    };
  });

  it('baseline: a matching signature verifies', async () => {
    const o = await verifyNotationSignature({ ...base, envelope: signJws({ signer, target: SUBJECT }) }, ctx());
    assert.equal(o.error, undefined);
  });

  it('no applicable trust policy is returned as the outcome error', async () => {
    const o = await verifyNotationSignature({ ...base, policy: policy(['registry.example.com/other']), envelope: signJws({ signer, target: SUBJECT }) }, ctx());
    assert.equal(o.policy, undefined);
    assert.deepEqual(o.results, [], 'nothing was verified');
    assert.equal(
      o.error,
      `artifact "registry.example.com/app@${SUBJECT.digest}" has no applicable trust policy statement. Trust policy applicability for a given artifact is determined by registryScopes. To create a trust policy, see: https://notaryproject.dev/docs/quickstart/#create-a-trust-policy`,
    );
  });

  it('a payload without targetArtifact is a descriptor mismatch (JWS)', async () => {
    const o = await verifyNotationSignature({ ...base, envelope: signJws({ signer, payload: Buffer.from('{"somethingElse":{}}') }) }, ctx());
    assert.equal(o.error, 'content descriptor mismatch');
    assert.ok(o.results.every((r) => r.error === undefined), 'every validation passed');
  });

  it('a COSE payload that is not JSON is an unmarshal error, not an exception', async () => {
    const o = await verifyNotationSignature({ ...base, envelopeMediaType: COSE, envelope: signCose({ signer, payload: Buffer.from('not json') }) }, ctx());
    assert.equal(o.error, 'failed to unmarshal the payload content in the signature blob to envelope.Payload');
  });

  it('descriptor mismatch and missing user metadata: the metadata error is the one reported', async () => {
    const other = { ...sampleDescriptor('another subject'), annotations: { build: '1' } };
    const envelope = signJws({ signer, target: other });
    const both = await verifyNotationSignature({ ...base, envelope, userMetadata: { build: '2' } }, ctx());
    assert.equal(both.error, 'unable to find specified metadata in the signature');
    const onlyMismatch = await verifyNotationSignature({ ...base, envelope, userMetadata: { build: '1' } }, ctx());
    assert.equal(onlyMismatch.error, 'content descriptor mismatch');
  });

  it('user metadata must be an own annotation', async () => {
    const o = await verifyNotationSignature({ ...base, envelope: signJws({ signer, target: SUBJECT }), userMetadata: { constructor: 'function Object() { [native code] }' } }, ctx());
    assert.equal(o.error, 'unable to find specified metadata in the signature');
  });

  it('revocation: a chain without OCSP/CRL pointers is non-revokable without consulting the validator', async () => {
    const calls: unknown[] = [];
    const spy = { validate: (_c: Context, input: unknown) => (calls.push(input), Promise.reject(new Error('must not be called'))), close: () => Promise.resolve() };
    const o = await verifyNotationSignature({ ...base, codeSigningRevocation: spy as unknown as RevocationValidator, envelope: signJws({ signer, target: SUBJECT }) }, ctx());
    assert.equal(o.error, undefined);
    assert.deepEqual(o.results.find((r) => r.type === 'revocation'), { type: 'revocation', action: 'enforce' });
    assert.deepEqual(calls, []);
    // Without a validator at all, notation-go fails even so.
    const none = await verifyNotationSignature({ ...base, codeSigningRevocation: undefined, envelope: signJws({ signer, target: SUBJECT }) }, ctx());
    assert.equal(none.error, 'unable to check revocation status, code signing revocation validator cannot be nil');
  });

  const PLUGIN = 'io.cncf.notary.verificationPlugin';
  for (const [what, attr, text] of [
    ['not critical', { value: 'my-plugin', critical: false }, `${PLUGIN} is not a critical Extended attribute`],
    ['not a string', { value: 42, critical: true }, `${PLUGIN} from extended attribute is not a string`],
    ['blank', { value: '  ', critical: true }, `${PLUGIN} from extended attribute is an empty string`],
    ['a plugin name', { value: 'my-plugin', critical: true }, `error while locating the verification plugin "my-plugin", make sure the plugin is installed successfully before verifying the signature. error: notation verification plugins are not supported by ratify-ts`],
  ] as const) {
    it(`verification plugin attribute ${what}`, async () => {
      const o = await verifyNotationSignature({ ...base, envelope: signJws({ signer, target: SUBJECT, extendedAttributes: [{ key: PLUGIN, ...attr }] }) }, ctx());
      assert.equal(o.error, text);
      assert.deepEqual(o.results.map((r) => r.type), ['integrity'], 'stops before authenticity, as notation does');
    });
  }
});

describe('verifyNotationSignature: a countersignature whose TSTInfo does not decode', () => {
  let dir: string;
  let tsa: Tsa;
  before(async () => {
    dir = await tempDir('ratify-nv-tstinfo-');
    tsa = await makeTsa(dir);
  });
  after(async () => {
    if (dir) await removeDir(dir);
  });

  it('reports "failed to get the timestamp TSTInfo with error: ..."', async () => {
    const signer = await selfSignedSigner('P-256');
    const token = await timestamp(tsa, Buffer.from('anything'));
    // Turn the TSTInfo SEQUENCE into a SET inside the (unchanged-length) eContent.
    const parsed = parseTimestampToken(token);
    assert.equal(getTSTInfo(parsed).version, 1, 'decodes before it is broken');
    const content = Buffer.from(parsed.content);
    const at = token.indexOf(content);
    assert.ok(at > 0 && token[at] === 0x30);
    const broken = Buffer.from(token);
    broken[at] = 0x31;
    assert.throws(() => getTSTInfo(parseTimestampToken(broken)), /cannot unmarshal TSTInfo from timestamp token: /);

    const o = await verifyNotationSignature(
      {
        envelope: signJws({ signer, target: SUBJECT, timestampSignature: broken }),
        envelopeMediaType: JWS,
        subject: SUBJECT,
        artifactReference: `registry.example.com/app@${SUBJECT.digest}`,
        policy: policy(['*'], ['ca:test', 'tsa:test']),
        trustStore: memoryStore({ ca: [signer.chain[0]!], tsa: [tsa.root.certDer] }),
        codeSigningRevocation: new RevocationValidator({ purpose: 'codeSigning' }),
        timestampingRevocation: new RevocationValidator({ purpose: 'timestamping' }),
      },
      ctx(),
    );
    assert.match(o.error ?? '', /^failed to get the timestamp TSTInfo with error: cannot unmarshal TSTInfo from timestamp token: /);
    assert.equal(o.results.at(-1)?.type, 'authenticTimestamp');
  });
});

describe('NotationVerifier: failure report', () => {
  it('prints the referrer descriptor as Go %+v, annotation keys sorted', async () => {
    const signer = await selfSignedSigner('P-256');
    const envelope = signJws({ signer, target: sampleDescriptor('not the subject') });
    const blob: Descriptor = { mediaType: JWS, digest: 'sha256:' + 'b'.repeat(64), size: envelope.length };
    const store = {
      name: 'memory',
      config: {},
      fetchManifest: (): Promise<ReferenceManifest> => Promise.resolve({ mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.cncf.notary.signature', blobs: [blob] }),
      fetchBlob: () => Promise.resolve(envelope),
    } as unknown as ReferrerStore;
    const verifier = new NotationVerifier(commonConfig({ name: 'notation', artifactTypes: 'application/vnd.cncf.notary.signature' }, { requireArtifactTypes: true }), {
      trustStore: memoryStore({ ca: [signer.chain[0]!] }),
      policy: policy(),
      codeSigningRevocation: new RevocationValidator({ purpose: 'codeSigning' }),
      timestampingRevocation: new RevocationValidator({ purpose: 'timestamping' }),
      maxEnvelopeBytes: DEFAULT_MAX_ENVELOPE_BYTES,
    });
    const referrer: ReferenceDescriptor = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: 'sha256:' + 'a'.repeat(64),
      size: 700,
      artifactType: 'application/vnd.cncf.notary.signature',
      annotations: { 'org.opencontainers.image.created': '2025-01-01T00:00:00Z', 'io.cncf.notary.x509chain.thumbprint#S256': '["ab"]' },
    };
    const r = await verifier.verify(
      { subject: { registry: 'registry.example.com', repository: 'app', path: 'registry.example.com/app', digest: SUBJECT.digest, original: 'registry.example.com/app' }, subjectDescriptor: SUBJECT, referrer, store },
      ctx(),
    );
    assert.equal(r.isSuccess, false);
    assert.equal(r.errorReason, 'content descriptor mismatch');
    assert.equal(
      r.message,
      `Failed to validate the Notation signature: {Descriptor:{MediaType:application/vnd.oci.image.manifest.v1+json Digest:sha256:${'a'.repeat(64)} Size:700 URLs:[] Annotations:map[io.cncf.notary.x509chain.thumbprint#S256:["ab"] org.opencontainers.image.created:2025-01-01T00:00:00Z] Data:[] Platform:<nil> ArtifactType:} ArtifactType:application/vnd.cncf.notary.signature}`,
    );
  });

  it('an artifact outside every registry scope fails as a verdict, not as an error', async () => {
    const signer = await selfSignedSigner('P-256');
    const envelope = signJws({ signer, target: SUBJECT });
    const store = {
      name: 'memory',
      config: {},
      fetchManifest: (): Promise<ReferenceManifest> => Promise.resolve({ mediaType: 'application/vnd.oci.image.manifest.v1+json', blobs: [{ mediaType: JWS, digest: 'sha256:' + 'c'.repeat(64), size: envelope.length }] }),
      fetchBlob: () => Promise.resolve(envelope),
    } as unknown as ReferrerStore;
    const verifier = new NotationVerifier(commonConfig({ name: 'notation', artifactTypes: 'application/vnd.cncf.notary.signature' }, { requireArtifactTypes: true }), {
      trustStore: memoryStore({ ca: [signer.chain[0]!] }),
      policy: policy(['registry.example.com/only-this']),
      codeSigningRevocation: new RevocationValidator({ purpose: 'codeSigning' }),
      timestampingRevocation: new RevocationValidator({ purpose: 'timestamping' }),
      maxEnvelopeBytes: DEFAULT_MAX_ENVELOPE_BYTES,
    });
    // An OCI layout subject (no registry) is scoped as local/oci-layout.
    const r = await verifier.verify(
      {
        subject: { registry: '', repository: '/tmp/layout', path: '/tmp/layout', tag: 'v1', digest: SUBJECT.digest, original: '/tmp/layout:v1' },
        subjectDescriptor: SUBJECT,
        referrer: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:' + 'd'.repeat(64), size: 1, artifactType: 'application/vnd.cncf.notary.signature' },
        store,
      },
      ctx(),
    );
    assert.equal(r.isSuccess, false);
    assert.match(r.message, /^Failed to validate the Notation signature: \{Descriptor:/);
    assert.match(r.errorReason ?? '', /^artifact "local\/oci-layout@sha256:[0-9a-f]{64}" has no applicable trust policy statement\./);
  });
});
