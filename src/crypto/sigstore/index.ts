/** Sigstore verification shared by the cosign verifier and the sigstore-conformance adapter. */
export { SigstoreVerifyError, toVerifyError } from './errors.js';
export { BUNDLE_MEDIA_TYPES, DEFAULT_MAX_BUNDLE_BYTES, bundleFromObject, bundleSignatureBase64, isBundleMediaType, parseBundle } from './bundle.js';
export { DSSE_ENVELOPE_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE, parseEnvelope, parseStatement, statementNamesDigest, verifyEnvelopeWithKey, type InTotoStatement } from './dsse.js';
export { certificateIdentity, checkIdentity, compileGoRegExp, type CertificateIdentity, type IdentityPolicy } from './identity.js';
export { candidateHashes, keyType, parsePublicKeyPem, type SupportedKeyType } from './keys.js';
export { legacyToBundle, parseRfc3161Annotation, rekorBundleToEntry, type LegacyParts } from './legacy.js';
export { MAX_TRUSTED_ROOT_BYTES, loadTrustedRootFile, parseTrustedRoot, parseTrustedRootBytes, publicGoodTrustedRoot, type LoadedTrustedRoot } from './trusted-root.js';
export { verifySigstore, type SignedMaterial, type VerifyOutcome, type VerifyPolicy } from './verify.js';
export { runConformance, parseConformanceArgs, verifyConformance, type ConformanceArgs } from './conformance.js';
