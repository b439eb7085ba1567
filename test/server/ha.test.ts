import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { writeSbomLayoutConfig } from '../harness/serve.js';
import { startRedis, type RedisHandle } from '../harness/redis.js';
import { freePort } from '../harness/ports.js';
import { spawnService, stopProcess } from '../harness/processes.js';
import { projectRoot } from '../harness/vectors.js';

const TAGS = 40;

interface Replica {
  proc: ChildProcess;
  url: string;
  metrics: string;
}

/** Two real `ratify serve` processes sharing one real redis-server. */
describe('high availability: two serve processes sharing Redis', () => {
  let dir: string;
  let redis: RedisHandle;
  let a: Replica;
  let b: Replica;

  async function startReplica(name: string, config: string): Promise<Replica> {
    const [port, mport, hport] = [await freePort(), await freePort(), await freePort()];
    const proc = spawnService(
      process.execPath,
      [join(projectRoot(), 'dist/src/cli/bin.js'), 'serve', '--http', `127.0.0.1:${port}`, '-c', config, '--cache-enabled', '--cache-type', 'redis', '--redis-url', redis.url, '--cache-ttl', '60s', '--metrics-enabled', '--metrics-port', String(mport), '--health-port', `127.0.0.1:${hport}`],
      join(dir, `${name}.log`),
      { ...process.env, HOME: dir, RATIFY_LOG_LEVEL: 'warn' },
    );
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      const ok = await request(`http://127.0.0.1:${hport}/readyz`).then(async (r) => (await r.body.text()) === 'ok', () => false);
      if (ok) return { proc, url: `http://127.0.0.1:${port}/ratify/gatekeeper/v1/verify`, metrics: `http://127.0.0.1:${mport}/metrics` };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${name} did not become ready`);
  }

  /** How many verifications this replica ran itself (not served from a cache). */
  async function verifications(r: Replica): Promise<number> {
    const text = await (await request(r.metrics)).body.text();
    return [...text.matchAll(/^ratify_verifier_duration_count\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  }

  async function verify(r: Replica, tag: number): Promise<{ status: number; ok: boolean }> {
    const res = await request(r.url, { method: 'POST', body: JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys: [`localhost/app:t${tag}`] } }) });
    const body = (await res.body.json()) as { response: { items?: Array<{ value?: { isSuccess: boolean } }> } };
    return { status: res.statusCode, ok: body.response.items?.[0]?.value?.isSuccess === true };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-ha-'));
    const config = await writeSbomLayoutConfig(dir, Array.from({ length: TAGS }, (_, i) => `t${i}`));
    redis = await startRedis();
    [a, b] = await Promise.all([startReplica('a', config), startReplica('b', config)]);
  });

  after(async () => {
    await Promise.all([a && stopProcess(a.proc), b && stopProcess(b.proc)]);
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a verification computed by one replica is a cache hit on the other', async () => {
    const before = await verifications(b);
    assert.deepEqual(await verify(a, 0), { status: 200, ok: true });
    assert.deepEqual(await verify(b, 0), { status: 200, ok: true });
    assert.equal(await verifications(b), before, 'B served it from the shared cache');
  });

  it('identical requests arriving at both replicas at once are verified once (Redis lock)', async () => {
    const before = (await verifications(a)) + (await verifications(b));
    const results = await Promise.all([verify(a, 39), verify(b, 39), verify(a, 39), verify(b, 39)]);
    assert.ok(results.every((r) => r.status === 200 && r.ok));
    assert.equal((await verifications(a)) + (await verifications(b)) - before, 1);
  });

  it('keeps answering with Redis killed mid-stream, and shares again once Redis is back', async () => {
    let failed = 0;
    for (let i = 1; i <= 24; i++) {
      if (i === 8) await redis.kill();
      if (i === 16) await redis.restart();
      const r = await verify(i % 2 ? a : b, i);
      if (r.status !== 200 || !r.ok) failed++;
    }
    assert.equal(failed, 0);
    // Both replicas reconnect on their own; then work is shared again.
    let shared = false;
    for (let tag = 25; tag < TAGS - 1 && !shared; tag++) {
      const before = await verifications(b);
      assert.equal((await verify(a, tag)).ok, true);
      assert.equal((await verify(b, tag)).ok, true);
      shared = (await verifications(b)) === before;
      if (!shared) await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(shared, 'the replicas share the cache again after Redis returned');
  });

  it('replicas report Redis outages in their metrics', async () => {
    const text = await (await request(a.metrics)).body.text();
    assert.match(text, /ratify_redis_unavailable_total\{operation="(get|set|lock)"\} [1-9]/);
  });
});
