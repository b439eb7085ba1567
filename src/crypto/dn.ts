/**
 * X.509 distinguished names, the two ways notation and Ratify handle them:
 *
 * 1. Formatting a certificate's subject/issuer exactly like Go's `pkix.Name.String()`. Ratify reports
 *    `extensions.Issuer` / `extensions.SN` in this form and notation prints it in its error texts, so
 *    the output must match byte for byte (RDNs reversed, standard attributes regrouped, RFC 2253 escaping,
 *    unknown attributes as `OID=#<DER hex>`).
 * 2. Parsing the DN of a trust policy's `x509.subject:` identity the way notation-go does
 *    (`internal/pkix.ParseDistinguishedName` on top of go-ldap's RFC 4514 `ParseDN`) and matching it
 *    against a certificate subject (`IsSubsetDN`).
 *
 * Error texts are notation's / Go's own, because Ratify surfaces them verbatim as `errorReason`.
 */

// ---------------------------------------------------------------------------------------------
// Go's %q (strconv.Quote), needed because notation formats names and values with %q in its errors.
// ---------------------------------------------------------------------------------------------

import { GO_PRINTABLE, goQuote } from './x509/gofmt.js';

export { goQuote };

// ---------------------------------------------------------------------------------------------
// Trust-policy DN parsing (go-ldap ParseDN + notation's rules)
// ---------------------------------------------------------------------------------------------

export interface DnAttribute {
  type: string;
  value: string;
}

/** Go's unicode.IsSpace set (strings.TrimSpace), which differs slightly from JS trim(). */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/g;

/** One relative distinguished name: usually one attribute, several for multi-valued RDNs (`a=1+b=2`). */
export type Rdn = DnAttribute[];

/** A DN string that notation (or go-ldap underneath it) rejects; `message` is the Go error text. */
export class DistinguishedNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DistinguishedNameError';
  }
}

const utf8 = new TextEncoder();
const utf8Lenient = new TextDecoder('utf-8');
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * go-ldap v3.4.10's trimming of a type or value (the version Ratify v1.4.4 and notation-go v1.3.0
 * build with): spaces (only U+0020) around it are insignificant, except that a trailing space is
 * kept when what remains ends in a backslash (v3.4.15 also counts the backslashes; v3.4.10 does not).
 */
function stripSpaces(raw: string): string {
  let start = 0;
  let end = raw.length;
  while (start < end && raw[start] === ' ') start++;
  while (end > start && raw[end - 1] === ' ') end--;
  const s = raw.slice(start, end);
  return s.endsWith('\\') && raw.endsWith(' ') ? `${s} ` : s;
}

const HEX = '0123456789abcdefABCDEF';

/** Go's `%#U` of a byte, as encoding/hex reports an invalid byte (e.g. `U+0067 'g'`). */
function goHexInvalidByte(b: number): string {
  const u = `U+${b.toString(16).toUpperCase().padStart(4, '0')}`;
  const ch = String.fromCodePoint(b);
  return GO_PRINTABLE.test(ch) || ch === ' ' ? `${u} '${ch}'` : u;
}

/** go-ldap decodeString: trim, resolve `\c` and `\XX` escapes (bytes, then UTF-8). */
function decodeDnString(raw: string): string {
  const runes = Array.from(stripSpaces(raw));
  const bytes: number[] = [];
  const push = (ch: string) => {
    for (const b of utf8.encode(ch)) bytes.push(b);
  };
  for (let i = 0; i < runes.length; i++) {
    const ch = runes[i]!;
    if (ch !== '\\') {
      // go-ldap v3.4.10 takes unescaped '"', '<', '>' and NUL as they are (v3.4.15 rejects them).
      push(ch);
      continue;
    }
    if (i + 1 >= runes.length) {
      throw new DistinguishedNameError(`got corrupted escaped character: '${runes.join('')}'`);
    }
    const next = runes[i + 1]!;
    if (' "#+,;<=>\\'.includes(next)) {
      push(next);
      i++;
      continue;
    }
    if (i + 2 >= runes.length) {
      throw new DistinguishedNameError(`failed to decode escaped character: encoding/hex: invalid byte: ${next}`);
    }
    const pair = utf8.encode(runes[i + 1]! + runes[i + 2]!);
    if (pair.length !== 2) {
      throw new DistinguishedNameError(
        `failed to decode escaped character: invalid byte: ${runes[i + 1]!}${runes[i + 2]!}`,
      );
    }
    for (const b of pair) {
      if (!HEX.includes(String.fromCharCode(b))) {
        throw new DistinguishedNameError(
          `failed to decode escaped character: encoding/hex: invalid byte: ${goHexInvalidByte(b)}`,
        );
      }
    }
    bytes.push(parseInt(String.fromCharCode(pair[0]!, pair[1]!), 16));
    i += 2;
  }
  // Hex escapes may split a UTF-8 sequence; Go keeps raw bytes, we decode (invalid bytes become U+FFFD,
  // which can never equal a certificate value since those are valid strings).
  return utf8Lenient.decode(new Uint8Array(bytes));
}

/**
 * RFC 4514 DN string → RDNs, with go-ldap v3 `ParseDN` semantics: `,` and `;` separate RDNs, `+`
 * separates the attributes of a multi-valued RDN, `\` escapes, spaces around types and values are
 * trimmed. Quoted values are not supported (RFC 4514 has none). `#hex` values are not decoded here:
 * notation rejects every DN containing `=#` before parsing.
 */
export function parseRfc4514(dn: string): Rdn[] {
  const rdns: Rdn[] = [];
  if (dn.replace(GO_SPACE, '') === '') return rdns;
  let rdn: Rdn = [];
  let type: string | undefined;
  let escaping = false;
  let start = 0;
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i]!;
    if (escaping) {
      escaping = false;
    } else if (c === '\\') {
      escaping = true;
    } else if (c === '=' && !type) {
      // Only the first '=' of a pair separates type and value; an empty type keeps looking, as go-ldap.
      type = decodeDnString(dn.slice(start, i));
      start = i + 1;
    } else if (c === ',' || c === '+' || c === ';') {
      if (!type) throw new DistinguishedNameError('incomplete type, value pair');
      rdn.push({ type, value: decodeValue(dn.slice(start, i)) });
      type = undefined;
      start = i + 1;
      if (c !== '+') {
        rdns.push(rdn);
        rdn = [];
      }
    }
  }
  if (!type) throw new DistinguishedNameError('DN ended with incomplete type, value pair');
  rdn.push({ type, value: decodeValue(dn.slice(start)) });
  rdns.push(rdn);
  return rdns;
}

function decodeValue(raw: string): string {
  if (raw.startsWith('#')) {
    // go-ldap would BER-decode; notation never gets here (it refuses "=#"), so keep the text.
    throw new DistinguishedNameError('hex-encoded (#) attribute values are not supported');
  }
  return decodeDnString(raw);
}

/** Attribute types notation requires in every `x509.subject` identity. */
const MANDATORY_DN_ATTRIBUTES = ['C', 'ST', 'O'] as const;

/**
 * notation-go `pkix.ParseDistinguishedName`: the DN as a type → value map. Rejects `=#`, syntax
 * errors, multi-valued RDNs, duplicate attributes and DNs without C, ST and O. `S` is an alias of `ST`.
 * Types are case-sensitive (`c=US` is not `C`), as in notation.
 */
export function parseNotationDN(name: string): Map<string, string> {
  if (name.includes('=#')) {
    throw new DistinguishedNameError(
      `unsupported distinguished name (DN) ${goQuote(name)}: notation does not support x509.subject identities containing "=#"`,
    );
  }
  let rdns: Rdn[];
  try {
    rdns = parseRfc4514(name);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new DistinguishedNameError(
      `parsing distinguished name (DN) ${goQuote(name)} failed with err: ${why}. A valid DN must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum, and follow RFC 4514 standard`,
    );
  }
  const attrs = new Map<string, string>();
  for (const rdn of rdns) {
    if (rdn.length > 1) {
      throw new DistinguishedNameError(
        `distinguished name (DN) ${goQuote(name)} has multi-valued RDN attributes, remove multi-valued RDN attributes as they are not supported`,
      );
    }
    for (const attr of rdn) {
      const type = attr.type === 'S' ? 'ST' : attr.type;
      // Go checks `map[type] == ""`: an attribute seen with an empty value may appear again.
      if (!attrs.get(type)) {
        attrs.set(type, attr.value);
      } else {
        throw new DistinguishedNameError(
          `distinguished name (DN) ${goQuote(name)} has duplicate RDN attribute for ${goQuote(type)}, DN can only have unique RDN attributes`,
        );
      }
    }
  }
  for (const field of MANDATORY_DN_ATTRIBUTES) {
    if (!attrs.get(field)) {
      throw new DistinguishedNameError(
        `distinguished name (DN) ${goQuote(name)} has no mandatory RDN attribute for ${goQuote(field)}, it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum`,
      );
    }
  }
  return attrs;
}

/**
 * notation's identity match (`pkix.IsSubsetDN`): every attribute of `subset` is present in `superset`
 * with an identical (case-sensitive) value. A missing attribute compares as "".
 */
export function isSubsetDN(subset: ReadonlyMap<string, string>, superset: ReadonlyMap<string, string>): boolean {
  for (const [k, v] of subset) {
    if ((superset.get(k) ?? '') !== v) return false;
  }
  return true;
}

/** Go's `%q` of a `[]map[string]string` (keys sorted), as notation prints the trusted identities. */
export function formatDnMapsGo(maps: ReadonlyArray<ReadonlyMap<string, string>>): string {
  const one = (m: ReadonlyMap<string, string>) =>
    `map[${[...m.keys()]
      .sort(compareGoStrings)
      .map((k) => `${goQuote(k)}:${goQuote(m.get(k)!)}`)
      .join(' ')}]`;
  return `[${maps.map(one).join(' ')}]`;
}

/** Go compares strings bytewise (UTF-8), which differs from JS UTF-16 order above U+FFFF. */
function compareGoStrings(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

// ---------------------------------------------------------------------------------------------
// Minimal DER reading (just enough for Name and the certificate fields around it)
// ---------------------------------------------------------------------------------------------

interface Tlv {
  /** The identifier octet (class | constructed | number) for low tag numbers. */
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

function readTlv(buf: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new Error('x509: malformed certificate: truncated DER');
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new Error('x509: malformed certificate: high tag numbers are not supported');
  let p = pos + 1;
  let len = buf[p++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('x509: malformed certificate: unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) {
      if (p >= limit) throw new Error('x509: malformed certificate: truncated DER');
      len = len * 256 + buf[p++]!;
    }
  }
  const end = p + len;
  if (end > limit) throw new Error('x509: malformed certificate: truncated DER');
  return { tag, start: pos, contentStart: p, end };
}

function children(buf: Uint8Array, tlv: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = tlv.contentStart; p < tlv.end; ) {
    const c = readTlv(buf, p, tlv.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

function decodeOid(bytes: Uint8Array): string {
  const arcs: number[] = [];
  let v = 0;
  for (let i = 0; i < bytes.length; i++) {
    v = v * 128 + (bytes[i]! & 0x7f);
    if (!(bytes[i]! & 0x80)) {
      if (arcs.length === 0) {
        if (v < 80) arcs.push(Math.floor(v / 40), v % 40);
        else arcs.push(2, v - 80);
      } else {
        arcs.push(v);
      }
      v = 0;
    }
  }
  if (bytes.length === 0 || bytes[bytes.length - 1]! & 0x80) throw new Error('x509: malformed OID');
  return arcs.join('.');
}

// ---------------------------------------------------------------------------------------------
// Go pkix.Name.String()
// ---------------------------------------------------------------------------------------------

/** crypto/x509's PrintableString check (admits '*' and '&', which real certificates use). */
function isX509Printable(b: number): boolean {
  return (
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x27 && b <= 0x29) ||
    (b >= 0x2b && b <= 0x2f) ||
    b === 0x20 ||
    b === 0x3a ||
    b === 0x3d ||
    b === 0x3f ||
    b === 0x2a ||
    b === 0x26
  );
}

/** crypto/x509 parseASN1String: the string types Go accepts in a Name, decoded as Go does. */
function decodeAsn1String(tag: number, v: Uint8Array): string {
  const bad = (what: string) => new Error(`x509: invalid RDNSequence: invalid attribute value: ${what}`);
  switch (tag) {
    case 0x14: // T61String: treated as Latin-1, like Go and BoringSSL
      return Array.from(v, (b) => String.fromCharCode(b)).join('');
    case 0x13: // PrintableString
      for (const b of v) if (!isX509Printable(b)) throw bad('invalid PrintableString');
      return String.fromCharCode(...v);
    case 0x0c: // UTF8String
      try {
        return utf8Strict.decode(v);
      } catch {
        throw bad('invalid UTF-8 string');
      }
    case 0x1e: {
      // BMPString (UCS-2): Go strips a trailing NUL and rejects surrogates and non-characters.
      if (v.length % 2 !== 0) throw bad('invalid BMPString');
      let n = v.length;
      if (n >= 2 && v[n - 1] === 0 && v[n - 2] === 0) n -= 2;
      let s = '';
      for (let i = 0; i < n; i += 2) {
        const point = (v[i]! << 8) | v[i + 1]!;
        if (point === 0xfffe || point === 0xffff || (point >= 0xfdd0 && point <= 0xfdef) || (point >= 0xd800 && point <= 0xdfff)) {
          throw bad('invalid BMPString');
        }
        s += String.fromCharCode(point);
      }
      return s;
    }
    case 0x16: // IA5String
      for (const b of v) if (b >= 0x80) throw bad('invalid IA5String');
      return String.fromCharCode(...v);
    case 0x12: // NumericString
      for (const b of v) if (!((b >= 0x30 && b <= 0x39) || b === 0x20)) throw bad('invalid NumericString');
      return String.fromCharCode(...v);
    default:
      throw bad(`unsupported string type: ${tag}`);
  }
}

interface Atv {
  oid: string;
  value: string;
}

/** Parses DER `Name` (RDNSequence) into Go's view: every attribute value is a string. */
function parseNameDer(der: Uint8Array, tlv?: Tlv): Atv[][] {
  const seq = tlv ?? readTlv(der, 0, der.length);
  if (seq.tag !== 0x30) throw new Error('x509: invalid RDNSequence');
  const rdns: Atv[][] = [];
  for (const set of children(der, seq)) {
    if (set.tag !== 0x31) throw new Error('x509: invalid RDNSequence: invalid attribute');
    const rdn: Atv[] = [];
    for (const atv of children(der, set)) {
      const parts = atv.tag === 0x30 ? children(der, atv) : [];
      if (parts.length !== 2 || parts[0]!.tag !== 0x06) throw new Error('x509: invalid RDNSequence: invalid attribute');
      const oid = decodeOid(der.subarray(parts[0]!.contentStart, parts[0]!.end));
      const value = decodeAsn1String(parts[1]!.tag, der.subarray(parts[1]!.contentStart, parts[1]!.end));
      rdn.push({ oid, value });
    }
    rdns.push(rdn);
  }
  return rdns;
}

/** Go's attributeTypeNames: the only attributes printed by name. */
const GO_ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.6': 'C',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.3': 'CN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.17': 'POSTALCODE',
};

/** The order `Name.ToRDNSequence()` rebuilds the parsed fields in (String() then reverses it). */
const GO_FIELD_ORDER = ['2.5.4.6', '2.5.4.8', '2.5.4.7', '2.5.4.9', '2.5.4.17', '2.5.4.10', '2.5.4.11'] as const;
const OID_CN = '2.5.4.3';
const OID_SERIAL = '2.5.4.5';

/** Go's encoding/asn1 PrintableString alphabet for marshalling (no '*' or '&'). */
function isAsn1MarshalPrintable(cp: number): boolean {
  return cp < 0x80 && cp !== 0x2a && cp !== 0x26 && isX509Printable(cp);
}

/** `asn1.Marshal(string)`: PrintableString when possible, else UTF8String; DER-length encoded. */
function marshalGoString(value: string): Uint8Array {
  let printable = true;
  for (const ch of value) {
    if (!isAsn1MarshalPrintable(ch.codePointAt(0)!)) {
      printable = false;
      break;
    }
  }
  const body = utf8.encode(value);
  const len = body.length;
  let header: number[];
  if (len < 0x80) header = [len];
  else {
    const lb: number[] = [];
    for (let l = len; l > 0; l = Math.floor(l / 256)) lb.unshift(l & 0xff);
    header = [0x80 | lb.length, ...lb];
  }
  const out = new Uint8Array(1 + header.length + len);
  out[0] = printable ? 0x13 : 0x0c;
  out.set(header, 1);
  out.set(body, 1 + header.length);
  return out;
}

/** Go RDNSequence.String() value escaping (RFC 2253 subset). */
function escapeGoValue(value: string): string {
  const chars = Array.from(value);
  let out = '';
  chars.forEach((c, k) => {
    let escape = false;
    switch (c) {
      case ',':
      case '+':
      case '"':
      case '\\':
      case '<':
      case '>':
      case ';':
        escape = true;
        break;
      case ' ':
        escape = k === 0 || k === chars.length - 1;
        break;
      case '#':
        escape = k === 0;
        break;
    }
    out += escape ? `\\${c}` : c;
  });
  return out;
}

function rdnSequenceString(rdns: Atv[][]): string {
  const parts: string[] = [];
  for (let i = rdns.length - 1; i >= 0; i--) {
    parts.push(
      rdns[i]!
        .map((tv) => {
          const name = GO_ATTRIBUTE_NAMES[tv.oid];
          if (name === undefined) {
            return `${tv.oid}=#${Buffer.from(marshalGoString(tv.value)).toString('hex')}`;
          }
          return `${name}=${escapeGoValue(tv.value)}`;
        })
        .join('+'),
    );
  }
  return parts.join(',');
}

/** Go `pkix.Name.String()` of already-parsed RDNs (as `FillFromRDNSequence` + `String` do). */
function goNameString(rdns: Atv[][]): string {
  const fields = new Map<string, string[]>();
  let cn = '';
  let serial = '';
  const nonStandard: Atv[][] = [];
  for (const rdn of rdns) {
    for (const atv of rdn) {
      if (atv.oid === OID_CN) cn = atv.value;
      else if (atv.oid === OID_SERIAL) serial = atv.value;
      else if ((GO_FIELD_ORDER as readonly string[]).includes(atv.oid)) {
        const list = fields.get(atv.oid) ?? [];
        list.push(atv.value);
        fields.set(atv.oid, list);
      } else {
        // Non-standard attributes go first (so they print last), each in its own RDN (Go issue 39924).
        nonStandard.push([atv]);
      }
    }
  }
  const seq: Atv[][] = [...nonStandard];
  for (const oid of GO_FIELD_ORDER) {
    const values = fields.get(oid);
    // Repeated values of one attribute become one multi-valued RDN ("OU=a+OU=b").
    if (values && values.length > 0) seq.push(values.map((value) => ({ oid, value })));
  }
  if (cn.length > 0) seq.push([{ oid: OID_CN, value: cn }]);
  if (serial.length > 0) seq.push([{ oid: OID_SERIAL, value: serial }]);
  return rdnSequenceString(seq);
}

/** Go `pkix.Name.String()` of a DER-encoded `Name`. */
export function formatName(nameDer: Uint8Array): string {
  return goNameString(parseNameDer(nameDer));
}

/**
 * Anything a certificate arrives as: DER bytes, node:crypto's X509Certificate (`raw`),
 * @peculiar/x509's (`rawData`), or crypto/x509's parsed Certificate (`der`).
 */
export type CertificateInput =
  | Uint8Array
  | ArrayBuffer
  | { readonly raw: Uint8Array }
  | { readonly rawData: ArrayBuffer }
  | { readonly der: Uint8Array };

export function certificateDer(cert: CertificateInput): Uint8Array {
  if (cert instanceof Uint8Array) return cert;
  if (cert instanceof ArrayBuffer) return new Uint8Array(cert);
  if ('der' in cert && cert.der instanceof Uint8Array) return cert.der;
  if ('raw' in cert && cert.raw instanceof Uint8Array) return cert.raw;
  if ('rawData' in cert && cert.rawData instanceof ArrayBuffer) return new Uint8Array(cert.rawData);
  throw new TypeError('not a certificate: expected DER bytes or a parsed X509Certificate');
}

export interface CertificateNames {
  /** The exact DER of the issuer Name (Go's RawIssuer). */
  issuerDer: Uint8Array;
  /** The exact DER of the subject Name (Go's RawSubject). */
  subjectDer: Uint8Array;
}

/** Locates issuer and subject inside a DER certificate without re-encoding them. */
export function certificateNames(cert: CertificateInput): CertificateNames {
  const der = certificateDer(cert);
  const outer = readTlv(der, 0, der.length);
  const tbs = outer.tag === 0x30 ? children(der, outer)[0] : undefined;
  if (!tbs || tbs.tag !== 0x30) throw new Error('x509: malformed certificate');
  const f = children(der, tbs);
  // version is [0] EXPLICIT and optional; then serial, signature, issuer, validity, subject.
  const base = f[0]?.tag === 0xa0 ? 1 : 0;
  const issuer = f[base + 2];
  const subject = f[base + 4];
  if (!issuer || !subject || issuer.tag !== 0x30 || subject.tag !== 0x30) throw new Error('x509: malformed certificate');
  return {
    issuerDer: der.subarray(issuer.start, issuer.end),
    subjectDer: der.subarray(subject.start, subject.end),
  };
}

/** The certificate subject as Go's `cert.Subject.String()` (Ratify's `extensions.SN`). */
export function formatSubject(cert: CertificateInput): string {
  return formatName(certificateNames(cert).subjectDer);
}

/** The certificate issuer as Go's `cert.Issuer.String()` (Ratify's `extensions.Issuer`). */
export function formatIssuer(cert: CertificateInput): string {
  return formatName(certificateNames(cert).issuerDer);
}
