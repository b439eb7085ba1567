import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegistryHandle } from './registry.js';

export interface RatifyTestConfig {
  dir: string;
  /** config.json path for `ratify -c`. */
  configPath: string;
  /** docker config.json with the registry's credentials (basic/token flavours). */
  dockerConfigPath: string;
  /** The oras store entry written into config.json. */
  store: Record<string, unknown>;
}

/**
 * Writes a ratify config.json whose single `oras` store reaches `reg` the way a user would
 * configure it: useHttp for plain registries, caFile for the TLS one (with loopback leniency
 * off so that the CA is really checked), credentials through a docker config.json.
 */
export async function writeRatifyConfig(reg: RegistryHandle, extra: Record<string, unknown> = {}): Promise<RatifyTestConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'ratify-ts-cfg-'));
  const dockerConfigPath = join(dir, 'docker-config.json');
  const auths: Record<string, unknown> = {};
  if (reg.username && reg.password) {
    auths[reg.host] = { auth: Buffer.from(`${reg.username}:${reg.password}`).toString('base64') };
  }
  await writeFile(dockerConfigPath, JSON.stringify({ auths }));
  const store: Record<string, unknown> = {
    name: 'oras',
    authProvider: { name: 'dockerConfig', configPath: dockerConfigPath },
    localCachePath: join(dir, 'cache'),
    ...(reg.url.startsWith('https:') ? { caFile: reg.caFile, loopbackInsecure: false } : { useHttp: true }),
    ...extra,
  };
  const configPath = join(dir, 'config.json');
  await writeFile(configPath, JSON.stringify({ store: { version: '1.0.0', plugins: [store] } }, null, 2));
  return { dir, configPath, dockerConfigPath, store };
}
