import { z } from 'zod';
import { authProviderSchema } from '../../registry/auth-provider.js';
import { storeEntryShape } from '../config.js';

/**
 * The `oras` store entry: Ratify's keys (reference §5.1) and ratify-ts's (TLS trust, limits, the
 * on-disk cache switch).
 */
export const orasStoreSchema = z.strictObject({
  ...storeEntryShape,
  useHttp: z.boolean().default(false),
  cosignEnabled: z.boolean().default(false),
  localCachePath: z.string().optional(),
  cacheEnabled: z.boolean().default(false),
  /** Seconds a referrer list stays cached. */
  ttl: z.number().int().nonnegative().default(10),
  authProvider: authProviderSchema.optional(),
  caFile: z.string().optional(),
  insecureSkipVerify: z.boolean().default(false),
  loopbackInsecure: z.boolean().default(true),
  maxManifestBytes: z.number().int().positive().optional(),
  maxBlobBytes: z.number().int().positive().optional(),
  maxReferrers: z.number().int().positive().optional(),
  /** Keep manifests and blobs in localCachePath between runs (Ratify's local_oras_cache). */
  localCacheEnabled: z.boolean().default(true),
});

export type OrasStoreConfig = z.infer<typeof orasStoreSchema>;
