import type { SbomPackage } from './document.js';
import { evaluateLicense, type LicenseDenyList } from './license/index.js';

/** A `disallowedPackages` entry. Without a version it denies every version of the package. */
export interface DisallowedPackage {
  name: string;
  version?: string;
}

/**
 * One violating package, in Ratify's JSON shape (Go struct without json tags, hence the
 * capitalised keys that policies already match on).
 */
export interface PackageLicense {
  Name: string;
  Version: string;
  License: string;
}

export interface Violations {
  licenseViolations: PackageLicense[];
  packageViolations: PackageLicense[];
  /** For --explain: which deny entries fired, and text read by word match instead of as an expression. */
  notes: string[];
}

function keyOf(name: string, version: string): string {
  return JSON.stringify([name, version]);
}

export function compilePackageDenyList(list: readonly DisallowedPackage[]): { names: Set<string>; exact: Set<string> } {
  const names = new Set<string>();
  const exact = new Set<string>();
  for (const p of list) {
    // An entry without a name cannot identify a package (Ratify's test: it is ignored).
    if (p.name === '') continue;
    if (p.version === undefined || p.version === '') names.add(p.name);
    else exact.add(keyOf(p.name, p.version));
  }
  return { names, exact };
}

/**
 * Checks every package against both deny lists. A package is listed at most once in each
 * list, in document order. Package names and versions compare exactly (as Ratify does).
 */
export function findViolations(
  packages: readonly SbomPackage[],
  licenses: LicenseDenyList,
  pkgs: { names: Set<string>; exact: Set<string> },
): Violations {
  const licenseViolations: PackageLicense[] = [];
  const packageViolations: PackageLicense[] = [];
  const notes: string[] = [];
  for (const p of packages) {
    const entry: PackageLicense = { Name: p.name, Version: p.version, License: p.license };
    let licenseHit = false;
    for (const text of p.licenseTexts) {
      const v = evaluateLicense(text, licenses);
      if (v.mode === 'word-match' && licenses.entries.length > 0) {
        notes.push(`${p.name}@${p.version}: license ${JSON.stringify(text)} is not an SPDX expression (${v.parseError}); checked by whole-word match`);
      }
      if (v.violates) {
        licenseHit = true;
        notes.push(`${p.name}@${p.version}: license ${JSON.stringify(text)} denied by ${v.matched.map((m) => JSON.stringify(m)).join(', ')}`);
      }
    }
    if (licenseHit) licenseViolations.push(entry);
    if (pkgs.names.has(p.name) || pkgs.exact.has(keyOf(p.name, p.version))) packageViolations.push(entry);
  }
  return { licenseViolations, packageViolations, notes };
}
