import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { backgroundContext } from '../../src/context.js';
import { createVulnReportVerifier, SARIF_ARTIFACT_TYPES } from '../../src/verifiers/vulnreport/index.js';
import type { VerifierResult } from '../../src/verifiers/types.js';
import { storeWithReferrer } from '../helpers/memory-store.js';
import { skipUnlessVectors, vectorsDir } from '../harness/vectors.js';

/**
 * Every `sarif` case of the shared vectors, each wrapped as the single layer of a referrer of
 * a test image (with a created annotation) and verified by the vulnerabilityreport
 * verifier. Schema cases validate against the schema the case names (via schemaURL file://,
 * which is how a deployment loads the official SARIF schema); parse cases also get deny
 * lists and severity checks derived from `facts_derived_from_file_content`.
 */

interface VectorCase {
  id: string;
  kind: string;
  check: string;
  expect: 'pass' | 'fail';
  reason: string;
  files: string[];
  inputs: { report?: string; schema?: string; document?: string };
  facts_derived_from_file_content?: {
    toolName: string;
    runs: number;
    ruleIdsInResults: string[];
    'severityByRuleId_fromHelpText(Severity: X)': Record<string, string>;
    severityCounts: Record<string, number>;
  };
}

const EXPECTED_MIN_CASES = 4;
const dir = vectorsDir();
const cases: VectorCase[] = dir
  ? (JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: VectorCase[] }).cases.filter((c) => c.kind === 'sarif')
  : [];
const skip = skipUnlessVectors(EXPECTED_MIN_CASES, 'sarif vector cases');
const ctx = backgroundContext();
const CREATED = '2024-06-01T10:00:00Z';
const now = () => new Date('2024-06-01T12:00:00Z');

/** Paths in `inputs` are inside the source repository: prefix the case's source folder. */
function inRepo(c: VectorCase, p: string): string {
  return join(dir!, c.files[0]!.split('/')[0]!, p);
}

function reportPath(c: VectorCase): string {
  const p = c.inputs.report ?? c.inputs.document;
  assert.ok(p, `${c.id}: no report input`);
  return inRepo(c, p);
}

async function verify(c: VectorCase, config: Record<string, unknown>, artifactType = 'application/sarif+json'): Promise<VerifierResult> {
  const v = await createVulnReportVerifier({ name: 'vulnerabilityreport', artifactTypes: artifactType, ...config }, { now });
  const { input } = storeWithReferrer({
    artifactType,
    layers: [{ data: readFileSync(reportPath(c)) }],
    annotations: { 'org.opencontainers.image.created': CREATED },
  });
  return v.verify(input, ctx);
}

describe('vulnerabilityreport verifier against the shared vectors', { skip }, () => {
  test(`the vector set has the SARIF cases (${EXPECTED_MIN_CASES}+)`, () => {
    assert.ok(cases.length >= EXPECTED_MIN_CASES, `found ${cases.length}`);
  });

  for (const c of cases) {
    describe(c.id, () => {
      if (c.check === 'schema') {
        test(`${c.expect} against ${c.inputs.schema}: ${c.reason.slice(0, 90)}`, async () => {
          const schemaURL = pathToFileURL(inRepo(c, c.inputs.schema!)).href;
          const r = await verify(c, { schemaURL });
          assert.equal(r.isSuccess, c.expect === 'pass', `${r.message} / ${r.errorReason}`);
          if (c.expect === 'pass') {
            assert.equal(r.message, 'Validation succeeded');
          } else {
            assert.match(r.message, /^Schema validation failed for digest:\[sha256:[0-9a-f]{64}\],artifact type:\[application\/sarif\+json\]\.$/);
            assert.ok(r.errorReason);
          }
        });
      } else {
        test(`${c.expect}: parses and verifies with the built-in schema`, async () => {
          const r = await verify(c, {});
          assert.equal(r.isSuccess, c.expect === 'pass', `${r.message} / ${r.errorReason}`);
        });
      }

      // The report itself is real SARIF: it passes the built-in schema too.
      if (c.expect === 'pass') {
        test('passes the built-in SARIF subset schema', async () => {
          const r = await verify(c, {});
          assert.equal(r.isSuccess, true, `${r.message} / ${r.errorReason}`);
          assert.deepEqual(r.extensions, { createdAt: CREATED, scanner: c.facts_derived_from_file_content?.toolName.toLowerCase() ?? 'trivy' });
        });
        for (const t of SARIF_ARTIFACT_TYPES.slice(1)) {
          test(`read as SARIF under ${t}`, async () => {
            assert.equal((await verify(c, {}, t)).isSuccess, true);
          });
        }
      }

      const facts = c.facts_derived_from_file_content;
      if (!facts || c.expect !== 'pass') return;
      const severities = facts['severityByRuleId_fromHelpText(Severity: X)'];

      test(`facts: scanner ${facts.toolName}`, async () => {
        const r = await verify(c, {});
        assert.equal((r.extensions as { scanner: string }).scanner, facts.toolName.toLowerCase());
      });

      for (const sev of Object.keys(facts.severityCounts)) {
        test(`facts: disallowing ${sev} flags exactly the rules with that severity`, async () => {
          const r = await verify(c, { disallowedSeverities: [sev.toUpperCase()] });
          assert.equal(r.isSuccess, false);
          assert.equal(r.message, 'Found disallowed severities. See extensions field for details.');
          const want: Record<string, string> = {};
          for (const id of [...facts.ruleIdsInResults].sort()) if (severities[id]?.toLowerCase() === sev.toLowerCase()) want[id] = sev.toLowerCase();
          const got = (r.extensions as { severityViolations: Record<string, string> }).severityViolations;
          assert.equal(JSON.stringify(got), JSON.stringify(want));
          assert.equal(Object.keys(got).length, facts.severityCounts[sev]);
        });
      }

      test('facts: a severity the report does not have passes', async () => {
        const absent = ['negligible', 'unknown', 'low', 'medium', 'high', 'critical'].find(
          (s) => !Object.keys(facts.severityCounts).some((k) => k.toLowerCase() === s),
        )!;
        assert.equal((await verify(c, { disallowedSeverities: [absent] })).isSuccess, true);
      });

      test('facts: deny-listed CVEs found, case-insensitively', async () => {
        const first = facts.ruleIdsInResults[0]!;
        const r = await verify(c, { denylistCVEs: [first.toLowerCase(), 'CVE-0000-00000'] });
        assert.equal(r.isSuccess, false);
        assert.equal(r.message, 'Found denied CVEs. See extensions field for details.');
        assert.deepEqual((r.extensions as { cveViolations: string[] }).cveViolations, [first.toLowerCase()]);
        const all = await verify(c, { denylistCVEs: facts.ruleIdsInResults });
        assert.equal((all.extensions as { cveViolations: string[] }).cveViolations.length, facts.ruleIdsInResults.length);
        assert.equal((await verify(c, { denylistCVEs: ['CVE-0000-00000'] })).isSuccess, true);
      });

      test('facts: maximumAge applies to the annotation, passthrough returns the report', async () => {
        assert.equal((await verify(c, { maximumAge: '1h' })).errorReason, 'Report is older than maximum age:[1h].');
        const p = await verify(c, { passthrough: true });
        assert.equal(p.message, 'Validation skipped. passthrough enabled');
        assert.equal((p.extensions as { report: string }).report, readFileSync(reportPath(c), 'utf8'));
      });
    });
  }
});
