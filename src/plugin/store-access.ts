import { homedir } from 'node:os';
import { isAbsolute } from 'node:path';
import type { RuntimeEnv } from '../config/load.js';
import type { Context } from '../context.js';
import type { Descriptor, ReferenceDescriptor, ReferenceManifest } from '../oci/descriptor.js';
import type { Reference } from '../reference/reference.js';
import type { ListReferrersOptions, ReferrerStore } from '../stores/types.js';
import type { Logger } from '../observability/logger.js';
import { PluginError } from './errors.js';
import { PluginErrorCode, type PluginStoreConfig } from './protocol.js';

export interface OpenStoreOptions {
  /** Environment for credential helpers and nested plugins (default process.env). */
  env?: NodeJS.ProcessEnv;
  home?: string;
  log?: Logger;
}

/**
 * Builds the store named in `storeConfig` inside the plugin process, as Ratify's skeleton
 * does: the built-in `oras` store (the registry, with the same credentials and cache the host
 * uses), `oci-layout`, or a store plugin found in `storeConfig.pluginBinDirs`.
 */
export async function openStore(storeConfig: PluginStoreConfig, opts: OpenStoreOptions = {}): Promise<ReferrerStore> {
  const store = storeConfig?.store;
  if (!store || typeof store !== 'object' || typeof store.name !== 'string' || !store.name) {
    throw new PluginError(PluginErrorCode.InvalidConfig, 'invalid storeConfig: store.name is required');
  }
  const env = opts.env ?? process.env;
  try {
    // Modules are loaded on first use, and only what the store needs: a plugin process pays
    // for every import on every referrer.
    if ((store.type ?? store.name) === 'oci-layout' && typeof store.path === 'string' && isAbsolute(store.path)) {
      const { createOciLayoutStore } = await import('../stores/ocilayout/store.js');
      return await createOciLayoutStore({ ...store, name: store.name, path: store.path });
    }
    const [{ createStore }, { silentLogger }] = await Promise.all([import('../stores/factory.js'), import('../observability/logger.js')]);
    const rt: RuntimeEnv = { home: opts.home ?? homedir(), env };
    if (env.RATIFY_CONFIG) rt.ratifyConfigDir = env.RATIFY_CONFIG;
    if (env.DOCKER_CONFIG) rt.dockerConfigDir = env.DOCKER_CONFIG;
    return await createStore(store, 0, {
      rt,
      log: opts.log ?? silentLogger(),
      section: { version: storeConfig.version, pluginBinDirs: storeConfig.pluginBinDirs ?? null },
    });
  } catch (e) {
    throw new PluginError(PluginErrorCode.InvalidConfig, `failed to create store ${JSON.stringify(store.name)} from storeConfig`, (e as Error).message);
  }
}

/** A ReferrerStore that opens the real one on first use (and closes it only if it was opened). */
export function lazyStore(config: Record<string, unknown>, open: () => Promise<ReferrerStore>): ReferrerStore {
  let p: Promise<ReferrerStore> | undefined;
  const get = () => (p ??= open());
  return {
    name: String(config.name ?? ''),
    config,
    async resolve(ref: Reference, ctx: Context): Promise<Descriptor> {
      return (await get()).resolve(ref, ctx);
    },
    async *listReferrers(ref: Reference, subject: Descriptor, ctx: Context, opts?: ListReferrersOptions): AsyncIterable<ReferenceDescriptor> {
      yield* (await get()).listReferrers(ref, subject, ctx, opts);
    },
    async fetchManifest(ref: Reference, desc: Descriptor, ctx: Context): Promise<ReferenceManifest> {
      return (await get()).fetchManifest(ref, desc, ctx);
    },
    async fetchManifestBytes(ref: Reference, desc: Descriptor, ctx: Context): Promise<Uint8Array> {
      return (await get()).fetchManifestBytes(ref, desc, ctx);
    },
    async fetchBlob(ref: Reference, desc: Pick<Descriptor, 'digest'> & Partial<Descriptor>, ctx: Context): Promise<Uint8Array> {
      return (await get()).fetchBlob(ref, desc, ctx);
    },
    async close(): Promise<void> {
      if (!p) return;
      const s = await p.catch(() => undefined);
      await s?.close?.();
    },
  };
}
