/**
 * Go formatting helpers. notation-core-go builds its error texts with fmt verbs (%q of a
 * pkix.Name, time.Time.String()); Ratify reports those texts verbatim, so we reproduce them.
 */

/** Go's strconv.Quote: double-quoted, Go escapes, printable Unicode kept as is. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) {
      out += `\\x${cp.toString(16).padStart(2, '0')}`;
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate cannot come from valid UTF-8; Go would have seen U+FFFD.
      out += '\\ufffd';
    } else if (!isGoPrintable(cp)) {
      out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    } else {
      out += ch;
    }
  }
  return `${out}"`;
}

// Close enough to unicode.IsPrint for the texts we quote (names, header keys): control,
// format, line/paragraph separators and unassigned private-use code points are escaped.
function isGoPrintable(cp: number): boolean {
  if (cp >= 0x80 && cp < 0xa0) return false;
  if (cp === 0xad || cp === 0x2028 || cp === 0x2029 || cp === 0xfeff) return false;
  if (cp >= 0x200b && cp <= 0x200f) return false;
  if (cp >= 0x202a && cp <= 0x202e) return false;
  if (cp >= 0x2060 && cp <= 0x206f) return false;
  if (cp >= 0xe000 && cp <= 0xf8ff) return false;
  if (cp >= 0xfff9 && cp <= 0xfffb) return false;
  return true;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Go's time.Time.String() of a UTC time: "2006-01-02 15:04:05.999999999 +0000 UTC". */
export function goTimeUTC(d: Date): string {
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}`;
  const ms = d.getUTCMilliseconds();
  const frac = ms === 0 ? '' : `.${pad(ms, 3).replace(/0+$/, '')}`;
  return `${base}${frac} +0000 UTC`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.RFC1123Z layout in UTC, which notation uses for expiry messages. */
export function goRFC1123Z(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(
    d.getUTCHours(),
  )}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
