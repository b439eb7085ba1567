import { z } from 'zod';
import { pluginSourceSchema } from '../plugins/source.js';

/** "a, b,,c" → ["a","b","c"] (Ratify's comma-separated strings). */
export function splitList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').map((s) => s.trim()).filter(Boolean);
  if (typeof v !== 'string') return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Keys every verifier entry may have (reference §2.1): `name` (display name), `type` (the plugin,
 * default the name), `artifactTypes` and `nestedReferences` (comma-separated strings), `version`
 * (sent to plugins), `source` (dynamic plugins).
 */
export const verifierEntryShape = {
  name: z.string({ error: (i) => (i.input === undefined ? '"name" is required' : undefined) }).min(1, '"name" is required'),
  type: z.string().optional(),
  artifactTypes: z.string().optional(),
  nestedReferences: z.string().optional(),
  version: z.string().optional(),
  source: pluginSourceSchema.optional(),
};

const ARTIFACT_TYPES_REQUIRED = '"artifactTypes" is required for a built-in verifier, e.g. "application/vnd.cncf.notary.signature"';

/** Built-in verifiers need artifactTypes (Ratify); exec plugins default to "*". */
const requiredArtifactTypes = z
  .string({ error: (i) => (i.input === undefined ? ARTIFACT_TYPES_REQUIRED : undefined) })
  .refine((s) => splitList(s).length > 0, ARTIFACT_TYPES_REQUIRED);

/**
 * A built-in verifier's entry: the common keys plus its own, nothing else. Ratify's built-ins
 * (notation, cosign) require artifactTypes; sbom and vulnerabilityreport are plugins in Ratify,
 * where artifactTypes defaults to "*".
 */
export function builtinVerifierSchema<S extends z.ZodRawShape>(shape: S, artifactTypes: 'required' | 'optional' = 'required') {
  return z.strictObject({ ...verifierEntryShape, ...(artifactTypes === 'required' ? { artifactTypes: requiredArtifactTypes } : {}), ...shape });
}

/**
 * An exec or module verifier plugin's entry: the common keys are checked, the plugin's own keys
 * pass through untouched (Ratify hands the whole entry to the plugin).
 */
export const pluginVerifierSchema = z.looseObject(verifierEntryShape);
export const moduleVerifierSchema = z.looseObject({ ...verifierEntryShape, module: z.string().min(1, '"module" must name an ES module') });

/** The config keys every verifier entry shares, as the verifier uses them. */
export interface CommonVerifierConfig {
  name: string;
  type: string;
  artifactTypes: string[];
  nestedReferences: string[];
}

/** From a parsed entry: type defaults to name, artifactTypes to "*" (plugins; built-ins have it). */
export function commonFrom(c: { name: string; type?: string | undefined; artifactTypes?: string | undefined; nestedReferences?: string | undefined }): CommonVerifierConfig {
  const artifactTypes = splitList(c.artifactTypes);
  return { name: c.name, type: c.type || c.name, artifactTypes: artifactTypes.length > 0 ? artifactTypes : ['*'], nestedReferences: splitList(c.nestedReferences) };
}
