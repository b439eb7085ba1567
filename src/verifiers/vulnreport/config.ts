import { z } from 'zod';
import { RatifyError } from '../../errors.js';
import { DEFAULT_LIMITS } from '../../stores/types.js';
import { parseSchemaURL } from './schema.js';

/** Ratify's default: the OCI image-spec "created" annotation. */
export const DEFAULT_CREATED_ANNOTATION = 'org.opencontainers.image.created';

/**
 * Ratify's vulnerabilityreport PluginConfig, plus `latestOnly` and `maxBlobBytes` (ratify-ts).
 * Unknown keys are ignored (as Go's json decoder does); keys of the wrong type are config
 * errors (Ratify's plugin would fail to decode its input).
 */
const keys = z.looseObject({
  schemaURL: z.string().nullish(),
  createdAnnotationName: z.string().nullish(),
  maximumAge: z.string().nullish(),
  disallowedSeverities: z.array(z.string()).nullish(),
  passthrough: z.boolean().nullish(),
  denylistCVEs: z.array(z.string()).nullish(),
  latestOnly: z.boolean().nullish(),
  maxBlobBytes: z.number().int().positive().nullish(),
});

export interface VulnReportConfig {
  /** Empty: the built-in SARIF subset schema. */
  schemaURL?: URL;
  createdAnnotationName: string;
  /** Go duration text; empty = no age limit. Parsed at verification time, as in Ratify. */
  maximumAge: string;
  disallowedSeverities: string[];
  passthrough: boolean;
  denylistCVEs: string[];
  /** Skip (with success) a report when the subject has a newer one of the same artifact type. */
  latestOnly: boolean;
  maxBlobBytes: number;
}

export function parseVulnReportConfig(entry: Record<string, unknown>, where: string): VulnReportConfig {
  const r = keys.safeParse(entry);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw new RatifyError('CONFIG_INVALID', `${where}: ${path ? `${path}: ` : ''}${issue?.message ?? 'invalid configuration'}`);
  }
  const c = r.data;
  const out: VulnReportConfig = {
    createdAnnotationName: c.createdAnnotationName || DEFAULT_CREATED_ANNOTATION,
    maximumAge: c.maximumAge ?? '',
    disallowedSeverities: c.disallowedSeverities ?? [],
    passthrough: c.passthrough ?? false,
    denylistCVEs: c.denylistCVEs ?? [],
    latestOnly: c.latestOnly ?? false,
    maxBlobBytes: c.maxBlobBytes ?? DEFAULT_LIMITS.blobBytes,
  };
  if (c.schemaURL) out.schemaURL = parseSchemaURL(c.schemaURL, where);
  return out;
}
