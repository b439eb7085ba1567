import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { backgroundContext } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import { digestOf } from '../../src/oci/digest.js';
import { silentLogger } from '../../src/observability/logger.js';
import { ExecStore } from '../../src/plugins/exec-store.js';
import { parseReference, withDigest } from '../../src/reference/reference.js';
import { createStores } from '../../src/stores/factory.js';
import { OciLayoutWriter } from '../../src/stores/ocilayout/writer.js';
import { collect, type ReferrerStore } from '../../src/stores/types.js';
import { capturingLogger, executorFor, nodePluginWrapper, projectModule, runtimeEnv, shPlugin, tempDir } from './helpers.js';

const SUBJECT_DIGEST = digestOf(Buffer.from('subject'));
const D1 = digestOf(Buffer.from('r1'));
const D2 = digestOf(Buffer.from('r2'));
const BLOB = Buffer.from([0x7b, 0x0a, 0x00, 0xff, 0x0d, 0x0a, 0x7d, 0x0a, 0x49, 0x4e, 0x46, 0x4f, 0x3a, 0x20]);
const MT = 'application/vnd.oci.image.manifest.v1+json';

/** A store plugin in sh: records its env and stdin, answers from canned data. */
function storeScript(out: string, blobFile: string): string {
  return `cat > ${out}/stdin
printf '%s|%s|%s|%s\\n' "$RATIFY_STORE_COMMAND" "$RATIFY_STORE_SUBJECT" "$RATIFY_STORE_VERSION" "$RATIFY_STORE_ARGS" >> ${out}/calls
echo "INFO: handling $RATIFY_STORE_COMMAND" >&2
case "$RATIFY_STORE_COMMAND" in
GETSUBJECTDESCRIPTOR) echo '{"mediaType":"${MT}","digest":"${SUBJECT_DIGEST}","size":7}' ;;
LISTREFERRERS)
  case "$RATIFY_STORE_ARGS" in
  nextToken=\\;*) echo 'noise line'; echo '{"referrers":[{"mediaType":"${MT}","digest":"${D1}","size":1,"artifactType":"a/one"}],"nextToken":"page2"}' ;;
  *) echo '{"referrers":[{"mediaType":"${MT}","digest":"${D2}","size":2,"artifactType":"a/two"}],"nextToken":""}' ;;
  esac ;;
GETREFMANIFEST) echo '{"mediaType":"${MT}","artifactType":"a/one","blobs":[{"mediaType":"x/y","digest":"${digestOf(BLOB)}","size":${BLOB.length}}],"annotations":{"k":"v"}}' ;;
GETBLOB)
  case "$RATIFY_STORE_ARGS" in
  digest=${digestOf(BLOB)}) cat ${blobFile} ;;
  *) echo 'not the right bytes' ;;
  esac ;;
*) printf '{\\n    "code": 3,\\n    "msg": "unknown command"\\n}\\n'; exit 1 ;;
esac`;
}

describe('exec store plugins (host side)', () => {
  let dir: string;
  let bin: string;
  let out: string;
  let home: string;
  let store: ReferrerStore;
  const ref = withDigest(parseReference('registry.example/app:v1'), SUBJECT_DIGEST);
  const tagged = { ...ref, original: 'registry.example/app:v1' };
  before(async () => {
    dir = await tempDir('ratify-store-plugin-');
    bin = join(dir, 'bin');
    out = join(dir, 'out');
    home = join(dir, 'home');
    await mkdir(out, { recursive: true });
    const blobFile = join(dir, 'blob');
    await writeFile(blobFile, BLOB);
    await shPlugin(bin, 'shstore', storeScript(out, blobFile));
    store = (await createStores({ version: '1.0.0', pluginBinDirs: [bin], plugins: [{ name: 'mystore', type: 'shstore', custom: [1] }] }, { rt: runtimeEnv(home), log: silentLogger() }))[0]!;
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is created from store.pluginBinDirs with the raw entry as its config', () => {
    assert.ok(store instanceof ExecStore);
    assert.equal(store.name, 'mystore');
    assert.deepEqual(store.config, { name: 'mystore', type: 'shstore', custom: [1] });
  });

  it('GETSUBJECTDESCRIPTOR with empty ARGS and the raw config on stdin', async () => {
    await rm(join(out, 'calls'), { force: true });
    const d = await store.resolve(tagged, backgroundContext());
    assert.deepEqual(d, { mediaType: MT, digest: SUBJECT_DIGEST, size: 7 });
    assert.equal((await readFile(join(out, 'calls'), 'utf8')).trim(), 'GETSUBJECTDESCRIPTOR|registry.example/app:v1|1.0.0|');
    assert.deepEqual(JSON.parse(await readFile(join(out, 'stdin'), 'utf8')), { name: 'mystore', type: 'shstore', custom: [1] });
  });

  it('LISTREFERRERS follows nextToken across pages with Ratify’s k=v;k=v args', async () => {
    await rm(join(out, 'calls'), { force: true });
    const { log, records } = capturingLogger();
    const list = await collect(store.listReferrers(tagged, { mediaType: MT, digest: SUBJECT_DIGEST, size: 7 }, backgroundContext(log), { artifactTypes: ['a/one', 'a/two'] }));
    assert.deepEqual(list.map((d) => d.digest), [D1, D2]);
    assert.deepEqual((await readFile(join(out, 'calls'), 'utf8')).trim().split('\n'), [
      'LISTREFERRERS|registry.example/app:v1|1.0.0|nextToken=;artifactTypes=a/one,a/two',
      'LISTREFERRERS|registry.example/app:v1|1.0.0|nextToken=page2;artifactTypes=a/one,a/two',
    ]);
    assert.ok(records.some((r) => r.msg === '[Plugin] handling LISTREFERRERS' && r.plugin === 'mystore'));
    // A plugin that ignores the filter is filtered here.
    const only = await collect(store.listReferrers(tagged, { mediaType: MT, digest: SUBJECT_DIGEST, size: 7 }, backgroundContext(), { artifactTypes: ['a/two'] }));
    assert.deepEqual(only.map((d) => d.digest), [D2]);
  });

  it('GETREFMANIFEST passes digest=<d> and validates the ReferenceManifest', async () => {
    const m = await store.fetchManifest(tagged, { mediaType: MT, digest: D1, size: 1 }, backgroundContext());
    assert.deepEqual(m, { mediaType: MT, artifactType: 'a/one', blobs: [{ mediaType: 'x/y', digest: digestOf(BLOB), size: BLOB.length }], annotations: { k: 'v' } });
  });

  it('GETBLOB keeps raw bytes (newlines, NUL, braces, "INFO: ") and checks the digest', async () => {
    const b = await store.fetchBlob(tagged, { digest: digestOf(BLOB), size: BLOB.length }, backgroundContext());
    assert.ok(Buffer.from(b).equals(BLOB));
    const wrong = digestOf(Buffer.from('something else'));
    await assert.rejects(store.fetchBlob(tagged, { digest: wrong }, backgroundContext()), (e: unknown) => e instanceof RatifyError && e.code === 'GET_BLOB_CONTENT_FAILURE' && /digest mismatch/.test(e.message));
    // More bytes than the descriptor says: the plugin is cut off.
    await assert.rejects(store.fetchBlob(tagged, { digest: digestOf(BLOB), size: 3 }, backgroundContext()), /wrote more than 3 bytes to stdout/);
  });

  it('a failing command reports the plugin error under the command’s Ratify code', async () => {
    await shPlugin(bin, 'broken', `cat >/dev/null; printf '{\\n    "code": 8,\\n    "msg": "plugin command LISTREFERRERS failed",\\n    "details": "registry down"\\n}\\n'; exit 1`);
    const [b] = await createStores({ pluginBinDirs: [bin], plugins: [{ name: 'broken' }] }, { rt: runtimeEnv(home), log: silentLogger() });
    await assert.rejects(collect(b!.listReferrers(tagged, { mediaType: MT, digest: SUBJECT_DIGEST, size: 7 }, backgroundContext())), (e: unknown) => {
      assert.ok(e instanceof RatifyError);
      assert.equal(e.code, 'LIST_REFERRERS_FAILURE');
      assert.match(e.errorReason, /plugin reported PluginCmdFailure \(8\): plugin command LISTREFERRERS failed: registry down/);
      return true;
    });
    await assert.rejects(b!.resolve(tagged, backgroundContext()), (e: unknown) => e instanceof RatifyError && e.code === 'GET_SUBJECT_DESCRIPTOR_FAILURE');
  });

  it('not found ⇒ PLUGIN_NOT_FOUND naming pluginBinDirs and the default dir (appended for stores)', async () => {
    await assert.rejects(createStores({ pluginBinDirs: [bin], plugins: [{ name: 'absent' }] }, { rt: runtimeEnv(home), log: silentLogger() }), (e: unknown) => {
      assert.ok(e instanceof RatifyError);
      assert.equal(e.code, 'PLUGIN_NOT_FOUND');
      assert.ok(e.message.includes(bin) && e.message.includes(join(home, '.ratify', 'plugins')), e.message);
      return true;
    });
    await shPlugin(join(home, '.ratify', 'plugins'), 'in-default', 'echo');
    const [d] = await createStores({ pluginBinDirs: [bin], plugins: [{ name: 'in-default' }] }, { rt: runtimeEnv(home), log: silentLogger() });
    assert.ok(d instanceof ExecStore);
  });
});

describe('a verifier plugin reading through a store plugin (both exec, kit-built)', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('ratify-store-chain-');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('verifies referrers listed by the store plugin; the verifier plugin opens the same store plugin from storeConfig', async () => {
    const bin = join(dir, 'bin');
    await nodePluginWrapper(bin, 'kit-layout-store', projectModule('test/plugins/fixtures/kit-layout-store'));
    await nodePluginWrapper(bin, 'kit-verifier', projectModule('test/plugins/fixtures/kit-verifier'));
    const layout = join(dir, 'layout');
    const w = new OciLayoutWriter(layout);
    const img = w.image('v1');
    w.attach(img, 'application/vnd.example.sig', [{ mediaType: 'text/plain', data: 'signed!' }], { 'org.example.k': 'v' });
    await w.write();
    const home = join(dir, 'home');
    const rt = runtimeEnv(home);
    const config = {
      store: { version: '1.0.0', pluginBinDirs: [bin], plugins: [{ name: 'kit-layout-store', path: layout }] },
      policy: { version: '1.0.0', plugin: { name: 'configPolicy' } },
      verifier: { version: '1.0.0', pluginBinDirs: [bin], plugins: [{ name: 'reader', type: 'kit-verifier', mode: 'manifest' }] },
    };
    const { log } = capturingLogger();
    const stores = await createStores(config.store, { rt, log });
    const ex = await executorFor(dir, config, { rt, log, stores });
    const outcome = await ex.verify({ subject: `${layout}:v1`, reference: { registry: '', repository: layout, path: layout, tag: 'v1', original: `${layout}:v1` } }, backgroundContext(log), { timeoutMs: 60_000 });
    const [rep] = outcome.result.verifierReports as unknown as Array<Record<string, unknown>>;
    assert.equal(outcome.result.isSuccess, true, JSON.stringify(outcome.result));
    assert.deepEqual(rep!.extensions, { annotations: { 'org.example.k': 'v' }, blobs: 1, text: 'signed!', store: 'kit-layout-store', mode: 'exec' });
    await ex.close();
  });
});
