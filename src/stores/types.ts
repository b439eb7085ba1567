import type { Context } from '../context.js';
import type { Descriptor, ReferenceDescriptor, ReferenceManifest } from '../oci/descriptor.js';
import type { Reference } from '../reference/reference.js';

export interface ListReferrersOptions {
  /** Only referrers whose artifactType is in this list ("*" or empty = all). */
  artifactTypes?: string[];
}

/**
 * A place that holds a subject and the artifacts that refer to it (Ratify's ReferrerStore).
 * Implementations: the `oras` registry store, the `oci-layout` store, exec-plugin stores.
 */
export interface ReferrerStore {
  /** The store name used in config and reports ("oras", "oci-layout", plugin name). */
  readonly name: string;
  /** The raw store config entry as given in config.json (handed to plugins as storeConfig). */
  readonly config: Record<string, unknown>;
  /** Resolve a reference (tag or digest) to the subject's descriptor (Ratify's GetSubjectDescriptor). */
  resolve(ref: Reference, ctx: Context): Promise<Descriptor>;
  /**
   * Every artifact whose manifest names `subject` as its subject, each with artifactType set
   * where known. Pagination is handled inside; the listing order is the store's order.
   */
  listReferrers(ref: Reference, subject: Descriptor, ctx: Context, opts?: ListReferrersOptions): AsyncIterable<ReferenceDescriptor>;
  /** The referrer's manifest, digest-verified, normalised as Ratify does (reference §5.1). */
  fetchManifest(ref: Reference, desc: Descriptor, ctx: Context): Promise<ReferenceManifest>;
  /** The raw manifest bytes (digest-verified), for commands that print manifests or callers that need more fields. */
  fetchManifestBytes(ref: Reference, desc: Descriptor, ctx: Context): Promise<Uint8Array>;
  /** A blob by digest, digest-verified and size-limited. `desc.size` is used as the limit when known. */
  fetchBlob(ref: Reference, desc: Pick<Descriptor, 'digest'> & Partial<Descriptor>, ctx: Context): Promise<Uint8Array>;
  /** Release sockets, file handles. */
  close?(): Promise<void>;
}

/** Size limits applied to untrusted content (SPEC.md "Limits"). */
export interface ContentLimits {
  manifestBytes: number;
  blobBytes: number;
  referrersPerSubject: number;
}

export const DEFAULT_LIMITS: ContentLimits = {
  manifestBytes: 4 * 1024 * 1024,
  blobBytes: 64 * 1024 * 1024,
  referrersPerSubject: 1000,
};

/** Drain an async iterable into an array (CLI listing, tests). */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function matchesArtifactTypes(desc: ReferenceDescriptor, types: string[] | undefined): boolean {
  if (!types || types.length === 0) return true;
  return types.some((t) => t === '*' || t === '' || t === desc.artifactType);
}
