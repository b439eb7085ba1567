import { goQuote } from '../x509/gofmt.js';

/**
 * A strict JSON reader for untrusted envelopes. Syntax errors use Go encoding/json's texts
 * (notation reports them), nesting is bounded without recursion, and duplicate object keys
 * are rejected: JSON.parse would silently keep the last one, so a signed header could be
 * read one way here and another way by a different verifier.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f]/;

export class JsonSyntaxError extends Error {}

/**
 * Go allows 10000 levels; a signature envelope has no business nesting deeper than this, and
 * a lower bound keeps the recursive conversions (toPlain) far from the JS stack limit.
 */
const MAX_DEPTH = 1000;

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const utf8 = new TextDecoder('utf-8', { fatal: false });

function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  return `'${goQuote(String.fromCharCode(c)).slice(1, -1)}'`;
}

type Frame = { kind: 'array'; items: JsonValue[] } | { kind: 'object'; map: JsonObject; key: string };

export function parseJson(src: Uint8Array): JsonValue {
  return new Reader(src).document();
}

class Reader {
  private i = 0;
  constructor(private readonly s: Uint8Array) {}

  private fail(context: string): never {
    if (this.i >= this.s.length) throw new JsonSyntaxError('unexpected end of JSON input');
    throw new JsonSyntaxError(`invalid character ${quoteChar(this.s[this.i]!)} ${context}`);
  }

  private ws(): void {
    while (this.i < this.s.length && WS.has(this.s[this.i]!)) this.i++;
  }

  private peek(): number | undefined {
    return this.s[this.i];
  }

  document(): JsonValue {
    const stack: Frame[] = [];
    for (;;) {
      // Read one value; containers push a frame and loop back for their first member.
      this.ws();
      let value: JsonValue;
      const c = this.peek();
      if (c === 0x7b /* { */) {
        this.i++;
        if (stack.length >= MAX_DEPTH) throw new JsonSyntaxError('exceeded max depth');
        this.ws();
        if (this.peek() === 0x7d) {
          this.i++;
          value = new Map();
        } else {
          stack.push({ kind: 'object', map: new Map(), key: this.objectKey() });
          continue;
        }
      } else if (c === 0x5b /* [ */) {
        this.i++;
        if (stack.length >= MAX_DEPTH) throw new JsonSyntaxError('exceeded max depth');
        this.ws();
        if (this.peek() === 0x5d) {
          this.i++;
          value = [];
        } else {
          stack.push({ kind: 'array', items: [] });
          continue;
        }
      } else if (c === 0x22) value = this.string();
      else if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) value = this.number();
      else if (c === 0x74) value = this.literal('true', true);
      else if (c === 0x66) value = this.literal('false', false);
      else if (c === 0x6e) value = this.literal('null', null);
      else this.fail('looking for beginning of value');

      // Attach the finished value, closing every container it completes.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) {
          this.ws();
          if (this.i < this.s.length) this.fail('after top-level value');
          return value;
        }
        this.ws();
        if (top.kind === 'array') {
          top.items.push(value);
          if (this.peek() === 0x2c) {
            this.i++;
            break;
          }
          if (this.peek() === 0x5d) {
            this.i++;
            stack.pop();
            value = top.items;
            continue;
          }
          this.fail('after array element');
        }
        if (top.map.has(top.key)) throw new JsonSyntaxError(`repeated key: ${goQuote(top.key)} exists.`);
        top.map.set(top.key, value);
        if (this.peek() === 0x2c) {
          this.i++;
          this.ws();
          top.key = this.objectKey();
          break;
        }
        if (this.peek() === 0x7d) {
          this.i++;
          stack.pop();
          value = top.map;
          continue;
        }
        this.fail('after object key:value pair');
      }
    }
  }

  private objectKey(): string {
    if (this.peek() !== 0x22) this.fail('looking for beginning of object key string');
    const key = this.string();
    this.ws();
    if (this.peek() !== 0x3a) this.fail('after object key');
    this.i++;
    return key;
  }

  private literal<T extends JsonValue>(word: string, v: T): T {
    for (let k = 0; k < word.length; k++) {
      if (this.s[this.i] !== word.charCodeAt(k)) this.fail(`in literal ${word} (expecting ${quoteChar(word.charCodeAt(k))})`);
      this.i++;
    }
    return v;
  }

  private digits(): boolean {
    const start = this.i;
    while (this.i < this.s.length && this.s[this.i]! >= 0x30 && this.s[this.i]! <= 0x39) this.i++;
    return this.i > start;
  }

  private number(): number {
    const start = this.i;
    if (this.peek() === 0x2d) this.i++;
    const c = this.peek();
    if (c === 0x30) this.i++;
    else if (c !== undefined && c >= 0x31 && c <= 0x39) this.digits();
    else this.fail('in numeric literal');
    if (this.peek() === 0x2e) {
      this.i++;
      if (!this.digits()) this.fail('after decimal point in numeric literal');
    }
    if (this.peek() === 0x65 || this.peek() === 0x45) {
      this.i++;
      if (this.peek() === 0x2b || this.peek() === 0x2d) this.i++;
      if (!this.digits()) this.fail('in exponent of numeric literal');
    }
    const text = Buffer.from(this.s.subarray(start, this.i)).toString('latin1');
    const n = Number(text);
    if (!Number.isFinite(n)) throw new JsonSyntaxError(`json: cannot unmarshal number ${text} into Go value of type float64`);
    return n;
  }

  private hex4(): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.peek();
      const d = c === undefined ? -1 : hexVal(c);
      if (d < 0) this.fail('in \\u hexadecimal character escape');
      v = v * 16 + d;
      this.i++;
    }
    return v;
  }

  /** Go unquote semantics: invalid UTF-8 and unpaired surrogates become U+FFFD. */
  private string(): string {
    this.i++; // opening quote
    // Fast path for the common string without escapes (base64 certificates, header values):
    // native searches instead of a byte-by-byte loop. Anything unusual takes the exact path below.
    const end = this.s.indexOf(0x22, this.i);
    if (end !== -1 && end - this.i <= 64) {
      // Keys and short values: plain ASCII built directly (TextDecoder's per-call cost dominates).
      let plain = '';
      let k = this.i;
      for (; k < end; k++) {
        const c = this.s[k]!;
        if (c < 0x20 || c >= 0x80 || c === 0x5c) break;
        plain += String.fromCharCode(c);
      }
      if (k === end) {
        this.i = end + 1;
        return plain;
      }
    }
    if (end !== -1) {
      const raw = this.s.subarray(this.i, end);
      if (raw.indexOf(0x5c) === -1) {
        const str = utf8.decode(raw);
        if (!CONTROL.test(str)) {
          this.i = end + 1;
          return str;
        }
      }
    }
    let out = '';
    let runStart = this.i;
    const flush = () => {
      if (this.i > runStart) out += utf8.decode(this.s.subarray(runStart, this.i));
    };
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('in string literal');
      if (c === 0x22) {
        flush();
        this.i++;
        return out;
      }
      if (c < 0x20) this.fail('in string literal');
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      flush();
      this.i++;
      const e = this.peek();
      switch (e) {
        case 0x22:
          out += '"';
          break;
        case 0x5c:
          out += '\\';
          break;
        case 0x2f:
          out += '/';
          break;
        case 0x62:
          out += '\b';
          break;
        case 0x66:
          out += '\f';
          break;
        case 0x6e:
          out += '\n';
          break;
        case 0x72:
          out += '\r';
          break;
        case 0x74:
          out += '\t';
          break;
        case 0x75: {
          this.i++;
          const hi = this.hex4();
          if (hi >= 0xd800 && hi < 0xdc00 && this.s[this.i] === 0x5c && this.s[this.i + 1] === 0x75) {
            const save = this.i;
            this.i += 2;
            const lo = this.hex4();
            if (lo >= 0xdc00 && lo < 0xe000) {
              out += String.fromCharCode(hi, lo);
            } else {
              out += '\ufffd';
              this.i = save; // the second escape stands on its own
            }
          } else {
            out += hi >= 0xd800 && hi < 0xe000 ? '\ufffd' : String.fromCharCode(hi);
          }
          runStart = this.i;
          continue;
        }
        default:
          this.fail('in string escape code');
      }
      this.i++;
      runStart = this.i;
    }
  }
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Go's names for JSON value kinds in UnmarshalTypeError ("cannot unmarshal number into ..."). */
export function jsonKind(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return Array.isArray(v) ? 'array' : 'object';
}

/** Converts to plain JS (objects without prototype surprises) for callers outside this module. */
export function toPlain(v: JsonValue): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, toPlain(x)]));
  if (Array.isArray(v)) return v.map(toPlain);
  return v;
}

/**
 * `obj[key] = value` for a key of a Go map decoded into a JS object: always an own property, even
 * for "__proto__" (which plain assignment would turn into a prototype change, losing the entry).
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
