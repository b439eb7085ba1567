export {
  sbomVerifierFactory,
  createSbomVerifier,
  SbomVerifier,
  SBOM_MESSAGES,
  SPDX_JSON_ARTIFACT_TYPE,
  CYCLONEDX_JSON_ARTIFACT_TYPES,
} from './verifier.js';
export { parseSbomConfig, type SbomConfig } from './config.js';
export { parseSpdxJson, SPDX_VERSIONS } from './spdx.js';
export { parseCycloneDxJson, CYCLONEDX_SPEC_VERSIONS, MAX_COMPONENT_DEPTH } from './cyclonedx.js';
export { SbomParseError, type SbomDocument, type SbomPackage } from './document.js';
export { findViolations, compilePackageDenyList, type DisallowedPackage, type PackageLicense, type Violations } from './violations.js';
export * from './license/index.js';
