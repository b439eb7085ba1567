import { RatifyError } from '../../errors.js';
import { parseDigest } from '../../oci/digest.js';
import { isValidTag, type Reference } from '../../reference/reference.js';

/** A `--oci-layout` subject: `<dir>:<tag>` or `<dir>@<digest>` (as in notation). */
export interface OciLayoutSubject {
  /** The layout directory or tar file. */
  layoutPath: string;
  tag?: string;
  digest?: string;
  /**
   * A Reference the rest of the pipeline can carry. registry is empty and repository is the
   * layout path; only tag and digest mean anything to the oci-layout store.
   */
  reference: Reference;
}

function invalid(input: string, why: string): RatifyError {
  return new RatifyError('REFERENCE_INVALID', `invalid OCI layout subject ${JSON.stringify(input)}`, {
    cause: new Error(why),
    remediation: 'With --oci-layout the subject is <dir>:<tag> or <dir>@sha256:<64 hex>',
  });
}

export function parseOciLayoutSubject(input: string): OciLayoutSubject {
  let layoutPath: string;
  let tag: string | undefined;
  let digest: string | undefined;
  const at = input.lastIndexOf('@');
  if (at !== -1) {
    layoutPath = input.slice(0, at);
    digest = input.slice(at + 1);
    try {
      parseDigest(digest);
    } catch (e) {
      throw invalid(input, (e as Error).message);
    }
  } else {
    // The tag follows the last ':' that comes after the last path separator.
    const colon = input.lastIndexOf(':');
    const sep = Math.max(input.lastIndexOf('/'), input.lastIndexOf('\\'));
    if (colon <= sep) throw invalid(input, 'missing :<tag> or @<digest>');
    layoutPath = input.slice(0, colon);
    tag = input.slice(colon + 1);
    if (!isValidTag(tag)) throw invalid(input, `invalid tag ${JSON.stringify(tag)}`);
  }
  if (layoutPath === '') throw invalid(input, 'missing layout path');
  const reference: Reference = { registry: '', repository: layoutPath, path: layoutPath, original: input };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  const out: OciLayoutSubject = { layoutPath, reference };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}
