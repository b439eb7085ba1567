/**
 * A small, strict CBOR (RFC 8949) decoder for untrusted COSE envelopes, configured like the
 * fxamacker/cbor modes go-cose uses: definite lengths only, bounded nesting and element
 * counts, valid UTF-8 text, no duplicate map keys. General-purpose decoders reconstruct
 * arbitrary objects from tags and preallocate from attacker-supplied lengths; this one only
 * builds plain values and checks every length against the bytes actually present.
 * Error texts follow fxamacker/cbor, since notation reports them.
 */

export class CborTag {
  constructor(
    readonly tag: number,
    readonly value: CborValue,
  ) {}
}

/** A simple value other than false/true/null/undefined. */
export class CborSimple {
  constructor(readonly value: number) {}
}

export type CborValue =
  | number
  | bigint
  | string
  | Buffer
  | boolean
  | null
  | undefined
  | CborValue[]
  | CborMap
  | CborTag
  | CborSimple;

/** A decoded map: entries in wire order plus lookup by integer/text key. */
export class CborMap {
  readonly entries: [CborValue, CborValue][] = [];
  private readonly index = new Map<string, number>();

  /** Returns false when an equal key is already present. */
  add(key: CborValue, value: CborValue): boolean {
    const k = keyId(key);
    if (this.index.has(k)) return false;
    this.index.set(k, this.entries.length);
    this.entries.push([key, value]);
    return true;
  }

  has(key: number | string): boolean {
    return this.index.has(keyId(key));
  }

  get(key: number | string): CborValue {
    const i = this.index.get(keyId(key));
    return i === undefined ? undefined : this.entries[i]![1];
  }

  get size(): number {
    return this.entries.length;
  }
}

// Equal numbers are equal keys however they were encoded; other keys compare by content.
function keyId(k: CborValue): string {
  if (typeof k === 'number' || typeof k === 'bigint') return `i:${k.toString()}`;
  if (typeof k === 'string') return `s:${k}`;
  if (Buffer.isBuffer(k)) return `b:${k.toString('hex')}`;
  return `o:${describe(k)}`;
}

function describe(v: CborValue): string {
  if (v instanceof CborMap) return `{${v.entries.map(([k, x]) => `${describe(k)}:${describe(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(describe).join(',')}]`;
  if (v instanceof CborTag) return `${v.tag}(${describe(v.value)})`;
  if (v instanceof CborSimple) return `simple(${v.value})`;
  if (Buffer.isBuffer(v)) return `h'${v.toString('hex')}'`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export class CborError extends Error {}

export interface CborDecodeOptions {
  /** go-cose decodes the outer COSE_Sign1 array with tags forbidden. */
  forbidTags?: boolean;
  /** fxamacker MaxNestedLevels (default 32). */
  maxDepth?: number;
  /** fxamacker MaxArrayElements / MaxMapPairs (default 131072). */
  maxElements?: number;
}

const TYPE_NAMES = ['positive integer', 'negative integer', 'byte string', 'UTF-8 text string', 'array', 'map', 'tag', 'primitives'];
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes one data item at `offset`; returns it and the offset just past it. */
export function decodeItem(bytes: Uint8Array, offset: number, opts: CborDecodeOptions = {}): { value: CborValue; end: number } {
  const d = new Decoder(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), opts);
  d.pos = offset;
  if (offset >= bytes.length) throw new CborError(offset === 0 ? 'EOF' : 'unexpected EOF');
  const value = d.item(0);
  return { value, end: d.pos };
}

/** Decodes exactly one data item that must span all of `bytes`. */
export function decodeAll(bytes: Uint8Array, opts: CborDecodeOptions = {}): CborValue {
  const { value, end } = decodeItem(bytes, 0, opts);
  if (end !== bytes.length) {
    throw new CborError(`cbor: ${bytes.length - end} bytes of extraneous data starting at index ${end}`);
  }
  return value;
}

class Decoder {
  pos = 0;
  private readonly maxDepth: number;
  private readonly maxElements: number;

  constructor(
    private readonly b: Buffer,
    private readonly opts: CborDecodeOptions,
  ) {
    this.maxDepth = opts.maxDepth ?? 32;
    this.maxElements = opts.maxElements ?? 131072;
  }

  private need(n: number): void {
    if (n > this.b.length - this.pos) throw new CborError('unexpected EOF');
  }

  /** Reads the argument of a head; returns a number when it fits 2^53, else a bigint. */
  private argument(major: number, info: number): number | bigint {
    if (info < 24) return info;
    switch (info) {
      case 24:
        this.need(1);
        return this.b[this.pos++]!;
      case 25: {
        this.need(2);
        const v = this.b.readUInt16BE(this.pos);
        this.pos += 2;
        return v;
      }
      case 26: {
        this.need(4);
        const v = this.b.readUInt32BE(this.pos);
        this.pos += 4;
        return v;
      }
      case 27: {
        this.need(8);
        const v = this.b.readBigUInt64BE(this.pos);
        this.pos += 8;
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case 31:
        throw new CborError(`cbor: indefinite-length ${TYPE_NAMES[major]} isn't allowed`);
      default:
        throw new CborError(`cbor: invalid additional information ${info} for type ${TYPE_NAMES[major]}`);
    }
  }

  /** A length argument, which must describe content that can actually be present. */
  private length(major: number, info: number, unit: number): number {
    const n = this.argument(major, info);
    if (typeof n === 'bigint' || n * unit > this.b.length - this.pos) throw new CborError('unexpected EOF');
    return n;
  }

  item(depth: number): CborValue {
    this.need(1);
    const head = this.b[this.pos++]!;
    const major = head >> 5;
    const info = head & 0x1f;
    switch (major) {
      case 0:
        return this.argument(major, info);
      case 1: {
        const n = this.argument(major, info);
        return typeof n === 'bigint' || n === Number.MAX_SAFE_INTEGER ? -1n - BigInt(n) : -1 - n;
      }
      case 2: {
        const n = this.length(major, info, 1);
        const v = Buffer.from(this.b.subarray(this.pos, this.pos + n));
        this.pos += n;
        return v;
      }
      case 3: {
        const n = this.length(major, info, 1);
        const raw = this.b.subarray(this.pos, this.pos + n);
        this.pos += n;
        try {
          return utf8.decode(raw);
        } catch {
          throw new CborError('cbor: invalid UTF-8 string');
        }
      }
      case 4: {
        if (depth + 1 > this.maxDepth) throw new CborError(`cbor: exceeded max nested level ${this.maxDepth}`);
        // Each element takes at least one byte, so a count beyond the remaining bytes is a lie.
        const n = this.length(major, info, 1);
        if (n > this.maxElements) throw new CborError(`cbor: exceeded max number of elements ${this.maxElements} for CBOR array`);
        const out: CborValue[] = [];
        for (let k = 0; k < n; k++) out.push(this.item(depth + 1));
        return out;
      }
      case 5: {
        if (depth + 1 > this.maxDepth) throw new CborError(`cbor: exceeded max nested level ${this.maxDepth}`);
        const n = this.length(major, info, 2);
        if (n > this.maxElements) {
          throw new CborError(`cbor: exceeded max number of key-value pairs ${this.maxElements} for CBOR map`);
        }
        const m = new CborMap();
        for (let k = 0; k < n; k++) {
          const key = this.item(depth + 1);
          const value = this.item(depth + 1);
          if (!m.add(key, value)) throw new CborError(`cbor: found duplicate map key "${describe(key)}" at map element index ${k}`);
        }
        return m;
      }
      case 6: {
        if (this.opts.forbidTags) throw new CborError("cbor: CBOR tag isn't allowed");
        if (depth + 1 > this.maxDepth) throw new CborError(`cbor: exceeded max nested level ${this.maxDepth}`);
        const tag = this.argument(major, info);
        const value = this.item(depth + 1);
        return new CborTag(typeof tag === 'bigint' ? Number.MAX_SAFE_INTEGER : tag, value);
      }
      default:
        return this.simple(info);
    }
  }

  private simple(info: number): CborValue {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 24: {
        this.need(1);
        const v = this.b[this.pos++]!;
        if (v < 32) throw new CborError(`cbor: invalid simple value ${v} for type primitives`);
        return new CborSimple(v);
      }
      case 25: {
        this.need(2);
        const v = halfToNumber(this.b.readUInt16BE(this.pos));
        this.pos += 2;
        return v;
      }
      case 26: {
        this.need(4);
        const v = this.b.readFloatBE(this.pos);
        this.pos += 4;
        return v;
      }
      case 27: {
        this.need(8);
        const v = this.b.readDoubleBE(this.pos);
        this.pos += 8;
        return v;
      }
      case 31:
        throw new CborError('cbor: unexpected "break" code');
      default:
        if (info < 20) return new CborSimple(info);
        throw new CborError(`cbor: invalid additional information ${info} for type primitives`);
    }
  }
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

// ---- encoding: only what Sig_structure needs ----

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(n, 1);
    return b;
  }
  if (n < 0x100000000) {
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = (major << 5) | 27;
  b.writeBigUInt64BE(BigInt(n), 1);
  return b;
}

export function encodeBytes(v: Uint8Array): Buffer {
  return Buffer.concat([head(2, v.length), v]);
}

export function encodeText(v: string): Buffer {
  const body = Buffer.from(v, 'utf8');
  return Buffer.concat([head(3, body.length), body]);
}

export function encodeArrayHead(n: number): Buffer {
  return head(4, n);
}
