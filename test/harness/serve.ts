import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { OciLayoutWriter } from '../../src/stores/ocilayout/writer.js';
import { freePort } from './ports.js';
import { spawnService, stopProcess } from './processes.js';
import { projectRoot } from './vectors.js';

export interface ServeProcess {
  proc: ChildProcess;
  port: number;
  healthPort: number;
  metricsPort: number | undefined;
  logFile: string;
  log(): Promise<string>;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** Arguments after `serve --http 127.0.0.1:<port> --health-port 127.0.0.1:<port>`; METRICS_PORT is replaced by a free port. */
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * A real `ratify serve` child process (the built CLI) on free loopback ports, ready once
 * /readyz answers. Retries with new ports when one was taken in the meantime.
 */
export async function startServe(o: ServeOptions): Promise<ServeProcess> {
  let lastLog = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const [port, healthPort] = [await freePort(), await freePort()];
    const metricsPort = o.args.some((a) => a.includes('METRICS_PORT')) ? await freePort() : undefined;
    const args = o.args.map((a) => (metricsPort !== undefined ? a.replace('METRICS_PORT', String(metricsPort)) : a));
    const proc = spawnService(
      process.execPath,
      [join(projectRoot(), 'dist/src/cli/bin.js'), 'serve', '--http', `127.0.0.1:${port}`, '--health-port', `127.0.0.1:${healthPort}`, ...args],
      o.logFile,
      { PATH: process.env.PATH, ...o.env },
    );
    const log = () => readFile(o.logFile, 'utf8').catch(() => '');
    const until = Date.now() + 20_000;
    while (Date.now() < until && proc.exitCode === null) {
      const ok = await request(`http://127.0.0.1:${healthPort}/readyz`).then(async (r) => (await r.body.text()) === 'ok', () => false);
      if (ok) return { proc, port, healthPort, metricsPort, logFile: o.logFile, log, stop: () => stopProcess(proc) };
      await new Promise((r) => setTimeout(r, 100));
    }
    await stopProcess(proc);
    lastLog = await log();
    if (!lastLog.includes('EADDRINUSE')) break;
  }
  throw new Error(`ratify serve did not become ready; its log:\n${lastLog}`);
}

const SPDX = 'application/spdx+json';

/**
 * An OCI layout under `dir/layout` with one SBOM-attested image per tag, and a config.json
 * (`dir/config.json`) verifying them: oci-layout store, sbom verifier, config policy.
 */
export async function writeSbomLayoutConfig(dir: string, tags: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const w = new OciLayoutWriter(join(dir, 'layout'));
  for (const tag of tags) {
    w.attach(w.image(tag), SPDX, [{ mediaType: SPDX, data: JSON.stringify({ spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: tag, creationInfo: { created: '2026-01-01T00:00:00Z', creators: ['Tool: test'] }, packages: [] }) }]);
  }
  await w.write();
  const config = join(dir, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      // The layout answers for the registry subjects the tests ask about (localhost/app:<tag>).
      store: { plugins: [{ name: 'oci-layout', path: join(dir, 'layout'), scopes: ['localhost/app'] }] },
      policy: { plugin: { name: 'configPolicy' } },
      verifier: { plugins: [{ name: 'sbom', artifactTypes: SPDX }] },
      ...extra,
    }),
  );
  return config;
}
