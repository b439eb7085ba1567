import { LRUCache } from 'lru-cache';
import { abortError, backgroundContext, throwIfAborted, untilAborted, type Context } from '../../context.js';
import { RatifyError, type ErrorCode } from '../../errors.js';
import type { Descriptor, ReferenceDescriptor, ReferenceManifest } from '../../oci/descriptor.js';
import { parseDigest, verifyDigest } from '../../oci/digest.js';
import { artifactTypeOfManifest, parseImageIndex, parseJSONObject, toReferenceManifest, type ImageIndex } from '../../oci/manifest.js';
import { MediaType, isManifestMediaType } from '../../oci/mediatypes.js';
import type { Reference } from '../../reference/reference.js';
import { DEFAULT_LIMITS, matchesArtifactTypes, type ContentLimits, type ListReferrersOptions, type ReferrerStore } from '../types.js';
import { buildReferrerMap, REF_NAME_ANNOTATION, type ReferrerMap } from './graph.js';
import { LayoutReadError, openLayoutSource, type LayoutFiles, type LayoutSource } from './source.js';

export const OCI_LAYOUT_STORE_NAME = 'oci-layout';

/** The store's entry in config.json's store section. */
export interface OciLayoutStoreConfig {
  /** An OCI image layout directory, or a tar of one. */
  path: string;
  name?: string;
  [key: string]: unknown;
}

export interface OciLayoutStoreOptions {
  /** Bytes of verified manifests kept in memory (default 32 MiB). */
  manifestCacheBytes?: number;
}

const DEFAULT_MANIFEST_CACHE_BYTES = 32 * 1024 * 1024;
const OCI_LAYOUT_FILE_MAX = 64 * 1024;
// index.json lists every tag and artifact in the layout, so it may well exceed one manifest's limit.
const INDEX_JSON_MIN_LIMIT = 16 * 1024 * 1024;

const REMEDIATION_LAYOUT =
  'Point the store at an OCI image layout (a directory with oci-layout, index.json and blobs/, or a tar of one), e.g. made by `oras copy --to-oci-layout` or `notation sign --oci-layout`';

/** One version of the layout: its files and parsed index.json, plus the referrer map built on first use. */
interface Snapshot {
  version: string;
  files: LayoutFiles;
  index: ImageIndex;
  referrers?: Promise<ReferrerMap>;
}


function copyDescriptor(d: Descriptor): Descriptor {
  const c: Descriptor = { ...d };
  if (d.annotations) c.annotations = { ...d.annotations };
  return c;
}

/** Subject descriptors carry what a registry's HEAD would tell us, plus the artifactType when the layout records it. */
function subjectDescriptor(d: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.artifactType) out.artifactType = d.artifactType;
  return out;
}

/** A manifest's type from its body: the declared mediaType, else what its fields say it is. */
function manifestMediaType(bytes: Uint8Array, digest: string): string {
  const o = parseJSONObject(bytes, `manifest ${digest}`);
  if (typeof o.mediaType === 'string') {
    if (isManifestMediaType(o.mediaType)) return o.mediaType;
    throw new Error(`${digest} has mediaType ${JSON.stringify(o.mediaType)}, which is not a manifest type`);
  }
  if (Array.isArray(o.manifests)) return MediaType.OciIndex;
  if (o.config !== undefined && Array.isArray(o.layers)) return MediaType.OciManifest;
  throw new Error(`${digest} is not a manifest`);
}

/**
 * The `oci-layout` referrer store: offline verification against an OCI image layout on disk.
 * Referrers are found through manifests' `subject` field and through `sha256-<hex>` tag-schema
 * indexes; all content is read asynchronously, size-limited and digest-verified.
 */
export class OciLayoutStore implements ReferrerStore {
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly path: string;
  private readonly manifests: LRUCache<string, Uint8Array>;
  private snap: Snapshot | undefined;
  private loading: { version: string; promise: Promise<Snapshot> } | undefined;

  constructor(
    private readonly source: LayoutSource,
    config: OciLayoutStoreConfig,
    private readonly limits: ContentLimits = DEFAULT_LIMITS,
    opts: OciLayoutStoreOptions = {},
  ) {
    this.name = config.name ?? OCI_LAYOUT_STORE_NAME;
    this.config = { ...config, name: this.name };
    this.path = source.path;
    const maxSize = opts.manifestCacheBytes ?? DEFAULT_MANIFEST_CACHE_BYTES;
    this.manifests = new LRUCache<string, Uint8Array>({
      maxSize: Math.max(1, maxSize),
      sizeCalculation: (v) => Math.max(1, v.byteLength),
    });
  }

  /** Loads the layout now, so that a bad path or layout is reported at startup rather than on first use. */
  async check(ctx: Context): Promise<void> {
    await this.snapshot(ctx, 'open OCI layout');
  }

  async resolve(ref: Reference, ctx: Context): Promise<Descriptor> {
    const step = 'resolve subject in OCI layout';
    try {
      const snap = await this.snapshot(ctx, step);
      if (ref.digest !== undefined) return await this.resolveDigest(snap, ref.digest, ctx);
      if (ref.tag !== undefined) return this.resolveTag(snap, ref);
      throw new RatifyError('GET_SUBJECT_DESCRIPTOR_FAILURE', 'the subject reference has neither a tag nor a digest');
    } catch (e) {
      throw this.wrap(e, 'GET_SUBJECT_DESCRIPTOR_FAILURE', `failed to resolve ${ref.original} in OCI layout ${this.path}`, ctx, step);
    }
  }

  async *listReferrers(
    _ref: Reference,
    subject: Descriptor,
    ctx: Context,
    opts?: ListReferrersOptions,
  ): AsyncIterable<ReferenceDescriptor> {
    const step = 'list referrers in OCI layout';
    let list: ReferenceDescriptor[];
    try {
      parseDigest(subject.digest);
      const snap = await this.snapshot(ctx, step);
      const map = await untilAborted(this.referrerMap(snap, ctx), ctx, step);
      list = map.get(subject.digest) ?? [];
      if (list.length > this.limits.referrersPerSubject) {
        throw new RatifyError(
          'LIST_REFERRERS_FAILURE',
          `subject ${subject.digest} has ${list.length} referrers in OCI layout ${this.path}, over the limit of ${this.limits.referrersPerSubject}`,
          { remediation: 'Remove unneeded artifacts from the layout or raise the referrers-per-subject limit' },
        );
      }
    } catch (e) {
      throw this.wrap(e, 'LIST_REFERRERS_FAILURE', `failed to list referrers of ${subject.digest} in OCI layout ${this.path}`, ctx, step);
    }
    for (const d of list) {
      if (matchesArtifactTypes(d, opts?.artifactTypes)) yield copyDescriptor(d);
    }
  }

  async fetchManifestBytes(_ref: Reference, desc: Descriptor, ctx: Context): Promise<Uint8Array> {
    // A copy, so that a caller writing into the result cannot alter the cached, verified bytes
    // (Buffer#slice would share memory, hence the explicit Uint8Array copy).
    return new Uint8Array(await this.manifestOrThrow(desc, ctx));
  }

  async fetchManifest(_ref: Reference, desc: Descriptor, ctx: Context): Promise<ReferenceManifest> {
    const bytes = await this.manifestOrThrow(desc, ctx);
    try {
      return toReferenceManifest(bytes, desc.mediaType);
    } catch (e) {
      throw this.wrap(e, 'GET_REFERRER_MANIFEST_FAILURE', `invalid manifest ${desc.digest} in OCI layout ${this.path}`, ctx, 'parse manifest');
    }
  }

  async fetchBlob(_ref: Reference, desc: Pick<Descriptor, 'digest'> & Partial<Descriptor>, ctx: Context): Promise<Uint8Array> {
    const step = 'fetch blob from OCI layout';
    try {
      const snap = await this.snapshot(ctx, step);
      const bytes = await this.readContent(snap.files, desc.digest, this.limits.blobBytes, desc.size, ctx.signal);
      if (!bytes) throw this.notFound('GET_BLOB_CONTENT_FAILURE', 'blob', desc.digest);
      return bytes;
    } catch (e) {
      throw this.wrap(e, 'GET_BLOB_CONTENT_FAILURE', `failed to fetch blob ${desc.digest} from OCI layout ${this.path}`, ctx, step);
    }
  }

  async close(): Promise<void> {
    this.manifests.clear();
    this.snap = undefined;
    this.loading = undefined;
  }

  private async manifestOrThrow(desc: Descriptor, ctx: Context): Promise<Uint8Array> {
    const step = 'fetch manifest from OCI layout';
    try {
      const snap = await this.snapshot(ctx, step);
      const bytes = await this.manifestBytes(snap.files, desc.digest, desc.size, ctx.signal);
      if (!bytes) throw this.notFound('GET_REFERRER_MANIFEST_FAILURE', 'manifest', desc.digest);
      return bytes;
    } catch (e) {
      throw this.wrap(e, 'GET_REFERRER_MANIFEST_FAILURE', `failed to fetch manifest ${desc.digest} from OCI layout ${this.path}`, ctx, step);
    }
  }

  private resolveTag(snap: Snapshot, ref: Reference): Descriptor {
    const tag = ref.tag!;
    const tagged = (name: string) => snap.index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] === name);
    // A registry subject (a layout scoped to its repository) is looked up by its full reference
    // first, as `oras copy` records it, so that one layout can hold several repositories.
    let matches = ref.registry && ref.repository ? tagged(`${ref.path}:${tag}`) : [];
    if (matches.length === 0) matches = tagged(tag);
    const digests = new Set(matches.map((d) => d.digest));
    if (digests.size === 0) {
      const known = snap.index.manifests.map((d) => d.annotations?.[REF_NAME_ANNOTATION]).filter((t): t is string => !!t);
      throw new RatifyError('GET_SUBJECT_DESCRIPTOR_FAILURE', `tag ${JSON.stringify(tag)} not found in OCI layout ${this.path}`, {
        remediation: known.length
          ? `Use one of the layout's tags: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''}`
          : 'The layout has no tagged manifests; address the subject by digest (<dir>@sha256:...)',
      });
    }
    if (digests.size > 1) {
      throw new RatifyError(
        'GET_SUBJECT_DESCRIPTOR_FAILURE',
        `tag ${JSON.stringify(tag)} names ${digests.size} different manifests in OCI layout ${this.path}: ${[...digests].join(', ')}`,
        { remediation: 'Address the subject by digest (<dir>@sha256:...) or fix index.json' },
      );
    }
    return subjectDescriptor(matches[0]!);
  }

  private async resolveDigest(snap: Snapshot, digest: string, ctx: Context): Promise<Descriptor> {
    parseDigest(digest);
    const listed = snap.index.manifests.find((d) => d.digest === digest);
    if (listed) return subjectDescriptor(listed);
    const bytes = await this.manifestBytes(snap.files, digest, undefined, ctx.signal);
    if (!bytes) throw this.notFound('GET_SUBJECT_DESCRIPTOR_FAILURE', 'manifest', digest);
    const mediaType = manifestMediaType(bytes, digest);
    const d: Descriptor = { mediaType, digest, size: bytes.byteLength };
    const at = artifactTypeOfManifest(bytes, mediaType);
    if (at) d.artifactType = at;
    return d;
  }

  private referrerMap(snap: Snapshot, ctx: Context): Promise<ReferrerMap> {
    if (!snap.referrers) {
      // Shared by all callers of this snapshot, so it runs without any one caller's signal.
      const p = buildReferrerMap(
        snap.index.manifests,
        (d) => this.manifestBytes(snap.files, d.digest, d.size, undefined),
        ctx.log,
      );
      snap.referrers = p;
      p.catch(() => {
        // Do not keep a failure: the next call retries (the layout may have been repaired).
        if (snap.referrers === p) snap.referrers = undefined;
      });
    }
    return snap.referrers;
  }

  private async snapshot(ctx: Context, step: string): Promise<Snapshot> {
    throwIfAborted(ctx, step);
    const version = await this.source.version();
    if (this.snap?.version === version) return this.snap;
    if (this.loading?.version !== version) {
      const p = this.load(version);
      this.loading = { version, promise: p };
      p.then(
        (s) => {
          if (this.loading?.promise === p) {
            this.snap = s;
            this.loading = undefined;
          }
        },
        () => {
          if (this.loading?.promise === p) this.loading = undefined;
        },
      );
    }
    return untilAborted(this.loading.promise, ctx, step);
  }

  private async load(version: string): Promise<Snapshot> {
    const files = await this.source.load();
    const marker = await this.readLayoutFile(files, 'oci-layout', OCI_LAYOUT_FILE_MAX);
    if (!marker) {
      throw new RatifyError('CONFIG_INVALID', `${this.path} is not an OCI image layout: it has no oci-layout file`, {
        remediation: REMEDIATION_LAYOUT,
      });
    }
    let layoutVersion: unknown;
    try {
      layoutVersion = parseJSONObject(marker, 'oci-layout file').imageLayoutVersion;
    } catch (e) {
      throw new RatifyError('CONFIG_INVALID', `${this.path} has an unreadable oci-layout file`, {
        cause: new Error(e instanceof RatifyError ? e.errorReason : String(e)),
        remediation: REMEDIATION_LAYOUT,
      });
    }
    if (layoutVersion !== '1.0.0') {
      throw new RatifyError('CONFIG_INVALID', `${this.path} has unsupported imageLayoutVersion ${JSON.stringify(layoutVersion)}`, {
        remediation: 'Only OCI image layout version 1.0.0 is supported',
      });
    }
    const raw = await this.readLayoutFile(files, 'index.json', Math.max(INDEX_JSON_MIN_LIMIT, this.limits.manifestBytes));
    if (!raw) {
      throw new RatifyError('REFERRER_STORE_FAILURE', `OCI layout ${this.path} has no index.json`, { remediation: REMEDIATION_LAYOUT });
    }
    let index: ImageIndex;
    try {
      // index.json often omits mediaType; parseImageIndex accepts that and rejects a conflicting one.
      index = parseImageIndex(raw, MediaType.OciIndex);
    } catch (e) {
      throw new RatifyError('REFERRER_STORE_FAILURE', `OCI layout ${this.path} has an invalid index.json`, {
        cause: new Error(e instanceof RatifyError ? e.errorReason : String(e)),
        remediation: 'Repair or regenerate index.json; it must be an OCI image index',
      });
    }
    return { version, files, index };
  }

  /** oci-layout or index.json; a file that is too large, not a file, or a link out of the layout is the layout's fault. */
  private async readLayoutFile(files: LayoutFiles, name: string, max: number): Promise<Uint8Array | undefined> {
    try {
      return await files.read(name, { max });
    } catch (e) {
      if (!(e instanceof LayoutReadError)) throw e;
      throw new RatifyError('REFERRER_STORE_FAILURE', `OCI layout ${this.path}: cannot read ${name}`, { cause: e, remediation: REMEDIATION_LAYOUT });
    }
  }

  /** Verified manifest bytes through the by-digest cache (content at a digest never changes). */
  private async manifestBytes(files: LayoutFiles, digest: string, expected: number | undefined, signal: AbortSignal | undefined) {
    const hit = this.manifests.get(digest);
    if (hit) {
      if (expected !== undefined && hit.byteLength !== expected) {
        throw new Error(`manifest ${digest} is ${hit.byteLength} bytes but its descriptor says ${expected}`);
      }
      return hit;
    }
    const bytes = await this.readContent(files, digest, this.limits.manifestBytes, expected, signal);
    if (bytes) this.manifests.set(digest, bytes);
    return bytes;
  }

  private async readContent(
    files: LayoutFiles,
    digest: string,
    max: number,
    expected: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array | undefined> {
    // parseDigest admits only known algorithms and lower-case hex, so the path cannot escape blobs/.
    const { algorithm, hex } = parseDigest(digest);
    const bytes = await files.read(`blobs/${algorithm}/${hex}`, { max, expected, signal });
    if (bytes) verifyDigest(bytes, digest, `${digest} in OCI layout ${this.path}`);
    return bytes;
  }

  private notFound(code: ErrorCode, what: string, digest: string): RatifyError {
    return new RatifyError(code, `${what} ${digest} not found in OCI layout ${this.path}`, {
      remediation: 'Copy the artifact into the layout with its referrers (e.g. `oras copy -r --to-oci-layout`)',
    });
  }

  private wrap(e: unknown, code: ErrorCode, detail: string, ctx: Context, step: string): RatifyError {
    if (ctx.signal.aborted) return abortError(ctx, step);
    if (e instanceof RatifyError && e.code === code) return e;
    return new RatifyError(code, detail, { cause: e, component: 'referrerStore' });
  }
}

/** Opens and validates the layout at `config.path` (a directory or a tar file). */
export async function createOciLayoutStore(
  config: OciLayoutStoreConfig,
  limits: ContentLimits = DEFAULT_LIMITS,
  opts: OciLayoutStoreOptions & { ctx?: Context } = {},
): Promise<OciLayoutStore> {
  if (typeof config?.path !== 'string' || config.path === '') {
    throw new RatifyError('CONFIG_INVALID', 'oci-layout store needs a "path"', { remediation: REMEDIATION_LAYOUT });
  }
  if (config.name !== undefined && (typeof config.name !== 'string' || config.name === '')) {
    throw new RatifyError('CONFIG_INVALID', 'oci-layout store "name" must be a non-empty string');
  }
  const { ctx, ...storeOpts } = opts;
  const source = await openLayoutSource(config.path);
  const store = new OciLayoutStore(source, config, limits, storeOpts);
  await store.check(ctx ?? backgroundContext());
  return store;
}
