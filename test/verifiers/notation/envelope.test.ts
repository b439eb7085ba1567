import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EnvelopeError,
  parseEnvelope,
  parsePayload,
  verifyIntegrity,
  type SignatureEnvelope,
} from '../../../src/verifiers/notation/envelope/index.js';
import { skipUnlessVectors, vectorPath, vectorsDir } from '../../harness/vectors.js';
import { goMarshal, selfSignedSigner, signJws } from '../../helpers/notation-sign.js';

interface VectorCase {
  id: string;
  kind: string;
  check: string;
  expect: 'pass' | 'fail';
  reason: string;
  files: string[];
  inputs: { envelope?: string; envelopeMediaType?: string; targetArtifact?: { digest: string; size: number; mediaType: string } };
}

function loadCases(): VectorCase[] {
  if (vectorsDir() === undefined) return [];
  const doc = JSON.parse(readFileSync(vectorPath('cases.json'), 'utf8')) as VectorCase[] | { cases: VectorCase[] };
  return (Array.isArray(doc) ? doc : doc.cases).filter((c) => c.kind === 'notation-jws' || c.kind === 'notation-cose');
}

const cases = loadCases();
const JWS = 'application/jose+json';
const COSE = 'application/cose';

function envelopeError(fn: () => unknown): EnvelopeError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof EnvelopeError, `expected EnvelopeError, got ${String(e)}`);
    assert.equal(e.code, 'VERIFY_REFERENCE_FAILURE');
    return e;
  }
  assert.fail('expected an envelope error');
}

/** The vector file of a case that holds its envelope (inputs paths are relative to the source repo). */
function envelopeFile(c: VectorCase): string | undefined {
  if (c.inputs.envelope) return c.files.find((f) => f.endsWith(c.inputs.envelope!));
  return c.files.find((f) => f.endsWith('.sig') || /\/blobs\/sha256:[0-9a-f]{64}\.json$/.test(f) || f.endsWith('conformance.json'));
}

const byId = (id: string) => cases.find((c) => c.id === id);

describe('notation envelope vectors: parse/inspect', { skip: skipUnlessVectors(3, 'notation-jws parse/encoding') }, () => {
  it('notation-e2e/blob-jws/inspect: every inspected field', () => {
    const c = byId('notation-e2e/blob-jws/inspect');
    assert.ok(c, 'case present');
    const env = parseEnvelope(readFileSync(vectorPath(envelopeFile(c)!)), JWS);
    const r = c.reason;
    const want = {
      alg: /^Blob JWS: ([A-Z0-9-]+);/.exec(r)![1],
      cty: /cty (\S+);/.exec(r)![1],
      scheme: /signingScheme (\S+);/.exec(r)![1],
      signingTime: /signingTime (\S+);/.exec(r)![1],
      agent: /signingAgent (\S+);/.exec(r)![1],
      cn: /self-signed CN=(\S+) fp ([0-9a-f]+)/.exec(r)!,
      expiry: /expiry (\S+);/.exec(r)![1],
      target: /signed artifact (\S+) (sha256:[0-9a-f]{64}) size (\d+)/.exec(r)!,
    };
    assert.equal(env.signatureAlgorithm, want.alg);
    assert.equal(env.payload.contentType, want.cty);
    assert.equal(env.signedAttributes.signingScheme, want.scheme);
    assert.equal(env.signedAttributes.signingTime.toISOString().replace('.000Z', 'Z'), want.signingTime);
    assert.equal(env.signedAttributes.expiry, undefined, 'the blob signature has no expiry attribute');
    assert.deepEqual(env.signedAttributes.extendedAttributes, []);
    assert.equal(env.unsignedAttributes.signingAgent, want.agent);
    assert.equal(env.unsignedAttributes.timestampSignature?.[0], 0x30, 'an RFC 3161 token (DER SEQUENCE) is carried');
    assert.equal(env.certificateChain.length, 1);
    const leaf = env.certificateChain[0]!;
    assert.match(leaf.subject, new RegExp(`^CN=${want.cn[1]},`));
    assert.ok(leaf.sha256Fingerprint.startsWith(want.cn[2]!), leaf.sha256Fingerprint);
    // inspect's "expiry" is the signing certificate's notAfter.
    assert.equal(leaf.notAfter.toISOString().replace('.000Z', 'Z'), want.expiry);
    verifyIntegrity(env);
    const { targetArtifact } = parsePayload(env);
    assert.equal(targetArtifact.mediaType, want.target[1]);
    assert.equal(targetArtifact.digest, want.target[2]);
    assert.equal(targetArtifact.size, Number(want.target[3]));
    assert.equal(targetArtifact.annotations, undefined, 'no user metadata');
  });

  it('notation-e2e/blob-malformed/inspect: not a JWS', () => {
    const c = byId('notation-e2e/blob-malformed/inspect')!;
    const e = envelopeError(() => parseEnvelope(readFileSync(vectorPath(envelopeFile(c)!)), JWS));
    assert.equal(e.kind, 'malformed');
    assert.equal(e.detail, "unable to parse the digital signature, error : invalid character 'm' looking for beginning of value");
  });

  it('notation-core-go/jws/conformance: our signer reproduces payload and protected byte for byte', async () => {
    const c = byId('notation-core-go/jws/conformance')!;
    const file = JSON.parse(readFileSync(vectorPath(envelopeFile(c)!), 'utf8')) as Record<string, unknown>;
    const signer = await selfSignedSigner('P-256');
    const ours = JSON.parse(
      signJws({
        signer,
        payload: Buffer.from(goMarshal({ key: 'hello JWS' })),
        signingTime: new Date('2022-08-29T13:50:00Z'),
        expiry: new Date('2099-08-30T13:50:00Z'),
        extendedAttributes: [
          { key: 'signedCritKey1', value: 'signedCritValue1', critical: true },
          ...[1, 2, 3, 4].map((i) => ({ key: `signedKey${i}`, value: 'signedValue1' })),
        ],
        signingAgent: 'NotationConformanceTest/1.0.0',
      }).toString(),
    ) as Record<string, unknown>;
    assert.equal(ours.protected, file.protected);
    assert.equal(ours.payload, file.payload);
    assert.deepEqual((ours.header as Record<string, unknown>)['io.cncf.notary.signingAgent'], (file.header as Record<string, unknown>)['io.cncf.notary.signingAgent']);
  });

  it('notation-core-go/jws/conformance: headers parse; the signature is not ours to verify', async () => {
    const c = byId('notation-core-go/jws/conformance')!;
    const raw = readFileSync(vectorPath(envelopeFile(c)!));
    // The file carries no certificate (the key was generated at test time).
    assert.equal(envelopeError(() => parseEnvelope(raw, JWS)).detail, 'certificate chain is not present');
    const doc = JSON.parse(raw.toString()) as { header: Record<string, unknown> };
    doc.header.x5c = (await selfSignedSigner('P-256')).chain.map((d) => d.toString('base64'));
    const env = parseEnvelope(Buffer.from(JSON.stringify(doc)), JWS);
    assert.equal(env.signatureAlgorithm, 'ECDSA-SHA-256');
    assert.equal(env.signedAttributes.signingTime.toISOString(), '2022-08-29T13:50:00.000Z');
    assert.equal(env.signedAttributes.expiry?.toISOString(), '2099-08-30T13:50:00.000Z');
    assert.deepEqual(
      env.signedAttributes.extendedAttributes.map((a) => [a.key, a.critical, a.value]),
      [
        ['signedCritKey1', true, 'signedCritValue1'],
        ['signedKey1', false, 'signedValue1'],
        ['signedKey2', false, 'signedValue1'],
        ['signedKey3', false, 'signedValue1'],
        ['signedKey4', false, 'signedValue1'],
      ],
    );
    assert.equal(env.unsignedAttributes.signingAgent, 'NotationConformanceTest/1.0.0');
    assert.equal(envelopeError(() => verifyIntegrity(env)).detail, 'signature is invalid. Error: crypto/ecdsa: verification error');
  });
});

describe('notation envelope vectors: integrity of every verify / authentic-timestamp case', { skip: skipUnlessVectors(17, 'notation verify cases') }, () => {
  const verifyCases = cases.filter((c) => c.check === 'verify' || c.check === 'authentic-timestamp');
  it('covers the verify and authentic-timestamp cases', () => assert.ok(verifyCases.length >= 17, String(verifyCases.length)));
  for (const c of verifyCases) {
    const file = envelopeFile(c);
    const integrityFails = /integrity failure/.test(c.reason);
    it(`${c.id}: ${file ? (integrityFails ? 'integrity fails' : 'parses and integrity holds') : 'has no envelope'}`, () => {
      if (!file) {
        // e.g. connaisseur/notation/unsigned: nothing is attached, there is nothing to parse.
        assert.equal(c.expect, 'fail');
        return;
      }
      const mediaType = c.inputs.envelopeMediaType ?? (c.kind === 'notation-cose' ? COSE : JWS);
      const bytes = readFileSync(vectorPath(file));
      if (integrityFails) {
        const quoted = /"((?:[^"\\]|\\.)*)"/.exec(c.reason)![1]!;
        const e = envelopeError(() => verifyIntegrity(parseEnvelope(bytes, mediaType)));
        assert.equal(e.kind, 'integrity');
        assert.equal(e.detail, quoted);
        return;
      }
      const env = parseEnvelope(bytes, mediaType);
      verifyIntegrity(env);
      assert.equal(env.mediaType, mediaType);
      const { targetArtifact } = parsePayload(env);
      if (c.inputs.targetArtifact) {
        assert.equal(targetArtifact.digest, c.inputs.targetArtifact.digest);
        assert.equal(targetArtifact.size, c.inputs.targetArtifact.size);
        assert.equal(targetArtifact.mediaType, c.inputs.targetArtifact.mediaType);
      }
      checkCaseFacts(c, env, targetArtifact);
    });
  }
});

/** Facts the case reasons state about the envelope itself. */
function checkCaseFacts(c: VectorCase, env: SignatureEnvelope, target: ReturnType<typeof parsePayload>['targetArtifact']): void {
  const tst = env.unsignedAttributes.timestampSignature;
  if (/no timestamp countersignature/.test(c.reason)) assert.equal(tst, undefined);
  if (/RFC3161 countersignature|timestamp-after|with-timestamp/.test(c.reason + c.id)) assert.equal(tst?.[0], 0x30);
  if (/signingScheme notary\.x509\.signingAuthority/.test(c.reason)) {
    assert.equal(env.signedAttributes.signingScheme, 'notary.x509.signingAuthority');
    assert.ok(env.signedAttributes.authenticSigningTime);
  }
  const alg = /JWS (PS\d{3}|ES\d{3})/.exec(c.reason)?.[1];
  if (alg) assert.equal(env.signatureAlgorithm, alg.startsWith('PS') ? `RSASSA-PSS-SHA-${alg.slice(2)}` : `ECDSA-SHA-${alg.slice(2)}`);
  const digest = /digest (sha256:[0-9a-f]{64})/.exec(c.reason)?.[1];
  if (digest) assert.equal(target.digest, digest);
  const expired = /expired on \\?"([^"\\]+)\\?"/.exec(c.reason)?.[1];
  if (expired) assert.equal(env.signedAttributes.expiry?.toUTCString().replace('GMT', '+0000'), expired);
  if (/plugin-name/.test(c.reason)) {
    const attrs = Object.fromEntries(env.signedAttributes.extendedAttributes.map((a) => [a.key, [a.value, a.critical]]));
    assert.deepEqual(attrs, { SomeKey: ['SomeValue', true], 'io.cncf.notary.verificationPlugin': ['plugin-name', true] });
  }
  const meta = /payload annotations \{([^}]*)\}/.exec(c.reason)?.[1];
  if (meta) {
    const want = Object.fromEntries(meta.split(',').map((kv) => kv.split(':').map((s) => s.trim()) as [string, string]));
    assert.deepEqual(target.annotations, want);
  }
}

describe('notation e2e OCI layouts: every signature layer', { skip: skipUnlessVectors(7, 'notation e2e oci layouts') }, () => {
  const root = vectorsDir() === undefined ? '' : vectorPath('notation/test/e2e/testdata/registry/oci_layout');
  const layouts = root && existsSync(root) ? readdirSync(root).sort() : [];

  interface Sig {
    layout: string;
    layerMediaType: string;
    bytes: Buffer;
    subject: { digest: string; size: number; mediaType: string };
  }
  const sigs: Sig[] = [];
  for (const layout of layouts) {
    const blobs = join(root, layout, 'blobs', 'sha256');
    for (const name of readdirSync(blobs)) {
      let m: { config?: { mediaType?: string }; artifactType?: string; layers?: { mediaType: string; digest: string }[]; subject?: Sig['subject'] };
      try {
        m = JSON.parse(readFileSync(join(blobs, name), 'utf8')) as typeof m;
      } catch {
        continue;
      }
      const isSig = m.config?.mediaType === 'application/vnd.cncf.notary.signature' || m.artifactType === 'application/vnd.cncf.notary.signature';
      if (!isSig || !m.layers || m.layers.length !== 1 || !m.subject) continue;
      const layer = m.layers[0]!;
      sigs.push({ layout, layerMediaType: layer.mediaType, bytes: readFileSync(join(blobs, layer.digest.slice(7))), subject: m.subject });
    }
  }

  it('finds the signature manifests', () => assert.ok(sigs.length >= 7, `found ${sigs.length}`));
  for (const s of sigs) {
    it(`${s.layout}: ${s.layerMediaType}`, () => {
      if (s.layerMediaType !== JWS) {
        // e2e-invalid-signature: the layer is a plain tar blob, not a JWS.
        const e = envelopeError(() => parseEnvelope(s.bytes, JWS));
        assert.equal(e.kind, 'malformed');
        return;
      }
      const env = parseEnvelope(s.bytes, JWS);
      verifyIntegrity(env);
      // The signed descriptor is the manifest's subject: that is what binds signature and image.
      const { targetArtifact } = parsePayload(env);
      assert.equal(targetArtifact.digest, s.subject.digest);
      assert.equal(targetArtifact.size, s.subject.size);
      assert.equal(targetArtifact.mediaType, s.subject.mediaType);
      assert.equal(env.signatureAlgorithm, 'RSASSA-PSS-SHA-256');
    });
  }
});
