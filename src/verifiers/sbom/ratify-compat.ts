import type { Context } from '../../context.js';
import { RatifyError } from '../../errors.js';
import type { Descriptor } from '../../oci/descriptor.js';
import type { VerifierResult } from '../types.js';

/**
 * Helpers shared by the SBOM and vulnerability-report verifiers to word their results as
 * Ratify's plugins do (reference §1.5, §3.3, §3.4).
 */

function goMap(m: Record<string, string> | undefined): string {
  if (!m) return 'map[]';
  // Go prints map keys sorted.
  return `map[${Object.keys(m)
    .sort()
    .map((k) => `${k}:${m[k]}`)
    .join(' ')}]`;
}

/**
 * Go's `%v` of an image-spec Descriptor (MediaType Digest Size URLs Annotations Data Platform
 * ArtifactType), which Ratify puts in its "Failed to fetch reference manifest" texts.
 */
export function goDescriptorV(d: Descriptor, withArtifactType = true): string {
  const urls = `[${(d.urls ?? []).join(' ')}]`;
  const platform = d.platform ? `&{${d.platform.architecture} ${d.platform.os}}` : '<nil>';
  return `{${d.mediaType} ${d.digest} ${d.size} ${urls} ${goMap(d.annotations)} [] ${platform} ${withArtifactType ? (d.artifactType ?? '') : ''}}`;
}

/** Ratify's ReferenceDescriptor `%v`: the embedded descriptor, then the artifact type. */
export function goReferenceDescriptorV(d: Descriptor): string {
  return `{${goDescriptorV(d, false)} ${d.artifactType ?? ''}}`;
}

/**
 * A store failure that says nothing about the artifact (deadline, cancellation) is thrown
 * so that the executor reports it as an error and never caches it as a verdict.
 */
export function isTransientFailure(e: unknown, ctx: Context): boolean {
  return ctx.signal.aborted || (e instanceof RatifyError && e.transient);
}

/**
 * NewVerifierResult for an error wrapped with a detail: the detail is the message, the root
 * cause's text the errorReason, its remediation kept (ratify-ts runs verifiers in-process, so
 * nothing drops them).
 */
export function failureFromError(message: string, e: unknown, extensions?: unknown): VerifierResult {
  const r: VerifierResult = { isSuccess: false, message };
  if (e instanceof RatifyError) {
    r.errorReason = e.errorReason;
    const rem = e.effectiveRemediation;
    if (rem) r.remediation = rem;
  } else {
    r.errorReason = e instanceof Error ? e.message : String(e);
  }
  if (extensions !== undefined) r.extensions = extensions;
  return r;
}

/** Refuses a blob over the limit before fetching it, and checks what actually arrived. */
export function blobSizeError(size: number, limit: number): RatifyError {
  return new RatifyError('GET_BLOB_CONTENT_FAILURE', `blob is ${size} bytes, over the limit of ${limit} bytes`, {
    remediation: 'Raise the verifier\'s "maxBlobBytes" if such large documents are expected',
  });
}
