import { RatifyError } from '../../errors.js';
import { RevocationHttpError } from './http.js';

/**
 * A revocation-check failure for one server. Timeouts and cancellations carry DEADLINE_EXCEEDED
 * (so callers know the answer is transient); everything else is CERT_INVALID.
 */
export function revocationError(detail: string, cause?: unknown): RatifyError {
  const transient = isTimeout(cause);
  return new RatifyError(transient ? 'DEADLINE_EXCEEDED' : 'CERT_INVALID', detail, { component: 'revocation' });
}

export function isTimeout(e: unknown): boolean {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur instanceof Error; i++) {
    if (cur instanceof RevocationHttpError && cur.kind === 'timeout') return true;
    if (cur instanceof RatifyError && cur.code === 'DEADLINE_EXCEEDED') return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

export function message(e: unknown): string {
  return e instanceof RatifyError ? e.detail : e instanceof Error ? e.message : String(e);
}
