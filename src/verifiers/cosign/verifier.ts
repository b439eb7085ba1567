import { throwIfAborted, type Context } from '../../context.js';
import { RatifyError } from '../../errors.js';
import type { Descriptor, ReferenceManifest } from '../../oci/descriptor.js';
import { MediaType } from '../../oci/mediatypes.js';
import { SigstoreVerifyError } from '../../crypto/sigstore/errors.js';
import type { VerifyOutcome } from '../../crypto/sigstore/verify.js';
import { loadTrustedRootFile, publicGoodTrustedRoot, type LoadedTrustedRoot } from '../../crypto/sigstore/trusted-root.js';
import { BaseVerifier, commonConfig } from '../base.js';
import type { CheckTrace, Verifier, VerifierDeps, VerifierFactory, VerifierResult, VerifyInput } from '../types.js';
import { checkSignature, type CheckEnv, type CheckMode } from './check.js';
import { parseCosignConfig, type CosignConfig, type TrustPolicyConfig } from './config.js';
import { loadFileKeys, noKeyProviders, readPublicKeyFile, resolveKeys, type KeyProviderLookup, type ResolvedKey } from './keys.js';
import { Annotation, layerKind, readLayer, type SignatureLayer } from './layers.js';
import { Messages, errorResult, extensions, legacyExtensions, record, summaryFor, type SignatureRecord, type VerificationRecord } from './results.js';
import { selectPolicy, validateScopes } from './scopes.js';

/** Layers looked at per signature manifest; cosign appends one per signer, so real ones hold a few. */
export const MAX_SIGNATURE_LAYERS = 64;
/**
 * Signature x key checks per referrer. Each costs a few milliseconds of CPU (Fulcio chains use
 * P-384); a hostile manifest with many layers, or a provider with many keys, must not turn one
 * request into minutes of work.
 */
export const MAX_CHECKS_PER_REFERRER = 256;

interface PreparedPolicy {
  config: TrustPolicyConfig;
  name: string;
  scopes: readonly string[];
  fileKeys: ResolvedKey[];
  trust: LoadedTrustedRoot;
}

interface LegacySetup {
  trust: LoadedTrustedRoot;
  /** The configured key, or why it could not be loaded (Ratify reports that per verification). */
  key?: ResolvedKey | Error;
}

export interface CosignVerifierOptions {
  config: CosignConfig;
  policies: PreparedPolicy[];
  legacy?: LegacySetup;
  keyProviders: KeyProviderLookup;
  clock: () => Date;
}

/** A failure that says nothing about the artifact (deadline, cancellation): thrown, never reported as a verdict. */
function isTransient(e: unknown, ctx: Context): boolean {
  return ctx.signal.aborted || (e instanceof RatifyError && e.transient);
}

/**
 * Ratify's `cosign` verifier (reference §3.2): the referrer is a cosign signature manifest (the
 * `sha256-<hex>.sig` tag or an OCI 1.1 referrer) whose layers are signatures: simple-signing
 * payloads with annotations, DSSE attestations, or Sigstore bundles. Each is verified with every
 * key of the selected trust policy (or keyless against its identity); any valid one succeeds.
 */
export class CosignVerifier extends BaseVerifier implements Verifier {
  constructor(
    common: ReturnType<typeof commonConfig>,
    private readonly o: CosignVerifierOptions,
  ) {
    super(common);
  }

  verify(input: VerifyInput, ctx: Context): Promise<VerifierResult> {
    return this.o.config.legacy ? this.verifyLegacy(input, ctx) : this.verifyWithPolicies(input, ctx);
  }

  private async verifyWithPolicies(input: VerifyInput, ctx: Context): Promise<VerifierResult> {
    const { subject } = input;
    const trace: CheckTrace[] = [];
    let policy: PreparedPolicy;
    try {
      policy = selectPolicy(this.o.policies, subject.original);
    } catch (e) {
      trace.push({ check: 'trust-policy', ok: false, detail: (e as Error).message });
      return errorResult(e, trace);
    }
    trace.push({ check: 'trust-policy', ok: true, detail: `${policy.name} (scopes ${policy.scopes.join(', ')}) for ${subject.original}` });

    const tp = policy.config;
    let keys: ResolvedKey[] = [];
    if (tp.keys.length > 0) {
      try {
        keys = await resolveKeys(tp, policy.fileKeys, this.o.keyProviders, ctx);
        if (keys.length === 0) throw new RatifyError('CONFIG_INVALID', `Invalid trust policy [${tp.name}]: no public keys found`);
      } catch (e) {
        if (isTransient(e, ctx)) throw e;
        trace.push({ check: 'keys', ok: false, detail: (e as Error).message });
        return errorResult(e, trace);
      }
      trace.push({ check: 'keys', ok: true, detail: keys.map((k) => [k.info.provider, k.info.name, k.info.version].filter(Boolean).join(':')).join(', ') });
    } else {
      trace.push({ check: 'keys', ok: true, detail: `keyless: ${tp.keyless!.describe}; tlog ${tp.tLogVerify ? 'verified' : 'ignored'}, SCT ${tp.keyless!.ctLogVerify ? 'verified' : 'ignored'}` });
    }

    const manifest = await this.fetchSignatureManifest(input, ctx, trace, (e) =>
      new RatifyError('VERIFY_PLUGIN_FAILURE', `Failed to get artifact metadata for ${input.referrer.digest}`, { cause: e }),
    );
    if ('isSuccess' in manifest) return manifest;
    if (manifest.mediaType !== MediaType.OciManifest) {
      trace.push({ check: 'manifest', ok: false, detail: `media type ${JSON.stringify(manifest.mediaType)}` });
      return errorResult(new RatifyError('VERIFY_PLUGIN_FAILURE', 'The artifact metadata is not an OCI image'), trace);
    }

    const modes: CheckMode[] = keys.length
      ? keys.map((key) => ({ key, tlog: tp.tLogVerify, ctlog: false }))
      : [{ identity: tp.keyless!.identity, tlog: tp.tLogVerify, ctlog: tp.keyless!.ctLogVerify }];
    const env = this.env(input, ctx, policy.trust);
    const signatures: SignatureRecord[] = [];
    let valid = false;
    const budget = { checks: 0 };
    for (const blob of signatureLayers(manifest, trace)) {
      const layer = await this.readSignatureLayer(input, manifest, blob, ctx, trace);
      if (layer instanceof Error && !(layer instanceof SigstoreVerifyError)) {
        return errorResult(new RatifyError('GET_BLOB_CONTENT_FAILURE', `Failed to get Cosign signature with digest ${blob.digest}`, { cause: layer }), trace);
      }
      throwIfAborted(ctx, 'cosign verification');
      const entry: SignatureRecord = { signature: blob.annotations?.[Annotation.signature] ?? (layer instanceof Error ? '' : layer.signatureBase64), verifications: [] };
      for (const mode of modes) {
        const v = await checkWithin(budget, layer, mode, env);
        const key = mode.key?.info ?? {};
        entry.verifications.push(
          v.ok
            ? record({ ok: true, bundleVerified: v.bundleVerified, key, summary: summaryFor(v.bundleVerified, mode.key !== undefined, true) })
            : record({ ok: false, bundleVerified: false, error: v.error, key }),
        );
        trace.push({ check: 'signature', ok: v.ok, detail: `${blob.digest}${mode.key ? ` with key ${mode.key.info.name ?? ''}` : ''}: ${v.ok ? signerDetail(v) : v.error}` });
        valid ||= v.ok;
      }
      signatures.push(entry);
    }
    const ext = extensions(signatures, tp.name);
    if (valid) return { isSuccess: true, message: Messages.success, extensions: ext, trace };
    return errorResult(new Error(Messages.noValidSignatures), trace, ext);
  }

  private async verifyLegacy(input: VerifyInput, ctx: Context): Promise<VerifierResult> {
    const trace: CheckTrace[] = [];
    const setup = this.o.legacy!;
    const rekor = this.o.config.rekorURL !== undefined;
    if (setup.key instanceof Error) {
      trace.push({ check: 'keys', ok: false, detail: setup.key.message });
      return errorResult(new Error(`failed to load public key: ${setup.key.message}`), trace);
    }
    const mode: CheckMode = setup.key ? { key: setup.key, tlog: rekor, ctlog: false } : { tlog: rekor, ctlog: rekor };
    trace.push({ check: 'keys', ok: true, detail: `${setup.key ? `key ${this.o.config.key}` : `keyless (any certificate from ${setup.trust.source})`}; tlog and SCT ${rekor ? 'verified' : 'ignored'}` });

    const manifest = await this.fetchSignatureManifest(input, ctx, trace, (e) => new Error(`failed to get reference manifest: ${(e as Error).message}`));
    if ('isSuccess' in manifest) return manifest;
    if (manifest.mediaType !== MediaType.OciManifest) return errorResult(new Error('reference manifest is not an image'), trace);

    const env = this.env(input, ctx, setup.trust);
    const records: VerificationRecord[] = [];
    let valid = false;
    const budget = { checks: 0 };
    for (const blob of signatureLayers(manifest, trace)) {
      const layer = await this.readSignatureLayer(input, manifest, blob, ctx, trace);
      if (layer instanceof Error && !(layer instanceof SigstoreVerifyError)) return errorResult(new Error(`failed to get blob content: ${layer.message}`), trace);
      throwIfAborted(ctx, 'cosign verification');
      const v = await checkWithin(budget, layer, mode, env);
      records.push(v.ok ? record({ signatureDigest: blob.digest, ok: true, bundleVerified: v.bundleVerified }) : record({ signatureDigest: blob.digest, ok: false, bundleVerified: false, error: v.error }));
      trace.push({ check: 'signature', ok: v.ok, detail: `${blob.digest}: ${v.ok ? signerDetail(v) : v.error}` });
      valid ||= v.ok;
    }
    const ext = legacyExtensions(records);
    if (valid) return { isSuccess: true, message: Messages.legacySuccess, extensions: ext, trace };
    return errorResult(new Error(Messages.legacyNoValidSignatures), trace, ext);
  }

  private env(input: VerifyInput, ctx: Context, trust: LoadedTrustedRoot): CheckEnv {
    let manifestBytes: Promise<Buffer> | undefined;
    return {
      trust: trust.material,
      subjectDigest: input.subjectDescriptor.digest,
      predicateTypes: this.o.config.predicateTypes,
      now: this.o.clock(),
      subjectManifest: () => (manifestBytes ??= input.store.fetchManifestBytes(input.subject, input.subjectDescriptor, ctx).then((b) => Buffer.from(b))),
      isTransient: (e) => isTransient(e, ctx),
    };
  }

  /** The referrer's manifest, or the failure result Ratify gives when it cannot be read. */
  private async fetchSignatureManifest(input: VerifyInput, ctx: Context, trace: CheckTrace[], wrap: (e: unknown) => Error): Promise<ReferenceManifest | VerifierResult> {
    try {
      const m = await input.store.fetchManifest(input.subject, input.referrer, ctx);
      trace.push({ check: 'manifest', ok: true, detail: `${m.blobs.length} layer(s), media type ${m.mediaType || '(none)'}` });
      return m;
    } catch (e) {
      if (isTransient(e, ctx)) throw e;
      trace.push({ check: 'manifest', ok: false, detail: (e as Error).message });
      return errorResult(wrap(e), trace);
    }
  }

  /**
   * Fetches and decodes one layer. A malformed layer is a SigstoreVerifyError (that signature
   * fails, others still count); a layer that cannot be fetched is another Error (Ratify fails the
   * whole referrer); a transient failure is thrown.
   */
  private async readSignatureLayer(input: VerifyInput, manifest: ReferenceManifest, blob: Descriptor, ctx: Context, trace: CheckTrace[]): Promise<SignatureLayer | Error> {
    const max = this.o.config.maxBlobBytes;
    if (blob.size > max) {
      trace.push({ check: 'layer', ok: false, detail: `${blob.digest}: ${blob.size} bytes, over the limit of ${max}` });
      return new SigstoreVerifyError('INPUT_ERROR', `the signature layer is ${blob.size} bytes, over the limit of ${max} ("maxBlobBytes")`);
    }
    let bytes: Uint8Array;
    try {
      bytes = await input.store.fetchBlob(input.subject, blob, ctx);
    } catch (e) {
      if (isTransient(e, ctx)) throw e;
      trace.push({ check: 'layer', ok: false, detail: `${blob.digest}: ${(e as Error).message}` });
      return e instanceof Error ? e : new Error(String(e));
    }
    try {
      return readLayer(layerKind(blob, manifest.artifactType), blob, bytes, max);
    } catch (e) {
      const err = e instanceof SigstoreVerifyError ? e : new SigstoreVerifyError('INPUT_ERROR', (e as Error).message);
      trace.push({ check: 'layer', ok: false, detail: `${blob.digest}: ${err.message}` });
      return err;
    }
  }
}

type Outcome = { ok: true; bundleVerified: boolean; outcome: VerifyOutcome } | { ok: false; error: string };

/** One check, unless the layer could not be read or the referrer's check budget is spent. */
async function checkWithin(budget: { checks: number }, layer: SignatureLayer | SigstoreVerifyError, mode: CheckMode, env: CheckEnv): Promise<Outcome> {
  if (layer instanceof SigstoreVerifyError) return { ok: false, error: `${layer.code}: ${layer.message}` };
  if (++budget.checks > MAX_CHECKS_PER_REFERRER) {
    return { ok: false, error: `not verified: more than ${MAX_CHECKS_PER_REFERRER} signature and key combinations in one referrer` };
  }
  return checkSignature(layer, mode, env);
}

function signatureLayers(manifest: ReferenceManifest, trace: CheckTrace[]): Descriptor[] {
  if (manifest.blobs.length > MAX_SIGNATURE_LAYERS) {
    trace.push({ check: 'layers', ok: false, detail: `${manifest.blobs.length} layers; only the first ${MAX_SIGNATURE_LAYERS} are verified` });
  }
  return manifest.blobs.slice(0, MAX_SIGNATURE_LAYERS);
}

function signerDetail(v: { bundleVerified: boolean; outcome: VerifyOutcome }): string {
  const who = v.outcome.identity ? `signed by ${v.outcome.identity.sans.join(' ') || '(no SAN)'} via ${v.outcome.identity.issuer ?? '(no issuer)'}` : 'signed by the key';
  return `${who}; tlog ${v.bundleVerified ? 'verified' : 'not used'}; ${v.outcome.signedTimestamps} RFC 3161 timestamp(s)`;
}

export interface CosignFactoryOptions {
  /** Key management providers (`provider` keys); default: none configured. */
  keyProviders?: KeyProviderLookup;
  /** The current time (tests); default the system clock. */
  clock?: () => Date;
}

async function trustedRoot(path: string | undefined, cache: Map<string, Promise<LoadedTrustedRoot>>): Promise<LoadedTrustedRoot> {
  if (path === undefined) return publicGoodTrustedRoot();
  let p = cache.get(path);
  if (!p) cache.set(path, (p = loadTrustedRootFile(path)));
  return p;
}

export async function createCosignVerifier(entry: Record<string, unknown>, deps: Pick<VerifierDeps, 'rt' | 'baseDir'>, opts: CosignFactoryOptions = {}): Promise<CosignVerifier> {
  const common = commonConfig(entry, { requireArtifactTypes: true, where: 'cosign verifier' });
  const config = parseCosignConfig(entry, { home: deps.rt.home, ...(deps.baseDir ? { baseDir: deps.baseDir } : {}) });
  // Ratify names nested references `nestedArtifactTypes` for cosign.
  const nested = [...new Set([...common.nestedReferences, ...config.nestedArtifactTypes])];
  const roots = new Map<string, Promise<LoadedTrustedRoot>>();
  const policies: PreparedPolicy[] = [];
  for (const tp of config.trustPolicies) {
    policies.push({
      config: tp,
      name: tp.name,
      scopes: tp.scopes,
      fileKeys: await loadFileKeys(tp),
      trust: await trustedRoot(tp.trustedRootPath ?? config.trustedRootPath, roots),
    });
  }
  if (!config.legacy) validateScopes(policies);
  let legacy: LegacySetup | undefined;
  if (config.legacy) {
    legacy = { trust: await trustedRoot(config.trustedRootPath, roots) };
    if (config.keyPath !== undefined) {
      try {
        legacy.key = { info: {}, key: await readPublicKeyFile(config.keyPath) };
      } catch (e) {
        legacy.key = e instanceof Error ? e : new Error(String(e));
      }
    }
  }
  return new CosignVerifier(
    { ...common, nestedReferences: nested },
    { config, policies, ...(legacy ? { legacy } : {}), keyProviders: opts.keyProviders ?? noKeyProviders, clock: opts.clock ?? (() => new Date()) },
  );
}

/** The `cosign` verifier factory; inject key management providers and a clock when needed. */
export function cosignVerifierFactory(opts: CosignFactoryOptions = {}): VerifierFactory {
  return {
    type: 'cosign',
    create(entry: Record<string, unknown>, deps: VerifierDeps): Promise<Verifier> {
      return createCosignVerifier(entry, deps, opts);
    },
  };
}
