import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { RatifyError } from '../errors.js';
import { ContentCache } from '../cache/content.js';
import type { Cache } from '../cache/types.js';
import { defaultDockerConfigPath, ratifyDir, type RuntimeEnv } from '../config/load.js';
import { formatIssues, ociLayoutStoreSchema, orasStoreSchema, type StoreSection } from '../config/schema.js';
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
  const name = entry.name;
  const type = typeof entry.type === 'string' && entry.type ? entry.type : name;
  // In-process ES module store (`"module": "./my-store.js"`).
  if (entry.module !== undefined) return createModuleStore(entry, where, deps);
  if (type === 'oras') return createOras(entry, where, deps);
  if (type === 'oci-layout') {
    const r = ociLayoutStoreSchema.safeParse(entry);
    if (!r.success) throw invalid(where, formatIssues(r.error, where));
    const path = absolute(r.data.path, deps.baseDir, deps.rt.home);
    return createOciLayoutStore({ ...r.data, path, name: String(name) }, DEFAULT_LIMITS);
  }
  // Anything else is a Ratify store plugin executable (PLUGIN_NOT_FOUND when absent).
  return createExecStore(entry, String(type), where, deps);
}

async function createOras(entry: Record<string, unknown>, where: string, deps: StoreFactoryDeps): Promise<OrasStore> {
  const r = orasStoreSchema.safeParse(entry);
  if (!r.success) throw invalid(where, formatIssues(r.error, where));
  const c = r.data;
  const provider = c.authProvider?.name ?? 'dockerConfig';
  if (provider !== 'dockerConfig') {
    throw new RatifyError('CONFIG_INVALID', `${where}.authProvider: ${JSON.stringify(provider)} is not supported`, {
      remediation: 'Use "dockerConfig" (docker login / credential helpers); cloud and k8s secret providers are not available in this build',
    });
  }
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
    credentials: new DockerConfigCredentials(dockerConfig, deps.rt.env),
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

function invalid(where: string, issues: string): RatifyError {
  return new RatifyError('CONFIG_INVALID', `${where} is invalid`, {
    cause: new Error(issues),
    remediation: 'Fix the store entry in config.json; see README "Configuration"',
  });
}
