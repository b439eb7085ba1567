import { isAbsolute, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from '../context.js';
import type { RuntimeEnv } from '../config/load.js';
import { RatifyError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { Logger } from '../observability/logger.js';
import type { Reference } from '../reference/reference.js';
import type { ReferrerStore } from '../stores/types.js';
import { canVerifyType, commonConfig } from '../verifiers/base.js';
import type { Verifier, VerifierDeps, VerifierFactory } from '../verifiers/types.js';

/**
 * In-process plugins: an entry with `"module": "./my-verifier.js"` (verifier, store or policy)
 * is imported as an ES module and asked for an object implementing the TypeScript interface.
 *
 * The module's default export (or a named `createVerifier` / `createStore` / `createPolicy`)
 * is a function `(entry, deps) => T | Promise<T>`, an object with such a `create` method (a
 * VerifierFactory; `ratify-ts/plugin`'s defineVerifierPlugin returns one), or the plugin object
 * itself (anything with `verify` / `listReferrers` / `overallResult`).
 */

/** What store and policy module factories get besides their entry. */
export interface ModuleDeps {
  rt: RuntimeEnv;
  log: Logger;
  /** The config file's directory. */
  baseDir?: string;
}

type Factory<T> = (entry: Record<string, unknown>, deps: never) => T | Promise<T>;

/** `./x.js` and `../x.js` are relative to the config file; absolute paths and `file:` URLs as given; other specifiers are package names. */
export function moduleSpecifier(spec: string, baseDir: string | undefined): string {
  if (spec.startsWith('file:')) return spec;
  if (spec.startsWith('./') || spec.startsWith('../') || spec === '.' || isAbsolute(spec)) {
    return pathToFileURL(isAbsolute(spec) ? spec : resolvePath(baseDir ?? process.cwd(), spec)).href;
  }
  return spec;
}

export async function importPluginModule(spec: unknown, baseDir: string | undefined, where: string): Promise<Record<string, unknown>> {
  if (typeof spec !== 'string' || !spec) throw new RatifyError('CONFIG_INVALID', `${where}: "module" must be a non-empty string`);
  const url = moduleSpecifier(spec, baseDir);
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(spec.replace(/^\.\//, ''))) {
      throw new RatifyError('PLUGIN_NOT_FOUND', `${where}: module ${JSON.stringify(spec)} not found`, {
        cause: e,
        remediation: 'Relative module paths are resolved from the config file\'s directory; point "module" at a built .js/.mjs file',
      });
    }
    throw new RatifyError('PLUGIN_INIT_FAILURE', `${where}: module ${JSON.stringify(spec)} could not be loaded`, { cause: e });
  }
}

/** The method that marks an exported object as the plugin itself rather than a factory. */
const SELF_METHOD: Record<string, string> = { createVerifier: 'verify', createStore: 'listReferrers', createPolicy: 'overallResult' };

function pickFactory<T>(mod: Record<string, unknown>, named: string, spec: string, where: string): Factory<T> {
  for (const c of [mod.default, mod[named]]) {
    if (typeof c === 'function') return c as Factory<T>;
    if (c && typeof c === 'object' && typeof (c as { create?: unknown }).create === 'function') {
      const obj = c as { create: Factory<T> };
      return (entry, deps) => obj.create(entry, deps);
    }
    // An object that already is the plugin (e.g. `export default { verify() {...} }`).
    if (c && typeof c === 'object' && typeof (c as Record<string, unknown>)[SELF_METHOD[named]!] === 'function') return () => c as T;
  }
  throw new RatifyError('PLUGIN_INIT_FAILURE', `${where}: module ${JSON.stringify(spec)} exports no factory`, {
    remediation: `Export default (or ${named}) as a function (entry, deps) => object, an object with create(entry, deps), or the plugin object itself`,
  });
}

export async function build<T>(entry: Record<string, unknown>, deps: unknown, named: string, where: string, baseDir: string | undefined): Promise<T> {
  const spec = String(entry.module);
  const mod = await importPluginModule(entry.module, baseDir, where);
  const factory = pickFactory<T>(mod, named, spec, where);
  try {
    return await factory(entry, deps as never);
  } catch (e) {
    if (e instanceof RatifyError) throw e;
    throw new RatifyError('PLUGIN_INIT_FAILURE', `${where}: module ${JSON.stringify(spec)} failed to create its plugin`, { cause: e });
  }
}

/** A verifier from `"module"`; missing name/type/artifactTypes/canVerify are filled from the entry (artifactTypes default "*"). */
export function moduleVerifierFactory(type: string): VerifierFactory {
  return {
    type,
    async create(entry: Record<string, unknown>, deps: VerifierDeps): Promise<Verifier> {
      const c = commonConfig(entry, { requireArtifactTypes: false });
      const v = await build<Partial<Verifier>>(entry, deps, 'createVerifier', 'verifier', deps.baseDir);
      if (!v || typeof v.verify !== 'function') {
        throw new RatifyError('PLUGIN_INIT_FAILURE', `verifier module ${JSON.stringify(entry.module)} returned no object with verify()`);
      }
      const artifactTypes = v.artifactTypes ?? c.artifactTypes;
      const full: Verifier = {
        name: v.name ?? c.name,
        type: v.type ?? c.type,
        artifactTypes,
        nestedReferences: v.nestedReferences ?? c.nestedReferences,
        canVerify: typeof v.canVerify === 'function' ? v.canVerify.bind(v) : (d) => canVerifyType(artifactTypes, d),
        verify: v.verify.bind(v),
      };
      if (typeof v.close === 'function') full.close = v.close.bind(v);
      return full;
    },
  };
}

/** A store from `"module"`. */
export async function createModuleStore(entry: Record<string, unknown>, where: string, deps: ModuleDeps): Promise<ReferrerStore> {
  const s = await build<Partial<ReferrerStore>>(entry, deps, 'createStore', where, deps.baseDir);
  for (const m of ['resolve', 'listReferrers', 'fetchManifest', 'fetchBlob'] as const) {
    if (!s || typeof s[m] !== 'function') {
      throw new RatifyError('PLUGIN_INIT_FAILURE', `${where}: store module ${JSON.stringify(entry.module)} returned an object without ${m}()`, {
        remediation: 'A store module returns a ReferrerStore: resolve, listReferrers, fetchManifest, fetchBlob (and optionally fetchManifestBytes, close)',
      });
    }
  }
  const store = s as ReferrerStore;
  return {
    name: typeof store.name === 'string' && store.name ? store.name : String(entry.name),
    config: store.config ?? entry,
    resolve: (ref: Reference, ctx: Context) => store.resolve(ref, ctx),
    listReferrers: (ref, subject, ctx, opts) => store.listReferrers(ref, subject, ctx, opts),
    fetchManifest: (ref, desc, ctx) => store.fetchManifest(ref, desc, ctx),
    fetchManifestBytes:
      typeof store.fetchManifestBytes === 'function'
        ? (ref, desc, ctx) => store.fetchManifestBytes(ref, desc, ctx)
        : (_ref: Reference, desc: Descriptor) =>
            Promise.reject(new RatifyError('GET_REFERRER_MANIFEST_FAILURE', `store ${String(entry.name)} cannot return raw manifest ${desc.digest}`)),
    fetchBlob: (ref, desc, ctx) => store.fetchBlob(ref, desc, ctx),
    close: async () => {
      await store.close?.();
    },
  };
}
