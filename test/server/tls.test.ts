import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { Agent, request } from 'undici';
import { RatifyServer } from '../../src/server/server.js';
import { tlsFilesFrom } from '../../src/server/tls.js';
import { Executor } from '../../src/executor/executor.js';
import { ConfigPolicy } from '../../src/policy/config-policy.js';
import { silentLogger } from '../../src/observability/logger.js';
import { issueCert, makeTestPki, type IssuedCert, type TestPki } from '../harness/pki.js';
import { GraphStore, NOTARY, ScriptedVerifier, byAnnotation } from '../executor/fixtures.js';

const REG = 'registry.example.com';
const body = JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys: [`${REG}/app:signed`] } });

/**
 * The cert dir is laid out like a Kubernetes secret volume: tls.crt -> ..data/tls.crt and
 * ..data -> a timestamped directory; rotation writes a new directory and swaps ..data.
 */
async function k8sSecretDir(root: string, files: Record<string, string>): Promise<void> {
  const gen = join(root, `..${Date.now()}_${Math.random().toString(36).slice(2)}`);
  await mkdir(gen);
  for (const [name, src] of Object.entries(files)) await copyFile(src, join(gen, name));
  const tmpLink = join(root, '..data_tmp');
  await rm(tmpLink, { force: true });
  await symlink(gen.split('/').pop()!, tmpLink);
  await rename(tmpLink, join(root, '..data'));
  for (const name of Object.keys(files)) {
    await symlink(join('..data', name), join(root, name)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
}

describe('HTTPS and mTLS with rotation', () => {
  let dir: string;
  let serverPki: TestPki;
  let clientCaA: TestPki;
  let clientCaB: TestPki;
  let clientA: IssuedCert;
  let clientB: IssuedCert;
  let certDir: string;
  let caDir: string;
  let server: RatifyServer;
  let url: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-tls-'));
    for (const d of ['server', 'ca-a', 'ca-b', 'certs', 'client-ca']) await mkdir(join(dir, d));
    serverPki = await makeTestPki(join(dir, 'server'));
    clientCaA = await makeTestPki(join(dir, 'ca-a'));
    clientCaB = await makeTestPki(join(dir, 'ca-b'));
    clientA = await issueCert(clientCaA, join(dir, 'ca-a'), 'gatekeeper-a', 'client');
    clientB = await issueCert(clientCaB, join(dir, 'ca-b'), 'gatekeeper-b', 'client');
    certDir = join(dir, 'certs');
    caDir = join(dir, 'client-ca');
    await k8sSecretDir(certDir, { 'tls.crt': serverPki.serverCertFile, 'tls.key': serverPki.serverKeyFile });
    await k8sSecretDir(caDir, { 'ca.crt': clientCaA.caCertFile });
    const store = new GraphStore();
    store.attach(store.image('signed'), NOTARY, 'sig');
    server = new RatifyServer({
      http: '127.0.0.1:0',
      tls: tlsFilesFrom(certDir, join(caDir, 'ca.crt')),
      rt: { home: dir, env: {} },
      log: silentLogger(),
      watchIntervalMs: 100,
      build: async () => new Executor({ stores: [store], verifiers: [new ScriptedVerifier('notation', [NOTARY], byAnnotation)], policy: new ConfigPolicy({}) }),
    });
    const l = await server.start();
    url = `https://127.0.0.1:${l.port}/ratify/gatekeeper/v1/verify`;
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const agent = (client?: IssuedCert, extra: Record<string, unknown> = {}) =>
    new Agent({ connect: { ca: serverPki.caPem, ...(client ? { cert: client.certPem, key: client.keyPem } : {}), ...extra } });

  async function call(a: Agent): Promise<number> {
    const res = await request(url, { method: 'POST', body, dispatcher: a, headers: { 'content-type': 'application/json' } });
    const json = (await res.body.json()) as { response: { items: Array<{ value: { isSuccess: boolean } }> } };
    assert.equal(json.response.items[0]!.value.isSuccess, true);
    return res.statusCode;
  }

  it('serves a client with a certificate from the configured CA', async () => {
    assert.equal(await call(agent(clientA)), 200);
  });

  it('refuses a client without a certificate', async () => {
    await assert.rejects(call(agent()));
  });

  it('refuses a client whose certificate comes from another CA', async () => {
    await assert.rejects(call(agent(clientB)));
  });

  it('speaks TLS 1.3 only', async () => {
    await assert.rejects(
      new Promise<void>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: Number(new URL(url).port), ca: serverPki.caPem, cert: clientA.certPem, key: clientA.keyPem, maxVersion: 'TLSv1.2' }, () => {
          s.end();
          resolve();
        });
        s.on('error', reject);
      }),
    );
  });

  it('rotates the server certificate and the client CA during a stream of requests with no failures', async () => {
    const serving = async (): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: Number(new URL(url).port), ca: serverPki.caPem, cert: clientA.certPem, key: clientA.keyPem }, () => {
          const serial = new X509Certificate(s.getPeerX509Certificate()!.raw).serialNumber;
          s.end();
          resolve(serial);
        });
        s.on('error', reject);
      });
    const before = await serving();
    let failures = 0;
    let done = 0;
    let stop = false;
    // Fresh connections now and then, so that new TLS handshakes happen throughout.
    const stream = (async () => {
      let a = agent(clientA);
      while (!stop) {
        try {
          await call(a);
          done++;
        } catch {
          failures++;
        }
        if (done % 10 === 0) {
          await a.close();
          a = agent(clientA);
        }
      }
      await a.close();
    })();
    // 1. A new server certificate from the same CA, swapped in like a secret volume update.
    const next = await issueCert(serverPki, join(dir, 'server'), 'server-next', 'server');
    await k8sSecretDir(certDir, { 'tls.crt': next.certFile, 'tls.key': next.keyFile });
    await waitFor(async () => (await serving()) !== before);
    // 2. Add client CA B beside A (clients move over with no gap).
    const bundle = join(dir, 'bundle.crt');
    await writeFile(bundle, clientCaA.caPem + clientCaB.caPem);
    await k8sSecretDir(caDir, { 'ca.crt': bundle });
    await waitFor(async () => call(agent(clientB)).then(() => true, () => false));
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await stream;
    assert.equal(failures, 0, `${failures} of ${done + failures} requests failed during rotation`);
    assert.ok(done > 20, `only ${done} requests ran during rotation`);
    // 3. Drop CA A: its clients are refused from now on.
    await k8sSecretDir(caDir, { 'ca.crt': clientCaB.caCertFile });
    await waitFor(async () => call(agent(clientA)).then(() => false, () => true));
    assert.equal(await call(agent(clientB)), 200);
  });

  it('keeps the working certificate when a rotation writes a broken one', async () => {
    const broken = join(dir, 'broken.key');
    await writeFile(broken, '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n');
    const cur = join(dir, 'current.crt');
    await copyFile(join(certDir, 'tls.crt'), cur);
    await k8sSecretDir(certDir, { 'tls.crt': cur, 'tls.key': broken });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(await call(agent(clientB)), 200);
  });
});

async function waitFor(cond: () => Promise<boolean>, ms = 8000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('condition not met in time');
}
