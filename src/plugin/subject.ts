import { parseReference, type Reference } from '../reference/reference.js';
import { parseOciLayoutSubject } from '../stores/ocilayout/subject.js';

/**
 * The subject the host sent (RATIFY_*_SUBJECT) as a Reference: a registry reference
 * (`registry/repo:tag`, `registry/repo@sha256:…`), else an OCI layout subject
 * (`<dir>:<tag>`, `<dir>@<digest>`, as `ratify verify --oci-layout` sends), else the bare string.
 */
export function parseSubject(s: string): Reference {
  try {
    return parseReference(s);
  } catch {
    // not a registry reference
  }
  try {
    return parseOciLayoutSubject(s).reference;
  } catch {
    // not a layout subject either
  }
  return { registry: '', repository: s, path: s, original: s };
}
