import { builtinSarifCheck, extractSeverity, readSarif, SarifParseError } from '../../../src/verifiers/vulnreport/index.js';
import { parsedJson } from '../json.js';
import { check, rejectsOnlyWith, type FuzzTarget } from '../target.js';
import { jsonDocs, unique, vectorFiles } from '../seeds.js';

const schemaCheck = builtinSarifCheck();

/**
 * SARIF reports in the vulnerabilityreport verifier's order: JSON, the built-in SARIF 2.1.0
 * schema check, the SARIF view, then severities. Clean rejects: a schema error string,
 * SarifParseError, and extractSeverity's plain Error (Ratify's reason text). The schema check
 * itself must never throw.
 */
export const target: FuzzTarget = {
  name: 'sarif',
  description: 'SARIF 2.1.0 reports (built-in schema check, `readSarif`, `extractSeverity` for trivy/grype)',
  maxLen: 32 * 1024,
  fuzz(data) {
    const j = parsedJson(data);
    if (!j.ok) return;
    const schemaError = schemaCheck(j.value);
    if (schemaError !== undefined) {
      check(typeof schemaError === 'string' && schemaError !== '', 'schema check failed without a reason');
      return;
    }
    const view = rejectsOnlyWith([SarifParseError], () => readSarif(j.value));
    if (view === undefined) return;
    for (const r of view.results) {
      const rule = r.ruleId === undefined ? undefined : view.rules.get(r.ruleId);
      if (rule === undefined) continue;
      for (const scanner of [view.scanner, 'trivy', 'grype']) {
        try {
          const sev = extractSeverity(scanner, rule);
          check(/^[0-9a-z_]+$/.test(sev), `severity ${JSON.stringify(sev)} is not a lower-case word`);
        } catch (e) {
          check(e instanceof Error && e.constructor === Error, `extractSeverity threw ${(e as Error).name}: ${(e as Error).message}`);
        }
      }
    }
  },
  seeds: () =>
    unique(jsonDocs(vectorFiles(/sarif|vulnerabilityreport/i), (v) => typeof v === 'object' && v !== null && 'runs' in v && 'version' in v)),
};
