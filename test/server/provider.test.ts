import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, Agent } from 'undici';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RatifyServer } from '../../src/server/server.js';
import { Executor } from '../../src/executor/executor.js';
import { ConfigPolicy } from '../../src/policy/config-policy.js';
import { CelPolicy } from '../../src/policy/cel-policy.js';
import { MemoryCache } from '../../src/cache/memory.js';
import { Metrics } from '../../src/observability/metrics.js';
import { createLogger, silentLogger } from '../../src/observability/logger.js';
import { RawJson, goDuration, providerResponse, serializeProviderResponse, splitNamespace } from '../../src/server/wire.js';
import { GraphStore, NOTARY, ScriptedVerifier, byAnnotation } from '../executor/fixtures.js';
import { defaultTemplateViolations, externalData } from './gatekeeper-template.js';

const REG = 'registry.example.com';

interface Harness {
  server: RatifyServer;
  url: string;
  metricsUrl: string;
  healthUrl: string;
  store: GraphStore;
  verifier: ScriptedVerifier;
  dir: string;
  configPath: string;
}

async function start(opts: { policy?: 'config' | 'cel'; cache?: boolean; slowMs?: number; verifyTimeout?: number; policyFromConfig?: boolean } = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'ratify-serve-'));
  const configPath = join(dir, 'config.json');
  await writeFile(configPath, JSON.stringify({ store: { plugins: [{ name: 'oras' }] }, executor: { verificationRequestTimeout: opts.verifyTimeout ?? 2900 }, logger: { requestHeaders: { traceIDHeaderName: ['x-ms-correlation-request-id'] } } }));
  const store = new GraphStore();
  const signed = store.image('signed');
  store.attach(signed, NOTARY, 'sig');
  store.image('unsigned');
  const tampered = store.image('tampered');
  store.attach(tampered, NOTARY, 'bad', { bad: 'tampered' });
  const verifier = new ScriptedVerifier('verifier-notation', [NOTARY], async (i, c) => {
    if (opts.slowMs) await new Promise((r) => setTimeout(r, opts.slowMs));
    return byAnnotation(i, c);
  }, [], 'notation');
  const metrics = new Metrics({ defaultMetrics: false });
  const server = new RatifyServer({
    http: '127.0.0.1:0',
    configPath,
    rt: { home: dir, env: {} },
    log: process.env.DEBUG_SERVER ? createLogger({ level: 'debug' }) : silentLogger(),
    metrics,
    metricsAddr: '127.0.0.1:0',
    healthAddr: '127.0.0.1:0',
    ...(opts.cache ? { cache: new MemoryCache(), cacheTtlMs: 10_000 } : {}),
    watchIntervalMs: 100,
    build: async (loaded) =>
      new Executor({
        stores: [store],
        verifiers: [verifier],
        policy:
          opts.policy === 'cel'
            ? new CelPolicy({ expression: 'reports.size() > 0 && reports.all(r, r.isSuccess)' })
            : new ConfigPolicy(opts.policyFromConfig && loaded.config.policy ? loaded.config.policy.plugin : { artifactVerificationPolicies: { [NOTARY]: 'any' } }),
        ...(loaded.config.executor?.verificationRequestTimeout ? { verificationRequestTimeout: loaded.config.executor.verificationRequestTimeout } : {}),
      }),
  });
  const l = await server.start();
  return { server, url: `http://127.0.0.1:${l.port}`, metricsUrl: `http://127.0.0.1:${l.metricsPort}/metrics`, healthUrl: `http://127.0.0.1:${l.healthPort}`, store, verifier, dir, configPath };
}

async function post(h: Harness, endpoint: 'verify' | 'mutate', body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${h.url}/ratify/gatekeeper/v1/${endpoint}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.statusCode, body: (await res.body.json()) as any };
}

const providerRequest = (keys: string[], apiVersion = 'externaldata.gatekeeper.sh/v1beta1') => ({ apiVersion, kind: 'ProviderRequest', request: { keys } });

describe('Gatekeeper wire format (config policy)', () => {
  let h: Harness;
  before(async () => {
    h = await start();
  });
  after(async () => {
    await h.server.stop();
    await rm(h.dir, { recursive: true, force: true });
  });

  it('answers verify with a ProviderResponse of VerificationResponse values', async () => {
    const r = await post(h, 'verify', providerRequest([`${REG}/app:signed`]));
    assert.equal(r.status, 200);
    assert.equal(r.body.apiVersion, 'externaldata.gatekeeper.sh/v1alpha1');
    assert.equal(r.body.kind, 'ProviderResponse');
    assert.equal('idempotent' in r.body.response, false, 'verify responses carry no idempotent flag');
    const item = r.body.response.items[0];
    assert.equal(item.key, `${REG}/app:signed`);
    assert.deepEqual(Object.keys(item.value), ['version', 'isSuccess', 'traceID', 'timestamp', 'verifierReports']);
    assert.equal(item.value.version, '0.2.0');
    assert.equal(item.value.isSuccess, true);
    assert.match(item.value.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.match(item.value.traceID, /^[0-9a-f-]{36}$/);
    assert.deepEqual(defaultTemplateViolations(externalData(r.status, r.body)), []);
  });

  it('accepts v1alpha1 requests and namespaced keys, and echoes keys without newlines', async () => {
    const r = await post(h, 'verify', providerRequest([`[team-a]${REG}/app:signed`, `${REG}/app:sig\nned`], 'externaldata.gatekeeper.sh/v1alpha1'));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.response.items.map((i: { key: string }) => i.key), [`[team-a]${REG}/app:signed`, `${REG}/app:signed`]);
    assert.ok(r.body.response.items.every((i: { value: { isSuccess: boolean } }) => i.value.isSuccess));
  });

  it('reports failures as isSuccess=false values, which the default template denies', async () => {
    const r = await post(h, 'verify', providerRequest([`${REG}/app:unsigned`, `${REG}/app:tampered`, `${REG}/app:signed`]));
    const [unsigned, tampered, signed] = r.body.response.items;
    assert.equal(unsigned.value.isSuccess, false);
    assert.match(unsigned.value.verifierReports[0].errorReason, /^No verification results for the artifact/);
    assert.equal(tampered.value.isSuccess, false);
    assert.equal(signed.value.isSuccess, true);
    const v = defaultTemplateViolations(externalData(r.status, r.body));
    assert.equal(v.length, 2);
    assert.match(v[0]!, /failed to verify the artifact: registry.example.com\/app:unsigned, trace-id: /);
  });

  it('puts an invalid reference in the item error', async () => {
    const r = await post(h, 'verify', providerRequest(['Not:A:Reference']));
    assert.equal(r.status, 200);
    assert.match(r.body.response.items[0].error, /^REFERENCE_INVALID: failed to parse subject reference/);
    assert.match(defaultTemplateViolations(externalData(r.status, r.body))[0]!, /^Error validating one or more images/);
  });

  it('takes the trace id from the configured request header', async () => {
    const r = await post(h, 'verify', providerRequest([`${REG}/app:signed`]), { 'x-ms-correlation-request-id': 'trace-123' });
    assert.equal(r.body.response.items[0].value.traceID, 'trace-123');
  });

  it('answers mutate with idempotent items: tag → repo@digest, digest unchanged', async () => {
    const digest = (await h.store.resolve({ registry: REG, repository: 'app', path: `${REG}/app`, original: `${REG}/app:signed`, tag: 'signed' })).digest;
    const r = await post(h, 'mutate', providerRequest([`${REG}/app:signed`, `${REG}/app@${digest}`, `${REG}/app:missing`]));
    assert.equal(r.status, 200);
    assert.equal(r.body.response.idempotent, true);
    const [tag, byDigest, missing] = r.body.response.items;
    assert.deepEqual(tag, { key: `${REG}/app:signed`, value: `${REG}/app@${digest}` });
    assert.deepEqual(byDigest, { key: `${REG}/app@${digest}`, value: `${REG}/app@${digest}` });
    assert.equal(missing.value, `${REG}/app:missing`);
    assert.match(missing.error, /not found/);
  });

  it('fails the whole request with HTTP 400 and a BAD_REQUEST systemError for a malformed body', async () => {
    for (const body of ['{not json', '[]', JSON.stringify({ request: { keys: 'x' } }), JSON.stringify({ request: { keys: [1] } }), JSON.stringify({ kind: 'Other', request: { keys: [] } })]) {
      const r = await post(h, 'verify', body);
      assert.equal(r.status, 400, body);
      assert.match(r.body.response.systemError, /^operation failed with error BAD_REQUEST: /);
      assert.match(defaultTemplateViolations(externalData(r.status, r.body))[0]!, /^System error calling external data provider/);
    }
  });

  it('refuses oversized bodies, wrong methods and unknown paths', async () => {
    const big = await post(h, 'verify', JSON.stringify(providerRequest(['x'.repeat(2 * 1024 * 1024)])));
    assert.equal(big.status, 413);
    const get = await request(`${h.url}/ratify/gatekeeper/v1/verify`);
    assert.equal(get.statusCode, 405);
    await get.body.dump();
    const nf = await request(`${h.url}/nope`, { method: 'POST', body: '{}' });
    assert.equal(nf.statusCode, 404);
    await nf.body.dump();
  });

  it('exposes Ratify’s metrics and health probes', async () => {
    const text = await (await request(h.metricsUrl)).body.text();
    for (const name of ['ratify_verification_request_bucket{le="4900"}', 'ratify_mutation_request_count', 'ratify_verifier_duration_bucket', 'ratify_system_error_count_total', 'ratify_inflight_requests']) {
      assert.ok(text.includes(name), `metrics contain ${name}`);
    }
    const ready = await request(`${h.healthUrl}/readyz`);
    assert.equal(ready.statusCode, 200);
    await ready.body.dump();
  });
});

describe('server behaviour', () => {
  it('CEL (nested-shape) policies report request errors as item errors and use version 1.1.0', async () => {
    const h = await start({ policy: 'cel' });
    try {
      const r = await post(h, 'verify', providerRequest([`${REG}/app:signed`, `${REG}/app:absent`]));
      const [ok, absent] = r.body.response.items;
      assert.equal(ok.value.version, '1.1.0');
      assert.equal(ok.value.isSuccess, true);
      assert.match(absent.error, /^REFERRER_STORE_FAILURE: /);
    } finally {
      await h.server.stop();
    }
  });

  it('caches results: a hit returns the same reports without verifying again', async () => {
    const h = await start({ cache: true });
    try {
      const a = await post(h, 'verify', providerRequest([`${REG}/app:signed`]));
      const b = await post(h, 'verify', providerRequest([`${REG}/app:signed`]));
      assert.equal(h.verifier.calls, 1);
      assert.deepEqual(b.body.response.items[0].value.verifierReports, a.body.response.items[0].value.verifierReports);
      assert.notEqual(b.body.response.items[0].value.traceID, a.body.response.items[0].value.traceID);
      // Different namespaces have separate entries.
      await post(h, 'verify', providerRequest([`[ns1]${REG}/app:signed`]));
      assert.equal(h.verifier.calls, 2);
    } finally {
      await h.server.stop();
    }
  });

  it('a reload never serves a verdict cached under the previous config', async () => {
    const h = await start({ cache: true, policyFromConfig: true });
    try {
      const ok = await post(h, 'verify', providerRequest([`${REG}/app:signed`]));
      assert.equal(ok.body.response.items[0].value.isSuccess, true);
      // The new config also demands an SBOM, which the image does not have.
      const stricter = { name: 'configPolicy', artifactVerificationPolicies: { [NOTARY]: 'any', 'application/spdx+json': 'any' } };
      await writeFile(h.configPath, JSON.stringify({ store: { plugins: [{ name: 'oras' }] }, policy: { plugin: stricter } }));
      await waitFor(async () => (await post(h, 'verify', providerRequest([`${REG}/app:signed`]))).body.response.items[0].value.isSuccess === false, 3000);
    } finally {
      await h.server.stop();
    }
  });

  it('never caches a result that failed for a transient reason', async () => {
    const h = await start({ cache: true, slowMs: 400, verifyTimeout: 150 });
    try {
      const a = await post(h, 'verify', providerRequest([`${REG}/app:signed`]));
      assert.equal(a.body.response.items[0].value.isSuccess, false, 'fails closed at the deadline');
      await post(h, 'verify', providerRequest([`${REG}/app:signed`]));
      assert.equal(h.verifier.calls, 2, 'the timeout was not cached');
    } finally {
      await h.server.stop();
    }
  });

  it('applies a changed config to new requests and keeps the last good one when the new one is invalid', async () => {
    const h = await start({ slowMs: 200 });
    try {
      await writeFile(h.configPath, JSON.stringify({ store: { plugins: [{ name: 'oras' }] }, executor: { verificationRequestTimeout: 50 } }));
      await waitFor(async () => (await post(h, 'verify', providerRequest([`${REG}/app:signed`]))).body.response.items[0].value.isSuccess === false);
      await writeFile(h.configPath, '{ broken');
      await new Promise((r) => setTimeout(r, 400));
      const r = await post(h, 'verify', providerRequest([`${REG}/app:signed`]));
      assert.equal(r.body.response.items[0].value.isSuccess, false, 'still the previous (50 ms) config');
      await writeFile(h.configPath, JSON.stringify({ store: { plugins: [{ name: 'oras' }] } }));
      await waitFor(async () => (await post(h, 'verify', providerRequest([`${REG}/app:signed`]))).body.response.items[0].value.isSuccess === true);
    } finally {
      await h.server.stop();
    }
  });

  it('finishes in-flight requests on shutdown and refuses new ones', async () => {
    const h = await start({ slowMs: 300 });
    const inflight = post(h, 'verify', providerRequest([`${REG}/app:signed`]));
    await new Promise((r) => setTimeout(r, 50));
    const stopping = h.server.stop();
    const ready = await request(`${h.healthUrl}/readyz`).catch(() => undefined);
    if (ready) {
      assert.equal(ready.statusCode, 503);
      await ready.body.dump();
    }
    const r = await inflight;
    assert.equal(r.status, 200);
    assert.equal(r.body.response.items[0].value.isSuccess, true);
    await stopping;
    await assert.rejects(request(`${h.url}/ratify/gatekeeper/v1/verify`, { method: 'POST', body: '{}', dispatcher: new Agent({ connect: { timeout: 500 } }) }));
  });
});

describe('wire helpers', () => {
  it('splits namespaces like Ratify’s regex', () => {
    assert.deepEqual(splitNamespace('[default]reg/app:v1'), { namespace: 'default', subject: 'reg/app:v1' });
    assert.deepEqual(splitNamespace('reg/app:v1'), { namespace: '', subject: 'reg/app:v1' });
    assert.deepEqual(splitNamespace('[]reg/app'), { namespace: '', subject: 'reg/app' });
  });
  it('splices pre-serialized values into exactly the JSON that JSON.stringify would give', () => {
    const value = { version: '0.2.0', isSuccess: true, traceID: 't"1', timestamp: 'now', verifierReports: [{ a: 1, b: 'x\ny' }] };
    const plain = providerResponse([{ key: 'k"1', value }, { key: 'k2', error: 'E: no' }], true);
    const spliced = providerResponse([{ key: 'k"1', value: new RawJson(JSON.stringify(value)) }, { key: 'k2', error: 'E: no' }], true);
    assert.equal(serializeProviderResponse(spliced), JSON.stringify(plain));
    assert.equal(serializeProviderResponse(plain), JSON.stringify(plain));
  });

  it('prints durations as Go does', () => {
    assert.equal(goDuration(4900), '4.9s');
    assert.equal(goDuration(950), '950ms');
    assert.equal(goDuration(90_000), '1m30s');
  });
});

async function waitFor(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('condition not met in time');
}
