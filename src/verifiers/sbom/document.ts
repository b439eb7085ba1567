/** What the SBOM verifier needs from an SBOM, whichever format it came in. */

export interface SbomPackage {
  name: string;
  version: string;
  /** License text as reported in violations (SPDX licenseConcluded; CycloneDX licenses joined with " AND "). */
  license: string;
  /**
   * The license statements that all apply to the package, each evaluated on its own:
   * SPDX has one (licenseConcluded); CycloneDX has one per `licenses[]` entry.
   */
  licenseTexts: string[];
  /** CycloneDX: the BOM's own subject (`metadata.component`) or an entry of `components`. */
  origin: 'packages' | 'components' | 'metadata';
}

export interface SbomDocument {
  format: 'spdx' | 'cyclonedx';
  /** "SPDX-2.3", "1.6". */
  specVersion: string;
  packages: SbomPackage[];
  /** Document metadata for the report: SPDX `creationInfo` or CycloneDX `metadata`. */
  info: { key: 'creationInfo' | 'metadata'; value: unknown };
}

/** The document is not a valid SBOM of the expected format; the message is the reason. */
export class SbomParseError extends Error {
  override name = 'SbomParseError';
}

export function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

/**
 * Go's encoding/json wording for a field of the wrong type, which is what Ratify's SPDX
 * loader reports for such documents.
 */
export function goTypeError(v: unknown, struct: string, path: string, goType: string): SbomParseError {
  return new SbomParseError(`json: cannot unmarshal ${jsonTypeName(v)} into Go struct field ${struct}.${path} of type ${goType}`);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Decodes bytes as UTF-8 (invalid sequences become U+FFFD, as Go does) and parses JSON. */
export function parseJSONDocument(bytes: Uint8Array): unknown {
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    // A RangeError here means nesting deep enough to exhaust the stack: still "malformed".
    throw new SbomParseError(`malformed JSON: ${(e as Error).message}`);
  }
}
