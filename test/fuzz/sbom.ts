import { compileLicenseDenyList, compilePackageDenyList, findViolations, type SbomDocument } from '../../src/verifiers/sbom/index.js';
import { check } from './target.js';

/** The deny lists the SBOM targets evaluate every accepted document against. */
export const DENIED_LICENSES = ['GPL-3.0-only', 'AGPL-3.0-or-later', 'LicenseRef-Proprietary', 'BUSL-1.1 WITH x', 'NOASSERTION'];
const licenses = compileLicenseDenyList(DENIED_LICENSES);
const packages = compilePackageDenyList([{ name: 'log4j-core', version: '2.14.1' }, { name: 'left-pad' }]);

/**
 * A package whose license is exactly a denied identifier, or whose name is denied, must be
 * reported: whatever else the document holds, that check cannot be skipped.
 */
export function checkViolations(doc: SbomDocument): void {
  const v = findViolations(doc.packages, licenses, packages);
  for (const p of doc.packages) {
    if (p.licenseTexts.some((t) => t.trim() === 'GPL-3.0-only')) {
      check(v.licenseViolations.some((x) => x.Name === p.name && x.Version === p.version), `package ${JSON.stringify(p.name)} licensed GPL-3.0-only not reported`);
    }
    if (p.name === 'left-pad') check(v.packageViolations.some((x) => x.Name === p.name), 'denied package left-pad not reported');
  }
}
