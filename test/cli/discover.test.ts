import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type RegistryFlavour, type RegistryHandle } from '../harness/registry.js';
import { pushBlob, pushLayout, pushManifest, registryRequest } from '../harness/load-layout.js';
import { skipUnlessVectors, vectorPath } from '../harness/vectors.js';
import { writeRatifyConfig, type RatifyTestConfig } from '../harness/ratify-config.js';
import { runCli } from '../harness/cli.js';
import { freePort } from '../harness/ports.js';

const LAYOUTS = 'notation/test/e2e/testdata/registry/oci_layout';
const SUBJECT = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';
const SIGNATURE = 'sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f';
const SECOND_SIGNATURE = 'sha256:c3ebe4a20b6832328fc5078a7795ddc1114b896e13fca2add38109c3866b5fbf';
const NOTARY = 'application/vnd.cncf.notary.signature';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };
const FLAVOURS: RegistryFlavour[] = ['open', 'basic', 'token', 'tls'];
const skip = skipUnlessVectors(FLAVOURS.length + 13, 'CLI discover/resolve/referrer against registries and OCI layouts');
const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let home: string;
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'ratify-ts-home-'));
});
after(async () => {
  await rm(home, { recursive: true, force: true });
});
const env = () => ({ HOME: home });

for (const flavour of FLAVOURS) {
  describe(`ratify discover on a ${flavour} registry`, { skip }, () => {
    let reg: RegistryHandle;
    let cfg: RatifyTestConfig;
    before(async () => {
      reg = await startRegistry(flavour);
      await pushLayout(reg, vectorPath(LAYOUTS, 'e2e-valid-signature'), 'e2e/valid');
      cfg = await writeRatifyConfig(reg);
    });
    after(async () => {
      await reg?.stop();
      if (cfg) await rm(cfg.dir, { recursive: true, force: true });
    });

    it('prints the referrer tree found via the tag schema', async () => {
      const r = await runCli(['discover', '-s', `${reg.host}/e2e/valid:v1`, '-c', cfg.configPath], env());
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${reg.host}/e2e/valid:v1\n└── oras\n    └── [${NOTARY}]${SIGNATURE}\n`);
    });
  });
}

describe('ratify CLI against a registry with nested referrers', { skip }, () => {
  let reg: RegistryHandle;
  let cfg: RatifyTestConfig;
  let sbomDigest: string;
  let sbomSigDigest: string;
  const repo = 'nested/app';

  before(async () => {
    reg = await startRegistry('open');
    await pushLayout(reg, vectorPath(LAYOUTS, 'e2e-valid-signature'), repo);
    // An SBOM attached to the image, and a signature attached to the SBOM, both linked
    // through the referrers tag schema as `oras attach` does on a registry without the API.
    await pushBlob(reg, repo, Buffer.from('{}'));
    const sbom = Buffer.from('{"spdxVersion":"SPDX-2.3"}');
    const sbomBlob = await pushBlob(reg, repo, sbom);
    const sbomManifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/spdx+json', config: EMPTY,
      layers: [{ mediaType: 'application/spdx+json', digest: sbomBlob, size: sbom.length }],
      subject: { mediaType: OCI_MANIFEST, digest: SUBJECT, size: 517 },
    }));
    sbomDigest = await pushManifest(reg, repo, sha256(sbomManifest), OCI_MANIFEST, sbomManifest);
    const sig = Buffer.from('not really a signature');
    const sigBlob = await pushBlob(reg, repo, sig);
    const sigManifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: NOTARY, digest: EMPTY.digest, size: 2 },
      layers: [{ mediaType: 'application/jose+json', digest: sigBlob, size: sig.length }],
      subject: { mediaType: OCI_MANIFEST, digest: sbomDigest, size: sbomManifest.length },
    }));
    sbomSigDigest = await pushManifest(reg, repo, sha256(sigManifest), OCI_MANIFEST, sigManifest);
    const existing = await registryRequest(reg, 'GET', `/v2/${repo}/manifests/sha256-${SUBJECT.slice(7)}`, { headers: { accept: OCI_INDEX } });
    const index = JSON.parse(existing.body.toString('utf8')) as { manifests: unknown[] };
    index.manifests.push({ mediaType: OCI_MANIFEST, digest: sbomDigest, size: sbomManifest.length, artifactType: 'application/spdx+json' });
    await pushManifest(reg, repo, `sha256-${SUBJECT.slice(7)}`, OCI_INDEX, Buffer.from(JSON.stringify(index)));
    const sbomIndex = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: sbomSigDigest, size: sigManifest.length, artifactType: NOTARY }] };
    await pushManifest(reg, repo, `sha256-${sbomDigest.slice(7)}`, OCI_INDEX, Buffer.from(JSON.stringify(sbomIndex)));
    cfg = await writeRatifyConfig(reg);
  });
  after(async () => {
    await reg?.stop();
    if (cfg) await rm(cfg.dir, { recursive: true, force: true });
  });

  it('prints referrers of referrers as a tree', async () => {
    const r = await runCli(['discover', '-s', `${reg.host}/${repo}@${SUBJECT}`, '-c', cfg.configPath], env());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        `${reg.host}/${repo}@${SUBJECT}`,
        '└── oras',
        `    ├── [${NOTARY}]${SIGNATURE}`,
        `    └── [application/spdx+json]${sbomDigest}`,
        `        └── [${NOTARY}]${sbomSigDigest}`,
        '',
      ].join('\n'),
    );
  });

  it('prints Ratify’s flat JSON with children before parents', async () => {
    const r = await runCli(['discover', '--flat', '-s', `${reg.host}/${repo}@${SUBJECT}`, '-c', cfg.configPath], env());
    assert.equal(r.code, 0, r.stderr);
    const flat = JSON.parse(r.stdout) as Array<{ storeName: string; References: Array<{ digest: string; artifactType: string }> }>;
    assert.equal(flat.length, 1);
    assert.equal(flat[0]!.storeName, 'oras');
    assert.deepEqual(flat[0]!.References.map((d) => d.digest), [sbomSigDigest, SIGNATURE, sbomDigest]);
  });

  it('prints a JSON tree with -o json and filters by artifact type', async () => {
    const r = await runCli(['discover', '-o', 'json', '-t', 'application/spdx+json', '-s', `${reg.host}/${repo}:v1`, '-c', cfg.configPath], env());
    assert.equal(r.code, 0, r.stderr);
    const tree = JSON.parse(r.stdout) as { digest: string; stores: Array<{ referrers: Array<{ digest: string; referrers: unknown[] }> }> };
    assert.equal(tree.digest, SUBJECT);
    assert.deepEqual(tree.stores[0]!.referrers.map((x) => x.digest), [sbomDigest]);
  });

  it('resolves a tag to its digest', async () => {
    const r = await runCli(['resolve', '-s', `${reg.host}/${repo}:v1`, '-c', cfg.configPath], env());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SUBJECT}\n`);
  });

  it('shows a referrer manifest as Ratify’s ReferenceManifest JSON', async () => {
    const r = await runCli(['referrer', 'show-manifest', '-s', `${reg.host}/${repo}@${SUBJECT}`, '-d', sbomDigest, '--store', 'oras', '-c', cfg.configPath], env());
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(m), ['mediaType', 'artifactType', 'blobs', 'subject']);
    assert.equal(m.artifactType, 'application/spdx+json');
  });

  it('writes a blob byte for byte', async () => {
    const sbom = Buffer.from('{"spdxVersion":"SPDX-2.3"}');
    const r = await runCli(['referrer', 'show-blob', '-s', `${reg.host}/${repo}@${SUBJECT}`, '-d', sha256(sbom), '--store', 'oras', '-c', cfg.configPath], env());
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdoutBytes, sbom);
  });

  it('refuses an unknown store name with exit code 2', async () => {
    const r = await runCli(['referrer', 'show-blob', '-s', `${reg.host}/${repo}@${SUBJECT}`, '-d', SUBJECT, '--store', 'nope', '-c', cfg.configPath], env());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot find store with name nope/);
  });
});

describe('ratify discover --oci-layout', { skip }, () => {
  it('finds signatures by subject and by tag schema, without a registry', async () => {
    const dir = vectorPath(LAYOUTS, 'e2e-valid-multiple-signatures');
    const r = await runCli(['discover', '--oci-layout', '-s', `${dir}:v1`], env());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${dir}:v1\n└── oci-layout\n    ├── [${NOTARY}]${SIGNATURE}\n    └── [${NOTARY}]${SECOND_SIGNATURE}\n`);
  });

  it('resolves a layout tag and accepts a digest subject', async () => {
    const dir = vectorPath(LAYOUTS, 'e2e-valid-signature');
    const r = await runCli(['resolve', '--oci-layout', '-s', `${dir}:v1`], env());
    assert.equal(r.stdout, `${SUBJECT}\n`);
    const d = await runCli(['discover', '--oci-layout', '--flat', '-s', `${dir}@${SUBJECT}`], env());
    assert.equal(d.code, 0, d.stderr);
    assert.deepEqual(JSON.parse(d.stdout), [
      {
        storeName: 'oci-layout',
        References: [
          {
            mediaType: OCI_MANIFEST,
            digest: SIGNATURE,
            size: 728,
            annotations: {
              'io.cncf.notary.x509chain.thumbprint#S256': '["e38aea13f2b051f7183cca64a51ee676f4d4456f41d9fecf15eb367efc7343b9"]',
              'org.opencontainers.image.created': '2023-06-27T05:30:33Z',
            },
            artifactType: NOTARY,
          },
        ],
      },
    ]);
  });
});

describe('ratify CLI errors', () => {
  it('exits 2 with REFERENCE_INVALID for a bad reference', async () => {
    const r = await runCli(['discover', '-s', 'Not/A:Valid:Ref'], env());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /REFERENCE_INVALID/);
  });

  it('exits 2 when the subject flag is missing', async () => {
    const r = await runCli(['discover'], env());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /required option '-s, --subject/);
  });

  it('exits 2 naming the field of an invalid config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ratify-ts-badcfg-'));
    const p = join(dir, 'config.json');
    await writeFile(p, JSON.stringify({ store: { plugins: [{ name: 'oras', ttl: 'ten' }] } }));
    const r = await runCli(['discover', '-s', 'localhost:1/x:y', '-c', p], env());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /CONFIG_INVALID/);
    assert.match(r.stderr, /store\.plugins\[0\]\.ttl/);
    await writeFile(p, '{ not json');
    const r2 = await runCli(['discover', '-s', 'localhost:1/x:y', '-c', p], env());
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /not valid JSON/);
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 when the registry is unreachable, within the timeout', async () => {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'ratify-ts-cfg-'));
    const p = join(dir, 'config.json');
    await writeFile(p, JSON.stringify({ store: { plugins: [{ name: 'oras', useHttp: true }] } }));
    const r = await runCli(['discover', '--timeout', '2s', '-s', `127.0.0.1:${port}/x/y:v1`, '-c', p], env());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /could not resolve descriptor for a subject from any stores/);
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the version and exits 0', async () => {
    const r = await runCli(['version'], env());
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Version: +\d+\.\d+\.\d+/);
  });
});

describe('ratify CLI config lookup', { skip }, () => {
  let reg: RegistryHandle;
  let plain: RegistryHandle;
  let cfg: RatifyTestConfig;
  before(async () => {
    reg = await startRegistry('tls');
    plain = await startRegistry('open');
    await pushLayout(reg, vectorPath(LAYOUTS, 'e2e-valid-signature'), 'e2e/valid');
    await pushLayout(plain, vectorPath(LAYOUTS, 'e2e-valid-signature'), 'e2e/valid');
    cfg = await writeRatifyConfig(plain);
  });
  after(async () => {
    await reg?.stop();
    await plain?.stop();
    if (cfg) await rm(cfg.dir, { recursive: true, force: true });
  });

  it('uses the built-in default (one oras store) when no config exists; loopback TLS is not verified, as in Ratify', async () => {
    const emptyHome = await mkdtemp(join(tmpdir(), 'ratify-ts-home-'));
    const r = await runCli(['discover', '-s', `${reg.host}/e2e/valid:v1`], { HOME: emptyHome });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`└── oras\\n    └── \\[${NOTARY}\\]${SIGNATURE}`));
    await rm(emptyHome, { recursive: true, force: true });
  });

  it('reads $RATIFY_CONFIG/config.json', async () => {
    const r = await runCli(['resolve', '-s', `${plain.host}/e2e/valid:v1`], { HOME: home, RATIFY_CONFIG: cfg.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SUBJECT}\n`);
  });

  it('reads ~/.ratify/config.json', async () => {
    const h = await mkdtemp(join(tmpdir(), 'ratify-ts-home-'));
    const { mkdir, copyFile } = await import('node:fs/promises');
    await mkdir(join(h, '.ratify'));
    await copyFile(cfg.configPath, join(h, '.ratify', 'config.json'));
    const r = await runCli(['resolve', '-s', `${plain.host}/e2e/valid:v1`], { HOME: h });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SUBJECT}\n`);
    // Without it, the default store speaks HTTPS and cannot reach the plain-HTTP registry.
    await rm(join(h, '.ratify'), { recursive: true, force: true });
    const r2 = await runCli(['resolve', '--timeout', '3s', '-s', `${plain.host}/e2e/valid:v1`], { HOME: h });
    assert.equal(r2.code, 2);
    await rm(h, { recursive: true, force: true });
  });

  it('exits 2 when -c names a file that does not exist', async () => {
    const r = await runCli(['resolve', '-s', `${plain.host}/e2e/valid:v1`, '-c', join(home, 'missing.json')], { HOME: home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read config file/);
  });
});
