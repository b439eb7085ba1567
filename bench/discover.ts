import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startRegistry } from '../test/harness/registry.js';
import { pushLayout } from '../test/harness/load-layout.js';
import { vectorPath, vectorsDir } from '../test/harness/vectors.js';
import { runCli } from '../test/harness/cli.js';
import { writeRatifyConfig } from '../test/harness/ratify-config.js';
import { createStore } from '../src/stores/factory.js';
import { discoverTree } from '../src/discovery/tree.js';
import { parseReference, withDigest } from '../src/reference/reference.js';
import { backgroundContext, newStats } from '../src/context.js';
import { silentLogger } from '../src/observability/logger.js';
import { fmt, measure, median, percentile, row } from './stats.js';

/**
 * Discover latency against a loopback docker-registry, as a ratio to the raw registry round
 * trip measured in the same run (a keep-alive GET of the subject manifest). The ratio is what
 * matters: it says how many round trips' worth of time discover costs.
 */
export async function benchDiscover(): Promise<void> {
  if (!vectorsDir()) {
    console.log('discover bench: vectors not found; SKIPPED (needs notation e2e layouts)');
    return;
  }
  const reg = await startRegistry('open');
  const home = await mkdtemp(join(tmpdir(), 'ratify-bench-'));
  try {
    await pushLayout(reg, vectorPath('notation/test/e2e/testdata/registry/oci_layout/e2e-valid-signature'), 'bench/app');
    const cfg = await writeRatifyConfig(reg, { localCacheEnabled: false });
    const agent = new Agent({ connections: 4 });
    const rawRtt = await measure(300, async () => {
      const res = await request(`${reg.url}/v2/bench/app/manifests/v1`, {
        dispatcher: agent,
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      await res.body.arrayBuffer();
    }, 20);
    // The same requests a warm discover makes, issued raw and in sequence: the floor any client could reach.
    const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';
    const raw = async (method: 'GET' | 'HEAD', path: string) => {
      const res = await request(`${reg.url}${path}`, { method, dispatcher: agent, headers: { accept } });
      await res.body.dump();
    };
    const rawSequenceOnce = async () => {
      await raw('HEAD', '/v2/bench/app/manifests/v1');
      await raw('GET', '/v2/bench/app/manifests/sha256-b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9');
      await raw('GET', '/v2/bench/app/manifests/sha256-90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f');
    };

    const ref = parseReference(`${reg.host}/bench/app:v1`);
    const rt = { home, env: process.env };
    let requests = 0;
    const discoverOnce = async (store: Awaited<ReturnType<typeof createStore>>) => {
      const ctx = { ...backgroundContext(silentLogger()), stats: newStats() };
      const subject = await store.resolve(ref, ctx);
      await discoverTree([store], withDigest(ref, subject.digest), subject, ctx);
      requests = ctx.stats.registryRequests;
    };
    // Cold: a fresh store (new connections, no learned capabilities) per discover.
    const cold = await measure(50, async () => {
      const store = await createStore(cfg.store, 0, { rt, log: silentLogger() });
      await discoverOnce(store);
      await store.close?.();
    });
    const coldRequests = requests;
    // Warm: one long-lived store, as in `ratify serve` (keep-alive, referrers capability known).
    const warmStore = await createStore(cfg.store, 0, { rt, log: silentLogger() });
    // Interleaved with the raw sequence so that both see the same registry conditions.
    const warm: number[] = [];
    const rawSequence: number[] = [];
    for (let i = 0; i < 300; i++) {
      rawSequence.push(...(await measure(1, rawSequenceOnce, i === 0 ? 5 : 0)));
      warm.push(...(await measure(1, () => discoverOnce(warmStore), i === 0 ? 5 : 0)));
    }
    await agent.close();
    const warmRequests = requests;
    await warmStore.close?.();
    const cli = await measure(8, () => runCli(['discover', '-s', `${reg.host}/bench/app:v1`, '-c', cfg.configPath], { HOME: home }), 1);

    const rtt = median(rawRtt);
    const w = [34, 12, 12, 10, 14];
    console.log('\n== discover latency (loopback docker-registry 2.8, e2e-valid-signature: 1 referrer) ==');
    console.log(row(['measurement', 'median', 'p95', 'requests', 'x raw RTT'], w));
    console.log(row(['raw registry round trip (baseline)', fmt(rtt), fmt(percentile(rawRtt, 95)), 1, '1.00'], w));
    console.log(row(['discover, fresh store (cold)', fmt(median(cold)), fmt(percentile(cold, 95)), coldRequests, (median(cold) / rtt).toFixed(2)], w));
    console.log(row(['discover, long-lived store (warm)', fmt(median(warm)), fmt(percentile(warm, 95)), warmRequests, (median(warm) / rtt).toFixed(2)], w));
    console.log(row(['`ratify discover` CLI process', fmt(median(cli)), fmt(percentile(cli, 95)), coldRequests, (median(cli) / rtt).toFixed(2)], w));
    console.log(row(['raw sequence of the same 3 requests', fmt(median(rawSequence)), fmt(percentile(rawSequence, 95)), 3, (median(rawSequence) / rtt).toFixed(2)], w));
    console.log(`warm discover / raw sequence of the same requests: ${(median(warm) / median(rawSequence)).toFixed(2)} (1.00 = no client overhead)`);
  } finally {
    await reg.stop();
    await rm(home, { recursive: true, force: true });
  }
}
