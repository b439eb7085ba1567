import { dirname } from 'node:path';
import type { Cache } from '../cache/types.js';
import { RatifyError } from '../errors.js';
import type { LoadedConfig, RuntimeEnv } from '../config/load.js';
import type { Logger } from '../observability/logger.js';
import { createPolicy } from '../policy/factory.js';
import { createStores } from '../stores/factory.js';
import type { ReferrerStore } from '../stores/types.js';
import { builtinVerifiers } from '../verifiers/builtin.js';
import type { VerifierRegistry } from '../verifiers/registry.js';
import { Executor } from './executor.js';

export interface BuildDeps {
  rt: RuntimeEnv;
  log: Logger;
  cache?: Cache;
  registry?: VerifierRegistry;
  /** Replace the config's stores (e.g. `--oci-layout`). */
  stores?: ReferrerStore[];
}

/** Builds an Executor from a loaded config.json: stores, verifiers (through the registry), policy. */
export async function buildExecutor(loaded: LoadedConfig, deps: BuildDeps): Promise<Executor> {
  const cfg = loaded.config;
  const baseDir = loaded.path ? dirname(loaded.path) : undefined;
  const policy = createPolicy(cfg.policy as { plugin?: Record<string, unknown> } | undefined);
  if (!cfg.verifier || cfg.verifier.plugins.length === 0) {
    throw new RatifyError('CONFIG_INVALID', 'The configuration for verifier.plugins must include at least one plugin', {
      remediation: 'Add a verifier, e.g. {"name": "notation", "artifactTypes": "application/vnd.cncf.notary.signature", ...}',
    });
  }
  const registry = deps.registry ?? builtinVerifiers();
  const stores = deps.stores ?? (await createStores(cfg.store, { rt: deps.rt, log: deps.log, ...(deps.cache ? { cache: deps.cache } : {}), ...(baseDir ? { baseDir } : {}) }));
  try {
    const verifiers = await Promise.all(
      cfg.verifier.plugins.map((entry, i) =>
        registry.create(entry as Record<string, unknown>, i, {
          rt: deps.rt,
          log: deps.log,
          ...(baseDir ? { baseDir } : {}),
          ...(cfg.verifier!.version ? { sectionVersion: cfg.verifier!.version } : {}),
          ...(cfg.verifier!.pluginBinDirs ? { pluginBinDirs: cfg.verifier!.pluginBinDirs } : {}),
        }),
      ),
    );
    const exec = cfg.executor ?? {};
    return new Executor({
      stores,
      verifiers,
      policy,
      ...(exec.verificationRequestTimeout ? { verificationRequestTimeout: exec.verificationRequestTimeout } : {}),
      ...(exec.mutationRequestTimeout ? { mutationRequestTimeout: exec.mutationRequestTimeout } : {}),
    });
  } catch (e) {
    await Promise.all(stores.map((s) => s.close?.()));
    throw e;
  }
}
