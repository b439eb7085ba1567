/** Notation trust policy documents: model, decoding, validation, levels, scope selection, identities. */
export * from './types.js';
export { TrustPolicyError } from './errors.js';
export { VERIFICATION_LEVELS, verificationLevel, timestampOption } from './levels.js';
export {
  NoApplicableTrustPolicyError,
  applicableTrustPolicy,
  artifactPathFromReference,
  registryScopeFormatError,
  trustPolicyForRepository,
} from './scope.js';
export { trustedIdentityError } from './identity.js';
export { validateTrustPolicyDocument } from './validate.js';
export { decodeTrustPolicyDocument, loadTrustPolicyDocument, trustPolicyDocumentIssues, trustPolicyFromVerifierConfig } from './parse.js';
