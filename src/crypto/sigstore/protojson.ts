/**
 * The rules of Go's protojson.Unmarshal (google.golang.org/protobuf v1.36, default options), which
 * sigstore-go uses to read trusted_root.json. @sigstore/protobuf-specs' fromJSON is far more
 * lenient (unknown fields and snake_case names silently dropped, any base64, any Date string), so
 * documents are checked here first:
 * - UTF-8 JSON without duplicate keys; an unpaired surrogate escape is an error;
 * - a message field is named by its JSON name or its proto name, each at most once; unknown
 *   fields are errors; `null` leaves a field unset;
 * - list elements are never null; enums are a known name or an int32; bytes are base64 in any of
 *   Go's four standard encodings (URL alphabet when `-` or `_` occurs, unpadded when the length
 *   is not a multiple of 4); timestamps are what Go's time.Parse(RFC3339Nano) accepts, within
 *   years 1-9999, with at most 9 fractional digits after a '.'.
 */
import { Base64Error, decodeGo } from '../encoding/gobase64.js';
import { JsonSyntaxError, parseJson, type JsonValue } from '../encoding/gojson.js';

/** A protojson rule violation at `field` (a path such as `tlogs[0].publicKey.rawBytes`). */
export class ProtoJsonError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProtoJsonError';
  }
}

/** `fromJSON`'s view of a field: an object with the message's fields by JSON name, nulls removed. */
export type MessageFields = Map<string, JsonValue>;

export function joinField(at: string, name: string): string {
  return at === '' ? name : `${at}.${name}`;
}

/** protoc's JSON name of a field: `media_type` → `mediaType`. */
function jsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a protojson document into JSON values (objects as Maps, keys in order). */
export function parseProtoJson(bytes: Uint8Array): JsonValue {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ProtoJsonError('', 'invalid UTF-8');
  }
  let value: JsonValue;
  try {
    value = parseJson(bytes);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new ProtoJsonError('', e.message.startsWith('repeated key') ? `duplicate field: ${e.message}` : e.message);
    throw e;
  }
  const bad = unpairedSurrogateEscape(text);
  if (bad !== undefined) throw new ProtoJsonError('', `invalid escape code ${JSON.stringify(bad)} in string`);
  return value;
}

const isHex4 = (s: string) => /^[0-9a-fA-F]{4}$/.test(s);

/** The first `\uXXXX` escape that is half of a surrogate pair without its other half, if any. */
function unpairedSurrogateEscape(text: string): string | undefined {
  // Run after a successful parse, so every backslash is an escape inside a string.
  for (let i = text.indexOf('\\'); i >= 0; i = text.indexOf('\\', i)) {
    if (text[i + 1] !== 'u') {
      i += 2;
      continue;
    }
    const hex = text.slice(i + 2, i + 6);
    const code = isHex4(hex) ? parseInt(hex, 16) : -1;
    if (code >= 0xdc00 && code <= 0xdfff) return text.slice(i, i + 6);
    if (code >= 0xd800 && code <= 0xdbff) {
      const low = text.slice(i + 6, i + 12);
      const lowCode = low.startsWith('\\u') && isHex4(low.slice(2)) ? parseInt(low.slice(2), 16) : -1;
      if (lowCode < 0xdc00 || lowCode > 0xdfff) return text.slice(i, i + 6);
      i += 12;
      continue;
    }
    i += 6;
  }
  return undefined;
}

function kind(v: JsonValue): string {
  if (v === null) return 'null';
  if (v instanceof Map) return 'object';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'string' ? `string ${JSON.stringify(v)}` : `${typeof v} ${String(v)}`;
}

/**
 * Reads a message. `fields` are the proto field names; the result is keyed by JSON name and holds
 * only fields that are present and not null.
 */
export function readMessage(v: JsonValue, at: string, fields: readonly string[]): MessageFields {
  if (!(v instanceof Map)) throw new ProtoJsonError(at, `expected an object, got ${kind(v)}`);
  const byName = new Map<string, string>();
  for (const f of fields) {
    byName.set(f, jsonName(f));
    byName.set(jsonName(f), jsonName(f));
  }
  const seen = new Set<string>();
  const out: MessageFields = new Map();
  for (const [key, value] of v) {
    const field = byName.get(key);
    if (field === undefined) throw new ProtoJsonError(joinField(at, key), `unknown field ${JSON.stringify(key)}`);
    if (seen.has(field)) throw new ProtoJsonError(joinField(at, key), `duplicate field ${JSON.stringify(key)}`);
    seen.add(field);
    if (value !== null) out.set(field, value);
  }
  return out;
}

export function readString(v: JsonValue, at: string): string {
  if (typeof v !== 'string') throw new ProtoJsonError(at, `invalid value for string field: ${kind(v)}`);
  return v;
}

/** A repeated field's elements (protojson refuses null elements in a list of messages or scalars). */
export function readList(v: JsonValue, at: string): JsonValue[] {
  if (!Array.isArray(v)) throw new ProtoJsonError(at, `expected an array, got ${kind(v)}`);
  v.forEach((e, i) => {
    if (e === null) throw new ProtoJsonError(`${at}[${i}]`, 'null is not allowed in a list');
  });
  return v;
}

/** A bytes field, decoded the way protojson's unmarshalBytes does. */
export function readBytes(v: JsonValue, at: string): Buffer {
  if (typeof v !== 'string') throw new ProtoJsonError(at, `invalid value for bytes field: ${kind(v)}`);
  try {
    return decodeGo(v, /[-_]/.test(v) ? 'url' : 'std', v.length % 4 === 0);
  } catch (e) {
    if (e instanceof Base64Error) throw new ProtoJsonError(at, `invalid value for bytes field: ${e.message}`);
    throw e;
  }
}

/** An enum field: a value name, or any int32 (proto3 enums are open). */
export function readEnum(v: JsonValue, at: string, values: Readonly<Record<string, number>>): number {
  if (typeof v === 'string' && Object.hasOwn(values, v)) return values[v]!;
  if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return v;
  throw new ProtoJsonError(at, `invalid value for enum field: ${kind(v)}`);
}

/** A google.protobuf.Timestamp: seconds since the Unix epoch and nanoseconds within the second. */
export interface Timestamp {
  seconds: number;
  nanos: number;
}

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, protojson's bounds. */
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300799;

export function readTimestamp(v: JsonValue, at: string): Timestamp {
  if (typeof v !== 'string') throw new ProtoJsonError(at, `invalid google.protobuf.Timestamp value ${kind(v)}`);
  const t = parseGoRFC3339(v);
  if (t === undefined) throw new ProtoJsonError(at, `invalid google.protobuf.Timestamp value ${JSON.stringify(v)}`);
  if (t.seconds < MIN_SECONDS || t.seconds > MAX_SECONDS) {
    throw new ProtoJsonError(at, `google.protobuf.Timestamp value out of range: ${JSON.stringify(v)}`);
  }
  const dot = v.lastIndexOf('.');
  const zone = Math.max(v.lastIndexOf('Z'), v.lastIndexOf('-'), v.lastIndexOf('+'));
  if (dot >= 0 && zone >= dot && zone - dot > '.999999999'.length) {
    throw new ProtoJsonError(at, `invalid google.protobuf.Timestamp value ${JSON.stringify(v)}`);
  }
  return t;
}

const isDigit = (s: string, i: number) => i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

function daysIn(month: number, year: number): number {
  return month === 2 ? (isLeap(year) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Go's time.Parse(time.RFC3339Nano, s). When its strict RFC 3339 reader fails, Go falls back to
 * the layout parser, which also takes a one-digit hour, a ',' before the fraction, any number of
 * fractional digits (9 kept) and zone offsets up to 24:60; the union of the two is accepted here.
 */
export function parseGoRFC3339(s: string): Timestamp | undefined {
  let i = 0;
  const fixed = (n: number): number | undefined => {
    let v = 0;
    for (let k = 0; k < n; k++) {
      if (!isDigit(s, i + k)) return undefined;
      v = v * 10 + (s.charCodeAt(i + k) - 48);
    }
    i += n;
    return v;
  };
  const literal = (c: string): boolean => {
    if (s[i] !== c) return false;
    i++;
    return true;
  };
  const year = fixed(4);
  if (year === undefined || !literal('-')) return undefined;
  const month = fixed(2);
  if (month === undefined || !literal('-')) return undefined;
  const day = fixed(2);
  if (day === undefined || !literal('T')) return undefined;
  const hour = fixed(isDigit(s, i + 1) ? 2 : 1);
  if (hour === undefined || !literal(':')) return undefined;
  const minute = fixed(2);
  if (minute === undefined || !literal(':')) return undefined;
  const second = fixed(2);
  if (second === undefined) return undefined;
  let nanos = 0;
  if ((s[i] === '.' || s[i] === ',') && isDigit(s, i + 1)) {
    let j = i + 1;
    while (isDigit(s, j)) j++;
    nanos = Number(s.slice(i + 1, j).slice(0, 9).padEnd(9, '0'));
    i = j;
  }
  let offset = 0;
  if (s[i] === 'Z') i++;
  else {
    if (s.length - i < 6 || s[i + 3] !== ':' || (s[i] !== '+' && s[i] !== '-')) return undefined;
    const sign = s[i] === '-' ? -1 : 1;
    i++;
    const oh = fixed(2);
    i++;
    const om = fixed(2);
    if (oh === undefined || om === undefined || oh > 24 || om > 60) return undefined;
    offset = sign * (oh * 3600 + om * 60);
  }
  if (i !== s.length) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || second > 59) return undefined;
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  return { seconds, nanos };
}
