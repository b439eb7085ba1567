import type { Context } from '../context.js';
import type { RuntimeEnv } from '../config/load.js';
import { RatifyError, type ErrorCode } from '../errors.js';
import { parseDescriptor, type Descriptor, type ReferenceDescriptor, type ReferenceManifest } from '../oci/descriptor.js';
import { verifyDigest } from '../oci/digest.js';
import { MAX_LIST_ENTRIES } from '../oci/manifest.js';
import type { Logger } from '../observability/logger.js';
import { DEFAULT_PLUGIN_VERSION, StoreCommand, StoreEnv, formatStoreArgs, type StoreCommandName } from '../plugin/protocol.js';
import type { Reference } from '../reference/reference.js';
import { DEFAULT_LIMITS, matchesArtifactTypes, type ContentLimits, type ListReferrersOptions, type ReferrerStore } from '../stores/types.js';
import { PluginRunError, isDeadline, runPlugin, type PluginRun } from './exec.js';
import { describeErrorJSON, findErrorJSON, parsePluginOutput, quote, ratifyExecFailureText } from './output.js';
import { checkPluginName, findInPaths, storePluginDirs } from './paths.js';

/** Most bytes of JSON output accepted from a store plugin command. */
export const DEFAULT_STORE_JSON_LIMIT = 8 * 1024 * 1024;
const STDERR_LIMIT = 4 * 1024 * 1024;
const MAX_PAGES = 100;

export interface ExecStoreOptions {
  /** Store name from config. */
  name: string;
  path: string;
  /** The raw store entry: sent on stdin and handed to verifier plugins as storeConfig.store. */
  rawConfig: Record<string, unknown>;
  /** RATIFY_STORE_VERSION. */
  version: string;
  env: NodeJS.ProcessEnv;
  limits?: ContentLimits;
  busyRetries?: number;
  busyDelayMs?: number;
}

const FAILURE_CODE: Record<StoreCommandName, ErrorCode> = {
  LISTREFERRERS: 'LIST_REFERRERS_FAILURE',
  GETBLOB: 'GET_BLOB_CONTENT_FAILURE',
  GETREFMANIFEST: 'GET_REFERRER_MANIFEST_FAILURE',
  GETSUBJECTDESCRIPTOR: 'GET_SUBJECT_DESCRIPTOR_FAILURE',
};

/**
 * A Ratify v1 referrer store plugin (reference §1.6): one process per call with
 * RATIFY_STORE_COMMAND/SUBJECT/VERSION/ARGS and the raw store config on stdin. JSON answers
 * go through Ratify's line filter; GETBLOB output is taken as raw bytes (unlike Ratify, which
 * filters it too) and digest-checked, like everything a store returns.
 */
export class ExecStore implements ReferrerStore {
  readonly name: string;
  readonly config: Record<string, unknown>;
  private readonly limits: ContentLimits;

  constructor(private readonly o: ExecStoreOptions) {
    this.name = o.name;
    this.config = o.rawConfig;
    this.limits = o.limits ?? DEFAULT_LIMITS;
  }

  get path(): string {
    return this.o.path;
  }

  private async call(command: StoreCommandName, ref: Reference, args: Array<[string, string]> | undefined, ctx: Context, maxStdout: number): Promise<PluginRun> {
    const env: NodeJS.ProcessEnv = {
      ...this.o.env,
      [StoreEnv.command]: command,
      [StoreEnv.subject]: ref.original,
      [StoreEnv.version]: this.o.version,
      [StoreEnv.args]: args ? formatStoreArgs(args) : '',
    };
    const what = `store plugin ${JSON.stringify(this.name)} ${command}`;
    let run: PluginRun;
    try {
      run = await runPlugin({
        path: this.o.path,
        env,
        stdin: Buffer.from(JSON.stringify(this.o.rawConfig)),
        ctx,
        maxStdoutBytes: maxStdout,
        maxStderrBytes: STDERR_LIMIT,
        what,
        ...(this.o.busyRetries !== undefined ? { busyRetries: this.o.busyRetries } : {}),
        ...(this.o.busyDelayMs !== undefined ? { busyDelayMs: this.o.busyDelayMs } : {}),
      });
    } catch (e) {
      if (isDeadline(e)) throw e;
      if (e instanceof PluginRunError) throw this.failure(command, e.message);
      throw e;
    }
    if (run.exitCode !== 0) {
      parsePluginOutput(Buffer.alloc(0), run.stderr, ctx.log, this.name);
      const ej = findErrorJSON(run.stdout, run.stderr);
      throw this.failure(command, ej ? `${describeErrorJSON(ej)} (exit status ${run.exitCode ?? run.signal})` : ratifyExecFailureText(run));
    }
    return run;
  }

  /** Runs a JSON command and returns its single JSON value (Ratify's output filter). */
  private async json(command: StoreCommandName, ref: Reference, args: Array<[string, string]> | undefined, ctx: Context): Promise<unknown> {
    const run = await this.call(command, ref, args, ctx, DEFAULT_STORE_JSON_LIMIT);
    const parsed = parsePluginOutput(run.stdout, run.stderr, ctx.log, this.name);
    if (parsed.values.length !== 1) {
      throw this.failure(
        command,
        parsed.values.length === 0
          ? `plugin printed no JSON result (stdout: '${quote(run.stdout, 256)}')`
          : `plugin printed ${parsed.values.length} JSON values; the protocol allows exactly one result line`,
      );
    }
    return parsed.values[0];
  }

  async resolve(ref: Reference, ctx: Context): Promise<Descriptor> {
    const v = await this.json(StoreCommand.getSubjectDescriptor, ref, undefined, ctx);
    try {
      return parseDescriptor(v, `${this.name} GETSUBJECTDESCRIPTOR output`);
    } catch (e) {
      throw this.failure(StoreCommand.getSubjectDescriptor, (e as RatifyError).message);
    }
  }

  async *listReferrers(ref: Reference, _subject: Descriptor, ctx: Context, opts: ListReferrersOptions = {}): AsyncIterable<ReferenceDescriptor> {
    let nextToken = '';
    let total = 0;
    const types = (opts.artifactTypes ?? []).filter((t) => t !== '*' && t !== '');
    for (let page = 0; ; page++) {
      if (page >= MAX_PAGES) throw this.failure(StoreCommand.listReferrers, `more than ${MAX_PAGES} pages`);
      const v = await this.json(StoreCommand.listReferrers, ref, [['nextToken', nextToken], ['artifactTypes', types.join(',')]], ctx);
      const o = v as { referrers?: unknown; nextToken?: unknown };
      if (!o || typeof o !== 'object' || (o.referrers !== undefined && o.referrers !== null && !Array.isArray(o.referrers))) {
        throw this.failure(StoreCommand.listReferrers, 'output is not {"referrers": [...], "nextToken": "..."}');
      }
      const list = (o.referrers ?? []) as unknown[];
      total += list.length;
      if (total > this.limits.referrersPerSubject) throw this.failure(StoreCommand.listReferrers, `more than ${this.limits.referrersPerSubject} referrers`);
      const descs = list.map((d, i) => {
        try {
          return parseDescriptor(d, `${this.name} LISTREFERRERS referrers[${i}]`);
        } catch (e) {
          throw this.failure(StoreCommand.listReferrers, (e as RatifyError).message);
        }
      });
      // The plugin may ignore the filter (Ratify's oras store does): apply it here.
      for (const d of descs) if (matchesArtifactTypes(d, opts.artifactTypes)) yield d;
      nextToken = typeof o.nextToken === 'string' ? o.nextToken : '';
      if (!nextToken) return;
    }
  }

  async fetchManifest(ref: Reference, desc: Descriptor, ctx: Context): Promise<ReferenceManifest> {
    const v = await this.json(StoreCommand.getReferenceManifest, ref, [['digest', desc.digest]], ctx);
    return this.referenceManifest(v);
  }

  /** No protocol command returns raw manifests; GETBLOB by the manifest digest works with stores that serve manifests as blobs. */
  async fetchManifestBytes(ref: Reference, desc: Descriptor, ctx: Context): Promise<Uint8Array> {
    try {
      return await this.blob(ref, desc.digest, desc.size, this.limits.manifestBytes, ctx);
    } catch (e) {
      if (isDeadline(e)) throw e;
      throw new RatifyError('GET_REFERRER_MANIFEST_FAILURE', `store plugin ${this.name} cannot return the raw manifest ${desc.digest}`, {
        cause: e,
        remediation: "Ratify's store plugin protocol has no raw-manifest command; this works only with plugins that serve manifests through GETBLOB",
      });
    }
  }

  fetchBlob(ref: Reference, desc: Pick<Descriptor, 'digest'> & Partial<Descriptor>, ctx: Context): Promise<Uint8Array> {
    return this.blob(ref, desc.digest, desc.size, this.limits.blobBytes, ctx);
  }

  private async blob(ref: Reference, digest: string, size: number | undefined, limit: number, ctx: Context): Promise<Uint8Array> {
    if (size !== undefined && size > limit) throw this.failure(StoreCommand.getBlob, `blob ${digest} is ${size} bytes (limit ${limit})`);
    const run = await this.call(StoreCommand.getBlob, ref, [['digest', digest]], ctx, size !== undefined && size >= 0 ? size : limit);
    parsePluginOutput(Buffer.alloc(0), run.stderr, ctx.log, this.name);
    verifyDigest(run.stdout, digest, `blob ${digest} from store plugin ${this.name}`);
    return run.stdout;
  }

  private referenceManifest(v: unknown): ReferenceManifest {
    const bad = (why: string) => this.failure(StoreCommand.getReferenceManifest, `output is not a ReferenceManifest: ${why}`);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad('not an object');
    const o = v as Record<string, unknown>;
    if (typeof o.mediaType !== 'string') throw bad('mediaType missing');
    if (o.blobs !== undefined && o.blobs !== null && !Array.isArray(o.blobs)) throw bad('blobs must be an array');
    const blobsIn = (o.blobs ?? []) as unknown[];
    if (blobsIn.length > MAX_LIST_ENTRIES) throw bad(`${blobsIn.length} blobs`);
    try {
      const m: ReferenceManifest = { mediaType: o.mediaType, blobs: blobsIn.map((b, i) => parseDescriptor(b, `blobs[${i}]`)) };
      if (typeof o.artifactType === 'string' && o.artifactType) m.artifactType = o.artifactType;
      if (o.subject !== undefined && o.subject !== null) m.subject = parseDescriptor(o.subject, 'subject');
      if (o.annotations !== undefined && o.annotations !== null) {
        const a = o.annotations as Record<string, unknown>;
        if (typeof a !== 'object' || Array.isArray(a) || !Object.values(a).every((x) => typeof x === 'string')) throw bad('annotations must map strings to strings');
        m.annotations = a as Record<string, string>;
      }
      return m;
    } catch (e) {
      if (e instanceof RatifyError && e.code === FAILURE_CODE.GETREFMANIFEST) throw e;
      throw bad((e as Error).message);
    }
  }

  private failure(command: StoreCommandName, reason: string): RatifyError {
    return new RatifyError(FAILURE_CODE[command], `store plugin ${this.name} ${command} failed`, {
      cause: new Error(reason),
      remediation: `Run the plugin by hand: ${StoreEnv.command}=${command} ${StoreEnv.subject}=<subject> ${StoreEnv.version}=${this.o.version} ${StoreEnv.args}=<k=v;...> ${this.o.path} < store.json`,
      component: 'referrerStore',
      plugin: this.name,
    });
  }
}

export interface ExecStoreDeps {
  rt: RuntimeEnv;
  log: Logger;
  baseDir?: string;
  /** The store section's version and pluginBinDirs. */
  section?: { version?: string | undefined; pluginBinDirs?: string[] | null | undefined };
  limits?: ContentLimits;
}

/** Finds (after an optional dynamic download) and wraps the store plugin named by the entry's type/name. */
export async function createExecStore(entry: Record<string, unknown>, type: string, where: string, deps: ExecStoreDeps): Promise<ExecStore> {
  checkPluginName(type, where);
  const dirs = storePluginDirs(deps.section?.pluginBinDirs, deps.rt, deps.baseDir);
  if (entry.source !== undefined && entry.source !== null) {
    // Loaded only when needed: the registry client is not free to import.
    const { provisionDynamicPlugin } = await import('./dynamic.js');
    await provisionDynamicPlugin(entry, type, dirs[0]!, where, { rt: deps.rt, log: deps.log, ...(deps.baseDir ? { baseDir: deps.baseDir } : {}) });
  }
  const path = await findInPaths(type, dirs);
  if (!path) {
    throw new RatifyError('PLUGIN_NOT_FOUND', `${where}: store ${JSON.stringify(type)} is not built in and no plugin executable ${JSON.stringify(type)} was found in ${dirs.join(', ')}`, {
      remediation: `Built-in stores are "oras" and "oci-layout". Install the plugin as ${dirs[0]}/${type} (chmod 700), set store.pluginBinDirs, or give "module" for an in-process store`,
    });
  }
  const version = typeof entry.version === 'string' && entry.version ? entry.version : deps.section?.version || DEFAULT_PLUGIN_VERSION;
  return new ExecStore({
    name: String(entry.name),
    path,
    rawConfig: entry,
    version,
    env: deps.rt.env,
    ...(deps.limits ? { limits: deps.limits } : {}),
  });
}
