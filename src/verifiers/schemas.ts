import type { z } from 'zod';
import { moduleVerifierSchema, pluginVerifierSchema } from './config.js';
import { cosignEntrySchema } from './cosign/schema.js';
import { notationEntrySchema } from './notation/config.js';
import { sbomEntrySchema } from './sbom/config.js';
import { vulnReportEntrySchema } from './vulnreport/config.js';

/** The built-in verifiers' entry schemas by type (the same names as builtin.ts registers). */
export const BUILTIN_VERIFIER_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  notation: notationEntrySchema,
  cosign: cosignEntrySchema,
  sbom: sbomEntrySchema,
  vulnerabilityreport: vulnReportEntrySchema,
};

/** `type` if set, else `name` (Ratify's plugin lookup rule). */
export function verifierType(entry: Record<string, unknown>): unknown {
  return typeof entry.type === 'string' && entry.type ? entry.type : entry.name;
}

/** The schema for a verifier entry: a module, a built-in, or else an exec plugin's (common keys only). */
export function verifierEntrySchema(entry: Record<string, unknown>): z.ZodType {
  if (entry.module !== undefined) return moduleVerifierSchema;
  const type = verifierType(entry);
  return (typeof type === 'string' ? BUILTIN_VERIFIER_SCHEMAS[type] : undefined) ?? pluginVerifierSchema;
}
