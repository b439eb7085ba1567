import { errorReport } from '../executor/report.js';
import { createPolicy, normalisePolicyName } from '../policy/factory.js';
import type { PolicyProvider } from '../policy/types.js';
import { RatifyError } from '../errors.js';
import { build, type ModuleDeps } from './module.js';

/**
 * A policy provider from `policy.plugin.module`. `type` defaults to the normalised name and
 * `shape` to "config"; a config-shaped policy without errorToResult gets Ratify's error report.
 */
export async function createModulePolicy(entry: Record<string, unknown>, deps: ModuleDeps): Promise<PolicyProvider> {
  const where = 'policy.plugin';
  const p = await build<Partial<PolicyProvider>>(entry, deps, 'createPolicy', where, deps.baseDir);
  if (!p || typeof p.overallResult !== 'function') {
    throw new RatifyError('PLUGIN_INIT_FAILURE', `${where}: policy module ${JSON.stringify(entry.module)} returned an object without overallResult()`);
  }
  const shape = p.shape ?? 'config';
  if (shape !== 'config' && shape !== 'nested') {
    throw new RatifyError('PLUGIN_INIT_FAILURE', `${where}: policy module shape must be "config" or "nested", not ${JSON.stringify(shape)}`);
  }
  const provider = p as PolicyProvider;
  return {
    type: typeof p.type === 'string' && p.type ? p.type : normalisePolicyName(String(entry.name)),
    shape,
    overallResult: (reports, subject) => provider.overallResult(reports, subject),
    errorToResult:
      typeof p.errorToResult === 'function'
        ? (subject, err) => provider.errorToResult(subject, err)
        : (subject, err) => (shape === 'config' ? { isSuccess: false, verifierReports: [errorReport(subject, err)] } : undefined),
  };
}

/** `policy.plugin` with `module` set ⇒ the module's provider; otherwise the built-in providers. */
export async function createPolicyWithPlugins(section: { plugin?: Record<string, unknown> } | undefined, deps: ModuleDeps): Promise<PolicyProvider> {
  const plugin = section?.plugin;
  if (plugin && plugin.module !== undefined) return createModulePolicy(plugin, deps);
  return createPolicy(section);
}
