import { z } from 'zod';
import { closest, dispatch, type RawIssue } from '../config/issues.js';

/**
 * `authProvider` of an `oras` store or a plugin `source` (Ratify reference §5.5). Only
 * `dockerConfig` is implemented; the others are Ratify's cloud and Kubernetes providers, known
 * here (with their keys) so that a typo is still an error, and reported as unsupported: the
 * store then reaches registries anonymously, which can only make verification fail, never pass.
 */
export const DEFAULT_AUTH_PROVIDER = 'dockerConfig';

const endpoints = z.array(z.string());

const providers = {
  dockerConfig: { configPath: z.string().optional() },
  k8Secrets: {
    serviceAccountName: z.string().optional(),
    secrets: z.array(z.strictObject({ secretName: z.string(), namespace: z.string().optional() })).optional(),
  },
  azureWorkloadIdentity: { clientID: z.string().optional(), endpoints: endpoints.optional() },
  azureManagedIdentity: { clientID: z.string().optional(), endpoints: endpoints.optional() },
  awsEcrBasic: {},
  alibabacloudAcrBasic: {
    defaultInstanceId: z.string().optional(),
    acrInstancesConfig: z.array(z.strictObject({ instanceName: z.string(), instanceId: z.string() })).optional(),
  },
} as const;

export type AuthProviderName = keyof typeof providers;
export const AUTH_PROVIDER_NAMES = Object.keys(providers) as AuthProviderName[];

const schemas = Object.fromEntries(
  AUTH_PROVIDER_NAMES.map((n) => [n, z.strictObject({ name: n === DEFAULT_AUTH_PROVIDER ? z.literal(n).optional() : z.literal(n), ...providers[n] })]),
) as unknown as Record<AuthProviderName, z.ZodType>;

/** One strict object per provider, picked by `name` (absent: dockerConfig). */
export const authProviderSchema = dispatch<{ name?: AuthProviderName; configPath?: string; [k: string]: unknown }>((o) => {
  if (o.name === undefined) return schemas.dockerConfig;
  if (typeof o.name !== 'string') return { path: ['name'], code: 'invalid_type', message: `expected string, got ${typeof o.name}` };
  const s = schemas[o.name as AuthProviderName];
  if (s) return s;
  const issue: RawIssue = { path: ['name'], code: 'invalid_value', message: `unknown auth provider ${JSON.stringify(o.name)}; known: ${AUTH_PROVIDER_NAMES.join(', ')}` };
  const suggestion = closest(o.name, AUTH_PROVIDER_NAMES);
  if (suggestion !== undefined) issue.suggestion = suggestion;
  return issue;
}, 'parsed');

export type AuthProviderConfig = z.infer<typeof authProviderSchema>;

/** The unsupported provider an entry names, if any (for the load-time warning). */
export function unsupportedAuthProvider(a: { name?: string | undefined } | undefined): string | undefined {
  const name = a?.name ?? DEFAULT_AUTH_PROVIDER;
  return name === DEFAULT_AUTH_PROVIDER ? undefined : name;
}
