import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { backgroundContext, withDeadline, type Context } from '../../src/context.js';
import { parseChallenges } from '../../src/registry/challenge.js';
import { RegistryClient } from '../../src/registry/client.js';
import { DockerConfigCredentials, StaticCredentials, type CredentialProvider } from '../../src/registry/credentials.js';
import { RegistryTransport } from '../../src/registry/transport.js';
import { FAST_RETRIES, FakeRegistry, FakeTokenServer, NEXT, isError, registryError, sendJson } from './fake-registry.js';

const REPO = 'team/app';
const ctx: Context = backgroundContext();

let fake: FakeRegistry;
let tokens: FakeTokenServer;
let transport: RegistryTransport;
let client: RegistryClient;
let reg: string;

function newClient(credentials?: CredentialProvider): RegistryClient {
  return new RegistryClient({ transport, plainHttp: true, ...(credentials ? { credentials } : {}) });
}

const manifestPath = (ref: string) => `/v2/${REPO}/manifests/${ref}`;

describe('registry authentication', () => {
  beforeEach(async () => {
    fake = await FakeRegistry.start();
    tokens = await FakeTokenServer.start();
    reg = fake.host;
    transport = new RegistryTransport(FAST_RETRIES);
    client = newClient();
  });

  afterEach(async () => {
    await transport.close();
    await fake.close();
    await tokens.close();
  });

  describe('Bearer token flow', () => {
    test('one token fetch serves many requests on the same repository', async () => {
      fake.requireBearer(tokens);
      const m = fake.putArtifact(REPO, { tag: 'v1', layers: ['layer'] });
      const blob = fake.putBlob(REPO, 'layer');
      for (let i = 0; i < 5; i++) {
        assert.equal((await client.resolve(ctx, reg, REPO, 'v1')).digest, m.digest);
        await client.fetchManifest(ctx, reg, REPO, m.digest);
        await client.fetchBlob(ctx, reg, REPO, blob.digest, blob.size);
        await client.listTags(ctx, reg, REPO);
      }
      assert.equal(client.auth.tokenFetches, 1);
      assert.equal(tokens.fetches, 1);
      const first = tokens.server.requests('GET', '/token')[0]!;
      assert.equal(first.url.searchParams.get('service'), 'fake-registry');
      assert.deepEqual(first.url.searchParams.getAll('scope'), [`repository:${REPO}:pull`]);
      assert.equal(first.headers.authorization, undefined, 'anonymous token request');
      const unauthorised = fake.log.filter((r) => !r.headers.authorization);
      assert.equal(unauthorised.length, 1, 'only the first request goes without a token');
      assert.equal(fake.log.length, 21);
    });

    test('concurrent first requests share the token fetch', async () => {
      fake.requireBearer(tokens);
      const blob = fake.putBlob(REPO, 'layer');
      await Promise.all(Array.from({ length: 10 }, () => client.fetchBlob(ctx, reg, REPO, blob.digest, blob.size)));
      assert.equal(client.auth.tokenFetches, tokens.fetches);
      assert.equal(tokens.fetches, 1);
    });

    test('the token request carries Basic credentials when configured', async () => {
      fake.requireBearer(tokens);
      fake.putArtifact(REPO, { tag: 'v1' });
      client = newClient(new StaticCredentials({ [reg]: { username: 'alice', password: 'pw' } }));
      await client.fetchManifest(ctx, reg, REPO, 'v1');
      const t = tokens.server.requests('GET', '/token')[0]!;
      assert.equal(t.headers.authorization, `Basic ${Buffer.from('alice:pw').toString('base64')}`);
      assert.match(fake.requests('GET', manifestPath('v1'))[1]!.headers.authorization ?? '', /^Bearer tok-1$/);
    });

    test('a registry token from the credentials is used as is (no token fetch)', async () => {
      fake.use((req, res) => {
        if (req.headers.authorization === 'Bearer static-token') return NEXT;
        registryError(res, 401, 'UNAUTHORIZED', 'no', { 'www-authenticate': `Bearer realm="${tokens.realm}",service="s"` });
        return undefined;
      });
      fake.putArtifact(REPO, { tag: 'v1' });
      client = newClient(new StaticCredentials({ [reg]: { registryToken: 'static-token' } }));
      await client.fetchManifest(ctx, reg, REPO, 'v1');
      assert.equal(tokens.fetches, 0);
    });

    test('a new token is fetched after expires_in lapses', { timeout: 10000 }, async () => {
      // expires_in 1 s → cached for max(1 s, 90% − 5 s) = 1 s.
      tokens.expiresIn = 1;
      fake.requireBearer(tokens);
      fake.putArtifact(REPO, { tag: 'v1' });
      await client.fetchManifest(ctx, reg, REPO, 'v1');
      await client.fetchManifest(ctx, reg, REPO, 'v1');
      assert.equal(client.auth.tokenFetches, 1);
      await new Promise((r) => setTimeout(r, 1100));
      await client.fetchManifest(ctx, reg, REPO, 'v1');
      assert.equal(client.auth.tokenFetches, 2);
      assert.equal(tokens.fetches, 2);
      // The refreshed token was sent up front, not after another 401.
      assert.equal(fake.requests('GET', manifestPath('v1')).length, 4);
    });

    test('a token the registry stops accepting is replaced once, transparently', async () => {
      fake.requireBearer(tokens);
      fake.putArtifact(REPO, { tag: 'v1' });
      await client.fetchManifest(ctx, reg, REPO, 'v1');
      tokens.revokeAll();
      await client.fetchManifest(ctx, reg, REPO, 'v1');
      assert.equal(tokens.fetches, 2);
      assert.equal(fake.count('GET', manifestPath('v1')), 4);
    });

    test('401 even with a fresh token → AUTH_DENIED, without looping', async () => {
      fake.use((_req, res) => {
        registryError(res, 401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': `Bearer realm="${tokens.realm}",service="fake"` });
        return undefined;
      });
      await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'v1'), isError('AUTH_DENIED', { text: /refused our credentials \(HTTP 401\)/ }));
      assert.equal(fake.count(), 2);
      assert.equal(tokens.fetches, 1);
      // The refusal is not remembered as success: the next call starts over, and stops again.
      await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'v1'), isError('AUTH_DENIED'));
      assert.equal(fake.count(), 4);
      assert.equal(tokens.fetches, 2);
    });

    test('403 with a valid token → AUTH_DENIED', async () => {
      fake.requireBearer(tokens);
      fake.route('GET', manifestPath('v1'), (_req, res) => registryError(res, 403, 'DENIED', 'requested access to the resource is denied'));
      await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'v1'), isError('AUTH_DENIED', { text: /HTTP 403.*DENIED/ }));
    });

    const tokenFailures: Array<[string, (res: import('node:http').ServerResponse) => void, RegExp]> = [
      ['500', (res) => registryError(res, 500, 'UNKNOWN', 'token service broken'), /token server http:\/\/127\.0\.0\.1:\d+\/token\S* answered HTTP 500.*token service broken/],
      ['malformed JSON', (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"token": "abc"');
      }, /token server returned malformed JSON/],
      ['401', (res) => registryError(res, 401, 'UNAUTHORIZED', 'bad credentials'), /answered HTTP 401.*bad credentials/],
      ['JSON without token', (res) => sendJson(res, 200, { expires_in: 300 }), /response has no usable token/],
      ['empty token', (res) => sendJson(res, 200, { token: '' }), /no usable token/],
    ];
    for (const [name, respond, text] of tokenFailures) {
      test(`token endpoint ${name} → AUTH_DENIED`, async () => {
        fake.requireBearer(tokens);
        tokens.respond = (_req, res) => respond(res);
        await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'v1'), isError('AUTH_DENIED', { text: new RegExp(`authentication to ${reg} failed: .*${text.source}`) }));
        assert.equal(fake.count(), 1, 'the registry is not asked again without a token');
      });
    }

    test('a token endpoint that drips past the deadline → DEADLINE_EXCEEDED', { timeout: 10000 }, async () => {
      fake.requireBearer(tokens);
      tokens.respond = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"token":');
        const t = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(t));
      };
      const dctx = withDeadline(ctx, 300);
      try {
        await assert.rejects(client.fetchManifest(dctx, reg, REPO, 'v1'), isError('DEADLINE_EXCEEDED', { text: /did not finish within 300 ms/ }));
      } finally {
        dctx.cancel();
      }
    });

    test('a challenge without realm, or with a non-http realm → AUTH_DENIED', async () => {
      fake.use((_req, res) => {
        registryError(res, 401, 'UNAUTHORIZED', 'x', { 'www-authenticate': 'Bearer service="fake"' });
        return undefined;
      });
      await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'v1'), isError('AUTH_DENIED', { text: /has no realm/ }));
      const other = await FakeRegistry.start();
      try {
        other.use((_req, res) => {
          registryError(res, 401, 'UNAUTHORIZED', 'x', { 'www-authenticate': 'Bearer realm="file:///etc/passwd"' });
          return undefined;
        });
        await assert.rejects(client.fetchManifest(ctx, other.host, REPO, 'v1'), isError('AUTH_DENIED', { text: /invalid token realm/ }));
      } finally {
        await other.close();
      }
    });
  });

  describe('Basic and other challenges', () => {
    test('Basic challenge with no credentials → AUTH_DENIED', async () => {
      fake.requireBasic('alice', 'pw');
      await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'v1'), isError('AUTH_DENIED', { text: /requires a username and password and none is configured/ }));
      assert.equal(fake.count(), 1);
    });

    test('Basic with credentials: answered once, then sent up front', async () => {
      fake.requireBasic('alice', 'pw');
      fake.putArtifact(REPO, { tag: 'v1' });
      client = newClient(new StaticCredentials({ [reg]: { username: 'alice', password: 'pw' } }));
      await client.fetchManifest(ctx, reg, REPO, 'v1');
      await client.fetchManifest(ctx, reg, REPO, 'v1');
      assert.equal(fake.count(), 3);
    });

    test('wrong Basic credentials → AUTH_DENIED after one retry', async () => {
      fake.requireBasic('alice', 'pw');
      client = newClient(new StaticCredentials({ [reg]: { username: 'alice', password: 'wrong' } }));
      await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'v1'), isError('AUTH_DENIED', { text: /HTTP 401/ }));
      assert.equal(fake.count(), 2);
    });

    test('an unsupported scheme or a 401 without challenge → AUTH_DENIED', async () => {
      fake.route('GET', manifestPath('neg'), (_req, res) => registryError(res, 401, 'UNAUTHORIZED', 'x', { 'www-authenticate': 'Negotiate' }));
      fake.route('GET', manifestPath('none'), (_req, res) => registryError(res, 401, 'UNAUTHORIZED', 'x'));
      await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'neg'), isError('AUTH_DENIED', { text: /unsupported authentication challenge negotiate/ }));
      await assert.rejects(client.fetchManifest(ctx, reg, REPO, 'none'), isError('AUTH_DENIED', { text: /unsupported authentication challenge \(none\)/ }));
    });
  });
});

describe('docker config credentials', () => {
  let dir: string;
  let bin: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-creds-'));
    bin = join(dir, 'bin');
    await mkdir(bin);
    env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
    // A helper that answers with fixed credentials and logs the server URL it was asked for.
    await helper('fake', `printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}' "$url"`);
    await helper('store', `printf '{"ServerURL":"%s","Username":"store-user","Secret":"store-secret"}' "$url"`);
    await helper('notfound', `echo "credentials not found in native keychain"; exit 1`);
    await helper('garbage', `echo "this is not json"`);
    await helper('crash', `echo "boom" >&2; exit 3`);
    await helper('token', `printf '{"ServerURL":"%s","Username":"<token>","Secret":"refresh-me"}' "$url"`);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function helper(name: string, body: string): Promise<void> {
    const p = join(bin, `docker-credential-${name}`);
    await writeFile(p, `#!/bin/sh\nurl=$(cat)\n[ "$1" = get ] || exit 2\nprintf '%s\\n' "$url" >> "${join(dir, `${name}.log`)}"\n${body}\n`);
    await chmod(p, 0o755);
  }

  async function config(cfg: unknown, name = `config-${Math.random().toString(36).slice(2)}.json`): Promise<DockerConfigCredentials> {
    const p = join(dir, name);
    await writeFile(p, typeof cfg === 'string' ? cfg : JSON.stringify(cfg));
    return new DockerConfigCredentials(p, env);
  }

  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const asked = async (name: string) => (await readFile(join(dir, `${name}.log`), 'utf8')).trim().split('\n');

  test('auths with base64 auth, by host and by URL key; other registries anonymous', async () => {
    const c = await config({ auths: { 'reg.example:5000': { auth: b64('bob:pa:ss') }, 'https://other.example/v1/': { auth: b64('carol:pw') } } });
    assert.deepEqual(await c.get('reg.example:5000'), { username: 'bob', password: 'pa:ss' });
    assert.deepEqual(await c.get('other.example'), { username: 'carol', password: 'pw' });
    assert.equal(await c.get('unknown.example'), undefined);
  });

  test('https://index.docker.io/v1/ serves docker.io', async () => {
    const c = await config({ auths: { 'https://index.docker.io/v1/': { auth: b64('hubuser:hubpw') } } });
    assert.deepEqual(await c.get('docker.io'), { username: 'hubuser', password: 'hubpw' });
  });

  test('identitytoken and registrytoken fields of auths', async () => {
    const c = await config({ auths: { 'a.example': { identitytoken: 'refresh' }, 'b.example': { registrytoken: 'bearer' } } });
    assert.deepEqual(await c.get('a.example'), { identityToken: 'refresh' });
    assert.deepEqual(await c.get('b.example'), { registryToken: 'bearer' });
  });

  test('an auth that is not base64 of user:password → CONFIG_INVALID', async () => {
    const c = await config({ auths: { 'a.example': { auth: b64('nocolon') } } });
    await assert.rejects(c.get('a.example'), isError('CONFIG_INVALID', { text: /not base64 of "user:password"/ }));
  });

  test('credHelpers run docker-credential-<name> from the PATH given, with the server URL on stdin', async () => {
    const c = await config({ credHelpers: { 'reg.example': 'fake', 'docker.io': 'fake' }, auths: { 'reg.example': { auth: b64('ignored:ignored') } } });
    assert.deepEqual(await c.get('reg.example'), { username: 'helper-user', password: 'helper-secret' });
    assert.deepEqual(await c.get('docker.io'), { username: 'helper-user', password: 'helper-secret' });
    assert.deepEqual(await asked('fake'), ['reg.example', 'https://index.docker.io/v1/']);
  });

  test('credsStore is the default helper; auths are used when it has nothing', async () => {
    const c = await config({ credsStore: 'store' });
    assert.deepEqual(await c.get('any.example'), { username: 'store-user', password: 'store-secret' });
    const nf = await config({ credsStore: 'notfound', auths: { 'x.example': { auth: b64('u:p') } } });
    assert.deepEqual(await nf.get('x.example'), { username: 'u', password: 'p' });
    assert.equal(await nf.get('y.example'), undefined);
  });

  test('a helper printing "credentials not found" with exit 1 → anonymous', async () => {
    const c = await config({ credHelpers: { 'reg.example': 'notfound' } });
    assert.equal(await c.get('reg.example'), undefined);
  });

  test('a helper printing garbage → NO_MATCHING_CREDENTIAL', async () => {
    const c = await config({ credHelpers: { 'reg.example': 'garbage' } });
    await assert.rejects(c.get('reg.example'), isError('NO_MATCHING_CREDENTIAL', { text: /docker-credential-garbage printed invalid JSON/ }));
  });

  test('a failing or missing helper → NO_MATCHING_CREDENTIAL', async () => {
    const c = await config({ credHelpers: { 'a.example': 'crash', 'b.example': 'missing' } });
    await assert.rejects(c.get('a.example'), isError('NO_MATCHING_CREDENTIAL', { text: /docker-credential-crash failed for a\.example.*boom/s }));
    await assert.rejects(c.get('b.example'), isError('NO_MATCHING_CREDENTIAL', { text: /docker-credential-missing failed/ }));
  });

  test('a helper name with a path in it → CONFIG_INVALID', async () => {
    const c = await config({ credHelpers: { 'a.example': '../../bin/sh' } });
    await assert.rejects(c.get('a.example'), isError('CONFIG_INVALID', { text: /invalid credential helper name/ }));
  });

  test('"<token>" username → identity token', async () => {
    const c = await config({ credHelpers: { 'reg.example': 'token' } });
    assert.deepEqual(await c.get('reg.example'), { identityToken: 'refresh-me' });
  });

  test('missing config → anonymous; malformed config → CONFIG_INVALID', async () => {
    assert.equal(await new DockerConfigCredentials(join(dir, 'absent.json'), env).get('x'), undefined);
    const bad = await config('{ not json');
    await assert.rejects(bad.get('x'), isError('CONFIG_INVALID', { text: /not valid JSON/ }));
  });

  test('an identity token makes the Authenticator use the OAuth2 refresh-token POST', async () => {
    const registry = await FakeRegistry.start();
    const ts = await FakeTokenServer.start();
    const t = new RegistryTransport(FAST_RETRIES);
    try {
      registry.requireBearer(ts);
      const m = registry.putArtifact(REPO, { tag: 'v1' });
      const creds = await config({ credHelpers: { [registry.host]: 'token' } });
      const c = new RegistryClient({ transport: t, plainHttp: true, credentials: creds });
      assert.equal((await c.fetchManifest(ctx, registry.host, REPO, 'v1')).descriptor.digest, m.digest);
      const reqs = ts.server.requests('*', '/token');
      assert.equal(reqs.length, 1);
      assert.equal(reqs[0]!.method, 'POST');
      assert.match(String(reqs[0]!.headers['content-type']), /application\/x-www-form-urlencoded/);
      const form = new URLSearchParams(reqs[0]!.body.toString('utf8'));
      assert.equal(form.get('grant_type'), 'refresh_token');
      assert.equal(form.get('refresh_token'), 'refresh-me');
      assert.equal(form.get('service'), 'fake-registry');
      assert.equal(form.get('scope'), `repository:${REPO}:pull`);
      assert.equal(reqs[0]!.headers.authorization, undefined);
      assert.equal(registry.requests('GET', manifestPath('v1'))[1]!.headers.authorization, 'Bearer tok-1');
    } finally {
      await t.close();
      await registry.close();
      await ts.close();
    }
  });
});

describe('WWW-Authenticate parser', () => {
  const table: Array<[string, string | undefined, Array<{ scheme: string; params: Record<string, string> }>]> = [
    ['empty', '', []],
    ['undefined', undefined, []],
    [
      'distribution bearer with a comma in the quoted scope',
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"',
      [{ scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } }],
    ],
    ['escaped quotes and backslashes', 'Bearer realm="a\\"b\\\\c",service="x"', [{ scheme: 'bearer', params: { realm: 'a"b\\c', service: 'x' } }]],
    ['unquoted values', 'Bearer realm=https://t.example/token,service=reg', [{ scheme: 'bearer', params: { realm: 'https://t.example/token', service: 'reg' } }]],
    ['case and whitespace', 'BEARER  Realm = "r" ,  Service="s"', [{ scheme: 'bearer', params: { realm: 'r', service: 's' } }]],
    [
      'multiple challenges',
      'Basic realm="basic realm", Bearer realm="https://t/token",service="s",error="invalid_token"',
      [
        { scheme: 'basic', params: { realm: 'basic realm' } },
        { scheme: 'bearer', params: { realm: 'https://t/token', service: 's', error: 'invalid_token' } },
      ],
    ],
    ['scheme without params', 'Negotiate', [{ scheme: 'negotiate', params: {} }]],
    ['empty quoted value', 'Bearer realm=""', [{ scheme: 'bearer', params: { realm: '' } }]],
    ['unterminated quote', 'Bearer realm="https://t/token', [{ scheme: 'bearer', params: { realm: 'https://t/token' } }]],
  ];
  for (const [name, input, want] of table) {
    test(name, () => {
      assert.deepEqual(parseChallenges(input), want);
    });
  }

  test('junk input never throws and always terminates', () => {
    const junk = ['=', '===', '"', '""', ',,,', '\\', 'realm="x"', 'Bearer =', 'Bearer realm=', 'Bearer realm="\\', '\u0000\u00ff', 'Bearer ,,, realm', '😀 realm="😀"', 'a'.repeat(10000)];
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
    const alphabet = 'Bearer realm="\\, =\t;abc';
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const len = rand() % 40;
      for (let j = 0; j < len; j++) s += alphabet[rand() % alphabet.length];
      junk.push(s);
    }
    for (const s of junk) {
      const out = parseChallenges(s);
      assert.ok(Array.isArray(out));
      for (const c of out) {
        assert.equal(typeof c.scheme, 'string');
        assert.equal(typeof c.params, 'object');
      }
    }
  });
});
