/**
 * Why a Sigstore signature did not verify. `code` keeps @sigstore/verify's codes
 * (SIGNATURE_ERROR, TLOG_BODY_ERROR, CERTIFICATE_ERROR, ...) where the library decided, and adds
 * our own for the checks layered on top (IDENTITY_ERROR, THRESHOLD_ERROR, BUNDLE_ERROR, ...).
 * It is a verdict about the content, never a configuration or infrastructure failure.
 */
export class SigstoreVerifyError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SigstoreVerifyError';
  }
}

/**
 * Converts anything the library (or a hostile input tripping it up) throws into a
 * SigstoreVerifyError, so that callers only ever see verdicts. Library errors carry `code`;
 * anything else (a TypeError on a malformed structure) becomes MALFORMED_ERROR.
 */
export function toVerifyError(e: unknown, fallback = 'MALFORMED_ERROR'): SigstoreVerifyError {
  if (e instanceof SigstoreVerifyError) return e;
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const text = e.message + causeSuffix(e);
    return new SigstoreVerifyError(typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : fallback, text, { cause: e });
  }
  return new SigstoreVerifyError(fallback, String(e));
}

/** The library nests the decisive reason ("Failed to verify certificate chain" <- "certificate is not valid ..."). */
function causeSuffix(e: Error): string {
  const c = (e as { cause?: unknown }).cause;
  return c instanceof Error && c.message && !e.message.includes(c.message) ? `: ${c.message}` : '';
}
