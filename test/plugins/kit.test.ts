import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { descriptorJSON, type Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { OciLayoutWriter } from '../../src/stores/ocilayout/writer.js';
import { PluginError, createPluginLogger, parseStoreArgs, formatStoreArgs } from '../../src/plugin/index.js';
import { nodePluginWrapper, projectModule, tempDir } from './helpers.js';

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function run(path: string, env: NodeJS.ProcessEnv, stdin: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const c = spawn(path, [], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
    const out: Buffer[] = [];
    let err = '';
    c.stdout.on('data', (d: Buffer) => out.push(d));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', reject);
    c.stdin.on('error', () => undefined);
    c.stdin.end(stdin);
    c.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
  });
}

const VERIFY_ENV = { RATIFY_VERIFIER_COMMAND: 'VERIFY', RATIFY_VERIFIER_SUBJECT: 'registry.example/app:v1', RATIFY_VERIFIER_VERSION: '1.0.0' };
const SIG = 'application/vnd.example.signature';

/** The exact error output of Ratify's skeleton. */
function errorOutput(code: number, msg: string, details?: string): string {
  return `${JSON.stringify({ code, msg, ...(details ? { details } : {}) }, null, 4)}\n`;
}

describe('plugin author kit: verifier side of the protocol (real processes)', () => {
  let dir: string;
  let plugin: string;
  let layout: string;
  let referrer: Descriptor;
  let subjectDigest: string;
  before(async () => {
    dir = await tempDir('ratify-kit-');
    plugin = await nodePluginWrapper(join(dir, 'bin'), 'kit-verifier', projectModule('test/plugins/fixtures/kit-verifier'));
    layout = join(dir, 'layout');
    const w = new OciLayoutWriter(layout);
    const img = w.image('v1');
    subjectDigest = img.digest;
    referrer = { ...w.attach(img, SIG, [{ mediaType: 'text/plain', data: 'payload\nwith {braces}\n' }], { 'org.example.k': 'v' }), artifactType: SIG };
    await w.write();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const stdin = (config: Record<string, unknown>, store: Record<string, unknown> = { name: 'oras' }) =>
    JSON.stringify({ config, storeConfig: { version: '1.0.0', pluginBinDirs: null, store }, referenceDesc: descriptorJSON(referrer) });

  it('prints one JSON line with name and type from config, exit 0', async () => {
    const r = await run(plugin, VERIFY_ENV, stdin({ name: 'mine', type: 'kit-verifier', artifactTypes: SIG }));
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout.toString();
    assert.equal(text.split('\n').length, 2, 'a single line');
    assert.deepEqual(JSON.parse(text), {
      isSuccess: true,
      message: 'ok',
      name: 'mine',
      type: 'kit-verifier',
      extensions: { subject: 'registry.example/app:v1', path: 'registry.example/app', version: '1.0.0', digest: referrer.digest, mode: 'exec', storeName: 'oras' },
    });
  });

  it('keeps errorReason and remediation in the result', async () => {
    const r = await run(plugin, VERIFY_ENV, stdin({ name: 'mine', mode: 'deny' }));
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout.toString()), { isSuccess: false, message: 'denied', name: 'mine', type: 'mine', errorReason: 'policy says no', remediation: 'ask nicely' });
  });

  it('missing env ⇒ code 4 listing them, as Ratify’s skeleton', async () => {
    const a = await run(plugin, {}, stdin({ name: 'x' }));
    assert.equal(a.code, 1);
    assert.equal(a.stdout.toString(), errorOutput(4, 'missing env variables [RATIFY_VERIFIER_COMMAND]'));
    const b = await run(plugin, { RATIFY_VERIFIER_COMMAND: 'VERIFY', RATIFY_VERIFIER_SUBJECT: '' }, stdin({ name: 'x' }));
    assert.equal(b.stdout.toString(), errorOutput(4, 'missing env variables [RATIFY_VERIFIER_SUBJECT,RATIFY_VERIFIER_VERSION]'));
  });

  it('version not supported ⇒ code 6; unknown command ⇒ code 3', async () => {
    const v = await run(plugin, { ...VERIFY_ENV, RATIFY_VERIFIER_VERSION: '0.9.0' }, stdin({ name: 'x' }));
    assert.equal(v.code, 1);
    assert.equal(v.stdout.toString(), errorOutput(6, "plugin doesn't support version 0.9.0", 'supported versions: 1.0.0, 2.0.0'));
    const c = await run(plugin, { ...VERIFY_ENV, RATIFY_VERIFIER_COMMAND: 'SIGN' }, stdin({ name: 'x' }));
    assert.equal(c.stdout.toString(), errorOutput(3, 'unknown RATIFY_VERIFIER_COMMAND: SIGN'));
  });

  it('stdin that is not JSON ⇒ code 1; no config.name ⇒ code 2; a bad referenceDesc ⇒ code 1', async () => {
    const a = await run(plugin, VERIFY_ENV, 'not json');
    assert.equal(JSON.parse(a.stdout.toString()).code, 1);
    const b = await run(plugin, VERIFY_ENV, stdin({ type: 'x' }));
    assert.deepEqual(JSON.parse(b.stdout.toString()), { code: 2, msg: 'invalid verifier config: name is required' });
    const c = await run(plugin, VERIFY_ENV, JSON.stringify({ config: { name: 'x' }, storeConfig: {}, referenceDesc: { digest: 'nope' } }));
    assert.equal(JSON.parse(c.stdout.toString()).code, 1);
  });

  it('an exception in verify ⇒ code 8 "plugin command VERIFY failed"; a PluginError keeps its code; a bad result ⇒ 999', async () => {
    const a = await run(plugin, VERIFY_ENV, stdin({ name: 'x', mode: 'throw' }));
    assert.equal(a.code, 1);
    assert.equal(a.stdout.toString(), errorOutput(8, 'plugin command VERIFY failed', 'kaboom'));
    const b = await run(plugin, VERIFY_ENV, stdin({ name: 'x', mode: 'plugin-error' }));
    assert.equal(b.stdout.toString(), errorOutput(2, 'bad config', 'key x is wrong'));
    const c = await run(plugin, VERIFY_ENV, stdin({ name: 'x', mode: 'bad-result' }));
    assert.equal(JSON.parse(c.stdout.toString()).code, 999);
  });

  it('logs INFO:/WARN:/DEBUG: lines on stderr, one per line, without braces', async () => {
    const r = await run(plugin, VERIFY_ENV, stdin({ name: 'x', mode: 'log' }));
    assert.equal(r.code, 0);
    assert.equal(r.stderr, 'INFO: hello (world)\nWARN: careful\nDEBUG: details\nDEBUG: second line\n');
  });

  it('reads the referrer back through the store in storeConfig (an OCI layout here)', async () => {
    const r = await run(
      plugin,
      { ...VERIFY_ENV, RATIFY_VERIFIER_SUBJECT: `${layout}@${subjectDigest}` },
      stdin({ name: 'x', mode: 'manifest' }, { name: 'oci-layout', path: layout }),
    );
    assert.equal(r.code, 0, r.stdout.toString() + r.stderr);
    const ext = JSON.parse(r.stdout.toString()).extensions;
    assert.deepEqual(ext, { annotations: { 'org.example.k': 'v' }, blobs: 1, text: 'payload\nwith {braces}\n', store: 'oci-layout', mode: 'exec' });
  });

  it('a storeConfig naming an unknown store ⇒ code 2 when the plugin touches the store', async () => {
    const r = await run(plugin, VERIFY_ENV, stdin({ name: 'x', mode: 'manifest' }, { name: 'no-such-store', pluginBinDirs: [] }));
    assert.equal(r.code, 1);
    const e = JSON.parse(r.stdout.toString());
    assert.equal(e.code, 2);
    assert.match(e.msg, /failed to create store "no-such-store" from storeConfig/);
  });
});

describe('plugin author kit: store side of the protocol (real processes)', () => {
  let dir: string;
  let plugin: string;
  let layout: string;
  let img: Descriptor;
  let ref: Descriptor;
  let blob: Descriptor;
  const binary = Buffer.from([0, 1, 2, 0x7b, 0x0a, 0x0d, 0x0a, 0xff, 0xfe, 0x7d, 0x0a, 0x00]);
  before(async () => {
    dir = await tempDir('ratify-kit-store-');
    plugin = await nodePluginWrapper(join(dir, 'bin'), 'kit-layout-store', projectModule('test/plugins/fixtures/kit-layout-store'));
    layout = join(dir, 'layout');
    const w = new OciLayoutWriter(layout);
    img = w.image('v1');
    ref = w.attach(img, SIG, [{ mediaType: 'application/octet-stream', data: binary }]);
    blob = { mediaType: 'application/octet-stream', digest: digestOf(binary), size: binary.length };
    await w.write();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const cfg = () => JSON.stringify({ name: 'kit-layout-store', path: layout });
  const env = (command: string, args: string) => ({ RATIFY_STORE_COMMAND: command, RATIFY_STORE_SUBJECT: `${layout}:v1`, RATIFY_STORE_VERSION: '1.0.0', RATIFY_STORE_ARGS: args });

  it('GETSUBJECTDESCRIPTOR, LISTREFERRERS, GETREFMANIFEST answer one JSON line each', async () => {
    const s = await run(plugin, env('GETSUBJECTDESCRIPTOR', ''), cfg());
    assert.equal(s.code, 0, s.stdout.toString());
    assert.equal(JSON.parse(s.stdout.toString()).digest, img.digest);
    const l = await run(plugin, env('LISTREFERRERS', 'nextToken=;artifactTypes='), cfg());
    const list = JSON.parse(l.stdout.toString());
    assert.deepEqual(Object.keys(list), ['referrers', 'nextToken']);
    assert.deepEqual(list.referrers.map((d: Descriptor) => [d.digest, d.artifactType]), [[ref.digest, SIG]]);
    const f = await run(plugin, env('LISTREFERRERS', 'nextToken=;artifactTypes=application/other'), cfg());
    assert.deepEqual(JSON.parse(f.stdout.toString()).referrers, []);
    const m = await run(plugin, env('GETREFMANIFEST', `digest=${ref.digest}`), cfg());
    const man = JSON.parse(m.stdout.toString());
    assert.equal(man.artifactType, SIG);
    assert.deepEqual(man.blobs[0].digest, blob.digest);
  });

  it('GETBLOB writes the raw bytes unchanged', async () => {
    const b = await run(plugin, env('GETBLOB', `digest=${blob.digest}`), cfg());
    assert.equal(b.code, 0, b.stderr);
    assert.ok(b.stdout.equals(binary));
  });

  it('missing ARGS ⇒ code 4 (except GETSUBJECTDESCRIPTOR); malformed ARGS ⇒ 7; unknown command ⇒ 3; no name ⇒ 2', async () => {
    const a = await run(plugin, env('GETBLOB', ''), cfg());
    assert.equal(a.stdout.toString(), errorOutput(4, 'missing env variables [RATIFY_STORE_ARGS]'));
    const b = await run(plugin, env('GETBLOB', 'digest'), cfg());
    assert.equal(JSON.parse(b.stdout.toString()).code, 7);
    const c = await run(plugin, env('DELETE', 'x=y'), cfg());
    assert.equal(JSON.parse(c.stdout.toString()).code, 3);
    const d = await run(plugin, env('GETSUBJECTDESCRIPTOR', ''), JSON.stringify({ path: layout }));
    assert.equal(JSON.parse(d.stdout.toString()).code, 2);
    const e = await run(plugin, env('GETBLOB', 'digest=sha256:nothex'), cfg());
    assert.equal(JSON.parse(e.stdout.toString()).code, 7);
    const f = await run(plugin, { ...env('GETSUBJECTDESCRIPTOR', ''), RATIFY_STORE_VERSION: '3.0.0' }, cfg());
    assert.equal(JSON.parse(f.stdout.toString()).code, 6);
  });
});

describe('plugin author kit: helpers', () => {
  it('store args round-trip, values may contain "="', () => {
    const s = formatStoreArgs([['nextToken', 'a=b'], ['artifactTypes', 'x,y']]);
    assert.equal(s, 'nextToken=a=b;artifactTypes=x,y');
    assert.deepEqual([...parseStoreArgs(s)!], [['nextToken', 'a=b'], ['artifactTypes', 'x,y']]);
    assert.equal(parseStoreArgs('novalue'), undefined);
  });

  it('PluginError renders Ratify’s JSON, details omitted when empty', () => {
    assert.equal(new PluginError(5, 'io').render(), '{\n    "code": 5,\n    "msg": "io"\n}\n');
  });

  it('the logger prefixes every line', () => {
    const out: string[] = [];
    const l = createPluginLogger((s) => out.push(s));
    l.warn('a\nb');
    assert.deepEqual(out, ['WARN: a\n', 'WARN: b\n']);
  });
});
