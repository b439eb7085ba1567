import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import { startRegistry } from '../test/harness/registry.js';
import { pushBlob, pushManifest } from '../test/harness/load-layout.js';
import { writeRatifyConfig } from '../test/harness/ratify-config.js';
import { buildExecutor } from '../src/executor/build.js';
import { backgroundContext } from '../src/context.js';
import { silentLogger } from '../src/observability/logger.js';
import { MemoryCache } from '../src/cache/memory.js';
import type { VerifyResult } from '../src/executor/types.js';
import { colours, renderExplain } from '../src/cli/render.js';
import { fmt, measure, median, percentile, row } from './stats.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const SPDX = 'application/spdx+json';
const EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * `ratify verify` of a subject with 5 referrers (SBOMs) on a loopback docker-registry.
 * Baseline: the registry round trip (a keep-alive manifest GET) measured in the same run; the
 * cold verify is compared with 4 round trips (resolve, list, then manifests and blobs in parallel).
 */
export async function benchVerify(): Promise<void> {
  const reg = await startRegistry('open');
  const home = await mkdtemp(join(tmpdir(), 'ratify-bench-verify-'));
  try {
    const repo = 'bench/verify';
    await pushBlob(reg, repo, Buffer.from('{}'));
    const cfgBlob = Buffer.from('{"architecture":"amd64","os":"linux"}');
    const layer = Buffer.from('image layer');
    const subjectManifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await pushBlob(reg, repo, cfgBlob), size: cfgBlob.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: await pushBlob(reg, repo, layer), size: layer.length }] }));
    const subject = await pushManifest(reg, repo, 'v1', OCI_MANIFEST, subjectManifest);
    const referrers = [];
    for (let i = 0; i < 5; i++) {
      const doc = Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: `sbom-${i}`, creationInfo: { created: '2026-01-01T00:00:00Z', creators: ['Tool: bench'] }, packages: [{ SPDXID: 'SPDXRef-p', name: `pkg${i}`, versionInfo: '1.0', licenseConcluded: 'MIT' }] }));
      const m = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: SPDX, config: EMPTY, layers: [{ mediaType: SPDX, digest: await pushBlob(reg, repo, doc), size: doc.length }], subject: { mediaType: OCI_MANIFEST, digest: subject, size: subjectManifest.length } }));
      const d = await pushManifest(reg, repo, sha(m), OCI_MANIFEST, m);
      referrers.push({ mediaType: OCI_MANIFEST, digest: d, size: m.length, artifactType: SPDX });
    }
    await pushManifest(reg, repo, `sha256-${subject.slice(7)}`, OCI_INDEX, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: referrers })));

    const cfg = await writeRatifyConfig(reg, { localCacheEnabled: false });
    const loaded = {
      path: cfg.configPath,
      raw: '',
      config: {
        store: { version: '1.0.0', plugins: [cfg.store as { name: string }] },
        policy: { plugin: { name: 'configPolicy' } },
        verifier: { plugins: [{ name: 'sbom', artifactTypes: SPDX, disallowedLicenses: ['GPL-3.0-only'] }] },
      },
    };
    const rt = { home, env: process.env };
    const subjectRef = `${reg.host}/${repo}@${subject}`;

    const agent = new Agent({ connections: 4 });
    const rtt = await measure(300, async () => {
      const res = await request(`${reg.url}/v2/${repo}/manifests/v1`, { dispatcher: agent, headers: { accept: OCI_MANIFEST } });
      await res.body.arrayBuffer();
    }, 20);
    await agent.close();

    let last: VerifyResult | undefined;
    if (process.env.BENCH_EXPLAIN) {
      // Where a cold verification spends its time, for digging into the numbers below.
      const ex = await buildExecutor(loaded as never, { rt, log: silentLogger() });
      const o = await ex.verify({ subject: subjectRef }, backgroundContext(), { explain: true });
      console.log(renderExplain(o.trace!, colours(false)));
      await ex.close();
    }
    const cold = await measure(40, async () => {
      const ex = await buildExecutor(loaded as never, { rt, log: silentLogger() });
      last = (await ex.verify({ subject: subjectRef }, backgroundContext())).result;
      await ex.close();
    });
    if (!last?.isSuccess || last.verifierReports.length !== 5) throw new Error(`bench setup is wrong: ${JSON.stringify(last).slice(0, 300)}`);
    const warmEx = await buildExecutor(loaded as never, { rt, log: silentLogger() });
    const warm = await measure(200, () => warmEx.verify({ subject: subjectRef }, backgroundContext()), 5);
    // What `ratify serve --cache-enabled` does on a hit: one cache read, no registry work.
    const cache = new MemoryCache();
    await cache.set(`cache_ratify_verify_handler_${subjectRef}`, last, 10_000);
    const hit = await measure(2000, () => cache.get(`cache_ratify_verify_handler_${subjectRef}`), 50);
    await warmEx.close();

    const base = median(rtt);
    const w = [40, 12, 12, 16];
    console.log('\n== verify: subject with 5 SBOM referrers (loopback docker-registry 2.8, sbom verifier) ==');
    console.log(row(['measurement', 'median', 'p95', 'ratio'], w));
    console.log(row(['registry round trip (baseline)', fmt(base), fmt(percentile(rtt, 95)), '1.00 x RTT'], w));
    console.log(row(['cold verify (new executor, no caches)', fmt(median(cold)), fmt(percentile(cold, 95)), `${(median(cold) / (4 * base)).toFixed(2)} x 4·RTT`], w));
    console.log(row(['warm verify (content cached by digest)', fmt(median(warm)), fmt(percentile(warm, 95)), `${(median(warm) / base).toFixed(2)} x RTT`], w));
    console.log(row(['warm cache hit (serve --cache-enabled)', fmt(median(hit)), fmt(percentile(hit, 95)), `${(median(hit) / base).toFixed(3)} x RTT`], w));
  } finally {
    await reg.stop();
    await rm(home, { recursive: true, force: true });
  }
}
