import { RatifyError, type ErrorCode } from '../../../errors.js';

/**
 * A trust store that could not be used. `detail` is notation-go's / Ratify's own text (it becomes the
 * report's errorReason); `inner` keeps the low-level cause for logs without changing that text, the
 * way notation's ErrorTrustStore/ErrorCertificate print only their message.
 * `kind` mirrors notation-go: "truststore" (the store itself) or "certificate" (a file in it).
 */
export class TrustStoreError extends RatifyError {
  readonly kind: 'truststore' | 'certificate';
  readonly inner: unknown;

  constructor(kind: 'truststore' | 'certificate', message: string, inner?: unknown, code?: ErrorCode) {
    super(code ?? (kind === 'truststore' ? 'CONFIG_INVALID' : 'CERT_INVALID'), message, {
      component: 'verifier',
      remediation:
        kind === 'truststore'
          ? 'Check the trust store named in the trust policy exists and holds certificates'
          : 'Trust stores may only hold PEM or DER certificates that are CA or self-signed certificates',
    });
    this.name = 'TrustStoreError';
    this.kind = kind;
    this.inner = inner;
  }
}
