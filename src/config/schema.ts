import { z } from 'zod';
import { crlSection, executorSection, loggerSection } from './sections.js';

/**
 * Ratify's config.json (reference §2.1), top level. Every section is strict. Plugin entries are
 * only required to be objects here: each is checked by its owner's schema (stores/, verifiers/,
 * policy/) in validate.ts, and kept as written, because plugins receive their entry unchanged.
 */
const pluginEntry = z.record(z.string(), z.unknown());

export const storeSection = z.strictObject({
  version: z.string().optional(),
  pluginBinDirs: z.array(z.string()).nullish(),
  plugins: z.array(pluginEntry).min(1, 'referrer store config should have at least one store'),
});

export const verifierSection = z.strictObject({
  version: z.string().optional(),
  pluginBinDirs: z.array(z.string()).nullish(),
  plugins: z.array(pluginEntry).min(1, 'The configuration for verifier.plugins must include at least one plugin'),
});

export const policySection = z.strictObject({
  version: z.string().optional(),
  plugin: z.record(z.string(), z.unknown(), { error: (i) => (i.input === undefined ? 'policy provider config must be specified' : undefined) }),
});

export const configSchema = z.strictObject({
  store: storeSection.optional(),
  policy: policySection.optional(),
  verifier: verifierSection.optional(),
  executor: executorSection.optional(),
  crl: crlSection.optional(),
  logger: loggerSection.optional(),
});

export type RatifyConfig = z.infer<typeof configSchema>;
export type StoreSection = z.infer<typeof storeSection>;
export type VerifierSection = z.infer<typeof verifierSection>;
export type PolicySection = z.infer<typeof policySection>;
