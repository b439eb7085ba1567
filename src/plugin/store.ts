import type { Context } from '../context.js';
import { descriptorJSON, type Descriptor, type ReferenceDescriptor, type ReferenceManifest } from '../oci/descriptor.js';
import { isDigest } from '../oci/digest.js';
import { referenceManifestJSON } from '../oci/manifest.js';
import type { Reference } from '../reference/reference.js';
import { collect, type ReferrerStore } from '../stores/types.js';
import { pluginContext } from './context.js';
import { checkVersion, parseStoreEnv } from './env.js';
import { PluginError, asPluginError } from './errors.js';
import { parseJSONObject, processIO, readAll, type PluginIO } from './io.js';
import { createPluginLogger, type PluginLogger } from './log.js';
import { PluginErrorCode, StoreCommand, StoreEnv } from './protocol.js';
import { parseSubject } from './subject.js';

/** The store entry from config.json, as the host sent it on stdin (`name` guaranteed). */
export type StorePluginConfig = Record<string, unknown> & { name: string };

/** What every store command gets. */
export interface StoreRequest {
  storeConfig: StorePluginConfig;
  /** RATIFY_STORE_SUBJECT. */
  subject: string;
  subjectReference: Reference;
  version: string;
  /** RATIFY_STORE_ARGS, parsed. */
  args: Map<string, string>;
  ctx: Context;
  log: PluginLogger;
}

export interface ListReferrersRequest extends StoreRequest {
  nextToken: string;
  /** From `artifactTypes=a,b`; empty means all. */
  artifactTypes: string[];
}

export interface DigestRequest extends StoreRequest {
  digest: string;
}

export interface ListReferrersResponse {
  referrers: ReferenceDescriptor[];
  /** Empty or absent: no more pages. */
  nextToken?: string;
}

export interface StorePluginDefinition {
  name: string;
  supportedVersions: readonly string[];
  listReferrers(req: ListReferrersRequest): Promise<ListReferrersResponse>;
  /** Raw blob bytes; written to stdout unchanged. */
  getBlob(req: DigestRequest): Promise<Uint8Array>;
  getReferenceManifest(req: DigestRequest): Promise<ReferenceManifest>;
  getSubjectDescriptor(req: StoreRequest): Promise<Descriptor>;
}

export interface StorePlugin {
  readonly definition: StorePluginDefinition;
  main(io?: PluginIO): Promise<number>;
  run(): Promise<never>;
}

export function defineStorePlugin(def: StorePluginDefinition): StorePlugin {
  return {
    definition: def,
    main: (io) => runStoreMain(def, io ?? processIO()),
    async run(): Promise<never> {
      const code = await runStoreMain(def, processIO());
      process.exit(code);
    },
  };
}

export function runStorePlugin(def: StorePluginDefinition): Promise<never> {
  return defineStorePlugin(def).run();
}

/**
 * A store plugin that serves everything from a ReferrerStore opened from its config, e.g.
 * `createOciLayoutStore` over `config.path`. Handy to expose any TypeScript store to a
 * Ratify-compatible host.
 */
export function storePluginFromStore(
  name: string,
  supportedVersions: readonly string[],
  open: (config: StorePluginConfig, ctx: Context) => Promise<ReferrerStore>,
): StorePluginDefinition {
  const withStore = async <T>(req: StoreRequest, f: (s: ReferrerStore) => Promise<T>): Promise<T> => {
    const s = await open(req.storeConfig, req.ctx);
    try {
      return await f(s);
    } finally {
      await s.close?.();
    }
  };
  return {
    name,
    supportedVersions,
    listReferrers: (req) =>
      withStore(req, async (s) => {
        const subject = await s.resolve(req.subjectReference, req.ctx);
        const referrers = await collect(s.listReferrers(req.subjectReference, subject, req.ctx, req.artifactTypes.length ? { artifactTypes: req.artifactTypes } : {}));
        return { referrers, nextToken: '' };
      }),
    getBlob: (req) => withStore(req, (s) => s.fetchBlob(req.subjectReference, { digest: req.digest }, req.ctx)),
    getReferenceManifest: (req) =>
      withStore(req, async (s) => {
        // The store tells the manifest's media type and size when resolving its digest.
        const { tag: _tag, ...rest } = req.subjectReference;
        const desc = await s.resolve({ ...rest, digest: req.digest, original: `${rest.path}@${req.digest}` }, req.ctx);
        return s.fetchManifest(req.subjectReference, desc, req.ctx);
      }),
    getSubjectDescriptor: (req) => withStore(req, (s) => s.resolve(req.subjectReference, req.ctx)),
  };
}

function digestArg(args: Map<string, string>): string {
  const d = args.get('digest') ?? '';
  if (!isDigest(d)) throw new PluginError(PluginErrorCode.ArgsParsingFailure, `invalid digest argument ${JSON.stringify(d)}`);
  return d;
}

async function runStoreMain(def: StorePluginDefinition, io: PluginIO): Promise<number> {
  const log = createPluginLogger(io.stderr);
  try {
    const env = parseStoreEnv(io.env);
    const stdin = await readAll(io.stdin);
    checkVersion(env.version, def.supportedVersions);
    const known = (Object.values(StoreCommand) as string[]).includes(env.command);
    if (!known) throw new PluginError(PluginErrorCode.UnknownCommand, `unknown ${StoreEnv.command}: ${env.command}`);
    const storeConfig = parseJSONObject(stdin, 'store config') as StorePluginConfig;
    if (typeof storeConfig.name !== 'string' || !storeConfig.name) {
      throw new PluginError(PluginErrorCode.InvalidConfig, 'invalid store config: name is required');
    }
    const level = (io.env.RATIFY_LOG_LEVEL ?? 'info').toLowerCase();
    const ctx = pluginContext(io.stderr, level);
    const base: StoreRequest = { storeConfig, subject: env.subject, subjectReference: parseSubject(env.subject), version: env.version, args: env.args, ctx, log };
    let out: string | Uint8Array;
    try {
      switch (env.command) {
        case StoreCommand.listReferrers: {
          const types = (env.args.get('artifactTypes') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
          const r = await def.listReferrers({ ...base, nextToken: env.args.get('nextToken') ?? '', artifactTypes: types });
          out = JSON.stringify({ referrers: r.referrers.map(descriptorJSON), nextToken: r.nextToken ?? '' }) + '\n';
          break;
        }
        case StoreCommand.getBlob:
          out = await def.getBlob({ ...base, digest: digestArg(env.args) });
          break;
        case StoreCommand.getReferenceManifest:
          out = JSON.stringify(referenceManifestJSON(await def.getReferenceManifest({ ...base, digest: digestArg(env.args) }))) + '\n';
          break;
        default:
          out = JSON.stringify(descriptorJSON(await def.getSubjectDescriptor(base))) + '\n';
      }
    } catch (e) {
      throw asPluginError(e, env.command);
    }
    try {
      await io.stdout(out);
    } catch (e) {
      throw new PluginError(PluginErrorCode.IOFailure, 'failed to write plugin output', (e as Error).message);
    }
    return 0;
  } catch (e) {
    const err = e instanceof PluginError ? e : new PluginError(PluginErrorCode.InternalFailure, 'internal plugin failure', (e as Error)?.message ?? String(e));
    await io.stdout(err.render()).catch(() => undefined);
    return 1;
  }
}
