/**
 * Reading certificate files the way notation-core-go `x509.ReadCertificateFile` does, with a cache so
 * that per-request verification does not re-read and re-parse unchanged files.
 *
 * This is a private loader for the trust stores (the shared x509 module is written in parallel);
 * it uses node:crypto's X509Certificate, which is also the certificate type the stores return.
 */
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

/**
 * PEM blocks as Go's pem.Decode finds them: `-----BEGIN` at the start or after a newline, and
 * nothing but whitespace after the END line.
 */
const PEM_BLOCK = /(?:^|\n)-----BEGIN ([^\n]*?)-----\r?\n([\s\S]*?)(?:\r?\n)?-----END \1-----[ \t\r]*(?=\n|$)/g;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]*$/;

function malformed(): Error {
  return new Error('x509: malformed certificate');
}

/** One DER element's total length, or throws when the data is not a well-formed SEQUENCE. */
function derElementLength(der: Uint8Array, pos: number): number {
  if (pos + 2 > der.length || der[pos] !== 0x30) throw malformed();
  let len = der[pos + 1]!;
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + 2 + n > der.length) throw malformed();
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[pos + 2 + i]!;
    header += n;
  }
  if (pos + header + len > der.length) throw malformed();
  return header + len;
}

function parseOneDer(der: Uint8Array): X509Certificate {
  // Go's ParseCertificate rejects trailing bytes; node would silently ignore them.
  if (derElementLength(der, 0) !== der.length) throw new Error('x509: trailing data');
  try {
    return new X509Certificate(der);
  } catch {
    throw malformed();
  }
}

/** Body of a PEM block minus RFC 1421 headers (`Key: value` lines before a blank line). */
function pemBody(body: string): string | undefined {
  let text = body;
  const blank = text.search(/\r?\n\r?\n/);
  if (blank >= 0 && text.slice(0, blank).includes(':')) text = text.slice(blank);
  return BASE64_BODY.test(text) ? text.replace(/\s+/g, '') : undefined;
}

/**
 * notation-core-go `parseCertificates`: every PEM block is parsed as a certificate (whatever its
 * type label); data without any PEM block is parsed as one or more concatenated DER certificates.
 * Empty input yields no certificates and no error.
 */
export function parseCertificates(data: Uint8Array): X509Certificate[] {
  const text = Buffer.from(data).toString('latin1');
  const certs: X509Certificate[] = [];
  let sawBlock = false;
  for (const m of text.matchAll(PEM_BLOCK)) {
    const body = pemBody(m[2]!);
    // pem.Decode skips a block whose body does not decode and keeps looking.
    if (body === undefined) continue;
    sawBlock = true;
    certs.push(parseOneDer(Buffer.from(body, 'base64')));
  }
  if (sawBlock) return certs;
  for (let pos = 0; pos < data.length; ) {
    const n = derElementLength(data, pos);
    certs.push(parseOneDer(data.subarray(pos, pos + n)));
    pos += n;
  }
  return certs;
}

interface CacheEntry {
  key: string;
  certs?: X509Certificate[];
  error?: unknown;
}

/**
 * Parsed certificate files keyed by path and validated by (inode, size, mtime, ctime): a file is
 * re-read only after it changes. Parse failures are cached the same way. All I/O is async.
 */
export class CertFileCache {
  private readonly entries = new Map<string, CacheEntry>();

  constructor(private readonly maxEntries = 4096) {}

  /** The certificates in `path`; throws the read or parse error (cached until the file changes). */
  async read(path: string): Promise<X509Certificate[]> {
    const st = await stat(path);
    const key = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    let entry = this.entries.get(path);
    if (!entry || entry.key !== key) {
      entry = { key };
      try {
        entry.certs = parseCertificates(await readFile(path));
      } catch (e) {
        // A read error (e.g. permissions) is not cached: it is not a property of the content.
        if (!(e instanceof Error) || !e.message.startsWith('x509:')) throw e;
        entry.error = e;
      }
      this.remember(path, entry);
    }
    if (entry.error !== undefined) throw entry.error;
    return entry.certs!;
  }

  private remember(path: string, entry: CacheEntry): void {
    this.entries.delete(path);
    this.entries.set(path, entry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

/** A process-wide cache shared by trust stores that are not given their own. */
export const defaultCertFileCache = new CertFileCache();
