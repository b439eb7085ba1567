/**
 * Base64 decoding with Go encoding/base64 semantics (non-strict mode). Notation reports Go's
 * decoder errors, e.g. "illegal base64 data at input byte 242" for a padded JWS segment, and
 * Node's Buffer decoder silently accepts what Go rejects, so we decode the way Go does.
 */

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function decodeMap(alphabet: string): Int16Array {
  const m = new Int16Array(256).fill(-1);
  for (let i = 0; i < alphabet.length; i++) m[alphabet.charCodeAt(i)] = i;
  return m;
}

const STD_MAP = decodeMap(STD);
const URL_MAP = decodeMap(URL);

export class Base64Error extends Error {
  constructor(readonly offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
  }
}

const NL = 0x0a;
const CR = 0x0d;
const PAD = 0x3d;

function decode(src: Uint8Array, map: Int16Array, padded: boolean): Buffer {
  const len = src.length;
  const out = Buffer.alloc(Math.floor((len * 3) / 4) + 3);
  let n = 0;
  let si = 0;
  while (si < len) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let trailingErr: number | undefined;
    for (let j = 0; j < 4; j++) {
      if (si === len) {
        if (j === 0) return out.subarray(0, n);
        if (j === 1 || padded) throw new Base64Error(si - j);
        dlen = j;
        break;
      }
      const c = src[si]!;
      si++;
      const v = map[c]!;
      if (v !== -1) {
        dbuf[j] = v;
        continue;
      }
      if (c === NL || c === CR) {
        j--;
        continue;
      }
      if (!padded || c !== PAD) throw new Base64Error(si - 1);
      // Padding: only valid after two or three data characters.
      if (j === 0 || j === 1) throw new Base64Error(si - 1);
      if (j === 2) {
        while (si < len && (src[si] === NL || src[si] === CR)) si++;
        if (si === len) throw new Base64Error(len);
        if (src[si] !== PAD) throw new Base64Error(si - 1);
        si++;
      }
      while (si < len && (src[si] === NL || src[si] === CR)) si++;
      if (si < len) trailingErr = si;
      dlen = j;
      break;
    }
    const val = (dbuf[0]! << 18) | (dbuf[1]! << 12) | (dbuf[2]! << 6) | dbuf[3]!;
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    for (let k = 0; k < dlen - 1; k++) out[n++] = bytes[k]!;
    if (trailingErr !== undefined) throw new Base64Error(trailingErr);
  }
  return out.subarray(0, n);
}

function bytesOf(s: string | Uint8Array): Uint8Array {
  // Go indexes bytes of the UTF-8 text, so error offsets are byte offsets.
  return typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
}

// Node's native decoder is lenient where Go is not (it skips invalid characters, accepts a
// dangling character). A canonical input re-encodes to itself, and for those Go and Node agree;
// anything else takes the Go-exact loop, which also gives Go's error offsets.

/** base64.RawURLEncoding.DecodeString (JWS segments). */
export function decodeRawURL(s: string | Uint8Array): Buffer {
  if (typeof s === 'string') {
    const b = Buffer.from(s, 'base64url');
    if (b.toString('base64url') === s) return b;
  }
  return decode(bytesOf(s), URL_MAP, false);
}

/** base64.StdEncoding.DecodeString (Go's JSON encoding of []byte). */
export function decodeStd(s: string | Uint8Array): Buffer {
  if (typeof s === 'string') {
    const b = Buffer.from(s, 'base64');
    if (b.toString('base64') === s) return b;
  }
  return decode(bytesOf(s), STD_MAP, true);
}

/**
 * Any of Go's four standard encodings (StdEncoding, URLEncoding and their WithPadding(NoPadding)
 * forms), DecodeString semantics.
 */
export function decodeGo(s: string | Uint8Array, alphabet: 'std' | 'url', padded: boolean): Buffer {
  if (alphabet === 'std' && padded) return decodeStd(s);
  if (alphabet === 'url' && !padded) return decodeRawURL(s);
  return decode(bytesOf(s), alphabet === 'std' ? STD_MAP : URL_MAP, padded);
}
