import { z } from 'zod';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { RatifyError } from '../errors.js';
import { ContentCache } from '../cache/content.js';
import type { Cache } from '../cache/types.js';
import { defaultDockerConfigPath, ratifyDir, type RuntimeEnv } from '../config/load.js';
import { parseEntry, parsePath } from '../config/issues.js';
import type { StoreSection } from '../config/schema.js';
import { unsupportedAuthProvider } from '../registry/auth-provider.js';
import { moduleStoreSchema, pluginStoreSchema, storeEntryShape } from './config.js';
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
import { StoreRouter, type StoreBinding } from './router.js';
import { parseScopePattern, type ScopePattern } from './scope.js';
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
  return (await createStoreBindings(section, deps)).map((b) => b.store);
}

/** The config's stores behind a router that gives each subject to the stores owning it. */
export async function createStoreRouter(section: StoreSection | undefined, deps: StoreFactoryDeps & { subjectBaseDir?: string }): Promise<StoreRouter> {
  return new StoreRouter(await createStoreBindings(section, deps), deps.subjectBaseDir !== undefined ? { baseDir: deps.subjectBaseDir } : {});
}

async function createStoreBindings(section: StoreSection | undefined, deps: StoreFactoryDeps): Promise<StoreBinding[]> {
  if (!section || section.plugins.length === 0) {
    throw new RatifyError('CONFIG_INVALID', 'referrer store config should have at least one store', {
      remediation: 'Add a store, e.g. "store": {"version": "1.0.0", "plugins": [{"name": "oras"}]}',
    });
  }
  const withSection: StoreFactoryDeps = { ...deps, section: { version: section.version, pluginBinDirs: section.pluginBinDirs } };
  const made = await Promise.allSettled(section.plugins.map((entry, i) => createStoreBinding(entry as Record<string, unknown>, i, withSection)));
  const failed = made.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // The stores that did open hold sockets and handles.
    await Promise.all(made.map((r) => (r.status === 'fulfilled' ? r.value.store.close?.() : undefined)));
    throw failed.reason;
  }
  return made.map((r) => (r as PromiseFulfilledResult<StoreBinding>).value);
}

export async function createStore(entry: Record<string, unknown>, index: number, deps: StoreFactoryDeps): Promise<ReferrerStore> {
  return (await createStoreBinding(entry, index, deps)).store;
}

/** One store entry: the store, what kind it is, and its `scopes` (validated here, CONFIG_INVALID naming the entry). */
export async function createStoreBinding(entry: Record<string, unknown>, index: number, deps: StoreFactoryDeps): Promise<StoreBinding> {
  const where = `store.plugins[${index}]`;
  const at = parsePath(where);
  // `scopes` is checked with the keys every store entry shares (each store's own schema checks it
  // again with the rest), so a bad pattern is reported at its place before anything is opened.
  const scopes = parseEntry(z.looseObject({ scopes: storeEntryShape.scopes }), entry, at).scopes?.map(parseScopePattern);
  const scoped = scopes ? { scopes } : {};
  // In-process ES module store (`"module": "./my-store.js"`).
  if (entry.module !== undefined) return { store: await createModuleStore(parseEntry(moduleStoreSchema, entry, at), where, deps), kind: 'plugin', ...scoped };
  const type = storeType(entry);
  if (type === 'oras') return { store: await createOras(entry, where, deps), kind: 'registry', ...scoped };
  if (type === 'oci-layout') {
    const c = parseEntry(ociLayoutStoreSchema, entry, at);
    const path = absolute(c.path, deps.baseDir, deps.rt.home);
    const store = await createOciLayoutStore({ ...entry, path, name: c.name }, DEFAULT_LIMITS);
    return { store, kind: 'layout', layoutPath: path, ...scoped };
  }
  // Anything else is a Ratify store plugin executable (PLUGIN_NOT_FOUND when absent).
  const c = parseEntry(pluginStoreSchema, entry, at);
  return { store: await createExecStore(entry, c.type ?? c.name, where, deps), kind: 'plugin', ...scoped };
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
