import { isObject, jsonTypeName, parseJSONDocument, SbomParseError, type SbomDocument, type SbomPackage } from './document.js';

/**
 * CycloneDX JSON (not in Ratify). Every component is read: the top-level `components`, their
 * nested `components` at any depth, and `metadata.component` (the BOM's own subject, which
 * SPDX would list as a package too). A component's licenses are its `licenses[]` entries:
 * `license.id`, `license.name` or `expression`; all entries apply to the component, so each is
 * evaluated on its own (reading several entries as alternatives would let one permissive
 * entry hide a denied one).
 *
 * The JSON format exists from 1.2; 1.2–1.7 are accepted (1.7 is what current trivy and grype
 * write). An unknown spec version is refused rather than read with guessed semantics.
 */

export const CYCLONEDX_SPEC_VERSIONS = ['1.2', '1.3', '1.4', '1.5', '1.6', '1.7'] as const;

/** Components nest at most this deep (real BOMs use a handful of levels); deeper is refused. */
export const MAX_COMPONENT_DEPTH = 32;

function fieldError(path: string, want: string, v: unknown): SbomParseError {
  return new SbomParseError(`${path}: expected ${want}, got ${jsonTypeName(v)}`);
}

function optString(o: Record<string, unknown>, k: string, path: string): string {
  const v = o[k];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw fieldError(`${path}.${k}`, 'string', v);
  return v;
}

function readLicenses(v: unknown, path: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw fieldError(path, 'array', v);
  const out: string[] = [];
  v.forEach((entry, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(entry)) throw fieldError(p, 'object', entry);
    if (entry.expression !== undefined && entry.expression !== null) {
      if (typeof entry.expression !== 'string') throw fieldError(`${p}.expression`, 'string', entry.expression);
      if (entry.expression.trim() !== '') out.push(entry.expression);
      return;
    }
    if (entry.license === undefined || entry.license === null) return;
    if (!isObject(entry.license)) throw fieldError(`${p}.license`, 'object', entry.license);
    // id is an SPDX identifier; name is free text (evaluated as an expression when it parses
    // as one, else by Ratify's word match).
    const id = optString(entry.license, 'id', `${p}.license`);
    const name = optString(entry.license, 'name', `${p}.license`);
    const text = id !== '' ? id : name;
    if (text.trim() !== '') out.push(text);
  });
  return out;
}

/** Parenthesise compound entries so that the joined display text reads as one AND. */
function displayLicense(texts: string[]): string {
  if (texts.length <= 1) return texts[0] ?? '';
  return texts.map((t) => (/\s/.test(t.trim()) ? `(${t.trim()})` : t)).join(' AND ');
}

function toPackage(c: Record<string, unknown>, path: string, origin: SbomPackage['origin']): SbomPackage {
  const licenseTexts = readLicenses(c.licenses, `${path}.licenses`);
  return {
    name: optString(c, 'name', path),
    version: optString(c, 'version', path),
    license: displayLicense(licenseTexts),
    licenseTexts,
    origin,
  };
}

/**
 * Walks a component tree without recursion (an explicit stack), so a hostile BOM cannot
 * exhaust the call stack; depth beyond MAX_COMPONENT_DEPTH is an error, not a silent cut.
 */
function collectComponents(roots: unknown, rootPath: string, origin: SbomPackage['origin'], out: SbomPackage[]): void {
  if (roots === undefined || roots === null) return;
  if (!Array.isArray(roots)) throw fieldError(rootPath, 'array', roots);
  const stack: Array<{ list: unknown[]; path: string; depth: number; i: number }> = [{ list: roots, path: rootPath, depth: 1, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.list.length) {
      stack.pop();
      continue;
    }
    const c = top.list[top.i];
    const path = `${top.path}[${top.i}]`;
    top.i++;
    if (!isObject(c)) throw fieldError(path, 'object', c);
    out.push(toPackage(c, path, origin));
    const kids = c.components;
    if (kids === undefined || kids === null) continue;
    if (!Array.isArray(kids)) throw fieldError(`${path}.components`, 'array', kids);
    if (kids.length === 0) continue;
    if (top.depth + 1 > MAX_COMPONENT_DEPTH) {
      throw new SbomParseError(`components nested deeper than ${MAX_COMPONENT_DEPTH} levels at ${path}`);
    }
    stack.push({ list: kids, path: `${path}.components`, depth: top.depth + 1, i: 0 });
  }
}

/**
 * The report's `metadata`: CycloneDX metadata with `metadata.component` reduced to its
 * identity (its nested components are SBOM content, not metadata, and can be large).
 */
function reportMetadata(m: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...m };
  if (isObject(m.component)) {
    const summary: Record<string, unknown> = {};
    for (const k of ['type', 'bom-ref', 'group', 'name', 'version', 'purl']) {
      if (m.component[k] !== undefined) summary[k] = m.component[k];
    }
    out.component = summary;
  }
  return out;
}

/** Parses a CycloneDX JSON BOM; throws SbomParseError with the reason when it is not one. */
export function parseCycloneDxJson(bytes: Uint8Array): SbomDocument {
  const doc = parseJSONDocument(bytes);
  if (!isObject(doc)) throw new SbomParseError(`CycloneDX BOM must be a JSON object, got ${jsonTypeName(doc)}`);
  if (doc.bomFormat !== 'CycloneDX') {
    throw new SbomParseError(`not a CycloneDX BOM: bomFormat is ${doc.bomFormat === undefined ? 'missing' : JSON.stringify(doc.bomFormat)}`);
  }
  const spec = doc.specVersion;
  if (typeof spec !== 'string') throw new SbomParseError('CycloneDX BOM has no specVersion');
  if (!(CYCLONEDX_SPEC_VERSIONS as readonly string[]).includes(spec)) {
    throw new SbomParseError(`unsupported CycloneDX specVersion: ${spec} (supported: ${CYCLONEDX_SPEC_VERSIONS.join(', ')})`);
  }
  const packages: SbomPackage[] = [];
  let metadata: Record<string, unknown> | null = null;
  if (doc.metadata !== undefined && doc.metadata !== null) {
    if (!isObject(doc.metadata)) throw fieldError('metadata', 'object', doc.metadata);
    metadata = reportMetadata(doc.metadata);
    if (doc.metadata.component !== undefined && doc.metadata.component !== null) {
      collectComponents([doc.metadata.component], 'metadata.component', 'metadata', packages);
    }
  }
  collectComponents(doc.components, 'components', 'components', packages);
  return { format: 'cyclonedx', specVersion: spec, packages, info: { key: 'metadata', value: metadata } };
}
