/**
 * RFC 3161 timestamp tokens (tspclient-go behaviour). Certificate/DER helpers are exported for
 * src/crypto/revocation, which reads CRLs and OCSP responses with the same tools.
 */
export {
  parseTimestampToken,
  getTSTInfo,
  validateMessage,
  verifyTimestampToken,
  type TimestampToken,
  type VerifyTimestampOptions,
  type VerifiedTimestamp,
} from './token.js';
export { boundedAfter, boundedBefore, timestampOf, type Timestamp, type TSTInfo, type Accuracy } from './tstinfo.js';
export { parseCertificate, parseCertificates, type ParsedCertificate } from './certificate.js';
export { verifyChain, ChainError, type VerifyChainOptions } from './chain.js';
