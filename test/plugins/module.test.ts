import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { backgroundContext } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import { createStores } from '../../src/stores/factory.js';
import { GraphStore } from '../executor/fixtures.js';
import { capturingLogger, executorFor, projectModule, runtimeEnv, tempDir } from './helpers.js';

const AT = 'application/vnd.example.check';

/** Modules a user would write: plain ES modules implementing the interfaces, importing nothing from ratify-ts. */
const MODULES: Record<string, string> = {
  // The verifier object itself; name/type/artifactTypes come from the entry.
  'plain.mjs': `export default {
  async verify(input) {
    return { isSuccess: !input.referrer.annotations?.bad, message: 'plain saw ' + input.referrer.artifactType, errorReason: input.referrer.annotations?.bad };
  },
};`,
  // A factory function using its config.
  'factory.mjs': `export default function create(entry, deps) {
  if (!deps || !deps.rt) throw new Error('deps missing');
  return {
    name: entry.name,
    type: 'factory-type',
    artifactTypes: [entry.only],
    nestedReferences: [],
    canVerify: (d) => d.artifactType === entry.only,
    verify: async () => ({ isSuccess: true, message: 'factory ' + entry.greeting, extensions: { baseDir: deps.baseDir } }),
  };
}`,
  // A named export returning a class instance (methods on the prototype).
  'named.mjs': `class Counting {
  constructor(entry) { this.calls = 0; this.entry = entry; }
  async verify() { this.calls++; return { isSuccess: true, message: 'call ' + this.calls }; }
  async close() { globalThis.__namedClosed = (globalThis.__namedClosed ?? 0) + 1; }
}
export const createVerifier = (entry) => new Counting(entry);`,
  'throws.mjs': `export default { async verify() { throw new Error('module exploded'); } };`,
  'nothing.mjs': `export const unrelated = 1;`,
  'syntax.mjs': `export default {`,
  'bad-factory.mjs': `export default () => { throw new Error('cannot start'); };`,
  // A store module over a tiny in-memory graph.
  'store.mjs': `const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:' + 'a'.repeat(64), size: 10 };
const referrer = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:' + 'b'.repeat(64), size: 20, artifactType: '${AT}' };
export default {
  create(entry) {
    return {
      name: entry.name,
      config: entry,
      async resolve() { return subject; },
      async *listReferrers() { yield referrer; },
      async fetchManifest() { return { mediaType: referrer.mediaType, blobs: [] }; },
      async fetchBlob() { return new Uint8Array(); },
    };
  },
};`,
  // Policies: every report must pass and at least one must come from "required-name".
  'policy.mjs': `export default {
  create(entry) {
    return {
      overallResult: async (reports) => ({ isSuccess: reports.length > 0 && reports.every((r) => r.isSuccess) && reports.some((r) => r.name === entry.requiredVerifier), detail: 'module policy' }),
    };
  },
};`,
  'nested-policy.mjs': `export default {
  shape: 'nested',
  type: 'mypolicy',
  overallResult: async (reports) => ({ isSuccess: reports.every((r) => r.verifierReports.every((v) => v.isSuccess)), detail: 'nested module policy' }),
  errorToResult: () => undefined,
};`,
};

describe('in-process ES module plugins', () => {
  let dir: string;
  let home: string;
  before(async () => {
    dir = await tempDir('ratify-modules-');
    home = join(dir, 'home');
    await mkdir(join(dir, 'mods'), { recursive: true });
    for (const [f, src] of Object.entries(MODULES)) await writeFile(join(dir, 'mods', f), src);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function graph() {
    const store = new GraphStore();
    const img = store.image('v1');
    store.attach(img, AT, 'good');
    store.attach(img, AT, 'bad', { bad: 'tampered' });
    store.attach(img, 'application/other', 'other');
    return store;
  }

  async function exec(verifiers: Array<Record<string, unknown>>, policy: Record<string, unknown> = { name: 'configPolicy' }, stores?: GraphStore[]) {
    const { log } = capturingLogger();
    return executorFor(
      dir,
      { store: { version: '1.0.0', plugins: [{ name: 'oras' }] }, policy: { version: '1.0.0', plugin: policy }, verifier: { version: '1.0.0', plugins: verifiers } },
      { rt: runtimeEnv(home), log, stores: stores ?? [graph()] },
    );
  }

  it('a plain object module runs in-process; config gives name, type and artifactTypes (default "*")', async () => {
    const ex = await exec([{ name: 'plain-check', module: './mods/plain.mjs', artifactTypes: AT }]);
    const out = await ex.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    const reps = out.result.verifierReports as unknown as Array<Record<string, unknown>>;
    assert.deepEqual(
      reps.map((r) => [r.name, r.type, r.isSuccess, r.message, r.errorReason]),
      [
        ['plain-check', 'plain-check', true, `plain saw ${AT}`, undefined],
        ['plain-check', 'plain-check', false, `plain saw ${AT}`, 'tampered'],
      ],
    );
    await ex.close();
    const star = await exec([{ name: 'all', module: './mods/plain.mjs' }]);
    const all = await star.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    assert.equal(all.result.verifierReports.length, 3);
    await star.close();
  });

  it('factory functions get the entry and deps (baseDir = the config file’s directory); named exports and classes work; close is called', async () => {
    const ex = await exec([
      { name: 'fac', module: './mods/factory.mjs', only: 'application/other', greeting: 'hello' },
      { name: 'counting', module: join(dir, 'mods', 'named.mjs'), artifactTypes: AT },
    ]);
    const out = await ex.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    const reps = out.result.verifierReports as unknown as Array<Record<string, unknown>>;
    const fac = reps.find((r) => r.name === 'fac')!;
    assert.deepEqual([fac.type, fac.message, fac.extensions], ['factory-type', 'factory hello', { baseDir: dir }]);
    assert.deepEqual(reps.filter((r) => r.name === 'counting').map((r) => r.message).sort(), ['call 1', 'call 2']);
    await ex.close();
    assert.equal((globalThis as { __namedClosed?: number }).__namedClosed, 1);
  });

  it('an exception in a module verifier becomes a failure report for that referrer', async () => {
    const ex = await exec([{ name: 'boom', module: './mods/throws.mjs', artifactTypes: AT }]);
    const out = await ex.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    const reps = out.result.verifierReports as unknown as Array<Record<string, unknown>>;
    assert.equal(reps.length, 2);
    for (const r of reps) {
      assert.equal(r.isSuccess, false);
      assert.equal(r.errorReason, 'module exploded');
    }
    await ex.close();
  });

  it('load errors: missing file ⇒ PLUGIN_NOT_FOUND; no factory, syntax error, failing factory ⇒ PLUGIN_INIT_FAILURE', async () => {
    const code = async (entry: Record<string, unknown>) => {
      try {
        await exec([entry]);
      } catch (e) {
        assert.ok(e instanceof RatifyError, String(e));
        return [e.code, e.message];
      }
      return ['none', ''];
    };
    const [c1, m1] = await code({ name: 'x', module: './mods/missing.mjs' });
    assert.equal(c1, 'PLUGIN_NOT_FOUND', m1);
    assert.match(m1!, /verifier\.plugins\[0\] \(x\): verifier: module "\.\/mods\/missing\.mjs" not found/);
    assert.equal((await code({ name: 'x', module: './mods/nothing.mjs' }))[0], 'PLUGIN_INIT_FAILURE');
    assert.equal((await code({ name: 'x', module: './mods/syntax.mjs' }))[0], 'PLUGIN_INIT_FAILURE');
    const [c4, m4] = await code({ name: 'x', module: './mods/bad-factory.mjs' });
    assert.equal(c4, 'PLUGIN_INIT_FAILURE');
    assert.match(m4!, /cannot start/);
    assert.equal((await code({ name: 'x', module: 42 }))[0], 'CONFIG_INVALID');
  });

  it('a store module is created from store.plugins (path relative to the config file)', async () => {
    await writeFile(join(dir, 'config.json'), '{}');
    const stores = await createStores({ plugins: [{ name: 'memstore', module: './mods/store.mjs' }] }, { rt: runtimeEnv(home), log: capturingLogger().log, baseDir: dir });
    assert.equal(stores[0]!.name, 'memstore');
    await assert.rejects(stores[0]!.fetchManifestBytes({ registry: 'r', repository: 'x', path: 'r/x', original: 'r/x' }, { mediaType: 'm', digest: 'sha256:' + 'c'.repeat(64), size: 1 }, backgroundContext()), /cannot return raw manifest/);
    const ex = await exec([{ name: 'plain', module: './mods/plain.mjs' }], { name: 'configPolicy' }, stores as unknown as GraphStore[]);
    const out = await ex.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    assert.equal(out.result.isSuccess, true);
    assert.equal((out.result.verifierReports[0] as unknown as Record<string, unknown>).referenceDigest, 'sha256:' + 'b'.repeat(64));
    await ex.close();
  });

  it('a policy module decides (config shape by default); a nested-shape module gets Rego-shaped reports', async () => {
    const verifiers = [
      { name: 'plain', module: './mods/plain.mjs', artifactTypes: AT },
      { name: 'fac', module: './mods/factory.mjs', only: 'application/other', greeting: 'hi' },
    ];
    const strict = await exec(verifiers, { name: 'myPolicy', module: './mods/policy.mjs', requiredVerifier: 'fac' });
    assert.equal(strict.policy.type, 'mypolicy');
    const out = await strict.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    assert.equal(out.result.isSuccess, false, 'one referrer is tampered');
    await strict.close();
    const nested = await exec(verifiers, { name: 'nested', module: './mods/nested-policy.mjs' });
    const n = await nested.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    const first = n.result.verifierReports[0] as unknown as Record<string, unknown>;
    assert.ok(Array.isArray(first.verifierReports) && Array.isArray(first.nestedReports), 'nested report elements');
    assert.equal(n.result.isSuccess, false);
    await nested.close();
    // Errors: the default errorToResult of a config-shaped module policy is Ratify's error report.
    const empty = new GraphStore();
    empty.image('v1');
    const e = await exec(verifiers, { name: 'myPolicy', module: './mods/policy.mjs', requiredVerifier: 'fac' }, [empty]);
    const r = await e.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    assert.match(String((r.result.verifierReports[0] as unknown as Record<string, unknown>).errorReason), /No verification results/);
    await e.close();
  });

  it('a verifier built with the author kit runs in-process with the host’s store; its version is checked at creation', async () => {
    const mod = projectModule('test/plugins/fixtures/kit-verifier');
    const ex = await exec([{ name: 'kit', module: mod, artifactTypes: AT, version: '2.0.0' }]);
    const out = await ex.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    const rep = out.result.verifierReports[0] as unknown as Record<string, unknown>;
    assert.deepEqual((rep.extensions as Record<string, unknown>).mode, 'in-process');
    assert.deepEqual((rep.extensions as Record<string, unknown>).subject, 'registry.example/app:v1');
    assert.deepEqual((rep.extensions as Record<string, unknown>).version, '2.0.0');
    await ex.close();
    const deny = await exec([{ name: 'kit', module: mod, artifactTypes: AT, version: '1.0.0', mode: 'deny' }]);
    const d = await deny.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    const dr = d.result.verifierReports[0] as unknown as Record<string, unknown>;
    assert.deepEqual([dr.isSuccess, dr.errorReason, dr.remediation], [false, 'policy says no', 'ask nicely']);
    await deny.close();
    const pe = await exec([{ name: 'kit', module: mod, artifactTypes: AT, version: '1.0.0', mode: 'plugin-error' }]);
    const p = await pe.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    assert.match(String((p.result.verifierReports[0] as unknown as Record<string, unknown>).errorReason), /key x is wrong/);
    await pe.close();
    await assert.rejects(exec([{ name: 'kit', module: mod, version: '9.0.0' }]), (e: unknown) => e instanceof RatifyError && e.code === 'PLUGIN_INIT_FAILURE' && /doesn't support version 9\.0\.0/.test(e.message));
  });
});
