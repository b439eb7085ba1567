/**
 * Issue 11 part 1 through `ratify serve` (a real server process): with an `oci-layout` store in
 * config.json the server answered `isSuccess: true` for any subject whose tag the layout held
 * (`127.0.0.1:59999/app:v1`). Now a subject no store owns is a definitive failure naming
 * NO_MATCHING_STORE, and a cached answer of one config never serves another.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { request } from 'undici';
import { MemoryCache } from '../../src/cache/memory.js';
import { backgroundContext } from '../../src/context.js';
import { parseConfig } from '../../src/config/load.js';
import { buildExecutor } from '../../src/executor/build.js';
import type { Executor } from '../../src/executor/executor.js';
import { silentLogger } from '../../src/observability/logger.js';
import { GatekeeperProvider } from '../../src/server/provider.js';
import { serializeProviderResponse } from '../../src/server/wire.js';
import { OciLayoutWriter } from '../../src/stores/ocilayout/writer.js';
import { freePort } from '../harness/ports.js';
import { spawnService, stopProcess } from '../harness/processes.js';
import { projectRoot } from '../harness/vectors.js';

const SPDX = 'application/spdx+json';
const SBOM = JSON.stringify({ spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: 'app', creationInfo: { created: '2026-01-01T00:00:00Z', creators: ['Tool: test'] }, packages: [] });

interface Item {
  key: string;
  value?: { isSuccess: boolean; verifierReports?: Array<{ errorReason?: string; remediation?: string }> } | string;
  error?: string;
}

describe('ratify serve: stores answer only for the subjects they own', () => {
  let dir: string;
  let layout: string;
  const procs: ChildProcess[] = [];

  const configText = (scopes?: string[]) =>
    JSON.stringify({
      store: { plugins: [{ name: 'oci-layout', path: layout, ...(scopes ? { scopes } : {}) }] },
      policy: { plugin: { name: 'configPolicy', artifactVerificationPolicies: { [SPDX]: 'all' } } },
      verifier: { plugins: [{ name: 'sbom', artifactTypes: SPDX }] },
    });

  async function serve(name: string, scopes?: string[]): Promise<string> {
    const config = join(dir, `${name}.json`);
    await writeFile(config, configText(scopes));
    const [port, hport] = [await freePort(), await freePort()];
    const proc = spawnService(
      process.execPath,
      [join(projectRoot(), 'dist/src/cli/bin.js'), 'serve', '--http', `127.0.0.1:${port}`, '-c', config, '--cache-enabled', '--health-port', `127.0.0.1:${hport}`],
      join(dir, `${name}.log`),
      { ...process.env, HOME: dir, RATIFY_LOG_LEVEL: 'warn' },
    );
    procs.push(proc);
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      if (await request(`http://127.0.0.1:${hport}/readyz`).then(async (r) => (await r.body.text()) === 'ok', () => false)) return `http://127.0.0.1:${port}/ratify/gatekeeper/v1`;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${name} did not become ready`);
  }

  async function post(url: string, endpoint: 'verify' | 'mutate', keys: string[]): Promise<Item[]> {
    const res = await request(`${url}/${endpoint}`, { method: 'POST', body: JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys } }) });
    assert.equal(res.statusCode, 200);
    const body = (await res.body.json()) as { response: { items: Item[] } };
    return body.response.items;
  }

  const failedNoStore = (item: Item | undefined) => {
    assert.ok(item && typeof item.value === 'object', JSON.stringify(item));
    assert.equal(item.value.isSuccess, false, JSON.stringify(item));
    assert.match(item.value.verifierReports?.[0]?.errorReason ?? '', /^NO_MATCHING_STORE: no configured store serves subject /);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-serve-scope-'));
    layout = join(dir, 'layout');
    const w = new OciLayoutWriter(layout);
    w.attach(w.image('v1'), SPDX, [{ mediaType: SPDX, data: SBOM }]);
    await w.write();
  });
  after(async () => {
    await Promise.all(procs.map((p) => stopProcess(p)));
    await rm(dir, { recursive: true, force: true });
  });

  it('a layout without scopes: foreign subjects fail with NO_MATCHING_STORE, the layout’s own path verifies', async () => {
    const url = await serve('unscoped');
    const keys = ['evil.example.com/malware:v1', '127.0.0.1:59999/app:v1', `${layout}:v1`];
    for (let round = 0; round < 2; round++) {
      // The second round is answered from the cache: the failure is definitive, never a success.
      const items = await post(url, 'verify', keys);
      failedNoStore(items[0]);
      failedNoStore(items[1]);
      assert.equal((items[2]!.value as { isSuccess: boolean }).isSuccess, true, JSON.stringify(items[2]));
    }
    const [m] = await post(url, 'mutate', ['evil.example.com/malware:v1']);
    assert.equal(m!.value, 'evil.example.com/malware:v1', 'unchanged');
    assert.match(m!.error ?? '', /NO_MATCHING_STORE: .*no configured store serves subject evil\.example\.com\/malware:v1/);
  });

  it('a scoped layout verifies and mutates its repository only', async () => {
    const url = await serve('scoped', ['127.0.0.1:59999/app']);
    const items = await post(url, 'verify', ['127.0.0.1:59999/app:v1', '127.0.0.1:59999/other:v1', 'evil.example.com/malware:v1']);
    assert.equal((items[0]!.value as { isSuccess: boolean }).isSuccess, true, JSON.stringify(items[0]));
    failedNoStore(items[1]);
    failedNoStore(items[2]);
    const [m] = await post(url, 'mutate', ['127.0.0.1:59999/app:v1']);
    assert.match(String(m!.value), /^127\.0\.0\.1:59999\/app@sha256:[0-9a-f]{64}$/);
    assert.equal(m!.error, undefined);
  });

  it('with a nested-shape (CEL) policy the item’s error names NO_MATCHING_STORE', async () => {
    const raw = JSON.stringify({ ...JSON.parse(configText()), policy: { plugin: { name: 'celPolicy', expression: 'reports.all(r, r.isSuccess)' } } });
    const ex = await buildExecutor({ config: parseConfig(raw), path: join(dir, 'cel.json'), raw }, { rt: { home: dir, env: {} }, log: silentLogger() });
    try {
      const provider = new GatekeeperProvider({ executor: () => ex, log: silentLogger(), cacheTtlMs: 0, traceHeaders: () => [], redact: (t: string) => t });
      const answer = await provider.verify(Buffer.from(JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys: ['evil.example.com/malware:v1'] } })), 't', backgroundContext());
      const item = JSON.parse(serializeProviderResponse(answer.body)).response.items[0] as Item;
      assert.equal(item.value, undefined);
      assert.match(item.error ?? '', /^REFERRER_STORE_FAILURE: NO_MATCHING_STORE: could not resolve descriptor for a subject from any stores: no configured store serves subject evil\.example\.com\/malware:v1/);
    } finally {
      await ex.close();
    }
  });

  it('the response cache never serves one config’s answer under another (reload, or replicas sharing Redis)', async () => {
    const cache = new MemoryCache();
    const rt = { home: dir, env: {} };
    const build = (raw: string) => buildExecutor({ config: parseConfig(raw), path: join(dir, 'c.json'), raw }, { rt, log: silentLogger(), cache });
    // Same subject, same store name, same layout: only the scope differs.
    const a = await build(configText(['registry.example.com/app']));
    const b = await build(configText(['registry.example.com/other']));
    let current: Executor = a;
    const provider = new GatekeeperProvider({ executor: () => current, log: silentLogger(), cache, cacheTtlMs: 60_000, traceHeaders: () => [], redact: (t: string) => t });
    const ask = async () => {
      const answer = await provider.verify(Buffer.from(JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys: ['registry.example.com/app:v1'] } })), 't', backgroundContext());
      return JSON.parse(serializeProviderResponse(answer.body)).response.items[0] as Item;
    };
    try {
      assert.equal(((await ask()).value as { isSuccess: boolean }).isSuccess, true);
      current = b;
      failedNoStore(await ask());
      current = a;
      assert.equal(((await ask()).value as { isSuccess: boolean }).isSuccess, true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
