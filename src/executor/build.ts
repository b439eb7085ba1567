import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { Cache } from '../cache/types.js';
import { RatifyError } from '../errors.js';
import type { LoadedConfig, RuntimeEnv } from '../config/load.js';
import type { RatifyConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { createPolicyWithPlugins } from '../plugins/module-policy.js';
import type { PluginVerifierDeps } from '../plugins/exec-verifier.js';
import { createStoreRouter } from '../stores/factory.js';
import { StoreRouter } from '../stores/router.js';
import type { ReferrerStore } from '../stores/types.js';
import { builtinVerifiers } from '../verifiers/builtin.js';
import type { VerifierRegistry } from '../verifiers/registry.js';
import { Executor } from './executor.js';

export interface BuildDeps {
  rt: RuntimeEnv;
  log: Logger;
  cache?: Cache;
  registry?: VerifierRegistry;
  /** Replace the config's stores (e.g. `--oci-layout`), with the subjects each owns. */
  router?: StoreRouter;
  /** Replace the config's stores, each owning its default scope (embedders, tests). */
  stores?: ReferrerStore[];
  /** Where relative layout paths in subjects resolve (the entry point's working directory). */
  subjectBaseDir?: string;
  /** How long per-referrer verifier results stay in `cache` (server). */
  resultTtlMs?: number;
}

/** What verifier factories get from the config besides their entry (plugins also get the store section, as storeConfig). */
export function verifierDepsFor(cfg: RatifyConfig, base: { rt: RuntimeEnv; log: Logger; baseDir?: string }): PluginVerifierDeps {
  return {
    ...base,
    ...(cfg.verifier?.version ? { sectionVersion: cfg.verifier.version } : {}),
    ...(cfg.verifier?.pluginBinDirs ? { pluginBinDirs: cfg.verifier.pluginBinDirs } : {}),
    ...(cfg.crl?.cache?.enabled !== undefined ? { crlCacheEnabled: cfg.crl.cache.enabled } : {}),
    storeSection: { ...(cfg.store?.version ? { version: cfg.store.version } : {}), pluginBinDirs: cfg.store?.pluginBinDirs ?? null },
  };
}

/** Builds an Executor from a loaded config.json: stores, verifiers (through the registry), policy. */
export async function buildExecutor(loaded: LoadedConfig, deps: BuildDeps): Promise<Executor> {
  const cfg = loaded.config;
  const baseDir = loaded.path ? dirname(loaded.path) : undefined;
  // `policy.plugin.module` loads an in-process policy provider; otherwise the built-ins.
  const policy = await createPolicyWithPlugins(cfg.policy as { plugin?: Record<string, unknown> } | undefined, { rt: deps.rt, log: deps.log, ...(baseDir ? { baseDir } : {}) });
  if (!cfg.verifier || cfg.verifier.plugins.length === 0) {
    throw new RatifyError('CONFIG_INVALID', 'The configuration for verifier.plugins must include at least one plugin', {
      remediation: 'Add a verifier, e.g. {"name": "notation", "artifactTypes": "application/vnd.cncf.notary.signature", ...}',
    });
  }
  const registry = deps.registry ?? builtinVerifiers();
  const subjectBase = deps.subjectBaseDir !== undefined ? { baseDir: deps.subjectBaseDir } : {};
  const given = deps.router ?? (deps.stores ? StoreRouter.fromStores(deps.stores, subjectBase) : undefined);
  const router =
    given ??
    (await createStoreRouter(cfg.store, {
      rt: deps.rt,
      log: deps.log,
      ...(deps.cache ? { cache: deps.cache } : {}),
      ...(baseDir ? { baseDir } : {}),
      ...(deps.subjectBaseDir !== undefined ? { subjectBaseDir: deps.subjectBaseDir } : {}),
    }));
  try {
    const verifierDeps = verifierDepsFor(cfg, { rt: deps.rt, log: deps.log, ...(baseDir ? { baseDir } : {}) });
    const verifiers = await Promise.all(cfg.verifier.plugins.map((entry, i) => registry.create(entry as Record<string, unknown>, i, verifierDeps)));
    const exec = cfg.executor ?? {};
    return new Executor({
      router,
      verifiers,
      policy,
      configHash: createHash('sha256').update(loaded.raw).digest('hex').slice(0, 16),
      ...(deps.cache ? { resultCache: deps.cache, resultCacheTtlMs: deps.resultTtlMs ?? 10_000 } : {}),
      ...(exec.verificationRequestTimeout ? { verificationRequestTimeout: exec.verificationRequestTimeout } : {}),
      ...(exec.mutationRequestTimeout ? { mutationRequestTimeout: exec.mutationRequestTimeout } : {}),
    });
  } catch (e) {
    // Only the stores made here: the caller's (deps.stores) are the caller's to close, and a
    // second close would replace this error (e.g. PLUGIN_NOT_FOUND) with undici's "destroyed".
    if (!given) await router.close();
    throw e;
  }
}
