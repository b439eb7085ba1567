/**
 * `ratify-ts/plugin`: the plugin side of Ratify v1's exec plugin protocol.
 *
 * A verifier plugin is an executable the host runs once per referrer with
 * RATIFY_VERIFIER_COMMAND=VERIFY, RATIFY_VERIFIER_SUBJECT, RATIFY_VERIFIER_VERSION in its
 * environment and `{config, storeConfig, referenceDesc}` on stdin. It prints one JSON line
 * (`{"isSuccess":…,"message":…}`) on stdout, logs `INFO: `/`WARN: `/`DEBUG: ` lines on stderr,
 * and on error prints `{"code":N,"msg":…,"details":…}` and exits 1. This kit does all of that;
 * a plugin supplies `verify()`:
 *
 * ```ts
 * import { defineVerifierPlugin, isMain } from 'ratify-ts/plugin';
 * const plugin = defineVerifierPlugin({
 *   name: 'my-check',
 *   supportedVersions: ['1.0.0'],
 *   async verify(req) {
 *     const m = await req.manifest();          // read back from the registry / layout
 *     return { isSuccess: true, message: 'ok' };
 *   },
 * });
 * export default plugin;                        // "module": "./my-check.js" runs it in-process
 * if (isMain(import.meta.url)) await plugin.run();   // as an executable: the exec protocol
 * ```
 */
export {
  VerifierEnv,
  StoreEnv,
  VERIFY_COMMAND,
  StoreCommand,
  PluginErrorCode,
  pluginErrorCodeName,
  formatStoreArgs,
  parseStoreArgs,
  DEFAULT_PLUGIN_VERSION,
  DYNAMIC_PLUGINS_FLAG,
  type StoreCommandName,
  type PluginErrorCodeValue,
  type PluginErrorJSON,
  type PluginVerifierResultJSON,
  type PluginStoreConfig,
  type VerifierPluginInput,
} from './protocol.js';
export { PluginError, asPluginError } from './errors.js';
export { createPluginLogger, type PluginLogger } from './log.js';
export { parseVerifierEnv, parseStoreEnv, checkVersion, type VerifierPluginEnv, type StorePluginEnv } from './env.js';
export { isMain, processIO, readAll, type PluginIO } from './io.js';
export { openStore, lazyStore, type OpenStoreOptions } from './store-access.js';
export { parseSubject } from './subject.js';
export {
  defineVerifierPlugin,
  runVerifierPlugin,
  type VerifierPlugin,
  type VerifierPluginDefinition,
  type VerifierPluginConfig,
  type VerifyRequest,
  type PluginVerifierResult,
} from './verifier.js';
export {
  defineStorePlugin,
  runStorePlugin,
  storePluginFromStore,
  type StorePlugin,
  type StorePluginDefinition,
  type StorePluginConfig,
  type StoreRequest,
  type ListReferrersRequest,
  type ListReferrersResponse,
  type DigestRequest,
} from './store.js';
export type { Descriptor, ReferenceDescriptor, ReferenceManifest } from '../oci/descriptor.js';
export type { Reference } from '../reference/reference.js';
export type { ReferrerStore } from '../stores/types.js';
export type { Context } from '../context.js';
