import type { Context } from '../../context.js';
import { BaseVerifier, commonConfig } from '../base.js';
import type { CheckTrace, Verifier, VerifierDeps, VerifierFactory, VerifierResult, VerifyInput } from '../types.js';
import { parseSbomConfig, type SbomConfig } from './config.js';
import { parseCycloneDxJson } from './cyclonedx.js';
import { SbomParseError, type SbomDocument } from './document.js';
import { compileLicenseDenyList, type LicenseDenyList } from './license/index.js';
import { blobSizeError, failureFromError, goDescriptorV, isTransientFailure } from './ratify-compat.js';
import { parseSpdxJson } from './spdx.js';
import { compilePackageDenyList, findViolations } from './violations.js';

export const SPDX_JSON_ARTIFACT_TYPE = 'application/spdx+json';
export const CYCLONEDX_JSON_ARTIFACT_TYPES = ['application/vnd.cyclonedx+json', 'application/cyclonedx+json'] as const;

export const SBOM_MESSAGES = {
  success: 'SBOM verification success. No license or package violation found.',
  failed: 'SBOM validation failed',
  unsupported: 'Failed to process SBOM blobs.',
  violationReason: 'License or package violation found.',
  violationRemediation: 'Please review extensions data for license and package violation found.',
} as const;

/** At most this many per-package notes go into the trace (a large SBOM can have thousands). */
const MAX_TRACE_NOTES = 50;

function readerFor(artifactType: string | undefined): ((b: Uint8Array) => SbomDocument) | undefined {
  if (artifactType === SPDX_JSON_ARTIFACT_TYPE) return parseSpdxJson;
  if ((CYCLONEDX_JSON_ARTIFACT_TYPES as readonly string[]).includes(artifactType ?? '')) return parseCycloneDxJson;
  return undefined;
}

/**
 * Ratify's `sbom` verifier (reference §3.3), run in-process, with CycloneDX JSON and SPDX
 * license-expression semantics added. See README.md in this folder for the differences.
 */
export class SbomVerifier extends BaseVerifier implements Verifier {
  private readonly licenses: LicenseDenyList;
  private readonly packages: ReturnType<typeof compilePackageDenyList>;

  constructor(
    common: ReturnType<typeof commonConfig>,
    readonly config: SbomConfig,
  ) {
    super(common);
    this.licenses = compileLicenseDenyList(config.disallowedLicenses);
    this.packages = compilePackageDenyList(config.disallowedPackages);
  }

  async verify(input: VerifyInput, ctx: Context): Promise<VerifierResult> {
    const { subject, referrer, store } = input;
    const trace: CheckTrace[] = [];
    const done = (r: VerifierResult): VerifierResult => ({ ...r, trace });

    let manifest;
    try {
      manifest = await store.fetchManifest(subject, referrer, ctx);
    } catch (e) {
      if (isTransientFailure(e, ctx)) throw e;
      trace.push({ check: 'manifest', ok: false, detail: (e as Error).message });
      return done(
        failureFromError(`Failed to fetch reference manifest for subject: ${subject.original} reference descriptor: ${goDescriptorV(referrer)}`, e),
      );
    }
    const blob = manifest.blobs[0];
    if (blob === undefined) {
      trace.push({ check: 'manifest', ok: false, detail: 'no layers' });
      return done({
        isSuccess: false,
        message: SBOM_MESSAGES.failed,
        errorReason: `No layers found in manifest for referrer ${subject.path}@${referrer.digest}`,
      });
    }
    trace.push({ check: 'manifest', ok: true, detail: `${manifest.blobs.length} layer(s); reading the first, ${blob.digest}` });

    // Ratify checks the type after downloading; checking first avoids reading content we
    // cannot interpret (the result is the same unless the download would also have failed).
    const artifactType = referrer.artifactType ?? '';
    const read = readerFor(artifactType);
    if (read === undefined) {
      trace.push({ check: 'artifact-type', ok: false, detail: artifactType });
      return done({ isSuccess: false, message: SBOM_MESSAGES.unsupported, errorReason: `Unsupported artifactType: ${artifactType}` });
    }

    const blobFailure = (e: unknown): VerifierResult => {
      trace.push({ check: 'blob', ok: false, detail: (e as Error).message });
      return done(failureFromError(`Failed to fetch blob for subject: ${subject.original} digest: ${blob.digest}`, e));
    };
    const limit = this.config.maxBlobBytes;
    if (blob.size > limit) return blobFailure(blobSizeError(blob.size, limit));
    let bytes: Uint8Array;
    try {
      bytes = await store.fetchBlob(subject, blob, ctx);
    } catch (e) {
      if (isTransientFailure(e, ctx)) throw e;
      return blobFailure(e);
    }
    if (bytes.byteLength > limit) return blobFailure(blobSizeError(bytes.byteLength, limit));
    trace.push({ check: 'blob', ok: true, detail: `${bytes.byteLength} bytes` });

    let doc: SbomDocument;
    try {
      doc = read(bytes);
    } catch (e) {
      if (!(e instanceof SbomParseError)) throw e;
      trace.push({ check: 'parse', ok: false, detail: e.message });
      return done({ isSuccess: false, message: `failed to verify artifact: ${this.name}`, errorReason: e.message });
    }
    trace.push({ check: 'parse', ok: true, detail: `${doc.format} ${doc.specVersion}, ${doc.packages.length} package(s)` });

    const info = { [doc.info.key]: doc.info.value };
    if (this.licenses.entries.length === 0 && this.packages.names.size === 0 && this.packages.exact.size === 0) {
      trace.push({ check: 'denylists', ok: true, detail: 'no deny lists configured' });
      return done({ isSuccess: true, message: SBOM_MESSAGES.success, extensions: info });
    }

    const v = findViolations(doc.packages, this.licenses, this.packages);
    for (const n of v.notes.slice(0, MAX_TRACE_NOTES)) trace.push({ check: 'license-note', ok: true, detail: n });
    if (v.notes.length > MAX_TRACE_NOTES) trace.push({ check: 'license-note', ok: true, detail: `${v.notes.length - MAX_TRACE_NOTES} more notes not shown` });
    trace.push({ check: 'license-denylist', ok: v.licenseViolations.length === 0, detail: `${v.licenseViolations.length} violation(s)` });
    trace.push({ check: 'package-denylist', ok: v.packageViolations.length === 0, detail: `${v.packageViolations.length} violation(s)` });
    if (v.licenseViolations.length === 0 && v.packageViolations.length === 0) {
      return done({ isSuccess: true, message: SBOM_MESSAGES.success, extensions: info });
    }
    // Keys in Go's map order (sorted), as Ratify's JSON has them.
    const ext: Record<string, unknown> = {};
    const entries: Array<[string, unknown]> = [[doc.info.key, doc.info.value]];
    if (v.licenseViolations.length > 0) entries.push(['licenseViolations', v.licenseViolations]);
    if (v.packageViolations.length > 0) entries.push(['packageViolations', v.packageViolations]);
    for (const [k, val] of entries.sort((a, b) => (a[0] < b[0] ? -1 : 1))) ext[k] = val;
    return done({
      isSuccess: false,
      message: SBOM_MESSAGES.failed,
      errorReason: SBOM_MESSAGES.violationReason,
      remediation: SBOM_MESSAGES.violationRemediation,
      extensions: ext,
    });
  }
}

export async function createSbomVerifier(entry: Record<string, unknown>): Promise<SbomVerifier> {
  // As a Ratify plugin, an entry without artifactTypes applies to every referrer ("*").
  const common = commonConfig(entry, { requireArtifactTypes: false, where: 'verifier sbom' });
  return new SbomVerifier(common, parseSbomConfig(entry, `verifier ${common.name}`));
}

export const sbomVerifierFactory: VerifierFactory = {
  type: 'sbom',
  create(entry: Record<string, unknown>, _deps: VerifierDeps): Promise<Verifier> {
    return createSbomVerifier(entry);
  },
};
