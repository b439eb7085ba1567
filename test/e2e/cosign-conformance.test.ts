import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot, skipUnlessVectors, vectorPath } from '../harness/vectors.js';

/**
 * The sigstore-conformance entrypoint as the conformance suite runs it: an executable taking the
 * protocol's arguments, answering with its exit code. It runs the compiled code (npm run build).
 */

const IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const skip = skipUnlessVectors(5, 'sigstore-conformance entrypoint');

function entrypoint(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(join(projectRoot(), 'conformance', 'sigstore', 'entrypoint'), args, { timeout: 60_000, env: { PATH: process.env.PATH } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('conformance/sigstore/entrypoint', { skip }, () => {
  const asset = (...p: string[]) => vectorPath('sigstore-conformance', 'test/assets/bundle-verify', ...p);
  const byIdentity = (bundle: string, artifact = asset('a.txt'), extra: string[] = []) => [
    'verify-bundle',
    '--bundle',
    asset(bundle, 'bundle.sigstore.json'),
    '--certificate-identity',
    IDENTITY,
    '--certificate-oidc-issuer',
    ISSUER,
    ...extra,
    artifact,
  ];

  it('exits 0 for a valid bundle, with the default (public-good) trusted root', async () => {
    const r = await entrypoint(byIdentity('happy-path-v0.3'));
    assert.equal(r.code, 0, r.stderr);
  });

  it('exits 0 for the Rekor v2 DSSE bundle @sigstore/verify 3.1.1 alone rejects', async () => {
    const r = await entrypoint(byIdentity('rekor2-dsse-happy-path', asset('a.txt'), ['--trusted-root', asset('rekor2-dsse-happy-path', 'trusted_root.json')]));
    assert.equal(r.code, 0, r.stderr);
  });

  it('exits 1 with the reason when the bundle does not verify', async () => {
    const r = await entrypoint(byIdentity('signature-mismatch_fail'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /verification failed: TLOG_BODY_ERROR/);
  });

  it('verifies with a key, and takes a digest instead of a file for DSSE bundles', async () => {
    const k = await entrypoint(['verify-bundle', '--bundle', asset('managed-key-and-trusted-root', 'bundle.sigstore.json'), '--key', asset('managed-key-and-trusted-root', 'key.pub'), '--trusted-root', asset('managed-key-and-trusted-root', 'trusted_root.json'), asset('a.txt')]);
    assert.equal(k.code, 0, k.stderr);
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const digest = `sha256:${createHash('sha256').update(readFileSync(asset('a.txt'))).digest('hex')}`;
    const d = await entrypoint(byIdentity('happy-path-intoto-in-dsse-v3', digest));
    assert.equal(d.code, 0, d.stderr);
  });

  it('exits 2 on usage errors', async () => {
    assert.equal((await entrypoint([])).code, 2);
    assert.equal((await entrypoint(['sign-bundle', '--bundle', 'x', 'y'])).code, 2);
    assert.equal((await entrypoint(['verify-bundle', '--bundle', 'x', '--key', 'k', '--certificate-identity', 'i', 'y'])).code, 2);
  });
});
