/**
 * The notation trust policy document (notation-go `trustpolicy.OCIDocument`, spec
 * notaryproject/specifications `specs/trust-store-trust-policy.md`), as Ratify's `trustPolicyDoc`.
 * Fields keep Go's zero values: absent strings are "", absent lists are empty.
 */

export const VALIDATION_TYPES = ['integrity', 'authenticity', 'authenticTimestamp', 'expiry', 'revocation'] as const;
export type ValidationType = (typeof VALIDATION_TYPES)[number];

export const VALIDATION_ACTIONS = ['enforce', 'log', 'skip'] as const;
export type ValidationAction = (typeof VALIDATION_ACTIONS)[number];

export const LEVEL_NAMES = ['strict', 'permissive', 'audit', 'skip'] as const;
export type LevelName = (typeof LEVEL_NAMES)[number];

/** `verifyTimestamp`: when the RFC 3161 countersignature is checked. Empty means `always`. */
export const TIMESTAMP_OPTIONS = ['always', 'afterCertExpiry'] as const;
export type TimestampOption = (typeof TIMESTAMP_OPTIONS)[number];

export interface SignatureVerification {
  /** strict | permissive | audit | skip (validated, so typed as string). */
  level: string;
  /** Per-validation overrides of the level, in document order. */
  override: Record<string, string>;
  /** always | afterCertExpiry | "" (= always). */
  verifyTimestamp: string;
}

export interface TrustPolicy {
  name: string;
  registryScopes: string[];
  signatureVerification: SignatureVerification;
  /** `<ca|signingAuthority|tsa>:<name>` */
  trustStores: string[];
  /** `*` or `x509.subject:<DN>` (other prefixes are left to plugins, as notation does). */
  trustedIdentities: string[];
}

export interface TrustPolicyDocument {
  version: string;
  trustPolicies: TrustPolicy[];
}

/** The effective action of every validation for one policy (a preset level with overrides applied). */
export interface VerificationLevel {
  /** The preset name, or "custom" when overrides were applied (as notation-go names it). */
  name: LevelName | 'custom';
  enforcement: Readonly<Record<ValidationType, ValidationAction>>;
}

/** The prefix of trusted identities notation itself evaluates. */
export const X509_SUBJECT_PREFIX = 'x509.subject';
export const WILDCARD = '*';
