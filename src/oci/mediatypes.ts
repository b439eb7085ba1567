export const MediaType = {
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciArtifactManifest: 'application/vnd.oci.artifact.manifest.v1+json',
  OciEmpty: 'application/vnd.oci.empty.v1+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  NotarySignature: 'application/vnd.cncf.notary.signature',
  CosignArtifactSig: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  CosignSimpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
} as const;

/** Every manifest type a registry may answer with; sent as Accept on manifest requests. */
export const MANIFEST_ACCEPT: readonly string[] = [
  MediaType.OciManifest,
  MediaType.OciIndex,
  MediaType.OciArtifactManifest,
  MediaType.DockerManifest,
  MediaType.DockerManifestList,
];

export function isManifestMediaType(mt: string): boolean {
  return MANIFEST_ACCEPT.includes(mt);
}

export function isIndexMediaType(mt: string): boolean {
  return mt === MediaType.OciIndex || mt === MediaType.DockerManifestList;
}

/** Strips parameters and whitespace: "application/json; charset=utf-8" -> "application/json". */
export function bareMediaType(contentType: string | undefined | null): string {
  if (!contentType) return '';
  return contentType.split(';')[0]!.trim().toLowerCase();
}
