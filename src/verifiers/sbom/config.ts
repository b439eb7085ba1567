import { z } from 'zod';
import { parseEntry } from '../../config/issues.js';
import { builtinVerifierSchema } from '../config.js';
import { DEFAULT_LIMITS } from '../../stores/types.js';
import type { DisallowedPackage } from './violations.js';

/**
 * The `sbom` verifier entry: Ratify's PluginConfig (`disallowedLicenses`, `disallowedPackages`
 * of `{name, version}`) plus `maxBlobBytes` (ratify-ts). A package entry's keys are strict too:
 * Ratify's bats config writes `versionInfo`, which Go ignores (the entry then denies every
 * version); here it is an error that suggests `version`.
 */
const packageEntry = z.strictObject({
  name: z.string().nullish(),
  version: z.string().nullish(),
});

export const sbomEntrySchema = builtinVerifierSchema({
  disallowedLicenses: z.array(z.string()).nullish(),
  disallowedPackages: z.array(packageEntry).nullish(),
  maxBlobBytes: z.number().int().positive().nullish(),
}, 'optional');

export interface SbomConfig {
  disallowedLicenses: string[];
  disallowedPackages: DisallowedPackage[];
  /** Largest SBOM blob read (default: the store's 64 MiB blob limit). */
  maxBlobBytes: number;
}

export function parseSbomConfig(entry: Record<string, unknown>, where: string): SbomConfig {
  const c = parseEntry(sbomEntrySchema, entry, [], where);
  return {
    disallowedLicenses: c.disallowedLicenses ?? [],
    disallowedPackages: (c.disallowedPackages ?? []).map((p) => {
      const d: DisallowedPackage = { name: p.name ?? '' };
      if (p.version) d.version = p.version;
      return d;
    }),
    maxBlobBytes: c.maxBlobBytes ?? DEFAULT_LIMITS.blobBytes,
  };
}
