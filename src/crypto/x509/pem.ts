/**
 * Go's encoding/pem.Decode (Go 1.26), step for step: the first END line, the last BEGIN line
 * before it (at the start of the data or of a line), optional `Key: value` headers, an END line
 * naming the same type followed only by blanks, and a body that Go's base64.StdEncoding decodes
 * (spaces, tabs, CR and LF ignored; padding required). A candidate that fails any of this is
 * skipped and the search goes on after its END line, as in Go.
 */
import { decodeGo } from '../encoding/gobase64.js';

export interface PemBlock {
  /** The text between `-----BEGIN ` and `-----`, e.g. "PUBLIC KEY". */
  type: string;
  headers: Map<string, string>;
  bytes: Buffer;
}

const PEM_START = Buffer.from('\n-----BEGIN ');
const PEM_END = Buffer.from('\n-----END ');
const DASHES = Buffer.from('-----');

const isBlank = (b: number | undefined) => b === 0x20 || b === 0x09;

function trimRight(b: Buffer): Buffer {
  let end = b.length;
  while (end > 0 && isBlank(b[end - 1])) end--;
  return b.subarray(0, end);
}

/** bytes.TrimSpace for ASCII whitespace. */
function trimSpace(b: Buffer): string {
  return b.toString('latin1').replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, '');
}

/** Go's getLine: the line without its CR LF and trailing blanks, the rest, and the bytes consumed. */
function getLine(data: Buffer): [Buffer, Buffer, number] {
  let i = data.indexOf(0x0a);
  let j: number;
  if (i < 0) {
    i = data.length;
    j = i;
  } else {
    j = i + 1;
    if (i > 0 && data[i - 1] === 0x0d) i--;
  }
  return [trimRight(data.subarray(0, i)), data.subarray(j), j];
}

function removeSpacesAndTabs(b: Buffer): Buffer {
  return Buffer.from(b.filter((c) => !isBlank(c)));
}

/** The first PEM block in `data` and what follows it, or undefined when there is none. */
export function decodePem(data: Uint8Array): { block: PemBlock; rest: Buffer } | undefined {
  let rest = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let endTrailerIndex = 0;
  for (;;) {
    if (endTrailerIndex < 0 || endTrailerIndex > rest.length) return undefined;
    rest = rest.subarray(endTrailerIndex);
    let endIndex = rest.indexOf(PEM_END);
    if (endIndex < 0) return undefined;
    endTrailerIndex = endIndex + PEM_END.length;
    const beginIndex = rest.subarray(0, endIndex).lastIndexOf(PEM_START.subarray(1));
    if (beginIndex < 0 || (beginIndex > 0 && rest[beginIndex - 1] !== 0x0a)) continue;
    const skip = beginIndex + PEM_START.length - 1;
    rest = rest.subarray(skip);
    endIndex -= skip;
    endTrailerIndex -= skip;

    const [typeLine, afterType, consumed] = getLine(rest);
    rest = afterType;
    endIndex -= consumed;
    endTrailerIndex -= consumed;
    if (typeLine.length < DASHES.length || !typeLine.subarray(typeLine.length - DASHES.length).equals(DASHES)) continue;
    const type = typeLine.subarray(0, typeLine.length - DASHES.length);

    const headers = new Map<string, string>();
    for (;;) {
      if (rest.length === 0) return undefined;
      const [line, next, used] = getLine(rest);
      const colon = line.indexOf(0x3a);
      if (colon < 0) break;
      headers.set(trimSpace(line.subarray(0, colon)), trimSpace(line.subarray(colon + 1)));
      rest = next;
      endIndex -= used;
      endTrailerIndex -= used;
    }
    // With headers there must be a newline between them and the END line.
    if (headers.size > 0 && endIndex < 0) continue;

    const trailer = rest.subarray(endTrailerIndex);
    const trailerLen = type.length + DASHES.length;
    if (trailer.length < trailerLen) continue;
    const endLine = trailer.subarray(0, trailerLen);
    if (!endLine.subarray(0, type.length).equals(type) || !endLine.subarray(type.length).equals(DASHES)) continue;
    if (getLine(trailer.subarray(trailerLen))[0].length !== 0) continue;

    let bytes: Buffer = Buffer.alloc(0);
    if (endIndex > 0) {
      try {
        bytes = decodeGo(removeSpacesAndTabs(rest.subarray(0, endIndex)), 'std', true);
      } catch {
        continue;
      }
    }
    // The -1: an empty block matched the END line without its leading newline.
    const [, after] = getLine(rest.subarray(endIndex + PEM_END.length - 1));
    return { block: { type: type.toString('latin1'), headers, bytes }, rest: after };
  }
}
