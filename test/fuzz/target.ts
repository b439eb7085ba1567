/**
 * What a fuzz target is. A target takes bytes and returns normally when the code under test
 * either accepted them or rejected them the way it is meant to (its own typed error); anything
 * else (a TypeError, RangeError, stack overflow, an unexpected class, a broken invariant, a
 * disagreement with a second implementation) is a finding and is thrown as such.
 */

export interface FuzzTarget {
  /** Folder name under test/fuzz/corpus/ and the name `npm run fuzz -- <name>` takes. */
  readonly name: string;
  /** One line for the README's table: what is exercised and what counts as a clean reject. */
  readonly description: string;
  /** True when fuzz returns a promise (the engine then runs in async mode). */
  readonly async?: boolean;
  /** Longest input the engine generates (libFuzzer -max_len). */
  readonly maxLen: number;
  fuzz(data: Buffer): void | Promise<void>;
  /** Seed inputs: the project's fixtures and, when present, the shared vectors. */
  seeds(): Buffer[] | Promise<Buffer[]>;
}

/** A fuzzing finding: thrown for anything that is not a clean accept or reject. */
export class Finding extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'Finding';
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

function unexpected(e: unknown, allowed: readonly ErrorClass[]): Finding {
  const names = allowed.map((c) => c.name).join(' | ');
  const what = e instanceof Error ? `${e.name}: ${e.message}` : `non-Error thrown: ${String(e)}`;
  return new Finding(`expected ${names} or success, got ${what}`, { cause: e });
}

function isAllowed(e: unknown, allowed: readonly ErrorClass[]): boolean {
  return allowed.some((c) => e instanceof c);
}

/** V8's texts for programming errors: seen inside a typed rejection, they mean a crash was wrapped. */
const ENGINE_ERROR = /Cannot read properties of|is not a function|is not iterable|Maximum call stack size exceeded|Cannot destructure|Invalid array length|Invalid typed array length/;

/**
 * Parsers that wrap every exception in their own error class still must not crash inside:
 * a TypeError/RangeError/ReferenceError in the cause chain (or its text in a message) of a
 * clean rejection is a finding too. One raised inside a package (its top frame under
 * node_modules) that our code deliberately contains, as the Sigstore wrappers do, is not ours.
 */
export function hiddenCrash(e: unknown): Finding | undefined {
  const chain: Error[] = [];
  for (let cur: unknown = e; cur instanceof Error && chain.length < 16; cur = cur.cause) chain.push(cur);
  const engine = chain.find((c) => c instanceof TypeError || c instanceof RangeError || c instanceof ReferenceError);
  if (engine) {
    const top = (engine.stack ?? '').split('\n').find((l) => l.trimStart().startsWith('at '));
    if (top?.includes('/node_modules/')) return undefined;
    return new Finding(`rejection wraps ${engine.name}: ${engine.message}`, { cause: e });
  }
  const shown = chain.find((c) => ENGINE_ERROR.test(c.message));
  return shown ? new Finding(`rejection text shows a JavaScript error: ${shown.message}`, { cause: e }) : undefined;
}

/** Runs fn; returns its value, or undefined for an allowed rejection; throws a Finding otherwise. */
export function rejectsOnlyWith<T>(allowed: readonly ErrorClass[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!isAllowed(e, allowed)) throw unexpected(e, allowed);
    const hidden = hiddenCrash(e);
    if (hidden) throw hidden;
    return undefined;
  }
}

export async function rejectsOnlyWithAsync<T>(allowed: readonly ErrorClass[], fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (!isAllowed(e, allowed)) throw unexpected(e, allowed);
    const hidden = hiddenCrash(e);
    if (hidden) throw hidden;
    return undefined;
  }
}

/** A broken invariant on an accepted input. */
export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Finding(message);
}

/** Bytes as text the way the code under test receives them (UTF-8, invalid sequences replaced). */
export function utf8(data: Buffer): string {
  return data.toString('utf8');
}
