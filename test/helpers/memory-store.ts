import type { Context } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import type { Descriptor, ReferenceDescriptor, ReferenceManifest } from '../../src/oci/descriptor.js';
import { digestOf, verifyDigest } from '../../src/oci/digest.js';
import { toReferenceManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { makeReference, type Reference } from '../../src/reference/reference.js';
import { DEFAULT_LIMITS, matchesArtifactTypes, type ContentLimits, type ListReferrersOptions, type ReferrerStore } from '../../src/stores/types.js';

/**
 * An in-memory ReferrerStore for unit tests: manifests and blobs are built in the test,
 * stored by digest, and served digest-verified and size-limited like a real store.
 * Referrers are found through their manifest's `subject`, as the OCI referrers API does,
 * and listed with the manifest's artifactType and annotations.
 */

export interface LayerSpec {
  mediaType?: string;
  data: Uint8Array | string;
  /** Override the size the manifest declares (hostile-content tests). */
  declaredSize?: number;
}

export interface ReferrerSpec {
  artifactType: string;
  layers: LayerSpec[];
  /** Manifest annotations; the referrers listing repeats them on the descriptor. */
  annotations?: Record<string, string>;
}

const EMPTY_CONFIG = new TextEncoder().encode('{}');

function bytesOf(d: Uint8Array | string): Uint8Array {
  return typeof d === 'string' ? new TextEncoder().encode(d) : d;
}

export class MemoryStore implements ReferrerStore {
  readonly name = 'memory';
  readonly config: Record<string, unknown> = { name: 'memory' };
  readonly limits: ContentLimits;
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly manifests = new Map<string, { bytes: Uint8Array; mediaType: string }>();
  private readonly tags = new Map<string, string>();
  private readonly referrers: Array<{ subject: string; desc: ReferenceDescriptor }> = [];
  /** Digests whose fetch fails with this error (store-failure tests). */
  readonly failures = new Map<string, Error>();
  /** Error thrown by listReferrers, if set. */
  listError: Error | undefined;
  /** Every fetchBlob call's digest, in order. */
  readonly blobFetches: string[] = [];

  constructor(limits: Partial<ContentLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  putBlob(data: Uint8Array | string): Descriptor {
    const bytes = bytesOf(data);
    const digest = digestOf(bytes);
    this.blobs.set(digest, bytes);
    return { mediaType: 'application/octet-stream', digest, size: bytes.byteLength };
  }

  putManifest(obj: unknown, mediaType: string = MediaType.OciManifest): Descriptor {
    const bytes = new TextEncoder().encode(JSON.stringify(obj));
    const digest = digestOf(bytes);
    this.manifests.set(digest, { bytes, mediaType });
    return { mediaType, digest, size: bytes.byteLength };
  }

  /** A small image manifest, tagged, to be the subject of the referrers. */
  addSubject(repository = 'test/image', tag = 'v1'): { ref: Reference; desc: Descriptor } {
    const layer = this.putBlob(`layer of ${repository}:${tag}`);
    const config = this.putBlob('{"architecture":"amd64","os":"linux"}');
    const desc = this.putManifest({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }],
    });
    this.tags.set(`${repository}:${tag}`, desc.digest);
    return { ref: makeReference('registry.example', repository, tag, desc.digest), desc };
  }

  /** An OCI 1.1 artifact (image manifest with empty config and artifactType) referring to `subject`. */
  addReferrer(subject: Descriptor, spec: ReferrerSpec): ReferenceDescriptor {
    this.blobs.set(digestOf(EMPTY_CONFIG), EMPTY_CONFIG);
    const layers = spec.layers.map((l) => {
      const d = this.putBlob(l.data);
      return { mediaType: l.mediaType ?? spec.artifactType, digest: d.digest, size: l.declaredSize ?? d.size };
    });
    const manifest: Record<string, unknown> = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: spec.artifactType,
      config: { mediaType: MediaType.OciEmpty, digest: digestOf(EMPTY_CONFIG), size: EMPTY_CONFIG.byteLength },
      layers,
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    };
    if (spec.annotations) manifest.annotations = spec.annotations;
    const m = this.putManifest(manifest);
    const desc: ReferenceDescriptor = { ...m, artifactType: spec.artifactType };
    if (spec.annotations) desc.annotations = { ...spec.annotations };
    this.referrers.push({ subject: subject.digest, desc });
    return desc;
  }

  async resolve(ref: Reference, _ctx: Context): Promise<Descriptor> {
    const digest = ref.digest ?? this.tags.get(`${ref.repository}:${ref.tag ?? 'latest'}`);
    const m = digest === undefined ? undefined : this.manifests.get(digest);
    if (digest === undefined || m === undefined) throw new RatifyError('GET_SUBJECT_DESCRIPTOR_FAILURE', `${ref.original} not found`);
    return { mediaType: m.mediaType, digest, size: m.bytes.byteLength };
  }

  async *listReferrers(_ref: Reference, subject: Descriptor, _ctx: Context, opts?: ListReferrersOptions): AsyncIterable<ReferenceDescriptor> {
    if (this.listError) throw this.listError;
    for (const r of this.referrers) {
      if (r.subject === subject.digest && matchesArtifactTypes(r.desc, opts?.artifactTypes)) yield { ...r.desc };
    }
  }

  async fetchManifestBytes(_ref: Reference, desc: Descriptor, _ctx: Context): Promise<Uint8Array> {
    const fail = this.failures.get(desc.digest);
    if (fail) throw fail;
    const m = this.manifests.get(desc.digest);
    if (m === undefined) throw new RatifyError('GET_REFERRER_MANIFEST_FAILURE', `manifest ${desc.digest} not found`);
    if (m.bytes.byteLength > this.limits.manifestBytes) throw new RatifyError('GET_REFERRER_MANIFEST_FAILURE', 'manifest over the size limit');
    verifyDigest(m.bytes, desc.digest, 'manifest');
    return m.bytes;
  }

  async fetchManifest(ref: Reference, desc: Descriptor, ctx: Context): Promise<ReferenceManifest> {
    const bytes = await this.fetchManifestBytes(ref, desc, ctx);
    return toReferenceManifest(bytes, this.manifests.get(desc.digest)!.mediaType);
  }

  async fetchBlob(_ref: Reference, desc: Pick<Descriptor, 'digest'> & Partial<Descriptor>, _ctx: Context): Promise<Uint8Array> {
    this.blobFetches.push(desc.digest);
    const fail = this.failures.get(desc.digest);
    if (fail) throw fail;
    const b = this.blobs.get(desc.digest);
    if (b === undefined) throw new RatifyError('GET_BLOB_CONTENT_FAILURE', `blob ${desc.digest} not found`);
    const limit = Math.min(this.limits.blobBytes, desc.size ?? Number.POSITIVE_INFINITY);
    if (b.byteLength > limit) {
      throw new RatifyError('GET_BLOB_CONTENT_FAILURE', `blob ${desc.digest} is larger than ${limit} bytes`, {
        remediation: 'The blob exceeds the size its descriptor declares or the store limit',
      });
    }
    verifyDigest(b, desc.digest, 'blob');
    return b;
  }
}

/** One subject with one referrer holding `data` as its single layer: the common test setup. */
export function storeWithReferrer(spec: ReferrerSpec, limits: Partial<ContentLimits> = {}) {
  const store = new MemoryStore(limits);
  const subject = store.addSubject();
  const referrer = store.addReferrer(subject.desc, spec);
  return { store, subject, referrer, input: { subject: subject.ref, subjectDescriptor: subject.desc, referrer, store } };
}
