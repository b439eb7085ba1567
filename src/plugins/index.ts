/**
 * Host side of plugins: Ratify v1 exec plugins (verifiers and referrer stores), in-process ES
 * module plugins (`"module"` in a verifier, store or policy entry), and dynamic plugins pulled
 * from a registry. The plugin author's side is `src/plugin` (`ratify-ts/plugin`).
 */
export { ExecVerifier, execVerifierFactory, DEFAULT_VERIFIER_OUTPUT_LIMIT, type ExecVerifierOptions, type PluginVerifierDeps } from './exec-verifier.js';
export { ExecStore, createExecStore, DEFAULT_STORE_JSON_LIMIT, type ExecStoreOptions, type ExecStoreDeps } from './exec-store.js';
export { moduleVerifierFactory, createModuleStore, importPluginModule, moduleSpecifier, type ModuleDeps } from './module.js';
export { createModulePolicy, createPolicyWithPlugins } from './module-policy.js';
export { downloadPlugin, provisionDynamicPlugin, dynamicPluginsEnabled, parsePluginSource, MAX_PLUGIN_BYTES, type PluginSource, type DownloadedPlugin } from './dynamic.js';
export { runPlugin, PluginRunError, exitText, type RunPluginOptions, type PluginRun } from './exec.js';
export { parsePluginOutput, findErrorJSON, ratifyExecFailureText } from './output.js';
export { defaultPluginDir, verifierPluginDirs, storePluginDirs, findInPaths, checkPluginName } from './paths.js';
