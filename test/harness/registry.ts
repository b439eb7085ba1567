import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, copyFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { freePort } from './ports.js';
import { makeTestPki, makeTokenSigningCert } from './pki.js';
import { startTokenServer, type TokenAccess, type TokenServerHandle } from './token-server.js';
import { requireTool } from './tools.js';

export type RegistryFlavour = 'open' | 'basic' | 'token' | 'tls';

export interface StartRegistryOptions {
  /** Credentials for 'basic' (htpasswd) and 'token' (token server). Default testuser/testpass. */
  username?: string;
  password?: string;
  /** Serve HTTPS even for 'open'/'basic'/'token' ('tls' always does). */
  tls?: boolean;
  /** Token lifetime in seconds for 'token' (default 300). */
  tokenExpiresIn?: number;
  /** Override what the token server grants (see TokenServerOptions.grant). */
  tokenGrant?: (requested: TokenAccess, user: string | undefined) => string[];
  /** How long to wait for /v2/ to answer (default 10 s). */
  readyTimeoutMs?: number;
}

export interface RegistryHandle {
  flavour: RegistryFlavour;
  /** `127.0.0.1:PORT`, as used in image references. */
  host: string;
  url: string;
  username?: string;
  password?: string;
  /** CA that signed the server certificate (TLS only). */
  caFile?: string;
  caPem?: string;
  /** Directory holding only `ca.crt`, for `skopeo --cert-dir`/`--dest-cert-dir` (TLS only). */
  certDir?: string;
  tokenServer?: TokenServerHandle;
  /** The `service` the registry puts in its Bearer challenge (token only). */
  service?: string;
  /** Fresh temp dir holding config.yml, registry.log and the storage under data/. */
  dataDir: string;
  configFile: string;
  logFile: string;
  /** undici dispatcher that trusts this registry (CA pinned for TLS). */
  dispatcher: Agent;
  stop(): Promise<void>;
}

const TOKEN_SERVICE = 'test-registry';
const TOKEN_ISSUER = 'test-issuer';
const KEEP = process.env['RATIFY_TEST_KEEP_REGISTRY'] === '1';

// Registries still running in this process, so a crashed test cannot leak them.
const live = new Map<ChildProcess, string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [child, dir] of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
      if (!KEEP) rmSync(dir, { recursive: true, force: true });
    }
  });
}

/**
 * The 'exit' hook does not run when this process is killed by a signal (e.g. the node:test
 * runner's timeout). A shell blocked on reading a pipe from us sees EOF whenever we die, however
 * we die, and then kills the registry. `read` is a builtin, so this costs one tiny process.
 */
function spawnWatchdog(pid: number, dir: string): ChildProcess {
  const script = `read _; kill -KILL "$1" 2>/dev/null; ${KEEP ? '' : 'sleep 0.3; rm -rf "$2"'}`;
  const dog = spawn('sh', ['-c', script, 'ratify-registry-watchdog', String(pid), dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  dog.unref();
  (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return dog;
}

function logTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function yamlStr(s: string): string {
  // JSON strings are valid YAML double-quoted scalars.
  return JSON.stringify(s);
}

interface ConfigParts {
  port: number;
  storage: string;
  tls?: { cert: string; key: string };
  htpasswd?: string;
  token?: { realm: string; bundle: string };
}

function renderConfig(p: ConfigParts): string {
  const out = [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${yamlStr(p.storage)}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${p.port}`,
    // Without a secret the registry logs a warning on every start.
    `  secret: ${randomBytes(16).toString('hex')}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
  ];
  if (p.tls) {
    out.push('  tls:', `    certificate: ${yamlStr(p.tls.cert)}`, `    key: ${yamlStr(p.tls.key)}`);
  }
  if (p.htpasswd !== undefined) {
    out.push('auth:', '  htpasswd:', '    realm: basic-realm', `    path: ${yamlStr(p.htpasswd)}`);
  } else if (p.token) {
    out.push('auth:', '  token:', `    realm: ${yamlStr(p.token.realm)}`, `    service: ${TOKEN_SERVICE}`,
      `    issuer: ${TOKEN_ISSUER}`, `    rootcertbundle: ${yamlStr(p.token.bundle)}`);
  }
  return out.join('\n') + '\n';
}

async function waitReady(
  url: string, dispatcher: Agent, child: ChildProcess, exited: Promise<unknown>, timeoutMs: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone || child.exitCode !== null) return 'exited';
    try {
      const res = await request(`${url}/v2/`, { dispatcher, headersTimeout: 1000, bodyTimeout: 1000 });
      await res.body.dump();
      if (res.statusCode === 200 || res.statusCode === 401) return 'ready';
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  return 'timeout';
}

export async function startRegistry(flavour: RegistryFlavour, opts: StartRegistryOptions = {}): Promise<RegistryHandle> {
  const bin = requireTool('docker-registry');
  const username = opts.username ?? 'testuser';
  const password = opts.password ?? 'testpass';
  const useTls = flavour === 'tls' || opts.tls === true;
  const dataDir = await mkdtemp(join(tmpdir(), `ratify-reg-${flavour}-`));
  const configFile = join(dataDir, 'config.yml');
  const logFile = join(dataDir, 'registry.log');
  const cleanups: Array<() => Promise<void>> = [];

  try {
    const parts: Omit<ConfigParts, 'port'> = { storage: join(dataDir, 'data') };
    const handle: Partial<RegistryHandle> = { flavour, dataDir, configFile, logFile };

    if (useTls) {
      const pkiDir = join(dataDir, 'pki');
      await mkdir(pkiDir);
      const pki = await makeTestPki(pkiDir);
      parts.tls = { cert: pki.serverCertFile, key: pki.serverKeyFile };
      const certDir = join(dataDir, 'certs.d');
      await mkdir(certDir);
      await copyFile(pki.caCertFile, join(certDir, 'ca.crt'));
      Object.assign(handle, { caFile: pki.caCertFile, caPem: pki.caPem, certDir });
    }
    if (flavour === 'basic') {
      requireTool('htpasswd');
      // The registry only accepts bcrypt entries (-B).
      const { stdout } = await promisify(execFile)('htpasswd', ['-Bbn', username, password]);
      parts.htpasswd = join(dataDir, 'htpasswd');
      await writeFile(parts.htpasswd, stdout);
      Object.assign(handle, { username, password });
    }
    if (flavour === 'token') {
      const signing = await makeTokenSigningCert(dataDir);
      const tokenServer = await startTokenServer({
        signing, username, password, issuer: TOKEN_ISSUER,
        ...(opts.tokenExpiresIn !== undefined ? { expiresIn: opts.tokenExpiresIn } : {}),
        ...(opts.tokenGrant !== undefined ? { grant: opts.tokenGrant } : {}),
      });
      cleanups.push(() => tokenServer.stop());
      parts.token = { realm: tokenServer.realm, bundle: signing.certFile };
      Object.assign(handle, { username, password, tokenServer, service: TOKEN_SERVICE });
    }

    const dispatcher = new Agent(handle.caPem !== undefined ? { connect: { ca: handle.caPem } } : {});
    cleanups.push(() => dispatcher.close());
    installExitHook();

    // freePort() can race with other processes, so a bind failure gets a fresh port.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      await writeFile(configFile, renderConfig({ ...parts, port }));
      const logFd = openSync(logFile, 'a');
      let child: ChildProcess;
      try {
        child = spawn(bin, ['serve', configFile], { stdio: ['ignore', logFd, logFd], cwd: dataDir });
      } finally {
        closeSync(logFd);
      }
      const exited = new Promise<void>((ok) => {
        if (child.exitCode !== null || child.signalCode !== null) ok();
        else child.once('exit', () => ok());
      });
      child.once('error', () => undefined); // surfaced through 'exit' and the log tail
      child.unref();
      if (child.pid === undefined) throw new Error(`could not spawn ${bin}`);
      live.set(child, dataDir);
      const watchdog = spawnWatchdog(child.pid, dataDir);

      const host = `127.0.0.1:${port}`;
      const url = `${useTls ? 'https' : 'http'}://${host}`;
      const state = await waitReady(url, dispatcher, child, exited, opts.readyTimeoutMs ?? 10_000);
      if (state !== 'ready') {
        await killChild(child, exited);
        watchdog.kill('SIGKILL');
        live.delete(child);
        const tail = logTail(logFile);
        if (state === 'exited' && /address already in use/i.test(tail) && attempt < 4) continue;
        throw new Error(`docker-registry (${flavour}) ${state === 'exited' ? 'exited during start' : 'did not answer /v2/ in time'}; log ${logFile}:\n${tail}`);
      }

      let stopping: Promise<void> | undefined;
      const stop = (): Promise<void> =>
        (stopping ??= (async () => {
          await killChild(child, exited);
          watchdog.kill('SIGKILL');
          watchdog.stdin?.destroy();
          live.delete(child);
          for (const c of cleanups.slice().reverse()) await c().catch(() => undefined);
          if (KEEP) process.stderr.write(`[harness] kept registry dir ${dataDir}\n`);
          else await rm(dataDir, { recursive: true, force: true });
        })());
      return { ...handle, host, url, dispatcher, stop } as RegistryHandle;
    }
  } catch (err) {
    for (const c of cleanups.slice().reverse()) await c().catch(() => undefined);
    if (!KEEP) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** SIGTERM, then SIGKILL if it has not exited after 3 s. */
async function killChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
