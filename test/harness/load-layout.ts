import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RegistryHandle } from './registry.js';
import { header, registryRequest, type RegistryResponse } from './client.js';

export { registryRequest, authHeaders, fetchToken, parseChallenge, basicAuth, header } from './client.js';
export type { RegistryResponse, RegistryRequestOptions } from './client.js';

export interface PushLayoutResult {
  /** tag -> digest, from `org.opencontainers.image.ref.name` in index.json. */
  tags: Record<string, string>;
  /** Manifest digests in the order they were pushed (children before parents). */
  manifests: string[];
  /** Non-manifest blob digests that were present in the layout. */
  blobs: string[];
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  annotations?: Record<string, string>;
}

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const INDEX_TYPES = new Set([OCI_INDEX, 'application/vnd.docker.distribution.manifest.list.v2+json']);
const MANIFEST_TYPES = new Set([
  ...INDEX_TYPES,
  OCI_MANIFEST,
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.artifact.manifest.v1+json',
]);
const REF_NAME = 'org.opencontainers.image.ref.name';
const DIGEST_RE = /^(sha256|sha512):([a-f0-9]{64}|[a-f0-9]{128})$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function digestOf(bytes: Uint8Array, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

function expectStatus(res: RegistryResponse, want: number, what: string): void {
  if (res.statusCode !== want) {
    throw new Error(`${what}: expected HTTP ${want}, got ${res.statusCode}: ${res.body.toString('utf8').slice(0, 500)}`);
  }
}

function expectDigest(res: RegistryResponse, want: string, what: string): void {
  const got = header(res, 'docker-content-digest');
  if (got !== want) throw new Error(`${what}: registry reports digest ${got ?? '(none)'}, expected ${want}`);
}

/** Monolithic upload (POST, then PUT ?digest=); skipped when the blob is already there. */
export async function pushBlob(reg: RegistryHandle, repo: string, bytes: Uint8Array): Promise<string> {
  const digest = digestOf(bytes);
  const head = await registryRequest(reg, 'HEAD', `/v2/${repo}/blobs/${digest}`);
  if (head.statusCode === 200) return digest;

  const start = await registryRequest(reg, 'POST', `/v2/${repo}/blobs/uploads/`);
  expectStatus(start, 202, `start upload to ${repo}`);
  const location = header(start, 'location');
  if (location === undefined) throw new Error(`start upload to ${repo}: no Location header`);
  const sep = location.includes('?') ? '&' : '?';
  const put = await registryRequest(reg, 'PUT', `${location}${sep}digest=${encodeURIComponent(digest)}`, {
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  expectStatus(put, 201, `upload ${digest} to ${repo}`);
  expectDigest(put, digest, `upload ${digest} to ${repo}`);
  return digest;
}

/** PUT a manifest by tag or digest; returns the digest the registry confirmed. */
export async function pushManifest(
  reg: RegistryHandle, repo: string, ref: string, mediaType: string, bytes: Uint8Array,
): Promise<string> {
  const algorithm = DIGEST_RE.exec(ref)?.[1] ?? 'sha256';
  const digest = digestOf(bytes, algorithm);
  if (DIGEST_RE.test(ref) && ref !== digest) throw new Error(`manifest bytes hash to ${digest}, not ${ref}`);
  const res = await registryRequest(reg, 'PUT', `/v2/${repo}/manifests/${ref}`, {
    headers: { 'content-type': mediaType },
    body: bytes,
  });
  expectStatus(res, 201, `push manifest ${repo}@${ref}`);
  expectDigest(res, digest, `push manifest ${repo}@${ref}`);
  return digest;
}

async function readBlob(layoutDir: string, digest: string): Promise<Buffer> {
  const m = DIGEST_RE.exec(digest);
  if (m === null) throw new Error(`unsupported or malformed digest ${JSON.stringify(digest)}`);
  const bytes = await readFile(join(layoutDir, 'blobs', m[1] ?? '', m[2] ?? ''));
  const actual = digestOf(bytes, m[1]);
  if (actual !== digest) throw new Error(`layout blob ${digest} is corrupt: it hashes to ${actual}`);
  return bytes;
}

async function exists(layoutDir: string, digest: string): Promise<boolean> {
  try {
    await readBlob(layoutDir, digest);
    return true;
  } catch {
    return false;
  }
}

interface ManifestToPush {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/**
 * Post-order walk from index.json so that every manifest is pushed after the manifests it lists
 * (the registry rejects an index whose children are unknown) and after its subject.
 */
async function collectManifests(layoutDir: string, roots: Descriptor[]): Promise<ManifestToPush[]> {
  const order: ManifestToPush[] = [];
  const seen = new Set<string>();
  const visit = async (desc: Descriptor, parent: string): Promise<void> => {
    if (seen.has(desc.digest)) return;
    seen.add(desc.digest);
    let bytes: Buffer;
    try {
      bytes = await readBlob(layoutDir, desc.digest);
    } catch (err) {
      throw new Error(`layout ${layoutDir}: manifest ${desc.digest} listed by ${parent} is unreadable: ${(err as Error).message}`);
    }
    const body = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: Descriptor[]; subject?: Descriptor };
    const mediaType = desc.mediaType ?? body.mediaType ?? (Array.isArray(body.manifests) ? OCI_INDEX : OCI_MANIFEST);
    if (INDEX_TYPES.has(mediaType)) {
      for (const child of body.manifests ?? []) {
        if (child.mediaType === undefined || MANIFEST_TYPES.has(child.mediaType)) await visit(child, desc.digest);
      }
    }
    // A subject outside the layout is fine (the registry ignores it), so only follow present ones.
    if (body.subject !== undefined && (await exists(layoutDir, body.subject.digest))) {
      await visit(body.subject, `subject of ${desc.digest}`);
    }
    order.push({ digest: desc.digest, mediaType, bytes });
  };
  for (const root of roots) await visit(root, 'index.json');
  return order;
}

/**
 * Loads an OCI image layout into `repo` byte for byte: blobs, then manifests by digest, then
 * tags. Every digest the registry reports is checked against the layout.
 */
export async function pushLayout(reg: RegistryHandle, layoutDir: string, repo: string): Promise<PushLayoutResult> {
  const layoutFile = JSON.parse(await readFile(join(layoutDir, 'oci-layout'), 'utf8')) as { imageLayoutVersion?: string };
  if (typeof layoutFile.imageLayoutVersion !== 'string') throw new Error(`${layoutDir}: oci-layout has no imageLayoutVersion`);
  const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as { manifests?: Descriptor[] };
  const roots = index.manifests ?? [];

  const manifests = await collectManifests(layoutDir, roots);
  const manifestDigests = new Set(manifests.map((m) => m.digest));

  const blobs: string[] = [];
  for (const algorithm of await readdir(join(layoutDir, 'blobs'))) {
    for (const hex of await readdir(join(layoutDir, 'blobs', algorithm))) {
      const digest = `${algorithm}:${hex}`;
      if (!DIGEST_RE.test(digest) || manifestDigests.has(digest)) continue;
      const bytes = await readBlob(layoutDir, digest);
      if (algorithm !== 'sha256') throw new Error(`${digest}: only sha256 blobs can be uploaded by this harness`);
      await pushBlob(reg, repo, bytes);
      blobs.push(digest);
    }
  }

  for (const m of manifests) await pushManifest(reg, repo, m.digest, m.mediaType, m.bytes);

  const tags: Record<string, string> = {};
  const byDigest = new Map(manifests.map((m) => [m.digest, m]));
  for (const root of roots) {
    const name = root.annotations?.[REF_NAME];
    if (name === undefined) continue;
    // Some tools store a full reference (`example.com/repo:tag`); the tag is what follows the last colon.
    const tag = TAG_RE.test(name) ? name : name.slice(name.lastIndexOf(':') + 1);
    if (!TAG_RE.test(tag)) throw new Error(`${layoutDir}: ref.name ${JSON.stringify(name)} is not a usable tag`);
    const m = byDigest.get(root.digest);
    if (m === undefined) throw new Error(`internal: ${root.digest} was not collected`);
    tags[tag] = await pushManifest(reg, repo, tag, m.mediaType, m.bytes);
  }
  return { tags, manifests: manifests.map((m) => m.digest), blobs };
}
