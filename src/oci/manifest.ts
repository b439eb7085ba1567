import { RatifyError } from '../errors.js';
import { parseDescriptor, type Descriptor, type ReferenceManifest } from './descriptor.js';
import { MediaType, isIndexMediaType } from './mediatypes.js';

export interface ImageManifest {
  schemaVersion: number;
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: number;
  mediaType: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ArtifactManifest {
  mediaType: string;
  artifactType: string;
  blobs: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/**
 * "malformed JSON" and where, without V8's quote of the text: that quote is the first bytes of
 * whatever was read (a registry's body, or a file a layout links to), and must not reach errors.
 */
export function jsonSyntaxText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const at = /at position (\d+)/.exec(msg);
  if (at) return `malformed JSON at position ${at[1]}`;
  return /end of JSON input/.test(msg) ? 'malformed JSON: unexpected end of input' : 'malformed JSON';
}

/** Hard cap on the number of entries in one manifest's lists, whatever the byte size. */
export const MAX_LIST_ENTRIES = 10_000;

function invalid(what: string, why: string): RatifyError {
  return new RatifyError('MANIFEST_INVALID', `invalid ${what}`, { cause: new Error(why) });
}

export function parseJSONObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    throw invalid(what, jsonSyntaxText(e));
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(what, 'not a JSON object');
  return v as Record<string, unknown>;
}

function descriptorList(v: unknown, what: string, field: string): Descriptor[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(what, `${field} must be an array`);
  if (v.length > MAX_LIST_ENTRIES) throw invalid(what, `${field} has ${v.length} entries (limit ${MAX_LIST_ENTRIES})`);
  return v.map((x, i) => parseDescriptor(x, `${what} ${field}[${i}]`));
}

function annotations(v: unknown, what: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw invalid(what, 'annotations must map strings to strings');
  }
  return v as Record<string, string>;
}

function optString(v: unknown, what: string, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw invalid(what, `${field} must be a string`);
  return v;
}

/**
 * Where the body declares a mediaType it must agree with the one the registry gave,
 * otherwise a registry could make us read an index as a manifest.
 */
function checkDeclared(o: Record<string, unknown>, expected: string, what: string): void {
  if (o.mediaType !== undefined && o.mediaType !== expected) {
    throw invalid(what, `body mediaType ${JSON.stringify(o.mediaType)} does not match ${expected}`);
  }
}

export function parseImageManifest(bytes: Uint8Array, mediaType: string = MediaType.OciManifest): ImageManifest {
  return imageManifestFrom(parseJSONObject(bytes, 'image manifest'), mediaType);
}

function imageManifestFrom(o: Record<string, unknown>, mediaType: string): ImageManifest {
  const what = 'image manifest';
  checkDeclared(o, mediaType, what);
  if (o.schemaVersion !== 2) throw invalid(what, 'schemaVersion must be 2');
  if (o.config === undefined) throw invalid(what, 'config descriptor missing');
  const m: ImageManifest = {
    schemaVersion: 2,
    mediaType,
    config: parseDescriptor(o.config, `${what} config`),
    layers: descriptorList(o.layers, what, 'layers'),
  };
  const at = optString(o.artifactType, what, 'artifactType');
  if (at) m.artifactType = at;
  if (o.subject !== undefined && o.subject !== null) m.subject = parseDescriptor(o.subject, `${what} subject`);
  const ann = annotations(o.annotations, what);
  if (ann) m.annotations = ann;
  return m;
}

export function parseImageIndex(bytes: Uint8Array, mediaType: string = MediaType.OciIndex): ImageIndex {
  const what = 'image index';
  const o = parseJSONObject(bytes, what);
  checkDeclared(o, mediaType, what);
  if (o.schemaVersion !== 2) throw invalid(what, 'schemaVersion must be 2');
  const idx: ImageIndex = { schemaVersion: 2, mediaType, manifests: descriptorList(o.manifests, what, 'manifests') };
  const at = optString(o.artifactType, what, 'artifactType');
  if (at) idx.artifactType = at;
  if (o.subject !== undefined && o.subject !== null) idx.subject = parseDescriptor(o.subject, `${what} subject`);
  const ann = annotations(o.annotations, what);
  if (ann) idx.annotations = ann;
  return idx;
}

export function parseArtifactManifest(bytes: Uint8Array): ArtifactManifest {
  return artifactManifestFrom(parseJSONObject(bytes, 'artifact manifest'));
}

function artifactManifestFrom(o: Record<string, unknown>): ArtifactManifest {
  const what = 'artifact manifest';
  checkDeclared(o, MediaType.OciArtifactManifest, what);
  const at = optString(o.artifactType, what, 'artifactType');
  if (!at) throw invalid(what, 'artifactType missing');
  const m: ArtifactManifest = {
    mediaType: MediaType.OciArtifactManifest,
    artifactType: at,
    blobs: descriptorList(o.blobs, what, 'blobs'),
  };
  if (o.subject !== undefined && o.subject !== null) m.subject = parseDescriptor(o.subject, `${what} subject`);
  const ann = annotations(o.annotations, what);
  if (ann) m.annotations = ann;
  return m;
}

/** Ratify's remediation on GetReferenceManifest failures. */
const REFERRER_MANIFEST_REMEDIATION = 'Please check if the artifact metadata was created correctly.';

/** The manifest's own mediaType field: Ratify copies it from the body, "" when the body has none. */
function bodyMediaType(o: Record<string, unknown>): string {
  return typeof o.mediaType === 'string' ? o.mediaType : '';
}

/**
 * Ratify's GetReferenceManifest normalisation (reference §5.1), chosen by the descriptor's
 * media type: an OCI image manifest gives artifactType = config.mediaType (or the manifest's
 * artifactType when the config is the empty descriptor) and blobs = layers; an OCI artifact
 * manifest is taken as it is; anything else is unsupported (GET_REFERRER_MANIFEST_FAILURE).
 * As in Ratify, mediaType is the one the body declares ("" when absent; a body that declares
 * a different one is rejected). Content Ratify cannot decode, and content that breaks the
 * checks above, fails with DATA_DECODING_FAILURE and Ratify's detail text.
 */
export function toReferenceManifest(bytes: Uint8Array, mediaType: string): ReferenceManifest {
  if (mediaType === MediaType.OciManifest) {
    const { o, m } = decodeOrFail(bytes, mediaType, (obj) => imageManifestFrom(obj, mediaType));
    const rm: ReferenceManifest = { mediaType: bodyMediaType(o), blobs: m.layers };
    const at = m.config.mediaType === MediaType.OciEmpty ? m.artifactType : m.config.mediaType;
    if (at) rm.artifactType = at;
    if (m.subject) rm.subject = m.subject;
    if (m.annotations) rm.annotations = m.annotations;
    return rm;
  }
  if (mediaType === MediaType.OciArtifactManifest) {
    const { o, m } = decodeOrFail(bytes, mediaType, artifactManifestFrom);
    const rm: ReferenceManifest = { mediaType: bodyMediaType(o), artifactType: m.artifactType, blobs: m.blobs };
    if (m.subject) rm.subject = m.subject;
    if (m.annotations) rm.annotations = m.annotations;
    return rm;
  }
  throw new RatifyError('GET_REFERRER_MANIFEST_FAILURE', `Unsupported artifact metadata of media type ${mediaType}`, {
    remediation: REFERRER_MANIFEST_REMEDIATION,
  });
}

function decodeOrFail<T>(
  bytes: Uint8Array,
  mediaType: string,
  from: (o: Record<string, unknown>) => T,
): { o: Record<string, unknown>; m: T } {
  try {
    const o = parseJSONObject(bytes, 'manifest');
    return { o, m: from(o) };
  } catch (e) {
    if (!(e instanceof RatifyError)) throw e;
    // A plain Error as the cause keeps DATA_DECODING_FAILURE as the reported (root) code.
    const reason = e.cause instanceof Error ? `${e.detail}: ${e.cause.message}` : e.detail;
    throw new RatifyError('DATA_DECODING_FAILURE', `Failed to parse artifact metadata of mediatype \`${mediaType}\``, {
      cause: new Error(reason, { cause: e }),
      remediation: REFERRER_MANIFEST_REMEDIATION,
    });
  }
}

/** ReferenceManifest in Ratify's JSON field order. */
export function referenceManifestJSON(m: ReferenceManifest): Record<string, unknown> {
  const o: Record<string, unknown> = { mediaType: m.mediaType };
  if (m.artifactType) o.artifactType = m.artifactType;
  o.blobs = m.blobs;
  if (m.subject) o.subject = m.subject;
  if (m.annotations) o.annotations = m.annotations;
  return o;
}

/** The artifactType a referrer descriptor should carry, derived from its manifest (OCI 1.1 / oras-go rules). */
export function artifactTypeOfManifest(bytes: Uint8Array, mediaType: string): string | undefined {
  if (mediaType === MediaType.OciManifest) {
    // Distribution spec / oras-go: the manifest's artifactType, else the config media type
    // (even the empty config's: that is what registries and oras-go report).
    const m = parseImageManifest(bytes, mediaType);
    return m.artifactType ?? m.config.mediaType;
  }
  if (mediaType === MediaType.OciArtifactManifest) return parseArtifactManifest(bytes).artifactType;
  if (isIndexMediaType(mediaType)) return parseImageIndex(bytes, mediaType).artifactType;
  return undefined;
}

/** The subject a manifest points at, if any. */
export function subjectOfManifest(bytes: Uint8Array, mediaType: string): Descriptor | undefined {
  if (mediaType === MediaType.OciManifest) return parseImageManifest(bytes, mediaType).subject;
  if (mediaType === MediaType.OciArtifactManifest) return parseArtifactManifest(bytes).subject;
  if (mediaType === MediaType.OciIndex) return parseImageIndex(bytes, mediaType).subject;
  return undefined;
}
