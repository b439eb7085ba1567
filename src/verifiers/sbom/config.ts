import { z } from 'zod';
import { RatifyError } from '../../errors.js';
import { DEFAULT_LIMITS } from '../../stores/types.js';
import type { DisallowedPackage } from './violations.js';

/**
 * The sbom verifier's own keys (Ratify's PluginConfig) plus `maxBlobBytes` (ratify-ts).
 * Unknown keys are ignored, as Go's json decoder ignores them; so are unknown keys inside a
 * package entry (Ratify's bats config writes `versionInfo`, which therefore matches by name only).
 */
const packageEntry = z.looseObject({
  name: z.string().nullish(),
  version: z.string().nullish(),
});

const sbomKeys = z.looseObject({
  disallowedLicenses: z.array(z.string()).nullish(),
  disallowedPackages: z.array(packageEntry).nullish(),
  maxBlobBytes: z.number().int().positive().nullish(),
});

export interface SbomConfig {
  disallowedLicenses: string[];
  disallowedPackages: DisallowedPackage[];
  /** Largest SBOM blob read (default: the store's 64 MiB blob limit). */
  maxBlobBytes: number;
}

export function parseSbomConfig(entry: Record<string, unknown>, where: string): SbomConfig {
  const r = sbomKeys.safeParse(entry);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw new RatifyError('CONFIG_INVALID', `${where}: ${path ? `${path}: ` : ''}${issue?.message ?? 'invalid configuration'}`, {
      remediation: 'disallowedLicenses is a list of license identifiers; disallowedPackages a list of {"name": ..., "version": ...}',
    });
  }
  const c = r.data;
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
