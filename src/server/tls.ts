import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { RatifyError } from '../errors.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** Client CA for mTLS (--ca-cert-file). */
  caFile?: string;
}

export function tlsFilesFrom(certDir: string, caCertFile?: string): TlsFiles {
  return { certFile: join(certDir, 'tls.crt'), keyFile: join(certDir, 'tls.key'), ...(caCertFile ? { caFile: caCertFile } : {}) };
}

/**
 * Reads the server certificate, key and client CA and checks that they make a usable TLS
 * context (a half-written rotation must not replace working certificates).
 */
export async function loadTlsMaterial(f: TlsFiles): Promise<SecureContextOptions> {
  let cert: Buffer;
  let key: Buffer;
  let ca: Buffer | undefined;
  try {
    [cert, key, ca] = await Promise.all([readFile(f.certFile), readFile(f.keyFile), f.caFile ? readFile(f.caFile) : Promise.resolve(undefined)]);
  } catch (e) {
    throw new RatifyError('CERT_INVALID', 'cannot read TLS certificate files', { cause: e, remediation: 'Check --cert-dir (tls.crt, tls.key) and --ca-cert-file' });
  }
  // minVersion belongs to the secure context: setSecureContext() on rotation would otherwise
  // silently fall back to TLS 1.2.
  const opts: SecureContextOptions = { cert, key, minVersion: 'TLSv1.3', ...(ca ? { ca } : {}) };
  try {
    createSecureContext(opts);
  } catch (e) {
    throw new RatifyError('CERT_INVALID', 'TLS certificate, key or client CA is invalid', { cause: e, remediation: 'tls.key must match tls.crt; the client CA must be PEM' });
  }
  return opts;
}
