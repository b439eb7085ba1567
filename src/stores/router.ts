import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { Context } from '../context.js';
import { RatifyError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseReference, type Reference } from '../reference/reference.js';
import { OciLayoutStore } from './ocilayout/store.js';
import { parseOciLayoutSubject } from './ocilayout/subject.js';
import { bestScopeMatch, parseScopePattern, type ScopePattern } from './scope.js';
import type { ReferrerStore } from './types.js';

/**
 * What a store is, for routing: a registry store (`oras`), an OCI layout, or a plugin (exec or
 * module) that gets the subject string whole, as Ratify's store protocol hands it over.
 */
export type StoreKind = 'registry' | 'layout' | 'plugin';

/** A store and the subjects it answers for. */
export interface StoreBinding {
  store: ReferrerStore;
  kind: StoreKind;
  /** The entry's `scopes`; absent: the kind's default (registry and plugin `*`, layout none). */
  scopes?: readonly ScopePattern[];
  /** For a layout store: its directory or tar file (compared as a real path). */
  layoutPath?: string;
}

/** The stores that own one subject (most specific match; ties in config order) and a key naming them. */
export interface StoreRoute {
  stores: readonly ReferrerStore[];
  /** Identifies the owning stores and their scopes, for cache keys: one scope's answer never serves another. */
  key: string;
}

interface Bound {
  store: ReferrerStore;
  kind: StoreKind;
  patterns: readonly ScopePattern[];
  /** Set in config (not the default). */
  scoped: boolean;
  /** Absolute and real path of a layout store. */
  ownPaths: ReadonlySet<string>;
  id: string;
}

// A subject naming a layout by its path is owned by that layout before any pattern.
const LAYOUT_SELF = Number.MAX_SAFE_INTEGER;
const ANY = [parseScopePattern('*')];

/**
 * The subject → stores decision (after ratify-go's store mux). A store answers only for the
 * subjects it owns; a subject no store owns fails closed with NO_MATCHING_STORE. An OCI layout
 * store without `scopes` owns only subjects naming the layout itself (`<path>:<tag>`,
 * `<path>@<digest>`): a layout resolves by tag alone, so letting it answer for a registry
 * subject would verify whatever the layout holds under that tag.
 */
export class StoreRouter {
  private readonly bound: Bound[];
  private readonly takesPaths: boolean;

  /** `baseDir` resolves relative layout paths in subjects (the entry point passes its working directory). */
  constructor(
    bindings: readonly StoreBinding[],
    private readonly opts: { baseDir?: string } = {},
  ) {
    this.bound = bindings.map((b, i) => bind(b, i));
    this.takesPaths = this.bound.some((b) => b.ownPaths.size > 0 || (b.kind === 'plugin' && !b.scoped));
  }

  /** Stores given programmatically (tests, embedders): layouts own their path, any other store every subject. */
  static fromStores(stores: readonly ReferrerStore[], opts: { baseDir?: string } = {}): StoreRouter {
    return new StoreRouter(
      stores.map((store) => (store instanceof OciLayoutStore ? { store, kind: 'layout', layoutPath: store.path } : { store, kind: 'plugin' })),
      opts,
    );
  }

  get stores(): readonly ReferrerStore[] {
    return this.bound.map((b) => b.store);
  }

  /**
   * A subject string as a Reference: a registry reference when it is one (always: a string that
   * parses as an image reference never names a file), else `<path>:<tag>` / `<path>@<digest>`
   * naming an OCI layout, with the path made absolute and real.
   */
  async parse(subject: string): Promise<Reference> {
    try {
      return parseReference(subject);
    } catch (e) {
      if (!this.takesPaths) throw e;
      let layout;
      try {
        layout = parseOciLayoutSubject(subject);
      } catch {
        throw e;
      }
      if (!isAbsolute(layout.layoutPath) && this.opts.baseDir === undefined) throw e;
      return layoutReference(layout.reference, await realPath(resolvePath(this.opts.baseDir ?? '/', layout.layoutPath)));
    }
  }

  /** The stores owning `ref`; throws NO_MATCHING_STORE (under Ratify's REFERRER_STORE_FAILURE) when none does. */
  route(ref: Reference): StoreRoute {
    let best = -1;
    let owners: Bound[] = [];
    for (const b of this.bound) {
      const m = match(b, ref);
      if (m === undefined) continue;
      if (m > best) {
        best = m;
        owners = [b];
      } else if (m === best) owners.push(b);
    }
    if (owners.length === 0) throw this.noMatch(ref);
    return { stores: owners.map((b) => b.store), key: owners.map((b) => b.id).join('+') };
  }

  /** Whether `store` owns `ref` at all (a store picked by name, as `ratify referrer --store` does). */
  owns(store: ReferrerStore, ref: Reference): boolean {
    return this.bound.some((b) => b.store === store && match(b, ref) !== undefined);
  }

  /**
   * The subject's descriptor from the first owning store that resolves it (Ratify's
   * ResolveSubjectDescriptor). A digest subject resolves to exactly that digest or fails.
   */
  async resolve(ref: Reference, ctx: Context, stores: readonly ReferrerStore[] = this.route(ref).stores): Promise<Descriptor> {
    let last: unknown;
    for (const s of stores) {
      try {
        const d = await s.resolve(ref, ctx);
        if (ref.digest !== undefined && d.digest !== ref.digest) {
          throw new RatifyError('GET_SUBJECT_DESCRIPTOR_FAILURE', `store ${s.name} resolved ${ref.original} to another digest, ${d.digest}`, {
            remediation: 'The store (registry or plugin) answers for content it was not asked for; do not trust it',
            component: 'referrerStore',
            plugin: s.name,
          });
        }
        return d;
      } catch (e) {
        last = e;
        if (e instanceof RatifyError && e.root.code === 'DEADLINE_EXCEEDED') break;
      }
    }
    throw new RatifyError('REFERRER_STORE_FAILURE', 'could not resolve descriptor for a subject from any stores', {
      ...(last !== undefined ? { cause: last } : {}),
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.bound.map((b) => b.store.close?.()));
  }

  private noMatch(ref: Reference): RatifyError {
    const stores = this.bound.map(describe).join('; ');
    const layoutish = !ref.registry;
    const first = this.bound.find((b) => (layoutish ? b.kind === 'layout' : true))?.store.name;
    const remediation = layoutish
      ? `Name a configured OCI layout in the subject (<layout path>:<tag> or <layout path>@<digest>), or add {"name": "oci-layout", "path": "${ref.path}"} to store.plugins`
      : `Add a scope such as ${JSON.stringify(ref.path)} or ${JSON.stringify(`${ref.registry}/*`)} to the "scopes" of ${first ? `store ${JSON.stringify(first)}` : 'the store that holds it'} in config.json` +
        (this.bound.some((b) => b.kind === 'registry') ? '' : ', or add {"name": "oras"} to verify it from its registry');
    return new RatifyError('REFERRER_STORE_FAILURE', 'could not resolve descriptor for a subject from any stores', {
      cause: new RatifyError('NO_MATCHING_STORE', `no configured store serves subject ${ref.original}; stores: ${stores || 'none'}`, { remediation, component: 'referrerStore' }),
    });
  }
}

/** A layout subject's Reference with the layout path made absolute and real (how routes compare it). */
export function layoutReference(ref: Reference, path: string): Reference {
  return { ...ref, repository: path, path };
}

/** An absolute path with symlinks resolved, or as given when it cannot be resolved (it then owns nothing). */
export async function realPath(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}

function match(b: Bound, ref: Reference): number | undefined {
  if (!ref.registry) {
    if (b.ownPaths.has(ref.path)) return LAYOUT_SELF;
    // A plugin store without scopes gets every subject, as every store did in Ratify v1.
    return b.kind === 'plugin' && !b.scoped ? 0 : undefined;
  }
  return bestScopeMatch(b.patterns, ref);
}

function bind(b: StoreBinding, index: number): Bound {
  const scoped = b.scopes !== undefined;
  const patterns = b.scopes ?? (b.kind === 'layout' ? [] : ANY);
  const ownPaths = new Set<string>();
  if (b.kind === 'layout' && b.layoutPath) {
    ownPaths.add(b.layoutPath);
    // Subjects are compared as absolute real paths; a relative store path (programmatic use) owns nothing.
    if (isAbsolute(b.layoutPath)) {
      try {
        ownPaths.add(realpathSync(b.layoutPath));
      } catch {
        // Opening the store has already failed for a path that cannot be read.
      }
    }
  }
  const what = JSON.stringify([b.store.name, b.kind, patterns.map((p) => p.text), [...ownPaths]]);
  return { store: b.store, kind: b.kind, patterns, scoped, ownPaths, id: `${index}.${createHash('sha256').update(what).digest('hex').slice(0, 12)}` };
}

function describe(b: Bound): string {
  const scopes = b.patterns.map((p) => p.text).join(', ');
  const name = JSON.stringify(b.store.name);
  if (b.kind === 'layout') {
    const path = [...b.ownPaths].pop() ?? '';
    return `${name} (OCI layout ${path}: ${scopes ? `scopes ${scopes}, and ` : 'no scopes, so only '}subjects naming the layout, ${path}:<tag> or ${path}@<digest>)`;
  }
  return `${name} (scopes ${scopes}${b.kind === 'plugin' && !b.scoped ? ', and subjects without a registry' : ''})`;
}
