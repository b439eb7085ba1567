import { RatifyError } from '../errors.js';
import { isDigest } from './digest.js';

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: Platform;
}

export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

/** Ratify's ReferenceDescriptor: a descriptor whose artifactType tells verifiers what it is. */
export type ReferenceDescriptor = Descriptor;

/** Ratify's ReferenceManifest (reference §1.2), the normalised view of a referrer's manifest. */
export interface ReferenceManifest {
  mediaType: string;
  artifactType?: string;
  blobs: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

const MAX_SIZE = Number.MAX_SAFE_INTEGER;

function isStringMap(v: unknown): v is Record<string, string> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  return Object.values(v).every((x) => typeof x === 'string');
}

/**
 * Validates an untrusted JSON value as a descriptor. Unknown fields are dropped so that
 * nothing from a hostile registry reaches later stages unchecked.
 */
export function parseDescriptor(v: unknown, where: string): Descriptor {
  const fail = (why: string) =>
    new RatifyError('MANIFEST_INVALID', `invalid descriptor in ${where}`, { cause: new Error(why) });
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw fail('not an object');
  const o = v as Record<string, unknown>;
  if (typeof o.mediaType !== 'string' || o.mediaType.length === 0 || o.mediaType.length > 255) {
    throw fail('mediaType missing or invalid');
  }
  if (!isDigest(o.digest)) throw fail(`digest ${JSON.stringify(o.digest)} is not a valid digest`);
  if (typeof o.size !== 'number' || !Number.isInteger(o.size) || o.size < 0 || o.size > MAX_SIZE) {
    throw fail('size must be a non-negative integer');
  }
  const d: Descriptor = { mediaType: o.mediaType, digest: o.digest, size: o.size };
  // As with Go's encoding/json, an explicit null is the same as an absent optional field.
  if (o.urls !== undefined && o.urls !== null) {
    if (!Array.isArray(o.urls) || !o.urls.every((u) => typeof u === 'string')) throw fail('urls must be strings');
    d.urls = o.urls as string[];
  }
  if (o.annotations !== undefined && o.annotations !== null) {
    if (!isStringMap(o.annotations)) throw fail('annotations must map strings to strings');
    d.annotations = o.annotations;
  }
  if (o.artifactType !== undefined && o.artifactType !== null && o.artifactType !== '') {
    if (typeof o.artifactType !== 'string') throw fail('artifactType must be a string');
    d.artifactType = o.artifactType;
  }
  if (o.platform !== undefined && o.platform !== null) {
    const p = o.platform as Record<string, unknown>;
    if (typeof p !== 'object' || typeof p.architecture !== 'string' || typeof p.os !== 'string') {
      throw fail('platform needs architecture and os');
    }
    const plat: Platform = { architecture: p.architecture, os: p.os };
    if (typeof p['os.version'] === 'string') plat['os.version'] = p['os.version'];
    if (Array.isArray(p['os.features'])) plat['os.features'] = p['os.features'].filter((x) => typeof x === 'string');
    if (typeof p.variant === 'string') plat.variant = p.variant;
    d.platform = plat;
  }
  return d;
}

/** Descriptor as Ratify serialises it (Go field order: mediaType, digest, size, urls, annotations, platform, artifactType). */
export function descriptorJSON(d: Descriptor): Record<string, unknown> {
  const o: Record<string, unknown> = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.urls?.length) o.urls = d.urls;
  if (d.annotations && Object.keys(d.annotations).length) o.annotations = d.annotations;
  if (d.platform) o.platform = d.platform;
  if (d.artifactType) o.artifactType = d.artifactType;
  return o;
}
