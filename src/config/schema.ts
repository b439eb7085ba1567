import { z } from 'zod';
import { scopesSchema } from '../stores/scope.js';

/**
 * Ratify's config.json (reference §2.1). Plugin entries keep unknown keys: they belong to
 * the plugin and are handed to it unchanged.
 */
const pluginEntry = z.looseObject({ name: z.string().min(1, 'name is required') });

/** Every store entry (built-in or plugin) may say which subjects it answers for. */
const storeEntry = pluginEntry.extend({ scopes: scopesSchema.optional() });

export const storeSection = z.looseObject({
  version: z.string().optional(),
  pluginBinDirs: z.array(z.string()).nullish(),
  plugins: z.array(storeEntry).min(1, 'referrer store config should have at least one store'),
});

export const verifierEntry = z.looseObject({
  name: z.string().min(1, 'name is required'),
  type: z.string().optional(),
  artifactTypes: z.string().optional(),
  nestedReferences: z.string().optional(),
  version: z.string().optional(),
  source: z.looseObject({ artifact: z.string() }).optional(),
});

export const verifierSection = z.looseObject({
  version: z.string().optional(),
  pluginBinDirs: z.array(z.string()).nullish(),
  plugins: z.array(verifierEntry).min(1, 'The configuration for verifier.plugins must include at least one plugin'),
});

export const policySection = z.looseObject({
  version: z.string().optional(),
  plugin: pluginEntry,
});

const positiveMs = z.number().int().positive();

export const executorSection = z.looseObject({
  verificationRequestTimeout: positiveMs.optional(),
  mutationRequestTimeout: positiveMs.optional(),
});

export const loggerSection = z.looseObject({
  formatter: z.enum(['text', 'json', 'logstash']).optional(),
  requestHeaders: z.looseObject({ traceIDHeaderName: z.array(z.string()).optional() }).optional(),
});

export const configSchema = z.looseObject({
  store: storeSection.optional(),
  policy: policySection.optional(),
  verifier: verifierSection.optional(),
  executor: executorSection.optional(),
  crl: z.looseObject({ cache: z.looseObject({ enabled: z.boolean().optional() }).optional() }).optional(),
  logger: loggerSection.optional(),
});

export type RatifyConfig = z.infer<typeof configSchema>;
export type StoreSection = z.infer<typeof storeSection>;

/** The `oras` store entry with ratify-ts additions (caFile, insecureSkipVerify, limits). */
export const orasStoreSchema = z.looseObject({
  name: z.literal('oras'),
  useHttp: z.boolean().default(false),
  cosignEnabled: z.boolean().default(false),
  localCachePath: z.string().optional(),
  cacheEnabled: z.boolean().default(false),
  ttl: z.number().int().nonnegative().default(10),
  authProvider: z
    .looseObject({
      name: z.string().default('dockerConfig'),
      configPath: z.string().optional(),
    })
    .optional(),
  caFile: z.string().optional(),
  insecureSkipVerify: z.boolean().default(false),
  loopbackInsecure: z.boolean().default(true),
  maxManifestBytes: z.number().int().positive().optional(),
  maxBlobBytes: z.number().int().positive().optional(),
  maxReferrers: z.number().int().positive().optional(),
  /** Keep manifests and blobs in localCachePath between runs (Ratify's local_oras_cache). */
  localCacheEnabled: z.boolean().default(true),
  scopes: scopesSchema.optional(),
});

export const ociLayoutStoreSchema = z.looseObject({
  name: z.string(),
  path: z.string().min(1, 'path to an OCI image layout directory or .tar is required'),
  scopes: scopesSchema.optional(),
});

/** Formats zod issues as "field.path: message" lines, for CONFIG_INVALID errors. */
export function formatIssues(err: z.ZodError, prefix = ''): string {
  return err.issues
    .map((i) => {
      const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
      const full = [prefix, path].filter(Boolean).join('.').replace(/\.\[/g, '[');
      return `${full || '(root)'}: ${i.message}`;
    })
    .join('; ');
}
