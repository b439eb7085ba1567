import { RatifyError } from '../errors.js';

/** Gatekeeper's ProviderRequest, validated (reference §6.3). */
export interface ProviderRequest {
  keys: string[];
}

export interface ProviderItem {
  key: string;
  value?: unknown;
  error?: string;
}

/** A value already serialized to JSON, spliced into the response as it is. */
export class RawJson {
  constructor(readonly json: string) {}
}

export interface ProviderResponse {
  apiVersion: 'externaldata.gatekeeper.sh/v1alpha1';
  kind: 'ProviderResponse';
  response: { idempotent?: boolean; items?: ProviderItem[]; systemError?: string };
}

export const MAX_KEYS = 1000;
export const MAX_KEY_LENGTH = 4096;

/**
 * Parses a ProviderRequest strictly: an object with request.keys, an array of strings,
 * bounded in count and length. apiVersion/kind are accepted in any Gatekeeper version.
 */
export function parseProviderRequest(body: Buffer): ProviderRequest {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new RatifyError('BAD_REQUEST', 'unable to parse request body as JSON', { cause: e });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new RatifyError('BAD_REQUEST', 'request body must be a JSON object');
  const o = v as Record<string, unknown>;
  if (o.kind !== undefined && o.kind !== 'ProviderRequest') throw new RatifyError('BAD_REQUEST', `unexpected kind ${JSON.stringify(o.kind)}`);
  if (o.apiVersion !== undefined && (typeof o.apiVersion !== 'string' || !o.apiVersion.startsWith('externaldata.gatekeeper.sh/'))) {
    throw new RatifyError('BAD_REQUEST', `unexpected apiVersion ${JSON.stringify(o.apiVersion)}`);
  }
  const req = o.request as Record<string, unknown> | undefined;
  if (!req || typeof req !== 'object' || Array.isArray(req)) throw new RatifyError('BAD_REQUEST', 'request body has no "request" object');
  const keys = req.keys;
  if (!Array.isArray(keys)) throw new RatifyError('BAD_REQUEST', '"request.keys" must be an array');
  if (keys.length > MAX_KEYS) throw new RatifyError('BAD_REQUEST', `too many keys: ${keys.length} (limit ${MAX_KEYS})`);
  for (const k of keys) {
    if (typeof k !== 'string') throw new RatifyError('BAD_REQUEST', '"request.keys" must contain only strings');
    if (k.length > MAX_KEY_LENGTH) throw new RatifyError('BAD_REQUEST', `a key is longer than ${MAX_KEY_LENGTH} characters`);
  }
  return { keys: keys as string[] };
}

/** Ratify strips newlines from keys before use and echoes the stripped key. */
export function sanitiseKey(k: string): string {
  return k.replace(/[\n\r]/g, '');
}

/** "[ns]registry/repo:tag" → namespace "ns", subject "registry/repo:tag" (regex `(\[(.*?)\])?(.*)`). */
export function splitNamespace(key: string): { namespace: string; subject: string } {
  const m = /^(\[(.*?)\])?(.*)$/s.exec(key)!;
  return { namespace: m[2] ?? '', subject: m[3] ?? '' };
}

export function providerResponse(items: ProviderItem[], idempotent: boolean): ProviderResponse {
  return { apiVersion: 'externaldata.gatekeeper.sh/v1alpha1', kind: 'ProviderResponse', response: { ...(idempotent ? { idempotent: true } : {}), items } };
}

export function systemErrorResponse(message: string, idempotent: boolean): ProviderResponse {
  return {
    apiVersion: 'externaldata.gatekeeper.sh/v1alpha1',
    kind: 'ProviderResponse',
    response: { ...(idempotent ? { idempotent: true } : {}), systemError: `operation failed with error ${message}` },
  };
}

/** Go's %v of a time.Duration for Ratify's timeout text: 4.9s, 950ms, 1m30s. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toFixed(3))}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Number((s - m * 60).toFixed(3))}s`;
}

/**
 * JSON of a ProviderResponse, splicing RawJson values in unchanged (cache hits serialize
 * their reports once, not on every request). Field order as JSON.stringify would give.
 */
export function serializeProviderResponse(r: ProviderResponse): string {
  const items = r.response.items;
  if (!items || !items.some((i) => i.value instanceof RawJson)) return JSON.stringify(r);
  const parts = items.map((i) =>
    i.value instanceof RawJson ? `{"key":${JSON.stringify(i.key)},"value":${i.value.json}${i.error !== undefined ? `,"error":${JSON.stringify(i.error)}` : ''}}` : JSON.stringify(i),
  );
  const resp = r.response;
  return `{"apiVersion":${JSON.stringify(r.apiVersion)},"kind":${JSON.stringify(r.kind)},"response":{${resp.idempotent ? '"idempotent":true,' : ''}"items":[${parts.join(',')}]${
    resp.systemError !== undefined ? `,"systemError":${JSON.stringify(resp.systemError)}` : ''
  }}}`;
}
