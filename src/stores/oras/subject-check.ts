import pLimit from 'p-limit';
import type { Context } from '../../context.js';
import type { Descriptor, ReferenceDescriptor } from '../../oci/descriptor.js';
import { parseJSONObject } from '../../oci/manifest.js';
import type { Reference } from '../../reference/reference.js';
import type { ReferrerStore } from '../types.js';

const CHECK_CONCURRENCY = 8;

/**
 * The listed referrers that really are the subject's. A registry's referrers API or tag-schema
 * index can list anything under a subject (image B's SBOM, or signed image B itself), so each
 * referrer's manifest must name the subject in its `subject` field, the rule the oci-layout store
 * applies when it builds its referrer map. Others are dropped, with a debug log and an
 * `--explain` note. The manifest is read through the store's content cache, where the verifier
 * finds it again: a referrer that gets verified costs no extra round trip.
 *
 * Kept unchecked: cosign's `.sig` manifest found by its tag (`<alg>-<hex>.sig`). It has no
 * subject field; the cosign verifier binds it to the subject through the docker-manifest-digest
 * claim of every signature it accepts. Kept as well: a manifest that cannot be read or parsed,
 * since the verifier then fails on it where a silent drop would not.
 */
export async function ownReferrers(
  store: Pick<ReferrerStore, 'name' | 'fetchManifestBytes'>,
  ref: Reference,
  subject: Descriptor,
  referrers: readonly ReferenceDescriptor[],
  cosignTag: string | undefined,
  ctx: Context,
): Promise<ReferenceDescriptor[]> {
  const limit = pLimit(CHECK_CONCURRENCY);
  const other = await Promise.all(
    referrers.map((d) => (d.digest === cosignTag ? Promise.resolve(undefined) : limit(() => declaredElsewhere(store, ref, d, subject.digest, ctx)))),
  );
  const out: ReferenceDescriptor[] = [];
  referrers.forEach((d, i) => {
    const declared = other[i];
    if (declared === undefined) {
      out.push(d);
      return;
    }
    ctx.log.debug({ store: store.name, referrer: d.digest, subject: subject.digest, declared }, 'the registry listed a referrer whose manifest names another subject; dropped');
    ctx.note?.(`store ${store.name} dropped referrer ${d.digest}: listed for ${subject.digest}, its manifest names ${declared}`);
  });
  return out;
}

/** What the referrer's manifest names instead of `subject`, or undefined when it names the subject (or cannot be read). */
async function declaredElsewhere(
  store: Pick<ReferrerStore, 'fetchManifestBytes'>,
  ref: Reference,
  d: ReferenceDescriptor,
  subject: string,
  ctx: Context,
): Promise<string | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await store.fetchManifestBytes(ref, d, ctx);
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    return undefined;
  }
  let declared: unknown;
  try {
    const s = parseJSONObject(bytes, `manifest ${d.digest}`).subject;
    declared = s !== null && typeof s === 'object' ? (s as { digest?: unknown }).digest : s;
  } catch {
    return undefined;
  }
  if (declared === subject) return undefined;
  if (declared === undefined || declared === null) return 'no subject';
  return typeof declared === 'string' ? `subject ${JSON.stringify(declared.slice(0, 140))}` : 'an invalid subject';
}
