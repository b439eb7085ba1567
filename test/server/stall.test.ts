import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { RatifyServer } from '../../src/server/server.js';
import { MemoryCache } from '../../src/cache/memory.js';
import { createLogger, silentLogger } from '../../src/observability/logger.js';

/**
 * Issue 6: "a registry that stalls → the item fails closed before the deadline with a clear
 * error". The server is the in-process RatifyServer building its executor from config.json
 * as `ratify serve` does (oras store with useHttp, sbom verifier, configPolicy), with the
 * memory result cache on. The registry is a local server that either never answers, or
 * answers with headers and then stalls the body.
 */

const SPDX = 'application/spdx+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DEADLINE_MS = 800;
/** Generous: the answer must come around the deadline, not at some transport timeout (30 s). */
const ANSWER_BOUND_MS = DEADLINE_MS + 4_000;

interface Stalling {
  host: string;
  /** TCP connections accepted so far. */
  connections: number;
  /** Request lines received so far ("HEAD /v2/app/manifests/v1"). */
  requests: string[];
  close(): Promise<void>;
}

/** Accepts connections, reads requests, never writes a byte. */
async function silentRegistry(): Promise<Stalling> {
  const sockets = new Set<Socket>();
  const s: Stalling = { host: '', connections: 0, requests: [], close: async () => undefined };
  const server: NetServer = createNetServer((sock) => {
    s.connections++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      // Count complete request heads (requests without bodies: GET/HEAD).
      let i: number;
      while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
        const line = buf.slice(0, buf.indexOf('\r\n'));
        s.requests.push(line.replace(/ HTTP\/1\.[01]$/, ''));
        buf = buf.slice(i + 4);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  s.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  s.close = async () => {
    for (const sock of sockets) sock.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return s;
}

/**
 * Answers HEAD with a manifest's headers but no Docker-Content-Digest (so the client falls
 * back to GET), and GET with 200, headers and the first bytes of the body, then nothing.
 */
async function headersThenStallRegistry(): Promise<Stalling> {
  const s: Stalling = { host: '', connections: 0, requests: [], close: async () => undefined };
  const server: HttpServer = createHttpServer((req, res) => {
    s.requests.push(`${req.method} ${req.url}`);
    req.resume();
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': '4096' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': '4096' });
    res.write('{"schemaVersion":2,"mediaType":"');
    // ...and the rest never comes.
  });
  server.on('connection', () => s.connections++);
  // Node's own request timeout would otherwise end the stall for us after 5 minutes; keep it out of the way.
  server.requestTimeout = 0;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  s.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  s.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return s;
}

interface Serve {
  server: RatifyServer;
  url: string;
  dir: string;
}

async function startServe(): Promise<Serve> {
  const dir = await mkdtemp(join(tmpdir(), 'ratify-stall-'));
  const configPath = join(dir, 'config.json');
  await writeFile(
    configPath,
    JSON.stringify({
      store: { version: '1.0.0', plugins: [{ name: 'oras', useHttp: true, authProvider: { name: 'dockerConfig', configPath: join(dir, 'docker-config.json') } }] },
      policy: { version: '1.0.0', plugin: { name: 'configPolicy' } },
      verifier: { version: '1.0.0', plugins: [{ name: 'sbom', artifactTypes: SPDX }] },
      executor: { verificationRequestTimeout: DEADLINE_MS },
    }),
  );
  await writeFile(join(dir, 'docker-config.json'), JSON.stringify({ auths: {} }));
  const server = new RatifyServer({
    http: '127.0.0.1:0',
    configPath,
    rt: { home: dir, env: {} },
    log: process.env.DEBUG_SERVER ? createLogger({ level: 'debug' }) : silentLogger(),
    cache: new MemoryCache(),
    cacheTtlMs: 60_000,
    watchIntervalMs: 60_000,
  });
  const l = await server.start();
  return { server, url: `http://127.0.0.1:${l.port}/ratify/gatekeeper/v1/verify`, dir };
}

async function verify(s: Serve, key: string): Promise<{ status: number; ms: number; body: any }> {
  const t0 = performance.now();
  const res = await request(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys: [key] } }),
    // The client gives up well after the bound, so a hang shows up as a failed assertion, not a test timeout.
    headersTimeout: ANSWER_BOUND_MS * 3,
    bodyTimeout: ANSWER_BOUND_MS * 3,
  });
  const body = await res.body.json();
  return { status: res.statusCode, ms: performance.now() - t0, body };
}

async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

for (const variant of [
  { name: 'never answers', start: silentRegistry, step: /^resolve 127\.0\.0\.1:\d+\/stall\/app:v1: /, firstRequest: /^HEAD \/v2\/stall\/app\/manifests\/v1$/ },
  { name: 'sends headers, then stalls the body', start: headersThenStallRegistry, step: /^fetch manifest 127\.0\.0\.1:\d+\/stall\/app:v1: /, firstRequest: /^HEAD \/v2\/stall\/app\/manifests\/v1$/ },
]) {
  describe(`a registry that ${variant.name}`, () => {
    let reg: Stalling;
    let serve: Serve;
    before(async () => {
      reg = await variant.start();
      serve = await startServe();
    });
    after(async () => {
      await serve?.server.stop();
      await reg?.close();
      if (serve) await rm(serve.dir, { recursive: true, force: true });
    });

    it('fails the item closed at the deadline, naming the step and the deadline', { timeout: 30_000 }, async () => {
      const key = `${reg.host}/stall/app:v1`;
      const r = await verify(serve, key);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(r.ms < ANSWER_BOUND_MS, `answered in ${Math.round(r.ms)} ms (deadline ${DEADLINE_MS} ms)`);
      assert.ok(r.ms >= DEADLINE_MS * 0.9, `waited for the deadline, not failing early (${Math.round(r.ms)} ms)`);
      assert.equal(r.body.response.systemError, undefined);
      const item = r.body.response.items[0];
      assert.equal(item.key, key);
      assert.equal(item.error, undefined, 'config policy: a per-image failure is a value, not an item error');
      assert.equal(item.value.isSuccess, false);
      const report = item.value.verifierReports[0];
      assert.equal(report.isSuccess, false);
      assert.match(report.errorReason, new RegExp(`did not finish within ${DEADLINE_MS} ms`));
      assert.match(report.errorReason, variant.step, `errorReason names the step: ${report.errorReason}`);
      assert.match(report.remediation ?? '', /verificationRequestTimeout/);
      assert.ok(reg.requests.some((l) => variant.firstRequest.test(l)), `the registry was asked: ${JSON.stringify(reg.requests)}`);
    });

    it('does not cache the failure: the next request goes to the registry again', { timeout: 30_000 }, async () => {
      const key = `${reg.host}/stall/app:v1`;
      const requestsBefore = reg.requests.length;
      const connectionsBefore = reg.connections;
      const r = await verify(serve, key);
      assert.equal(r.status, 200);
      assert.equal(r.body.response.items[0].value.isSuccess, false);
      assert.match(r.body.response.items[0].value.verifierReports[0].errorReason, new RegExp(`did not finish within ${DEADLINE_MS} ms`));
      assert.ok(r.ms >= DEADLINE_MS * 0.9, `verified again rather than answered from the cache (${Math.round(r.ms)} ms)`);
      // The timed-out request's connection was torn down, so verifying again means a new connection and request.
      assert.ok(await waitUntil(() => reg.requests.length > requestsBefore, 2_000), 'the stalled registry got a new request');
      assert.ok(reg.connections > connectionsBefore, `the stalled registry got a new connection (${reg.connections} vs ${connectionsBefore})`);
    });
  });
}
