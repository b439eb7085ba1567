/**
 * Issue 11 part 1 through the CLI process: an `oci-layout` store in config.json answers only for
 * the subjects it owns. Before the store router, `ratify verify -s evil.example.com/malware:v1`
 * exited 0 "verified" with such a config, because the layout answered any subject by its tag.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OciLayoutWriter } from '../../src/stores/ocilayout/writer.js';
import { runCli } from '../harness/cli.js';

const SPDX = 'application/spdx+json';
const SBOM = JSON.stringify({
  spdxVersion: 'SPDX-2.3',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: 'app',
  creationInfo: { created: '2026-01-01T00:00:00Z', creators: ['Tool: ratify-ts-test'] },
  packages: [{ SPDXID: 'SPDXRef-0', name: 'left-pad', versionInfo: '1.3.0', licenseConcluded: 'MIT', downloadLocation: 'NOASSERTION' }],
});

/** A module store that, like a naive plugin, answers every subject with the same SBOM-carrying image. */
const NAIVE_STORE = `
import { createHash } from 'node:crypto';
const sbom = Buffer.from(${JSON.stringify(SBOM)});
const d = (b) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const image = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('image'), size: 5 };
const blob = { mediaType: '${SPDX}', digest: d(sbom), size: sbom.length };
export default {
  resolve: async () => image,
  async *listReferrers() { yield { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('referrer'), size: 8, artifactType: '${SPDX}' }; },
  fetchManifest: async () => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: '${SPDX}', blobs: [blob] }),
  fetchBlob: async () => sbom,
};
`;

describe('ratify verify: stores answer only for the subjects they own', () => {
  let dir: string;
  let layout: string;
  let digest: string;
  let sbomReferrer: string;
  const env = () => ({ HOME: join(dir, 'home') });
  const config = async (name: string, plugins: unknown[]) => {
    const p = join(dir, `${name}.json`);
    await writeFile(
      p,
      JSON.stringify({
        store: { version: '1.0.0', plugins },
        policy: { version: '1.0.0', plugin: { name: 'configPolicy', artifactVerificationPolicies: { [SPDX]: 'all' } } },
        verifier: { version: '1.0.0', plugins: [{ name: 'sbom', artifactTypes: SPDX, disallowedLicenses: ['GPL-3.0'] }] },
      }),
    );
    return p;
  };
  let unscoped: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-cli-scope-'));
    layout = join(dir, 'layout');
    const w = new OciLayoutWriter(layout);
    const img = w.image('v1');
    digest = img.digest;
    sbomReferrer = w.attach(img, SPDX, [{ mediaType: SPDX, data: SBOM }]).digest;
    await w.write();
    await writeFile(join(dir, 'naive-store.mjs'), NAIVE_STORE);
    unscoped = await config('unscoped', [{ name: 'oci-layout', path: './layout' }]);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const subject of ['evil.example.com/malware:v1', '127.0.0.1:59999/app:v1', `evil.example.com/malware@${'sha256:' + 'e'.repeat(64)}`]) {
    it(`a layout without scopes does not verify ${subject} (exit 1, NO_MATCHING_STORE)`, async () => {
      const r = await runCli(['verify', '-c', unscoped, '-s', subject], env());
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.isSuccess, false);
      assert.equal(out.verifierReports.length, 1);
      const rep = out.verifierReports[0];
      assert.equal(rep.subject, subject);
      assert.match(rep.errorReason, /^NO_MATCHING_STORE: no configured store serves subject /);
      assert.match(rep.errorReason, /"oci-layout" \(OCI layout .*\/layout: no scopes/);
      assert.match(rep.remediation, /Add a scope such as .* to the "scopes" of store "oci-layout"/);
      assert.match(r.stderr, /Not verified: NO_MATCHING_STORE: /);
    });
  }

  it('the same layout verifies subjects that name it (relative to the working directory, or absolute)', async () => {
    for (const subject of [`${layout}:v1`, `${layout}@${digest}`, './layout:v1', `./layout/../layout@${digest}`]) {
      const r = await runCli(['verify', '-c', unscoped, '-s', subject], env(), { cwd: dir });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(JSON.parse(r.stdout).isSuccess, true);
    }
  });

  it('a scoped layout answers for its repository and nothing else', async () => {
    const scoped = await config('scoped', [{ name: 'oci-layout', path: './layout', scopes: ['registry.example.com/app'] }]);
    const ok = await runCli(['verify', '-c', scoped, '-s', 'registry.example.com/app:v1', '--explain'], env());
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(JSON.parse(ok.stdout).isSuccess, true);
    assert.match(ok.stderr, /stores: oci-layout/);
    for (const subject of ['registry.example.com/other:v1', 'REGISTRY.example.com/app2:v1', 'evil.example.com/app:v1']) {
      const r = await runCli(['verify', '-c', scoped, '-s', subject], env());
      assert.equal(r.code, 1, subject);
      assert.match(JSON.parse(r.stdout).verifierReports[0].errorReason, /^NO_MATCHING_STORE: .*scopes registry\.example\.com\/app, and subjects naming the layout/);
    }
    // The host is compared in one form: an upper-case spelling reaches the same scope.
    const upper = await runCli(['verify', '-c', scoped, '-s', 'REGISTRY.EXAMPLE.COM/app:v1'], env());
    assert.equal(upper.code, 0, upper.stdout + upper.stderr);
    assert.equal(JSON.parse(upper.stdout).verifierReports[0].subject, 'registry.example.com/app:v1');
  });

  it('a plugin store with scopes answers only inside them; the most specific store wins', async () => {
    const cfg = await config('plugin', [
      { name: 'naive', module: './naive-store.mjs', scopes: ['registry.example.com/*'] },
      { name: 'oci-layout', path: './layout', scopes: ['registry.example.com/app'] },
    ]);
    const fromPlugin = await runCli(['verify', '-c', cfg, '-s', 'registry.example.com/team/x:v1', '--explain'], env());
    assert.equal(fromPlugin.code, 0, fromPlugin.stdout + fromPlugin.stderr);
    assert.match(fromPlugin.stderr, /stores: naive/);
    const fromLayout = await runCli(['verify', '-c', cfg, '-s', 'registry.example.com/app:v1', '--explain'], env());
    assert.equal(fromLayout.code, 0, fromLayout.stdout + fromLayout.stderr);
    assert.match(fromLayout.stderr, /stores: oci-layout\n/);
    assert.equal(JSON.parse(fromLayout.stdout).verifierReports[0].referenceDigest, sbomReferrer);
    assert.notEqual(JSON.parse(fromPlugin.stdout).verifierReports[0].referenceDigest, sbomReferrer);
    const outside = await runCli(['verify', '-c', cfg, '-s', 'evil.example.com/malware:v1'], env());
    assert.equal(outside.code, 1);
    assert.match(JSON.parse(outside.stdout).verifierReports[0].errorReason, /"naive" \(scopes registry\.example\.com\/\*\)/);
  });

  it('discover, resolve and referrer refuse a subject no store owns (exit 2, NO_MATCHING_STORE)', async () => {
    for (const args of [
      ['discover', '-s', 'evil.example.com/malware:v1'],
      ['resolve', '-s', 'evil.example.com/malware:v1'],
      ['referrer', 'show-manifest', '--store', 'oci-layout', '-d', digest, '-s', 'evil.example.com/malware:v1'],
      ['referrer', 'show-blob', '--store', 'oci-layout', '-d', digest, '-s', 'evil.example.com/malware:v1'],
    ]) {
      const r = await runCli([...args, '-c', unscoped], env());
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /NO_MATCHING_STORE: /, args.join(' '));
    }
    const own = await runCli(['resolve', '-c', unscoped, '-s', `${layout}:v1`], env());
    assert.equal(own.code, 0, own.stderr);
    assert.equal(own.stdout.trim(), digest);
  });
});
