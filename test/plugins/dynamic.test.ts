import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { backgroundContext } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import { digestOf } from '../../src/oci/digest.js';
import { startRegistry, type RegistryHandle } from '../harness/registry.js';
import { pushBlob, pushManifest } from '../harness/load-layout.js';
import { GraphStore } from '../executor/fixtures.js';
import { LEVEL, capturingLogger, executorFor, runtimeEnv, tempDir } from './helpers.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY = 'application/vnd.oci.empty.v1+json';
const PLUGIN_SCRIPT = `#!/bin/sh\ncat >/dev/null\necho '{"isSuccess":true,"message":"dynamic plugin ran"}'\n`;

/** Pushes `files` as one OCI artifact (one layer each) and returns the manifest digest. */
async function pushArtifact(reg: RegistryHandle, repo: string, tag: string, files: string[]): Promise<{ digest: string; layers: string[] }> {
  const config = Buffer.from('{}');
  await pushBlob(reg, repo, config);
  const layers: Array<{ mediaType: string; digest: string; size: number }> = [];
  for (const f of files) {
    const b = Buffer.from(f);
    layers.push({ mediaType: 'application/vnd.ratify.plugin.v1', digest: await pushBlob(reg, repo, b), size: b.length });
  }
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.ratify.plugin.verifier', config: { mediaType: EMPTY, digest: digestOf(config), size: config.length }, layers }),
  );
  const digest = await pushManifest(reg, repo, tag, OCI_MANIFEST, manifest);
  return { digest, layers: layers.map((l) => l.digest) };
}

describe('dynamic plugins (RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS) from a loopback registry', () => {
  let reg: RegistryHandle;
  let dir: string;
  let good: { digest: string; layers: string[] };
  before(async () => {
    reg = await startRegistry('open');
    dir = await tempDir('ratify-dynamic-');
    good = await pushArtifact(reg, 'plugins/dyn', 'v1', [PLUGIN_SCRIPT]);
    await pushArtifact(reg, 'plugins/two', 'v1', [PLUGIN_SCRIPT, 'second layer']);
  });
  after(async () => {
    await reg.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function config(bin: string, artifact: string) {
    return {
      store: { version: '1.0.0', plugins: [{ name: 'oras' }] },
      policy: { version: '1.0.0', plugin: { name: 'configPolicy' } },
      verifier: { version: '1.0.0', pluginBinDirs: [bin], plugins: [{ name: 'dyn-check', type: 'dyn', artifactTypes: 'application/vnd.example', source: { artifact, useHttp: true } }] },
    };
  }

  function graph() {
    const g = new GraphStore();
    g.attach(g.image('v1'), 'application/vnd.example', 'x');
    return g;
  }

  it('downloads the single layer, digest-checked, to <pluginBinDirs[0]>/<type> with mode 0700, then runs it', async () => {
    const bin = join(dir, 'bin-on');
    const { log, records } = capturingLogger();
    const ex = await executorFor(dir, config(bin, `${reg.host}/plugins/dyn:v1`), { rt: runtimeEnv(join(dir, 'home'), { RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS: '1' }), log, stores: [graph()] });
    const path = join(bin, 'dyn');
    const st = await stat(path);
    assert.equal(st.mode & 0o777, 0o700);
    assert.equal(await readFile(path, 'utf8'), PLUGIN_SCRIPT);
    assert.deepEqual(await readdir(bin), ['dyn'], 'no temporary files left');
    assert.ok(records.some((r) => r.msg === 'downloaded dynamic plugin' && r.digest === good.layers[0]));
    const out = await ex.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    assert.equal(out.result.isSuccess, true);
    assert.equal((out.result.verifierReports[0] as unknown as Record<string, unknown>).message, 'dynamic plugin ran');
    await ex.close();
  });

  it('pins by digest; a reference to a digest the registry does not have fails with DOWNLOAD_PLUGIN_FAILURE', async () => {
    const bin = join(dir, 'bin-pinned');
    const rt = runtimeEnv(join(dir, 'home'), { RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS: 'true' });
    const ex = await executorFor(dir, config(bin, `${reg.host}/plugins/dyn@${good.digest}`), { rt, log: capturingLogger().log, stores: [graph()] });
    assert.equal(await readFile(join(bin, 'dyn'), 'utf8'), PLUGIN_SCRIPT);
    await ex.close();
    const other = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(
      executorFor(dir, config(join(dir, 'bin-missing'), `${reg.host}/plugins/dyn@${other}`), { rt, log: capturingLogger().log, stores: [graph()] }),
      (e: unknown) => e instanceof RatifyError && e.code === 'DOWNLOAD_PLUGIN_FAILURE',
    );
  });

  it('without the flag in RuntimeEnv.env the source is ignored with a warning (process.env is not consulted)', async () => {
    const bin = join(dir, 'bin-off');
    const { log, records } = capturingLogger();
    const saved = process.env.RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS;
    process.env.RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS = '1';
    try {
      await assert.rejects(executorFor(dir, config(bin, `${reg.host}/plugins/dyn:v1`), { rt: runtimeEnv(join(dir, 'home')), log, stores: [graph()] }), (e: unknown) => e instanceof RatifyError && e.code === 'PLUGIN_NOT_FOUND');
    } finally {
      if (saved === undefined) delete process.env.RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS;
      else process.env.RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS = saved;
    }
    await assert.rejects(stat(join(bin, 'dyn')), /ENOENT/);
    const warn = records.find((r) => r.level === LEVEL.warn && /dynamic plugins are disabled/.test(r.msg));
    assert.ok(warn, JSON.stringify(records));
    assert.match(warn.msg, /RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS=1/);
  });

  it('refuses an artifact with more than one layer', async () => {
    await assert.rejects(
      executorFor(dir, config(join(dir, 'bin-two'), `${reg.host}/plugins/two:v1`), { rt: runtimeEnv(join(dir, 'home'), { RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS: '1' }), log: capturingLogger().log, stores: [graph()] }),
      (e: unknown) => e instanceof RatifyError && e.code === 'DOWNLOAD_PLUGIN_FAILURE' && /has 2 layers; exactly one/.test(e.message),
    );
  });

  it('refuses a layer whose bytes do not match its digest (tampered registry storage) and writes nothing', async () => {
    const evil = '#!/bin/sh\necho pwned > /tmp/ratify-dynamic-pwned\n';
    const honest = evil.replace('pwned', 'fine!');
    const pushed = await pushArtifact(reg, 'plugins/tampered', 'v1', [honest]);
    const hex = pushed.layers[0]!.slice('sha256:'.length);
    // The registry's filesystem driver serves whatever is on disk under the digest.
    await writeFile(join(reg.dataDir, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'), evil);
    const bin = join(dir, 'bin-tampered');
    await assert.rejects(
      executorFor(dir, config(bin, `${reg.host}/plugins/tampered:v1`), { rt: runtimeEnv(join(dir, 'home'), { RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS: '1' }), log: capturingLogger().log, stores: [graph()] }),
      (e: unknown) => {
        assert.ok(e instanceof RatifyError);
        assert.equal(e.code, 'DOWNLOAD_PLUGIN_FAILURE');
        assert.match(e.message, /digest mismatch/i, e.message);
        return true;
      },
    );
    const left = await readdir(bin).catch(() => [] as string[]);
    assert.deepEqual(left, [], 'neither the plugin nor a temporary file was written');
  });
});
