import { parseCycloneDxJson, SbomParseError } from '../../../src/verifiers/sbom/index.js';
import { checkViolations } from '../sbom.js';
import { rejectsOnlyWith, type FuzzTarget } from '../target.js';
import { json, jsonDocs, unique, vectorFiles } from '../seeds.js';

/**
 * CycloneDX 1.2–1.7 JSON BOMs (nested components). Clean reject: SbomParseError. Accepted BOMs
 * go through the deny lists, which must report exact hits.
 */
export const target: FuzzTarget = {
  name: 'cyclonedx',
  description: 'CycloneDX 1.2–1.7 JSON (`parseCycloneDxJson`, nested components) and the deny-list evaluation; clean reject SbomParseError',
  maxLen: 32 * 1024,
  fuzz(data) {
    const doc = rejectsOnlyWith([SbomParseError], () => parseCycloneDxJson(data));
    if (doc) checkViolations(doc);
  },
  seeds: () =>
    unique([
      ...jsonDocs(vectorFiles(/cyclonedx|bom/i), (v) => typeof v === 'object' && v !== null && (v as { bomFormat?: unknown }).bomFormat === 'CycloneDX'),
      ...json({
        bomFormat: 'CycloneDX',
        specVersion: '1.6',
        version: 1,
        metadata: { component: { type: 'container', name: 'img', components: [{ type: 'library', name: 'left-pad', version: '1.0.0' }] } },
        components: [
          { type: 'library', name: 'a', version: '1', licenses: [{ license: { id: 'GPL-3.0-only' } }, { expression: 'MIT OR Apache-2.0' }] },
          { type: 'library', name: 'b', licenses: [{ license: { name: 'Proprietary' } }], components: [{ type: 'library', name: 'c' }] },
        ],
      }),
    ]),
};
