import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { makeRedactor } from '../../src/server/redact.js';
import { createLogger } from '../../src/observability/logger.js';
import { makeTestPki, type TestPki } from '../harness/pki.js';
import { startServe, type ServeProcess } from '../harness/serve.js';
import { projectRoot } from '../harness/vectors.js';

/**
 * Issue 11 part 3: errors never show an absolute path of the machine or a stack trace in HTTP
 * answers or info-level logs. Each class of error is provoked in a real `ratify serve` process.
 */

const VERIFY = '/ratify/gatekeeper/v1/verify';
const NOTARY = 'application/vnd.cncf.notary.signature';

describe('no machine paths or stack traces in answers and info logs', () => {
  let dir: string;
  let home: string;
  let certDir: string;
  let configPath: string;
  let pki: TestPki;
  let serve: ServeProcess;
  let agent: Agent;
  const answers: string[] = [];

  /** Everything that must not appear: this run's directories, the test machine's home, the repository. */
  function forbidden(): string[] {
    return [dir, home, certDir, homedir(), projectRoot()];
  }

  function assertClean(text: string, where: string): void {
    for (const p of forbidden()) assert.ok(!text.includes(p), `${where} names ${p}:\n${text}`);
    assert.ok(!text.includes('    at '), `${where} has a stack trace:\n${text}`);
    assert.doesNotMatch(text, /\bat \S+ \(\S+:\d+:\d+\)/, `${where} has a stack frame`);
  }

  async function post(path: string, keys: string[]): Promise<string> {
    const res = await request(`https://127.0.0.1:${serve.port}${path}`, { method: 'POST', body: JSON.stringify({ request: { keys } }), dispatcher: agent });
    const text = await res.body.text();
    answers.push(text);
    return text;
  }

  async function logContains(text: string | RegExp, ms = 10_000): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const log = await serve.log();
      if (typeof text === 'string' ? log.includes(text) : text.test(log)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`the log never showed ${String(text)}:\n${await serve.log()}`);
  }

  function config(extraVerifiers: unknown[] = []): string {
    return JSON.stringify({
      store: { plugins: [{ name: 'oci-layout', path: join(projectRoot(), 'examples', 'sample-layout'), scopes: ['localhost/sample'] }] },
      policy: { plugin: { name: 'configPolicy' } },
      verifier: {
        plugins: [
          {
            name: 'notation',
            artifactTypes: NOTARY,
            verificationCerts: [join(dir, 'trust', 'bad.pem')],
            trustPolicyDoc: { version: '1.0', trustPolicies: [{ name: 'p', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:certs'], trustedIdentities: ['*'] }] },
          },
          { name: 'crashy', artifactTypes: 'application/sarif+json' },
          { name: 'gone', artifactTypes: 'application/spdx+json' },
          ...extraVerifiers,
        ],
      },
    });
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-leak-'));
    home = join(dir, 'home');
    certDir = join(dir, 'certs');
    const plugins = join(home, '.ratify', 'plugins');
    for (const d of [plugins, join(dir, 'conf'), join(dir, 'trust'), join(dir, 'pki'), certDir]) await mkdir(d, { recursive: true });
    pki = await makeTestPki(join(dir, 'pki'));
    await copyFile(pki.serverCertFile, join(certDir, 'tls.crt'));
    await copyFile(pki.serverKeyFile, join(certDir, 'tls.key'));
    // An unreadable trust store: the configured certificate file is not a certificate.
    await writeFile(join(dir, 'trust', 'bad.pem'), 'not a certificate\n');
    // A verifier that crashes with a stack trace on stderr, and one that disappears after start.
    await writeFile(join(plugins, 'crashy'), `#!${process.execPath}\nfunction deep() { throw new Error('verifier crashed hard'); }\ndeep();\n`);
    await writeFile(join(plugins, 'gone'), `#!${process.execPath}\nconsole.log(JSON.stringify({ isSuccess: true, message: 'ok' }));\n`);
    await chmod(join(plugins, 'crashy'), 0o755);
    await chmod(join(plugins, 'gone'), 0o755);
    configPath = join(dir, 'conf', 'config.json');
    await writeFile(configPath, config());
    serve = await startServe({
      args: ['-c', configPath, '--cert-dir', certDir],
      logFile: join(dir, 'serve.log'),
      env: { HOME: home, RATIFY_LOG_LEVEL: 'info' },
    });
    agent = new Agent({ connect: { ca: pki.caPem, servername: 'localhost' } });
    await rm(join(plugins, 'gone'));
  });

  after(async () => {
    await agent?.close();
    await serve?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('verifier failures (trust store, missing plugin, crashing plugin, store) keep their reason without the paths', async () => {
    const text = await post(VERIFY, ['localhost/sample:v1', 'localhost/sample:nope']);
    const body = JSON.parse(text) as { response: { items: Array<{ key: string; value: { verifierReports: Array<{ name?: string; errorReason?: string; remediation?: string }> } }> } };
    const byKey = new Map(body.response.items.map((i) => [i.key, i.value.verifierReports]));
    const reports = new Map((byKey.get('localhost/sample:v1') ?? []).map((r) => [r.name, r]));
    assert.match(reports.get('notation')?.errorReason ?? '', /^error reading certificate file <tmp>\/ratify-leak-\w+\/trust\/bad\.pem: /);
    assert.match(reports.get('gone')?.errorReason ?? '', /cannot run ~\/\.ratify\/plugins\/gone/);
    assert.match(reports.get('gone')?.remediation ?? '', /Check that ~\/\.ratify\/plugins\/gone is an executable/);
    assert.match(reports.get('crashy')?.errorReason ?? '', /Error: verifier crashed hard/);
    assert.match(byKey.get('localhost/sample:nope')?.[0]?.errorReason ?? '', /^tag "nope" not found in OCI layout /);
    assertClean(text, 'the verify answer');
  });

  it('a bad config reload and TLS file problems are logged without paths', async () => {
    await writeFile(configPath, '{ broken');
    await logContains('new configuration is invalid');
    // A changed config whose plugin is missing ("gone" was removed after start).
    await writeFile(configPath, config([{ name: 'sbom', artifactTypes: 'application/x-other' }]));
    await logContains(/new configuration is invalid[^\n]*PLUGIN_NOT_FOUND/);
    // The key disappears (a half-done rotation), then comes back.
    await rename(join(certDir, 'tls.key'), join(dir, 'tls.key.saved'));
    await logContains('TLS reload failed');
    await rename(join(dir, 'tls.key.saved'), join(certDir, 'tls.key'));
    await logContains('TLS certificates reloaded');
    const log = await serve.log();
    assert.match(log, /<cert-dir>\/tls\.key/, 'the TLS error says which file');
    assert.match(log, /<config>\/config\.json/, 'the config error says which file');
  });

  it('the info-level log of the whole run names no path and has no stack trace', async () => {
    const log = await serve.log();
    assert.match(log, /\[Plugin\]/, 'plugin output was logged');
    assertClean(log, 'the log');
    for (const a of answers) assertClean(a, 'an answer');
  });
});

describe('the redactor', () => {
  const redact = makeRedactor([
    { dir: '/srv/ratify/conf', label: '<config>' },
    { dir: '/home/ratify', label: '~' },
    { dir: '/', label: 'never' },
  ]);

  it('shows paths under a root relative to its label, the most specific root first', () => {
    assert.equal(redact("open '/srv/ratify/conf/certs/ca.pem'"), "open '<config>/certs/ca.pem'");
    assert.equal(redact('dirs /home/ratify/.ratify/plugins, file:///home/ratify/p.mjs'), 'dirs ~/.ratify/plugins, ~/p.mjs');
    assert.equal(redact('/srv/ratify/conf'), '<config>');
  });

  it('shows other system paths by their last segment and leaves URLs and references alone', () => {
    assert.equal(redact('cannot read /etc/ssl/private/key.pem: EACCES'), 'cannot read <path>/key.pem: EACCES');
    assert.equal(redact('/srv/ratify/confx/a'), '<path>/a');
    const untouched = 'GET https://registry.example/v2/app/manifests/v1 (docker.io/library/nginx:1.25) POST /ratify/gatekeeper/v1/verify';
    assert.equal(redact(untouched), untouched);
  });

  it('drops stack frames', () => {
    assert.equal(redact('Error: boom\n    at f (/srv/x.js:1:2)\n    at node:internal/main:3:4'), 'Error: boom');
  });

  it('applies to log lines at info and above only; debug keeps the full text', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', format: 'json', redact, destination: { write: (l: string) => void lines.push(l) } });
    const err = new Error('cannot open /home/ratify/x.pem');
    log.child({ traceID: 't' }).warn({ err, files: ['/srv/ratify/conf/a', { p: '/etc/b/c' }] }, 'failed at /home/ratify/y');
    log.debug({ err: err.message }, 'detail /home/ratify/x.pem');
    const [warn, debug] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(warn!.msg, 'failed at ~/y');
    assert.equal(warn!.err, 'cannot open ~/x.pem', 'an Error becomes its redacted message, without stack');
    assert.deepEqual(warn!.files, ['<config>/a', { p: '<path>/c' }]);
    assert.equal(debug!.msg, 'detail /home/ratify/x.pem');
    assert.equal(debug!.err, 'cannot open /home/ratify/x.pem');
  });
});
