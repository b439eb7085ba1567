import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { request } from 'undici';
import { parseListenAddress } from '../../src/server/http.js';
import { RatifyError } from '../../src/errors.js';
import { startServe, writeSbomLayoutConfig, type ServeProcess } from '../harness/serve.js';

/** Resolves with whether a TCP connection to host:port is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('listen addresses', () => {
  it('accepts host:port, :port, [v6]:port and a bare port (Ratify’s --metrics-port is an int)', () => {
    assert.deepEqual(parseListenAddress(':6001'), { port: 6001 });
    assert.deepEqual(parseListenAddress('6001'), { port: 6001 });
    assert.deepEqual(parseListenAddress('127.0.0.1:8888'), { host: '127.0.0.1', port: 8888 });
    assert.deepEqual(parseListenAddress('localhost:0'), { host: 'localhost', port: 0 });
    assert.deepEqual(parseListenAddress('[::1]:9099'), { host: '::1', port: 9099 });
    assert.deepEqual(parseListenAddress('[::]:9099'), { host: '::', port: 9099 });
  });

  it('refuses what is not an address, with a CONFIG_INVALID error', () => {
    for (const bad of ['', ':', 'host:', '::1:9099', '127.0.0.1:65536', '127.0.0.1:-1', 'a b:1', 'http://x:1', '[::1]', ':99999']) {
      assert.throws(() => parseListenAddress(bad), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID', bad);
    }
  });
});

describe('ratify serve listeners bind where they are told', () => {
  let dir: string;
  let config: string;
  let loopbackOnly: ServeProcess;
  let everywhere: ServeProcess;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-listen-'));
    config = await writeSbomLayoutConfig(dir, ['v1']);
    const env = { HOME: dir, RATIFY_LOG_LEVEL: 'warn' };
    [loopbackOnly, everywhere] = await Promise.all([
      startServe({ args: ['-c', config, '--metrics-enabled', '--metrics-port', '127.0.0.1:METRICS_PORT'], logFile: join(dir, 'a.log'), env }),
      startServe({ args: ['-c', config, '--metrics-enabled', '--metrics-port', 'METRICS_PORT'], logFile: join(dir, 'b.log'), env }),
    ]);
  });

  after(async () => {
    await Promise.all([loopbackOnly?.stop(), everywhere?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('--metrics-port 127.0.0.1:<port> serves metrics on 127.0.0.1 only', async () => {
    const port = loopbackOnly.metricsPort!;
    const res = await request(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.statusCode, 200);
    assert.match(await res.body.text(), /ratify_verification_request_bucket/);
    assert.equal(await reachable('127.0.0.2', port), false, 'not on another local address');
  });

  it('--metrics-port <port> (Ratify’s form) serves every interface', async () => {
    const port = everywhere.metricsPort!;
    assert.equal(await reachable('127.0.0.1', port), true);
    assert.equal(await reachable('127.0.0.2', port), true);
  });

  it('--http and --health-port host:port bind that host only', async () => {
    assert.equal(await reachable('127.0.0.1', loopbackOnly.port), true);
    assert.equal(await reachable('127.0.0.2', loopbackOnly.port), false);
    assert.equal(await reachable('127.0.0.2', loopbackOnly.healthPort), false);
  });
});
