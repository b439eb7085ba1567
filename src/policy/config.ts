import { z } from 'zod';
import { closest, type RawIssue } from '../config/issues.js';

/** Ratify normalises policy names: lower-case, '-' removed ("config-policy" → "configpolicy"). */
export function normalisePolicyName(name: string): string {
  return name.toLowerCase().replace(/-/g, '');
}

/** Optional in the schemas (the classes are built from entries without one); the section requires it. */
const name = z.string().min(1, '"name" is required').optional();

/** `configPolicy` (reference §4.1). */
export const configPolicySchema = z.strictObject({
  name,
  artifactVerificationPolicies: z.record(z.string(), z.enum(['any', 'all'])).optional(),
});

export const MAX_CEL_EXPRESSION = 64 * 1024;

/** `celPolicy` (ratify-ts): a CEL expression over the input Ratify's Rego policy gets. */
export const celPolicySchema = z.strictObject({
  name,
  expression: z
    .string({ error: (i) => (i.input === undefined ? 'expression is required for celPolicy, e.g. "reports.size() > 0 && reports.all(r, r.isSuccess)"' : undefined) })
    .refine((e) => e.trim() !== '', 'expression is required for celPolicy, e.g. "reports.size() > 0 && reports.all(r, r.isSuccess)"')
    .refine((e) => e.length <= MAX_CEL_EXPRESSION, `expression is longer than ${MAX_CEL_EXPRESSION} characters`),
});

/**
 * `regoPolicy` (reference §4.2): its keys are known so that a typo is named, but no Rego
 * evaluator runs here, so an entry that passes is then refused as unavailable.
 */
export const regoPolicySchema = z.strictObject({
  name,
  policy: z.string().optional(),
  policyPath: z.string().optional(),
  passthroughEnabled: z.boolean().optional(),
});

/** An in-process policy module: its own keys pass through. */
export const modulePolicySchema = z.looseObject({ name: z.string().min(1, '"name" is required'), module: z.string().min(1, '"module" must name an ES module') });

export const POLICY_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  configpolicy: configPolicySchema,
  celpolicy: celPolicySchema,
  regopolicy: regoPolicySchema,
};

const KNOWN_NAMES = ['configPolicy', 'celPolicy', 'regoPolicy'];

/** The schema for `policy.plugin`, or the issue with its name. */
export function policyEntrySchema(entry: Record<string, unknown>): z.ZodType | RawIssue {
  if (entry.module !== undefined) return modulePolicySchema;
  if (entry.name === undefined) return { path: ['name'], code: 'missing_key', message: '"name" is required: configPolicy, celPolicy or an ES module\'s name with "module"' };
  if (typeof entry.name !== 'string' || entry.name === '') return configPolicySchema; // reports the name
  const schema = POLICY_SCHEMAS[normalisePolicyName(entry.name)];
  if (schema) return schema;
  const issue: RawIssue = { path: ['name'], code: 'invalid_value', message: `unknown policy provider ${JSON.stringify(entry.name)}; known: ${KNOWN_NAMES.join(', ')}` };
  const suggestion = closest(entry.name, KNOWN_NAMES);
  if (suggestion !== undefined) issue.suggestion = suggestion;
  return issue;
}
