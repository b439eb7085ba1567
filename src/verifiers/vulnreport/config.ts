import { z } from 'zod';
import { parseEntry } from '../../config/issues.js';
import { builtinVerifierSchema } from '../config.js';
import { DEFAULT_LIMITS } from '../../stores/types.js';

/** Ratify's default: the OCI image-spec "created" annotation. */
export const DEFAULT_CREATED_ANNOTATION = 'org.opencontainers.image.created';

const SCHEMA_URL_HINT = 'use file:///absolute/path/schema.json or https://host/schema.json';

/** `schemaURL`: an absolute file:, http: or https: URL. */
const schemaURL = z.string().superRefine((raw, ctx) => {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    ctx.addIssue({ code: 'custom', message: `schemaURL ${JSON.stringify(raw)} is not a URL; ${SCHEMA_URL_HINT}` });
    return;
  }
  if (u.protocol !== 'file:' && u.protocol !== 'http:' && u.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `schemaURL scheme ${u.protocol} is not supported; ${SCHEMA_URL_HINT}` });
  }
});

/**
 * The `vulnerabilityreport` verifier entry: Ratify's PluginConfig plus `latestOnly` and
 * `maxBlobBytes` (ratify-ts).
 */
export const vulnReportEntrySchema = builtinVerifierSchema({
  schemaURL: schemaURL.nullish(),
  createdAnnotationName: z.string().nullish(),
  maximumAge: z.string().nullish(),
  disallowedSeverities: z.array(z.string()).nullish(),
  passthrough: z.boolean().nullish(),
  denylistCVEs: z.array(z.string()).nullish(),
  latestOnly: z.boolean().nullish(),
  maxBlobBytes: z.number().int().positive().nullish(),
}, 'optional');

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
  const c = parseEntry(vulnReportEntrySchema, entry, [], where);
  const out: VulnReportConfig = {
    createdAnnotationName: c.createdAnnotationName || DEFAULT_CREATED_ANNOTATION,
    maximumAge: c.maximumAge ?? '',
    disallowedSeverities: c.disallowedSeverities ?? [],
    passthrough: c.passthrough ?? false,
    denylistCVEs: c.denylistCVEs ?? [],
    latestOnly: c.latestOnly ?? false,
    maxBlobBytes: c.maxBlobBytes ?? DEFAULT_LIMITS.blobBytes,
  };
  if (c.schemaURL) out.schemaURL = new URL(c.schemaURL);
  return out;
}
