/** Certificate revocation checking (OCSP, then CRL) for code-signing and timestamping chains. */
export {
  RevocationValidator,
  chainRevocationError,
  foldChain,
  type RevocationValidatorOptions,
  type ValidateRevocationOptions,
} from './validator.js';
export type {
  CertChainPurpose,
  CertRevocationResult,
  ChainRevocationResult,
  RevocationSource,
  RevocationStatus,
  ServerResult,
} from './types.js';
export { CRL_REASONS, reasonName } from './types.js';
export {
  UndiciRevocationHttpClient,
  RevocationHttpError,
  type RevocationHttpClient,
  type RevocationHttpRequest,
  type RevocationHttpResponse,
} from './http.js';
export { FileCrlCache, MemoryCrlCache, TieredCrlCache, type CrlCache } from './crl/cache.js';
export { parseCrl, type ParsedCrl, type RevokedEntry } from './crl/parse.js';
export { validateCrl, checkCrlRevocation } from './crl/validate.js';
export { CrlFetcher } from './crl/fetcher.js';
export { parseOcspResponse, verifyOcspResponse, type BasicOcspResponse, type SingleResponse } from './ocsp/response.js';
export { certIdFor, encodeOcspRequest } from './ocsp/request.js';
export { validateChainStructure, toChain, type ChainInput } from './chain.js';
