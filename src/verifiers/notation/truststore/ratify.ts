/**
 * Ratify's notation trust store (`pkg/verifier/notation/truststore.go`): what a trust policy's
 * `<type>:<name>` resolves to in Ratify.
 * - `verificationCertStores[type][name]` lists key management providers ⇒ the union of their
 *   certificates; none at all ⇒ `no certificates fetched in namedStore: <name>`.
 * - otherwise ⇒ every certificate under every `verificationCerts` path, whatever the type and name.
 * Then only CA and self-signed certificates are kept; none left ⇒ `valid certificates must be
 * provided, only CA certificates or self-signed signing certificates are supported`.
 */
import type { X509Certificate } from 'node:crypto';
import type { Context } from '../../../context.js';
import type { Logger } from '../../../observability/logger.js';
import { CertFileCache, defaultCertFileCache } from './certfile.js';
import { isCAOrSelfSigned } from './certinfo.js';
import type { RatifyTrustStoreConfig } from './config.js';
import { TrustStoreError } from './errors.js';
import { certificatesFromPath } from './pathcerts.js';
import type { KeyManagementLookup, TrustStoreType, X509TrustStore } from './types.js';

export interface RatifyTrustStoreOptions {
  /** Resolves KMP names; without it every configured KMP counts as empty (as an absent KMP does in Ratify). */
  keyManagement?: KeyManagementLookup;
  cache?: CertFileCache;
  log?: Logger;
  /** How long a path-based answer is reused before the files are looked at again (default 1 s; 0 = always look). */
  freshnessMs?: number;
}

/** `<namespace>/<name>` or `<name>` as written in verificationCertStores. */
export function splitProviderName(configured: string): { namespace: string | undefined; name: string } {
  const slash = configured.indexOf('/');
  return slash < 0
    ? { namespace: undefined, name: configured }
    : { namespace: configured.slice(0, slash), name: configured.slice(slash + 1) };
}

export class RatifyTrustStore implements X509TrustStore {
  private readonly files: CertFileCache;
  private readonly recent = new Map<string, { until: number; certs: X509Certificate[] }>();

  constructor(
    readonly config: RatifyTrustStoreConfig,
    private readonly opts: RatifyTrustStoreOptions = {},
  ) {
    this.files = opts.cache ?? defaultCertFileCache;
  }

  async getCertificates(type: TrustStoreType, namedStore: string, ctx: Context): Promise<X509Certificate[]> {
    // Verification asks for the same stores on every signature: reuse the answer for a moment
    // instead of walking and statting the certificate paths each time. Key providers are
    // per-namespace and may change, so only path-based answers are kept.
    const fromPaths = this.providersOf(type, namedStore).length === 0;
    const key = `${type}:${namedStore}`;
    const hit = fromPaths ? this.recent.get(key) : undefined;
    if (hit && hit.until > Date.now()) return hit.certs;
    const certs = await this.filtered(type, namedStore, ctx);
    if (fromPaths) this.recent.set(key, { until: Date.now() + (this.opts.freshnessMs ?? 1000), certs });
    return certs;
  }

  /** Ratify GetCertGroup: the providers configured for the store, own keys only ("constructor" is a store name too). */
  private providersOf(type: TrustStoreType, namedStore: string): readonly string[] {
    const stores = this.config.certStores[type];
    return stores !== undefined && Object.hasOwn(stores, namedStore) ? (stores[namedStore] ?? []) : [];
  }

  private async filtered(type: TrustStoreType, namedStore: string, ctx: Context): Promise<X509Certificate[]> {
    const certs = await this.unfiltered(type, namedStore, ctx);
    const valid = certs.filter(isCAOrSelfSigned);
    if (valid.length === 0) {
      throw new TrustStoreError(
        'certificate',
        'valid certificates must be provided, only CA certificates or self-signed signing certificates are supported',
      );
    }
    return valid;
  }

  /** Ratify `getCertificatesInternal`: KMP certificates for the named store, else all path certificates. */
  private async unfiltered(type: TrustStoreType, namedStore: string, ctx: Context): Promise<X509Certificate[]> {
    const log = this.opts.log ?? ctx.log;
    const providers = this.providersOf(type, namedStore);
    if (providers.length === 0) {
      const all: X509Certificate[] = [];
      for (const path of this.config.certPaths) all.push(...(await certificatesFromPath(path, this.files, log)));
      return all;
    }
    const certs: X509Certificate[] = [];
    for (const configured of providers) {
      const { namespace, name } = splitProviderName(configured);
      let result: readonly X509Certificate[] = [];
      if (this.opts.keyManagement) {
        try {
          result = await this.opts.keyManagement(namespace, name, ctx);
        } catch (e) {
          throw new TrustStoreError(
            'certificate',
            `unable to fetch certificates from Key Management Provider and Certificate Store: ${configured}`,
            e,
          );
        }
      }
      if (result.length === 0) log.warn({ keyManagementProvider: configured }, 'no certificate fetched for Key Management Provider');
      certs.push(...result);
    }
    if (certs.length === 0) {
      throw new TrustStoreError('certificate', `no certificates fetched in namedStore: ${namedStore}`);
    }
    return certs;
  }
}
