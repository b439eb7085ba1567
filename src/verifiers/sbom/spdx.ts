import { goTypeError, isObject, parseJSONDocument, SbomParseError, type SbomDocument, type SbomPackage } from './document.js';

/**
 * SPDX 2.x JSON, read the way Ratify's loader (spdx/tools-golang json.Read) reads it:
 * `spdxVersion` decides the model (2.1, 2.2 and 2.3 are accepted and read as 2.3), and
 * fields of the wrong JSON type make the document invalid, as Go's encoding/json does.
 * Only the fields the verifier reports on, plus the ones tools-golang types strictly and
 * real documents get wrong, are checked; unknown fields are ignored.
 */

export const SPDX_VERSIONS = ['SPDX-2.1', 'SPDX-2.2', 'SPDX-2.3'] as const;

type Check = 'string' | 'boolean';

function checkFields(o: Record<string, unknown>, fields: Record<string, Check>, struct: string, path: string): void {
  for (const [k, want] of Object.entries(fields)) {
    const v = o[k];
    // JSON null leaves a Go field at its zero value: not an error.
    if (v === undefined || v === null) continue;
    if (typeof v !== want) throw goTypeError(v, struct, path ? `${path}.${k}` : k, want === 'boolean' ? 'bool' : 'string');
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * creationInfo in the shape tools-golang marshals it (v2.3 CreationInfo): licenseListVersion
 * (omitted when empty), creators as "Type: Name" strings, created, comment (omitted when empty).
 */
function readCreationInfo(v: unknown): Record<string, unknown> | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw goTypeError(v, 'Document', 'creationInfo', 'v2_3.CreationInfo');
  checkFields(v, { licenseListVersion: 'string', created: 'string', comment: 'string' }, 'CreationInfo', 'creationInfo');
  let creators: string[] | null = null;
  if (v.creators !== undefined && v.creators !== null) {
    if (!Array.isArray(v.creators)) throw goTypeError(v.creators, 'CreationInfo', 'creationInfo.creators', '[]common.Creator');
    creators = v.creators.map((c) => {
      // tools-golang splits "Tool: syft-0.76.0" at the first ": "; anything else is rejected.
      if (typeof c !== 'string' || !c.includes(': ')) {
        throw new SbomParseError(`failed to parse Creator '${typeof c === 'string' ? c : JSON.stringify(c)}'`);
      }
      return c;
    });
  }
  const out: Record<string, unknown> = {};
  if (str(v.licenseListVersion) !== '') out.licenseListVersion = v.licenseListVersion;
  out.creators = creators;
  out.created = str(v.created);
  if (str(v.comment) !== '') out.comment = v.comment;
  return out;
}

function readPackages(v: unknown): SbomPackage[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw goTypeError(v, 'Document', 'packages', '[]*v2_3.Package');
  return v.map((p) => {
    if (p === null) return { name: '', version: '', license: '', licenseTexts: [], origin: 'packages' };
    if (!isObject(p)) throw goTypeError(p, 'Document', 'packages', 'v2_3.Package');
    checkFields(
      p,
      {
        name: 'string',
        SPDXID: 'string',
        versionInfo: 'string',
        licenseConcluded: 'string',
        licenseDeclared: 'string',
        downloadLocation: 'string',
        copyrightText: 'string',
        filesAnalyzed: 'boolean',
      },
      'Package',
      'packages',
    );
    const license = str(p.licenseConcluded);
    // Ratify reads licenseConcluded only (not licenseDeclared).
    return { name: str(p.name), version: str(p.versionInfo), license, licenseTexts: license === '' ? [] : [license], origin: 'packages' };
  });
}

function readRelationships(v: unknown): void {
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) throw goTypeError(v, 'Document', 'relationships', '[]*v2_3.Relationship');
  for (const r of v) {
    if (r === null) continue;
    if (!isObject(r)) throw goTypeError(r, 'Document', 'relationships', 'v2_3.Relationship');
    checkFields(r, { spdxElementId: 'string', relatedSpdxElement: 'string', relationshipType: 'string' }, 'Relationship', 'relationships');
  }
}

/** Parses an SPDX JSON document; throws SbomParseError with the reason when it is not one. */
export function parseSpdxJson(bytes: Uint8Array): SbomDocument {
  const doc = parseJSONDocument(bytes);
  if (!isObject(doc)) throw new SbomParseError(`json: cannot unmarshal ${Array.isArray(doc) ? 'array' : typeof doc} into Go value of type map[string]interface {}`);
  if (!('spdxVersion' in doc)) throw new SbomParseError('JSON document does not contain spdxVersion field');
  const version = doc.spdxVersion;
  if (typeof version !== 'string') throw new SbomParseError('JSON document spdxVersion field is not a string');
  if (!(SPDX_VERSIONS as readonly string[]).includes(version)) throw new SbomParseError(`unsupported SPDX version: ${version}`);
  checkFields(doc, { SPDXID: 'string', name: 'string', dataLicense: 'string', documentNamespace: 'string', comment: 'string' }, 'Document', '');
  const creationInfo = readCreationInfo(doc.creationInfo);
  const packages = readPackages(doc.packages);
  readRelationships(doc.relationships);
  if (doc.files !== undefined && doc.files !== null && !Array.isArray(doc.files)) {
    throw goTypeError(doc.files, 'Document', 'files', '[]*v2_3.File');
  }
  return { format: 'spdx', specVersion: version, packages, info: { key: 'creationInfo', value: creationInfo } };
}
