import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { OciLayoutWriter } from '../../src/stores/ocilayout/writer.js';
import { freePort } from '../harness/ports.js';
import { spawnService, stopProcess } from '../harness/processes.js';
import { projectRoot } from '../harness/vectors.js';

const SPDX = 'application/spdx+json';

function spdx(license: string): string {
  return JSON.stringify({
    spdxVersion: 'SPDX-2.3',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: 'x',
    creationInfo: { created: '2026-01-01T00:00:00Z', creators: ['Tool: test'] },
    packages: [{ SPDXID: 'SPDXRef-0', name: 'readline', versionInfo: '8.2', licenseConcluded: license }],
  });
}

/** A real `ratify serve` process whose config.json is rewritten while it runs. */
describe('serve: config reload keeps the last good config and says why', () => {
  let dir: string;
  let config: string;
  let proc: ChildProcess;
  let url: string;
  let metricsUrl: string;
  let logFile: string;

  /** Replaces config.json atomically (as a ConfigMap update does), so no half-written file is ever read. */
  const write = async (sbom: Record<string, unknown>) => {
    const tmp = `${config}.tmp`;
    await writeFile(
      tmp,
      JSON.stringify({
        store: { plugins: [{ name: 'oci-layout', path: join(dir, 'layout'), scopes: ['localhost/app'] }] },
        policy: { plugin: { name: 'configPolicy' } },
        verifier: { plugins: [{ name: 'sbom', artifactTypes: SPDX, ...sbom }] },
      }),
    );
    await rename(tmp, config);
  };

  async function verdict(): Promise<boolean | undefined> {
    const res = await request(url, { method: 'POST', body: JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys: ['localhost/app:gpl'] } }) });
    const body = (await res.body.json()) as { response: { items?: Array<{ value?: { isSuccess: boolean } }> } };
    return body.response.items?.[0]?.value?.isSuccess;
  }

  async function metric(name: string): Promise<string[]> {
    const text = await (await request(metricsUrl)).body.text();
    return text.split('\n').filter((l) => l.startsWith(name));
  }

  /** Waits (by polling what the server exposes) until `cond` holds. */
  async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
    const end = Date.now() + 15_000;
    while (Date.now() < end) {
      if (await cond()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; log:\n${await readFile(logFile, 'utf8').catch(() => '')}`);
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-reload-'));
    const w = new OciLayoutWriter(join(dir, 'layout'));
    w.attach(w.image('gpl'), SPDX, [{ mediaType: SPDX, data: spdx('GPL-3.0-only') }]);
    await w.write();
    config = join(dir, 'config.json');
    await write({ disallowedLicenses: ['GPL-3.0-only'] });
    const [port, mport, hport] = [await freePort(), await freePort(), await freePort()];
    logFile = join(dir, 'serve.log');
    proc = spawnService(
      process.execPath,
      [join(projectRoot(), 'dist/src/cli/bin.js'), 'serve', '--http', `127.0.0.1:${port}`, '-c', config, '--metrics-enabled', '--metrics-port', String(mport), '--health-port', `127.0.0.1:${hport}`],
      logFile,
      { ...process.env, HOME: dir, RATIFY_LOG_LEVEL: 'info' },
    );
    url = `http://127.0.0.1:${port}/ratify/gatekeeper/v1/verify`;
    metricsUrl = `http://127.0.0.1:${mport}/metrics`;
    await until(() => request(`http://127.0.0.1:${hport}/readyz`).then(async (r) => (await r.body.text()) === 'ok', () => false), 'readiness');
  });

  after(async () => {
    if (proc) await stopProcess(proc);
    await rm(dir, { recursive: true, force: true });
  });

  it('a misspelt key is refused: the GPL SBOM is still denied, the failure is counted and logged naming the key', async () => {
    assert.equal(await verdict(), false, 'denied under the good config');
    assert.deepEqual(await metric('ratify_config_last_reload_success'), ['ratify_config_last_reload_success 1']);
    // disallowedLicense (no s) would turn the deny list off if it were accepted.
    await write({ disallowedLicense: ['GPL-3.0-only'] });
    await until(async () => (await metric('ratify_config_reload_total{result="failure"}')).length > 0, 'the failed reload');
    assert.deepEqual(await metric('ratify_config_reload_total{result="failure"}'), ['ratify_config_reload_total{result="failure"} 1']);
    assert.deepEqual(await metric('ratify_config_last_reload_success'), ['ratify_config_last_reload_success 0']);
    assert.equal(await verdict(), false, 'still denied: the last good config serves');
    const errors = (await readFile(logFile, 'utf8')).split('\n').filter((l) => l.includes('level=error') && l.includes('still serving the previous one'));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /verifier\.plugins\[0\]\.disallowedLicense: unknown key \\"disallowedLicense\\" \(did you mean \\"disallowedLicenses\\"\?\)/);
  });

  it('a valid change applies and is counted as a success', async () => {
    await write({ disallowedLicenses: ['MIT'] });
    await until(async () => (await metric('ratify_config_reload_total{result="success"}')).length > 0, 'the reload');
    assert.deepEqual(await metric('ratify_config_last_reload_success'), ['ratify_config_last_reload_success 1']);
    assert.equal(await verdict(), true, 'GPL is no longer denied');
  });
});
