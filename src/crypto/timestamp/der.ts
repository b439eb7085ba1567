/**
 * A thin, strict reader over asn1js trees. asn1js does the BER/DER decoding; this module walks
 * the result field by field so that every structure error names the field that was wrong, in the
 * same "asn1: syntax error" / "asn1: structure error" words Go's encoding/asn1 uses (the texts
 * notation and tspclient-go report).
 *
 * Shared by src/crypto/timestamp and src/crypto/revocation (CMS, TSTInfo, CRL, OCSP).
 */
import * as asn1js from 'asn1js';

export type Node = asn1js.AsnType;

/** A malformed or unexpected ASN.1 structure. `message` is Go-style ("asn1: ..."). */
export class Asn1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Asn1Error';
  }
}

export const UNIVERSAL = 1;
export const CONTEXT = 3;

export const TAG = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  ENUMERATED: 10,
  SEQUENCE: 16,
  SET: 17,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
} as const;

const UNIVERSAL_NAMES: Record<number, string> = {
  1: 'BOOLEAN',
  2: 'INTEGER',
  3: 'BIT STRING',
  4: 'OCTET STRING',
  5: 'NULL',
  6: 'OBJECT IDENTIFIER',
  10: 'ENUMERATED',
  12: 'UTF8String',
  16: 'SEQUENCE',
  17: 'SET',
  19: 'PrintableString',
  22: 'IA5String',
  23: 'UTCTime',
  24: 'GeneralizedTime',
};

/** Decodes one BER/DER element. Trailing bytes are ignored, as Go's asn1.Unmarshal does. */
export function decode(bytes: Uint8Array): Node {
  if (bytes.length === 0) throw new Asn1Error('asn1: syntax error: sequence truncated');
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = asn1js.fromBER(view);
  if (r.offset === -1) {
    const why = String((r.result as { error?: unknown }).error ?? 'invalid encoding');
    throw new Asn1Error(`asn1: syntax error: ${/end of input|too short|truncat/i.test(why) ? 'data truncated' : why}`);
  }
  return r.result;
}

/** Decodes and requires that nothing follows the element. */
export function decodeExact(bytes: Uint8Array, what: string): Node {
  const n = decode(bytes);
  if (raw(n).length !== bytes.length) throw new Asn1Error(`asn1: syntax error: trailing data after ${what}`);
  return n;
}

export function tagClass(n: Node): number {
  return n.idBlock.tagClass;
}
export function tagNumber(n: Node): number {
  return n.idBlock.tagNumber;
}
export function isConstructed(n: Node): boolean {
  return n.idBlock.isConstructed;
}

export function is(n: Node | undefined, cls: number, tag: number): boolean {
  return n !== undefined && n.idBlock.tagClass === cls && n.idBlock.tagNumber === tag;
}
export function isUniversal(n: Node | undefined, tag: number): boolean {
  return is(n, UNIVERSAL, tag);
}
export function isContext(n: Node | undefined, tag: number): boolean {
  return is(n, CONTEXT, tag);
}

export function describe(n: Node): string {
  const cls = n.idBlock.tagClass;
  const t = n.idBlock.tagNumber;
  if (cls === UNIVERSAL) return UNIVERSAL_NAMES[t] ?? `universal tag ${t}`;
  if (cls === CONTEXT) return `[${t}]`;
  return `${cls === 2 ? 'application' : 'private'} tag ${t}`;
}

/** The exact bytes this element was decoded from (tag, length and content). */
export function raw(n: Node): Uint8Array {
  return new Uint8Array(n.valueBeforeDecodeView);
}

/** Children of a constructed element; none for a primitive one. */
export function children(n: Node): Node[] {
  // A primitive OBJECT IDENTIFIER's valueBlock.value holds its sub-identifier blocks, not elements.
  if (!n.idBlock.isConstructed) return [];
  const v = (n.valueBlock as { value?: unknown }).value;
  return Array.isArray(v) ? (v as Node[]) : [];
}

/** Content octets of a primitive element; a constructed (BER) string is concatenated. */
export function content(n: Node): Uint8Array {
  if (n.idBlock.isConstructed) {
    const parts = children(n).map(content);
    const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
  const hex = (n.valueBlock as { valueHexView?: Uint8Array }).valueHexView;
  return hex ? new Uint8Array(hex) : new Uint8Array(0);
}

function mismatch(field: string, want: string, got: Node): Asn1Error {
  return new Asn1Error(`asn1: structure error: tags don't match for ${field}: expected ${want}, got ${describe(got)}`);
}

export function expectUniversal(n: Node, tag: number, field: string): Node {
  if (!isUniversal(n, tag)) throw mismatch(field, UNIVERSAL_NAMES[tag] ?? `tag ${tag}`, n);
  return n;
}

export function oid(n: Node, field: string): string {
  expectUniversal(n, TAG.OID, field);
  return (n as asn1js.ObjectIdentifier).getValue();
}

/** Two's-complement INTEGER (or ENUMERATED) content as a bigint. */
export function integer(n: Node, field: string): bigint {
  if (!isUniversal(n, TAG.INTEGER) && !isUniversal(n, TAG.ENUMERATED)) throw mismatch(field, 'INTEGER', n);
  return bigintFromTwos(content(n), field);
}

/** INTEGER content of an IMPLICIT-tagged integer (e.g. Accuracy millis [0]). */
export function implicitInteger(n: Node, field: string): bigint {
  if (n.idBlock.isConstructed) throw new Asn1Error(`asn1: structure error: ${field}: expected primitive INTEGER`);
  return bigintFromTwos(content(n), field);
}

export function bigintFromTwos(b: Uint8Array, field: string): bigint {
  if (b.length === 0) throw new Asn1Error(`asn1: structure error: empty integer in ${field}`);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  if ((b[0] ?? 0) & 0x80) v -= 1n << BigInt(b.length * 8);
  return v;
}

export function smallInt(n: Node, field: string): number {
  const v = integer(n, field);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new Asn1Error(`asn1: structure error: integer too large in ${field}`);
  }
  return Number(v);
}

export function octets(n: Node, field: string): Uint8Array {
  expectUniversal(n, TAG.OCTET_STRING, field);
  return content(n);
}

/** BIT STRING payload without the leading unused-bits octet (asn1js already strips it). */
export function bitString(n: Node, field: string): Uint8Array {
  expectUniversal(n, TAG.BIT_STRING, field);
  if (n.idBlock.isConstructed) throw new Asn1Error(`asn1: syntax error: constructed bit string in ${field}`);
  return content(n);
}

export function boolean(n: Node, field: string): boolean {
  expectUniversal(n, TAG.BOOLEAN, field);
  const c = content(n);
  if (c.length !== 1) throw new Asn1Error(`asn1: syntax error: invalid boolean in ${field}`);
  return c[0] !== 0;
}

export function generalizedTime(n: Node, field: string): Date {
  if (!isUniversal(n, TAG.GENERALIZED_TIME)) throw mismatch(field, 'GeneralizedTime', n);
  return toDate(n, field);
}

/** X.509 Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }. */
export function time(n: Node, field: string): Date {
  if (!isUniversal(n, TAG.UTC_TIME) && !isUniversal(n, TAG.GENERALIZED_TIME)) throw mismatch(field, 'Time', n);
  return toDate(n, field);
}

function toDate(n: Node, field: string): Date {
  const d = (n as asn1js.UTCTime).toDate();
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw new Asn1Error(`asn1: syntax error: invalid time in ${field}`);
  }
  return d;
}

/** Fields of a SEQUENCE read in order, with OPTIONAL ones by tag. */
export class SeqReader {
  private i = 0;
  private readonly items: Node[];

  constructor(
    n: Node,
    readonly name: string,
  ) {
    if (!isUniversal(n, TAG.SEQUENCE)) throw mismatch(name, 'SEQUENCE', n);
    this.items = children(n);
  }

  /** The next field, which must exist. */
  next(field: string): Node {
    const n = this.items[this.i];
    if (n === undefined) throw new Asn1Error(`asn1: syntax error: sequence truncated (${this.name}: missing ${field})`);
    this.i++;
    return n;
  }

  /** The next field if `match` accepts it, else undefined (the field is absent). */
  optional(match: (n: Node) => boolean): Node | undefined {
    const n = this.items[this.i];
    if (n !== undefined && match(n)) {
      this.i++;
      return n;
    }
    return undefined;
  }

  get remaining(): Node[] {
    return this.items.slice(this.i);
  }

  get done(): boolean {
    return this.i >= this.items.length;
  }
}

/** The single child of an EXPLICIT context tag. */
export function explicit(n: Node, field: string): Node {
  const c = children(n);
  if (!n.idBlock.isConstructed || c.length !== 1 || c[0] === undefined) {
    throw new Asn1Error(`asn1: structure error: ${field}: malformed explicit tag`);
  }
  return c[0];
}

export interface AlgorithmIdentifier {
  oid: string;
  /** Parameters element, if any (NULL included). */
  params: Node | undefined;
}

export function algorithmIdentifier(n: Node, field: string): AlgorithmIdentifier {
  const r = new SeqReader(n, field);
  const id = oid(r.next('algorithm'), `${field}.algorithm`);
  const params = r.done ? undefined : r.next('parameters');
  return { oid: id, params };
}

export interface Extension {
  oid: string;
  critical: boolean;
  /** extnValue content (the DER of the extension's own structure). */
  value: Uint8Array;
}

/** Extensions ::= SEQUENCE OF Extension. */
export function extensions(n: Node, field: string): Extension[] {
  expectUniversal(n, TAG.SEQUENCE, field);
  return children(n).map((e, i) => {
    const r = new SeqReader(e, `${field}[${i}]`);
    const id = oid(r.next('extnID'), `${field}[${i}].extnID`);
    const crit = r.optional((x) => isUniversal(x, TAG.BOOLEAN));
    const value = octets(r.next('extnValue'), `${field}[${i}].extnValue`);
    return { oid: id, critical: crit ? boolean(crit, `${field}[${i}].critical`) : false, value };
  });
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
