import type { X509Certificate } from 'node:crypto';
import type { Context } from '../../../context.js';

/** Notation trust store types, in notation-go's order (`truststore.Types`). */
export const TRUST_STORE_TYPES = ['ca', 'signingAuthority', 'tsa'] as const;
export type TrustStoreType = (typeof TRUST_STORE_TYPES)[number];

export function isTrustStoreType(s: string): s is TrustStoreType {
  return (TRUST_STORE_TYPES as readonly string[]).includes(s);
}

/** notation-go `file.IsValidFileName`: the only names a named store may have. */
const STORE_NAME = /^[a-zA-Z0-9_.-]+$/;

export function isValidStoreName(name: string): boolean {
  return STORE_NAME.test(name);
}

/**
 * notation-go's `X509TrustStore`: the certificates a trust policy's `<type>:<name>` entry refers to.
 * Both Ratify's config-driven store and the notation directory layout implement it.
 */
export interface X509TrustStore {
  getCertificates(type: TrustStoreType, namedStore: string, ctx: Context): Promise<X509Certificate[]>;
}

/**
 * Resolves a key management provider named in `verificationCertStores` to its certificates.
 * `namespace` is the `<ns>/` prefix of the configured name, or undefined for a bare name (the
 * implementation applies Ratify's access rules, e.g. cluster-wide fallback, using `ctx.namespace`).
 * An empty array means "this provider has no certificates"; throwing means it could not be read.
 */
export type KeyManagementLookup = (
  namespace: string | undefined,
  name: string,
  ctx: Context,
) => Promise<readonly X509Certificate[]>;
