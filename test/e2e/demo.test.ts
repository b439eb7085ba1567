import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../harness/cli.js';
import { projectRoot } from '../harness/vectors.js';

const examples = join(projectRoot(), 'examples');

describe('the examples/ demo (npm run demo)', () => {
  it('verifies the committed signed sample offline: signature, signed SBOM, SARIF report', async () => {
    const r = await runCli(['verify', '--oci-layout', '-s', join(examples, 'sample-layout:v1'), '-c', join(examples, 'config.json')], { HOME: tmpdir() });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.verifierReports.map((x: { verifierName: string }) => x.verifierName), ['notation', 'sbom', 'vulnerabilityreport']);
    assert.equal(out.verifierReports[1].nestedResults[0].message, 'Notation signature verification success');
  });

  it('fails when the sample’s signature envelope is tampered with', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ratify-demo-'));
    try {
      await cp(examples, dir, { recursive: true });
      const layout = join(dir, 'sample-layout');
      const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; artifactType?: string }> };
      const sig = index.manifests.find((m) => m.artifactType === 'application/vnd.cncf.notary.signature')!;
      const manifest = JSON.parse(await readFile(join(layout, 'blobs/sha256', sig.digest.slice(7)), 'utf8')) as { layers: Array<{ digest: string }> };
      const envPath = join(layout, 'blobs/sha256', manifest.layers[0]!.digest.slice(7));
      const env = JSON.parse(await readFile(envPath, 'utf8')) as { signature: string };
      env.signature = (env.signature[0] === 'A' ? 'B' : 'A') + env.signature.slice(1);
      // The changed blob no longer matches its digest: the store refuses it before notation even
      // parses it. Either way the image must not verify.
      await writeFile(envPath, JSON.stringify(env));
      const r = await runCli(['verify', '--oci-layout', '-s', `${layout}:v1`, '-c', join(dir, 'config.json')], { HOME: tmpdir() });
      assert.notEqual(r.code, 0);
      assert.match(r.stdout, /"isSuccess": false/);
      assert.ok((await readdir(layout)).includes('index.json'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
