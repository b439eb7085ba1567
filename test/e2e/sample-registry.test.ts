import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type RegistryHandle } from '../harness/registry.js';
import { pushLayout, pushManifest } from '../harness/load-layout.js';
import { runCli } from '../harness/cli.js';
import { projectRoot } from '../harness/vectors.js';
import { makeTestPki } from '../harness/pki.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const examples = join(projectRoot(), 'examples');

interface Entry {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/**
 * Publishes the demo sample to a registry without the referrers API, as `oras attach` would:
 * the layout's manifests byte for byte, plus a `sha256-<hex>` index per subject listing its referrers.
 */
async function publishSample(reg: RegistryHandle, repo: string): Promise<string> {
  const layout = join(examples, 'sample-layout');
  const pushed = await pushLayout(reg, layout, repo);
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Entry[] };
  const bySubject = new Map<string, Entry[]>();
  for (const m of index.manifests) {
    const body = JSON.parse(await readFile(join(layout, 'blobs/sha256', m.digest.slice(7)), 'utf8')) as { subject?: { digest: string }; annotations?: Record<string, string> };
    if (!body.subject) continue;
    const list = bySubject.get(body.subject.digest) ?? [];
    list.push({ mediaType: m.mediaType, digest: m.digest, size: m.size, ...(m.artifactType ? { artifactType: m.artifactType } : {}), ...(body.annotations ? { annotations: body.annotations } : {}) });
    bySubject.set(body.subject.digest, list);
  }
  for (const [subject, manifests] of bySubject) {
    await pushManifest(reg, repo, `sha256-${subject.slice(7)}`, OCI_INDEX, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests })));
  }
  return pushed.tags.v1!;
}

describe('the signed sample through a registry (signature + signed SBOM + SARIF)', () => {
  let reg: RegistryHandle;
  let dir: string;
  let config: string;
  let digest: string;
  before(async () => {
    reg = await startRegistry('open');
    digest = await publishSample(reg, 'demo/sample');
    dir = await mkdtemp(join(tmpdir(), 'ratify-sample-'));
    const cfg = JSON.parse(await readFile(join(examples, 'config.json'), 'utf8')) as { store: { plugins: Array<Record<string, unknown>> }; verifier: { plugins: Array<Record<string, unknown>> } };
    cfg.store.plugins = [{ name: 'oras', useHttp: true, localCachePath: join(dir, 'cache') }];
    cfg.verifier.plugins[0]!.verificationCerts = [join(examples, 'certs', 'sample-ca.crt')];
    config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify(cfg));
  });
  after(async () => {
    await reg?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('verifies by digest with nested signature verification of the SBOM', async () => {
    const r = await runCli(['verify', '-s', `${reg.host}/demo/sample@${digest}`, '-c', config], { HOME: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    const types = out.verifierReports.map((x: { artifactType: string }) => x.artifactType);
    assert.deepEqual(types.sort(), ['application/sarif+json', 'application/spdx+json', 'application/vnd.cncf.notary.signature']);
    const sbom = out.verifierReports.find((x: { artifactType: string }) => x.artifactType === 'application/spdx+json');
    assert.equal(sbom.nestedResults[0].subject, `${reg.host}/demo/sample@${sbom.referenceDigest}`);
    assert.equal(sbom.nestedResults[0].isSuccess, true);
  });

  it('fails when the SBOM’s signature is not trusted (nested verification failed)', async () => {
    const cfg = JSON.parse(await readFile(config, 'utf8')) as { verifier: { plugins: Array<Record<string, unknown>> } };
    // Trust another CA: every Notation signature, including the SBOM's, fails authenticity.
    const pki = await makeTestPki(dir);
    cfg.verifier.plugins[0]!.verificationCerts = [pki.caCertFile];
    const other = join(dir, 'untrusted.json');
    await writeFile(other, JSON.stringify(cfg));
    const r = await runCli(['verify', '-s', `${reg.host}/demo/sample:v1`, '-c', other], { HOME: dir });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    const sbom = out.verifierReports.find((x: { artifactType: string }) => x.artifactType === 'application/spdx+json');
    assert.equal(sbom.isSuccess, false);
    assert.equal(sbom.message, 'nested verification failed');
  });

  it('discover shows the signature under the SBOM', async () => {
    const r = await runCli(['discover', '-s', `${reg.host}/demo/sample:v1`, '-c', config], { HOME: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\[application\/spdx\+json\]sha256:[0-9a-f]{64}\n {4}│ {3}└── \[application\/vnd\.cncf\.notary\.signature\]sha256:/);
  });
});
