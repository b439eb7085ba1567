/**
 * The store router: which stores answer for a subject (issue 11 part 1). Real OCI layouts on
 * disk, in-memory registry-like stores, the config factory and the executor.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { backgroundContext } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import { Executor } from '../../src/executor/executor.js';
import type { ReportElement } from '../../src/executor/types.js';
import { MemoryCache } from '../../src/cache/memory.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/observability/logger.js';
import { ConfigPolicy } from '../../src/policy/config-policy.js';
import { parseReference } from '../../src/reference/reference.js';
import { createStoreRouter } from '../../src/stores/factory.js';
import { createOciLayoutStore, type OciLayoutStore } from '../../src/stores/ocilayout/store.js';
import { OciLayoutWriter } from '../../src/stores/ocilayout/writer.js';
import { StoreRouter, type StoreBinding } from '../../src/stores/router.js';
import { parseScopePattern } from '../../src/stores/scope.js';
import { GraphStore, NOTARY, ScriptedVerifier, byAnnotation } from '../executor/fixtures.js';

const ctx = () => backgroundContext();
const scopes = (...p: string[]) => p.map(parseScopePattern);
const names = (r: StoreRouter, subject: string) => r.route(parseReference(subject)).stores.map((s) => s.name);

function noMatch(subject: RegExp) {
  return (e: unknown): true => {
    assert.ok(e instanceof RatifyError, String(e));
    assert.equal(e.code, 'REFERRER_STORE_FAILURE', 'Ratify’s outer text');
    assert.equal(e.root.code, 'NO_MATCHING_STORE', e.message);
    assert.match(e.message, subject);
    return true;
  };
}

describe('store router', () => {
  let dir: string;
  let layoutPath: string;
  let layout: OciLayoutStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-router-'));
    layoutPath = join(dir, 'layout');
    const w = new OciLayoutWriter(layoutPath);
    w.attach(w.image('v1'), NOTARY, [{ mediaType: 'application/jose+json', data: 'sig' }]);
    await w.write();
    await symlink(layoutPath, join(dir, 'via-link'));
    layout = await createOciLayoutStore({ name: 'oci-layout', path: layoutPath });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a layout without scopes owns only subjects naming it, never a registry subject', async () => {
    const r = new StoreRouter([{ store: layout, kind: 'layout', layoutPath }], { baseDir: dir });
    for (const s of ['evil.example.com/malware:v1', '127.0.0.1:59999/app:v1', 'nginx', `registry.example.com/app@sha256:${'a'.repeat(64)}`]) {
      assert.throws(() => r.route(parseReference(s)), noMatch(new RegExp(s.split('@')[0]!.replace(/[.:]/g, '\\$&'))), s);
    }
    // By absolute path, relative to the base directory, and through a symlink: the real path decides.
    for (const s of [`${layoutPath}:v1`, './layout:v1', './via-link:v1', `./${relative(dir, layoutPath)}/@sha256:${'b'.repeat(64)}`, `${dir}/x/../layout:v1`]) {
      const ref = await r.parse(s);
      assert.equal(ref.registry, '');
      assert.deepEqual(r.route(ref).stores, [layout], s);
    }
    // A string that is an image reference is one, even when a directory of that name exists:
    // "layout:v1" is Docker Hub's library/layout (what a kubelet would pull), not this layout.
    const hub = await r.parse('layout:v1');
    assert.equal(hub.original, 'docker.io/library/layout:v1');
    assert.throws(() => r.route(hub), noMatch(/docker\.io\/library\/layout:v1/));
    // Another directory is not this layout, whatever it is called.
    assert.throws(() => r.route({ registry: '', repository: join(dir, 'other'), path: join(dir, 'other'), tag: 'v1', original: 'other:v1' }), noMatch(/other:v1/));
  });

  it('NO_MATCHING_STORE names the subject, every store with its scopes, and how to add one', () => {
    const oras = new GraphStore('oras');
    const r = new StoreRouter([
      { store: layout, kind: 'layout', layoutPath },
      { store: oras, kind: 'registry', scopes: scopes('registry.example.com/team/*', 'ghcr.io') },
    ]);
    let err: RatifyError | undefined;
    try {
      r.route(parseReference('evil.example.com/malware:v1'));
    } catch (e) {
      err = e as RatifyError;
    }
    assert.ok(err);
    assert.equal(err.errorReason.slice(0, 18), 'NO_MATCHING_STORE:', 'the code is in errorReason, for reports and Gatekeeper');
    assert.match(err.errorReason, /no configured store serves subject evil\.example\.com\/malware:v1/);
    assert.match(err.errorReason, /"oci-layout" \(OCI layout .*layout: no scopes, so only subjects naming the layout/);
    assert.match(err.errorReason, /"oras" \(scopes registry\.example\.com\/team\/\*, ghcr\.io\)/);
    assert.match(err.effectiveRemediation!, /Add a scope such as "evil\.example\.com\/malware" or "evil\.example\.com\/\*" to the "scopes" of store "oci-layout"/);
    assert.equal(err.transient, false);
  });

  it('defaults: oras and plugin stores own every registry subject; only unscoped plugins take paths', () => {
    const oras = new GraphStore('oras');
    const plugin = new GraphStore('plugin');
    const scopedPlugin = new GraphStore('scoped-plugin');
    const r = new StoreRouter([
      { store: oras, kind: 'registry' },
      { store: plugin, kind: 'plugin' },
      { store: scopedPlugin, kind: 'plugin', scopes: scopes('registry.example.com/app') },
    ]);
    assert.deepEqual(names(r, 'evil.example.com/x:v1'), ['oras', 'plugin'], 'ties take part in config order');
    assert.deepEqual(names(r, 'registry.example.com/app:v1'), ['scoped-plugin'], 'the most specific scope wins');
    const path = { registry: '', repository: '/srv/x', path: '/srv/x', tag: 'v1', original: '/srv/x:v1' };
    assert.deepEqual(r.route(path).stores, [plugin], 'a plugin gets the subject string whole, as in Ratify');
  });

  it('precedence: repository over prefix over host over "*"; ties keep config order', () => {
    const bindings: StoreBinding[] = [
      { store: new GraphStore('any'), kind: 'registry' },
      { store: new GraphStore('host'), kind: 'plugin', scopes: scopes('registry.example.com') },
      { store: new GraphStore('team'), kind: 'plugin', scopes: scopes('registry.example.com/team/*') },
      { store: new GraphStore('app'), kind: 'plugin', scopes: scopes('registry.example.com/team/app') },
      { store: new GraphStore('app-too'), kind: 'plugin', scopes: scopes('ghcr.io', 'registry.example.com/team/app') },
      { store: new GraphStore('zone'), kind: 'plugin', scopes: scopes('*.example.com') },
    ];
    const r = new StoreRouter(bindings);
    assert.deepEqual(names(r, 'registry.example.com/team/app:v1'), ['app', 'app-too']);
    assert.deepEqual(names(r, 'registry.example.com/team/other:v1'), ['team']);
    assert.deepEqual(names(r, 'registry.example.com/solo:v1'), ['host']);
    assert.deepEqual(names(r, 'mirror.example.com/solo:v1'), ['zone']);
    assert.deepEqual(names(r, 'ghcr.io/x:v1'), ['app-too']);
    assert.deepEqual(names(r, 'quay.io/x:v1'), ['any']);
    // Host names compare in one form: an upper-case host does not escape to another store.
    assert.deepEqual(names(r, 'REGISTRY.EXAMPLE.COM/team/app:v1'), ['app', 'app-too']);
    // Route keys name the stores and their scopes.
    const k1 = r.route(parseReference('registry.example.com/team/app:v1')).key;
    const k2 = r.route(parseReference('registry.example.com/team/other:v1')).key;
    assert.notEqual(k1, k2);
  });

  it('a digest subject resolves to exactly that digest, whatever a store answers', async () => {
    const liar = new GraphStore('liar');
    const other = liar.image('other');
    liar.resolve = () => Promise.resolve(other);
    const r = new StoreRouter([{ store: liar, kind: 'plugin' }]);
    const ref = parseReference(`registry.example.com/app@sha512:${'c'.repeat(128)}`);
    await assert.rejects(r.resolve(ref, ctx()), (e: unknown) => {
      assert.ok(e instanceof RatifyError);
      assert.equal(e.root.code, 'GET_SUBJECT_DESCRIPTOR_FAILURE');
      assert.match(e.message, /resolved .* to another digest/);
      return true;
    });
  });

  it('config: "scopes" on any store entry, validated; oci-layout gets the scopes it is given', async () => {
    const text = JSON.stringify({
      store: { plugins: [{ name: 'oci-layout', path: layoutPath, scopes: ['registry.example.com/app'] }, { name: 'oras', scopes: ['ghcr.io/*'] }] },
    });
    const cfg = parseConfig(text);
    const r = await createStoreRouter(cfg.store, { rt: { home: dir, env: {} }, log: silentLogger(), subjectBaseDir: dir });
    try {
      assert.deepEqual(names(r, 'registry.example.com/app:v1'), ['oci-layout']);
      assert.deepEqual(names(r, 'ghcr.io/x/y:v1'), ['oras']);
      assert.throws(() => r.route(parseReference('docker.io/library/nginx:1')), noMatch(/nginx/));
      // A scoped layout still owns its own path.
      assert.deepEqual(r.route(await r.parse(`${layoutPath}:v1`)).stores.map((s) => s.name), ['oci-layout']);
      const desc = await r.resolve(parseReference('registry.example.com/app:v1'), ctx());
      assert.match(desc.digest, /^sha256:/);
    } finally {
      await r.close();
    }
    for (const bad of [[], ['https://x.io/app'], ['x.io/app:v1'], ['x.io/*/app'], 'x.io', ['a.io', 'A.io']]) {
      assert.throws(
        () => parseConfig(JSON.stringify({ store: { plugins: [{ name: 'exec-plugin', scopes: bad }] } })),
        (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID' && /scopes/.test(e.message),
        JSON.stringify(bad),
      );
    }
  });

  it('executor: the most specific store verifies; another store’s referrers never count', async () => {
    // Two stores hold the same tag with different content: "team" is scoped to the repository.
    const wide = new GraphStore('wide');
    wide.attach(wide.image('v1'), NOTARY, 'tampered', { bad: 'wide store content' });
    const team = new GraphStore('team');
    team.attach(team.image('v1'), NOTARY, 'good');
    const router = new StoreRouter([
      { store: wide, kind: 'registry' },
      { store: team, kind: 'plugin', scopes: scopes('registry.example.com/team/app') },
    ]);
    const verifier = new ScriptedVerifier('notation', [NOTARY], byAnnotation);
    const ex = new Executor({ router, verifiers: [verifier], policy: new ConfigPolicy({ artifactVerificationPolicies: { [NOTARY]: 'all' } }) });
    const good = await ex.verify({ subject: 'registry.example.com/team/app:v1' }, ctx(), { explain: true });
    assert.equal(good.result.isSuccess, true, JSON.stringify(good.result));
    assert.deepEqual(good.trace?.stores, ['team']);
    assert.equal(wide.listCalls, 0, 'the wider store is not asked');
    const bad = await ex.verify({ subject: 'registry.example.com/other:v1' }, ctx());
    assert.equal(bad.result.isSuccess, false);
    assert.equal(team.listCalls, 1);
  });

  it('executor: NO_MATCHING_STORE is a lasting failure report, before any store is asked', async () => {
    const store = new GraphStore('only');
    const router = new StoreRouter([{ store, kind: 'registry', scopes: scopes('registry.example.com/app') }]);
    const ex = new Executor({ router, verifiers: [new ScriptedVerifier('notation', [NOTARY], byAnnotation)], policy: new ConfigPolicy({}) });
    const out = await ex.verify({ subject: 'evil.example.com/malware:v1' }, ctx());
    assert.equal(out.result.isSuccess, false);
    assert.equal(out.error?.root.code, 'NO_MATCHING_STORE');
    assert.equal(out.transient, false, 'the same config always answers so');
    const rep = out.result.verifierReports[0] as ReportElement;
    assert.match(rep.errorReason!, /^NO_MATCHING_STORE: no configured store serves subject evil\.example\.com\/malware:v1; stores: "only" \(scopes registry\.example\.com\/app\)/);
    assert.equal(store.listCalls, 0);
  });

  it('result cache: two routers with the same subject string never share a verifier result', async () => {
    const cache = new MemoryCache();
    const mk = (annotations?: Record<string, string>) => {
      const s = new GraphStore('layoutish');
      s.attach(s.image('v1'), NOTARY, 'same-digest', annotations);
      return s;
    };
    // Same store name, same referrer digest, same config hash: only the scopes differ.
    const a = new StoreRouter([{ store: mk(), kind: 'plugin', scopes: scopes('registry.example.com/app') }]);
    const b = new StoreRouter([{ store: mk({ bad: 'other scope' }), kind: 'plugin', scopes: scopes('registry.example.com') }]);
    const policy = new ConfigPolicy({ artifactVerificationPolicies: { [NOTARY]: 'all' } });
    const ex = (router: StoreRouter) => new Executor({ router, verifiers: [new ScriptedVerifier('notation', [NOTARY], byAnnotation)], policy, resultCache: cache, configHash: 'same' });
    const first = await ex(a).verify({ subject: 'registry.example.com/app:v1' }, ctx());
    assert.equal(first.result.isSuccess, true);
    const second = await ex(b).verify({ subject: 'registry.example.com/app:v1' }, ctx());
    assert.equal(second.result.isSuccess, false, 'the other scope’s cached success is not served');
  });
});
