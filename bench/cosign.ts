import { X509Certificate, verify as cryptoVerify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backgroundContext } from '../src/context.js';
import { MediaType } from '../src/oci/mediatypes.js';
import { silentLogger } from '../src/observability/logger.js';
import { parseBundle } from '../src/crypto/sigstore/bundle.js';
import { parseTrustedRoot } from '../src/crypto/sigstore/trusted-root.js';
import { verifySigstore } from '../src/crypto/sigstore/verify.js';
import { createCosignVerifier } from '../src/verifiers/cosign/verifier.js';
import type { VerifyInput } from '../src/verifiers/types.js';
import { MemoryStore } from '../test/helpers/memory-store.js';
import * as fx from '../test/helpers/cosign-fixtures.js';
import { row } from './stats.js';

/**
 * Cosign verification throughput, each row against a baseline measured in the same run: the bare
 * signature check (node:crypto verify of the very same signature) that any verifier must do at
 * least once. The ratio says how many raw verifications one full verification costs.
 *  - keyless bundles with a transparency log entry (DSSE attestation: Fulcio chain, SET, inclusion
 *    proof, checkpoint, identity), through the Sigstore core and through the cosign verifier;
 *  - legacy key-based `.sig` signatures (simple-signing payload, ECDSA P-256), likewise.
 */

const SAN = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

/**
 * Operations per second of each function, measured in interleaved slices (A, B, C, A, B, C, ...)
 * so that a machine whose load changes during the run affects all rows alike, after a warm-up
 * long enough for the JIT.
 */
async function throughputs(fns: Record<string, () => unknown>, rounds = 8, sliceMs = 200): Promise<Record<string, number>> {
  const names = Object.keys(fns);
  for (const n of names) for (let i = 0; i < 200; i++) await fns[n]!();
  const count: Record<string, number> = {};
  const time: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    for (const n of names) {
      const fn = fns[n]!;
      let k = 0;
      const t0 = performance.now();
      let t = t0;
      while (t - t0 < sliceMs) {
        for (let i = 0; i < 5; i++) await fn();
        k += 5;
        t = performance.now();
      }
      count[n] = (count[n] ?? 0) + k;
      time[n] = (time[n] ?? 0) + (t - t0);
    }
  }
  return Object.fromEntries(names.map((n) => [n, (count[n]! * 1000) / time[n]!]));
}

function signatureManifest(store: MemoryStore, subject: { mediaType: string; digest: string; size: number }, layer: { mediaType: string; data: Buffer; annotations?: Record<string, string> }, artifactType: string) {
  const cfg = store.putBlob('{}');
  const b = store.putBlob(layer.data);
  const m = store.putManifest({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
    layers: [{ mediaType: layer.mediaType, digest: b.digest, size: b.size, ...(layer.annotations ? { annotations: layer.annotations } : {}) }],
  });
  return { ...m, artifactType };
}

export async function benchCosign(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ratify-bench-cosign-'));
  try {
    const fixture = await fx.createSigstoreFixture();
    const rootPath = join(dir, 'trusted_root.json');
    await writeFile(rootPath, JSON.stringify(fixture.trustedRoot));
    const trust = parseTrustedRoot(fixture.trustedRoot, rootPath);
    const ctx = backgroundContext(silentLogger());
    const store = new MemoryStore();
    const { ref, desc } = store.addSubject('bench/app', 'v1');

    // Keyless DSSE bundle with a Rekor entry (SET + inclusion proof + checkpoint).
    const signer = await fx.keylessSignerOf(fixture, { san: SAN, issuer: ISSUER });
    const bundleJson = await fx.dsseBundle(fixture, signer, fx.inTotoStatement(desc.digest, 'https://slsa.dev/provenance/v1'), { tlog: true });
    const bundleBytes = Buffer.from(JSON.stringify(bundleJson));
    const bundle = parseBundle(bundleBytes);
    const env = bundle.content.$case === 'dsseEnvelope' ? bundle.content.dsseEnvelope : undefined;
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(env!.payloadType)} ${env!.payloadType} ${env!.payload.length} `), env!.payload]);
    const leaf = new X509Certificate(signer.certificate!);
    const rootKey = new X509Certificate(fixture.ca.rootCertificate).publicKey;
    const entry = bundle.verificationMaterial.tlogEntries[0]!;
    // The signed entry timestamp covers the canonical JSON of these four fields (keys sorted).
    const setPayload = Buffer.from(
      JSON.stringify({ body: Buffer.from(entry.canonicalizedBody).toString('base64'), integratedTime: Number(entry.integratedTime), logID: Buffer.from(entry.logId.keyId).toString('hex'), logIndex: Number(entry.logIndex) }),
    );
    const logKey = trust.material.tlogs[0]!.publicKey;
    const dsseRaw = () => {
      if (!cryptoVerify('sha256', pae, leaf.publicKey, env!.signatures[0]!.sig)) throw new Error('baseline signature does not verify');
    };
    const allRaw = () => {
      dsseRaw();
      if (!leaf.verify(rootKey)) throw new Error('baseline certificate does not verify');
      if (!cryptoVerify('sha256', setPayload, logKey, entry.inclusionPromise!.signedEntryTimestamp)) throw new Error('baseline SET does not verify');
    };
    const policy = { identity: { subject: SAN, issuer: ISSUER }, tlogThreshold: 1, ctlogThreshold: 0, ignoreSct: true, timestampThreshold: 1 };
    const keyless = await createCosignVerifier(
      {
        name: 'cosign',
        artifactTypes: fx.BUNDLE_V03,
        trustedRootPath: rootPath,
        trustPolicies: [{ name: 'keyless', scopes: ['*'], keyless: { ctLogVerify: false, certificateIdentity: SAN, certificateOIDCIssuer: ISSUER } }],
      },
      { rt: { home: dir, env: {} } },
    );
    const bundleInput: VerifyInput = { subject: ref, subjectDescriptor: desc, referrer: signatureManifest(store, desc, { mediaType: fx.BUNDLE_V03, data: bundleBytes }, fx.BUNDLE_V03), store };
    const check = await keyless.verify(bundleInput, ctx);
    if (!check.isSuccess) throw new Error(`bench bundle does not verify: ${JSON.stringify(check.extensions)}`);
    const kl = await throughputs({
      dsseRaw,
      allRaw,
      core: () => verifySigstore(trust.material, { bundle: parseBundle(bundleBytes) }, policy),
      verifier: () => keyless.verify(bundleInput, ctx),
    });

    // Legacy key-based simple-signing signature (cosign sign --key, tlog upload off).
    const keys = fx.ecKeyPair();
    const layer = await fx.legacySignatureLayer(fixture, fx.keyedSigner(keys.privateKey, keys.publicKey), fx.simpleSigningPayload(desc.digest));
    const keyPath = join(dir, 'cosign.pub');
    await writeFile(keyPath, fx.publicKeyPem(keys.publicKey));
    const keyed = await createCosignVerifier(
      { name: 'cosign', artifactTypes: fx.COSIGN_SIG_ARTIFACT, trustPolicies: [{ name: 'key', scopes: ['*'], keys: [{ file: keyPath }], tLogVerify: false }] },
      { rt: { home: dir, env: {} } },
    );
    const keyInput: VerifyInput = {
      subject: ref,
      subjectDescriptor: desc,
      referrer: signatureManifest(store, desc, { mediaType: fx.SIMPLE_SIGNING, data: layer.payload, annotations: layer.annotations }, fx.COSIGN_SIG_ARTIFACT),
      store,
    };
    if (!(await keyed.verify(keyInput, ctx)).isSuccess) throw new Error('bench key-based signature does not verify');
    const legacy = await createCosignVerifier({ name: 'cosign', artifactTypes: fx.COSIGN_SIG_ARTIFACT, key: keyPath }, { rt: { home: dir, env: {} } });
    const kb = await throughputs({
      raw: () => {
        if (!cryptoVerify('sha256', layer.payload, keys.publicKey, layer.signature)) throw new Error('baseline signature does not verify');
      },
      policy: () => keyed.verify(keyInput, ctx),
      legacy: () => legacy.verify(keyInput, ctx),
    });

    const w = [62, 12, 12, 12, 12];
    const line = (what: string, ops: number, base: number, base2?: number) =>
      console.log(row([what, ops.toFixed(0), (1e6 / ops).toFixed(1), (base / ops).toFixed(2), base2 === undefined ? '' : (base2 / ops).toFixed(2)], w));
    console.log('\n== cosign verification throughput (one core; self-made Fulcio CA (P-384) and Rekor, P-256 signatures) ==');
    console.log('keyless bundle with tlog: DSSE attestation, Fulcio chain, SET + inclusion proof + checkpoint, identity');
    console.log(row(['measurement', 'per second', 'µs each', 'x sig', 'x all sigs'], w));
    line('  baseline: crypto.verify of the DSSE signature', kl.dsseRaw!, kl.dsseRaw!, kl.allRaw!);
    line('  baseline: DSSE + certificate + SET signatures, raw', kl.allRaw!, kl.dsseRaw!, kl.allRaw!);
    line('  Sigstore core: verifySigstore (parse + every check)', kl.core!, kl.dsseRaw!, kl.allRaw!);
    line('  cosign verifier: manifest, layer, bundle, policy, extensions', kl.verifier!, kl.dsseRaw!, kl.allRaw!);
    console.log('legacy key-based .sig signature: simple-signing payload, ECDSA P-256 key file, no tlog');
    console.log(row(['measurement', 'per second', 'µs each', 'x sig', ''], w));
    line('  baseline: crypto.verify of the same signature', kb.raw!, kb.raw!);
    line('  cosign verifier, trust policy with a key file', kb.policy!, kb.raw!);
    line('  cosign verifier, legacy "key" mode', kb.legacy!, kb.raw!);
    console.log('(x = how many baseline operations one verification costs; lower is better)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
