import { closest, parseEntry, parsePath } from '../config/issues.js';
import { RatifyError } from '../errors.js';
import { moduleVerifierSchema, pluginVerifierSchema } from './config.js';
import { locateExecVerifier } from '../plugins/exec-verifier.js';
import { moduleVerifierFactory } from '../plugins/module.js';
import type { Verifier, VerifierDeps, VerifierFactory } from './types.js';

/**
 * Verifier factories by type. Built-ins and plugins go through the same registry, so the
 * executor has one path for every verifier.
 */
export class VerifierRegistry {
  private readonly factories = new Map<string, VerifierFactory | (() => Promise<VerifierFactory>)>();

  register(f: VerifierFactory): this {
    this.factories.set(f.type, f);
    return this;
  }

  /** A factory whose module is imported only when a config uses the type (start-up time, memory). */
  registerLazy(type: string, load: () => Promise<VerifierFactory>): this {
    this.factories.set(type, load);
    return this;
  }

  private async factory(type: string): Promise<VerifierFactory | undefined> {
    const f = this.factories.get(type);
    if (typeof f !== 'function') return f;
    const loaded = await f();
    this.factories.set(type, loaded);
    return loaded;
  }

  has(type: string): boolean {
    return this.factories.has(type);
  }

  types(): string[] {
    return [...this.factories.keys()];
  }

  /** Plugin type = config `type` if present else `name` (Ratify's lookup rule). */
  async create(entry: Record<string, unknown>, index: number, deps: VerifierDeps): Promise<Verifier> {
    const where = `verifier.plugins[${index}]`;
    const { name, type: given } = parseEntry(entry.module !== undefined ? moduleVerifierSchema : pluginVerifierSchema, entry, parsePath(where));
    const type = given || name;
    if (type.includes('/')) throw new RatifyError('CONFIG_INVALID', `${where}: plugin type ${JSON.stringify(type)} must not contain "/"`);
    // `"module"` ⇒ an in-process ES module; else a registered (built-in) factory; else an exec
    // plugin from verifier.pluginBinDirs / the default plugin dir (PLUGIN_NOT_FOUND when absent).
    let f = entry.module !== undefined ? moduleVerifierFactory(type) : await this.factory(type);
    if (!f) {
      const found = await locateExecVerifier(type, entry, deps, `${where} (${name})`);
      if (!found.factory) {
        const near = closest(type, this.types());
        throw new RatifyError('PLUGIN_NOT_FOUND', `${where}: verifier ${JSON.stringify(type)} is not available${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`, {
          remediation: `Built-in verifiers: ${this.types().join(', ')}. ${found.hint}`,
        });
      }
      f = found.factory;
    }
    try {
      return await f.create(entry, deps);
    } catch (e) {
      if (e instanceof RatifyError) {
        throw new RatifyError(e.code, `${where} (${name}): ${e.detail}`, { ...(e.cause !== undefined ? { cause: e.cause } : {}), ...(e.remediation ? { remediation: e.remediation } : {}) });
      }
      throw new RatifyError('PLUGIN_INIT_FAILURE', `${where} (${name}): could not be created`, { cause: e });
    }
  }
}
