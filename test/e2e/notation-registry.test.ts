/**
 * End to end: the notation e2e OCI layouts (real `notation sign` output) loaded into a loopback
 * docker-registry (open and token-auth flavours) with pushLayout, then `ratify verify` run as a
 * child process (the built CLI, dist/) against the registry; and the same layouts verified
 * offline with `ratify verify --oci-layout`.
 *
 * docker-registry 2.8 has no referrers API, so signatures are found through the referrers tag
 * schema (`sha256-<subject hex>` index) the layouts carry. e2e-with-timestamped-signature links
 * its signature only through `subject`; `oras cp` would write the tag-schema index while copying
 * (oras-go maintains it for registries without the referrers API), pushLayout copies the layout
 * as it is, so the test adds that index itself (pushReferrersTagIndex).
 *
 * The timestamped signature's TSA root is in no repository, and its signing certificate
 * (CN=testcert7, carried in the envelope) and its expiry date are in the past: trusting that
 * certificate, strict fails on expiry, permissive logs expiry and the timestamp and passes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../harness/cli.js';
import { startRegistry, type RegistryFlavour, type RegistryHandle } from '../harness/registry.js';
import { pushLayout, pushManifest } from '../harness/load-layout.js';
import { writeRatifyConfig } from '../harness/ratify-config.js';
import { skipUnlessVectors, vectorPath } from '../harness/vectors.js';
import { parseEnvelope } from '../../src/verifiers/notation/envelope/index.js';

const LAYOUTS = 'notation/test/e2e/testdata/registry/oci_layout';
const KEYS = 'notation/test/e2e/testdata/config/localkeys';
const POLICIES = 'notation/test/e2e/testdata/config/trustpolicies';
const NOTARY = 'application/vnd.cncf.notary.signature';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const SUCCESS = 'Notation signature verification success';
const E2E_DN = 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US';
const TESTCERT7_DN = 'CN=testcert7,O=Notary,L=Seattle,ST=WA,C=US';
const SUBJECT = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';
const TS_SUBJECT = 'sha256:53b0191218aed9a3c1f7c661736ac40cfc8eb928642348fd843ba3f0483c0c20';
const SIGNATURE = 'sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f';
const EXPIRED_SIGNATURE = 'sha256:3829708badae8e4b14e1adbc2fac7182bc0c27c5b6f54153e8b68a12eab10a1e';
const TS_SIGNATURE = 'sha256:6a5cd3a886707a317935dcaf13954fc80ef9aeb665262b6ae4fe469ad7ea3aea';
const EXPIRED = 'digital signature has expired on "Tue, 27 Jun 2023 05:21:21 +0000"';
const TS_EXPIRED = 'digital signature has expired on "Tue, 21 Jan 2025 12:39:46 +0000"';
const INTEGRITY = 'unable to parse the digital signature, error : signature envelope format with media type "application/vnd.oci.image.layer.v1.tar" is not supported';

const LAYOUT = {
  valid: 'e2e-valid-signature',
  expired: 'e2e-expired-signature',
  invalid: 'e2e-invalid-signature',
  multi: 'e2e-valid-multiple-signatures',
  timestamped: 'e2e-with-timestamped-signature',
  unsigned: 'e2e',
} as const;
type LayoutName = keyof typeof LAYOUT;

const FLAVOURS: RegistryFlavour[] = ['open', 'token'];
const skip = skipUnlessVectors(FLAVOURS.length * 10 + 9, 'ratify verify against docker-registry with the notation e2e layouts');

interface Report {
  subject: string;
  isSuccess: boolean;
  referenceDigest?: string;
  artifactType?: string;
  message?: string;
  errorReason?: string;
  remediation?: string;
  extensions?: unknown;
}
interface CliVerify {
  code: number;
  stderr: string;
  out: { isSuccess: boolean; verifierReports: Report[] };
}

async function verify(args: string[], home: string): Promise<CliVerify> {
  const r = await runCli(['verify', ...args], { HOME: home, NO_COLOR: '1' });
  let out: CliVerify['out'];
  try {
    out = JSON.parse(r.stdout) as CliVerify['out'];
  } catch {
    assert.fail(`ratify verify printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, stderr: r.stderr, out };
}

/** The report of the one signature (by digest); asserts it is there exactly once. */
function reportFor(v: CliVerify, digest: string): Report {
  const rs = v.out.verifierReports.filter((r) => r.referenceDigest === digest);
  assert.equal(rs.length, 1, `one report for ${digest}: ${JSON.stringify(v.out)}`);
  return rs[0]!;
}

function assertVerified(v: CliVerify, subject: string, signature: string, signer = E2E_DN): void {
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.out.isSuccess, true);
  const r = reportFor(v, signature);
  assert.equal(r.subject, subject);
  assert.equal(r.isSuccess, true);
  assert.equal(r.artifactType, NOTARY);
  assert.equal(r.message, SUCCESS);
  assert.deepEqual(r.extensions, { Issuer: signer, SN: signer });
}

function assertRejected(v: CliVerify, signature: string, errorReason: string): Report {
  assert.equal(v.code, 1, v.stderr);
  assert.equal(v.out.isSuccess, false);
  const r = reportFor(v, signature);
  assert.equal(r.isSuccess, false);
  assert.equal(r.errorReason, errorReason);
  assert.ok(r.message?.startsWith(`Failed to validate the Notation signature: {Descriptor:{MediaType:${OCI_MANIFEST} Digest:${signature} `), r.message);
  return r;
}

/** Configs shared by both runs: notation verifier (verificationCerts + trustPolicyDoc), "any" signature must verify. */
interface Configs {
  strict: string;
  permissive: string;
  tsStrict: string;
  tsPermissive: string;
}

async function writeConfigs(dir: string, store: Record<string, unknown>): Promise<Configs> {
  const e2eCert = vectorPath(KEYS, 'e2e.crt');
  // The timestamped signature's signer, taken from its own envelope (x5c).
  const tsLayout = vectorPath(LAYOUTS, LAYOUT.timestamped);
  const sigManifest = JSON.parse(await readFile(join(tsLayout, 'blobs', 'sha256', TS_SIGNATURE.slice(7)), 'utf8')) as { layers: Array<{ digest: string; mediaType: string }> };
  const env = parseEnvelope(await readFile(join(tsLayout, 'blobs', 'sha256', sigManifest.layers[0]!.digest.slice(7))), sigManifest.layers[0]!.mediaType);
  const testcert7 = join(dir, 'testcert7.pem');
  await writeFile(testcert7, new X509Certificate(env.certificateChain[0]!.der).toString());

  const write = async (name: string, certs: string[], trustPolicyDoc: unknown) => {
    const path = join(dir, `${name}.json`);
    await writeFile(
      path,
      JSON.stringify({
        store: { version: '1.0.0', plugins: [store] },
        policy: { version: '1.0.0', plugin: { name: 'configPolicy', artifactVerificationPolicies: { [NOTARY]: 'any' } } },
        verifier: { version: '1.0.0', plugins: [{ name: 'notation', artifactTypes: NOTARY, verificationCerts: certs, trustPolicyDoc }] },
      }),
    );
    return path;
  };
  const policyFile = async (f: string) => JSON.parse(await readFile(vectorPath(POLICIES, f), 'utf8')) as unknown;
  const tsPolicy = (level: string) => ({ version: '1.0', trustPolicies: [{ name: 'ts', registryScopes: ['*'], signatureVerification: { level }, trustStores: ['ca:testcert7'], trustedIdentities: ['*'] }] });
  return {
    strict: await write('strict', [e2eCert], await policyFile('trustpolicy.json')),
    permissive: await write('permissive', [e2eCert], await policyFile('permissive_trustpolicy.json')),
    tsStrict: await write('ts-strict', [testcert7], tsPolicy('strict')),
    tsPermissive: await write('ts-permissive', [testcert7], tsPolicy('permissive')),
  };
}

/** What oras-go does when copying a referrer to a registry without the referrers API: list it in the `sha256-<hex>` index. */
async function pushReferrersTagIndex(reg: RegistryHandle, repo: string, layoutDir: string, subject: string): Promise<string[]> {
  const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; mediaType: string; size: number }> };
  const referrers = [];
  for (const d of index.manifests) {
    if (d.mediaType !== OCI_MANIFEST) continue;
    const m = JSON.parse(await readFile(join(layoutDir, 'blobs', 'sha256', d.digest.slice(7)), 'utf8')) as {
      subject?: { digest: string };
      artifactType?: string;
      config: { mediaType: string };
      annotations?: Record<string, string>;
    };
    if (m.subject?.digest !== subject) continue;
    referrers.push({ mediaType: OCI_MANIFEST, digest: d.digest, size: d.size, artifactType: m.artifactType ?? m.config.mediaType, ...(m.annotations ? { annotations: m.annotations } : {}) });
  }
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: referrers }));
  await pushManifest(reg, repo, `sha256-${subject.slice(7)}`, OCI_INDEX, body);
  return referrers.map((r) => r.digest);
}

for (const flavour of FLAVOURS) {
  describe(`ratify verify: notation e2e layouts on a ${flavour} docker-registry`, { skip }, () => {
    let reg: RegistryHandle;
    let dir: string;
    let home: string;
    let cfg: Configs;
    const ref = (name: LayoutName, tagOrDigest = ':v1') => `${reg.host}/e2e/${name}${tagOrDigest}`;

    before(async () => {
      reg = await startRegistry(flavour);
      for (const [name, layout] of Object.entries(LAYOUT)) {
        const pushed = await pushLayout(reg, vectorPath(LAYOUTS, layout), `e2e/${name}`);
        assert.ok(pushed.tags.v1, `${layout} has tag v1`);
      }
      const listed = await pushReferrersTagIndex(reg, 'e2e/timestamped', vectorPath(LAYOUTS, LAYOUT.timestamped), TS_SUBJECT);
      assert.deepEqual(listed, [TS_SIGNATURE]);
      // The harness writes the oras store entry (useHttp, docker config with the credentials) into a temp dir.
      const rc = await writeRatifyConfig(reg);
      dir = rc.dir;
      home = join(dir, 'home');
      cfg = await writeConfigs(dir, rc.store);
    });
    after(async () => {
      await reg?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('valid signature, strict: exit 0, Issuer/SN of the e2e signer', async () => {
      assertVerified(await verify(['-s', ref('valid'), '-c', cfg.strict], home), ref('valid'), SIGNATURE);
    });

    it('valid signature by digest', async () => {
      assertVerified(await verify(['-s', ref('valid', `@${SUBJECT}`), '-c', cfg.strict], home), ref('valid', `@${SUBJECT}`), SIGNATURE);
    });

    it('expired signature, strict: exit 1, "digital signature has expired on ..."', async () => {
      const r = assertRejected(await verify(['-s', ref('expired'), '-c', cfg.strict], home), EXPIRED_SIGNATURE, EXPIRED);
      assert.match(r.remediation ?? '', /expired/);
    });

    it('expired signature, permissive: expiry is only logged, exit 0', async () => {
      assertVerified(await verify(['-s', ref('expired'), '-c', cfg.permissive], home), ref('expired'), EXPIRED_SIGNATURE);
    });

    it('invalid signature: integrity failure at strict and at permissive', async () => {
      for (const config of [cfg.strict, cfg.permissive]) {
        const v = await verify(['-s', ref('invalid'), '-c', config, '--explain'], home);
        assert.equal(v.out.verifierReports.length, 1);
        const r = assertRejected(v, v.out.verifierReports[0]!.referenceDigest!, INTEGRITY);
        assert.match(r.remediation ?? '', /malformed or was tampered/);
        assert.match(v.stderr, /integrity \[enforce\]: unable to parse the digital signature/);
      }
    });

    it('multiple signatures: the tag-schema index lists the e2e one, which verifies', async () => {
      const v = await verify(['-s', ref('multi'), '-c', cfg.strict], home);
      assertVerified(v, ref('multi'), SIGNATURE);
      assert.equal(v.out.verifierReports.length, 1, 'docker-registry 2.8 cannot find the subject-only second signature');
    });

    it('timestamped signature: found through the tag schema; strict fails on its expiry', async () => {
      assertRejected(await verify(['-s', ref('timestamped'), '-c', cfg.tsStrict], home), TS_SIGNATURE, TS_EXPIRED);
    });

    it('timestamped signature, permissive: passes, signed by testcert7', async () => {
      assertVerified(await verify(['-s', ref('timestamped'), '-c', cfg.tsPermissive], home), ref('timestamped'), TS_SIGNATURE, TESTCERT7_DN);
    });

    it('the e2e signature is not trusted by the testcert7 config', async () => {
      assertRejected(await verify(['-s', ref('valid'), '-c', cfg.tsStrict], home), SIGNATURE, "the signature's certificate chain does not contain any trusted certificate");
    });

    it('unsigned image: exit 1, no verification results', async () => {
      const v = await verify(['-s', ref('unsigned'), '-c', cfg.strict], home);
      assert.equal(v.code, 1, v.stderr);
      assert.equal(v.out.isSuccess, false);
      assert.equal(v.out.verifierReports.length, 1);
      assert.match(v.out.verifierReports[0]!.errorReason ?? '', /^No verification results for the artifact /);
    });
  });
}

describe('ratify verify --oci-layout: notation e2e layouts offline', { skip }, () => {
  let dir: string;
  let home: string;
  let cfg: Configs;
  const layout = (name: LayoutName) => `${vectorPath(LAYOUTS, LAYOUT[name])}:v1`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-e2e-notation-layout-'));
    home = join(dir, 'home');
    // The store section is not used with --oci-layout (the layout is the only store).
    cfg = await writeConfigs(dir, { name: 'oras' });
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('valid signature, strict: exit 0', async () => {
    assertVerified(await verify(['--oci-layout', '-s', layout('valid'), '-c', cfg.strict], home), layout('valid'), SIGNATURE);
  });

  it('expired signature: strict exit 1, permissive exit 0', async () => {
    assertRejected(await verify(['--oci-layout', '-s', layout('expired'), '-c', cfg.strict], home), EXPIRED_SIGNATURE, EXPIRED);
    assertVerified(await verify(['--oci-layout', '-s', layout('expired'), '-c', cfg.permissive], home), layout('expired'), EXPIRED_SIGNATURE);
  });

  it('invalid signature: integrity failure', async () => {
    const v = await verify(['--oci-layout', '-s', layout('invalid'), '-c', cfg.strict], home);
    assertRejected(v, v.out.verifierReports[0]!.referenceDigest!, INTEGRITY);
  });

  it('multiple signatures: both found through subject; "any" passes', async () => {
    const v = await verify(['--oci-layout', '-s', layout('multi'), '-c', cfg.strict], home);
    assertVerified(v, layout('multi'), SIGNATURE);
    assert.equal(v.out.verifierReports.length, 2);
    const other = v.out.verifierReports.find((r) => r.referenceDigest !== SIGNATURE)!;
    assert.equal(other.isSuccess, false);
    assert.equal(other.errorReason, "the signature's certificate chain does not contain any trusted certificate");
  });

  it('timestamped signature: strict fails on expiry, permissive passes', async () => {
    assertRejected(await verify(['--oci-layout', '-s', layout('timestamped'), '-c', cfg.tsStrict], home), TS_SIGNATURE, TS_EXPIRED);
    assertVerified(await verify(['--oci-layout', '-s', layout('timestamped'), '-c', cfg.tsPermissive], home), layout('timestamped'), TS_SIGNATURE, TESTCERT7_DN);
  });

  it('unsigned layout: exit 1', async () => {
    const v = await verify(['--oci-layout', '-s', layout('unsigned'), '-c', cfg.strict], home);
    assert.equal(v.code, 1, v.stderr);
    assert.match(v.out.verifierReports[0]!.errorReason ?? '', /^No verification results for the artifact /);
  });
});

describe('ratify verify: an invalid trust policy is a configuration error', { skip }, () => {
  it('exits 2 naming the rule that failed, for each invalid policy file of the notation e2e suite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ratify-bad-policy-'));
    try {
      const cases: Array<[string, RegExp]> = [
        ['override_integrity_for_permissive_trustpolicy.json', /"integrity" verification can not be overridden/],
        ['unset_trusted_identity_trustpolicy.json', /is either missing trust stores or trusted identities/],
        ['wildcard_plus_other_trusted_identity_trustpolicy.json', /wildcard identity cannot be used in conjunction with other values/],
        ['malformed_trust_store_trustpolicy.json', /unsupported trust store name "" in trust store value "ca:"/],
      ];
      for (const [file, rule] of cases) {
        const doc = JSON.parse(await readFile(vectorPath('notation/test/e2e/testdata/config/trustpolicies', file), 'utf8')) as unknown;
        const cfgPath = join(dir, file);
        await writeFile(
          cfgPath,
          JSON.stringify({
            store: { plugins: [{ name: 'oras' }] },
            policy: { plugin: { name: 'configPolicy' } },
            verifier: { plugins: [{ name: 'notation', artifactTypes: 'application/vnd.cncf.notary.signature', verificationCerts: [vectorPath(KEYS, 'e2e.crt')], trustPolicyDoc: doc }] },
          }),
        );
        const r = await runCli(['verify', '--oci-layout', '-s', `${vectorPath(LAYOUTS, LAYOUT.valid)}:v1`, '-c', cfgPath], { HOME: dir });
        assert.equal(r.code, 2, `${file}: ${r.stdout}`);
        assert.match(r.stderr, /CONFIG_INVALID/, file);
        assert.match(r.stderr, rule, file);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
