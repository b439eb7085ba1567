import { isAbsolute, resolve } from 'node:path';
import { RatifyError } from '../../errors.js';
import { compileGoRegExp, type IdentityPolicy } from '../../crypto/sigstore/identity.js';
import type { z } from 'zod';
import { parseEntry } from '../../config/issues.js';
import { splitList } from '../config.js';
import { cosignEntrySchema, DEFAULT_REKOR_URL, isKeyless, TRUST_POLICY_VERSIONS, type trustPolicySchema } from './schema.js';

/**
 * The cosign verifier's configuration as the verifier uses it, read from an entry that passed
 * `cosignEntrySchema` (schema.ts: keys, types and Ratify's checks).
 */

export { DEFAULT_REKOR_URL } from './schema.js';
export { TRUST_POLICY_VERSIONS } from './schema.js';
export const DEFAULT_MAX_BLOB_BYTES = 32 * 1024 * 1024;

export interface KeyConfig {
  /** `file`: a local PEM public key (as configured; `path` is where it is read from). */
  file?: string;
  path?: string;
  /** `provider` (a key management provider, optionally `<namespace>/<name>`), with `name`/`version` selecting one key. */
  provider?: string;
  name?: string;
  version?: string;
}

export interface KeylessConfig {
  ctLogVerify: boolean;
  identity: IdentityPolicy;
  /** The configured strings, for messages. */
  describe: string;
}

export interface TrustPolicyConfig {
  name: string;
  version: string;
  scopes: string[];
  keys: KeyConfig[];
  keyless?: KeylessConfig;
  tLogVerify: boolean;
  rekorURL: string;
  /** ratify-ts: trusted_root.json for this policy (default: the verifier's, else public-good). */
  trustedRootPath?: string;
}

export interface CosignConfig {
  /** Legacy mode (reference §3.2): `key`/`rekorURL`, or no trust policies at all. */
  legacy: boolean;
  key?: string;
  keyPath?: string;
  rekorURL?: string;
  trustPolicies: TrustPolicyConfig[];
  nestedArtifactTypes: string[];
  trustedRootPath?: string;
  /** Only attestations with one of these predicate types count (empty: any). */
  predicateTypes: string[];
  maxBlobBytes: number;
}

export interface PathContext {
  home: string;
  baseDir?: string;
}

function bad(detail: string, remediation?: string): RatifyError {
  return new RatifyError('CONFIG_INVALID', detail, { component: 'verifier', plugin: 'cosign', ...(remediation ? { remediation } : {}) });
}

export function resolvePath(p: string, ctx: PathContext): string {
  const expanded = p.startsWith('~/') && ctx.home ? ctx.home + p.slice(1) : p;
  return ctx.baseDir !== undefined && !isAbsolute(expanded) ? resolve(ctx.baseDir, expanded) : expanded;
}

/** Parses a cosign entry (CONFIG_INVALID naming every problem) into the verifier's configuration. */
export function parseCosignConfig(entry: Record<string, unknown>, paths: PathContext): CosignConfig {
  const c = parseEntry(cosignEntrySchema, entry, [], 'cosign verifier entry');
  const policies = c.trustPolicies ?? [];
  const cfg: CosignConfig = {
    legacy: !!c.key || !!c.rekorURL || policies.length === 0,
    trustPolicies: [],
    nestedArtifactTypes: c.nestedArtifactTypes ?? [],
    predicateTypes: splitList(c.predicateTypes),
    maxBlobBytes: c.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES,
  };
  if (c.key) {
    cfg.key = c.key;
    cfg.keyPath = resolvePath(c.key, paths);
  }
  if (c.rekorURL) cfg.rekorURL = c.rekorURL;
  if (c.trustedRootPath) cfg.trustedRootPath = resolvePath(c.trustedRootPath, paths);
  if (!cfg.legacy) cfg.trustPolicies = policies.map((p) => toTrustPolicy(p, paths));
  return cfg;
}

/** A trust policy the schema accepted, with defaults, resolved paths and compiled identity patterns. */
function toTrustPolicy(p: z.infer<typeof trustPolicySchema>, paths: PathContext): TrustPolicyConfig {
  const name = p.name ?? '';
  const keys: KeyConfig[] = (p.keys ?? []).map((k) => {
    const out: KeyConfig = {};
    for (const f of ['file', 'provider', 'name', 'version'] as const) if (k[f]) out[f] = k[f];
    if (out.file) out.path = resolvePath(out.file, paths);
    return out;
  });
  const tp: TrustPolicyConfig = {
    name,
    version: p.version || TRUST_POLICY_VERSIONS[0],
    scopes: p.scopes ?? [],
    keys,
    tLogVerify: p.tLogVerify ?? true,
    rekorURL: p.rekorURL || DEFAULT_REKOR_URL,
  };
  if (p.trustedRootPath) tp.trustedRootPath = resolvePath(p.trustedRootPath, paths);
  if (isKeyless(p.keyless) && p.keyless) {
    const k = p.keyless;
    const policy: IdentityPolicy = {};
    if (k.certificateIdentity) policy.subject = k.certificateIdentity;
    if (k.certificateIdentityRegExp) policy.subjectRegExp = regexp(k.certificateIdentityRegExp, name, 'certificateIdentityRegExp');
    if (k.certificateOIDCIssuer) policy.issuer = k.certificateOIDCIssuer;
    if (k.certificateOIDCIssuerRegExp) policy.issuerRegExp = regexp(k.certificateOIDCIssuerRegExp, name, 'certificateOIDCIssuerRegExp');
    const describe = `identity ${k.certificateIdentity ? JSON.stringify(k.certificateIdentity) : `~ /${k.certificateIdentityRegExp}/`}, issuer ${k.certificateOIDCIssuer ? JSON.stringify(k.certificateOIDCIssuer) : `~ /${k.certificateOIDCIssuerRegExp}/`}`;
    tp.keyless = { ctLogVerify: k.ctLogVerify ?? true, identity: policy, describe };
  }
  return tp;
}

function regexp(pattern: string, policy: string, field: string): RegExp {
  try {
    return compileGoRegExp(pattern);
  } catch (e) {
    throw bad(`Invalid trust policy ${policy}: ${field} ${JSON.stringify(pattern)} is not a valid regular expression: ${(e as Error).message}`);
  }
}
