import { RatifyError } from '../../errors.js';
import { parseCertificateDer, type Certificate } from './certificate.js';

export type { Certificate } from './certificate.js';

const PEM_BLOCK = /-----BEGIN ([^\r\n-]*)-----\r?\n([\s\S]*?)-----END \1-----/g;

/**
 * Reads certificates as notation-core-go's ReadCertificateFile does: if the data holds any
 * PEM block, every block must be a certificate; otherwise the bytes are one or more
 * concatenated DER certificates. Finding none is an error here (callers always need one).
 */
export function parseCertificates(data: Uint8Array | string, source = 'certificate data'): Certificate[] {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  const blocks = pemBlocks(bytes);
  let certs: Certificate[];
  try {
    certs = blocks !== undefined ? blocks.map((b) => parseCertificateDer(b)) : splitDer(bytes).map((b) => parseCertificateDer(b));
  } catch (e) {
    throw new RatifyError('CERT_INVALID', `failed to parse certificates from ${source}`, { cause: e });
  }
  if (certs.length === 0) {
    throw new RatifyError('CERT_INVALID', `failed to parse certificates from ${source}`, {
      cause: new Error('no certificate found'),
    });
  }
  return certs;
}

/** The DER payloads of the PEM blocks, or undefined when the data is not PEM at all. */
function pemBlocks(bytes: Buffer): Buffer[] | undefined {
  // latin1 maps bytes 1:1, so binary DER cannot break the scan.
  const text = bytes.toString('latin1');
  const out: Buffer[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const body = (m[2] ?? '')
      .split(/\r?\n/)
      // RFC 1421 headers (e.g. Proc-Type) precede a blank line; they never contain base64-only text.
      .filter((line) => !line.includes(':'))
      .join('')
      .replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) continue; // Go skips undecodable blocks
    out.push(Buffer.from(body, 'base64'));
  }
  return out.length > 0 ? out : undefined;
}

/** Splits concatenated DER SEQUENCEs (x509.ParseCertificates accepts several in a row). */
function splitDer(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < bytes.length) {
    if (bytes[off] !== 0x30) throw new Error('x509: malformed certificate');
    const lenByte = bytes[off + 1];
    if (lenByte === undefined) throw new Error('x509: malformed certificate');
    let len: number;
    let hdr: number;
    if (lenByte < 0x80) {
      len = lenByte;
      hdr = 2;
    } else {
      const n = lenByte & 0x7f;
      if (n === 0 || n > 4 || off + 2 + n > bytes.length) throw new Error('x509: malformed certificate');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (bytes[off + 2 + i] ?? 0);
      hdr = 2 + n;
    }
    const end = off + hdr + len;
    if (end > bytes.length) throw new Error('x509: malformed certificate');
    out.push(bytes.subarray(off, end));
    off = end;
  }
  return out;
}
