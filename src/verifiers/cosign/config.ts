import { isAbsolute, resolve } from 'node:path';
import { RatifyError } from '../../errors.js';
import { compileGoRegExp, type IdentityPolicy } from '../../crypto/sigstore/identity.js';
import { splitList } from '../base.js';

/**
 * Ratify's cosign verifier configuration (reference §3.2, pkg/verifier/cosign PluginConfig and
 * TrustPolicyConfig), validated with Ratify's messages, plus the ratify-ts additions
 * (trustedRootPath, predicateTypes, maxBlobBytes). Unknown keys are ignored, as Go's JSON
 * decoder ignores them; a known key of the wrong JSON type is CONFIG_INVALID.
 */

export const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';
export const TRUST_POLICY_VERSIONS = ['1.0.0'] as const;
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

/** Go's json.Unmarshal refuses a value of the wrong JSON type for a typed field. */
function typeError(field: string, want: string): RatifyError {
  return bad(`failed to unmarshal to cosign verifier config: field "${field}" must be ${want}`);
}

function optString(o: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw typeError(`${where}${key}`, 'a string');
  return v;
}

function optBool(o: Record<string, unknown>, key: string, where: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw typeError(`${where}${key}`, 'a boolean');
  return v;
}

function stringArray(o: Record<string, unknown>, key: string, where: string): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw typeError(`${where}${key}`, 'an array of strings');
  return v as string[];
}

function objectArray(o: Record<string, unknown>, key: string, where: string): Record<string, unknown>[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) throw typeError(`${where}${key}`, 'an array of objects');
  return v as Record<string, unknown>[];
}

export function resolvePath(p: string, ctx: PathContext): string {
  const expanded = p.startsWith('~/') && ctx.home ? ctx.home + p.slice(1) : p;
  return ctx.baseDir !== undefined && !isAbsolute(expanded) ? resolve(ctx.baseDir, expanded) : expanded;
}

export function parseCosignConfig(entry: Record<string, unknown>, paths: PathContext): CosignConfig {
  const key = optString(entry, 'key', '');
  const rekorURL = optString(entry, 'rekorURL', '');
  const policies = objectArray(entry, 'trustPolicies', '');
  if ((key || rekorURL) && policies.length > 0) {
    throw bad("'key' and 'rekorURL' are part of Cosign legacy configuration and cannot be used with `trustPolicies` parameter");
  }
  const trustedRootPath = optString(entry, 'trustedRootPath', '');
  const maxBlobBytes = entry.maxBlobBytes;
  if (maxBlobBytes !== undefined && maxBlobBytes !== null && (typeof maxBlobBytes !== 'number' || !Number.isSafeInteger(maxBlobBytes) || maxBlobBytes <= 0)) {
    throw typeError('maxBlobBytes', 'a positive integer');
  }
  const predicateTypes = entry.predicateTypes;
  if (predicateTypes !== undefined && predicateTypes !== null && typeof predicateTypes !== 'string' && !(Array.isArray(predicateTypes) && predicateTypes.every((x) => typeof x === 'string'))) {
    throw typeError('predicateTypes', 'a string or an array of strings');
  }
  const cfg: CosignConfig = {
    legacy: !(key === undefined || key === '') || !(rekorURL === undefined || rekorURL === '') || policies.length === 0,
    trustPolicies: [],
    nestedArtifactTypes: stringArray(entry, 'nestedArtifactTypes', ''),
    predicateTypes: splitList(predicateTypes),
    maxBlobBytes: typeof maxBlobBytes === 'number' ? maxBlobBytes : DEFAULT_MAX_BLOB_BYTES,
  };
  if (key) {
    cfg.key = key;
    cfg.keyPath = resolvePath(key, paths);
  }
  if (rekorURL) cfg.rekorURL = rekorURL;
  if (trustedRootPath) cfg.trustedRootPath = resolvePath(trustedRootPath, paths);
  if (!cfg.legacy) {
    const names = new Set<string>();
    for (const [i, p] of policies.entries()) {
      const name = typeof p.name === 'string' ? p.name : '';
      if (names.has(name)) throw bad(`failed to create trust policies: duplicate policy name ${name}`);
      names.add(name);
      cfg.trustPolicies.push(parseTrustPolicy(p, `trustPolicies[${i}].`, paths));
    }
  }
  return cfg;
}

function parseTrustPolicy(o: Record<string, unknown>, where: string, paths: PathContext): TrustPolicyConfig {
  const name = optString(o, 'name', where) ?? '';
  const version = optString(o, 'version', where) || TRUST_POLICY_VERSIONS[0];
  const scopes = stringArray(o, 'scopes', where);
  const keys = objectArray(o, 'keys', where).map((k, i) => parseKey(k, `${where}keys[${i}].`));
  const keylessRaw = o.keyless;
  if (keylessRaw !== undefined && keylessRaw !== null && (typeof keylessRaw !== 'object' || Array.isArray(keylessRaw))) throw typeError(`${where}keyless`, 'an object');
  const kl = (keylessRaw ?? {}) as Record<string, unknown>;
  const ctLogVerify = optBool(kl, 'ctLogVerify', `${where}keyless.`);
  const identity = optString(kl, 'certificateIdentity', `${where}keyless.`) ?? '';
  const identityRe = optString(kl, 'certificateIdentityRegExp', `${where}keyless.`) ?? '';
  const issuer = optString(kl, 'certificateOIDCIssuer', `${where}keyless.`) ?? '';
  const issuerRe = optString(kl, 'certificateOIDCIssuerRegExp', `${where}keyless.`) ?? '';
  // Ratify's test is "keyless differs from the zero value": any field set makes it keyless.
  const isKeyless = ctLogVerify !== undefined || identity !== '' || identityRe !== '' || issuer !== '' || issuerRe !== '';
  const tLogVerify = optBool(o, 'tLogVerify', where);
  const rekorURL = optString(o, 'rekorURL', where) || DEFAULT_REKOR_URL;
  const trustedRootPath = optString(o, 'trustedRootPath', where);

  // validate(), in Ratify's order.
  if (!(TRUST_POLICY_VERSIONS as readonly string[]).includes(version)) {
    throw bad(`Invalid trust policy ${name}: unsupported version ${version}`, `Supported versions are: [${TRUST_POLICY_VERSIONS.join(' ')}]`);
  }
  if (name === '') throw bad('name parameter is required in trust policy configuration', 'Please provide a name for the trust policy.');
  if (scopes.length === 0) throw bad(`scopes parameter is required in trust policy configuration ${name}`, 'Please provide at least one scope for the trust policy.');
  if (keys.length === 0 && !isKeyless) throw bad(`keys or keyless parameter is required in trust policy configuration ${name}`);
  if (keys.length > 0 && isKeyless) throw bad(`Only one of keys or keyless parameter is required in trust policy configuration ${name}`);
  for (const k of keys) {
    if (!k.file && !k.provider) throw bad(`Invalid trust policy ${name}: key management provider name is required when not using file path`);
    if (k.file && k.provider) throw bad(`Invalid trust policy ${name}: 'name' and 'file' cannot be configured together`);
    if (k.version && !k.name) throw bad(`Invalid trust policy ${name}: key name is required when key version is defined`);
  }
  const tp: TrustPolicyConfig = {
    name,
    version,
    scopes,
    keys: keys.map((k) => (k.file ? { ...k, path: resolvePath(k.file, paths) } : k)),
    tLogVerify: tLogVerify ?? true,
    rekorURL,
  };
  if (trustedRootPath) tp.trustedRootPath = resolvePath(trustedRootPath, paths);
  if (isKeyless) {
    if (identity === '' && identityRe === '') throw bad(`Invalid trust policy ${name}: certificate identity or identity regex pattern is required`);
    if (issuer === '' && issuerRe === '') throw bad(`Invalid trust policy ${name}: certificate OIDC issuer or issuer regex pattern is required`);
    if (identity !== '' && identityRe !== '') throw bad(`Invalid trust policy ${name}: only one of certificate identity or identity regex pattern should be specified`);
    if (issuer !== '' && issuerRe !== '') throw bad(`Invalid trust policy ${name}: only one of certificate OIDC issuer or issuer regex pattern should be specified`);
    const policy: IdentityPolicy = {};
    if (identity) policy.subject = identity;
    if (identityRe) policy.subjectRegExp = regexp(identityRe, name, 'certificateIdentityRegExp');
    if (issuer) policy.issuer = issuer;
    if (issuerRe) policy.issuerRegExp = regexp(issuerRe, name, 'certificateOIDCIssuerRegExp');
    const describe = `identity ${identity ? JSON.stringify(identity) : `~ /${identityRe}/`}, issuer ${issuer ? JSON.stringify(issuer) : `~ /${issuerRe}/`}`;
    tp.keyless = { ctLogVerify: ctLogVerify ?? true, identity: policy, describe };
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

function parseKey(o: Record<string, unknown>, where: string): KeyConfig {
  const k: KeyConfig = {};
  for (const f of ['file', 'provider', 'name', 'version'] as const) {
    const v = optString(o, f, where);
    if (v) k[f] = v;
  }
  return k;
}
