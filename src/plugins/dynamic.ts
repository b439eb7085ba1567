import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { backgroundContext, withDeadline } from '../context.js';
import { defaultDockerConfigPath, type RuntimeEnv } from '../config/load.js';
import { RatifyError } from '../errors.js';
import { digestOf, parseDigest } from '../oci/digest.js';
import type { Descriptor } from '../oci/descriptor.js';
import { toReferenceManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/mediatypes.js';
import type { Logger } from '../observability/logger.js';
import { DYNAMIC_PLUGINS_FLAG, parseBoolFlag } from '../plugin/protocol.js';
import { isLoopbackRegistry, parseReference } from '../reference/reference.js';
import { RegistryClient } from '../registry/client.js';
import { DockerConfigCredentials } from '../registry/credentials.js';
import { RegistryTransport } from '../registry/transport.js';
import { VERSION } from '../version.js';
import { parseEntry, parsePath } from '../config/issues.js';
import { unsupportedAuthProvider } from '../registry/auth-provider.js';
import { pluginSourceSchema, type PluginSource } from './source.js';

export type { PluginSource } from './source.js';

/** Largest plugin executable accepted. */
export const MAX_PLUGIN_BYTES = 256 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 120_000;

/** The flag comes from the runtime environment handed down from the entry point. */
export function dynamicPluginsEnabled(rt: RuntimeEnv): boolean {
  return parseBoolFlag(rt.env[DYNAMIC_PLUGINS_FLAG]);
}

/** Validates an entry's `source` (CONFIG_INVALID naming every problem under `<where>.source`). */
export function parsePluginSource(v: unknown, where: string): PluginSource {
  return parseEntry(pluginSourceSchema, v, [...parsePath(where), 'source']);
}

export interface DownloadDeps {
  rt: RuntimeEnv;
  log: Logger;
  baseDir?: string;
}

export interface DownloadedPlugin {
  path: string;
  digest: string;
  size: number;
  artifact: string;
}

/**
 * Pulls `source.artifact` (an OCI image or artifact manifest with exactly one layer/blob),
 * checks every byte against the digests (manifest by reference digest or header, layer by its
 * descriptor), and writes it to `<dir>/<name>` with mode 0700, atomically (temp file + rename).
 */
export async function downloadPlugin(source: PluginSource, dir: string, name: string, deps: DownloadDeps): Promise<DownloadedPlugin> {
  const ref = (() => {
    try {
      return parseReference(source.artifact);
    } catch (e) {
      throw new RatifyError('DOWNLOAD_PLUGIN_FAILURE', `invalid plugin source artifact ${JSON.stringify(source.artifact)}`, { cause: e });
    }
  })();
  // Other providers are Ratify's cloud ones, not implemented (named in the load-time warning): anonymous.
  const docker = unsupportedAuthProvider(source.authProvider) === undefined;
  const cfgPath = source.authProvider?.configPath
    ? isAbsolute(source.authProvider.configPath)
      ? source.authProvider.configPath
      : resolvePath(deps.baseDir ?? process.cwd(), source.authProvider.configPath)
    : defaultDockerConfigPath(deps.rt);
  const insecure = source.insecureSkipVerify === true || source.useHttp === true || isLoopbackRegistry(ref.registry);
  const transport = new RegistryTransport({ insecureSkipVerify: insecure, userAgent: `ratify-ts/${VERSION} (${process.platform}/${process.arch})` });
  const client = new RegistryClient({
    transport,
    plainHttp: source.useHttp === true,
    ...(docker ? { credentials: new DockerConfigCredentials(cfgPath, deps.rt.env) } : {}),
    blobLimit: MAX_PLUGIN_BYTES,
  });
  const ctx = withDeadline(backgroundContext(deps.log), DOWNLOAD_TIMEOUT_MS, `download plugin ${name}`);
  const target = join(dir, name);
  const tmp = join(dir, `.${name}.download-${randomBytes(6).toString('hex')}`);
  try {
    const fetched = await client.fetchManifest(ctx, ref.registry, ref.repository, ref.digest ?? ref.tag ?? 'latest', undefined, [MediaType.OciManifest, MediaType.OciArtifactManifest]);
    const manifest = toReferenceManifest(fetched.bytes, fetched.descriptor.mediaType);
    if (manifest.blobs.length !== 1) {
      throw new RatifyError('DOWNLOAD_PLUGIN_FAILURE', `plugin artifact ${source.artifact} has ${manifest.blobs.length} layers; exactly one (the executable) is required`, {
        remediation: 'Push the plugin as a single file, e.g. `oras push <ref> ./my-plugin`',
      });
    }
    const layer = manifest.blobs[0] as Descriptor;
    const bytes = await client.fetchBlob(ctx, ref.registry, ref.repository, layer.digest, layer.size);
    // fetchBlob already verified the digest while streaming; check again what is about to be written.
    const actual = digestOf(bytes, parseDigest(layer.digest).algorithm);
    if (actual !== layer.digest || bytes.length !== layer.size) {
      throw new RatifyError('DOWNLOAD_PLUGIN_FAILURE', `plugin layer digest mismatch: expected ${layer.digest} (${layer.size} bytes), got ${actual} (${bytes.length} bytes)`);
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const fh = await open(tmp, 'wx', 0o700);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(tmp, 0o700);
    await rename(tmp, target);
    deps.log.info({ plugin: name, artifact: source.artifact, digest: layer.digest, path: target }, 'downloaded dynamic plugin');
    return { path: target, digest: layer.digest, size: bytes.length, artifact: source.artifact };
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    if (e instanceof RatifyError && e.code === 'DOWNLOAD_PLUGIN_FAILURE') throw e;
    throw new RatifyError('DOWNLOAD_PLUGIN_FAILURE', `failed to download plugin ${name} from ${source.artifact}`, {
      cause: e,
      remediation: 'Check the artifact reference, registry credentials and that the artifact was not altered (digests must match)',
    });
  } finally {
    ctx.cancel();
    await transport.close().catch(() => undefined);
  }
}

/**
 * Handles an entry's `source` before the plugin is looked up: with
 * RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS on, download it into `dir`; otherwise warn and ignore
 * it, as Ratify does.
 */
export async function provisionDynamicPlugin(entry: Record<string, unknown>, name: string, dir: string, where: string, deps: DownloadDeps): Promise<DownloadedPlugin | undefined> {
  if (entry.source === undefined || entry.source === null) return undefined;
  if (!dynamicPluginsEnabled(deps.rt)) {
    deps.log.warn({ plugin: name }, `${where}: "source" is set but dynamic plugins are disabled (set ${DYNAMIC_PLUGINS_FLAG}=1 to enable); ignoring it`);
    return undefined;
  }
  const source = parsePluginSource(entry.source, where);
  return downloadPlugin(source, dir, name, deps);
}
