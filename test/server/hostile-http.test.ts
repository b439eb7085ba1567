import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Agent, request } from 'undici';
import { makeTestPki, type TestPki } from '../harness/pki.js';
import { startServe, writeSbomLayoutConfig, type ServeProcess } from '../harness/serve.js';

/**
 * Issue 11 part 3: hostile HTTP input sent to a real `ratify serve` process over HTTPS. After
 * every case the process must still answer /healthz and verify a valid request.
 */

const LIMIT = 64 * 1024;
const DEADLINE_MS = 2000;
const VERIFY = '/ratify/gatekeeper/v1/verify';
const MUTATE = '/ratify/gatekeeper/v1/mutate';
const VALID_KEY = 'localhost/app:v1';
const providerRequest = (keys: unknown) => JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys } });

interface RawAnswer {
  status: number | undefined;
  headers: Record<string, string>;
  body: string;
  /** The connection ended (closed or reset) before the wait ran out. */
  closed: boolean;
  error: string | undefined;
  raw: string;
}

/** Parses the first HTTP response in `raw` (body by Content-Length). */
function parseAnswer(raw: string): Pick<RawAnswer, 'status' | 'headers' | 'body'> & { complete: boolean } {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: undefined, headers: {}, body: '', complete: false };
  const [line, ...fields] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const f of fields) {
    const i = f.indexOf(':');
    headers[f.slice(0, i).trim().toLowerCase()] = f.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = raw.slice(end + 4, end + 4 + length);
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(line ?? '')?.[1]), headers, body, complete: Buffer.byteLength(body) >= length };
}

describe('hostile HTTP input to a real ratify serve process', () => {
  let dir: string;
  let pki: TestPki;
  let serve: ServeProcess;
  let agent: Agent;
  let url: string;

  /** Opens a TLS connection, runs `script` on it and collects what the server sends until it closes (or `waitMs`). */
  function exchange(script: (s: Socket) => Promise<void>, waitMs = 8_000): Promise<RawAnswer> {
    return new Promise((resolve) => {
      let raw = '';
      let error: string | undefined;
      const s = tlsConnect({ host: '127.0.0.1', port: serve.port, ca: pki.caPem, servername: 'localhost' }, () => {
        script(s).catch((e: unknown) => (error ??= String(e)));
      });
      const finish = (closed: boolean) => {
        clearTimeout(t);
        s.destroy();
        resolve({ ...parseAnswer(raw), closed, error, raw });
      };
      const t = setTimeout(() => finish(false), waitMs);
      s.on('data', (d: Buffer) => (raw += d.toString('latin1')));
      s.on('error', (e) => (error ??= (e as NodeJS.ErrnoException).code ?? e.message));
      s.on('close', () => finish(true));
    });
  }

  /** Writes `chunk` until the server closes the connection or `max` bytes went out. */
  async function keepSending(s: Socket, chunk: Buffer | (() => Buffer), max: number): Promise<void> {
    let sent = 0;
    while (sent < max && s.writable) {
      const b = typeof chunk === 'function' ? chunk() : chunk;
      sent += b.length;
      if (!s.write(b)) {
        await new Promise<void>((r) => {
          const done = () => {
            s.off('drain', done);
            s.off('close', done);
            r();
          };
          s.on('drain', done);
          s.on('close', done);
        });
      }
    }
  }

  async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
    const res = await request(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, dispatcher: agent });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as { response: { items?: Array<{ key: string; value?: { isSuccess?: boolean }; error?: string }>; systemError?: string; idempotent?: boolean } } };
  }

  async function verifierRuns(): Promise<number> {
    const text = await (await request(`http://127.0.0.1:${serve.metricsPort}/metrics`)).body.text();
    return [...text.matchAll(/^ratify_verifier_duration_count\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  }

  const systemError = (a: { body: string }) => (JSON.parse(a.body) as { response: { systemError?: string } }).response.systemError;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-hostile-'));
    await mkdir(join(dir, 'pki'));
    await mkdir(join(dir, 'certs'));
    pki = await makeTestPki(join(dir, 'pki'));
    await copyFile(pki.serverCertFile, join(dir, 'certs', 'tls.crt'));
    await copyFile(pki.serverKeyFile, join(dir, 'certs', 'tls.key'));
    const config = await writeSbomLayoutConfig(dir, ['v1'], { executor: { verificationRequestTimeout: DEADLINE_MS } });
    serve = await startServe({
      args: ['-c', config, '--cert-dir', join(dir, 'certs'), '--metrics-enabled', '--metrics-port', '127.0.0.1:METRICS_PORT', '--max-body-bytes', String(LIMIT), '--headers-timeout', '1s', '--request-timeout', '20s'],
      logFile: join(dir, 'serve.log'),
      env: { HOME: dir, RATIFY_LOG_LEVEL: 'warn' },
    });
    url = `https://127.0.0.1:${serve.port}`;
    agent = new Agent({ connect: { ca: pki.caPem, servername: 'localhost' } });
  });

  after(async () => {
    await agent?.close();
    await serve?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    assert.equal(serve.proc.exitCode, null, `serve exited; its log:\n${await serve.log()}`);
    const health = await request(`http://127.0.0.1:${serve.healthPort}/healthz`);
    assert.equal(health.statusCode, 200);
    assert.equal(await health.body.text(), 'ok');
    const r = await post(VERIFY, providerRequest([VALID_KEY]));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().response.items?.[0]?.value?.isSuccess, true, r.text);
  });

  it('answers a declared Content-Length over the limit with 413 while the client is still sending', async () => {
    const a = await exchange(async (s) => {
      s.write(`POST ${VERIFY} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n`);
      await keepSending(s, Buffer.alloc(16 * 1024, 0x20), 8 * 1024 * 1024);
    });
    assert.equal(a.status, 413, JSON.stringify(a));
    assert.equal(a.headers['content-type'], 'application/json');
    assert.equal(a.headers['connection'], 'close');
    assert.equal(systemError(a), `operation failed with error BAD_REQUEST: request body exceeds ${LIMIT} bytes`);
    assert.equal(a.closed, true, 'the connection is closed after the answer');
  });

  it('answers a chunked body over the limit with 413, not with a reset', async () => {
    const chunk = Buffer.concat([Buffer.from('4000\r\n'), Buffer.alloc(0x4000, 0x20), Buffer.from('\r\n')]);
    const a = await exchange(async (s) => {
      s.write(`POST ${VERIFY} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
      await keepSending(s, chunk, 8 * 1024 * 1024);
    });
    assert.equal(a.status, 413, JSON.stringify({ ...a, body: a.body.slice(0, 200) }));
    assert.equal(systemError(a), `operation failed with error BAD_REQUEST: request body exceeds ${LIMIT} bytes`);
  });

  it('answers an oversized body on /mutate with 413 and the idempotent flag', async () => {
    const r = await post(MUTATE, Buffer.alloc(LIMIT + 1, 0x20));
    assert.equal(r.status, 413);
    assert.equal(r.json().response.idempotent, true);
  });

  it('refuses an oversized body announced with Expect: 100-continue before the client sends it', async () => {
    const a = await exchange(async (s) => {
      s.write(`POST ${VERIFY} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n`);
    });
    assert.equal(a.status, 413, 'no 100 Continue first');
    const body = providerRequest([VALID_KEY]);
    const small = await exchange(async (s) => {
      s.write(`POST ${VERIFY} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n`);
      await new Promise((r) => s.once('data', r));
      s.write(`${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    });
    assert.match(small.raw, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /, 'a body within the limit is asked for');
  });

  it('answers a trickling body with 408 at the request deadline (executor.verificationRequestTimeout)', async () => {
    const a = await exchange(async (s) => {
      s.write(`POST ${VERIFY} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`);
      for (let i = 0; i < 200 && s.writable; i++) {
        s.write(' ');
        await new Promise((r) => setTimeout(r, 100));
      }
    }, 15_000);
    assert.equal(a.status, 408, JSON.stringify(a));
    assert.equal(systemError(a), `operation failed with error DEADLINE_EXCEEDED: request body did not arrive within ${DEADLINE_MS} ms`);
    assert.equal(a.closed, true);
  });

  it('closes a connection whose headers stall (with 408 when it can)', async () => {
    const a = await exchange(async (s) => {
      s.write(`POST ${VERIFY} HTTP/1.1\r\nHost: local`);
    });
    assert.equal(a.closed, true, 'closed at --headers-timeout, not left open');
    if (a.status !== undefined) assert.equal(a.status, 408);
  });

  it('drops a connection that never starts the TLS handshake', async () => {
    const closed = await new Promise<boolean>((resolve) => {
      const s = netConnect(serve.port, '127.0.0.1');
      const t = setTimeout(() => (s.destroy(), resolve(false)), 8_000);
      s.on('error', () => undefined);
      s.on('close', () => (clearTimeout(t), resolve(true)));
    });
    assert.equal(closed, true);
  });

  it('answers a wrong method with 405, an unknown path with 404, an encoded body with 415', async () => {
    const get = await request(`${url}${VERIFY}`, { dispatcher: agent });
    assert.equal(get.statusCode, 405);
    assert.equal(get.headers['allow'], 'POST');
    assert.match(((await get.body.json()) as { response: { systemError: string } }).response.systemError, /^operation failed with error BAD_REQUEST: method GET is not allowed/);
    const nf = await post('/ratify/gatekeeper/v1/other', providerRequest([VALID_KEY]));
    assert.equal(nf.status, 404);
    assert.match(nf.json().response.systemError ?? '', /RESOURCE_NOT_FOUND/);
    const gz = await post(VERIFY, providerRequest([VALID_KEY]), { 'content-encoding': 'gzip' });
    assert.equal(gz.status, 415);
    assert.match(gz.json().response.systemError ?? '', /^operation failed with error BAD_REQUEST: Content-Encoding "gzip" is not supported/);
  });

  it('reads the body as JSON whatever the Content-Type, as Ratify does', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8']) {
      const r = await post(VERIFY, providerRequest([VALID_KEY]), { 'content-type': type });
      assert.equal(r.status, 200, type);
      assert.equal(r.json().response.items?.[0]?.value?.isSuccess, true);
    }
  });

  it('answers malformed JSON and wrong shapes with 400 BAD_REQUEST', async () => {
    const deep = 20_000;
    const bodies: Array<string | Buffer> = [
      '',
      '{not json',
      'null',
      '[]',
      Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
      JSON.stringify({ kind: 'ProviderRequest' }),
      JSON.stringify({ request: { keys: 'x' } }),
      JSON.stringify({ request: { keys: [1] } }),
      JSON.stringify({ request: { keys: [null] } }),
      JSON.stringify({ request: { keys: [{ key: VALID_KEY }] } }),
      JSON.stringify({ kind: 'Other', request: { keys: [] } }),
      providerRequest(['x'.repeat(4097)]),
      providerRequest(Array.from({ length: 1001 }, (_, i) => `localhost/app:t${i}`)),
      `{"request":{"keys":${'['.repeat(deep)}${']'.repeat(deep)}}}`,
    ];
    for (const body of bodies) {
      const r = await post(VERIFY, body);
      assert.equal(r.status, 400, `${String(body).slice(0, 60)} → ${r.text}`);
      assert.match(r.json().response.systemError ?? '', /^operation failed with error BAD_REQUEST: /);
    }
  });

  it('accepts deeply nested JSON in fields it ignores, within the size limit', async () => {
    const deep = 20_000;
    const r = await post(VERIFY, `{"request":{"keys":[${JSON.stringify(VALID_KEY)}]},"extra":${'['.repeat(deep)}${']'.repeat(deep)}}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().response.items?.[0]?.value?.isSuccess, true);
  });

  it('answers every copy of a repeated key but verifies it once', async () => {
    const before = await verifierRuns();
    const r = await post(VERIFY, providerRequest(Array.from({ length: 50 }, () => VALID_KEY)));
    assert.equal(r.status, 200);
    const items = r.json().response.items ?? [];
    assert.equal(items.length, 50);
    assert.ok(items.every((i) => i.key === VALID_KEY && i.value?.isSuccess === true));
    assert.equal((await verifierRuns()) - before, 1);
  });

  it('answers a request head over the size limit with 431 and ignores headers beyond the count', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => `x-h-${i}: v\r\n`).join('');
    const big = await exchange(async (s) => {
      s.write(`POST ${VERIFY} HTTP/1.1\r\nHost: localhost\r\n${many}Content-Length: 2\r\n\r\n{}`);
    });
    assert.equal(big.status, 431, JSON.stringify(big));
    assert.match(systemError(big) ?? '', /BAD_REQUEST: request headers are too large/);
    const body = providerRequest([VALID_KEY]);
    const small = Array.from({ length: 1000 }, (_, i) => `a${i}: b\r\n`).join('');
    const ok = await exchange(async (s) => {
      s.write(`POST ${VERIFY} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${small}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
    assert.equal(ok.status, 200, JSON.stringify(ok));
    assert.equal((JSON.parse(ok.body) as { response: { items: Array<{ value: { isSuccess: boolean } }> } }).response.items[0]!.value.isSuccess, true);
  });

  it('answers a malformed request line or an ambiguous body length with 400', async () => {
    const garbage = await exchange(async (s) => {
      s.write('GARBAGE\r\n\r\n');
    });
    assert.equal(garbage.status, 400, JSON.stringify(garbage));
    const smuggle = await exchange(async (s) => {
      s.write(`POST ${VERIFY} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
    });
    assert.equal(smuggle.status, 400, JSON.stringify(smuggle));
  });
});
