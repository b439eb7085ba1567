/**
 * Distinguished names rendered the way Go's pkix.Name.String() renders a parsed certificate
 * name. notation-core-go puts that text (quoted) into every chain-validation error, so the
 * messages only match when this does. The general DN parser/formatter lives in crypto/dn.ts;
 * this file only covers what our error texts need.
 */

/** One attribute of a name, in certificate order. `value` is the decoded string. */
export interface NameAttribute {
  oid: string;
  value: string;
}

const OID = {
  C: '2.5.4.6',
  ST: '2.5.4.8',
  L: '2.5.4.7',
  STREET: '2.5.4.9',
  POSTALCODE: '2.5.4.17',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  SERIALNUMBER: '2.5.4.5',
} as const;

const SHORT: Record<string, string> = Object.fromEntries(Object.entries(OID).map(([k, v]) => [v, k]));

// Go lifts these into named fields and re-emits them in a fixed order (Name.ToRDNSequence).
const FIXED_ORDER = [OID.C, OID.ST, OID.L, OID.STREET, OID.POSTALCODE, OID.O, OID.OU];

/** Go pkix.Name.String() for a name parsed from a certificate. */
export function goNameString(attrs: readonly NameAttribute[]): string {
  const rdns: NameAttribute[][] = [];
  // Non-standard attributes come first in the sequence, so they print last (Go issue 39924).
  for (const a of attrs) if (!Object.hasOwn(SHORT, a.oid)) rdns.push([a]);
  for (const oid of FIXED_ORDER) {
    const values = attrs.filter((a) => a.oid === oid);
    if (values.length) rdns.push(values);
  }
  // CN and SERIALNUMBER are single-valued in pkix.Name: the last one wins, empty is dropped.
  for (const oid of [OID.CN, OID.SERIALNUMBER]) {
    const last = [...attrs].reverse().find((a) => a.oid === oid);
    if (last && last.value !== '') rdns.push([last]);
  }
  const parts: string[] = [];
  for (let i = rdns.length - 1; i >= 0; i--) {
    parts.push(rdns[i]!.map(formatAttribute).join('+'));
  }
  return parts.join(',');
}

function formatAttribute(a: NameAttribute): string {
  const short = SHORT[a.oid];
  if (short === undefined) return `${a.oid}=#${Buffer.from(marshalGoString(a.value)).toString('hex')}`;
  return `${short}=${escapeValue(a.value)}`;
}

function escapeValue(v: string): string {
  const bytes = Buffer.byteLength(v);
  let out = '';
  let k = 0; // byte offset, as Go's range loop reports it
  for (const c of v) {
    let esc = false;
    if (',+"\\<>;'.includes(c)) esc = true;
    else if (c === ' ') esc = k === 0 || k === bytes - 1;
    else if (c === '#') esc = k === 0;
    out += esc ? `\\${c}` : c;
    k += Buffer.byteLength(c);
  }
  return out;
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

// encoding/asn1.Marshal of a Go string: PrintableString when possible, else UTF8String.
function marshalGoString(v: string): Uint8Array {
  const body = Buffer.from(v, 'utf8');
  const tag = PRINTABLE.test(v) ? 0x13 : 0x0c;
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
