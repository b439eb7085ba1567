import { request, type Dispatcher } from 'undici';
import type { RegistryHandle } from './registry.js';

export interface RegistryResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RegistryRequestOptions {
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** false: send exactly the given headers, no credentials and no challenge handling. */
  auth?: boolean;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses one `Www-Authenticate` challenge; quoted values may contain commas (scopes do). */
export function parseChallenge(header: string | string[] | undefined): Challenge | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const m = /^\s*(\S+)\s*(.*)$/.exec(value);
  if (m === null) return undefined;
  const params: Record<string, string> = {};
  for (const p of (m[2] ?? '').matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[(p[1] ?? '').toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme: (m[1] ?? '').toLowerCase(), params };
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export interface FetchTokenOptions {
  /** Send no credentials (the token server then grants nothing). */
  anonymous?: boolean;
  username?: string;
  password?: string;
  /** Defaults to the registry's service. */
  service?: string;
}

/** Asks the registry's token server for a token; throws on a non-200 answer. */
export async function fetchToken(reg: RegistryHandle, scopes: string[], opts: FetchTokenOptions = {}): Promise<string> {
  if (reg.tokenServer === undefined) throw new Error(`registry flavour ${reg.flavour} has no token server`);
  return fetchTokenFrom(reg.tokenServer.realm, opts.service ?? reg.service ?? '', scopes, reg, opts);
}

async function fetchTokenFrom(
  realm: string, service: string, scopes: string[], reg: RegistryHandle, opts: FetchTokenOptions,
): Promise<string> {
  const u = new URL(realm);
  if (service !== '') u.searchParams.set('service', service);
  for (const s of scopes) u.searchParams.append('scope', s);
  const headers: Record<string, string> = {};
  const user = opts.username ?? reg.username;
  const pass = opts.password ?? reg.password;
  if (!opts.anonymous && user !== undefined && pass !== undefined) headers['authorization'] = basicAuth(user, pass);
  const res = await request(u, { headers });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`token server answered ${res.statusCode}: ${text}`);
  const parsed = JSON.parse(text) as { token?: string; access_token?: string };
  const token = parsed.token ?? parsed.access_token;
  if (token === undefined) throw new Error(`token server answer has no token: ${text}`);
  return token;
}

/** Headers that authenticate a request for the given scopes on this registry ({} when open). */
export async function authHeaders(reg: RegistryHandle, scopes: string[]): Promise<Record<string, string>> {
  if (reg.flavour === 'token') return { authorization: `Bearer ${await fetchToken(reg, scopes)}` };
  if (reg.username !== undefined && reg.password !== undefined) {
    return { authorization: basicAuth(reg.username, reg.password) };
  }
  return {};
}

/** `/v2/<name>/(manifests|blobs|tags|referrers)/...` -> name, so one token serves a whole push. */
function repoOf(path: string): string | undefined {
  return /^\/v2\/(.+?)\/(?:manifests|blobs|tags|referrers)\//.exec(path)?.[1];
}

/** Unions the actions of scopes naming the same resource (`repository:x:pull` + `repository:x:push`). */
export function mergeScopes(scopes: string[]): string[] {
  const merged = new Map<string, Set<string>>();
  for (const s of scopes) {
    const cut = s.lastIndexOf(':');
    if (cut <= 0) continue;
    const resource = s.slice(0, cut);
    const actions = merged.get(resource) ?? new Set<string>();
    for (const a of s.slice(cut + 1).split(',')) if (a !== '') actions.add(a);
    merged.set(resource, actions);
  }
  return [...merged].map(([resource, actions]) => `${resource}:${[...actions].join(',')}`);
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

// Per registry: tokens keyed by repository (or by challenge scope when the path names no repo).
const tokenCache = new WeakMap<RegistryHandle, Map<string, CachedToken>>();

function cachedToken(reg: RegistryHandle, key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  const hit = tokenCache.get(reg)?.get(key);
  return hit !== undefined && hit.expiresAt > Date.now() ? hit.token : undefined;
}

function tokenExpiry(token: string): number {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number };
    // Renew 10 s early so a token never expires between cache lookup and use.
    if (typeof payload.exp === 'number') return payload.exp * 1000 - 10_000;
  } catch {
    // opaque token: fall through
  }
  return Date.now() + 50_000;
}

async function send(
  reg: RegistryHandle, method: string, url: string, headers: Record<string, string>, body: Uint8Array | string | undefined,
): Promise<RegistryResponse> {
  const res = await request(url, {
    method: method as Dispatcher.HttpMethod,
    headers,
    body: body === undefined ? null : body,
    dispatcher: reg.dispatcher,
  });
  const buf = Buffer.from(await res.body.arrayBuffer());
  return { statusCode: res.statusCode, headers: res.headers, body: buf };
}

/**
 * One request to the registry with whatever auth its flavour needs. `pathOrUrl` may be a path
 * (`/v2/...`) or an absolute URL on the same registry (upload Locations are absolute in 2.8).
 */
export async function registryRequest(
  reg: RegistryHandle, method: string, pathOrUrl: string, opts: RegistryRequestOptions = {},
): Promise<RegistryResponse> {
  const url = new URL(pathOrUrl, reg.url);
  if (url.origin !== new URL(reg.url).origin) throw new Error(`refusing to send credentials to ${url.origin}`);
  const headers: Record<string, string> = { ...opts.headers };
  const callerAuth = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
  if (opts.auth === false || callerAuth || (reg.flavour !== 'token' && reg.username === undefined)) {
    return send(reg, method, url.href, headers, opts.body);
  }
  if (reg.flavour !== 'token') {
    // Basic: preemptive, as docker and skopeo do after the first challenge.
    return send(reg, method, url.href, { ...headers, ...(await authHeaders(reg, [])) }, opts.body);
  }

  const repo = repoOf(url.pathname);
  const first = cachedToken(reg, repo);
  const res = await send(reg, method, url.href, first ? { ...headers, authorization: `Bearer ${first}` } : headers, opts.body);
  const challenge = parseChallenge(res.headers['www-authenticate']);
  if (res.statusCode !== 401 || challenge?.scheme !== 'bearer' || challenge.params['realm'] === undefined) return res;

  const asked = (challenge.params['scope'] ?? '').split(' ').filter((s) => s !== '');
  // Ask for pull+push once per repo so a layout push needs a single token.
  if (repo !== undefined) asked.push(`repository:${repo}:pull,push`);
  const scopes = mergeScopes(asked);
  const token = await fetchTokenFrom(challenge.params['realm'], challenge.params['service'] ?? '', scopes, reg, {});
  const key = repo ?? `scope:${scopes.join(' ')}`;
  let cache = tokenCache.get(reg);
  if (cache === undefined) tokenCache.set(reg, (cache = new Map()));
  cache.set(key, { token, expiresAt: tokenExpiry(token) });
  return send(reg, method, url.href, { ...headers, authorization: `Bearer ${token}` }, opts.body);
}

export function header(res: RegistryResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
