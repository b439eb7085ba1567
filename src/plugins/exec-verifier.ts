import type { Context } from '../context.js';
import { RatifyError } from '../errors.js';
import { descriptorJSON } from '../oci/descriptor.js';
import { DEFAULT_PLUGIN_VERSION, VERIFY_COMMAND, VerifierEnv, type PluginStoreConfig, type VerifierPluginInput } from '../plugin/protocol.js';
import { canVerifyType, commonConfig } from '../verifiers/base.js';
import type { Verifier, VerifierDeps, VerifierFactory, VerifierResult, VerifyInput } from '../verifiers/types.js';
import { PluginRunError, isDeadline, runPlugin, type PluginRun } from './exec.js';
import { describeErrorJSON, findErrorJSON, parsePluginOutput, quote, ratifyExecFailureText } from './output.js';
import { checkPluginName, findInPaths, verifierPluginDirs } from './paths.js';

/** Most bytes a verifier plugin may print on each of stdout and stderr (a result is one short JSON line). */
export const DEFAULT_VERIFIER_OUTPUT_LIMIT = 4 * 1024 * 1024;

/** What plugin factories need beyond VerifierDeps; build.ts passes it along. */
export interface PluginVerifierDeps extends VerifierDeps {
  /** The store section's version and pluginBinDirs, sent to plugins in storeConfig. */
  storeSection?: { version?: string; pluginBinDirs?: string[] | null };
  /** Override the per-stream output limit (tests, benchmarks). */
  pluginOutputLimit?: number;
}

export interface ExecVerifierOptions {
  name: string;
  type: string;
  artifactTypes: readonly string[];
  nestedReferences: readonly string[];
  /** The executable. */
  path: string;
  /** The raw config entry, sent as stdin `config`. */
  rawConfig: Record<string, unknown>;
  /** RATIFY_VERIFIER_VERSION. */
  version: string;
  /** The parent environment (RuntimeEnv.env), merged under the RATIFY_VERIFIER_* variables. */
  env: NodeJS.ProcessEnv;
  storeSection?: { version?: string; pluginBinDirs?: string[] | null };
  maxOutputBytes?: number;
  busyRetries?: number;
  busyDelayMs?: number;
}

/**
 * A Ratify v1 verifier plugin: an executable run once per referrer with Ratify's protocol
 * (reference §1.6). Whatever the plugin does — crash, hang, flood, print garbage — ends as a
 * VERIFY_PLUGIN_FAILURE thrown for this referrer only (the executor turns it into a failure
 * report); a hang ends at the request deadline, which kills the plugin's process group.
 */
export class ExecVerifier implements Verifier {
  readonly name: string;
  readonly type: string;
  readonly artifactTypes: readonly string[];
  readonly nestedReferences: readonly string[];

  constructor(private readonly o: ExecVerifierOptions) {
    this.name = o.name;
    this.type = o.type;
    this.artifactTypes = o.artifactTypes;
    this.nestedReferences = o.nestedReferences;
  }

  get path(): string {
    return this.o.path;
  }

  canVerify(desc: Parameters<Verifier['canVerify']>[0]): boolean {
    return canVerifyType(this.artifactTypes, desc);
  }

  /** The exact stdin Ratify sends. */
  stdinFor(input: VerifyInput): VerifierPluginInput {
    const storeConfig: PluginStoreConfig = {
      version: this.o.storeSection?.version || DEFAULT_PLUGIN_VERSION,
      pluginBinDirs: this.o.storeSection?.pluginBinDirs ?? null,
      store: input.store.config,
    };
    return { config: this.o.rawConfig, storeConfig, referenceDesc: descriptorJSON(input.referrer) };
  }

  async verify(input: VerifyInput, ctx: Context): Promise<VerifierResult> {
    const subject = input.subject.original;
    const env: NodeJS.ProcessEnv = {
      ...this.o.env,
      [VerifierEnv.command]: VERIFY_COMMAND,
      [VerifierEnv.subject]: subject,
      [VerifierEnv.version]: this.o.version,
    };
    const limit = this.o.maxOutputBytes ?? DEFAULT_VERIFIER_OUTPUT_LIMIT;
    const what = `verifier plugin ${JSON.stringify(this.name)}`;
    let run: PluginRun;
    try {
      run = await runPlugin({
        path: this.o.path,
        env,
        stdin: Buffer.from(JSON.stringify(this.stdinFor(input))),
        ctx,
        ...(ctx.deadline !== undefined ? { killAt: killTime(ctx.deadline) } : {}),
        maxStdoutBytes: limit,
        maxStderrBytes: limit,
        what,
        ...(this.o.busyRetries !== undefined ? { busyRetries: this.o.busyRetries } : {}),
        ...(this.o.busyDelayMs !== undefined ? { busyDelayMs: this.o.busyDelayMs } : {}),
      });
    } catch (e) {
      if (isDeadline(e)) throw e;
      if (e instanceof PluginRunError) {
        throw this.failure(
          e.kind === 'output-limit' ? `plugin output exceeded the limit: ${e.message}` : e.message,
          e.kind === 'output-limit'
            ? 'A verifier plugin prints one JSON line on stdout and log lines on stderr; check it is not dumping content'
            : e.kind === 'timeout'
              ? 'Make the plugin answer sooner, or raise executor.verificationRequestTimeout (ratify verify: --timeout)'
              : `Check that ${this.o.path} is an executable for this platform (chmod 700, correct interpreter line)`,
        );
      }
      throw e;
    }
    ctx.log.debug({ plugin: this.name, ms: Math.round(run.ms), exit: run.exitCode, signal: run.signal }, `${what} finished`);
    if (run.exitCode !== 0) {
      // stdout carries the (pretty-printed) error JSON, quoted in the failure: log stderr only.
      parsePluginOutput(Buffer.alloc(0), run.stderr, ctx.log, this.name);
      const ej = findErrorJSON(run.stdout, run.stderr);
      if (ej) {
        throw this.failure(
          `${describeErrorJSON(ej)} (${run.signal ? `signal ${run.signal}` : `exit status ${run.exitCode}`})`,
          ej.code === 6
            ? `Set "version" on the verifier entry (or verifier.version) to a version the plugin supports; it was sent ${this.o.version}`
            : this.hint(subject),
        );
      }
      throw this.failure(ratifyExecFailureText(run), this.hint(subject));
    }
    const parsed = parsePluginOutput(run.stdout, run.stderr, ctx.log, this.name);
    if (parsed.values.length === 0) {
      throw this.failure(`plugin printed no JSON result (stdout: '${quote(run.stdout, 256)}')`, this.hint(subject));
    }
    if (parsed.values.length > 1) {
      throw this.failure(
        `plugin printed ${parsed.values.length} JSON values; the protocol allows exactly one result line`,
        'Print the result as a single JSON line on stdout; write logs to stderr prefixed INFO:, WARN: or DEBUG: and without braces',
      );
    }
    return this.toResult(parsed.values[0], subject);
  }

  private toResult(v: unknown, subject: string): VerifierResult {
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      throw this.failure(`plugin result is not a JSON object: ${quote(Buffer.from(JSON.stringify(v)), 256)}`, this.hint(subject));
    }
    const o = v as Record<string, unknown>;
    if (typeof o.isSuccess !== 'boolean') {
      if (typeof o.code === 'number' && typeof o.msg === 'string') {
        throw this.failure(describeErrorJSON({ code: o.code, msg: o.msg, ...(typeof o.details === 'string' ? { details: o.details } : {}) }), this.hint(subject));
      }
      throw this.failure(`plugin result has no boolean "isSuccess": ${quote(Buffer.from(JSON.stringify(o)), 256)}`, this.hint(subject));
    }
    const r: VerifierResult = { isSuccess: o.isSuccess, message: typeof o.message === 'string' ? o.message : '' };
    // Unlike Ratify v1, errorReason and remediation from plugins are kept.
    if (typeof o.errorReason === 'string' && o.errorReason) r.errorReason = o.errorReason;
    if (typeof o.remediation === 'string' && o.remediation) r.remediation = o.remediation;
    if (o.extensions !== undefined && o.extensions !== null) r.extensions = o.extensions;
    r.trace = [{ check: 'plugin', ok: o.isSuccess, detail: `${this.o.path} (exec, version ${this.o.version})` }];
    return r;
  }

  private hint(subject: string): string {
    return `Run the plugin by hand to see its output: ${VerifierEnv.command}=${VERIFY_COMMAND} ${VerifierEnv.subject}=${subject} ${VerifierEnv.version}=${this.o.version} ${this.o.path} < input.json`;
  }

  private failure(reason: string, remediation: string): RatifyError {
    return new RatifyError('VERIFY_PLUGIN_FAILURE', `verifier plugin ${this.name} failed`, {
      // The code leads the reason: reports carry the reason, not the code.
      cause: new Error(`VERIFY_PLUGIN_FAILURE: ${reason}`),
      remediation,
      component: 'verifier',
      plugin: this.name,
    });
  }
}

/**
 * When to kill a plugin that has not answered: shortly before the request deadline (10% of
 * the time left, at most 100 ms), so that its report names the plugin rather than the deadline.
 */
function killTime(deadline: number): number {
  const left = deadline - Date.now();
  return deadline - Math.min(100, Math.max(0, left * 0.1));
}

/** The result of looking for an exec verifier plugin. */
export interface ExecVerifierLookup {
  /** Set when the executable was found. */
  factory?: VerifierFactory;
  path?: string;
  /** Where it was looked for, in order. */
  dirs: string[];
  /** What to tell the user when it was not found. */
  hint: string;
}

/**
 * Looks for the verifier plugin `<dir>/<type>` in verifier.pluginBinDirs (or the default
 * plugin dir), after an optional dynamic download (`source`, behind the feature flag).
 */
export async function locateExecVerifier(type: string, entry: Record<string, unknown>, deps: VerifierDeps, where: string): Promise<ExecVerifierLookup> {
  checkPluginName(type, where);
  const dirs = verifierPluginDirs(deps.pluginBinDirs, deps.rt, deps.baseDir);
  if (entry.source !== undefined && entry.source !== null) {
    // Loaded only when needed: the registry client is not free to import.
    const { provisionDynamicPlugin } = await import('./dynamic.js');
    await provisionDynamicPlugin(entry, type, dirs[0]!, where, { rt: deps.rt, log: deps.log, ...(deps.baseDir ? { baseDir: deps.baseDir } : {}) });
  }
  const hint = `No plugin executable ${JSON.stringify(type)} in ${dirs.join(', ')}: install it as ${dirs[0]}/${type} (chmod 700), set verifier.pluginBinDirs, or give "module" for an in-process plugin`;
  const path = await findInPaths(type, dirs);
  if (!path) return { dirs, hint };
  return { factory: execVerifierFactory(type, path), path, dirs, hint };
}

/** Factory for the exec verifier plugin at `path` (found by locateExecVerifier). */
export function execVerifierFactory(type: string, path: string): VerifierFactory {
  return {
    type,
    create(entry: Record<string, unknown>, deps: VerifierDeps): Promise<Verifier> {
      const d = deps as PluginVerifierDeps;
      const c = commonConfig(entry, { requireArtifactTypes: false });
      const version = typeof entry.version === 'string' && entry.version ? entry.version : deps.sectionVersion || DEFAULT_PLUGIN_VERSION;
      return Promise.resolve(
        new ExecVerifier({
          name: c.name,
          type: c.type,
          artifactTypes: c.artifactTypes,
          nestedReferences: c.nestedReferences,
          path,
          rawConfig: entry,
          version,
          env: deps.rt.env,
          ...(d.storeSection ? { storeSection: d.storeSection } : {}),
          ...(d.pluginOutputLimit ? { maxOutputBytes: d.pluginOutputLimit } : {}),
        }),
      );
    },
  };
}
