/**
 * One error type for the whole project, carrying Ratify's error codes so that
 * reports, logs and exit codes speak the same language as Ratify v1.
 */
export const ErrorCodes = [
  'UNKNOWN',
  'EXECUTOR_FAILURE',
  'BAD_REQUEST',
  'REFERENCE_INVALID',
  'CACHE_NOT_SET',
  'CONFIG_INVALID',
  'AUTH_DENIED',
  'ENV_NOT_SET',
  'GET_CLUSTER_RESOURCE_FAILURE',
  'HOST_NAME_INVALID',
  'NO_MATCHING_CREDENTIAL',
  'DATA_DECODING_FAILURE',
  'DATA_ENCODING_FAILURE',
  'RESOURCE_NOT_FOUND',
  'OPERATION_FORBIDDEN',
  'ALIBABACLOUD_IMAGE_INVALID',
  'VERIFY_REFERENCE_FAILURE',
  'VERIFY_PLUGIN_FAILURE',
  'SIGNATURE_NOT_FOUND',
  'LIST_REFERRERS_FAILURE',
  'GET_SUBJECT_DESCRIPTOR_FAILURE',
  'GET_REFERRER_MANIFEST_FAILURE',
  'GET_BLOB_CONTENT_FAILURE',
  'REFERRER_STORE_FAILURE',
  'CREATE_REPOSITORY_FAILURE',
  'REPOSITORY_OPERATION_FAILURE',
  'MANIFEST_INVALID',
  'NO_VERIFIER_REPORT',
  'PLUGIN_INIT_FAILURE',
  'PLUGIN_NOT_FOUND',
  'DOWNLOAD_PLUGIN_FAILURE',
  'CERT_INVALID',
  'KEY_INVALID',
  'POLICY_PROVIDER_NOT_FOUND',
  'KEY_VAULT_OPERATION_FAILURE',
  'KEY_MANAGEMENT_PROVIDER_FAILURE',
  // Not in Ratify: a step ran out of its share of the request deadline.
  'DEADLINE_EXCEEDED',
  // Not in Ratify: no configured store owns the subject (its registry/repository or layout path).
  'NO_MATCHING_STORE',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

/**
 * ratify-ts codes that a user or a Gatekeeper policy acts on: their errorReason names the code
 * (Ratify's reasons never carry one), so a report can be matched on it.
 */
const CODE_IN_REASON: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['NO_MATCHING_STORE']);

export interface RatifyErrorOptions {
  cause?: unknown;
  remediation?: string;
  /** e.g. "referrerStore", "verifier" (Ratify's componentType). */
  component?: string;
  plugin?: string;
}

export class RatifyError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly remediation: string | undefined;
  readonly component: string | undefined;
  readonly plugin: string | undefined;

  constructor(code: ErrorCode, detail: string, opts: RatifyErrorOptions = {}) {
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RatifyError';
    this.code = code;
    this.detail = detail;
    this.remediation = opts.remediation;
    this.component = opts.component;
    this.plugin = opts.plugin;
    // Ratify prints the innermost code first, then every detail from outside in.
    this.message = renderMessage(this);
  }

  /** The innermost RatifyError of the cause chain (Ratify reports its code). */
  get root(): RatifyError {
    let cur: RatifyError = this;
    for (;;) {
      const c = cur.cause;
      if (c instanceof RatifyError) cur = c;
      else return cur;
    }
  }

  /** Ratify's GetErrorReason(): the root's original error text, else the root detail. */
  get errorReason(): string {
    const root = this.root;
    return CODE_IN_REASON.has(root.code) ? `${root.code}: ${reasonOf(root)}` : reasonOf(root);
  }

  /** Ratify's GetRemediation(): the root's remediation, falling back to the nearest one set. */
  get effectiveRemediation(): string | undefined {
    let cur: unknown = this;
    let found: string | undefined;
    while (cur instanceof RatifyError) {
      if (cur.remediation) found = cur.remediation;
      cur = cur.cause;
    }
    return found;
  }

  /** Ratify's GetConciseError(max): "<CODE>: <reason>" truncated with "...". */
  concise(max = 100): string {
    const s = `${this.root.code}: ${reasonOf(this.root)}`;
    return s.length <= max ? s : `${s.slice(0, max - 3)}...`;
  }

  /** Whether the failure says something definitive about the content (cacheable), as opposed to transient. */
  get transient(): boolean {
    let cur: unknown = this;
    while (cur instanceof RatifyError) {
      if (cur.code === 'DEADLINE_EXCEEDED') return true;
      cur = cur.cause;
    }
    return false;
  }
}

function reasonOf(root: RatifyError): string {
  return root.cause !== undefined ? causeText(root.cause) : root.detail;
}

function causeText(c: unknown): string {
  if (c instanceof RatifyError) return c.message;
  if (c instanceof Error) return c.message;
  return String(c);
}

function renderMessage(e: RatifyError): string {
  const parts: string[] = [];
  let cur: unknown = e;
  let last: RatifyError = e;
  while (cur instanceof RatifyError) {
    if (cur.detail) parts.push(cur.detail);
    last = cur;
    cur = cur.cause;
  }
  if (cur !== undefined) parts.push(causeText(cur));
  if (last.remediation) parts.push(last.remediation);
  else if (e.remediation && e !== last) parts.push(e.remediation);
  return `${last.code}: ${parts.join(': ')}`;
}

export function isRatifyError(e: unknown): e is RatifyError {
  return e instanceof RatifyError;
}

/** Wrap any thrown value in a RatifyError with the given code unless it already is one. */
export function asRatifyError(e: unknown, code: ErrorCode, detail: string): RatifyError {
  if (e instanceof RatifyError) return e;
  return new RatifyError(code, detail, { cause: e });
}
