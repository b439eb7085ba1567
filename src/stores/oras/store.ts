import { createHash } from 'node:crypto';
import type { Context } from '../../context.js';
import { RatifyError } from '../../errors.js';
import { ContentCache } from '../../cache/content.js';
import type { Cache } from '../../cache/types.js';
import { SingleFlight } from '../../cache/singleflight.js';
import { digestToTag, parseDigest } from '../../oci/digest.js';
import type { Descriptor, ReferenceDescriptor, ReferenceManifest } from '../../oci/descriptor.js';
import { toReferenceManifest } from '../../oci/manifest.js';
import { MediaType } from '../../oci/mediatypes.js';
import { isLoopbackRegistry, registryHost, type Reference } from '../../reference/reference.js';
import { RegistryClient } from '../../registry/client.js';
import type { CredentialProvider } from '../../registry/credentials.js';
import { RegistryTransport, type TransportOptions } from '../../registry/transport.js';
import { DEFAULT_LIMITS, matchesArtifactTypes, type ContentLimits, type ListReferrersOptions, type ReferrerStore } from '../types.js';
import { ownReferrers } from './subject-check.js';

export interface OrasStoreOptions {
  /** Raw config entry, kept for plugins (storeConfig) and `GetConfig`. */
  raw: Record<string, unknown>;
  useHttp: boolean;
  cosignEnabled: boolean;
  /** Cache referrer lists and subject descriptors in `cache` (Ratify's cacheEnabled). */
  cacheEnabled: boolean;
  /** Seconds a referrer list stays cached. */
  ttlSeconds: number;
  credentials?: CredentialProvider;
  /** PEM CA bundle trusted in addition to the system roots. */
  ca?: string;
  insecureSkipVerify: boolean;
  /** Ratify skips TLS verification for loopback registries; turned off when a CA is configured. */
  loopbackInsecure: boolean;
  limits: ContentLimits;
  /** Shared cache for referrer lists and descriptors (server: memory or Redis). */
  cache?: Cache;
  /** Immutable manifests and blobs by digest. */
  content: ContentCache;
  userAgent?: string;
  transport?: Partial<TransportOptions>;
}

/** How long we remember that a registry lacks the referrers API before probing again. */
const CAPABILITY_TTL_MS = 5 * 60 * 1000;

/**
 * Ratify's `oras` store: a registry reached over the distribution API. Referrers come from
 * the OCI referrers API, else the `sha256-<hex>` tag schema, plus cosign's `.sig` tag when
 * cosignEnabled. Content is digest-verified and cached by digest.
 */
export class OrasStore implements ReferrerStore {
  readonly name = 'oras';
  readonly config: Record<string, unknown>;
  /**
   * Names this store's configuration in shared cache keys: two oras entries (other scopes, other
   * cosignEnabled, other credentials) never serve each other's lists and descriptors.
   */
  readonly cacheId: string;
  private readonly secure: RegistryTransport;
  private insecure: RegistryTransport | undefined;
  private readonly clients = new Map<string, RegistryClient>();
  private readonly noReferrersApi = new Map<string, number>();
  private readonly supportsReferrersApi = new Map<string, number>();
  private readonly flights = new SingleFlight<unknown>();

  constructor(private readonly o: OrasStoreOptions) {
    this.config = o.raw;
    this.cacheId = createHash('sha256').update(JSON.stringify(o.raw)).digest('hex').slice(0, 12);
    this.secure = new RegistryTransport({ ...o.transport, ...(o.ca ? { ca: o.ca } : {}), ...(o.userAgent ? { userAgent: o.userAgent } : {}) });
  }

  /** The client for a registry; transports are shared, credentials and tokens are per client. */
  client(registry: string): RegistryClient {
    let c = this.clients.get(registry);
    if (!c) {
      const insecure = this.o.insecureSkipVerify || this.o.useHttp || (this.o.loopbackInsecure && !this.o.ca && isLoopbackRegistry(registry));
      const transport = insecure ? (this.insecure ??= new RegistryTransport({ ...this.o.transport, insecureSkipVerify: true, ...(this.o.userAgent ? { userAgent: this.o.userAgent } : {}) })) : this.secure;
      c = new RegistryClient({
        transport,
        plainHttp: this.o.useHttp,
        ...(this.o.credentials ? { credentials: this.o.credentials } : {}),
        manifestLimit: this.o.limits.manifestBytes,
        blobLimit: this.o.limits.blobBytes,
        maxReferrers: this.o.limits.referrersPerSubject,
        ...(this.o.cache ? { tokenCache: this.o.cache } : {}),
      });
      this.clients.set(registry, c);
    }
    return c;
  }

  async resolve(ref: Reference, ctx: Context): Promise<Descriptor> {
    const key = ref.digest ? this.key(ctx, `cache_ratify_subject_descriptor_${this.cacheId}_${ref.path}@${ref.digest}`) : undefined;
    if (key && this.o.cache) {
      const hit = await this.o.cache.get<Descriptor>(key);
      if (hit) return count(ctx, true, hit);
      count(ctx, false, undefined);
    }
    const reference = ref.digest ?? ref.tag ?? 'latest';
    const desc = (await this.flights.do(`resolve|${ref.path}|${reference}`, async () => {
      try {
        return await this.client(ref.registry).resolve(ctx, ref.registry, ref.repository, reference);
      } catch (e) {
        throw new RatifyError('REPOSITORY_OPERATION_FAILURE', `Unable to resolve the reference: ${ref.original}`, {
          cause: e,
          component: 'referrerStore',
          plugin: this.name,
        });
      }
    })) as Descriptor;
    // Descriptors of digests are immutable: keep them without expiry pressure.
    if (key && this.o.cache) await this.o.cache.set(key, desc, 24 * 3600 * 1000);
    return desc;
  }

  /**
   * The subject's referrers, each checked to be one: its manifest must name this subject (see
   * ownReferrers). Only those of the wanted artifact types are checked, so no manifest is fetched
   * for a referrer nobody asked for.
   */
  async *listReferrers(ref: Reference, subject: Descriptor, ctx: Context, opts: ListReferrersOptions = {}): AsyncIterable<ReferenceDescriptor> {
    const listing = await this.referrersOf(ref, subject, ctx);
    const wanted = listing.referrers.filter((d) => matchesArtifactTypes(d, opts.artifactTypes));
    yield* await ownReferrers(this, ref, subject, wanted, listing.cosignTag, ctx);
  }

  private async referrersOf(ref: Reference, subject: Descriptor, ctx: Context): Promise<Listing> {
    const cacheKey = this.key(ctx, `cache_ratify_list_referrers_${this.cacheId}_${ref.path}@${subject.digest}`);
    if (this.o.cacheEnabled && this.o.cache) {
      const hit = await this.o.cache.get<Listing>(cacheKey);
      if (hit && Array.isArray(hit.referrers)) return count(ctx, true, hit);
      count(ctx, false, undefined);
    }
    const listing = (await this.flights.do(`referrers|${ref.path}|${subject.digest}`, () => this.fetchReferrers(ref, subject, ctx))) as Listing;
    if (this.o.cacheEnabled && this.o.cache) await this.o.cache.set(cacheKey, listing, (this.o.ttlSeconds > 0 ? this.o.ttlSeconds : 10) * 1000);
    return listing;
  }

  private async fetchReferrers(ref: Reference, subject: Descriptor, ctx: Context): Promise<Listing> {
    const client = this.client(ref.registry);
    const { registry, repository } = ref;
    try {
      const [listed, cosign] = await Promise.all([this.listFromRegistry(ctx, client, registry, repository, subject.digest), this.cosignSignature(ctx, client, ref, subject.digest)]);
      const seen = new Set<string>();
      const out: ReferenceDescriptor[] = [];
      for (const d of [...listed, ...(cosign ? [cosign] : [])]) {
        if (seen.has(d.digest)) continue;
        seen.add(d.digest);
        out.push(d);
      }
      if (out.length > this.o.limits.referrersPerSubject) {
        throw new RatifyError('LIST_REFERRERS_FAILURE', `more than ${this.o.limits.referrersPerSubject} referrers`);
      }
      return cosign ? { referrers: out, cosignTag: cosign.digest } : { referrers: out };
    } catch (e) {
      if (e instanceof RatifyError && (e.code === 'LIST_REFERRERS_FAILURE' || e.root.code === 'DEADLINE_EXCEEDED')) throw e;
      throw new RatifyError('LIST_REFERRERS_FAILURE', `failed to list referrers of ${ref.path}@${subject.digest}`, {
        cause: e,
        component: 'referrerStore',
        plugin: this.name,
      });
    }
  }

  private async listFromRegistry(ctx: Context, client: RegistryClient, registry: string, repo: string, digest: string): Promise<Descriptor[]> {
    const host = registryHost(registry);
    const until = this.supportsReferrersApi.get(host);
    if (until !== undefined && until > Date.now()) {
      const page = await client.referrers(ctx, registry, repo, digest);
      if (page) return page.descriptors;
      // It stopped answering: forget what we knew and probe below next time.
      this.supportsReferrersApi.delete(host);
    }
    const noApiUntil = this.noReferrersApi.get(host);
    if (noApiUntil !== undefined && noApiUntil > Date.now()) return client.referrersByTagSchema(ctx, registry, repo, digest);
    // Capability unknown: ask both ways at once, so that a registry without the API costs no
    // extra round trip. The tag-schema answer is dropped when the API answers.
    const tagSchema = client.referrersByTagSchema(ctx, registry, repo, digest);
    tagSchema.catch(() => undefined);
    const page = await client.referrers(ctx, registry, repo, digest);
    if (page) {
      this.noReferrersApi.delete(host);
      this.supportsReferrersApi.set(host, Date.now() + CAPABILITY_TTL_MS);
      return page.descriptors;
    }
    this.noReferrersApi.set(host, Date.now() + CAPABILITY_TTL_MS);
    ctx.log.debug({ registry }, 'registry has no referrers API; using the referrers tag schema');
    return tagSchema;
  }

  private async cosignSignature(ctx: Context, client: RegistryClient, ref: Reference, digest: string): Promise<ReferenceDescriptor | undefined> {
    if (!this.o.cosignEnabled) return undefined;
    const tag = `${digestToTag(digest)}.sig`;
    let d: Descriptor | undefined;
    try {
      d = await client.resolveIfExists(ctx, ref.registry, ref.repository, tag);
    } catch (e) {
      throw new RatifyError('LIST_REFERRERS_FAILURE', 'Failed to validate existence of Cosign signature of the artifact', { cause: e });
    }
    return d ? { mediaType: d.mediaType, digest: d.digest, size: d.size, artifactType: MediaType.CosignArtifactSig } : undefined;
  }

  fetchManifestBytes(ref: Reference, desc: Descriptor, ctx: Context): Promise<Uint8Array> {
    return this.content(ref, desc.digest, ctx, 'GET_REFERRER_MANIFEST_FAILURE', 'manifest', async (client) =>
      (await client.fetchManifest(ctx, ref.registry, ref.repository, desc.digest, desc)).bytes,
    );
  }

  async fetchManifest(ref: Reference, desc: Descriptor, ctx: Context): Promise<ReferenceManifest> {
    const bytes = await this.fetchManifestBytes(ref, desc, ctx);
    return toReferenceManifest(bytes, desc.mediaType);
  }

  fetchBlob(ref: Reference, desc: Pick<Descriptor, 'digest'> & Partial<Descriptor>, ctx: Context): Promise<Uint8Array> {
    return this.content(ref, desc.digest, ctx, 'GET_BLOB_CONTENT_FAILURE', 'blob', (client) =>
      client.fetchBlob(ctx, ref.registry, ref.repository, desc.digest, desc.size),
    );
  }

  /** Immutable content by digest: cache first, else one coalesced fetch whose result is cached. */
  private async content(
    ref: Reference,
    digest: string,
    ctx: Context,
    code: 'GET_REFERRER_MANIFEST_FAILURE' | 'GET_BLOB_CONTENT_FAILURE',
    kind: string,
    fetch: (client: RegistryClient) => Promise<Buffer>,
  ): Promise<Uint8Array> {
    parseDigest(digest);
    const cached = await this.o.content.get(digest);
    if (cached) return count(ctx, true, cached);
    count(ctx, false, undefined);
    return (await this.flights.do(`${kind}|${digest}`, async () => {
      try {
        const bytes = await fetch(this.client(ref.registry));
        await this.o.content.put(digest, bytes);
        return bytes;
      } catch (e) {
        throw new RatifyError(code, `failed to get ${kind} ${digest} from ${ref.path}`, { cause: e, component: 'referrerStore', plugin: this.name });
      }
    })) as Buffer;
  }

  async close(): Promise<void> {
    await Promise.all([this.secure.close(), this.insecure?.close()]);
  }

  private key(ctx: Context, k: string): string {
    return ctx.namespace ? `${ctx.namespace}:${k}` : k;
  }
}

/** A subject's referrers as the registry lists them, and which one came from cosign's `.sig` tag. */
interface Listing {
  referrers: ReferenceDescriptor[];
  cosignTag?: string;
}

function count<T>(ctx: Context, hit: boolean, v: T): T {
  ctx.metrics?.blobCache(hit, ctx.namespace ?? '');
  if (ctx.stats) {
    if (hit) ctx.stats.cacheHits++;
    else ctx.stats.cacheMisses++;
  }
  return v;
}

export { DEFAULT_LIMITS };
