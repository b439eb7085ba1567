/**
 * Ratify v1's exec plugin protocol (CNI-like), shared by the host (src/plugins) and the
 * plugin author kit (this directory). Names and numbers are Ratify's, verbatim.
 */

/** Environment variables the host sets for a verifier plugin. */
export const VerifierEnv = {
  command: 'RATIFY_VERIFIER_COMMAND',
  subject: 'RATIFY_VERIFIER_SUBJECT',
  version: 'RATIFY_VERIFIER_VERSION',
} as const;

/** Environment variables the host sets for a referrer store plugin. */
export const StoreEnv = {
  command: 'RATIFY_STORE_COMMAND',
  subject: 'RATIFY_STORE_SUBJECT',
  version: 'RATIFY_STORE_VERSION',
  args: 'RATIFY_STORE_ARGS',
} as const;

export const VERIFY_COMMAND = 'VERIFY';

export const StoreCommand = {
  listReferrers: 'LISTREFERRERS',
  getBlob: 'GETBLOB',
  getReferenceManifest: 'GETREFMANIFEST',
  getSubjectDescriptor: 'GETSUBJECTDESCRIPTOR',
} as const;
export type StoreCommandName = (typeof StoreCommand)[keyof typeof StoreCommand];

/** The error codes a plugin prints in `{"code": N, "msg": ..., "details": ...}` (Ratify's plugin/types). */
export const PluginErrorCode = {
  Unknown: 0,
  ConfigParsingFailure: 1,
  /** InvalidVerifierConfig / InvalidStoreConfig. */
  InvalidConfig: 2,
  UnknownCommand: 3,
  MissingEnvironmentVariables: 4,
  IOFailure: 5,
  VersionNotSupported: 6,
  ArgsParsingFailure: 7,
  PluginCmdFailure: 8,
  InternalFailure: 999,
} as const;
export type PluginErrorCodeValue = (typeof PluginErrorCode)[keyof typeof PluginErrorCode];

const CODE_NAMES: Record<number, string> = {
  0: 'Unknown',
  1: 'ConfigParsingFailure',
  2: 'InvalidConfig',
  3: 'UnknownCommand',
  4: 'MissingEnvironmentVariables',
  5: 'IOFailure',
  6: 'VersionNotSupported',
  7: 'ArgsParsingFailure',
  8: 'PluginCmdFailure',
  999: 'InternalFailure',
};

/** "VersionNotSupported" for 6; "code 42" for codes Ratify does not define. */
export function pluginErrorCodeName(code: number): string {
  return CODE_NAMES[code] ?? `code ${code}`;
}

/** The error object a plugin prints (Ratify's plugin.Error; `details` omitted when empty). */
export interface PluginErrorJSON {
  code: number;
  msg: string;
  details?: string;
}

/** The one-line JSON a verifier plugin prints on success (Ratify's plugin VerifierResult, plus ratify-ts' kept fields). */
export interface PluginVerifierResultJSON {
  isSuccess: boolean;
  message?: string;
  name?: string;
  type?: string;
  /** Kept by ratify-ts (Ratify v1 drops it). */
  errorReason?: string;
  /** Kept by ratify-ts (Ratify v1 drops it). */
  remediation?: string;
  extensions?: unknown;
}

/** Ratify's storeConfig in the verifier plugin's stdin: the store section's version and dirs, plus the raw store entry. */
export interface PluginStoreConfig {
  version: string;
  pluginBinDirs: string[] | null;
  store: Record<string, unknown>;
}

/** The verifier plugin's stdin. */
export interface VerifierPluginInput {
  config: Record<string, unknown>;
  storeConfig: PluginStoreConfig;
  referenceDesc: Record<string, unknown>;
}

/** `k=v;k=v` (Ratify's RATIFY_STORE_ARGS). */
export function formatStoreArgs(args: Array<[string, string]>): string {
  return args.map(([k, v]) => `${k}=${v}`).join(';');
}

/** Parses `k=v;k=v`; returns undefined on a pair without `=`. Values may contain `=` (split at the first). */
export function parseStoreArgs(s: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  if (s === '') return out;
  for (const pair of s.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) return undefined;
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

/** Ratify's feature flags parse with Go's strconv.ParseBool. */
export function parseBoolFlag(v: string | undefined): boolean {
  return v !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}

export const DYNAMIC_PLUGINS_FLAG = 'RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS';

/** Default version sent when neither the entry nor the section sets one (Ratify's defaultVerifierSpecVersion / SpecVersion). */
export const DEFAULT_PLUGIN_VERSION = '0.1.0';
