import pLimit from 'p-limit';
import type { Context } from '../context.js';
import { RatifyError } from '../errors.js';
import type { Descriptor, ReferenceDescriptor } from '../oci/descriptor.js';
import { withDigest, type Reference } from '../reference/reference.js';
import type { ReferrerStore } from '../stores/types.js';
import { collect } from '../stores/types.js';

export interface ReferrerNode {
  descriptor: ReferenceDescriptor;
  referrers: ReferrerNode[];
}

export interface StoreTree {
  storeName: string;
  referrers: ReferrerNode[];
}

export interface DiscoverOptions {
  artifactTypes?: string[];
  /** Levels of referrers-of-referrers to follow (a hostile graph may be deep or cyclic). */
  maxDepth?: number;
  /** Concurrent listings per store. */
  concurrency?: number;
}

export const DEFAULT_DISCOVER_DEPTH = 8;

/**
 * The referrer graph under a subject, per store, recursively (signatures on SBOMs and so
 * on). Children are listed in parallel; output keeps each store's listing order. A digest
 * already on the current path is not followed again, so cycles terminate.
 */
export async function discoverTree(stores: readonly ReferrerStore[], ref: Reference, subject: Descriptor, ctx: Context, opts: DiscoverOptions = {}): Promise<StoreTree[]> {
  const maxDepth = opts.maxDepth ?? DEFAULT_DISCOVER_DEPTH;
  return Promise.all(
    stores.map(async (store) => {
      const limit = pLimit(opts.concurrency ?? 8);
      const walk = async (r: Reference, s: Descriptor, depth: number, path: Set<string>): Promise<ReferrerNode[]> => {
        const found = await limit(() => collect(store.listReferrers(r, s, ctx, opts.artifactTypes ? { artifactTypes: opts.artifactTypes } : {})));
        return Promise.all(
          found.map(async (d) => {
            if (path.has(d.digest) || depth + 1 > maxDepth) {
              if (depth + 1 > maxDepth) ctx.log.warn({ digest: d.digest, maxDepth }, 'referrer graph deeper than the limit; not following further');
              return { descriptor: d, referrers: [] };
            }
            const next = new Set(path).add(d.digest);
            return { descriptor: d, referrers: await walk(withDigest(r, d.digest), d, depth + 1, next) };
          }),
        );
      };
      try {
        return { storeName: store.name, referrers: await walk(ref, subject, 0, new Set([subject.digest])) };
      } catch (e) {
        throw new RatifyError('LIST_REFERRERS_FAILURE', `failed to get referrers list from subject ${ref.original}`, { cause: e });
      }
    }),
  );
}

/** Ratify's `discover --flat` shape: per store, every referrer with children before parents. */
export function flatten(trees: StoreTree[]): Array<{ storeName: string; References?: ReferenceDescriptor[] }> {
  return trees.map((t) => {
    const out: ReferenceDescriptor[] = [];
    const visit = (nodes: ReferrerNode[]) => {
      for (const n of nodes) visit(n.referrers);
      out.push(...nodes.map((n) => n.descriptor));
    };
    visit(t.referrers);
    return out.length ? { storeName: t.storeName, References: out } : { storeName: t.storeName };
  });
}
