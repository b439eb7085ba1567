import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OciLayoutWriter } from '../../src/stores/ocilayout/writer.js';
import { digestOf } from '../../src/oci/digest.js';
import { runCli } from '../harness/cli.js';
import { startRegistry, type RegistryHandle } from '../harness/registry.js';
import { pushBlob, pushLayout, pushManifest } from '../harness/load-layout.js';
import { writeRatifyConfig } from '../harness/ratify-config.js';
import { projectRoot } from '../harness/vectors.js';
import { distModule, nodePluginWrapper, tempDir } from './helpers.js';

/**
 * The example plugins (TypeScript, built with the author kit) and a Python plugin, end to end
 * through the built CLI: `ratify verify` finds them in ~/.ratify/plugins, runs them once per
 * referrer, and they read the referrer back through the store in storeConfig (the OCI layout,
 * or the loopback registry through the built-in oras store). Needs `npx tsc -p .` first.
 */

const SARIF = 'application/sarif+json';
const SPDX = 'application/spdx+json';
const SIG = 'application/vnd.example.signature';
const CREATED = 'org.opencontainers.image.created';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const PY = join(projectRoot(), 'examples', 'plugins', 'python', 'referrer-size-limit.py');

async function installPlugins(pluginDir: string): Promise<void> {
  await nodePluginWrapper(pluginDir, 'max-referrer-age', distModule('examples/plugins/max-referrer-age'));
  await nodePluginWrapper(pluginDir, 'required-annotation', distModule('examples/plugins/required-annotation'));
  // The Python plugin is installed unchanged.
  await copyFile(PY, join(pluginDir, 'referrer-size-limit'));
  await chmod(join(pluginDir, 'referrer-size-limit'), 0o700);
}

function buildLayout(dir: string): OciLayoutWriter {
  const w = new OciLayoutWriter(dir);
  const now = new Date().toISOString();
  w.attach(w.image('fresh'), SARIF, [{ mediaType: SARIF, data: '{"runs":[]}' }], { [CREATED]: now });
  w.attach(w.image('stale'), SARIF, [{ mediaType: SARIF, data: '{"runs":[]}' }], { [CREATED]: '2020-01-01T00:00:00Z' });
  w.attach(w.image('reviewed'), SPDX, [{ mediaType: SPDX, data: '{}' }], { 'org.example.reviewed-by': 'alice', 'org.example.stage': 'prod' });
  w.attach(w.image('unreviewed'), SPDX, [{ mediaType: SPDX, data: '{}' }], { 'org.example.stage': 'dev' });
  w.attach(w.image('signed'), SIG, [{ mediaType: SIG, data: 'sig' }]);
  w.attach(w.image('bloated'), SIG, [{ mediaType: SIG, data: 'sig' }], { padding: 'x'.repeat(3000) });
  return w;
}

function verifiers(extra: Record<string, unknown> = {}) {
  return [
    { name: 'fresh-scans', type: 'max-referrer-age', artifactTypes: SARIF, maxAge: '24h', ...extra },
    { name: 'reviewed-sboms', type: 'required-annotation', artifactTypes: SPDX, annotations: { 'org.example.reviewed-by': '*', 'org.example.stage': ['prod', 'staging'] }, ...extra },
    { name: 'small-sigs', type: 'referrer-size-limit', artifactTypes: SIG, maxBytes: 2048, ...extra },
  ];
}

type Report = Record<string, unknown>;

/**
 * Pushes a layout to a registry without the referrers API as `oras attach` does: the
 * manifests, plus a `sha256-<hex>` index per subject listing its referrers (tag schema).
 */
async function publish(reg: RegistryHandle, layout: string, repo: string): Promise<void> {
  await pushLayout(reg, layout, repo);
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ mediaType: string; digest: string; size: number; artifactType?: string }> };
  const bySubject = new Map<string, unknown[]>();
  for (const m of index.manifests) {
    const body = JSON.parse(await readFile(join(layout, 'blobs', 'sha256', m.digest.slice(7)), 'utf8')) as { subject?: { digest: string }; annotations?: Record<string, string> };
    if (!body.subject) continue;
    const list = bySubject.get(body.subject.digest) ?? [];
    list.push({ mediaType: m.mediaType, digest: m.digest, size: m.size, ...(m.artifactType ? { artifactType: m.artifactType } : {}), ...(body.annotations ? { annotations: body.annotations } : {}) });
    bySubject.set(body.subject.digest, list);
  }
  for (const [subject, manifests] of bySubject) {
    const idx = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
    await pushManifest(reg, repo, `sha256-${subject.slice(7)}`, OCI_INDEX, idx);
  }
}

function onlyReport(stdout: string): Report {
  const out = JSON.parse(stdout) as { verifierReports: Report[] };
  assert.equal(out.verifierReports.length, 1, stdout);
  return out.verifierReports[0]!;
}

describe('example plugins end to end through `ratify verify` (OCI layout)', () => {
  let dir: string;
  let home: string;
  let layout: string;
  let config: string;
  before(async () => {
    dir = await tempDir('ratify-plugins-e2e-');
    home = join(dir, 'home');
    await installPlugins(join(home, '.ratify', 'plugins'));
    layout = join(dir, 'layout');
    await buildLayout(layout).write();
    config = join(dir, 'config.json');
    await writeFile(
      config,
      JSON.stringify({
        store: { version: '1.0.0', plugins: [{ name: 'oras' }] },
        policy: { version: '1.0.0', plugin: { name: 'configPolicy' } },
        verifier: { version: '1.0.0', plugins: verifiers() },
      }),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const verify = (tag: string, cfg = config, env: NodeJS.ProcessEnv = {}) => runCli(['verify', '--oci-layout', '-s', `${layout}:${tag}`, '-c', cfg], { HOME: home, ...env });

  it('max-referrer-age passes a fresh referrer (read back from the layout through storeConfig)', async () => {
    const r = await verify('fresh');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const rep = onlyReport(r.stdout);
    assert.deepEqual([rep.name, rep.type, rep.isSuccess, rep.message], ['fresh-scans', 'max-referrer-age', true, 'referrer is younger than 24h']);
    assert.equal((rep.extensions as Report).maxAge, '24h');
  });

  it('max-referrer-age fails a stale referrer, keeping the plugin’s errorReason and remediation', async () => {
    const r = await verify('stale');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const rep = onlyReport(r.stdout);
    assert.equal(rep.isSuccess, false);
    assert.equal(rep.message, 'referrer is older than 24h');
    assert.match(String(rep.errorReason), /^created 2020-01-01T00:00:00Z, \d+h ago; the limit is 24h$/);
    assert.equal(rep.remediation, 'Regenerate the artifact (re-scan, re-sign) and attach the new one');
  });

  it('required-annotation passes and fails on the manifest’s annotations', async () => {
    const ok = await verify('reviewed');
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(onlyReport(ok.stdout).message, 'all 2 required annotations present');
    const bad = await verify('unreviewed');
    assert.equal(bad.code, 1);
    const rep = onlyReport(bad.stdout);
    assert.equal(rep.errorReason, 'missing org.example.reviewed-by; org.example.stage="dev" not allowed');
    assert.deepEqual(rep.extensions, { missing: ['org.example.reviewed-by'], mismatched: [{ key: 'org.example.stage', expected: ['prod', 'staging'], actual: 'dev' }] });
  });

  it('a Python plugin written against Ratify’s protocol works unchanged', async () => {
    const ok = await verify('signed');
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const rep = onlyReport(ok.stdout);
    assert.deepEqual([rep.name, rep.type, rep.isSuccess], ['small-sigs', 'referrer-size-limit', true]);
    assert.match(String(rep.message), /^referrer manifest is \d+ bytes \(limit 2048\)$/);
    const big = await verify('bloated');
    assert.equal(big.code, 1);
    const b = onlyReport(big.stdout);
    assert.equal(b.message, 'referrer manifest too large');
    assert.match(String(b.errorReason), /^\d+ bytes > maxBytes 2048$/);
  });

  it('plugin log lines show up at their level with -d', async () => {
    const r = await runCli(['-d', 'verify', '--oci-layout', '-s', `${layout}:signed`, '-c', config], { HOME: home });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /level=info msg="\[Plugin\] checking sha256:[0-9a-f]{64} \(\d+ bytes, application\/vnd\.example\.signature\) of .*:signed" plugin="small-sigs" stream="stderr"/);
  });

  it('a version the plugin does not support gives a VERIFY_PLUGIN_FAILURE report naming it', async () => {
    const cfg = join(dir, 'config-v9.json');
    await writeFile(cfg, JSON.stringify({ store: { plugins: [{ name: 'oras' }] }, policy: { plugin: { name: 'configPolicy' } }, verifier: { version: '9.9.9', plugins: verifiers() } }));
    const r = await verify('signed', cfg);
    assert.equal(r.code, 1);
    const rep = onlyReport(r.stdout);
    assert.match(String(rep.errorReason), /^VERIFY_PLUGIN_FAILURE: plugin reported VersionNotSupported \(6\): plugin doesn't support version 9\.9\.9/);
    assert.match(String(rep.remediation), /it was sent 9\.9\.9/);
  });

  it('the same example plugins run in-process as ES modules ("module")', async () => {
    const cfg = join(dir, 'config-modules.json');
    await writeFile(
      cfg,
      JSON.stringify({
        store: { plugins: [{ name: 'oras' }] },
        policy: { plugin: { name: 'configPolicy' } },
        verifier: {
          version: '1.0.0',
          plugins: [
            { name: 'fresh-scans', module: distModule('examples/plugins/max-referrer-age'), artifactTypes: SARIF, maxAge: '24h' },
            { name: 'reviewed-sboms', module: distModule('examples/plugins/required-annotation'), artifactTypes: SPDX, annotations: { 'org.example.reviewed-by': '*' } },
          ],
        },
      }),
    );
    const stale = await verify('stale', cfg);
    assert.equal(stale.code, 1);
    assert.equal(onlyReport(stale.stdout).message, 'referrer is older than 24h');
    const ok = await verify('reviewed', cfg);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(onlyReport(ok.stdout).type, 'reviewed-sboms');
  });

  it('a store plugin (kit-built) serves the referrers; verifier plugins read back through it', async () => {
    const bin = join(dir, 'store-bin');
    await nodePluginWrapper(bin, 'kit-layout-store', distModule('test/plugins/fixtures/kit-layout-store'));
    const cfg = join(dir, 'config-store-plugin.json');
    await writeFile(
      cfg,
      JSON.stringify({
        store: { version: '1.0.0', pluginBinDirs: [bin], plugins: [{ name: 'kit-layout-store', path: layout }] },
        policy: { plugin: { name: 'configPolicy' } },
        verifier: { version: '1.0.0', plugins: verifiers() },
      }),
    );
    const r = await runCli(['verify', '-s', 'example.com/app:reviewed', '-c', cfg], { HOME: home });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(onlyReport(r.stdout).message, 'all 2 required annotations present');
    const s = await runCli(['verify', '-s', 'example.com/app:stale', '-c', cfg], { HOME: home });
    assert.equal(s.code, 1);
    assert.equal(onlyReport(s.stdout).message, 'referrer is older than 24h');
  });
});

describe('plugins end to end against a loopback registry', () => {
  let reg: RegistryHandle;
  let dir: string;
  let home: string;
  before(async () => {
    reg = await startRegistry('open');
    dir = await tempDir('ratify-plugins-reg-');
    home = join(dir, 'home');
    await installPlugins(join(home, '.ratify', 'plugins'));
    const layout = join(dir, 'layout');
    await buildLayout(layout).write();
    await publish(reg, layout, 'e2e/app');
  });
  after(async () => {
    await reg.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function config(extraVerifiers: Array<Record<string, unknown>> = verifiers()) {
    const c = await writeRatifyConfig(reg);
    const json = JSON.parse(await readFile(c.configPath, 'utf8')) as Record<string, unknown>;
    json.policy = { version: '1.0.0', plugin: { name: 'configPolicy' } };
    json.verifier = { version: '1.0.0', plugins: extraVerifiers };
    await writeFile(c.configPath, JSON.stringify(json));
    return c.configPath;
  }

  it('exec plugins fetch the referrer manifest from the registry through the oras store in storeConfig', async () => {
    const cfg = await config();
    const fresh = await runCli(['verify', '-s', `${reg.host}/e2e/app:fresh`, '-c', cfg], { HOME: home });
    assert.equal(fresh.code, 0, fresh.stdout + fresh.stderr);
    assert.equal(onlyReport(fresh.stdout).message, 'referrer is younger than 24h');
    const unreviewed = await runCli(['verify', '-s', `${reg.host}/e2e/app:unreviewed`, '-c', cfg], { HOME: home });
    assert.equal(unreviewed.code, 1);
    assert.match(String(onlyReport(unreviewed.stdout).errorReason), /missing org\.example\.reviewed-by/);
    const signed = await runCli(['verify', '-s', `${reg.host}/e2e/app:signed`, '-c', cfg], { HOME: home });
    assert.equal(signed.code, 0, signed.stdout + signed.stderr);
    assert.equal(onlyReport(signed.stdout).subject, `${reg.host}/e2e/app:signed`);
  });

  it('a dynamic plugin (the Python one, pushed as a single-layer artifact) is pulled when the flag is set', async () => {
    const script = await readFile(PY);
    const cfgBlob = Buffer.from('{}');
    await pushBlob(reg, 'plugins/size', cfgBlob);
    const layer = await pushBlob(reg, 'plugins/size', script);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.ratify.plugin.verifier',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf(cfgBlob), size: 2 },
        layers: [{ mediaType: 'application/octet-stream', digest: layer, size: script.length }],
      }),
    );
    await pushManifest(reg, 'plugins/size', 'v1', 'application/vnd.oci.image.manifest.v1+json', manifest);
    const bin = join(dir, 'dynamic-bin');
    await mkdir(bin, { recursive: true });
    const cfg = await config([{ name: 'dyn-size', type: 'dyn-size-limit', artifactTypes: SIG, maxBytes: 4096, source: { artifact: `${reg.host}/plugins/size:v1`, useHttp: true } }]);
    const json = JSON.parse(await readFile(cfg, 'utf8')) as { verifier: Record<string, unknown> };
    json.verifier.pluginBinDirs = [bin];
    await writeFile(cfg, JSON.stringify(json));
    const off = await runCli(['verify', '-s', `${reg.host}/e2e/app:signed`, '-c', cfg], { HOME: home });
    assert.equal(off.code, 2, off.stdout + off.stderr);
    assert.match(off.stderr, /dynamic plugins are disabled/);
    assert.match(off.stderr, /PLUGIN_NOT_FOUND/);
    const on = await runCli(['verify', '-s', `${reg.host}/e2e/app:signed`, '-c', cfg], { HOME: home, RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS: '1' });
    assert.equal(on.code, 0, on.stdout + on.stderr);
    const rep = onlyReport(on.stdout);
    assert.deepEqual([rep.name, rep.type, rep.isSuccess], ['dyn-size', 'dyn-size-limit', true]);
    assert.ok((await readFile(join(bin, 'dyn-size-limit'))).equals(script));
  });
});
