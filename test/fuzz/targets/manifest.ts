import { RatifyError } from '../../../src/errors.js';
import { isDigest } from '../../../src/oci/digest.js';
import { artifactTypeOfManifest, parseArtifactManifest, parseImageIndex, parseImageManifest, subjectOfManifest, toReferenceManifest } from '../../../src/oci/manifest.js';
import { MediaType } from '../../../src/oci/mediatypes.js';
import type { Descriptor } from '../../../src/oci/descriptor.js';
import { check, rejectsOnlyWith, type FuzzTarget } from '../target.js';
import { jsonDocs, projectFiles, unique, vectorFiles } from '../seeds.js';

const TYPES = [MediaType.OciManifest, MediaType.OciIndex, MediaType.OciArtifactManifest, MediaType.DockerManifest, MediaType.DockerManifestList];

function checkDescriptor(d: Descriptor, where: string): void {
  check(isDigest(d.digest), `${where}: accepted descriptor with digest ${JSON.stringify(d.digest)}`);
  check(Number.isSafeInteger(d.size) && d.size >= 0, `${where}: accepted descriptor with size ${d.size}`);
  check(typeof d.mediaType === 'string' && d.mediaType !== '', `${where}: accepted descriptor without mediaType`);
}

/**
 * Manifests and indexes as a registry or layout serves them, under every media type. Clean
 * reject: RatifyError (MANIFEST_INVALID, DATA_DECODING_FAILURE, GET_REFERRER_MANIFEST_FAILURE).
 * Accepted documents only carry valid descriptors.
 */
export const target: FuzzTarget = {
  name: 'manifest',
  description: 'OCI/Docker manifests, indexes and artifact manifests (`parseImageManifest`, `parseImageIndex`, `toReferenceManifest`, subject/artifactType); accepted ones hold only valid descriptors',
  maxLen: 16 * 1024,
  fuzz(data) {
    const ok = [RatifyError];
    const m = rejectsOnlyWith(ok, () => parseImageManifest(data));
    if (m) [m.config, ...m.layers, ...(m.subject ? [m.subject] : [])].forEach((d) => checkDescriptor(d, 'manifest'));
    const idx = rejectsOnlyWith(ok, () => parseImageIndex(data));
    if (idx) idx.manifests.forEach((d) => checkDescriptor(d, 'index'));
    rejectsOnlyWith(ok, () => parseArtifactManifest(data));
    for (const mt of TYPES) {
      const rm = rejectsOnlyWith(ok, () => toReferenceManifest(data, mt));
      if (rm) rm.blobs.forEach((d) => checkDescriptor(d, `reference manifest (${mt})`));
      rejectsOnlyWith(ok, () => artifactTypeOfManifest(data, mt));
      const s = rejectsOnlyWith(ok, () => subjectOfManifest(data, mt));
      if (s) checkDescriptor(s, 'subject');
    }
  },
  seeds: () =>
    unique(
      jsonDocs([...vectorFiles(/\/blobs\/sha256\/|\/manifests\/.*\.json$|index\.json$/), ...projectFiles('examples', /sample-layout\/(blobs|index\.json)/)], (v) => {
        return v !== null && typeof v === 'object' && (v as { schemaVersion?: unknown }).schemaVersion === 2;
      }),
    ),
};
