import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import type { TokenSigningMaterial } from './pki.js';

export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenServerOptions {
  signing: TokenSigningMaterial;
  username: string;
  password: string;
  /** Must match the registry's auth.token.issuer. */
  issuer?: string;
  /** Token lifetime in seconds (default 300). */
  expiresIn?: number;
  /**
   * Which actions to grant. Default: an authenticated user gets everything requested, an
   * anonymous one nothing (like real token servers on private repositories).
   */
  grant?: (requested: TokenAccess, user: string | undefined) => string[];
}

export interface TokenRequestRecord {
  user: string | undefined;
  service: string | undefined;
  scopes: string[];
  status: number;
}

export interface TokenServerHandle {
  url: string;
  realm: string;
  issuer: string;
  /** Number of /token requests seen (including refused ones), so tests can assert caching. */
  readonly requests: number;
  /** Every /token request, oldest first. */
  readonly log: readonly TokenRequestRecord[];
  reset(): void;
  stop(): Promise<void>;
}

/** `repository:a/b:pull,push` -> access entry. The name sits between the first and last colon. */
export function parseScope(scope: string): TokenAccess | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope.slice(last + 1).split(',').filter((a) => a !== ''),
  };
}

function parseBasic(header: string | undefined): { user: string; pass: string } | undefined {
  if (header === undefined || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServerHandle> {
  const issuer = opts.issuer ?? 'test-issuer';
  const expiresIn = opts.expiresIn ?? 300;
  const key = createPrivateKey(opts.signing.keyPem);
  // The registry verifies the x5c chain against rootcertbundle, so the leaf itself goes in x5c.
  const x5c = [new X509Certificate(opts.signing.certPem).raw.toString('base64')];
  const grant = opts.grant ?? ((req, user) => (user === undefined ? [] : req.actions));
  const log: TokenRequestRecord[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter((s) => s !== '');
    const service = url.searchParams.get('service') ?? undefined;
    const record: TokenRequestRecord = { user: undefined, service, scopes, status: 0 };
    log.push(record);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };

    if (req.method !== 'GET' || url.pathname !== '/token') {
      reply(404, { errors: [{ code: 'NOT_FOUND', message: `${req.method} ${url.pathname}` }] });
      return;
    }
    let user: string | undefined;
    if (req.headers.authorization !== undefined) {
      const creds = parseBasic(req.headers.authorization);
      if (creds === undefined || creds.user !== opts.username || creds.pass !== opts.password) {
        reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }] },
          { 'www-authenticate': 'Basic realm="test-token-server"' });
        return;
      }
      user = creds.user;
    }
    record.user = user;

    const access: TokenAccess[] = [];
    for (const s of scopes) {
      const requested = parseScope(s);
      if (requested === undefined) continue;
      const actions = grant(requested, user);
      if (actions.length > 0) access.push({ ...requested, actions });
    }
    const now = Math.floor(Date.now() / 1000);
    // distribution 2.8 decodes `aud` as a single string, so never an array here.
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c })
      .setIssuer(issuer)
      .setAudience(service ?? '')
      .setSubject(user ?? '')
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + expiresIn)
      .setJti(randomUUID())
      .sign(key);
    reply(200, { token, access_token: token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  // A test that forgets stop() must not keep the process alive.
  server.unref();
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    realm: `${url}/token`,
    issuer,
    get requests() {
      return log.length;
    },
    log,
    reset() {
      log.length = 0;
    },
    stop: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
