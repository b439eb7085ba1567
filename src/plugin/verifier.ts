import type { Context } from '../context.js';
import { RatifyError } from '../errors.js';
import { parseDescriptor, type ReferenceDescriptor, type ReferenceManifest } from '../oci/descriptor.js';
import type { Reference } from '../reference/reference.js';
import type { ReferrerStore } from '../stores/types.js';
import { commonConfig } from '../verifiers/base.js';
import type { Verifier, VerifierDeps, VerifierFactory, VerifierResult, VerifyInput } from '../verifiers/types.js';
import { pluginContext } from './context.js';
import { checkVersion, parseVerifierEnv } from './env.js';
import { PluginError, asPluginError } from './errors.js';
import { parseJSONObject, processIO, readAll, type PluginIO } from './io.js';
import { createPluginLogger, type PluginLogger } from './log.js';
import {
  DEFAULT_PLUGIN_VERSION,
  PluginErrorCode,
  VERIFY_COMMAND,
  VerifierEnv,
  type PluginStoreConfig,
  type PluginVerifierResultJSON,
} from './protocol.js';
import { lazyStore, openStore } from './store-access.js';
import { parseSubject } from './subject.js';

/** The verifier entry from config.json, as the host sent it (all keys, `name` guaranteed). */
export type VerifierPluginConfig = Record<string, unknown> & { name: string; type?: string };

/** Everything a verifier plugin gets for one referrer. */
export interface VerifyRequest {
  /** The raw verifier entry: name, type, artifactTypes and the plugin's own keys. */
  config: VerifierPluginConfig;
  /** The referrer to verify (its artifactType, digest, size, annotations). */
  referenceDesc: ReferenceDescriptor;
  /** The subject as the host sent it (RATIFY_VERIFIER_SUBJECT; the tag form when verified by tag). */
  subject: string;
  subjectReference: Reference;
  /** RATIFY_VERIFIER_VERSION, already checked against `supportedVersions`. */
  version: string;
  /** Ratify's storeConfig: the store section's version and dirs and the raw store entry. */
  storeConfig: PluginStoreConfig;
  /**
   * The store the referrer was found in. Exec plugins get the store rebuilt from storeConfig
   * (opened on first use: the registry through the built-in `oras` store, or the OCI layout);
   * in-process plugins get the host's store itself.
   */
  store: ReferrerStore;
  /** The referrer's manifest from `store` (fetched once). */
  manifest(): Promise<ReferenceManifest>;
  /** A blob of the referrer (e.g. `(await req.manifest()).blobs[0]`), digest-verified. */
  blob(desc: ReferenceDescriptor): Promise<Uint8Array>;
  ctx: Context;
  /** `INFO: ` / `WARN: ` / `DEBUG: ` lines on stderr (exec) or the host's logger (in-process). */
  log: PluginLogger;
  /** How the plugin is running. */
  mode: 'exec' | 'in-process';
}

/** What a verifier plugin returns. `errorReason` and `remediation` are kept by ratify-ts. */
export interface PluginVerifierResult {
  isSuccess: boolean;
  message?: string;
  errorReason?: string;
  remediation?: string;
  extensions?: unknown;
}

export interface VerifierPluginDefinition {
  /** The plugin's name: its executable's file name and the config `type` that selects it. */
  name: string;
  /** RATIFY_VERIFIER_VERSION values accepted (exact match; anything else ⇒ code 6). */
  supportedVersions: readonly string[];
  /**
   * Verify one referrer. Return isSuccess=false for a "no"; throw (PluginError for a specific
   * code) when the check could not be carried out.
   */
  verify(req: VerifyRequest): Promise<PluginVerifierResult> | PluginVerifierResult;
}

/**
 * A verifier plugin usable both ways: `main()`/`run()` speak Ratify's exec protocol (one
 * process per referrer), and `create()` makes it a VerifierFactory, so the same file can be
 * named as `"module"` in config.json and run in-process.
 */
export interface VerifierPlugin extends VerifierFactory {
  readonly definition: VerifierPluginDefinition;
  /** Runs the exec protocol once and resolves with the exit status (0 or 1). */
  main(io?: PluginIO): Promise<number>;
  /** `main()` with the process's stdio, then exits with its status. */
  run(): Promise<never>;
}

export function defineVerifierPlugin(def: VerifierPluginDefinition): VerifierPlugin {
  return {
    definition: def,
    type: def.name,
    main: (io) => runVerifierMain(def, io ?? processIO()),
    async run(): Promise<never> {
      const code = await runVerifierMain(def, processIO());
      process.exit(code);
    },
    create: (entry, deps) => createInProcess(def, entry, deps),
  };
}

/** `defineVerifierPlugin(def).run()`: for a file that is only ever an exec plugin. */
export function runVerifierPlugin(def: VerifierPluginDefinition): Promise<never> {
  return defineVerifierPlugin(def).run();
}

function toResultJSON(r: PluginVerifierResult, config: VerifierPluginConfig): PluginVerifierResultJSON {
  if (!r || typeof r.isSuccess !== 'boolean') throw new PluginError(PluginErrorCode.InternalFailure, 'verify returned no boolean isSuccess');
  const out: PluginVerifierResultJSON = {
    isSuccess: r.isSuccess,
    message: r.message ?? '',
    name: config.name,
    type: typeof config.type === 'string' && config.type ? config.type : config.name,
  };
  if (r.errorReason) out.errorReason = r.errorReason;
  if (r.remediation) out.remediation = r.remediation;
  if (r.extensions !== undefined) out.extensions = r.extensions;
  return out;
}

function memo<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
}

async function runVerifierMain(def: VerifierPluginDefinition, io: PluginIO): Promise<number> {
  const log = createPluginLogger(io.stderr);
  let store: ReferrerStore | undefined;
  try {
    const env = parseVerifierEnv(io.env);
    const stdin = await readAll(io.stdin);
    checkVersion(env.version, def.supportedVersions);
    if (env.command !== VERIFY_COMMAND) {
      throw new PluginError(PluginErrorCode.UnknownCommand, `unknown ${VerifierEnv.command}: ${env.command}`);
    }
    const input = parseJSONObject(stdin, 'stdin for the input');
    const config = input.config as VerifierPluginConfig | undefined;
    if (!config || typeof config !== 'object' || Array.isArray(config)) {
      throw new PluginError(PluginErrorCode.ConfigParsingFailure, 'failed to parse stdin for the input', 'config is missing');
    }
    if (typeof config.name !== 'string' || !config.name) {
      throw new PluginError(PluginErrorCode.InvalidConfig, 'invalid verifier config: name is required');
    }
    let referenceDesc: ReferenceDescriptor;
    try {
      referenceDesc = parseDescriptor(input.referenceDesc, 'referenceDesc');
    } catch (e) {
      throw new PluginError(PluginErrorCode.ConfigParsingFailure, 'failed to parse stdin for the input', (e as RatifyError).message);
    }
    const storeConfig = (input.storeConfig ?? {}) as PluginStoreConfig;
    const level = (io.env.RATIFY_LOG_LEVEL ?? 'info').toLowerCase();
    const ctx: Context = pluginContext(io.stderr, level);
    const subjectReference = parseSubject(env.subject);
    const storeEntry = (storeConfig.store ?? {}) as Record<string, unknown>;
    store = lazyStore(storeEntry, () => openStore(storeConfig, { env: io.env as NodeJS.ProcessEnv, log: ctx.log }));
    const s = store;
    const req: VerifyRequest = {
      config,
      referenceDesc,
      subject: env.subject,
      subjectReference,
      version: env.version,
      storeConfig,
      store: s,
      manifest: memo(() => s.fetchManifest(subjectReference, referenceDesc, ctx)),
      blob: (d) => s.fetchBlob(subjectReference, d, ctx),
      ctx,
      log,
      mode: 'exec',
    };
    let result: PluginVerifierResult;
    try {
      result = await def.verify(req);
    } catch (e) {
      throw asPluginError(e, VERIFY_COMMAND);
    }
    const line = JSON.stringify(toResultJSON(result, config)) + '\n';
    try {
      await io.stdout(line);
    } catch (e) {
      throw new PluginError(PluginErrorCode.IOFailure, 'failed to write plugin output', (e as Error).message);
    }
    return 0;
  } catch (e) {
    const err = e instanceof PluginError ? e : new PluginError(PluginErrorCode.InternalFailure, 'internal plugin failure', (e as Error)?.message ?? String(e));
    await io.stdout(err.render()).catch(() => undefined);
    return 1;
  } finally {
    await store?.close?.().catch(() => undefined);
  }
}

/** A PluginLogger over the host's pino logger (in-process plugins). */
function hostLogger(ctx: Context, plugin: string): PluginLogger {
  return {
    info: (m) => ctx.log.info({ plugin }, `[Plugin] ${m}`),
    warn: (m) => ctx.log.warn({ plugin }, `[Plugin] ${m}`),
    debug: (m) => ctx.log.debug({ plugin }, `[Plugin] ${m}`),
  };
}

/** Extra deps the host passes to plugin factories (see src/plugins). */
interface StoreSectionDeps {
  storeSection?: { version?: string; pluginBinDirs?: string[] | null };
}

async function createInProcess(def: VerifierPluginDefinition, entry: Record<string, unknown>, deps: VerifierDeps): Promise<Verifier> {
  const c = commonConfig(entry, { requireArtifactTypes: false, where: 'verifier' });
  const version = typeof entry.version === 'string' && entry.version ? entry.version : deps.sectionVersion || DEFAULT_PLUGIN_VERSION;
  if (!def.supportedVersions.includes(version)) {
    throw new RatifyError('PLUGIN_INIT_FAILURE', `plugin ${def.name} doesn't support version ${version}`, {
      remediation: `Set "version" on the verifier entry (or verifier.version) to one of: ${def.supportedVersions.join(', ')}`,
    });
  }
  const section = (deps as VerifierDeps & StoreSectionDeps).storeSection;
  const config = entry as VerifierPluginConfig;
  return {
    name: c.name,
    type: c.type,
    artifactTypes: c.artifactTypes,
    nestedReferences: c.nestedReferences,
    canVerify: (d) => c.artifactTypes.some((t) => t === '*' || t === d.artifactType),
    async verify(input: VerifyInput, ctx: Context): Promise<VerifierResult> {
      const storeConfig: PluginStoreConfig = {
        version: section?.version || DEFAULT_PLUGIN_VERSION,
        pluginBinDirs: section?.pluginBinDirs ?? null,
        store: input.store.config,
      };
      const req: VerifyRequest = {
        config,
        referenceDesc: input.referrer,
        subject: input.subject.original,
        subjectReference: input.subject,
        version,
        storeConfig,
        store: input.store,
        manifest: memo(() => input.store.fetchManifest(input.subject, input.referrer, ctx)),
        blob: (d) => input.store.fetchBlob(input.subject, d, ctx),
        ctx,
        log: hostLogger(ctx, c.name),
        mode: 'in-process',
      };
      let r: PluginVerifierResult;
      try {
        r = await def.verify(req);
      } catch (e) {
        if (e instanceof PluginError) {
          throw new RatifyError('VERIFY_PLUGIN_FAILURE', `plugin ${def.name}: ${e.message}`, { ...(e.details ? { cause: new Error(e.details) } : {}), plugin: def.name, component: 'verifier' });
        }
        throw e;
      }
      if (!r || typeof r.isSuccess !== 'boolean') {
        throw new RatifyError('VERIFY_PLUGIN_FAILURE', `plugin ${def.name} returned no boolean isSuccess`, { plugin: def.name });
      }
      const out: VerifierResult = { isSuccess: r.isSuccess, message: r.message ?? '' };
      if (r.errorReason) out.errorReason = r.errorReason;
      if (r.remediation) out.remediation = r.remediation;
      if (r.extensions !== undefined) out.extensions = r.extensions;
      return out;
    },
  };
}
