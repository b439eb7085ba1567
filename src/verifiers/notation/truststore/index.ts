/** Notation trust stores: Ratify's config-driven store and notation's directory layout. */
export * from './types.js';
export { TrustStoreError } from './errors.js';
export { CertFileCache, MAX_CERT_FILE_BYTES, defaultCertFileCache, parseCertificates } from './certfile.js';
export { isCA, isSelfSigned, isCAOrSelfSigned, rootCAError } from './certinfo.js';
export {
  defaultCertsDir,
  expandHome,
  parseCertStores,
  parseTrustStoreConfig,
  type CertStoresByType,
  type RatifyTrustStoreConfig,
  type TrustStoreConfigOptions,
} from './config.js';
export { certificatesFromPath } from './pathcerts.js';
export { RatifyTrustStore, splitProviderName, type RatifyTrustStoreOptions } from './ratify.js';
export { NotationTrustStore, validateCertificates, type NotationTrustStoreOptions } from './notation.js';
