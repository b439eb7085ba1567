import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OciLayoutWriter } from '../../src/stores/ocilayout/writer.js';
import { runCli } from '../harness/cli.js';

const SPDX = 'application/spdx+json';
const SARIF = 'application/sarif+json';

function spdx(packages: Array<{ name: string; version: string; license: string }>): string {
  return JSON.stringify({
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: 'sample',
    documentNamespace: 'https://example.com/sample',
    creationInfo: { created: '2026-01-01T00:00:00Z', creators: ['Tool: ratify-ts-test'] },
    packages: packages.map((p, i) => ({ SPDXID: `SPDXRef-${i}`, name: p.name, versionInfo: p.version, licenseConcluded: p.license, downloadLocation: 'NOASSERTION' })),
  });
}

describe('ratify verify (offline, OCI layout)', () => {
  let dir: string;
  let layout: string;
  let config: string;
  let home: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-verify-'));
    home = join(dir, 'home');
    layout = join(dir, 'layout');
    const w = new OciLayoutWriter(layout);
    const clean = w.image('clean');
    w.attach(clean, SPDX, [{ mediaType: SPDX, data: spdx([{ name: 'left-pad', version: '1.3.0', license: 'MIT OR GPL-3.0' }]) }]);
    const gpl = w.image('gpl');
    w.attach(gpl, SPDX, [{ mediaType: SPDX, data: spdx([{ name: 'readline', version: '8.2', license: 'GPL-3.0' }]) }]);
    w.image('bare');
    await w.write();
    config = join(dir, 'config.json');
    await writeFile(
      config,
      JSON.stringify({
        store: { version: '1.0.0', plugins: [{ name: 'oras' }] },
        policy: { version: '1.0.0', plugin: { name: 'configPolicy', artifactVerificationPolicies: { [SPDX]: 'all' } } },
        verifier: { version: '1.0.0', plugins: [{ name: 'sbom', artifactTypes: SPDX, disallowedLicenses: ['GPL-3.0'] }] },
      }),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const env = () => ({ HOME: home });

  it('exits 0 and prints Ratify’s result JSON when the policy allows', async () => {
    const r = await runCli(['verify', '--oci-layout', '-s', `${layout}:clean`, '-c', config], env());
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.isSuccess, true);
    assert.equal(out.verifierReports.length, 1);
    const rep = out.verifierReports[0];
    assert.deepEqual(Object.keys(rep).slice(0, 8), ['subject', 'isSuccess', 'name', 'verifierName', 'type', 'verifierType', 'referenceDigest', 'artifactType']);
    assert.equal(rep.subject, `${layout}:clean`);
    assert.equal(rep.message, 'SBOM verification success. No license or package violation found.');
    assert.match(r.stdout, /^\{\n  "isSuccess": true,\n/, 'two-space indented like Ratify');
  });

  it('exits 1 when the policy says no, keeping the verifier’s reason', async () => {
    const r = await runCli(['verify', '--oci-layout', '-s', `${layout}:gpl`, '-c', config], env());
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.isSuccess, false, 'isSuccess is present even when false');
    assert.equal(out.verifierReports[0].message, 'SBOM validation failed');
    assert.deepEqual(out.verifierReports[0].extensions.licenseViolations.map((v: { Name: string }) => v.Name), ['readline']);
  });

  it('exits 1 with Ratify’s NO_VERIFIER_REPORT report for an image with nothing attached', async () => {
    const r = await runCli(['verify', '--oci-layout', '-s', `${layout}:bare`, '-c', config], env());
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out, {
      isSuccess: false,
      verifierReports: [
        {
          subject: `${layout}:bare`,
          isSuccess: false,
          message: `failed to verify artifact: ${layout}:bare`,
          errorReason: `No verification results for the artifact ${layout}:bare. Ensure verifiers are properly configured and that artifact metadata is attached`,
        },
      ],
    });
  });

  it('prints a readable tree with -o text (no colour when not a terminal)', async () => {
    const r = await runCli(['verify', '--oci-layout', '-o', 'text', '-s', `${layout}:gpl`, '-c', config], env());
    assert.equal(r.code, 1);
    assert.ok(!r.stdout.includes('\u001b['), 'no ANSI escapes in a pipe');
    assert.match(r.stdout, /^✗ .*:gpl {2}not verified \(configpolicy\)\n└── ✗ \[application\/spdx\+json\] sha256:[0-9a-f]{64}\n {4}├── sbom: SBOM validation failed\n/);
  });

  it('--explain traces referrers, checks, policy rule and timings on stderr', async () => {
    const r = await runCli(['verify', '--oci-layout', '--explain', '-s', `${layout}:gpl`, '-c', config], env());
    assert.equal(r.code, 1);
    JSON.parse(r.stdout);
    assert.match(r.stderr, /explain: .*:gpl → sha256:/);
    assert.match(r.stderr, /policy configpolicy: deny "all" for application\/spdx\+json/);
    assert.match(r.stderr, /verifier sbom \(sbom\) [\d.]+ ms: SBOM validation failed/);
    assert.match(r.stderr, /timings:\n {4}resolve subject/);
    assert.match(r.stderr, /registry: 0 requests/);
  });

  it('applies a CEL policy over the nested report shape', async () => {
    const cel = join(dir, 'cel.json');
    await writeFile(
      cel,
      JSON.stringify({
        store: { plugins: [{ name: 'oras' }] },
        policy: { plugin: { name: 'celPolicy', expression: `artifacts.exists(a, a.artifactType == '${SPDX}') && reports.all(r, r.isSuccess)` } },
        verifier: { plugins: [{ name: 'sbom', artifactTypes: SPDX, disallowedLicenses: ['GPL-3.0'] }] },
      }),
    );
    const ok = await runCli(['verify', '--oci-layout', '-s', `${layout}:clean`, '-c', cel], env());
    assert.equal(ok.code, 0, ok.stderr);
    const out = JSON.parse(ok.stdout);
    assert.deepEqual(Object.keys(out.verifierReports[0]), ['subject', 'referenceDigest', 'artifactType', 'verifierReports', 'nestedReports']);
    const bare = await runCli(['verify', '--oci-layout', '-s', `${layout}:bare`, '-c', cel], env());
    assert.equal(bare.code, 1);
  });

  it('filters referrers with -t', async () => {
    const r = await runCli(['verify', '--oci-layout', '-t', SARIF, '-s', `${layout}:clean`, '-c', config], env());
    assert.equal(r.code, 1, 'no SARIF report attached, so nothing verified');
  });

  it('fails closed with exit 2 when the deadline passes', async () => {
    const r = await runCli(['verify', '--oci-layout', '--timeout', '1ms', '-s', `${layout}:clean`, '-c', config], env());
    assert.equal(r.code, 2);
    // Depending on where the millisecond runs out: before verification starts (an error naming
    // the step) or inside it (a failure report naming the step). Never a success.
    if (r.stdout) {
      const out = JSON.parse(r.stdout);
      assert.equal(out.isSuccess, false);
      assert.match(out.verifierReports[0].errorReason, /did not finish within 1 ms/);
    } else {
      assert.match(r.stderr, /DEADLINE_EXCEEDED: .+: command did not finish within 1 ms/);
    }
  });

  const badConfigs: Array<[string, unknown, RegExp]> = [
    ['store section empty', { store: { plugins: [] }, policy: { plugin: { name: 'configPolicy' } }, verifier: { plugins: [{ name: 'sbom', artifactTypes: SPDX }] } }, /store\.plugins: referrer store config should have at least one store/],
    ['verifier section missing', { store: { plugins: [{ name: 'oras' }] }, policy: { plugin: { name: 'configPolicy' } } }, /verifier\.plugins must include at least one plugin/],
    ['verifier without name', { store: { plugins: [{ name: 'oras' }] }, policy: { plugin: { name: 'configPolicy' } }, verifier: { plugins: [{ artifactTypes: SPDX }] } }, /verifier\.plugins\[0\]\.name/],
    ['unknown verifier', { store: { plugins: [{ name: 'oras' }] }, policy: { plugin: { name: 'configPolicy' } }, verifier: { plugins: [{ name: 'nope', artifactTypes: SPDX }] } }, /PLUGIN_NOT_FOUND: verifier\.plugins\[0\]: verifier "nope" is not available/],
    ['policy missing', { store: { plugins: [{ name: 'oras' }] }, verifier: { plugins: [{ name: 'sbom', artifactTypes: SPDX }] } }, /POLICY_PROVIDER_NOT_FOUND: policy provider config must be specified/],
    ['policy rule invalid', { store: { plugins: [{ name: 'oras' }] }, policy: { plugin: { name: 'configPolicy', artifactVerificationPolicies: { x: 'most' } } }, verifier: { plugins: [{ name: 'sbom', artifactTypes: SPDX }] } }, /policy\.plugin\.artifactVerificationPolicies\.x: must be one of "any", "all", got "most"/],
    ['executor timeout not a number', { store: { plugins: [{ name: 'oras' }] }, executor: { verificationRequestTimeout: '3s' }, policy: { plugin: { name: 'configPolicy' } }, verifier: { plugins: [{ name: 'sbom', artifactTypes: SPDX }] } }, /executor\.verificationRequestTimeout/],
    ['sbom option of the wrong type', { store: { plugins: [{ name: 'oras' }] }, policy: { plugin: { name: 'configPolicy' } }, verifier: { plugins: [{ name: 'sbom', artifactTypes: SPDX, disallowedLicenses: 'GPL' }] } }, /disallowedLicenses/],
    ['CEL syntax error', { store: { plugins: [{ name: 'oras' }] }, policy: { plugin: { name: 'celPolicy', expression: 'reports.all(' } }, verifier: { plugins: [{ name: 'sbom', artifactTypes: SPDX }] } }, /not valid CEL/],
  ];
  for (const [name, cfg, expected] of badConfigs) {
    it(`exits 2 naming the problem: ${name}`, async () => {
      const p = join(dir, `bad-${name.replace(/\W+/g, '-')}.json`);
      await writeFile(p, JSON.stringify(cfg));
      const r = await runCli(['verify', '--oci-layout', '-s', `${layout}:clean`, '-c', p], env());
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr, expected);
    });
  }
});
