import { compileLicenseDenyList, evaluateLicense, formatLicenseExpression, LicenseExpressionError, parseLicenseExpression } from '../../../src/verifiers/sbom/index.js';
import { DENIED_LICENSES } from '../sbom.js';
import { check, rejectsOnlyWith, utf8, type FuzzTarget } from '../target.js';
import { text } from '../seeds.js';

const deny = compileLicenseDenyList(DENIED_LICENSES);

/**
 * SPDX license expressions. Clean reject: LicenseExpressionError. An accepted expression prints
 * to a canonical form that parses back to the same form; evaluation against a deny list never
 * throws and a denied license joined with AND always violates.
 */
export const target: FuzzTarget = {
  name: 'license-expression',
  description: 'SPDX license expressions (`parseLicenseExpression`, canonical form round trip, deny-list evaluation incl. word match)',
  maxLen: 2048,
  fuzz(data) {
    const input = utf8(data);
    const e = rejectsOnlyWith([LicenseExpressionError], () => parseLicenseExpression(input));
    if (e) {
      const canonical = formatLicenseExpression(e);
      const again = formatLicenseExpression(parseLicenseExpression(canonical));
      check(again === canonical, `canonical form ${JSON.stringify(canonical)} re-prints as ${JSON.stringify(again)}`);
      const both = `(${canonical}) AND GPL-3.0-only`;
      check(evaluateLicense(both, deny).violates, `${JSON.stringify(both)} does not violate a GPL-3.0-only deny list`);
    }
    evaluateLicense(input, deny);
  },
  seeds: () =>
    text(
      'MIT',
      'Apache-2.0 OR MIT',
      '(GPL-2.0-or-later WITH Classpath-exception-2.0 OR MIT) AND BSD-3-Clause',
      'LGPL-2.1+ AND LicenseRef-Proprietary',
      'DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2',
      'NOASSERTION',
      'NONE',
      'GPL-3.0-only AND (AGPL-3.0-or-later OR BUSL-1.1 WITH x)',
      'Some custom license text, GPL',
    ),
};
