/**
 * The structural check tspclient-go runs before anything else (its BER → DER conversion):
 * definite lengths only, every length within the bytes that follow, and the outermost value
 * spanning the input exactly. Returns Go's error text, or undefined when the structure holds.
 * Matching its errors matters because notation reports them verbatim.
 */
export function berStructureError(input: Uint8Array): string | undefined {
  if (input.length === 0) return 'asn1: syntax error: BER-encoded ASN.1 data structures is empty';
  // Iterative walk: a hostile token must not exhaust the stack.
  const stack: Array<{ end: number }> = [];
  let pos = 0;
  let first = true;
  for (;;) {
    while (stack.length && pos === stack[stack.length - 1]!.end) stack.pop();
    if (!first && stack.length === 0) return undefined;
    const end = stack.length ? stack[stack.length - 1]!.end : input.length;
    const id = pos;
    if (pos >= end) return 'asn1: syntax error: decoding BER identifier octets: identifier octets is empty';
    const tag = input[pos++]!;
    if ((tag & 0x1f) === 0x1f) {
      while (pos < end && (input[pos]! & 0x80) === 0x80) pos++;
      if (pos >= end) return 'asn1: syntax error: decoding BER identifier octets: high-tag-number form with early EOF';
      pos++;
    }
    if (pos >= end) return 'asn1: syntax error: decoding BER identifier octets: early EOF due to missing length and content octets';
    const b = input[pos++]!;
    let len: number;
    if (b < 0x80) {
      len = b;
      if (len > end - pos) return 'asn1: syntax error: decoding BER length octets: short form length octets value should be less or equal to the subsequent octets length';
    } else if (b === 0x80) {
      return 'asn1: structure error: decoding BER length octets: indefinite length not supported';
    } else {
      const n = b & 0x7f;
      if (n > 4) return `asn1: structure error: decoding BER length octets: length of encoded data (${n} bytes) cannot exceed 4 bytes`;
      if (pos + n >= end) return 'asn1: syntax error: decoding BER length octets: long form length octets with early EOF';
      let l = 0;
      for (let i = 0; i < n; i++) l = l * 256 + input[pos++]!;
      if (l > 0x7fffffff) return `asn1: structure error: decoding BER length octets: length ${l} does not fit the memory space of int32`;
      len = l;
      if (len > end - pos) return 'asn1: syntax error: decoding BER length octets: long form length octets value should be less or equal to the subsequent octets length';
    }
    if (first) {
      first = false;
      if (len !== input.length - pos) return `asn1: syntax error: decoding BER: length octets value ${len} does not match with content length ${input.length - pos}`;
    }
    const constructed = (input[id]! & 0x20) !== 0;
    if (constructed) stack.push({ end: pos + len });
    else pos += len;
    if (stack.length === 0) return undefined;
  }
}
