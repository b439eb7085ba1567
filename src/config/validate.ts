import { policyEntrySchema } from '../policy/config.js';
import { unsupportedAuthProvider } from '../registry/auth-provider.js';
import { storeEntrySchema } from '../stores/schemas.js';
import { cosignEntrySchema, cosignKeyProviders, cosignPrivateRekors } from '../verifiers/cosign/schema.js';
import { keyManagementProviders } from '../verifiers/notation/config.js';
import { verifierEntrySchema, verifierType } from '../verifiers/schemas.js';
import { check, formatPath, formatRaw, type ConfigIssue, type IssuePath, type RawIssue } from './issues.js';
import { configSchema, type RatifyConfig } from './schema.js';

export interface ConfigValidation {
  /** Set when there are no errors. */
  config?: RatifyConfig;
  errors: ConfigIssue[];
  /** Ratify keys whose feature ratify-ts does not have (nothing is weakened by ignoring them). */
  warnings: ConfigIssue[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The plugin entries of a section, with their place, whatever the rest of the section looks like. */
function entries(section: unknown, key: 'plugins'): Array<[Record<string, unknown>, IssuePath]> {
  if (!isObject(section) || !Array.isArray(section[key])) return [];
  return (section[key] as unknown[]).flatMap((e, i) => (isObject(e) ? [[e, [key, i]] as [Record<string, unknown>, IssuePath]] : []));
}

function unsupported(path: IssuePath, message: string): ConfigIssue {
  return { path: formatPath(path), code: 'unsupported_key', message };
}

function authWarnings(entry: Record<string, unknown>, at: IssuePath, who: string): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const check = (a: unknown, path: IssuePath, what: string) => {
    const name = isObject(a) && typeof a.name === 'string' ? unsupportedAuthProvider(a as { name: string }) : undefined;
    if (name) out.push(unsupported([...path, 'name'], `auth provider ${JSON.stringify(name)} is Ratify's but not implemented here; ${what} registries anonymously`));
  };
  check(entry.authProvider, [...at, 'authProvider'], `${who} reaches`);
  if (isObject(entry.source)) check(entry.source.authProvider, [...at, 'source', 'authProvider'], 'the plugin download reaches');
  return out;
}

const KMP_NOTE = "need Ratify's Kubernetes key management providers (CRD manager), which ratify-ts does not have";

function verifierWarnings(entry: Record<string, unknown>, at: IssuePath): ConfigIssue[] {
  const out = authWarnings(entry, at, 'the verifier');
  const type = verifierType(entry);
  if (type === 'notation' && entry.module === undefined) {
    const kmps = keyManagementProviders(entry);
    if (kmps.length > 0) out.push(unsupported([...at, 'verificationCertStores'], `${kmps.join(', ')} ${KMP_NOTE}; verifications that use these trust stores fail`));
  }
  if (type === 'cosign' && entry.module === undefined) {
    const c = cosignEntrySchema.safeParse(entry);
    const kmps = c.success ? cosignKeyProviders(c.data) : [];
    if (kmps.length > 0) out.push(unsupported([...at, 'trustPolicies'], `key providers ${kmps.join(', ')} ${KMP_NOTE}; those keys are never found`));
    for (const r of c.success ? cosignPrivateRekors(c.data) : []) {
      out.push(unsupported([...at, ...r.path], `${r.url} is not contacted: ratify-ts checks the log evidence that comes with the signature against the trusted root, so a private Rekor needs its trusted_root.json in trustedRootPath (until then those signatures fail)`));
    }
  }
  return out;
}

/**
 * Checks a decoded config.json: every section against its schema, every plugin entry against its
 * owner's schema (built-ins strictly; exec and module plugins on the common keys), and collects
 * every problem rather than stopping at the first.
 */
export function validateConfig(json: unknown): ConfigValidation {
  const top = check(configSchema, json);
  const errors: ConfigIssue[] = [...top.issues];
  const warnings: ConfigIssue[] = [];
  const raw = isObject(json) ? json : {};
  const entryIssues = (schema: ReturnType<typeof storeEntrySchema> | RawIssue, entry: unknown, at: IssuePath) =>
    'safeParse' in schema ? check(schema, entry, at).issues : [formatRaw(schema, at)];
  for (const [entry, at] of entries(raw.store, 'plugins')) {
    const where = ['store', ...at];
    const found = entryIssues(storeEntrySchema(entry), entry, where);
    errors.push(...found);
    if (found.length === 0) warnings.push(...authWarnings(entry, where, 'the store'));
  }
  for (const [entry, at] of entries(raw.verifier, 'plugins')) {
    const where = ['verifier', ...at];
    const found = entryIssues(verifierEntrySchema(entry), entry, where);
    errors.push(...found);
    if (found.length === 0) warnings.push(...verifierWarnings(entry, where));
  }
  if (isObject(raw.policy) && isObject(raw.policy.plugin)) {
    errors.push(...entryIssues(policyEntrySchema(raw.policy.plugin), raw.policy.plugin, ['policy', 'plugin']));
  }
  if (errors.length > 0) return { errors, warnings };
  return { config: top.data as RatifyConfig, errors, warnings };
}
