import { open, type FileHandle } from 'node:fs/promises';
import { RatifyError } from '../../errors.js';

/** Where a regular file's bytes sit inside the tar. */
export interface TarEntry {
  offset: number;
  size: number;
}

const BLOCK = 512;
// Metadata entries are read into memory, so they get their own small caps.
const MAX_PAX_BYTES = 1024 * 1024;
const MAX_LONG_NAME_BYTES = 64 * 1024;
/** An OCI layout with more files than this is not something we will scan. */
export const MAX_TAR_ENTRIES = 200_000;

function bad(file: string, why: string): RatifyError {
  return new RatifyError('REFERRER_STORE_FAILURE', `invalid tar archive ${file}`, {
    cause: new Error(why),
    remediation: 'Recreate the archive with `tar -C <layout dir> -cf layout.tar .` or point the store at the layout directory',
  });
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}

function cString(b: Buffer, start: number, len: number): string {
  const field = b.subarray(start, start + len);
  const nul = field.indexOf(0);
  return (nul === -1 ? field : field.subarray(0, nul)).toString('utf8');
}

/** Octal (NUL/space padded) or GNU base-256 (high bit set) numeric field. */
function numeric(file: string, b: Buffer, start: number, len: number, what: string): number {
  if ((b[start]! & 0x80) !== 0) {
    if ((b[start]! & 0x40) !== 0) throw bad(file, `negative ${what}`);
    let v = b[start]! & 0x3f;
    for (let i = start + 1; i < start + len; i++) {
      v = v * 256 + b[i]!;
      if (v > Number.MAX_SAFE_INTEGER) throw bad(file, `${what} too large`);
    }
    return v;
  }
  const s = cString(b, start, len).replace(/[ \0]+$/, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw bad(file, `${what} field ${JSON.stringify(s)} is not octal`);
  const v = parseInt(s, 8);
  if (!Number.isSafeInteger(v)) throw bad(file, `${what} too large`);
  return v;
}

function checkChecksum(file: string, h: Buffer, pos: number): void {
  const want = numeric(file, h, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += c;
    signed += c >= 0x80 ? c - 256 : c;
  }
  // Some old tar writers summed signed chars; both are accepted as GNU tar does.
  if (want !== unsigned && want !== signed) throw bad(file, `header checksum mismatch at offset ${pos}`);
}

/** pax records: "<len> <key>=<value>\n", len counting the whole record. */
function parsePax(file: string, data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    const len = sp === -1 ? NaN : Number(data.subarray(i, sp).toString('latin1'));
    if (!Number.isSafeInteger(len) || len <= sp - i + 1 || i + len > data.length || data[i + len - 1] !== 0x0a) {
      throw bad(file, 'malformed pax extended header');
    }
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq <= 0) throw bad(file, 'malformed pax record');
    out.set(rec.slice(0, eq), rec.slice(eq + 1));
    i += len;
  }
  return out;
}

/**
 * Indexes the regular files of a tar by name by reading only the 512-byte headers (and the small
 * pax / GNU long-name payloads), so that a multi-gigabyte layout archive costs a few reads.
 * A single leading "./" is removed from names; later entries replace earlier ones, as extraction would.
 */
export async function indexTar(file: string, signal?: AbortSignal): Promise<Map<string, TarEntry>> {
  const entries = new Map<string, TarEntry>();
  const fh = await open(file, 'r');
  try {
    const fileSize = (await fh.stat()).size;
    let pos = 0;
    let longName: string | undefined;
    let pax: Map<string, string> | undefined;
    for (;;) {
      signal?.throwIfAborted();
      // A clean end without the end-of-archive zero blocks is tolerated, as GNU tar does.
      if (pos === fileSize) break;
      if (pos + BLOCK > fileSize) throw bad(file, `truncated header at offset ${pos}`);
      const h = await readAt(fh, pos, BLOCK);
      if (h.length < BLOCK) throw bad(file, `truncated header at offset ${pos}`);
      if (h.every((x) => x === 0)) break;
      checkChecksum(file, h, pos);
      const type = String.fromCharCode(h[156]!);
      let size = numeric(file, h, 124, 12, 'size');
      const paxSize = pax?.get('size');
      if (paxSize !== undefined) {
        if (!/^[0-9]+$/.test(paxSize) || !Number.isSafeInteger(Number(paxSize))) throw bad(file, 'invalid pax size');
        size = Number(paxSize);
      }
      const data = pos + BLOCK;
      if (size > fileSize - data) throw bad(file, `entry at offset ${pos} (${size} bytes) extends beyond the end of the file`);
      const next = data + Math.ceil(size / BLOCK) * BLOCK;
      if (next > fileSize) throw bad(file, `truncated: the padding of the entry at offset ${pos} is missing`);
      if (type === 'x' || type === 'L') {
        const cap = type === 'x' ? MAX_PAX_BYTES : MAX_LONG_NAME_BYTES;
        if (size > cap) throw bad(file, `metadata entry at offset ${pos} is ${size} bytes (limit ${cap})`);
        const payload = await readAt(fh, data, size);
        if (type === 'x') pax = parsePax(file, payload);
        else longName = cString(payload, 0, payload.length);
        pos = next;
        continue;
      }
      if (type === 'g' || type === 'K') {
        // Global pax headers and GNU long link names must not consume the next entry's name.
        pos = next;
        continue;
      }
      if (type === '0' || type === '\0' || type === '7') {
        let name = pax?.get('path') ?? longName;
        if (name === undefined) {
          name = cString(h, 0, 100);
          const prefix = h.subarray(257, 263).toString('latin1') === 'ustar\0' ? cString(h, 345, 155) : '';
          if (prefix) name = `${prefix}/${name}`;
        }
        if (name.startsWith('./')) name = name.slice(2);
        if (entries.size >= MAX_TAR_ENTRIES && !entries.has(name)) throw bad(file, `more than ${MAX_TAR_ENTRIES} files`);
        entries.set(name, { offset: data, size });
      }
      // Directories, links, devices and unknown types carry nothing we read.
      longName = undefined;
      pax = undefined;
      pos = next;
    }
  } finally {
    await fh.close();
  }
  return entries;
}
