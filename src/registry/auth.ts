import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Cache } from '../cache/types.js';
import type { Context } from '../context.js';
import { RatifyError } from '../errors.js';
import { SingleFlight } from '../cache/singleflight.js';
import type { Challenge } from './challenge.js';
import type { Credential, CredentialProvider } from './credentials.js';
import { readLimited, redact, type RegistryTransport } from './transport.js';

const TOKEN_RESPONSE_LIMIT = 1024 * 1024;
/** distribution's token spec: tokens without expires_in are valid for 60 s. */
const DEFAULT_TOKEN_TTL_S = 60;
const MIN_TOKEN_TTL_MS = 1_000;

interface HostAuthState {
  scheme: 'basic' | 'bearer';
  realm?: string;
  service?: string;
}

/**
 * Registry authentication: Basic, and the Bearer token challenge of the distribution token
 * spec (GET with basic credentials, or OAuth2 POST with a refresh token). Tokens are cached
 * per host and scope until shortly before they expire, and concurrent fetches are coalesced.
 */
export class Authenticator {
  private readonly hosts = new Map<string, HostAuthState>();
  private readonly tokens: LRUCache<string, string>;
  private readonly credCache = new Map<string, Promise<Credential | undefined>>();
  private readonly flights = new SingleFlight<string>();
  /** Counts token endpoint calls; exposed for tests and metrics. */
  tokenFetches = 0;

  constructor(
    private readonly transport: RegistryTransport,
    private readonly credentials: CredentialProvider | undefined,
    opts: { maxTokens?: number; shared?: Cache } = {},
  ) {
    this.tokens = new LRUCache<string, string>({ max: opts.maxTokens ?? 1000, ttlAutopurge: false });
    this.shared = opts.shared;
  }

  /** Replicas share tokens through the server's cache (Redis), so each fetches fewer of them. */
  private readonly shared: Cache | undefined;

  private creds(registry: string): Promise<Credential | undefined> {
    if (!this.credentials) return Promise.resolve(undefined);
    let p = this.credCache.get(registry);
    if (!p) {
      p = this.credentials.get(registry);
      this.credCache.set(registry, p);
      // A failing helper should be retried on the next request, not remembered.
      p.catch(() => this.credCache.delete(registry));
    }
    return p;
  }

  /**
   * The Authorization header to send before any challenge, when earlier challenges told us
   * the scheme; avoids a 401 round trip per request.
   */
  async preauthorize(ctx: Context, registry: string, host: string, scope: string): Promise<string | undefined> {
    const state = this.hosts.get(host);
    if (!state) return undefined;
    if (state.scheme === 'basic') return this.basicHeader(registry);
    const cached = this.tokens.get(tokenKey(host, scope));
    if (cached) return `Bearer ${cached}`;
    return `Bearer ${await this.fetchToken(ctx, registry, host, state, scope)}`;
  }

  /**
   * Answers a 401 challenge; returns the header to retry with. Throws AUTH_DENIED when it cannot.
   * `rejected` is the Authorization header the refused request carried, if any.
   */
  async respond(ctx: Context, registry: string, host: string, challenges: Challenge[], scope: string, rejected?: string): Promise<string> {
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (bearer) {
      const realm = bearer.params.realm;
      if (!realm) throw denied(registry, 'the Bearer challenge has no realm');
      const state: HostAuthState = { scheme: 'bearer', realm };
      if (bearer.params.service !== undefined) state.service = bearer.params.service;
      this.hosts.set(host, state);
      // The registry may ask for a different scope than we guessed (e.g. with push); use both.
      const wanted = mergeScopes(scope, bearer.params.scope);
      // Drop the cached token only if it is the one the registry refused: a token that a
      // concurrent request fetched after this one was sent is fresh, and refetching it for
      // every request of a burst defeats the coalescing of token fetches.
      const key = tokenKey(host, wanted);
      if (rejected !== undefined && rejected === `Bearer ${this.tokens.get(key)}`) this.tokens.delete(key);
      const token = await this.fetchToken(ctx, registry, host, state, wanted);
      // Remember it under the scope we ask with too, so the next request pre-authorises with it.
      const left = this.tokens.getRemainingTTL(key);
      if (wanted !== scope && scope && left > 0 && Number.isFinite(left)) this.tokens.set(tokenKey(host, scope), token, { ttl: left });
      return `Bearer ${token}`;
    }
    if (basic) {
      this.hosts.set(host, { scheme: 'basic' });
      const h = await this.basicHeader(registry);
      if (!h) throw denied(registry, 'the registry requires a username and password and none is configured');
      return h;
    }
    throw denied(registry, `unsupported authentication challenge ${challenges.map((c) => c.scheme).join(', ') || '(none)'}`);
  }

  /** Forget what we know about a host after the registry refused it (Ratify evicts its auth cache on 401/403). */
  invalidate(registry: string, host: string): void {
    this.hosts.delete(host);
    this.credCache.delete(registry);
    for (const k of this.tokens.keys()) if (k.startsWith(`${host}|`)) this.tokens.delete(k);
  }

  private async basicHeader(registry: string): Promise<string | undefined> {
    const c = await this.creds(registry);
    if (!c || c.username === undefined || c.password === undefined) return undefined;
    return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
  }

  private fetchToken(ctx: Context, registry: string, host: string, state: HostAuthState, scope: string): Promise<string> {
    const key = tokenKey(host, scope);
    return this.flights.do(key, async () => {
      const cached = this.tokens.get(key);
      if (cached) return cached;
      const cred = await this.creds(registry);
      if (cred?.registryToken) return cred.registryToken;
      // Ratify's cache_ratify_oras_auth_<host> entry, per scope and per credential so that two
      // configurations with different credentials never trade tokens.
      const sharedKey = this.shared ? `${ctx.namespace ? `${ctx.namespace}:` : ''}cache_ratify_oras_auth_${host}|${scope}|${credentialId(cred)}` : undefined;
      if (sharedKey) {
        const hit = await this.shared!.get<{ token: string; expiresAt: number }>(sharedKey);
        const left = hit ? hit.expiresAt - Date.now() : 0;
        if (hit && typeof hit.token === 'string' && left > MIN_TOKEN_TTL_MS) {
          this.tokens.set(key, hit.token, { ttl: left });
          return hit.token;
        }
      }
      const { token, ttlMs } = await this.requestToken(ctx, registry, state, scope, cred);
      this.tokens.set(key, token, { ttl: ttlMs });
      if (sharedKey) await this.shared!.set(sharedKey, { token, expiresAt: Date.now() + ttlMs }, ttlMs);
      return token;
    });
  }

  private async requestToken(
    ctx: Context,
    registry: string,
    state: HostAuthState,
    scope: string,
    cred: Credential | undefined,
  ): Promise<{ token: string; ttlMs: number }> {
    const realm = state.realm!;
    let url: URL;
    try {
      url = new URL(realm);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('realm must be http(s)');
    } catch (e) {
      throw denied(registry, `invalid token realm ${JSON.stringify(realm)}`, e);
    }
    const scopes = scope.split(' ').filter(Boolean);
    this.tokenFetches++;
    let res;
    if (cred?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.identityToken, client_id: 'ratify-ts' });
      if (state.service) form.set('service', state.service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await this.transport.send(ctx, {
        method: 'POST',
        url: url.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        what: `fetch token for ${registry}`,
      });
    } else {
      if (state.service) url.searchParams.set('service', state.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (cred?.username !== undefined && cred.password !== undefined) {
        headers.authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
      }
      res = await this.transport.send(ctx, { method: 'GET', url: url.toString(), headers, what: `fetch token for ${registry}` });
    }
    if (res.statusCode !== 200) {
      const body = await readLimited(res, 4096, 'token error').catch(() => Buffer.alloc(0));
      throw denied(
        registry,
        `token server ${redact(url.toString())} answered HTTP ${res.statusCode}`,
        new Error(body.toString('utf8').slice(0, 300) || `HTTP ${res.statusCode}`),
      );
    }
    const raw = await readLimited(res, TOKEN_RESPONSE_LIMIT, 'token response');
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(raw.toString('utf8')) as typeof parsed;
    } catch (e) {
      throw denied(registry, 'token server returned malformed JSON', e);
    }
    const token = typeof parsed.access_token === 'string' && parsed.access_token ? parsed.access_token : parsed.token;
    if (typeof token !== 'string' || token.length === 0 || token.length > 64 * 1024) {
      throw denied(registry, 'token server response has no usable token');
    }
    const expiresIn =
      typeof parsed.expires_in === 'number' && Number.isFinite(parsed.expires_in) && parsed.expires_in > 0
        ? parsed.expires_in
        : DEFAULT_TOKEN_TTL_S;
    // Refresh a little early so a token never expires between cache read and use.
    const ttlMs = Math.max(MIN_TOKEN_TTL_MS, expiresIn * 1000 * 0.9 - 5_000);
    return { token, ttlMs };
  }
}

/** Which credentials a token was issued for, without putting the secret in a cache key. */
function credentialId(c: Credential | undefined): string {
  if (!c) return 'anonymous';
  return createHash('sha256').update(`${c.username ?? ''}\0${c.password ?? ''}\0${c.identityToken ?? ''}`).digest('hex').slice(0, 16);
}

function tokenKey(host: string, scope: string): string {
  return `${host}|${scope}`;
}

function mergeScopes(a: string, b: string | undefined): string {
  const all = new Set([...a.split(' '), ...(b ?? '').split(' ')].filter(Boolean));
  return [...all].sort().join(' ');
}

function denied(registry: string, why: string, cause?: unknown): RatifyError {
  return new RatifyError('AUTH_DENIED', `authentication to ${registry} failed: ${why}`, {
    ...(cause !== undefined ? { cause } : {}),
    remediation: 'Check the credentials for this registry in the docker config (docker login) or the authProvider settings',
  });
}
