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

/** Runs fn; returns its value, or undefined for an allowed rejection; throws a Finding otherwise. */
export function rejectsOnlyWith<T>(allowed: readonly ErrorClass[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (isAllowed(e, allowed)) return undefined;
    throw unexpected(e, allowed);
  }
}

export async function rejectsOnlyWithAsync<T>(allowed: readonly ErrorClass[], fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (isAllowed(e, allowed)) return undefined;
    throw unexpected(e, allowed);
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
