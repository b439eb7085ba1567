import { z } from 'zod';
import { authProviderSchema } from '../registry/auth-provider.js';

/**
 * A plugin entry's `source` (Ratify's PluginSource): where a dynamic plugin's executable is
 * pulled from, plus two ratify-ts keys for test registries.
 */
export const pluginSourceSchema = z.strictObject({
  /** OCI reference of a single-layer artifact whose layer is the executable. */
  artifact: z.string().min(1, '"artifact" is required: the reference of a single-layer artifact'),
  authProvider: authProviderSchema.optional(),
  /** ratify-ts: reach the registry over plain HTTP. */
  useHttp: z.boolean().optional(),
  /** ratify-ts: skip TLS verification (always done for loopback registries, as the oras store does). */
  insecureSkipVerify: z.boolean().optional(),
});

export type PluginSource = z.infer<typeof pluginSourceSchema>;
