import { RatifyError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { Descriptor, ReferenceDescriptor } from '../../oci/descriptor.js';
import { isDigest } from '../../oci/digest.js';
import { artifactTypeOfManifest, parseArtifactManifest, parseImageIndex, parseImageManifest } from '../../oci/manifest.js';
import { MediaType } from '../../oci/mediatypes.js';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** Bounds on the scan, so that a hostile layout costs bounded time and memory. */
export const MAX_GRAPH_NODES = 100_000;
export const MAX_GRAPH_DEPTH = 16;
const READ_CONCURRENCY = 16;

/** subject digest -> its referrers, in listing order. */
export type ReferrerMap = Map<string, ReferenceDescriptor[]>;

/** Reads a manifest's bytes (digest- and size-verified), or undefined when the layout does not hold it. */
export type ManifestLoader = (desc: Descriptor) => Promise<Uint8Array | undefined>;

interface Node {
  subject?: string;
  artifactType?: string;
  annotations?: Record<string, string>;
  children: Descriptor[];
}

/** Only OCI types can carry a subject; Docker manifests and lists cannot, so they are never read. */
function isScannable(mediaType: string): boolean {
  return mediaType === MediaType.OciManifest || mediaType === MediaType.OciIndex || mediaType === MediaType.OciArtifactManifest;
}

function parseNode(bytes: Uint8Array, mediaType: string): Node {
  const parsed =
    mediaType === MediaType.OciIndex
      ? parseImageIndex(bytes, mediaType)
      : mediaType === MediaType.OciManifest
        ? parseImageManifest(bytes, mediaType)
        : parseArtifactManifest(bytes);
  const node: Node = { children: 'manifests' in parsed ? parsed.manifests : [] };
  if (parsed.subject) node.subject = parsed.subject.digest;
  const at = artifactTypeOfManifest(bytes, mediaType);
  if (at) node.artifactType = at;
  if (parsed.annotations) node.annotations = parsed.annotations;
  return node;
}

/** Index entries tagged with the referrers tag schema ("sha256-<hex>"), keyed by the subject digest they name. */
export function tagSchemaIndexes(entries: Descriptor[]): Map<string, Descriptor[]> {
  const out = new Map<string, Descriptor[]>();
  for (const d of entries) {
    const tag = d.annotations?.[REF_NAME_ANNOTATION];
    const m = tag === undefined ? null : /^(sha256|sha384|sha512)-([a-f0-9]+)$/.exec(tag);
    if (!m || d.mediaType !== MediaType.OciIndex) continue;
    const subject = `${m[1]}:${m[2]}`;
    if (!isDigest(subject)) continue;
    out.set(subject, [...(out.get(subject) ?? []), d]);
  }
  return out;
}

/** Phase 1: read every OCI manifest reachable from the roots, a level at a time, a few reads in parallel. */
async function loadGraph(roots: Descriptor[], load: ManifestLoader): Promise<Map<string, Node | null>> {
  const nodes = new Map<string, Node | null>();
  const queued = new Set<string>();
  let frontier: Descriptor[] = [];
  for (const d of roots) {
    if (isScannable(d.mediaType) && !queued.has(d.digest)) {
      queued.add(d.digest);
      frontier.push(d);
    }
  }
  for (let depth = 0; frontier.length > 0; depth++) {
    if (depth >= MAX_GRAPH_DEPTH) {
      throw new RatifyError('LIST_REFERRERS_FAILURE', `OCI layout nests indexes deeper than ${MAX_GRAPH_DEPTH} levels`);
    }
    const next: Descriptor[] = [];
    for (let i = 0; i < frontier.length; i += READ_CONCURRENCY) {
      const batch = frontier.slice(i, i + READ_CONCURRENCY);
      const loaded = await Promise.all(
        batch.map(async (d) => {
          try {
            const bytes = await load(d);
            // Layouts may be sparse (e.g. one platform of a multi-arch index); absent content is skipped.
            return bytes === undefined ? null : parseNode(bytes, d.mediaType);
          } catch (e) {
            throw new RatifyError('LIST_REFERRERS_FAILURE', `cannot read manifest ${d.digest} while scanning the OCI layout`, {
              cause: e,
              remediation: 'The layout is corrupt or was tampered with; recreate it (e.g. with oras copy or notation sign --oci-layout)',
            });
          }
        }),
      );
      batch.forEach((d, j) => {
        const node = loaded[j]!;
        nodes.set(d.digest, node);
        for (const c of node?.children ?? []) {
          if (isScannable(c.mediaType) && !queued.has(c.digest)) {
            queued.add(c.digest);
            next.push(c);
          }
        }
      });
      if (queued.size > MAX_GRAPH_NODES) {
        throw new RatifyError('LIST_REFERRERS_FAILURE', `OCI layout holds more than ${MAX_GRAPH_NODES} manifests`);
      }
    }
    frontier = next;
  }
  return nodes;
}

/**
 * The subject -> referrers map of a whole layout, built once per index.json version.
 *
 * Order: first every manifest whose `subject` names the subject, in depth-first pre-order over
 * index.json (an index's children come right after the index); then referrers known only from a
 * `sha256-<hex>` tag-schema index, in that index's order. A digest appears once; the subject-field
 * entry wins, since its annotations are the manifest's own. The subject itself and tag-schema
 * indexes are never listed.
 */
export async function buildReferrerMap(index: Descriptor[], load: ManifestLoader, log?: Logger): Promise<ReferrerMap> {
  const nodes = await loadGraph(index, load);
  const tagIndexes = tagSchemaIndexes(index);
  const excluded = new Set([...tagIndexes.values()].flat().map((d) => d.digest));
  const out = new Map<string, Map<string, ReferenceDescriptor>>();
  const add = (subject: string, d: Descriptor, node: Node | null | undefined) => {
    if (d.digest === subject || excluded.has(d.digest)) return;
    let list = out.get(subject);
    if (!list) out.set(subject, (list = new Map()));
    if (list.has(d.digest)) return;
    const r: ReferenceDescriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
    const at = d.artifactType ?? node?.artifactType;
    if (at) r.artifactType = at;
    const ann = node?.annotations ?? d.annotations;
    if (ann) r.annotations = ann;
    list.set(d.digest, r);
  };

  // Iterative pre-order walk: a long chain of nested indexes must not exhaust the call stack.
  const seen = new Set<string>();
  const stack = [...index].reverse();
  while (stack.length > 0) {
    const d = stack.pop()!;
    if (seen.has(d.digest)) continue;
    seen.add(d.digest);
    const node = nodes.get(d.digest);
    if (!node) continue;
    if (node.subject) add(node.subject, d, node);
    for (let i = node.children.length - 1; i >= 0; i--) {
      const c = node.children[i]!;
      if (!seen.has(c.digest)) stack.push(c);
    }
  }

  for (const [subject, idxs] of tagIndexes) {
    for (const idx of idxs) {
      for (const c of nodes.get(idx.digest)?.children ?? []) {
        const node = nodes.get(c.digest);
        // The rule of the registry store too: a manifest read must name the subject it is listed
        // for (one without a subject field is nobody's referrer). Content the layout lacks, or of
        // a type that cannot carry a subject, stays listed and fails when it is verified.
        if (node && node.subject !== subject) {
          log?.warn({ referrer: c.digest, subject, declared: node.subject ?? null }, 'tag-schema index lists a manifest for another subject; ignored');
          continue;
        }
        add(subject, c, node);
      }
    }
  }
  const map: ReferrerMap = new Map();
  for (const [subject, list] of out) map.set(subject, [...list.values()]);
  return map;
}
