/**
 * The registry client's errors: what failed, with the registry's own error text as the cause,
 * read bounded and reduced to one short printable line (a hostile registry writes that text).
 */
import { RatifyError, type ErrorCode } from '../errors.js';
import { discardBody, readLimited, type TransportResponse } from './transport.js';

/** Most bytes of a registry's error body read (the rest is discarded). */
export const ERROR_BODY_LIMIT = 8 * 1024;
/** Most characters of a registry's error text carried into our messages. */
const ERROR_TEXT_LIMIT = 200;

export function notFound(what: string): RatifyError {
  return new RatifyError('RESOURCE_NOT_FOUND', `${what}: not found`);
}

export function mismatch(what: string, expected: string, actual: string, code: ErrorCode = 'MANIFEST_INVALID'): RatifyError {
  return new RatifyError(code, `${what}: digest mismatch`, {
    cause: new Error(`expected ${expected}, got ${actual}`),
    remediation: 'The registry returned content that does not match its digest; do not trust this registry',
  });
}

export function tooLarge(what: string, size: number, limit: number, code: ErrorCode = 'MANIFEST_INVALID'): RatifyError {
  return new RatifyError(code, `${what}: content is too large`, {
    cause: new Error(`${size} bytes exceeds the limit of ${limit} bytes`),
    remediation: 'Raise the size limit in the store configuration if this content is legitimate',
  });
}

export function tooManyReferrers(what: string, max: number): RatifyError {
  return new RatifyError('LIST_REFERRERS_FAILURE', `${what}: more than ${max} referrers`, {
    remediation: 'Raise the referrer limit in the store configuration, or clean up the subject’s referrers',
  });
}

/** Turns a non-success response into an error carrying the registry's own error codes. */
export async function httpError(res: TransportResponse, what: string, code: ErrorCode): Promise<RatifyError> {
  let detail = '';
  try {
    const body = await readLimited(res, ERROR_BODY_LIMIT, what);
    const text = body.toString('utf8');
    try {
      const parsed = JSON.parse(text) as { errors?: unknown };
      if (Array.isArray(parsed.errors)) {
        detail = parsed.errors
          .slice(0, 4)
          .map((e: { code?: unknown; message?: unknown }) => [e?.code, e?.message].filter((x): x is string => typeof x === 'string' && x !== '').join(': '))
          .join('; ');
      }
    } catch {
      detail = text;
    }
  } catch {
    discardBody(res);
  }
  detail = sanitiseRegistryText(detail);
  const status = res.statusCode;
  const c: ErrorCode = status === 401 || status === 403 ? 'AUTH_DENIED' : code;
  return new RatifyError(c, `${what}: registry answered HTTP ${status}`, {
    ...(detail ? { cause: new Error(detail) } : {}),
    ...(status === 429 ? { remediation: 'The registry is rate limiting; retry later or authenticate' } : {}),
  });
}

/** Registry-supplied text as it may appear in our errors: one short line of printable characters. */
export function sanitiseRegistryText(text: string, max = ERROR_TEXT_LIMIT): string {
  // Control characters (terminal escapes, line breaks that forge log lines) and bidi overrides.
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
