import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'undici';
import { startRegistry, type RegistryFlavour, type RegistryHandle } from './registry.js';
import {
  authHeaders, basicAuth, fetchToken, header, parseChallenge, pushBlob, pushLayout, pushManifest, registryRequest,
  type PushLayoutResult,
} from './load-layout.js';
import { freePort } from './ports.js';
import { projectRoot, skipUnlessVectors, vectorPath, vectorsDir } from './vectors.js';
import { mergeScopes } from './client.js';
import { parseScope } from './token-server.js';

const VALID_LAYOUT = 'notation/test/e2e/testdata/registry/oci_layout/e2e-valid-signature';
const SUBJECT = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';
const REFERRERS_TAG = `sha256-${SUBJECT.slice('sha256:'.length)}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const FLAVOURS: RegistryFlavour[] = ['open', 'basic', 'token', 'tls'];

// Two vector-backed cases per flavour.
const noVectors = skipUnlessVectors(FLAVOURS.length * 2, `harness: push ${VALID_LAYOUT} into open/basic/token/tls registries`);

const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Raw undici GET (not registryRequest), so the harness's own client is not what is being trusted. */
async function rawGet(reg: RegistryHandle, path: string, accept: string, scope: string) {
  const res = await request(`${reg.url}${path}`, {
    dispatcher: reg.dispatcher,
    headers: { accept, ...(await authHeaders(reg, [scope])) },
  });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

/** A tiny image made here, so the auth tests do not depend on the vectors. */
async function pushProbeImage(reg: RegistryHandle, repo: string): Promise<string> {
  const config = Buffer.from('{}');
  const layer = Buffer.from('hello from the harness\n');
  const configDigest = await pushBlob(reg, repo, config);
  const layerDigest = await pushBlob(reg, repo, layer);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length }],
  }));
  return pushManifest(reg, repo, 'probe', OCI_MANIFEST, manifest);
}

describe('harness helpers', () => {
  it('finds the project root and vectors location', () => {
    assert.ok(existsSync(`${projectRoot()}/package.json`));
    const dir = vectorsDir();
    if (dir !== undefined) assert.ok(existsSync(vectorPath(VALID_LAYOUT, 'index.json')));
  });

  it('hands out a bindable port', async () => {
    const port = await freePort();
    assert.ok(port > 0 && port < 65536);
  });

  it('parses challenges and scopes', () => {
    const c = parseChallenge('Bearer realm="http://x/token",service="reg",scope="repository:a/b:pull,push"');
    assert.deepEqual(c, { scheme: 'bearer', params: { realm: 'http://x/token', service: 'reg', scope: 'repository:a/b:pull,push' } });
    assert.deepEqual(parseScope('repository:a/b:pull,push'), { type: 'repository', name: 'a/b', actions: ['pull', 'push'] });
    assert.deepEqual(mergeScopes(['repository:a:pull', 'repository:a:pull,push', 'registry:catalog:*']),
      ['repository:a:pull,push', 'registry:catalog:*']);
  });
});

for (const flavour of FLAVOURS) {
  describe(`docker-registry flavour ${flavour}`, () => {
    let reg: RegistryHandle;
    let startMs = 0;
    let pushed: PushLayoutResult | undefined;

    before(async () => {
      const t0 = performance.now();
      reg = await startRegistry(flavour);
      startMs = performance.now() - t0;
    });
    after(async () => {
      await reg?.stop();
    });

    it('answers /v2/ as its flavour demands', async (t) => {
      t.diagnostic(`started ${flavour} registry at ${reg.url} in ${startMs.toFixed(0)} ms`);
      const anon = await registryRequest(reg, 'GET', '/v2/', { auth: false });
      if (flavour === 'open' || flavour === 'tls') {
        assert.equal(anon.statusCode, 200);
        assert.equal(header(anon, 'docker-distribution-api-version'), 'registry/2.0');
      } else {
        assert.equal(anon.statusCode, 401);
      }
      const authed = await registryRequest(reg, 'GET', '/v2/', { headers: await authHeaders(reg, []) });
      assert.equal(authed.statusCode, 200);
    });

    it(`loads ${VALID_LAYOUT} byte for byte and serves v1 by raw GET`, { skip: noVectors }, async () => {
      const before = reg.tokenServer?.requests ?? 0;
      pushed = await pushLayout(reg, vectorPath(VALID_LAYOUT), 'e2e/valid');
      assert.equal(pushed.tags['v1'], SUBJECT);
      if (reg.tokenServer) assert.equal(reg.tokenServer.requests - before, 1, 'one token should serve the whole push');

      const res = await rawGet(reg, '/v2/e2e/valid/manifests/v1', OCI_MANIFEST, 'repository:e2e/valid:pull');
      assert.equal(res.status, 200, res.body.toString());
      assert.equal(res.headers['docker-content-digest'], SUBJECT);
      assert.equal(sha256(res.body), SUBJECT);
    });

    it('serves the referrers tag-schema index', { skip: noVectors }, async () => {
      assert.ok(pushed, 'layout push must have succeeded');
      const res = await rawGet(reg, `/v2/e2e/valid/manifests/${REFERRERS_TAG}`, OCI_INDEX, 'repository:e2e/valid:pull');
      assert.equal(res.status, 200, res.body.toString());
      assert.equal(res.headers['content-type'], OCI_INDEX);
      const digest = sha256(res.body);
      assert.equal(res.headers['docker-content-digest'], digest);
      assert.equal(pushed.tags[REFERRERS_TAG], digest);
      const index = JSON.parse(res.body.toString('utf8')) as { mediaType?: string; manifests?: Array<{ digest: string }> };
      assert.equal(index.mediaType, OCI_INDEX);
      assert.ok((index.manifests?.length ?? 0) >= 1);
      for (const m of index.manifests ?? []) assert.ok(pushed.manifests.includes(m.digest));
    });

    if (flavour === 'tls') {
      it('is not trusted without the test CA', async () => {
        assert.ok(reg.caPem?.includes('BEGIN CERTIFICATE'));
        await assert.rejects(request(`${reg.url}/v2/`), /certificate/i);
      });
    }

    if (flavour === 'basic') {
      it('refuses anonymous and wrong-password requests', async () => {
        const digest = await pushProbeImage(reg, 'auth/probe');
        const path = `/v2/auth/probe/manifests/${digest}`;
        const anon = await registryRequest(reg, 'GET', path, { auth: false, headers: { accept: OCI_MANIFEST } });
        assert.equal(anon.statusCode, 401);
        assert.equal(header(anon, 'www-authenticate'), 'Basic realm="basic-realm"');
        const wrong = await registryRequest(reg, 'GET', path, {
          headers: { accept: OCI_MANIFEST, authorization: basicAuth(reg.username ?? '', 'not-the-password') },
        });
        assert.equal(wrong.statusCode, 401);
        const good = await registryRequest(reg, 'GET', path, { headers: { accept: OCI_MANIFEST } });
        assert.equal(good.statusCode, 200);
      });
    }

    if (flavour === 'token') {
      it('challenges with Bearer and refuses tokens for other repositories', async () => {
        const digest = await pushProbeImage(reg, 'auth/probe');
        const path = `/v2/auth/probe/manifests/${digest}`;
        const get = async (authorization?: string) =>
          registryRequest(reg, 'GET', path, {
            auth: false,
            headers: { accept: OCI_MANIFEST, ...(authorization ? { authorization } : {}) },
          });

        const anon = await get();
        assert.equal(anon.statusCode, 401);
        const challenge = parseChallenge(anon.headers['www-authenticate']);
        assert.equal(challenge?.scheme, 'bearer');
        assert.equal(challenge?.params['realm'], reg.tokenServer?.realm);
        assert.equal(challenge?.params['service'], reg.service);
        assert.equal(challenge?.params['scope'], 'repository:auth/probe:pull');

        const other = await fetchToken(reg, ['repository:some/other:pull']);
        assert.equal((await get(`Bearer ${other}`)).statusCode, 401);
        const anonymousToken = await fetchToken(reg, ['repository:auth/probe:pull'], { anonymous: true });
        assert.equal((await get(`Bearer ${anonymousToken}`)).statusCode, 401);
        await assert.rejects(fetchToken(reg, ['repository:auth/probe:pull'], { password: 'wrong' }), /401/);

        const right = await fetchToken(reg, ['repository:auth/probe:pull']);
        assert.equal((await get(`Bearer ${right}`)).statusCode, 200);
      });
    }
  });
}
