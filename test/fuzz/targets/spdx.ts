import { parseSpdxJson, SbomParseError } from '../../../src/verifiers/sbom/index.js';
import { checkViolations } from '../sbom.js';
import { rejectsOnlyWith, type FuzzTarget } from '../target.js';
import { jsonDocs, projectFiles, unique, vectorFiles } from '../seeds.js';

/**
 * SPDX 2.x JSON SBOMs. Clean reject: SbomParseError. Accepted documents go through the license
 * and package deny lists, which must report exact hits.
 */
export const target: FuzzTarget = {
  name: 'spdx',
  description: 'SPDX 2.x JSON (`parseSpdxJson`) and the deny-list evaluation of what it accepts; clean reject SbomParseError',
  maxLen: 32 * 1024,
  fuzz(data) {
    const doc = rejectsOnlyWith([SbomParseError], () => parseSpdxJson(data));
    if (doc) checkViolations(doc);
  },
  seeds: () =>
    unique(
      jsonDocs([...vectorFiles(/spdx|sbom|bom/i), ...projectFiles('examples', /sample-layout\/blobs\//)], (v) => typeof v === 'object' && v !== null && 'spdxVersion' in v),
    ),
};
