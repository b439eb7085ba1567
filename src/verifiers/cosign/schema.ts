import { z } from 'zod';
import { builtinVerifierSchema } from '../config.js';

/**
 * The `cosign` verifier entry: Ratify's PluginConfig and TrustPolicyConfig (reference §3.2)
 * plus `trustedRootPath`, `predicateTypes` and `maxBlobBytes` (ratify-ts). Ratify's own checks
 * (legacy keys with trust policies, names, scopes, keys xor keyless, identities) run here with
 * Ratify's texts, each at its place, all at once.
 */
export const TRUST_POLICY_VERSIONS = ['1.0.0'] as const;

const keySchema = z.strictObject({
  /** A local PEM public key. */
  file: z.string().optional(),
  /** A key management provider, optionally `<namespace>/<name>`, with name/version selecting one key. */
  provider: z.string().optional(),
  name: z.string().optional(),
  version: z.string().optional(),
});

const keylessSchema = z.strictObject({
  ctLogVerify: z.boolean().optional(),
  certificateIdentity: z.string().optional(),
  certificateIdentityRegExp: z.string().optional(),
  certificateOIDCIssuer: z.string().optional(),
  certificateOIDCIssuerRegExp: z.string().optional(),
});

export const trustPolicySchema = z.strictObject({
  name: z.string().optional(),
  version: z.string().optional(),
  scopes: z.array(z.string()).nullish(),
  keys: z.array(keySchema).nullish(),
  keyless: keylessSchema.nullish(),
  tLogVerify: z.boolean().nullish(),
  rekorURL: z.string().optional(),
  /** ratify-ts: trusted_root.json for this policy (default: the verifier's, else public-good). */
  trustedRootPath: z.string().optional(),
});

type Policy = z.infer<typeof trustPolicySchema>;
type Keyless = z.infer<typeof keylessSchema>;

/** Ratify's test is "keyless differs from the zero value": any field set makes a policy keyless. */
export function isKeyless(k: Keyless | null | undefined): boolean {
  if (!k) return false;
  return k.ctLogVerify !== undefined || !!k.certificateIdentity || !!k.certificateIdentityRegExp || !!k.certificateOIDCIssuer || !!k.certificateOIDCIssuerRegExp;
}

/** TrustPolicyConfig.validate() in Ratify's order; `add(message, path)` for each violation. */
function validatePolicy(p: Policy, add: (message: string, path: PropertyKey[]) => void): void {
  const name = p.name ?? '';
  const version = p.version || TRUST_POLICY_VERSIONS[0];
  if (!(TRUST_POLICY_VERSIONS as readonly string[]).includes(version)) {
    add(`Invalid trust policy ${name}: unsupported version ${version}; supported versions are: [${TRUST_POLICY_VERSIONS.join(' ')}]`, ['version']);
  }
  if (name === '') add('name parameter is required in trust policy configuration', ['name']);
  if (!p.scopes || p.scopes.length === 0) add(`scopes parameter is required in trust policy configuration ${name}`, ['scopes']);
  const keys = p.keys ?? [];
  const keyless = isKeyless(p.keyless);
  if (keys.length === 0 && !keyless) add(`keys or keyless parameter is required in trust policy configuration ${name}`, []);
  if (keys.length > 0 && keyless) add(`Only one of keys or keyless parameter is required in trust policy configuration ${name}`, []);
  keys.forEach((k, i) => {
    if (!k.file && !k.provider) add(`Invalid trust policy ${name}: key management provider name is required when not using file path`, ['keys', i]);
    if (k.file && k.provider) add(`Invalid trust policy ${name}: 'name' and 'file' cannot be configured together`, ['keys', i]);
    if (k.version && !k.name) add(`Invalid trust policy ${name}: key name is required when key version is defined`, ['keys', i, 'version']);
  });
  if (keyless && p.keyless) {
    const k = p.keyless;
    if (!k.certificateIdentity && !k.certificateIdentityRegExp) add(`Invalid trust policy ${name}: certificate identity or identity regex pattern is required`, ['keyless']);
    if (!k.certificateOIDCIssuer && !k.certificateOIDCIssuerRegExp) add(`Invalid trust policy ${name}: certificate OIDC issuer or issuer regex pattern is required`, ['keyless']);
    if (k.certificateIdentity && k.certificateIdentityRegExp) add(`Invalid trust policy ${name}: only one of certificate identity or identity regex pattern should be specified`, ['keyless']);
    if (k.certificateOIDCIssuer && k.certificateOIDCIssuerRegExp) add(`Invalid trust policy ${name}: only one of certificate OIDC issuer or issuer regex pattern should be specified`, ['keyless']);
  }
}

export const cosignEntrySchema = builtinVerifierSchema({
  /** Legacy mode: a PEM public key file. */
  key: z.string().optional(),
  /** Legacy mode: require transparency-log evidence. */
  rekorURL: z.string().optional(),
  /** Ratify's name for nested references in the cosign verifier. */
  nestedArtifactTypes: z.array(z.string()).nullish(),
  trustPolicies: z.array(trustPolicySchema).nullish(),
  trustedRootPath: z.string().optional(),
  /** Only attestations with one of these predicate types count (empty: any). */
  predicateTypes: z.union([z.string(), z.array(z.string())]).optional(),
  maxBlobBytes: z.number().int().positive().optional(),
}).superRefine((c, ctx) => {
  const add = (message: string, path: PropertyKey[]) => ctx.addIssue({ code: 'custom', message, path });
  const policies = c.trustPolicies ?? [];
  if ((c.key || c.rekorURL) && policies.length > 0) {
    add("'key' and 'rekorURL' are part of Cosign legacy configuration and cannot be used with `trustPolicies` parameter", ['trustPolicies']);
    return;
  }
  const names = new Set<string>();
  policies.forEach((p, i) => {
    const name = p.name ?? '';
    if (names.has(name)) add(`failed to create trust policies: duplicate policy name ${name}`, ['trustPolicies', i, 'name']);
    names.add(name);
    validatePolicy(p, (message, path) => add(message, ['trustPolicies', i, ...path]));
  });
});

export type CosignEntry = z.infer<typeof cosignEntrySchema>;

export const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';

/**
 * Where an entry names a Rekor other than the public one: ratify-ts never contacts Rekor (the
 * log evidence comes with the signature and is checked against the trusted root), so a private
 * Rekor only works with its trusted_root.json (for the load-time warning).
 */
export function cosignPrivateRekors(c: CosignEntry): Array<{ path: PropertyKey[]; url: string }> {
  const out: Array<{ path: PropertyKey[]; url: string }> = [];
  const own = (url: string | undefined) => url !== undefined && url !== '' && url.replace(/\/+$/, '') !== DEFAULT_REKOR_URL;
  if (own(c.rekorURL) && !c.trustedRootPath) out.push({ path: ['rekorURL'], url: c.rekorURL! });
  (c.trustPolicies ?? []).forEach((p, i) => {
    if (own(p.rekorURL) && !p.trustedRootPath && !c.trustedRootPath) out.push({ path: ['trustPolicies', i, 'rekorURL'], url: p.rekorURL! });
  });
  return out;
}

/** The key management providers an entry's trust policies name (for the load-time warning). */
export function cosignKeyProviders(c: CosignEntry): string[] {
  return [...new Set((c.trustPolicies ?? []).flatMap((p) => (p.keys ?? []).flatMap((k) => (k.provider ? [k.provider] : []))))];
}
