import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { backgroundContext, withDeadline } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import { parseReference, withDigest } from '../../src/reference/reference.js';
import { ExecVerifier } from '../../src/plugins/exec-verifier.js';
import { silentLogger } from '../../src/observability/logger.js';
import { builtinVerifiers } from '../../src/verifiers/builtin.js';
import type { Verifier, VerifyInput } from '../../src/verifiers/types.js';
import { GraphStore, ScriptedVerifier, byAnnotation, digestOf } from '../executor/fixtures.js';
import { projectRoot } from '../harness/vectors.js';
import { LEVEL, alive, capturingLogger, executorFor, runtimeEnv, shPlugin, tempDir, waitUntil, writeExecutable } from './helpers.js';

const AT = 'application/vnd.example.check';
const OTHER = 'application/vnd.example.other';

interface Env {
  dir: string;
  bin: string;
  home: string;
}

async function setup(): Promise<Env> {
  const dir = await tempDir();
  const bin = join(dir, 'bin');
  const home = join(dir, 'home');
  await mkdir(bin, { recursive: true });
  await mkdir(home, { recursive: true });
  return { dir, bin, home };
}

/** Creates the verifier through the registry (the path config takes), with the plugin dir. */
async function create(e: Env, entry: Record<string, unknown>, opts: { sectionVersion?: string; env?: NodeJS.ProcessEnv; log?: ReturnType<typeof capturingLogger>['log'] } = {}): Promise<Verifier> {
  return builtinVerifiers().create(entry, 0, {
    rt: runtimeEnv(e.home, opts.env),
    log: opts.log ?? silentLogger(),
    pluginBinDirs: [e.bin],
    ...(opts.sectionVersion ? { sectionVersion: opts.sectionVersion } : {}),
  });
}

function input(store = new GraphStore()): VerifyInput {
  const subject = store.image('v1');
  const ref = withDigest(parseReference('registry.example/app:v1'), subject.digest);
  const tagged = { ...ref, original: 'registry.example/app:v1' };
  return {
    subject: tagged,
    subjectDescriptor: subject,
    referrer: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf('referrer'), size: 321, annotations: { 'org.example.k': 'v' }, artifactType: AT },
    store,
  };
}

async function expectPluginFailure(p: Promise<unknown>, reason: RegExp): Promise<RatifyError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RatifyError, `expected a RatifyError, got ${String(e)}`);
    assert.equal(e.code, 'VERIFY_PLUGIN_FAILURE', e.message);
    assert.match(e.errorReason, /^VERIFY_PLUGIN_FAILURE: /);
    assert.match(e.errorReason, reason);
    return e;
  }
  assert.fail('expected the plugin to fail');
}

const RESULT = '{"isSuccess":true,"message":"checked","name":"ignored","type":"ignored","extensions":{"n":1}}';

describe('exec verifier plugins: invocation (Ratify protocol)', () => {
  let e: Env;
  before(async () => {
    e = await setup();
  });
  after(async () => {
    await rm(e.dir, { recursive: true, force: true });
  });

  it('sends RATIFY_VERIFIER_* (subject in tag form), the parent env, no argv, and {config, storeConfig, referenceDesc} on stdin', async () => {
    const out = join(e.dir, 'dump1');
    await mkdir(out);
    await shPlugin(e.bin, 'dumper', `env > ${out}/env; echo "$#" > ${out}/argc; cat > ${out}/stdin\necho '${RESULT}'`);
    const entry = { name: 'my-check', type: 'dumper', artifactTypes: `${AT},${OTHER}`, custom: { deep: [1, 2] }, version: '2.0.0' };
    const v = await create(e, entry, { sectionVersion: '1.0.0', env: { PARENT_VAR: 'kept', RATIFY_VERIFIER_COMMAND: 'overridden' } });
    assert.ok(v instanceof ExecVerifier);
    assert.deepEqual(v.artifactTypes, [AT, OTHER]);
    const inp = input();
    const r = await v.verify(inp, backgroundContext());
    assert.equal(r.isSuccess, true);
    assert.equal(r.message, 'checked');
    assert.deepEqual(r.extensions, { n: 1 });
    const env = Object.fromEntries(
      (await readFile(join(out, 'env'), 'utf8'))
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.equal(env.RATIFY_VERIFIER_COMMAND, 'VERIFY');
    assert.equal(env.RATIFY_VERIFIER_SUBJECT, 'registry.example/app:v1');
    assert.equal(env.RATIFY_VERIFIER_VERSION, '2.0.0', 'the entry version wins over verifier.version');
    assert.equal(env.PARENT_VAR, 'kept', 'the parent environment comes from RuntimeEnv.env');
    assert.equal((await readFile(join(out, 'argc'), 'utf8')).trim(), '0');
    const stdin = JSON.parse(await readFile(join(out, 'stdin'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(stdin), ['config', 'storeConfig', 'referenceDesc']);
    assert.deepEqual(stdin.config, entry, 'the raw entry, artifactTypes still a comma-separated string');
    assert.deepEqual(stdin.storeConfig, { version: '0.1.0', pluginBinDirs: null, store: { name: 'oras' } });
    assert.deepEqual(Object.keys(stdin.referenceDesc as object), ['mediaType', 'digest', 'size', 'annotations', 'artifactType'], 'Go field order');
    assert.deepEqual(stdin.referenceDesc, { mediaType: inp.referrer.mediaType, digest: inp.referrer.digest, size: 321, annotations: { 'org.example.k': 'v' }, artifactType: AT });
  });

  it('sends verifier.version, else 0.1.0, and defaults artifactTypes to "*" for plugins', async () => {
    const out = join(e.dir, 'dump2');
    await mkdir(out);
    await shPlugin(e.bin, 'versioned', `echo "$RATIFY_VERIFIER_VERSION" >> ${out}/v; cat >/dev/null; echo '${RESULT}'`);
    const a = await create(e, { name: 'versioned' }, { sectionVersion: '1.0.0' });
    assert.deepEqual(a.artifactTypes, ['*']);
    await a.verify(input(), backgroundContext());
    const b = await create(e, { name: 'versioned' });
    await b.verify(input(), backgroundContext());
    assert.deepEqual((await readFile(join(out, 'v'), 'utf8')).trim().split('\n'), ['1.0.0', '0.1.0']);
  });

  it('looks in pluginBinDirs in order, else <RATIFY_CONFIG>/plugins; type selects the file; "/" is refused', async () => {
    const first = join(e.dir, 'first');
    const second = join(e.dir, 'second');
    await shPlugin(first, 'dup', `cat >/dev/null; echo '{"isSuccess":true,"message":"first"}'`);
    await shPlugin(second, 'dup', `cat >/dev/null; echo '{"isSuccess":true,"message":"second"}'`);
    const rt = runtimeEnv(e.home);
    const v = await builtinVerifiers().create({ name: 'x', type: 'dup' }, 0, { rt, log: silentLogger(), pluginBinDirs: [first, second] });
    assert.equal((await v.verify(input(), backgroundContext())).message, 'first');
    const cfgDir = join(e.dir, 'ratify-config');
    await shPlugin(join(cfgDir, 'plugins'), 'dup', `cat >/dev/null; echo '{"isSuccess":true,"message":"default dir"}'`);
    const d = await builtinVerifiers().create({ name: 'dup' }, 0, { rt: { ...rt, ratifyConfigDir: cfgDir }, log: silentLogger() });
    assert.equal((await d.verify(input(), backgroundContext())).message, 'default dir');
    await assert.rejects(builtinVerifiers().create({ name: 'x', type: '../dup' }, 0, { rt, log: silentLogger(), pluginBinDirs: [first] }), /must not contain "\/"/);
  });

  it('PLUGIN_NOT_FOUND at creation names the built-ins and the directories searched', async () => {
    await assert.rejects(create(e, { name: 'absent' }), (err: unknown) => {
      assert.ok(err instanceof RatifyError);
      assert.equal(err.code, 'PLUGIN_NOT_FOUND');
      assert.match(err.message, /verifier "absent" is not available/);
      assert.match(err.message, /Built-in verifiers: (?=.*notation)(?=.*cosign)(?=.*sbom)(?=.*vulnerabilityreport)/);
      assert.ok(err.message.includes(e.bin), err.message);
      return true;
    });
  });

  it('keeps errorReason and remediation from the plugin (Ratify drops them)', async () => {
    await shPlugin(e.bin, 'denier', `cat >/dev/null; echo '{"isSuccess":false,"message":"denied","errorReason":"too old","remediation":"re-sign it","name":"denier","type":"denier"}'`);
    const r = await (await create(e, { name: 'denier' })).verify(input(), backgroundContext());
    assert.deepEqual(
      { isSuccess: r.isSuccess, message: r.message, errorReason: r.errorReason, remediation: r.remediation },
      { isSuccess: false, message: 'denied', errorReason: 'too old', remediation: 're-sign it' },
    );
  });
});

describe('exec verifier plugins: output parsing (Ratify parsePluginOutput)', () => {
  let e: Env;
  before(async () => {
    e = await setup();
  });
  after(async () => {
    await rm(e.dir, { recursive: true, force: true });
  });

  it('skips noise before the JSON line and logs prefixed lines at their level with [Plugin]', async () => {
    await shPlugin(
      e.bin,
      'noisy',
      `cat >/dev/null
echo 'INFO: from stderr' >&2
echo 'WARN: careful' >&2
echo 'DEBUG: details' >&2
echo 'plain stderr line' >&2
echo 'starting up'
echo 'info: lower-case prefix'
echo ''
echo '${RESULT}'
echo 'trailing noise'`,
    );
    const { log, records } = capturingLogger();
    const r = await (await create(e, { name: 'noisy' })).verify(input(), backgroundContext(log));
    assert.equal(r.isSuccess, true);
    const lines = records.filter((x) => x.plugin === 'noisy' && x.msg.startsWith('[Plugin]')).map((x) => [x.level, x.msg]);
    assert.deepEqual(lines, [
      [LEVEL.info, '[Plugin] from stderr'],
      [LEVEL.warn, '[Plugin] careful'],
      [LEVEL.debug, '[Plugin] details'],
      [LEVEL.info, '[Plugin] plain stderr line'],
      [LEVEL.info, '[Plugin] starting up'],
      [LEVEL.info, '[Plugin] lower-case prefix'],
      [LEVEL.info, '[Plugin] trailing noise'],
    ]);
  });

  it('accepts the result JSON on stderr (Ratify scans stderr, then stdout)', async () => {
    await shPlugin(e.bin, 'stderr-result', `cat >/dev/null; echo '${RESULT}' >&2`);
    assert.equal((await (await create(e, { name: 'stderr-result' })).verify(input(), backgroundContext())).message, 'checked');
  });

  it('tolerates CRLF line endings and a plugin that never reads stdin', async () => {
    await shPlugin(e.bin, 'crlf', `printf 'INFO: hi\\n%s\\n' '${RESULT}' | sed 's/$/\\r/'`);
    assert.equal((await (await create(e, { name: 'crlf' })).verify(input(), backgroundContext())).message, 'checked');
  });

  it('fails on two JSON values, a pretty-printed (multi-line) result, no JSON, a non-object or no isSuccess', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['two-json', `echo '${RESULT}'; echo '${RESULT}'`, /printed 2 JSON values/],
      ['pretty', `printf '{\\n  "isSuccess": true\\n}\\n'`, /printed no JSON result/],
      ['no-json', `echo 'all good'`, /printed no JSON result \(stdout: 'all good'\)/],
      ['array', `echo '[{"isSuccess":true}]'`, /not a JSON object/],
      ['no-issuccess', `echo '{"message":"hm"}'`, /no boolean "isSuccess"/],
      ['string-issuccess', `echo '{"isSuccess":"true"}'`, /no boolean "isSuccess"/],
      ['error-json-exit-0', `echo '{"code":8,"msg":"plugin command VERIFY failed"}'`, /plugin reported PluginCmdFailure \(8\)/],
    ];
    for (const [name, body, reason] of cases) {
      await shPlugin(e.bin, name, `cat >/dev/null; ${body}`);
      await expectPluginFailure((await create(e, { name })).verify(input(), backgroundContext()), reason);
    }
  });

  it('logs a brace line that is not JSON instead of failing on it, like Ratify', async () => {
    await shPlugin(e.bin, 'brace-log', `cat >/dev/null; echo 'WARN: config {broken' >&2; echo '${RESULT}'`);
    const { log, records } = capturingLogger();
    assert.equal((await (await create(e, { name: 'brace-log' })).verify(input(), backgroundContext(log))).isSuccess, true);
    assert.ok(records.some((x) => x.level === LEVEL.warn && x.msg === '[Plugin] config {broken'));
  });
});

describe('exec verifier plugins: failures', () => {
  let e: Env;
  before(async () => {
    e = await setup();
  });
  after(async () => {
    await rm(e.dir, { recursive: true, force: true });
  });

  it('non-zero exit without error JSON gives Ratify’s message with stderr and stdout', async () => {
    await shPlugin(e.bin, 'exit3', `cat >/dev/null; echo 'partial'; echo 'boom' >&2; exit 3`);
    const err = await expectPluginFailure(
      (await create(e, { name: 'exit3' })).verify(input(), backgroundContext()),
      /plugin failed with error: 'exit status 3', msg from stError 'boom', msg from stdOut 'partial'/,
    );
    assert.match(err.effectiveRemediation ?? '', /RATIFY_VERIFIER_COMMAND=VERIFY RATIFY_VERIFIER_SUBJECT=registry.example\/app:v1/);
  });

  it('every plugin error code is reported by name from the {code,msg,details} JSON (4-space indented, exit 1)', async () => {
    const names: Record<number, string> = {
      0: 'Unknown',
      1: 'ConfigParsingFailure',
      2: 'InvalidConfig',
      3: 'UnknownCommand',
      4: 'MissingEnvironmentVariables',
      5: 'IOFailure',
      6: 'VersionNotSupported',
      7: 'ArgsParsingFailure',
      8: 'PluginCmdFailure',
      999: 'InternalFailure',
      42: 'code 42',
    };
    for (const [code, name] of Object.entries(names)) {
      const pretty = JSON.stringify({ code: Number(code), msg: `failure ${code}`, details: 'more' }, null, 4);
      await shPlugin(e.bin, `code${code}`, `cat >/dev/null; echo 'INFO: about to fail' >&2; cat <<'EOF'\n${pretty}\nEOF\nexit 1`);
      const escaped = name.replace(/[()]/g, '\\$&');
      const err = await expectPluginFailure(
        (await create(e, { name: `code${code}` })).verify(input(), backgroundContext()),
        new RegExp(`plugin reported ${escaped} \\(${code}\\): failure ${code}: more \\(exit status 1\\)`),
      );
      if (code === '6') assert.match(err.effectiveRemediation ?? '', /Set "version" on the verifier entry .* it was sent 0\.1\.0/);
    }
  });

  it('version mismatch: a Python plugin refuses the version and the report says which was sent', async () => {
    await copyFile(join(projectRoot(), 'examples', 'plugins', 'python', 'referrer-size-limit.py'), join(e.bin, 'referrer-size-limit'));
    const { chmod } = await import('node:fs/promises');
    await chmod(join(e.bin, 'referrer-size-limit'), 0o700);
    const err = await expectPluginFailure(
      (await create(e, { name: 'size', type: 'referrer-size-limit', version: '9.9.9' })).verify(input(), backgroundContext()),
      /VersionNotSupported \(6\): plugin doesn't support version 9\.9\.9/,
    );
    assert.match(err.effectiveRemediation ?? '', /it was sent 9\.9\.9/);
    const ok = await (await create(e, { name: 'size', type: 'referrer-size-limit', version: '1.0.0', maxBytes: 1000 })).verify(input(), backgroundContext());
    assert.deepEqual({ isSuccess: ok.isSuccess, message: ok.message }, { isSuccess: true, message: 'referrer manifest is 321 bytes (limit 1000)' });
  });

  it('a plugin killed by a signal is reported as such', async () => {
    await shPlugin(e.bin, 'segv', `cat >/dev/null; kill -SEGV $$`);
    await expectPluginFailure((await create(e, { name: 'segv' })).verify(input(), backgroundContext()), /plugin failed with error: 'signal: SIGSEGV'/);
  });

  it('a file that cannot be executed is a plugin failure, not a crash', async () => {
    await writeExecutable(e.bin, 'not-exec', '#!/bin/sh\necho hi\n');
    const { chmod } = await import('node:fs/promises');
    await chmod(join(e.bin, 'not-exec'), 0o600);
    await expectPluginFailure((await create(e, { name: 'not-exec' })).verify(input(), backgroundContext()), /cannot run .*not-exec: EACCES/);
    await writeExecutable(e.bin, 'bad-interp', '#!/nonexistent/interpreter\n');
    await expectPluginFailure((await create(e, { name: 'bad-interp' })).verify(input(), backgroundContext()), /cannot run .*bad-interp: ENOENT/);
  });

  it('10 MiB of garbage on stdout (or stderr) kills the plugin with a clear failure', async () => {
    await shPlugin(e.bin, 'garbage', `cat >/dev/null; head -c 10485760 /dev/urandom`);
    const t0 = Date.now();
    await expectPluginFailure((await create(e, { name: 'garbage' })).verify(input(), backgroundContext()), /output exceeded the limit: .*wrote more than 4 MiB to stdout; it was killed/);
    assert.ok(Date.now() - t0 < 10_000);
    await shPlugin(e.bin, 'garbage-err', `cat >/dev/null; head -c 10485760 /dev/zero | tr '\\0' 'x' >&2; echo '${RESULT}'`);
    await expectPluginFailure((await create(e, { name: 'garbage-err' })).verify(input(), backgroundContext()), /wrote more than 4 MiB to stderr/);
    // Below the limit, binary garbage is simply not a result.
    await shPlugin(e.bin, 'small-garbage', `cat >/dev/null; head -c 65536 /dev/urandom | tr -d '{'`);
    await expectPluginFailure((await create(e, { name: 'small-garbage' })).verify(input(), backgroundContext()), /printed no JSON result/);
  });

  it('retries "text file busy" (ETXTBSY) and then runs the plugin', async () => {
    const path = join(e.bin, 'busy');
    await writeFile(path, `#!/bin/sh\ncat >/dev/null\necho '${RESULT}'\n`, { mode: 0o700 });
    const opts = { name: 'busy', type: 'busy', artifactTypes: ['*'], nestedReferences: [], path, rawConfig: { name: 'busy' }, version: '1.0.0', env: { PATH: process.env.PATH } };
    // Open for writing, as while the file is being replaced: exec fails with ETXTBSY.
    const fd = openSync(path, 'r+');
    setTimeout(() => closeSync(fd), 250);
    const r = await new ExecVerifier({ ...opts, busyDelayMs: 100, busyRetries: 5 }).verify(input(), backgroundContext());
    assert.equal(r.isSuccess, true);
    // Still busy after every retry: a failure naming the cause.
    const fd2 = openSync(path, 'r+');
    try {
      await expectPluginFailure(new ExecVerifier({ ...opts, busyDelayMs: 20, busyRetries: 2 }).verify(input(), backgroundContext()), /ETXTBSY/);
    } finally {
      closeSync(fd2);
    }
  });

  it('a hanging plugin is killed with its whole process group at the deadline', async () => {
    const pids = join(e.dir, 'pids');
    await shPlugin(e.bin, 'hang', `cat >/dev/null; sleep 30 & echo $! > ${pids}; echo $$ >> ${pids}; wait`);
    const v = await create(e, { name: 'hang' });
    const ctx = withDeadline(backgroundContext(), 600, 'verification');
    const t0 = Date.now();
    // Killed just before the deadline, so that the failure names the plugin.
    await expectPluginFailure(v.verify(input(), ctx), /did not finish before the request deadline \(ran \d+ ms\); it was killed with its process group/);
    ctx.cancel();
    assert.ok(Date.now() - t0 < 3000, `returned after ${Date.now() - t0} ms`);
    const [child, sh] = (await readFile(pids, 'utf8')).trim().split('\n').map(Number);
    assert.ok(await waitUntil(() => !alive(child!) && !alive(sh!), 2000), 'the plugin and its grandchild are gone');
  });

  it('a caller that gives up (abort without deadline) kills the plugin group too', async () => {
    const pids = join(e.dir, 'pids-abort');
    await shPlugin(e.bin, 'hang-abort', `cat >/dev/null; sleep 30 & echo $! > ${pids}; echo $$ >> ${pids}; wait`);
    const v = await create(e, { name: 'hang-abort' });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new RatifyError('DEADLINE_EXCEEDED', 'client went away')), 300);
    await assert.rejects(v.verify(input(), { ...backgroundContext(), signal: ctl.signal }), (err: unknown) => err instanceof RatifyError && err.root.code === 'DEADLINE_EXCEEDED');
    const [child, sh] = (await readFile(pids, 'utf8')).trim().split('\n').map(Number);
    assert.ok(await waitUntil(() => !alive(child!) && !alive(sh!), 2000), 'the plugin and its grandchild are gone');
  });

  it('stray background processes are reaped when the plugin exits', async () => {
    const pidFile = join(e.dir, 'stray');
    await shPlugin(e.bin, 'stray', `cat >/dev/null; (sleep 30 >/dev/null 2>&1 &  echo $! > ${pidFile}); echo '${RESULT}'`);
    assert.equal((await (await create(e, { name: 'stray' })).verify(input(), backgroundContext())).isSuccess, true);
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    assert.ok(await waitUntil(() => !alive(pid), 2000));
  });
});

describe('exec verifier plugins inside the executor', () => {
  let e: Env;
  before(async () => {
    e = await setup();
  });
  after(async () => {
    await rm(e.dir, { recursive: true, force: true });
  });

  async function executor(plugin: string, timeoutMs = 5000) {
    const store = new GraphStore();
    const img = store.image('v1');
    store.attach(img, AT, 'a');
    store.attach(img, OTHER, 'b');
    const { log } = capturingLogger();
    const ex = await executorFor(
      e.dir,
      {
        store: { version: '1.0.0', plugins: [{ name: 'oras' }] },
        policy: { version: '1.0.0', plugin: { name: 'configPolicy' } },
        executor: { verificationRequestTimeout: timeoutMs },
        verifier: { version: '1.0.0', pluginBinDirs: [e.bin], plugins: [{ name: 'ext', type: plugin, artifactTypes: AT }] },
      },
      { rt: runtimeEnv(e.home), log, stores: [store] },
    );
    // An in-process verifier for the other referrer, next to the plugin.
    (ex as unknown as { o: { verifiers: Verifier[] } }).o.verifiers.push(new ScriptedVerifier('builtin-ok', [OTHER], byAnnotation));
    return ex;
  }

  it('a crashing plugin yields a failure report for its referrer only; other verifiers still report', async () => {
    await shPlugin(e.bin, 'crash', `cat >/dev/null; echo 'panic: nil map' >&2; exit 2`);
    const ex = await executor('crash');
    const out = await ex.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    const reports = out.result.verifierReports as unknown as Array<Record<string, unknown>>;
    const ext = reports.find((r) => r.name === 'ext')!;
    const other = reports.find((r) => r.name === 'builtin-ok')!;
    assert.equal(ext.isSuccess, false);
    assert.equal(ext.type, 'crash');
    assert.match(String(ext.message), /verifier ext could not verify sha256:/);
    assert.match(String(ext.errorReason), /^VERIFY_PLUGIN_FAILURE: plugin failed with error: 'exit status 2', msg from stError 'panic: nil map'/);
    assert.match(String(ext.remediation), /Run the plugin by hand/);
    assert.equal(other.isSuccess, true);
    assert.equal(out.transient, true, 'a plugin failure is not cached as a verdict');
    await ex.close();
  });

  it('a hanging plugin fails at the request deadline while the other verifier reports', async () => {
    await shPlugin(e.bin, 'hang2', `cat >/dev/null; exec sleep 30`);
    const ex = await executor('hang2', 500);
    const t0 = Date.now();
    const out = await ex.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    assert.ok(Date.now() - t0 < 3000);
    const reports = out.result.verifierReports as unknown as Array<Record<string, unknown>>;
    assert.equal(reports.find((r) => r.name === 'builtin-ok')!.isSuccess, true);
    const ext = reports.find((r) => r.name === 'ext')!;
    assert.equal(ext.isSuccess, false);
    assert.match(String(ext.errorReason), /^VERIFY_PLUGIN_FAILURE: verifier plugin "ext" did not finish before the request deadline/);
    assert.match(String(ext.remediation), /verificationRequestTimeout/);
    await ex.close();
  });

  it('a passing plugin produces Ratify’s report element with the configured name and type', async () => {
    await shPlugin(e.bin, 'passes', `cat >/dev/null; echo '{"isSuccess":true,"message":"fine","name":"whatever","type":"whatever","extensions":{"k":"v"},"remediation":"none needed"}'`);
    const ex = await executor('passes');
    const out = await ex.verify({ subject: 'registry.example/app:v1' }, backgroundContext());
    const ext = (out.result.verifierReports as unknown as Array<Record<string, unknown>>).find((r) => r.name === 'ext')!;
    assert.deepEqual(Object.keys(ext), ['subject', 'isSuccess', 'name', 'verifierName', 'type', 'verifierType', 'referenceDigest', 'artifactType', 'message', 'remediation', 'extensions']);
    assert.deepEqual([ext.isSuccess, ext.name, ext.type, ext.message, ext.extensions], [true, 'ext', 'passes', 'fine', { k: 'v' }]);
    assert.equal(out.result.isSuccess, true);
    await ex.close();
  });
});

describe('exec verifier plugins: missing environment (plugin side, real process)', () => {
  it('the Python example answers code 4 with Ratify’s message and exit status 1', async () => {
    const py = join(projectRoot(), 'examples', 'plugins', 'python', 'referrer-size-limit.py');
    const run = (env: NodeJS.ProcessEnv) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const c = spawn(py, [], { env: { PATH: process.env.PATH, ...env } });
        let stdout = '';
        c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        c.stdin.end('{}');
        c.on('close', (code) => resolve({ code, stdout }));
      });
    const a = await run({});
    assert.equal(a.code, 1);
    assert.equal(a.stdout, `${JSON.stringify({ code: 4, msg: 'missing env variables [RATIFY_VERIFIER_COMMAND]' }, null, 4)}\n`);
    const b = await run({ RATIFY_VERIFIER_COMMAND: 'VERIFY' });
    assert.deepEqual(JSON.parse(b.stdout), { code: 4, msg: 'missing env variables [RATIFY_VERIFIER_SUBJECT,RATIFY_VERIFIER_VERSION]' });
  });
});
