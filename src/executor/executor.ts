import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { newStats, untilAborted, withDeadline, type Context } from '../context.js';
import { RatifyError, asRatifyError } from '../errors.js';
import { SingleFlight } from '../cache/singleflight.js';
import type { Cache } from '../cache/types.js';
import type { Descriptor, ReferenceDescriptor } from '../oci/descriptor.js';
import { withDigest, type Reference } from '../reference/reference.js';
import type { PolicyProvider } from '../policy/types.js';
import { collect, type ReferrerStore } from '../stores/types.js';
import { StoreRouter, type StoreRoute } from '../stores/router.js';
import type { Verifier, VerifierResult, VerifyInput } from '../verifiers/types.js';
import { errorReport, nestedVerifierResult, reportElement } from './report.js';
import { MAX_PLATFORM_TARGETS, platformString, selectChildren, type PlatformMode } from './platform.js';
import { isIndexMediaType } from '../oci/mediatypes.js';
import type { ExplainTrace, NestedReport, ReferrerTrace, ReportElement, VerifyResult } from './types.js';

export interface ExecutorOptions {
  /** Which stores answer for which subjects (config); else `stores`, each owning its default scope. */
  router?: StoreRouter;
  stores?: ReferrerStore[];
  verifiers: Verifier[];
  policy: PolicyProvider;
  /** Deadline for one verification in ms (executor.verificationRequestTimeout, default 2900). */
  verificationRequestTimeout?: number;
  mutationRequestTimeout?: number;
  /** Most verifications running at once within a request. */
  concurrency?: number;
  /** Levels of nested verification (signature on an SBOM on an image = 2). */
  maxNestedDepth?: number;
  /** Cache of per-referrer verifier results (server with --cache-enabled). */
  resultCache?: Cache;
  resultCacheTtlMs?: number;
  /**
   * Identifies the configuration in cache keys (a hash of config.json, so replicas with the same
   * config share results). Without it each executor is its own version: nothing cached under one
   * configuration is ever served under another.
   */
  configHash?: string;
}

export interface VerifyParams {
  subject: string;
  /** Only referrers of these artifact types ("*" or empty = all). Ratify passes them through; we filter. */
  referenceTypes?: string[];
  /** Alternative subject parser (--oci-layout subjects are not registry references). */
  reference?: Reference;
  /** Multi-arch handling: index (default, as Ratify), all, or os/arch[/variant]. */
  platform?: PlatformMode;
}

export interface VerifyOutcome {
  result: VerifyResult;
  /**
   * The request-level error, if any. With config policy it has also been turned into the
   * failure report in `result` (Ratify's ErrorToVerifyResult); otherwise `result` is empty.
   */
  error?: RatifyError;
  trace?: ExplainTrace;
  /**
   * True when the outcome depends on something passing (a timeout, an unreachable registry, a
   * verifier that could not run) rather than on the artifacts: such outcomes must not be cached.
   */
  transient: boolean;
}

export const DEFAULT_VERIFY_TIMEOUT_MS = 2900;
export const DEFAULT_MUTATION_TIMEOUT_MS = 950;
const DEFAULT_CONCURRENCY = 8;
const DEFAULT_NESTED_DEPTH = 3;

interface ListedReferrer {
  store: ReferrerStore;
  referrer: ReferenceDescriptor;
}

/** Per-request state: the trace being built and the limiter shared by all depths. */
interface RequestState {
  ctx: Context;
  /** The stores owning the subject (nested subjects live in the same repository, so they share it). */
  route?: StoreRoute;
  limit: ReturnType<typeof pLimit>;
  trace?: ExplainTrace;
  /** A verifier could not run (deadline, network): the result says nothing lasting about the artifact. */
  transient: boolean;
}

/**
 * Ratify's executor (reference §1.4): resolve the subject, list referrers from every store
 * in parallel, verify each with the verifier(s) the policy's shape calls for, recurse into
 * nested references, and let the policy decide. Reports keep the listing order.
 */
export class Executor {
  readonly verificationRequestTimeout: number;
  readonly mutationRequestTimeout: number;
  /** Part of every cache key that holds a verdict (see ExecutorOptions.configHash). */
  readonly configVersion: string;
  // One executor has one router, so a subject string always means the same stores here; a
  // reloaded config gets a new executor and new flights.
  private readonly flights = new SingleFlight<VerifyOutcome>();
  readonly router: StoreRouter;

  constructor(private readonly o: ExecutorOptions) {
    this.configVersion = o.configHash ?? `local-${randomUUID()}`;
    this.verificationRequestTimeout = o.verificationRequestTimeout ?? DEFAULT_VERIFY_TIMEOUT_MS;
    this.mutationRequestTimeout = o.mutationRequestTimeout ?? DEFAULT_MUTATION_TIMEOUT_MS;
    this.router = o.router ?? StoreRouter.fromStores(o.stores ?? []);
  }

  get stores(): readonly ReferrerStore[] {
    return this.router.stores;
  }

  get policy(): PolicyProvider {
    return this.o.policy;
  }

  /**
   * Verify a subject under a deadline (`timeoutMs`, else verificationRequestTimeout). Never
   * throws for verification problems: with config policy errors become a failure report; with
   * nested-shape policies they come back in `error`.
   */
  async verify(params: VerifyParams, parent: Context, opts: { timeoutMs?: number; explain?: boolean } = {}): Promise<VerifyOutcome> {
    const run = async () => {
      const ctx = withDeadline({ ...parent, stats: parent.stats ?? newStats() }, opts.timeoutMs ?? this.verificationRequestTimeout, 'verification');
      const started = performance.now();
      const st: RequestState = { ctx, limit: pLimit(this.o.concurrency ?? DEFAULT_CONCURRENCY), transient: false };
      if (opts.explain) {
        const trace: ExplainTrace = {
          subject: params.subject,
          policy: { type: this.o.policy.type },
          steps: [],
          referrers: [],
          notes: [],
          registry: { requests: 0, bytes: 0, cacheHits: 0, cacheMisses: 0, rateLimited: 0 },
          totalMs: 0,
        };
        st.trace = trace;
        // Stores say here what they dropped (a referrer naming another subject, ...).
        st.ctx = { ...ctx, note: (text: string) => void trace.notes!.push(text) };
      }
      try {
        const result = await this.verifyInternal(params, st);
        return { result, transient: st.transient, ...(st.trace ? { trace: st.trace } : {}) };
      } catch (e) {
        const err = asRatifyError(e, 'EXECUTOR_FAILURE', 'verification failed');
        if (st.trace) st.trace.policy.detail = `request failed: ${err.message}`;
        // Nothing attached, and no store owning the subject, are lasting answers for this config.
        const transient = st.transient || (err.root.code !== 'NO_VERIFIER_REPORT' && err.root.code !== 'NO_MATCHING_STORE');
        const asResult = this.o.policy.errorToResult(params.subject, err);
        if (asResult) return { result: asResult, error: err, transient, ...(st.trace ? { trace: st.trace } : {}) };
        return { result: { isSuccess: false, verifierReports: [] }, error: err, transient, ...(st.trace ? { trace: st.trace } : {}) };
      } finally {
        ctx.cancel();
        if (st.trace) {
          st.trace.totalMs = performance.now() - started;
          const s = ctx.stats!;
          st.trace.registry = { requests: s.registryRequests, bytes: s.registryBytes, cacheHits: s.cacheHits, cacheMisses: s.cacheMisses, rateLimited: s.rateLimited ?? 0 };
        }
      }
    };
    // Identical concurrent requests share one verification (explain runs are never shared).
    if (opts.explain) return run();
    const key = `${parent.namespace ?? ''}|${params.subject}|${(params.referenceTypes ?? []).join(',')}|${opts.timeoutMs ?? ''}`;
    return this.flights.do(key, run);
  }

  private async verifyInternal(params: VerifyParams, st: RequestState): Promise<VerifyResult> {
    const ref = params.reference ?? (await this.router.parse(params.subject));
    // Before any I/O: a subject no store owns fails closed with NO_MATCHING_STORE.
    const route = this.router.route(ref);
    st.route = route;
    if (st.trace) st.trace.stores = route.stores.map((s) => s.name);
    const mode = params.platform ?? { kind: 'index' };
    // A subject given by digest can be listed while it is being resolved: listing needs only the
    // digest (resolving fills in media type and size, which verifiers check). Saves a round trip.
    let early: Promise<ListedReferrer[]> | undefined;
    if (ref.digest && mode.kind === 'index') {
      early = this.listAll(ref, { mediaType: '', digest: ref.digest, size: 0 }, params.referenceTypes, st, 0);
      early.catch(() => undefined);
    }
    const subjectDesc = await this.timed(st, 'resolve subject', () => this.router.resolve(ref, st.ctx, route.stores));
    if (st.trace) st.trace.digest = subjectDesc.digest;
    const resolved: Reference = ref.digest ? ref : { ...ref, digest: subjectDesc.digest };
    if (mode.kind === 'index') return this.verifyOne(ref, resolved, subjectDesc, params.referenceTypes, st, early);
    const indexBytes = await this.timed(st, 'read image index', () => this.fetchIndex(resolved, subjectDesc, st));
    const children = selectChildren(mode, subjectDesc, indexBytes);
    if (children.length === 0) {
      // Not an index: there is only the one manifest to verify.
      const r = await this.verifyOne(ref, resolved, subjectDesc, params.referenceTypes, st);
      return { ...r, platforms: [{ platform: 'single manifest', digest: subjectDesc.digest, isSuccess: r.isSuccess }] };
    }
    const targets: Array<{ platform: string; desc: Descriptor; ref: Reference }> = children.map((c) => ({ platform: platformString(c.platform), desc: c, ref: withDigest(ref, c.digest) }));
    if (mode.kind === 'all') {
      targets.unshift({ platform: 'index', desc: subjectDesc, ref: resolved });
      await this.timed(st, 'read nested image indexes', () => this.expandNestedIndexes(ref, targets, st));
    }
    const results = await Promise.all(targets.map((t) => this.verifyOne(t.ref, t.ref, t.desc, params.referenceTypes, st).catch((e: unknown) => this.asFailure(t.ref.original, e))));
    return {
      isSuccess: results.every((r) => r.isSuccess),
      verifierReports: results.flatMap((r) => r.verifierReports),
      platforms: targets.map((t, i) => ({ platform: t.platform, digest: t.desc.digest, isSuccess: results[i]!.isSuccess })),
    };
  }

  /** One manifest: list, verify, decide. */
  private async verifyOne(display: Reference, resolved: Reference, subjectDesc: Descriptor, types: string[] | undefined, st: RequestState, listed?: Promise<ListedReferrer[]>): Promise<VerifyResult> {
    const reports = await this.verifyReferrers({ ...resolved, original: display.original }, subjectDesc, types, st, 0, listed);
    if (this.o.policy.shape === 'config' && reports.length === 0) {
      throw new RatifyError(
        'NO_VERIFIER_REPORT',
        `No verification results for the artifact ${display.original}. Ensure verifiers are properly configured and that artifact metadata is attached`,
      );
    }
    const decision = await this.timed(st, 'policy', () => this.o.policy.overallResult(reports as ReportElement[] & NestedReport[], display.original));
    if (st.trace) st.trace.policy = { type: this.o.policy.type, isSuccess: decision.isSuccess, detail: decision.detail };
    return { isSuccess: decision.isSuccess, verifierReports: reports };
  }

  /**
   * `--platform all`: a child that is itself an index vouches for its own children, which must be
   * verified too (breadth first, each digest once, bounded so a hostile index cannot fan out without end).
   */
  private async expandNestedIndexes(ref: Reference, targets: Array<{ platform: string; desc: Descriptor; ref: Reference }>, st: RequestState): Promise<void> {
    const seen = new Set(targets.map((t) => t.desc.digest));
    for (let i = 1; i < targets.length; i++) {
      const t = targets[i]!;
      if (!isIndexMediaType(t.desc.mediaType)) continue;
      const bytes = await this.fetchIndex(t.ref, t.desc, st);
      for (const c of selectChildren({ kind: 'all' }, t.desc, bytes)) {
        if (seen.has(c.digest)) continue;
        seen.add(c.digest);
        if (targets.length >= MAX_PLATFORM_TARGETS) {
          throw new RatifyError('MANIFEST_INVALID', `the image index ${ref.original} holds more than ${MAX_PLATFORM_TARGETS} manifests (nested indexes included)`, {
            remediation: 'Verify one platform with --platform os/arch, or split the index',
          });
        }
        targets.push({ platform: `${t.platform === 'unknown' ? '' : t.platform + ' > '}${platformString(c.platform)}`, desc: c, ref: withDigest(ref, c.digest) });
      }
    }
  }

  /** A child that could not be verified is a failure of the whole multi-arch request, reported like Ratify's error report. */
  private asFailure(subject: string, e: unknown): VerifyResult {
    const err = asRatifyError(e, 'EXECUTOR_FAILURE', 'verification failed');
    return this.o.policy.errorToResult(subject, err) ?? { isSuccess: false, verifierReports: [errorReport(subject, err)] };
  }

  private async fetchIndex(ref: Reference, desc: Descriptor, st: RequestState): Promise<Uint8Array | undefined> {
    for (const s of st.route!.stores) {
      try {
        return await s.fetchManifestBytes(ref, desc, st.ctx);
      } catch {
        // try the next store
      }
    }
    throw new RatifyError('GET_SUBJECT_DESCRIPTOR_FAILURE', `could not read the image index ${desc.digest} from any store`);
  }

  /** Lists referrers in every store (in parallel) and verifies them; results keep store, then listing, order. */
  private async verifyReferrers(
    ref: Reference,
    subject: Descriptor,
    types: string[] | undefined,
    st: RequestState,
    depth: number,
    listed?: Promise<ListedReferrer[]>,
  ): Promise<Array<ReportElement | NestedReport>> {
    const items = await (listed ?? this.listAll(ref, subject, types, st, depth));
    // Verifiers that weigh a referrer against its siblings see exactly this listing, all of which is verified.
    const siblings = items.map((i) => i.referrer);
    const perItem = await Promise.all(items.map(({ store, referrer }) => this.verifyReferrer(ref, subject, referrer, store, st, depth, siblings)));
    return perItem.flat();
  }

  /** Referrers from every store (in parallel), store by store in listing order. */
  private async listAll(ref: Reference, subject: Descriptor, types: string[] | undefined, st: RequestState, depth: number): Promise<ListedReferrer[]> {
    const lists = await this.timed(st, depth === 0 ? 'list referrers' : `list referrers (depth ${depth})`, () =>
      Promise.all(
        st.route!.stores.map(async (store) => {
          try {
            const refs = await collect(store.listReferrers(ref, subject, st.ctx, types && types.length ? { artifactTypes: types } : {}));
            return refs.map((r) => ({ store, referrer: r }));
          } catch (e) {
            throw asRatifyError(e, 'LIST_REFERRERS_FAILURE', `failed to list referrers of ${ref.original} from ${store.name}`);
          }
        }),
      ),
    );
    return lists.flat();
  }

  private async verifyReferrer(
    ref: Reference,
    subject: Descriptor,
    referrer: ReferenceDescriptor,
    store: ReferrerStore,
    st: RequestState,
    depth: number,
    siblings: readonly ReferenceDescriptor[],
  ): Promise<Array<ReportElement | NestedReport>> {
    const artifactType = referrer.artifactType ?? '';
    const trace: ReferrerTrace | undefined = st.trace
      ? { subject: ref.original, digest: referrer.digest, artifactType, store: store.name, depth, verifiers: [] }
      : undefined;
    if (trace) st.trace!.referrers.push(trace);
    const matching = this.o.verifiers.filter((v) => v.canVerify(referrer));
    if (this.o.policy.shape === 'config') {
      const verifier = matching[0];
      if (!verifier) {
        if (trace) trace.skipped = `no verifier handles artifact type ${JSON.stringify(artifactType)}`;
        return [];
      }
      const r = await this.runVerifier(verifier, { subject: ref, subjectDescriptor: subject, referrer, store, siblings }, st, trace);
      const report = reportElement(verifier, r);
      // A skipped report decides nothing, so what hangs below it is not worth fetching.
      if (verifier.nestedReferences.length > 0 && !r.skipped) {
        const nested = await this.nested(ref, referrer, st, depth);
        report.nestedResults = nested.verifierReports as ReportElement[];
        if (!nested.isSuccess) {
          report.isSuccess = false;
          report.message = 'nested verification failed';
        }
      }
      return [stamp(report, ref.original, referrer.digest, artifactType)];
    }
    // Nested shape (Rego/CEL input): every matching verifier, and always the referrer's own referrers.
    if (matching.length === 0 && trace) trace.skipped = `no verifier handles artifact type ${JSON.stringify(artifactType)}`;
    const [results, nestedReports] = await Promise.all([
      Promise.all(matching.map(async (v) => nestedVerifierResult(v, await this.runVerifier(v, { subject: ref, subjectDescriptor: subject, referrer, store, siblings }, st, trace)))),
      depth + 1 > (this.o.maxNestedDepth ?? DEFAULT_NESTED_DEPTH)
        ? Promise.resolve([] as NestedReport[])
        : this.verifyReferrers(withDigest(ref, referrer.digest), referrer, ['*'], st, depth + 1) as Promise<NestedReport[]>,
    ]);
    return [{ subject: ref.original, referenceDigest: referrer.digest, artifactType, verifierReports: results, nestedReports }];
  }

  /** Config-policy nested verification: the referrer becomes the subject, over all verifiers. */
  private async nested(ref: Reference, referrer: ReferenceDescriptor, st: RequestState, depth: number): Promise<VerifyResult> {
    const nestedRef = withDigest(ref, referrer.digest);
    if (depth + 1 > (this.o.maxNestedDepth ?? DEFAULT_NESTED_DEPTH)) {
      return {
        isSuccess: false,
        verifierReports: [errorReport(nestedRef.original, new RatifyError('VERIFY_REFERENCE_FAILURE', `nested verification deeper than ${this.o.maxNestedDepth ?? DEFAULT_NESTED_DEPTH} levels`))],
      };
    }
    try {
      const reports = (await this.verifyReferrers(nestedRef, referrer, ['*'], st, depth + 1)) as ReportElement[];
      if (reports.length === 0) {
        throw new RatifyError(
          'NO_VERIFIER_REPORT',
          `No verification results for the artifact ${nestedRef.original}. Ensure verifiers are properly configured and that artifact metadata is attached`,
        );
      }
      const d = await this.o.policy.overallResult(reports, nestedRef.original);
      return { isSuccess: d.isSuccess, verifierReports: reports };
    } catch (e) {
      const err = asRatifyError(e, 'EXECUTOR_FAILURE', 'nested verification failed');
      return this.o.policy.errorToResult(nestedRef.original, err) ?? { isSuccess: false, verifierReports: [errorReport(nestedRef.original, err)] };
    }
  }

  /** Runs one verifier under the request's concurrency limit; an exception becomes a failure result. */
  private async runVerifier(v: Verifier, input: VerifyInput, st: RequestState, trace: ReferrerTrace | undefined): Promise<VerifierResult> {
    const { subject: ref, subjectDescriptor: subject, referrer } = input;
    const t0 = performance.now();
    // The owning stores are in the key with the config: a result for one scope never serves another.
    const cacheKey = this.o.resultCache
      ? `verifier_result:${this.configVersion}:${st.route?.key ?? ''}:${input.store.name}:${st.ctx.namespace ?? ''}:${v.name}:${ref.original}:${subject.digest}:${referrer.digest}`
      : undefined;
    const cached = cacheKey ? await this.o.resultCache!.get<VerifierResult>(cacheKey) : undefined;
    if (cached) {
      if (trace) trace.verifiers.push({ name: v.name, type: v.type, isSuccess: cached.isSuccess, message: cached.message, ...(cached.errorReason ? { errorReason: cached.errorReason } : {}), checks: [{ check: 'cache', ok: true, detail: 'result of an earlier verification of the same content and config' }, ...(cached.trace ?? [])], ms: performance.now() - t0 });
      return cached;
    }
    let r: VerifierResult;
    let failedToRun = false;
    try {
      r = await st.limit(() => {
        if (st.ctx.signal.aborted) throw st.ctx.signal.reason;
        // A verifier that ignores its signal must not hold the request past the deadline,
        // nor have a late answer counted.
        return untilAborted(v.verify(input, st.ctx), st.ctx, `verifier ${v.name}`);
      });
    } catch (e) {
      failedToRun = true;
      st.transient = true;
      const err = e instanceof RatifyError ? e : asRatifyError(e, 'VERIFY_REFERENCE_FAILURE', `verifier ${v.name} failed`);
      const wrapped = err.code === 'VERIFY_REFERENCE_FAILURE' ? err : new RatifyError('VERIFY_REFERENCE_FAILURE', `verifier ${v.name} could not verify ${referrer.digest}`, { cause: err });
      r = { isSuccess: false, message: wrapped.detail, errorReason: wrapped.errorReason };
      const rem = wrapped.effectiveRemediation;
      if (rem) r.remediation = rem;
    }
    // Skipping is never a way to pass, whatever an in-process plugin returns.
    if (r.skipped && r.isSuccess) r = { ...r, isSuccess: false };
    st.ctx.metrics?.verifierDuration(v.name, ref.original, performance.now() - t0, r.isSuccess, failedToRun, st.ctx.namespace ?? '');
    // Content is immutable by digest and the config is fixed by its hash; only time-dependent
    // checks (expiry, revocation, report age) change, which the TTL bounds.
    // A skip depends on the siblings listed in this request, which the key does not name.
    if (cacheKey && !failedToRun && !r.skipped) await this.o.resultCache!.set(cacheKey, r, this.o.resultCacheTtlMs ?? 10_000);
    if (trace) {
      trace.verifiers.push({
        name: v.name,
        type: v.type,
        isSuccess: r.isSuccess,
        message: r.message,
        ...(r.errorReason ? { errorReason: r.errorReason } : {}),
        checks: r.trace ?? [],
        ms: performance.now() - t0,
      });
    }
    return r;
  }

  private async timed<T>(st: RequestState, step: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      st.trace?.steps.push({ step, ms: performance.now() - t0 });
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.router.close(), ...this.o.verifiers.map((v) => v.close?.())]);
  }
}

/** Stamps subject, referenceDigest and artifactType in Ratify's JSON field order. */
function stamp(r: ReportElement, subject: string, referenceDigest: string, artifactType: string): ReportElement {
  const { message, errorReason, remediation, extensions, skipped, nestedResults, ...head } = r;
  const out: ReportElement = { subject, ...head, referenceDigest, artifactType };
  if (message !== undefined) out.message = message;
  if (errorReason !== undefined) out.errorReason = errorReason;
  if (remediation !== undefined) out.remediation = remediation;
  if (extensions !== undefined) out.extensions = extensions;
  if (skipped) out.skipped = true;
  if (nestedResults !== undefined) out.nestedResults = nestedResults;
  return out;
}

