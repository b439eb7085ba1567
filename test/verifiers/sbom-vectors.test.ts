import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { backgroundContext } from '../../src/context.js';
import { createSbomVerifier, parseCycloneDxJson, parseSpdxJson, type SbomDocument } from '../../src/verifiers/sbom/index.js';
import type { VerifierResult } from '../../src/verifiers/types.js';
import { storeWithReferrer } from '../helpers/memory-store.js';
import { skipUnlessVectors, vectorsDir } from '../harness/vectors.js';

/**
 * Every `sbom-spdx` and `sbom-cyclonedx` case of the shared vectors, each wrapped as the
 * single layer of a referrer of a test image in the in-memory store and verified by the
 * sbom verifier. Deny lists come from the case's `inputs`; for cases that only assert that
 * the document parses, further deny lists are derived from `facts_derived_from_file_content`.
 */

interface VectorCase {
  id: string;
  kind: string;
  check: string;
  expect: 'pass' | 'fail';
  reason: string;
  files: string[];
  inputs: {
    artifactType?: string;
    disallowedLicenses?: string[];
    disallowedPackages?: Array<{ name: string; version?: string }>;
  };
  facts_derived_from_file_content?: Record<string, unknown>;
}

const KINDS = ['sbom-spdx', 'sbom-cyclonedx'];
const EXPECTED_MIN_CASES = 22;
const dir = vectorsDir();
const cases: VectorCase[] = dir
  ? (JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: VectorCase[] }).cases.filter((c) => KINDS.includes(c.kind))
  : [];
const skip = skipUnlessVectors(EXPECTED_MIN_CASES, 'sbom-spdx + sbom-cyclonedx vector cases');
const ctx = backgroundContext();

const SPDX = 'application/spdx+json';
const CDX = 'application/vnd.cyclonedx+json';

function artifactTypeOf(c: VectorCase): string {
  return c.inputs.artifactType ?? (c.kind === 'sbom-spdx' ? SPDX : CDX);
}

function bytesOf(c: VectorCase): Buffer {
  assert.equal(c.files.length, 1, `${c.id}: one SBOM file expected`);
  return readFileSync(join(dir!, c.files[0]!));
}

async function verify(c: VectorCase, config: Record<string, unknown>, artifactType = artifactTypeOf(c)): Promise<VerifierResult> {
  const v = await createSbomVerifier({ name: 'sbom', type: 'sbom', ...config });
  const { input } = storeWithReferrer({ artifactType, layers: [{ data: bytesOf(c) }] });
  return v.verify(input, ctx);
}

type Pkg = { Name: string; Version: string; License: string };

/** `licenseViolations = [a 1.0 "X AND Y", b 2.0 Z]` → entries, from the case's reason text. */
function violationsFromReason(reason: string, key: string): Pkg[] | undefined {
  const m = new RegExp(`${key} = \\[([^\\]]*)\\]`).exec(reason);
  if (!m) return undefined;
  const out: Pkg[] = [];
  const item = /([^\s,]+) (\S+) (?:"([^"]*)"|([^,]+))/g;
  for (const x of m[1]!.matchAll(item)) out.push({ Name: x[1]!, Version: x[2]!, License: (x[3] ?? x[4] ?? '').trim() });
  return out;
}

function parse(c: VectorCase): SbomDocument {
  return c.kind === 'sbom-spdx' ? parseSpdxJson(bytesOf(c)) : parseCycloneDxJson(bytesOf(c));
}

/** "name@version concluded|declared" with "None" for an absent value. */
function spdxFact(s: string): { name: string; version: string; concluded: string } {
  const m = /^(.*)@(\S+) (\S+)\|(\S+)$/.exec(s);
  assert.ok(m, s);
  const none = (v: string) => (v === 'None' ? '' : v);
  return { name: m[1]!, version: none(m[2]!), concluded: none(m[3]!) };
}

function cdxFact(s: string): { name: string; version: string } {
  const i = s.lastIndexOf('@');
  const version = s.slice(i + 1);
  return { name: s.slice(0, i), version: version === 'None' ? '' : version };
}

describe('sbom verifier against the shared vectors', { skip }, () => {
  test(`the vector set has the SBOM cases (${EXPECTED_MIN_CASES}+)`, () => {
    assert.ok(cases.length >= EXPECTED_MIN_CASES, `found ${cases.length}`);
  });

  for (const c of cases) {
    describe(c.id, () => {
      test(`${c.expect}: ${c.reason.slice(0, 100)}`, async () => {
        const config: Record<string, unknown> = {};
        if (c.inputs.disallowedLicenses) config.disallowedLicenses = c.inputs.disallowedLicenses;
        if (c.inputs.disallowedPackages) config.disallowedPackages = c.inputs.disallowedPackages;
        const r = await verify(c, config);
        assert.equal(r.isSuccess, c.expect === 'pass', `${r.message} / ${r.errorReason}`);
        if (c.expect === 'pass') {
          assert.equal(r.message, 'SBOM verification success. No license or package violation found.');
          const ext = r.extensions as Record<string, unknown>;
          assert.deepEqual(Object.keys(ext), [c.kind === 'sbom-spdx' ? 'creationInfo' : 'metadata']);
          return;
        }
        const hasDenyLists = (c.inputs.disallowedLicenses?.length ?? 0) + (c.inputs.disallowedPackages?.length ?? 0) > 0;
        if (!hasDenyLists) {
          // A document that does not decode.
          assert.equal(r.message, 'failed to verify artifact: sbom');
          assert.ok(r.errorReason);
          if (c.id === 'ratify/sbom/bom-invalid') assert.equal(r.errorReason, 'JSON document does not contain spdxVersion field');
          return;
        }
        assert.equal(r.message, 'SBOM validation failed');
        assert.equal(r.errorReason, 'License or package violation found.');
        const ext = r.extensions as { licenseViolations?: Pkg[]; packageViolations?: Pkg[] };
        const wantLicense = violationsFromReason(c.reason, 'licenseViolations');
        const wantPackage = violationsFromReason(c.reason, 'packageViolations');
        if (wantLicense || wantPackage) {
          assert.deepEqual(ext.licenseViolations, wantLicense);
          assert.deepEqual(ext.packageViolations, wantPackage);
        } else {
          // e.g. "license match is case-insensitive: [zlib 1.2.13-r0 Zlib]."
          const list = /\[([^\]]*)\]/.exec(c.reason);
          assert.ok(list, c.reason);
          assert.deepEqual(ext.licenseViolations, violationsFromReason(`licenseViolations = [${list[1]}]`, 'licenseViolations'));
          assert.equal(ext.packageViolations, undefined);
        }
      });

      const facts = c.facts_derived_from_file_content;
      if (c.expect !== 'pass' || !facts) return;

      if (c.kind === 'sbom-spdx') {
        const pkgs = (facts['packages(name@version licenseConcluded|licenseDeclared)'] as string[]).map(spdxFact);

        test('facts: package count, names, versions and concluded licenses', () => {
          const doc = parse(c);
          assert.equal(doc.specVersion, facts.spdxVersion);
          assert.equal(doc.packages.length, facts.packageCount);
          assert.deepEqual(
            doc.packages.map((p) => ({ name: p.name, version: p.version, concluded: p.license })),
            pkgs,
          );
        });

        const licensed = pkgs.find((p) => p.concluded !== '' && p.concluded !== 'NOASSERTION' && p.concluded !== 'NONE');
        if (licensed) {
          test(`facts: denying ${licensed.concluded} flags exactly the packages concluded under it`, async () => {
            const r = await verify(c, { disallowedLicenses: [licensed.concluded] });
            assert.equal(r.isSuccess, false);
            const want = pkgs.filter((p) => p.concluded === licensed.concluded).map((p) => ({ Name: p.name, Version: p.version, License: p.concluded }));
            assert.deepEqual((r.extensions as { licenseViolations: Pkg[] }).licenseViolations, want);
          });
        } else {
          test('facts: only NOASSERTION/absent licenses; a real deny list passes, NOASSERTION denied fails', async () => {
            assert.equal((await verify(c, { disallowedLicenses: ['GPL-3.0-only', 'MIT'] })).isSuccess, true);
            const r = await verify(c, { disallowedLicenses: ['NOASSERTION'] });
            const want = pkgs.filter((p) => p.concluded === 'NOASSERTION').length;
            assert.equal(r.isSuccess, want === 0);
            if (want) assert.equal((r.extensions as { licenseViolations: Pkg[] }).licenseViolations.length, want);
          });
        }
      } else {
        const comps = (facts['components(name@version)'] as string[] | undefined)?.map(cdxFact);

        test('facts: spec version and components', () => {
          const doc = parse(c);
          assert.equal(doc.specVersion, facts.specVersion);
          const listed = doc.packages.filter((p) => p.origin === 'components');
          assert.equal(listed.length, facts.componentCount);
          if (comps) assert.deepEqual(listed.map((p) => ({ name: p.name, version: p.version })), comps);
          const meta = (doc.info.value ?? {}) as Record<string, unknown>;
          assert.equal(doc.info.key, 'metadata');
          assert.equal((meta.component as Record<string, unknown> | undefined)?.components, undefined);
        });

        const licensed = parse(c).packages.find((p) => p.origin === 'components' && p.licenseTexts.length > 0);
        if (licensed) {
          test(`document licenses: denying ${licensed.licenseTexts[0]} flags ${licensed.name}`, async () => {
            const r = await verify(c, { disallowedLicenses: [licensed.licenseTexts[0]!] });
            assert.equal(r.isSuccess, false);
            assert.ok((r.extensions as { licenseViolations: Pkg[] }).licenseViolations.some((p) => p.Name === licensed.name && p.Version === licensed.version));
          });
        }

        test('accepted under application/cyclonedx+json too', async () => {
          assert.equal((await verify(c, {}, 'application/cyclonedx+json')).isSuccess, true);
        });
      }

      const named = (c.kind === 'sbom-spdx'
        ? (facts['packages(name@version licenseConcluded|licenseDeclared)'] as string[]).map(spdxFact)
        : ((facts['components(name@version)'] as string[] | undefined) ?? []).map(cdxFact)
      ).find((p) => p.version !== '');
      if (named) {
        test(`facts: package deny list on ${named.name}@${named.version}`, async () => {
          const exact = await verify(c, { disallowedPackages: [{ name: named.name, version: named.version }] });
          assert.equal(exact.isSuccess, false);
          const hits = (exact.extensions as { packageViolations: Pkg[] }).packageViolations;
          assert.ok(hits.length >= 1 && hits.every((p) => p.Name === named.name && p.Version === named.version));
          const byName = await verify(c, { disallowedPackages: [{ name: named.name }] });
          assert.equal(byName.isSuccess, false);
          const other = await verify(c, { disallowedPackages: [{ name: named.name, version: `${named.version}-not-this-one` }] });
          assert.equal(other.isSuccess, true);
        });
      }
    });
  }
});
