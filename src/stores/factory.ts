import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { RatifyError } from '../errors.js';
import { ContentCache } from '../cache/content.js';
import type { Cache } from '../cache/types.js';
import { defaultDockerConfigPath, ratifyDir, type RuntimeEnv } from '../config/load.js';
import { parseEntry, parsePath } from '../config/issues.js';
import type { StoreSection } from '../config/schema.js';
import { unsupportedAuthProvider } from '../registry/auth-provider.js';
import { moduleStoreSchema, pluginStoreSchema } from './config.js';
import { ociLayoutStoreSchema } from './ocilayout/config.js';
import { orasStoreSchema } from './oras/config.js';
import { storeType } from './schemas.js';
import type { Logger } from '../observability/logger.js';
import { DockerConfigCredentials } from '../registry/credentials.js';
import { createOciLayoutStore } from './ocilayout/store.js';
import { createExecStore } from '../plugins/exec-store.js';
import { createModuleStore } from '../plugins/module.js';
import { OrasStore } from './oras/store.js';
import { DEFAULT_LIMITS, type ContentLimits, type ReferrerStore } from './types.js';
import { VERSION } from '../version.js';

export interface StoreFactoryDeps {
  rt: RuntimeEnv;
  log: Logger;
  /** Shared cache for referrer lists and descriptors (server); the CLI passes none. */
  cache?: Cache;
  /** Base directory for relative paths in config (the config file's directory). */
  baseDir?: string;
  /** The store section's version and pluginBinDirs (store plugins; set by createStores). */
  section?: { version?: string | undefined; pluginBinDirs?: string[] | null | undefined };
}

/** Builds every store of the config's store section, in order. */
export async function createStores(section: StoreSection | undefined, deps: StoreFactoryDeps): Promise<ReferrerStore[]> {
  if (!section || section.plugins.length === 0) {
    throw new RatifyError('CONFIG_INVALID', 'referrer store config should have at least one store', {
      remediation: 'Add a store, e.g. "store": {"version": "1.0.0", "plugins": [{"name": "oras"}]}',
    });
  }
  const withSection: StoreFactoryDeps = { ...deps, section: { version: section.version, pluginBinDirs: section.pluginBinDirs } };
  return Promise.all(section.plugins.map((entry, i) => createStore(entry as Record<string, unknown>, i, withSection)));
}

export async function createStore(entry: Record<string, unknown>, index: number, deps: StoreFactoryDeps): Promise<ReferrerStore> {
  const where = `store.plugins[${index}]`;
  const at = parsePath(where);
  // In-process ES module store (`"module": "./my-store.js"`).
  if (entry.module !== undefined) return createModuleStore(parseEntry(moduleStoreSchema, entry, at), where, deps);
  const type = storeType(entry);
  if (type === 'oras') return createOras(entry, where, deps);
  if (type === 'oci-layout') {
    const c = parseEntry(ociLayoutStoreSchema, entry, at);
    const path = absolute(c.path, deps.baseDir, deps.rt.home);
    return createOciLayoutStore({ ...entry, path, name: c.name }, DEFAULT_LIMITS);
  }
  // Anything else is a Ratify store plugin executable (PLUGIN_NOT_FOUND when absent).
  const c = parseEntry(pluginStoreSchema, entry, at);
  return createExecStore(entry, c.type ?? c.name, where, deps);
}

async function createOras(entry: Record<string, unknown>, where: string, deps: StoreFactoryDeps): Promise<OrasStore> {
  const c = parseEntry(orasStoreSchema, entry, parsePath(where));
  // Ratify's cloud and Kubernetes auth providers are not implemented (named in the load-time
  // warning): such a store is anonymous, which can only make verification fail.
  const anonymous = unsupportedAuthProvider(c.authProvider) !== undefined;
  const dockerConfig = c.authProvider?.configPath ? absolute(c.authProvider.configPath, deps.baseDir, deps.rt.home) : defaultDockerConfigPath(deps.rt);
  let ca: string | undefined;
  if (c.caFile) {
    const p = absolute(c.caFile, deps.baseDir, deps.rt.home);
    try {
      ca = await readFile(p, 'utf8');
    } catch (e) {
      throw new RatifyError('CONFIG_INVALID', `${where}.caFile: cannot read ${p}`, { cause: e });
    }
  }
  const limits: ContentLimits = {
    manifestBytes: c.maxManifestBytes ?? DEFAULT_LIMITS.manifestBytes,
    blobBytes: c.maxBlobBytes ?? DEFAULT_LIMITS.blobBytes,
    referrersPerSubject: c.maxReferrers ?? DEFAULT_LIMITS.referrersPerSubject,
  };
  const cacheDir = c.localCacheEnabled ? (c.localCachePath ? absolute(c.localCachePath, deps.baseDir, deps.rt.home) : join(ratifyDir(deps.rt), 'local_oras_cache')) : undefined;
  return new OrasStore({
    raw: entry,
    useHttp: c.useHttp,
    cosignEnabled: c.cosignEnabled,
    cacheEnabled: c.cacheEnabled,
    ttlSeconds: c.ttl,
    ...(anonymous ? {} : { credentials: new DockerConfigCredentials(dockerConfig, deps.rt.env) }),
    ...(ca ? { ca } : {}),
    insecureSkipVerify: c.insecureSkipVerify,
    loopbackInsecure: c.loopbackInsecure,
    limits,
    ...(deps.cache ? { cache: deps.cache } : {}),
    content: new ContentCache({ ...(cacheDir ? { dir: cacheDir } : {}), log: deps.log }),
    userAgent: `ratify-ts/${VERSION} (${process.platform}/${process.arch})`,
  });
}

function absolute(p: string, base: string | undefined, home?: string): string {
  if (home && (p === '~' || p.startsWith('~/'))) return join(home, p.slice(1));
  return isAbsolute(p) ? p : resolvePath(base ?? process.cwd(), p);
}
