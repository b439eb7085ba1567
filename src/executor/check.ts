import { RatifyError } from '../errors.js';
import { formatPath, type ConfigIssue, type IssueCode } from '../config/issues.js';
import type { RuntimeEnv } from '../config/load.js';
import type { RatifyConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { normalisePolicyName } from '../policy/config.js';
import { createPolicyWithPlugins } from '../plugins/module-policy.js';
import { createStore } from '../stores/factory.js';
import { builtinVerifiers } from '../verifiers/builtin.js';
import type { VerifierRegistry } from '../verifiers/registry.js';
import { verifierDepsFor } from './build.js';

export interface BuildCheckDeps {
  rt: RuntimeEnv;
  log: Logger;
  /** The config file's directory (relative paths). */
  baseDir?: string;
  registry?: VerifierRegistry;
}

type Section = Record<string, unknown> | undefined;

function asSection(v: unknown): Section {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Whether `path` (printed) is `prefix` or below it. */
function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

function issueFrom(e: unknown, path: string, code?: IssueCode): ConfigIssue {
  const text = e instanceof RatifyError ? e.message : e instanceof Error ? e.message : String(e);
  // The factories name the entry themselves; the issue's path already does.
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const message = text.replace(new RegExp(`${escaped}(?: \\([^)]*\\))?: `, 'g'), '');
  const c: IssueCode = code ?? (e instanceof RatifyError && e.root.code === 'PLUGIN_NOT_FOUND' ? 'plugin_not_found' : 'build_failed');
  return { path, code: c, message };
}

/**
 * Builds every plugin entry of a config that passed (or partly passed) its schemas, as start-up
 * would, one at a time, and collects what fails instead of stopping at the first: unreadable
 * trust stores and key files, bad trust policies, plugins not found, unavailable policies.
 * Entries under a path in `skip` (they already have schema errors) are not built. Whatever was
 * built is closed again.
 */
export async function buildIssues(json: unknown, skip: readonly ConfigIssue[], deps: BuildCheckDeps): Promise<ConfigIssue[]> {
  const cfg = (asSection(json) ?? {}) as RatifyConfig;
  const out: ConfigIssue[] = [];
  const skipped = (path: string) => skip.some((i) => under(i.path, path) || under(path, i.path));
  const base = { rt: deps.rt, log: deps.log, ...(deps.baseDir ? { baseDir: deps.baseDir } : {}) };

  const store = asSection(cfg.store);
  const storeEntries = Array.isArray(store?.plugins) ? (store.plugins as unknown[]) : [];
  for (const [i, entry] of storeEntries.entries()) {
    const path = formatPath(['store', 'plugins', i]);
    if (skipped(path)) continue;
    try {
      const s = await createStore(entry as Record<string, unknown>, i, { ...base, section: { version: store?.version as string | undefined, pluginBinDirs: store?.pluginBinDirs as string[] | undefined } });
      await s.close?.();
    } catch (e) {
      out.push(issueFrom(e, path));
    }
  }

  const verifier = asSection(cfg.verifier);
  const verifierEntries = Array.isArray(verifier?.plugins) ? (verifier.plugins as unknown[]) : [];
  if (!verifier && !skipped('verifier')) {
    out.push({ path: 'verifier', code: 'missing_key', message: 'The configuration for verifier.plugins must include at least one plugin' });
  }
  const registry = deps.registry ?? builtinVerifiers();
  const verifierDeps = verifierDepsFor(cfg, base);
  for (const [i, entry] of verifierEntries.entries()) {
    const path = formatPath(['verifier', 'plugins', i]);
    if (skipped(path)) continue;
    try {
      const v = await registry.create(entry as Record<string, unknown>, i, verifierDeps);
      await v.close?.();
    } catch (e) {
      out.push(issueFrom(e, path));
    }
  }

  const policy = asSection(cfg.policy);
  if (!skipped('policy')) {
    const plugin = asSection(policy?.plugin);
    try {
      await createPolicyWithPlugins(policy as { plugin?: Record<string, unknown> } | undefined, base);
    } catch (e) {
      if (!plugin) out.push({ path: 'policy', code: 'missing_key', message: 'policy provider config must be specified' });
      else {
        const rego = plugin.module === undefined && typeof plugin.name === 'string' && normalisePolicyName(plugin.name) === 'regopolicy';
        out.push(issueFrom(e, 'policy.plugin', rego ? 'unavailable' : undefined));
      }
    }
  }
  return out;
}
