/**
 * Reading certificate files the way notation-core-go `x509.ReadCertificateFile` does, with a cache so
 * that per-request verification does not re-read and re-parse unchanged files.
 */
import type { X509Certificate } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { RatifyError } from '../../../errors.js';
import { readCertificates } from '../../../crypto/x509/parse.js';

/**
 * A trust store file holds a few certificates (a CA bundle is a few hundred KB); notation reads
 * any size, we refuse more than this rather than read an arbitrary file into memory.
 */
export const MAX_CERT_FILE_BYTES = 16 * 1024 * 1024;

/** Go's x509 error text of a certificate parse failure (the cache keeps these: they are properties of the content). */
class CertificateParseError extends Error {}

/**
 * notation-core-go `parseCertificates` (crypto/x509 readCertificates): PEM blocks as Go's
 * pem.Decode finds them (whatever their type label), else concatenated DER; each certificate
 * must pass Go's x509.ParseCertificate. Empty input yields no certificates and no error.
 */
export function parseCertificates(data: Uint8Array): X509Certificate[] {
  try {
    return readCertificates(data).map((c) => c.node);
  } catch (e) {
    // Go's words only: OpenSSL's reason ("PEM routines::no start line" for DER) would mislead.
    const why = e instanceof RatifyError ? e.detail : e instanceof Error ? e.message : '';
    throw new CertificateParseError(why.startsWith('x509: malformed certificate') || !why.startsWith('x509:') ? 'x509: malformed certificate' : why);
  }
}

/** Refuses what is not a regular file of at most MAX_CERT_FILE_BYTES (a FIFO or device would block or never end). */
function checkFile(path: string, st: Stats): void {
  if (!st.isFile()) throw new Error(`${path} is not a regular file`);
  if (st.size > MAX_CERT_FILE_BYTES) throw new Error(`${path} is ${st.size} bytes, over the limit of ${MAX_CERT_FILE_BYTES} for a certificate file`);
}

const statKey = (st: Stats) => `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;

async function readCertFile(path: string): Promise<{ key: string; data: Buffer }> {
  // O_NONBLOCK: should the path have become a FIFO since it was checked, open must not wait for a writer.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    checkFile(path, st);
    const data = await handle.readFile();
    if (data.length > MAX_CERT_FILE_BYTES) throw new Error(`${path} grew over the limit of ${MAX_CERT_FILE_BYTES} bytes while being read`);
    return { key: statKey(st), data };
  } finally {
    await handle.close();
  }
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
    checkFile(path, st);
    const key = statKey(st);
    let entry = this.entries.get(path);
    if (!entry || entry.key !== key) {
      const file = await readCertFile(path);
      entry = { key: file.key };
      try {
        entry.certs = parseCertificates(file.data);
      } catch (e) {
        // Only parse failures are cached; read errors (e.g. permissions) are not properties of the content.
        if (!(e instanceof CertificateParseError)) throw e;
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
