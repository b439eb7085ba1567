/**
 * Ratify's license test (plugins/verifier/sbom/utils): a disallowed license matches when it
 * appears as a whole word in the package's license text, case-insensitively, where a word is
 * bounded by the start/end of the text, whitespace or a parenthesis. Used for license text
 * that is not an SPDX expression, so that such text is still checked (never waved through).
 */

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const cache = new Map<string, RegExp>();

function wordRegExp(disallowed: string): RegExp {
  const key = disallowed.toLowerCase();
  let re = cache.get(key);
  if (re === undefined) {
    // Go's \s is ASCII whitespace only: [\t\n\f\r ].
    re = new RegExp(`(?:^|\\(|[\\t\\n\\f\\r ])(${escapeRegExp(key)})(?:$|\\)|[\\t\\n\\f\\r ])`);
    if (cache.size > 1024) cache.clear();
    cache.set(key, re);
  }
  return re;
}

/** True when `disallowed` occurs in `licenseText` as a whole word (case-insensitive). */
export function containsLicenseWord(licenseText: string, disallowed: string): boolean {
  // Go's (?:^|...) without (?m) anchors at the text ends only, as JS does without the m flag.
  return wordRegExp(disallowed).test(licenseText.toLowerCase());
}
