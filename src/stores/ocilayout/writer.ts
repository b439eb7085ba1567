import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Descriptor } from '../../oci/descriptor.js';
import { digestOf, parseDigest } from '../../oci/digest.js';
import { MediaType } from '../../oci/mediatypes.js';

const EMPTY_JSON = Buffer.from('{}');

export interface ArtifactLayer {
  mediaType: string;
  data: Uint8Array | string;
  annotations?: Record<string, string>;
}

/**
 * Writes an OCI image layout: blobs by digest, index.json with tagged manifests, referrers
 * linked through `subject` (OCI 1.1). Used to build signed samples and test fixtures.
 */
export class OciLayoutWriter {
  private readonly blobs = new Map<string, Buffer>();
  private readonly index: Descriptor[] = [];

  constructor(readonly dir: string) {}

  blob(data: Uint8Array | string, mediaType: string): Descriptor {
    const bytes = Buffer.from(typeof data === 'string' ? Buffer.from(data) : data);
    const digest = digestOf(bytes);
    this.blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.length };
  }

  /** Stores a manifest (or index) and lists it in index.json, tagged if `tag` is given. */
  manifest(manifest: Record<string, unknown>, opts: { tag?: string; artifactType?: string; annotations?: Record<string, string> } = {}): Descriptor {
    const mediaType = String(manifest.mediaType ?? MediaType.OciManifest);
    const d = this.blob(JSON.stringify(manifest), mediaType);
    const entry: Descriptor = { ...d };
    const annotations = { ...(opts.annotations ?? {}), ...(opts.tag ? { 'org.opencontainers.image.ref.name': opts.tag } : {}) };
    if (Object.keys(annotations).length) entry.annotations = annotations;
    if (opts.artifactType) entry.artifactType = opts.artifactType;
    this.index.push(entry);
    return d;
  }

  /** A small runnable-looking image: config + one layer. */
  image(tag: string, content = `image ${tag}`): Descriptor {
    const config = this.blob(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }), 'application/vnd.oci.image.config.v1+json');
    const layer = this.blob(content, 'application/vnd.oci.image.layer.v1.tar');
    return this.manifest({ schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [layer] }, { tag });
  }

  /** An artifact whose manifest names `subject` (the OCI 1.1 way to attach a signature, SBOM or report). */
  attach(subject: Descriptor, artifactType: string, layers: ArtifactLayer[], annotations?: Record<string, string>, opts: { configMediaType?: string } = {}): Descriptor {
    const config = opts.configMediaType ? this.blob(EMPTY_JSON, opts.configMediaType) : this.blob(EMPTY_JSON, MediaType.OciEmpty);
    const manifest: Record<string, unknown> = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      ...(opts.configMediaType ? {} : { artifactType }),
      config,
      layers: layers.map((l) => ({ ...this.blob(l.data, l.mediaType), ...(l.annotations ? { annotations: l.annotations } : {}) })),
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      ...(annotations ? { annotations } : {}),
    };
    return this.manifest(manifest, { artifactType, ...(annotations ? { annotations } : {}) });
  }

  async write(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(join(this.dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    for (const [digest, bytes] of this.blobs) {
      const { algorithm, hex } = parseDigest(digest);
      await mkdir(join(this.dir, 'blobs', algorithm), { recursive: true });
      await writeFile(join(this.dir, 'blobs', algorithm, hex), bytes);
    }
    await writeFile(join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: this.index }));
  }
}
