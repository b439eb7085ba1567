import { createHash } from 'node:crypto';
import type { Context } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import type { Descriptor, ReferenceDescriptor, ReferenceManifest } from '../../src/oci/descriptor.js';
import type { Reference } from '../../src/reference/reference.js';
import { matchesArtifactTypes, type ListReferrersOptions, type ReferrerStore } from '../../src/stores/types.js';
import { BaseVerifier } from '../../src/verifiers/base.js';
import type { Verifier, VerifierResult, VerifyInput } from '../../src/verifiers/types.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const NOTARY = 'application/vnd.cncf.notary.signature';
export const SPDX = 'application/spdx+json';
export const SARIF = 'application/sarif+json';

export const digestOf = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/** A graph of artifacts held in memory: subject → referrers, no registry involved. */
export class GraphStore implements ReferrerStore {
  readonly name: string;
  readonly config: Record<string, unknown>;
  private readonly tags = new Map<string, Descriptor>();
  private readonly referrers = new Map<string, ReferenceDescriptor[]>();
  private readonly manifests = new Map<string, Uint8Array>();
  listCalls = 0;
  /** Delay for listings, to exercise deadlines. */
  listDelayMs = 0;

  constructor(name = 'oras') {
    this.name = name;
    this.config = { name };
  }

  image(tag: string): Descriptor {
    const d: Descriptor = { mediaType: OCI_MANIFEST, digest: digestOf(`image:${tag}`), size: 100 };
    this.tags.set(tag, d);
    return d;
  }

  /** A multi-arch image: an OCI index over one image per platform ("linux/amd64", "linux/arm64/v8"). */
  index(tag: string, platforms: string[]): { index: Descriptor; children: Descriptor[] } {
    const children = platforms.map((p) => {
      const [os, architecture, variant] = p.split('/');
      const d: Descriptor = { mediaType: OCI_MANIFEST, digest: digestOf(`image:${tag}:${p}`), size: 100, platform: { os: os!, architecture: architecture!, ...(variant ? { variant } : {}) } };
      this.tags.set(`${tag}-${p}`, d);
      return d;
    });
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children }));
    const index: Descriptor = { mediaType: OCI_INDEX, digest: digestOf(bytes.toString()), size: bytes.length };
    this.tags.set(tag, index);
    this.manifests.set(index.digest, bytes);
    return { index, children };
  }

  /** An index over the given children as written (children may lack a platform, or be indexes themselves). */
  rawIndex(tag: string, children: Descriptor[]): Descriptor {
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children }));
    const index: Descriptor = { mediaType: OCI_INDEX, digest: digestOf(bytes.toString()), size: bytes.length };
    this.tags.set(tag, index);
    this.manifests.set(index.digest, bytes);
    return index;
  }

  /** A manifest descriptor that no tag names (a child of an index). */
  manifest(label: string, platform?: Descriptor['platform']): Descriptor {
    return { mediaType: OCI_MANIFEST, digest: digestOf(`manifest:${label}`), size: 100, ...(platform ? { platform } : {}) };
  }

  attach(subject: Descriptor, artifactType: string, label: string, annotations?: Record<string, string>): ReferenceDescriptor {
    const d: ReferenceDescriptor = { mediaType: OCI_MANIFEST, digest: digestOf(`${artifactType}:${label}`), size: 50, artifactType, ...(annotations ? { annotations } : {}) };
    const list = this.referrers.get(subject.digest) ?? [];
    list.push(d);
    this.referrers.set(subject.digest, list);
    return d;
  }

  resolve(ref: Reference): Promise<Descriptor> {
    const d = ref.digest ? [...this.tags.values()].find((x) => x.digest === ref.digest) ?? this.findReferrer(ref.digest) : this.tags.get(ref.tag ?? 'latest');
    if (!d) return Promise.reject(new RatifyError('GET_SUBJECT_DESCRIPTOR_FAILURE', `not found: ${ref.original}`));
    return Promise.resolve(d);
  }

  private findReferrer(digest: string): Descriptor | undefined {
    for (const l of this.referrers.values()) for (const d of l) if (d.digest === digest) return d;
    return undefined;
  }

  async *listReferrers(_ref: Reference, subject: Descriptor, ctx: Context, opts: ListReferrersOptions = {}): AsyncIterable<ReferenceDescriptor> {
    this.listCalls++;
    if (this.listDelayMs) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, this.listDelayMs);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t);
          reject(ctx.signal.reason);
        });
      });
    }
    for (const d of this.referrers.get(subject.digest) ?? []) if (matchesArtifactTypes(d, opts.artifactTypes)) yield d;
  }

  fetchManifest(): Promise<ReferenceManifest> {
    return Promise.resolve({ mediaType: OCI_MANIFEST, blobs: [] });
  }
  fetchManifestBytes(_ref: Reference, desc: Descriptor): Promise<Uint8Array> {
    return Promise.resolve(this.manifests.get(desc.digest) ?? new Uint8Array());
  }
  fetchBlob(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array());
  }
}

export type Behaviour = (input: VerifyInput, ctx: Context) => Promise<VerifierResult> | VerifierResult;

/** A verifier whose answer the test decides; counts calls. */
export class ScriptedVerifier extends BaseVerifier implements Verifier {
  calls = 0;
  constructor(
    name: string,
    artifactTypes: string[],
    private readonly behaviour: Behaviour,
    nestedReferences: string[] = [],
    type = name,
  ) {
    super({ name, type, artifactTypes, nestedReferences });
  }
  async verify(input: VerifyInput, ctx: Context): Promise<VerifierResult> {
    this.calls++;
    return this.behaviour(input, ctx);
  }
}

/** Succeeds unless the referrer's annotations say `bad`. */
export const byAnnotation: Behaviour = (input) =>
  input.referrer.annotations?.bad
    ? { isSuccess: false, message: 'signature is invalid', errorReason: `bad: ${input.referrer.annotations.bad}`, trace: [{ check: 'integrity', ok: false, detail: 'tampered' }] }
    : { isSuccess: true, message: 'ok', extensions: { Issuer: 'CN=Test CA,O=Ratify', SN: 'CN=signer' }, trace: [{ check: 'integrity', ok: true }] };
