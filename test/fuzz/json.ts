import { utf8 } from './target.js';

/**
 * JSON.parse of fuzz bytes. A syntax error (or nesting deep enough for a RangeError) means the
 * input never reached the code under test, whose callers reject unparseable JSON themselves.
 */
export function parsedJson(data: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(utf8(data)) as unknown };
  } catch {
    return { ok: false };
  }
}
