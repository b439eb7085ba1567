import { RatifyError } from '../../errors.js';
import { parseCertificateDer, type Certificate } from './certificate.js';
import { decodePem } from './pem.js';

export type { Certificate } from './certificate.js';

/**
 * Reads certificates as notation-core-go's ReadCertificateFile does: if the data holds any
 * PEM block, every block must be a certificate; otherwise the bytes are one or more
 * concatenated DER certificates. Finding none is an error here (callers always need one).
 */
export function parseCertificates(data: Uint8Array | string, source = 'certificate data'): Certificate[] {
  let certs: Certificate[];
  try {
    certs = readCertificates(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
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

/**
 * notation-core-go's parseCertificates itself: the certificates of every PEM block Go's pem.Decode
 * finds, else of the concatenated DER; none (empty input) is not an error. Throws the first parse
 * failure (Go's "x509: ..." text).
 */
export function readCertificates(data: Uint8Array): Certificate[] {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return (pemBlocks(bytes) ?? splitDer(bytes)).map((b) => parseCertificateDer(b));
}

/** The DER payloads of the PEM blocks Go's pem.Decode finds, or undefined when there is none. */
function pemBlocks(bytes: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  for (let next = decodePem(bytes); next !== undefined; next = decodePem(next.rest)) out.push(next.block.bytes);
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
