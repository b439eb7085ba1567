import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { Agent, request } from 'undici';
import { FakeRegistry, jsonBytes, type FakeRequest } from '../test/registry/fake-registry.js';
import { freePort } from '../test/harness/ports.js';
import { spawnService, stopProcess } from '../test/harness/processes.js';
import { projectRoot } from '../test/harness/vectors.js';
import type { Descriptor } from '../src/oci/descriptor.js';
import { MediaType } from '../src/oci/mediatypes.js';
import { fmt, row } from './stats.js';

/** The parts of autocannon's in-process API used here (the package ships no types). */
interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
type Cannon = (opts: Record<string, unknown>) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

const SPDX = 'application/spdx+json';
const VERIFY_PATH = '/ratify/gatekeeper/v1/verify';
const CONNECTIONS = 64;
const DURATION_S = Number(process.env.BENCH_SERVE_SECONDS ?? 5);
const BURST = 1000;
const SUBJECTS = Number(process.env.BENCH_SERVE_SUBJECTS ?? 10_000);
const SETTLE_MS = Number(process.env.BENCH_SERVE_SETTLE_MS ?? 1_000);
const KEYS_PER_REQUEST = 100;
const PARALLEL_BATCHES = 4;
const MiB = 1024 * 1024;

/** A bare node:http server answering every POST with a small JSON body: the floor for an HTTP JSON API. */
const ECHO_SERVER = `
const http = require('node:http');
const body = JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1alpha1', kind: 'ProviderResponse', response: { items: [] } });
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 90000;
server.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
`;

const providerRequest = (keys: string[]) => JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys } });

/**
 * `ratify serve` under load, as a child process (the load generator must not share its event
 * loop). Baseline, measured in the same run: a bare node:http JSON echo server, also a child
 * process, under the same autocannon load. Reported: cached-verify throughput and p99 against
 * the echo's (and each server's CPU time per request, which stays comparable when the machine
 * is shared), registry fetches for a 1,000-request burst on one uncached image, and the RSS of
 * a fresh serve process before and after caching 10,000 subjects (with V8's live heap).
 */
export async function benchServe(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ratify-bench-serve-'));
  const reg = await FakeRegistry.start();
  // FakeRegistry's 1 s keep-alive is under undici's 2 s threshold, which would make serve open a
  // new connection per registry request; a real registry keeps connections longer.
  (reg as unknown as { server: Server }).server.keepAliveTimeout = 60_000;
  const procs: ChildProcess[] = [];
  try {
    // ---- content: one image for the hit path, one for the burst, SUBJECTS for RSS ----
    const referrers = new Map<string, Descriptor[]>();
    serveReferrersFromIndex(reg, referrers);
    const addImage = (repo: string, tag: string) => {
      const emptyConfig = reg.putBlob(repo, '{}', MediaType.OciEmpty);
      const config = reg.putBlob(repo, JSON.stringify({ architecture: 'amd64', os: 'linux' }), 'application/vnd.oci.image.config.v1+json');
      const layer = reg.putBlob(repo, `layer of ${repo}:${tag}`, 'application/vnd.oci.image.layer.v1.tar');
      const subject = reg.putManifest(repo, { schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [layer] }, MediaType.OciManifest, tag);
      const doc = reg.putBlob(repo, JSON.stringify({ spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: `${repo}:${tag}`, creationInfo: { created: '2026-01-01T00:00:00Z', creators: ['Tool: bench'] }, packages: [{ SPDXID: 'SPDXRef-p', name: 'pkg', versionInfo: '1.0', licenseConcluded: 'MIT' }] }), SPDX);
      const sbom = reg.putManifest(repo, { schemaVersion: 2, mediaType: MediaType.OciManifest, artifactType: SPDX, config: emptyConfig, layers: [doc], subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size } });
      referrers.set(`${repo}@${subject.digest}`, [{ ...sbom, artifactType: SPDX }]);
    };
    addImage('bench/hit', 'v1');
    addImage('bench/burst', 'v1');
    for (let i = 0; i < SUBJECTS; i++) addImage(`bench/many${i % 100}`, `t${i}`);

    const config = join(dir, 'config.json');
    await writeFile(join(dir, 'docker-config.json'), JSON.stringify({ auths: {} }));
    await writeFile(
      config,
      JSON.stringify({
        store: { version: '1.0.0', plugins: [{ name: 'oras', useHttp: true, authProvider: { name: 'dockerConfig', configPath: join(dir, 'docker-config.json') } }] },
        policy: { version: '1.0.0', plugin: { name: 'configPolicy' } },
        verifier: { version: '1.0.0', plugins: [{ name: 'sbom', artifactTypes: SPDX }] },
        // Room for 100 keys per request on a busy machine: only lasting results are cached.
        executor: { verificationRequestTimeout: 10_000 },
      }),
    );

    // ---- processes: the echo baseline and `ratify serve --cache-enabled` ----
    const echoPort = await freePort();
    const echoScript = join(dir, 'echo.cjs');
    await writeFile(echoScript, ECHO_SERVER);
    const echo = spawnService(process.execPath, [echoScript, String(echoPort)], join(dir, 'echo.log'));
    procs.push(echo);
    const echoUrl = `http://127.0.0.1:${echoPort}${VERIFY_PATH}`;
    const serve = await startServe(dir, config, 'serve', []);
    procs.push(serve.proc);
    await waitReady(echoUrl, echo, join(dir, 'echo.log'), 'POST');

    // ---- a/b: throughput and p99, echo vs cached verify ----
    const hitBody = providerRequest([`${reg.host}/bench/hit:v1`]);
    const warm = await postJson(serve.url, hitBody);
    if (!warm.response.items?.[0]?.value?.isSuccess) throw new Error(`bench setup is wrong: ${JSON.stringify(warm).slice(0, 400)}`);
    const registryAfterWarm = reg.log.length;
    const load = async (url: string, pid: number): Promise<{ r: CannonResult; cpuUsPerReq: number }> => {
      const opts = { url, method: 'POST', connections: CONNECTIONS, body: hitBody, headers: { 'content-type': 'application/json' } };
      await autocannon({ ...opts, duration: 1 });
      const c0 = cpuMs(pid);
      const r = await autocannon({ ...opts, duration: DURATION_S });
      return { r, cpuUsPerReq: ((cpuMs(pid) - c0) * 1000) / Math.max(1, r.requests.total) };
    };
    const echoRun = await load(echoUrl, echo.pid!);
    const serveRun = await load(serve.url, serve.proc.pid!);
    const hitRegistryRequests = reg.log.length - registryAfterWarm;
    await stopProcess(echo);

    // ---- c: 1,000 concurrent requests for one uncached image ----
    const burstKey = `${reg.host}/bench/burst:v1`;
    const pool = new Agent({ connections: BURST, pipelining: 1, keepAliveTimeout: 60_000 });
    // Open the connections first (empty requests), so that the burst itself arrives at once.
    await Promise.all(Array.from({ length: BURST }, () => postJson(serve.url, providerRequest([]), pool)));
    const logStart = reg.log.length;
    const t0 = performance.now();
    const burst = await Promise.all(Array.from({ length: BURST }, () => postJson(serve.url, providerRequest([burstKey]), pool)));
    const burstMs = performance.now() - t0;
    await pool.close();
    const burstOk = burst.filter((b) => b.response.items?.[0]?.value?.isSuccess === true).length;
    const burstLog = reg.log.slice(logStart);
    const rssAfterLoad = rssBytes(serve.proc.pid!);
    await stopProcess(serve.proc, 5_000);

    // ---- d: RSS of a fresh serve process caching SUBJECTS distinct subjects ----
    // A fresh process, so that "before" is the idle footprint and not what a/b/c left behind.
    // --trace-gc lets us read V8's live heap after its last full collection from the log.
    const fresh = await startServe(dir, config, 'serve-rss', ['--trace-gc']);
    procs.push(fresh.proc);
    const rssBefore = rssBytes(fresh.proc.pid!);
    const dAgent = new Agent({ connections: PARALLEL_BATCHES });
    let cachedOk = 0;
    const batches: string[][] = [];
    for (let i = 0; i < SUBJECTS; i += KEYS_PER_REQUEST) {
      batches.push(Array.from({ length: Math.min(KEYS_PER_REQUEST, SUBJECTS - i) }, (_, j) => `${reg.host}/bench/many${(i + j) % 100}:t${i + j}`));
    }
    const d0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL_BATCHES }, async () => {
        while (next < batches.length) {
          const keys = batches[next++]!;
          const r = await postJson(fresh.url, providerRequest(keys), dAgent);
          cachedOk += (r.response.items ?? []).filter((it) => it.value?.isSuccess === true).length;
        }
      }),
    );
    const fillMs = performance.now() - d0;
    // A second pass over 1,000 of them must be all cache hits: no registry traffic.
    const logBeforeHits = reg.log.length;
    for (const keys of batches.slice(0, 1000 / KEYS_PER_REQUEST)) await postJson(fresh.url, providerRequest(keys), dAgent);
    const hitPassRegistry = reg.log.length - logBeforeHits;
    await dAgent.close();
    await new Promise((r) => setTimeout(r, 500));
    const rssAfter = rssBytes(fresh.proc.pid!);
    // V8's memory reducer gives back heap it grew during the burst once the process is idle:
    // this is the footprint a replica holding these results settles at.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const rssSettled = rssBytes(fresh.proc.pid!);
    const gc = lastFullGc(readFileSync(join(dir, 'serve-rss.log'), 'utf8'));

    // ---- report ----
    const tput = (r: CannonResult) => r.requests.average;
    const bad = (r: CannonResult) => r.errors + r.timeouts + r.non2xx;
    const w = [46, 10, 10, 10, 14, 8];
    console.log(`\n== serve: Gatekeeper provider under load (autocannon in this process, ${CONNECTIONS} connections, ${DURATION_S} s; servers are child processes) ==`);
    console.log(row(['measurement', 'req/s', 'p50', 'p99', 'server CPU/req', 'errors'], w));
    console.log(row(['node:http JSON echo (baseline)', Math.round(tput(echoRun.r)), fmt(echoRun.r.latency.p50), fmt(echoRun.r.latency.p99), `${echoRun.cpuUsPerReq.toFixed(0)} µs`, bad(echoRun.r)], w));
    console.log(row(['serve --cache-enabled, cached verify (1 key)', Math.round(tput(serveRun.r)), fmt(serveRun.r.latency.p50), fmt(serveRun.r.latency.p99), `${serveRun.cpuUsPerReq.toFixed(0)} µs`, bad(serveRun.r)], w));
    console.log(`throughput serve / echo: ${(tput(serveRun.r) / tput(echoRun.r)).toFixed(2)}x (goal >= 0.5x); p99 serve / echo: ${(serveRun.r.latency.p99 / Math.max(echoRun.r.latency.p99, 0.001)).toFixed(2)}x (goal <= 2x)`);
    console.log(`server CPU per request serve / echo: ${(serveRun.cpuUsPerReq / echoRun.cpuUsPerReq).toFixed(2)}x; registry requests during the cached run: ${hitRegistryRequests} (expect 0)`);

    console.log(`\n-- ${BURST} concurrent verify requests for one uncached image (connections opened beforehand; in-process fake registry) --`);
    const perPath = countByPath(burstLog);
    const w2 = [8, 100, 8];
    console.log(row(['method', 'path', 'count'], w2));
    for (const [k, n] of perPath) {
      const [m, p] = k.split(' ');
      console.log(row([m!, p!, n], w2));
    }
    const maxOf = (re: RegExp) => Math.max(0, ...[...perPath].filter(([k]) => re.test(k)).map(([, n]) => n));
    console.log(
      `fetches per manifest: ${maxOf(/\/manifests\//)} max, per blob: ${maxOf(/\/blobs\//)} max, per referrers list: ${maxOf(/\/referrers\//)} max (goal: 1 each); ` +
        `total registry requests: ${burstLog.length}; isSuccess=true: ${burstOk}/${BURST}; all answered in ${fmt(burstMs)}`,
    );
    console.log(`RSS of that serve process after a/b/c: ${mib(rssAfterLoad)}`);

    console.log(`\n-- RSS of a fresh serve process caching ${SUBJECTS} distinct subjects (${KEYS_PER_REQUEST} keys per request, ${PARALLEL_BATCHES} requests at a time) --`);
    console.log(`before (idle): ${mib(rssBefore)}; right after filling: ${mib(rssAfter)}; settled (${SETTLE_MS / 1000} s idle): ${mib(rssSettled)} (goal < 200 MiB); growth ${((rssSettled - rssBefore) / Math.max(cachedOk, 1) / 1024).toFixed(1)} KiB per subject`);
    if (gc) console.log(`V8 heap after its last full GC: ${gc.live} MB live of ${gc.committed} MB committed (RSS beyond live heap is V8 headroom, code and native memory)`);
    console.log(`verified ${cachedOk}/${SUBJECTS} successfully in ${(fillMs / 1000).toFixed(1)} s (${Math.round(cachedOk / (fillMs / 1000))}/s); re-reading 1,000 of them made ${hitPassRegistry} registry requests (expect 0)`);
  } finally {
    await Promise.all(procs.map((p) => stopProcess(p, 5_000)));
    await reg.close();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Serve {
  proc: ChildProcess;
  url: string;
}

/**
 * `ratify serve --cache-enabled` as a child process. BENCH_SERVE_PROF=<dir> adds --cpu-prof;
 * BENCH_SERVE_NODE_FLAGS adds node flags (e.g. "--max-old-space-size=128" to see its effect on RSS).
 */
async function startServe(dir: string, config: string, name: string, nodeFlags: string[]): Promise<Serve> {
  const [port, healthPort] = [await freePort(), await freePort()];
  const prof = process.env.BENCH_SERVE_PROF;
  nodeFlags = [...(process.env.BENCH_SERVE_NODE_FLAGS ?? '').split(' ').filter(Boolean), ...nodeFlags];
  const log = join(dir, `${name}.log`);
  const proc = spawnService(
    process.execPath,
    [
      ...nodeFlags,
      ...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []),
      join(projectRoot(), 'dist/src/cli/bin.js'),
      'serve', '--http', `127.0.0.1:${port}`, '-c', config, '--cache-enabled', '--cache-ttl', '30m', '--health-port', `127.0.0.1:${healthPort}`,
    ],
    log,
    { ...process.env, HOME: dir, RATIFY_LOG_LEVEL: 'warn' },
  );
  await waitReady(`http://127.0.0.1:${healthPort}/readyz`, proc, log);
  return { proc, url: `http://127.0.0.1:${port}${VERIFY_PATH}` };
}

/** Referrers from a precomputed map: the fake registry's default scans every manifest of the repository per request. */
function serveReferrersFromIndex(reg: FakeRegistry, index: Map<string, Descriptor[]>): void {
  reg.route('GET', /^\/v2\/.+\/referrers\/[^/]+$/, (req, res) => {
    const m = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(req.path)!;
    let list = index.get(`${m[1]}@${m[2]}`) ?? [];
    const headers: Record<string, string> = { 'content-type': MediaType.OciIndex };
    const at = req.url.searchParams.get('artifactType');
    if (at) {
      list = list.filter((d) => d.artifactType === at);
      headers['oci-filters-applied'] = 'artifactType';
    }
    const body = jsonBytes({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: list });
    res.writeHead(200, { ...headers, 'content-length': String(body.length) });
    res.end(body);
  });
}

function countByPath(log: FakeRequest[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of log) m.set(`${r.method} ${r.path}`, (m.get(`${r.method} ${r.path}`) ?? 0) + 1);
  return m;
}

interface ProviderResponseBody {
  response: { items?: Array<{ key: string; value?: { isSuccess?: boolean }; error?: string }>; systemError?: string };
}

async function postJson(url: string, body: string, dispatcher?: Agent): Promise<ProviderResponseBody> {
  const res = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, ...(dispatcher ? { dispatcher } : {}) });
  const out = (await res.body.json()) as ProviderResponseBody;
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${JSON.stringify(out).slice(0, 300)}`);
  return out;
}

async function waitReady(url: string, proc: ChildProcess, log: string, method: 'GET' | 'POST' = 'GET'): Promise<void> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    if (proc.exitCode !== null) break;
    const ok = await request(url, { method, ...(method === 'POST' ? { body: '{}' } : {}) }).then(
      async (r) => {
        await r.body.dump();
        return r.statusCode === 200;
      },
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  let tail = '';
  try {
    tail = readFileSync(log, 'utf8').slice(-2000);
  } catch {
    // no log
  }
  throw new Error(`${url} did not become ready:\n${tail}`);
}

/** CPU time (user + system) a process has used, in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** "Mark-Compact 140.3 (169.1) -> 43.5 (163.9) MB" of --trace-gc (not "Minor Mark-Compact"): live and committed heap after the last full GC. */
function lastFullGc(log: string): { live: string; committed: string } | undefined {
  const all = [...log.matchAll(/(?<!Minor )Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(([\d.]+)\) MB/g)];
  const m = all[all.length - 1];
  return m ? { live: m[1]!, committed: m[2]! } : undefined;
}

const mib = (b: number) => `${(b / MiB).toFixed(1)} MiB`;

/** VmRSS of a process, in bytes. */
function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}
