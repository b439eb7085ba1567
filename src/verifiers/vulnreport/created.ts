import type { Descriptor } from '../../oci/descriptor.js';
import { goReferenceDescriptorV } from '../sbom/ratify-compat.js';
import type { VerifyInput } from '../types.js';
import { parseRFC3339, TimeParseError, type GoTime } from './gotime.js';

/**
 * The report's creation time, from the referrer descriptor's annotations (what the
 * referrers API returns), with Ratify's error texts.
 */
export function extractCreated(annotationName: string, desc: Descriptor): GoTime {
  if (desc.annotations === undefined) throw new Error(`no annotations found for descriptor:[${goReferenceDescriptorV(desc)}]`);
  const created = desc.annotations[annotationName];
  if (created === undefined) {
    throw new Error(`created annotation [${annotationName}] not found for descriptor:[${goReferenceDescriptorV(desc)}]`);
  }
  try {
    return parseRFC3339(created);
  } catch (e) {
    if (!(e instanceof TimeParseError)) throw e;
    throw new Error(`error parsing created timestamp:[${created}]`, { cause: e });
  }
}

export interface NewerReport {
  digest: string;
  createdAt: string;
}

/**
 * `latestOnly`: the newest other referrer of the subject with the same artifact type, if it
 * is strictly newer than this one (equal times supersede nothing, so every report of a tie
 * is verified). Candidates come only from the executor's own listing (`input.siblings`), whose
 * members are all verified in the same request; referrers without a readable created annotation
 * are not candidates. Without that listing nothing supersedes anything: every report is verified.
 */
export function findNewerReport(input: VerifyInput, annotationName: string, ownCreatedNs: bigint): NewerReport | undefined {
  const artifactType = input.referrer.artifactType;
  if (artifactType === undefined || input.siblings === undefined) return undefined;
  let best: { digest: string; t: GoTime } | undefined;
  for (const d of input.siblings) {
    if (d.digest === input.referrer.digest || d.artifactType !== artifactType) continue;
    let t: GoTime;
    try {
      t = extractCreated(annotationName, d);
    } catch {
      continue;
    }
    if (t.epochNs > ownCreatedNs && (best === undefined || t.epochNs > best.t.epochNs)) best = { digest: d.digest, t };
  }
  return best === undefined ? undefined : { digest: best.digest, createdAt: best.t.text };
}
