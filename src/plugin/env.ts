import { PluginError } from './errors.js';
import { PluginErrorCode, StoreCommand, StoreEnv, VERIFY_COMMAND, VerifierEnv, parseStoreArgs } from './protocol.js';

/** What the host told a verifier plugin through its environment. */
export interface VerifierPluginEnv {
  command: string;
  subject: string;
  version: string;
}

/** What the host told a store plugin through its environment. */
export interface StorePluginEnv {
  command: string;
  subject: string;
  version: string;
  /** RATIFY_STORE_ARGS parsed (`nextToken`, `artifactTypes`, `digest`). */
  args: Map<string, string>;
}

type Env = Record<string, string | undefined>;

/**
 * Reads RATIFY_VERIFIER_* as Ratify's skeleton does: COMMAND is always required, SUBJECT and
 * VERSION for VERIFY; an empty variable counts as missing. Missing ones ⇒ code 4
 * `missing env variables [A,B]`.
 */
export function parseVerifierEnv(env: Env): VerifierPluginEnv {
  const command = env[VerifierEnv.command] ?? '';
  const subject = env[VerifierEnv.subject] ?? '';
  const version = env[VerifierEnv.version] ?? '';
  const missing: string[] = [];
  if (!command) missing.push(VerifierEnv.command);
  const required = command === VERIFY_COMMAND;
  if (required && !subject) missing.push(VerifierEnv.subject);
  if (required && !version) missing.push(VerifierEnv.version);
  if (missing.length) throw new PluginError(PluginErrorCode.MissingEnvironmentVariables, `missing env variables [${missing.join(',')}]`);
  return { command, subject, version };
}

const STORE_COMMANDS = new Set<string>(Object.values(StoreCommand));

/** Reads RATIFY_STORE_*: ARGS is required for every command but GETSUBJECTDESCRIPTOR; malformed ARGS ⇒ code 7. */
export function parseStoreEnv(env: Env): StorePluginEnv {
  const command = env[StoreEnv.command] ?? '';
  const subject = env[StoreEnv.subject] ?? '';
  const version = env[StoreEnv.version] ?? '';
  const rawArgs = env[StoreEnv.args] ?? '';
  const known = STORE_COMMANDS.has(command);
  const missing: string[] = [];
  if (!command) missing.push(StoreEnv.command);
  if (known && !subject) missing.push(StoreEnv.subject);
  if (known && !version) missing.push(StoreEnv.version);
  if (known && command !== StoreCommand.getSubjectDescriptor && !rawArgs) missing.push(StoreEnv.args);
  if (missing.length) throw new PluginError(PluginErrorCode.MissingEnvironmentVariables, `missing env variables [${missing.join(',')}]`);
  const args = parseStoreArgs(rawArgs);
  if (!args) throw new PluginError(PluginErrorCode.ArgsParsingFailure, `invalid plugin args ${JSON.stringify(rawArgs)}`, 'expected k=v pairs separated by ";"');
  return { command, subject, version, args };
}

/** Exact string match against the plugin's list, as Ratify's skeleton (code 6 otherwise). */
export function checkVersion(version: string, supported: readonly string[]): void {
  if (!supported.includes(version)) {
    throw new PluginError(PluginErrorCode.VersionNotSupported, `plugin doesn't support version ${version}`, `supported versions: ${supported.join(', ')}`);
  }
}
