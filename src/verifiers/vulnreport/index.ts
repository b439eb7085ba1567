export {
  vulnReportVerifierFactory,
  makeVulnReportVerifierFactory,
  createVulnReportVerifier,
  VulnReportVerifier,
  SARIF_ARTIFACT_TYPES,
  VULNREPORT_MESSAGES,
  type VulnReportOptions,
} from './verifier.js';
export { parseVulnReportConfig, DEFAULT_CREATED_ANNOTATION, type VulnReportConfig } from './config.js';
export { parseGoDuration, DurationError } from './duration.js';
export { parseRFC3339, TimeParseError, type GoTime } from './gotime.js';
export { readSarif, extractSeverity, SarifParseError, type SarifView, type SarifRule, type SarifResult } from './sarif.js';
export { SARIF_SUBSET_SCHEMA } from './sarif-schema.js';
export { builtinSarifCheck, loadSchemaCheck, MAX_SCHEMA_BYTES, type SchemaCheck } from './schema.js';
export { extractCreated, findNewerReport, type NewerReport } from './created.js';
