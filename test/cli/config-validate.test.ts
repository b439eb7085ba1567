import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OciLayoutWriter } from '../../src/stores/ocilayout/writer.js';
import { runCli } from '../harness/cli.js';

const SARIF = 'application/sarif+json';
const CREATED = 'org.opencontainers.image.created';

/** A Trivy SARIF report with one HIGH finding (Ratify reads severities from rules[].help.text). */
function trivyReport(): string {
  const rule = { id: 'CVE-2024-0001', shortDescription: { text: 'x' }, help: { text: 'Vulnerability CVE-2024-0001\nSeverity: HIGH\nPackage: x' } };
  return JSON.stringify({
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [{ tool: { driver: { name: 'Trivy', rules: [rule] } }, results: [{ ruleId: rule.id, level: 'error', message: { text: 'found' } }] }],
  });
}

describe('ratify config validate, and every command with an invalid config', () => {
  let dir: string;
  let layout: string;
  let home: string;
  const env = () => ({ HOME: home });
  const write = async (name: string, config: unknown) => {
    const p = join(dir, name);
    await writeFile(p, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
    return p;
  };
  const config = (vuln: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    store: { version: '1.0.0', plugins: [{ name: 'oci-layout', path: './layout' }] },
    policy: { version: '1.0.0', plugin: { name: 'configPolicy' } },
    verifier: { version: '1.0.0', plugins: [{ name: 'vulnerabilityreport', artifactTypes: SARIF, ...vuln }] },
    ...extra,
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-config-'));
    home = join(dir, 'home');
    layout = join(dir, 'layout');
    const w = new OciLayoutWriter(layout);
    const img = w.image('v1');
    w.attach(img, SARIF, [{ mediaType: SARIF, data: trivyReport() }], { [CREATED]: new Date().toISOString() });
    await w.write();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a valid config: exit 0, "valid", and the JSON shape', async () => {
    const p = await write('good.json', config({ disallowedSeverities: ['high'] }));
    const text = await runCli(['config', 'validate', '-c', p], env());
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, `${p}: valid (0 errors, 0 warnings)\n`);
    const json = await runCli(['config', 'validate', '-c', p, '-o', 'json'], env());
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { valid: true, errors: [], warnings: [] });
  });

  it('the disallowedSeverity typo: validate names it, verify exits 2 instead of passing the report', async () => {
    const typo = await write('typo.json', config({ disallowedSeverity: ['high'] }));
    const line = 'verifier.plugins[0].disallowedSeverity: unknown key "disallowedSeverity" (did you mean "disallowedSeverities"?)';
    const v = await runCli(['config', 'validate', '-c', typo], env());
    assert.equal(v.code, 2);
    assert.equal(v.stdout, `${typo}: invalid (1 error, 0 warnings)\nerror   ${line}\n`);
    // Accepted in silence, the typo turned the gate off: the HIGH finding passed.
    const verify = await runCli(['verify', '--oci-layout', '-s', `${layout}:v1`, '-c', typo], env());
    assert.equal(verify.code, 2, verify.stdout);
    assert.equal(verify.stdout, '');
    assert.ok(verify.stderr.includes(`CONFIG_INVALID: ${typo} is invalid: ${line}`), verify.stderr);
    // Spelt right, the gate is on: the report fails.
    const good = await write('gate.json', config({ disallowedSeverities: ['high'] }));
    const denied = await runCli(['verify', '--oci-layout', '-s', `${layout}:v1`, '-c', good], env());
    assert.equal(denied.code, 1, denied.stderr);
    assert.equal(JSON.parse(denied.stdout).verifierReports[0].message, 'Found disallowed severities. See extensions field for details.');
  });

  it('every problem at once: schema issues of all sections, then what building each entry finds', async () => {
    const p = await write('bad.json', {
      store: { plugins: [{ name: 'oci-layout', path: './no-such-layout' }, { name: 'oras', useHTTP: true }, { name: 'no-such-store' }] },
      policy: { plugin: { name: 'regoPolicy', policy: 'package ratify.policy' } },
      verifier: {
        plugins: [
          { name: 'vulnerabilityreport', disallowedSeverity: ['high'] },
          { name: 'notaton', artifactTypes: 'application/vnd.cncf.notary.signature' },
          { name: 'cosign', artifactTypes: 'application/vnd.dev.cosign.artifact.sig.v1+json', trustPolicies: [{ name: 'a', scopes: ['*'], keys: [{ file: './missing.pub' }] }] },
        ],
      },
      executor: { verificationRequestTimeout: '3s' },
    });
    const r = await runCli(['config', 'validate', '-c', p, '-o', 'json'], env());
    assert.equal(r.code, 2, r.stderr);
    const out = JSON.parse(r.stdout) as { valid: boolean; errors: Array<{ path: string; code: string; message: string; suggestion?: string }>; warnings: unknown[] };
    assert.equal(out.valid, false);
    assert.deepEqual(Object.keys(out).sort(), ['errors', 'valid', 'warnings']);
    assert.deepEqual(
      out.errors.map((e) => [e.path, e.code, e.suggestion]),
      [
        ['executor.verificationRequestTimeout', 'invalid_type', undefined],
        ['store.plugins[1].useHTTP', 'unknown_key', 'useHttp'],
        ['verifier.plugins[0].disallowedSeverity', 'unknown_key', 'disallowedSeverities'],
        ['store.plugins[0]', 'build_failed', undefined],
        ['store.plugins[2]', 'plugin_not_found', undefined],
        ['verifier.plugins[1]', 'plugin_not_found', undefined],
        ['verifier.plugins[2]', 'build_failed', undefined],
        ['policy.plugin', 'unavailable', undefined],
      ],
    );
    const byPath = new Map(out.errors.map((e) => [e.path, e.message]));
    assert.match(byPath.get('store.plugins[0]')!, /no-such-layout/);
    assert.match(byPath.get('verifier.plugins[1]')!, /verifier "notaton" is not available \(did you mean "notation"\?\)/);
    assert.match(byPath.get('verifier.plugins[2]')!, /failed to load the key from file .*missing\.pub/);
    assert.match(byPath.get('policy.plugin')!, /regoPolicy is not supported/);
    const text = await runCli(['config', 'validate', '-c', p], env());
    assert.equal(text.code, 2);
    assert.equal(text.stdout.split('\n').filter((l) => l.startsWith('error   ')).length, 8);
  });

  it('warnings alone keep a config valid and are printed, once, by every command', async () => {
    const p = await write('warn.json', {
      ...config({}),
      store: { plugins: [{ name: 'oci-layout', path: './layout' }, { name: 'oras', authProvider: { name: 'k8Secrets', serviceAccountName: 'ratify' } }] },
    });
    const r = await runCli(['config', 'validate', '-c', p], env());
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /valid \(0 errors, 1 warning\)\nwarning store\.plugins\[1\]\.authProvider\.name: auth provider "k8Secrets" is Ratify's but not implemented here; the store reaches registries anonymously\n$/);
    const verify = await runCli(['verify', '--oci-layout', '-s', `${layout}:v1`, '-c', p], env());
    assert.equal(verify.code, 0, verify.stderr);
    const warned = verify.stderr.split('\n').filter((l) => l.includes('does not implement'));
    assert.equal(warned.length, 1, verify.stderr);
    assert.match(warned[0]!, /store\.plugins\[1\]\.authProvider\.name: auth provider \\?"k8Secrets/);
  });

  it('not JSON, unreadable, or a bad -o: exit 2', async () => {
    const p = await write('broken.json', '{"store": ');
    const r = await runCli(['config', 'validate', '-c', p, '-o', 'json'], env());
    assert.equal(r.code, 2);
    assert.deepEqual(JSON.parse(r.stdout).errors.map((e: { code: string }) => e.code), ['invalid_json']);
    const missing = await runCli(['config', 'validate', '-c', join(dir, 'absent.json')], env());
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read config file/);
    assert.equal((await runCli(['config', 'validate', '-c', p, '-o', 'yaml'], env())).code, 2);
  });

  it('discover and serve refuse an invalid config at start with the formatted issues (exit 2)', async () => {
    const typo = await write('typo2.json', config({ disallowedSeverity: ['high'] }));
    const discover = await runCli(['discover', '--oci-layout', '-s', `${layout}:v1`, '-c', typo], env());
    assert.equal(discover.code, 2);
    assert.match(discover.stderr, /did you mean "disallowedSeverities"\?/);
    const serve = await runCli(['serve', '--http', '127.0.0.1:0', '-c', typo, '--health-port', '127.0.0.1:0'], env());
    assert.equal(serve.code, 2);
    assert.match(serve.stderr, /CONFIG_INVALID: .*verifier\.plugins\[0\]\.disallowedSeverity: unknown key/);
  });
});
