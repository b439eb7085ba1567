export { parseCertificates } from './parse.js';
export { parseCertificateDer, KeyUsage, EKU, ekuName, type Certificate, type Extension, type BasicConstraints } from './certificate.js';
export {
  validateCodeSigningChain,
  validateTimestampingChain,
  isSelfSigned,
  isIssuedBy,
  isCA,
  certificateFingerprint,
  type ChainOptions,
} from './chain.js';
export { checkSignature, checkSignatureFrom, checkSelfSignature } from './signature.js';
export { extractKeySpec, signatureAlgorithmFor, hashOf, type KeySpec, type SignatureAlgorithm } from './keyspec.js';
export { goNameString, type NameAttribute } from './name.js';
export { goQuote, goTimeUTC, goRFC1123Z } from './gofmt.js';
