import type { Context } from '../../context.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { goReferenceDescriptorV, isTransientFailure } from '../sbom/ratify-compat.js';
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
 * is verified). Referrers without a readable created annotation are not candidates.
 * Returns undefined when none is newer; throws only for transient failures (a listing that
 * fails otherwise is reported through `onListError` and the report is verified normally).
 */
export async function findNewerReport(
  input: VerifyInput,
  annotationName: string,
  ownCreatedNs: bigint,
  ctx: Context,
  onListError: (e: unknown) => void,
): Promise<NewerReport | undefined> {
  const artifactType = input.referrer.artifactType;
  if (artifactType === undefined) return undefined;
  let best: { digest: string; t: GoTime } | undefined;
  try {
    for await (const d of input.store.listReferrers(input.subject, input.subjectDescriptor, ctx, { artifactTypes: [artifactType] })) {
      // Stores may ignore the filter; only the same artifact type competes.
      if (d.digest === input.referrer.digest || d.artifactType !== artifactType) continue;
      let t: GoTime;
      try {
        t = extractCreated(annotationName, d);
      } catch {
        continue;
      }
      if (t.epochNs > ownCreatedNs && (best === undefined || t.epochNs > best.t.epochNs)) best = { digest: d.digest, t };
    }
  } catch (e) {
    if (isTransientFailure(e, ctx)) throw e;
    onListError(e);
    return undefined;
  }
  return best === undefined ? undefined : { digest: best.digest, createdAt: best.t.text };
}
