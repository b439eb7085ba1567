import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { spawnService, stopProcess } from './processes.js';
import { requireTool } from './tools.js';

export interface RedisHandle {
  url: string;
  port: number;
  /** Kill it abruptly (a crash), keeping the port for restart(). */
  kill(): Promise<void>;
  /** Start again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A real redis-server on a free loopback port, no persistence. */
export async function startRedis(): Promise<RedisHandle> {
  requireTool('redis-server');
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'ratify-redis-'));
  const log = join(dir, 'redis.log');
  let child: ChildProcess | undefined;
  const up = async () => {
    child = spawnService('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], log);
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (await pong(port)) return;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not start on ${port}: ${(await readFile(log, 'utf8').catch(() => '')).slice(-500)}`);
  };
  await up();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: async () => {
      if (child) await stopProcess(child, 1000, 'SIGKILL');
    },
    restart: up,
    stop: async () => {
      if (child) await stopProcess(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    s.once('error', () => resolve(false));
    s.setTimeout(500, () => {
      s.destroy();
      resolve(false);
    });
  });
}
