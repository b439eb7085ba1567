import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backgroundContext } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import { Executor } from '../../src/executor/executor.js';
import { parsePlatformMode } from '../../src/executor/platform.js';
import type { ReportElement } from '../../src/executor/types.js';
import { ConfigPolicy } from '../../src/policy/config-policy.js';
import { GraphStore, NOTARY, ScriptedVerifier, byAnnotation } from './fixtures.js';

const subject = 'registry.example.com/multi:v1';

function multiArch(signed: { index: boolean; amd64: boolean; arm64: boolean }) {
  const store = new GraphStore();
  const { index, children } = store.index('v1', ['linux/amd64', 'linux/arm64/v8']);
  if (signed.index) store.attach(index, NOTARY, 'index-sig');
  if (signed.amd64) store.attach(children[0]!, NOTARY, 'amd64-sig');
  if (signed.arm64) store.attach(children[1]!, NOTARY, 'arm64-sig');
  const ex = new Executor({ stores: [store], verifiers: [new ScriptedVerifier('notation', [NOTARY], byAnnotation)], policy: new ConfigPolicy({ artifactVerificationPolicies: { [NOTARY]: 'any' } }) });
  return { ex, index, children };
}

describe('multi-arch platform modes', () => {
  it('index (default): verifies only the digest given, as Ratify', async () => {
    const { ex } = multiArch({ index: true, amd64: false, arm64: false });
    const { result } = await ex.verify({ subject }, backgroundContext());
    assert.equal(result.isSuccess, true);
    assert.equal(result.platforms, undefined, 'Ratify’s JSON is unchanged in the default mode');
  });

  it('all: the index and every platform must verify', async () => {
    const partly = multiArch({ index: true, amd64: true, arm64: false });
    const r1 = await partly.ex.verify({ subject, platform: parsePlatformMode('all') }, backgroundContext());
    assert.equal(r1.result.isSuccess, false);
    assert.deepEqual(r1.result.platforms?.map((p) => [p.platform, p.isSuccess]), [['index', true], ['linux/amd64', true], ['linux/arm64/v8', false]]);
    assert.equal(r1.result.platforms?.[2]?.digest, partly.children[1]!.digest);
    const failing = r1.result.verifierReports.find((r) => (r as ReportElement).subject?.endsWith(partly.children[1]!.digest)) as ReportElement;
    assert.match(failing.errorReason ?? '', /^No verification results for the artifact/);
    const full = multiArch({ index: true, amd64: true, arm64: true });
    const r2 = await full.ex.verify({ subject, platform: parsePlatformMode('all') }, backgroundContext());
    assert.equal(r2.result.isSuccess, true);
    assert.equal(r2.result.verifierReports.length, 3);
  });

  it('all: children without a platform, unknown/unknown children and nested indexes are verified too', async () => {
    const build = (signAll: boolean) => {
      const store = new GraphStore();
      const amd = store.manifest('amd64', { os: 'linux', architecture: 'amd64' });
      const bare = store.manifest('no-platform');
      const attestation = store.manifest('attestation', { os: 'unknown', architecture: 'unknown' });
      const deep = store.manifest('deep', { os: 'linux', architecture: 'arm64' });
      const inner = store.rawIndex('inner', [deep]);
      const index = store.rawIndex('v1', [amd, bare, attestation, { ...inner, platform: { os: 'linux', architecture: 'arm64' } }]);
      for (const d of [index, amd, inner]) store.attach(d, NOTARY, `sig-${d.digest}`);
      if (signAll) for (const d of [bare, attestation, deep]) store.attach(d, NOTARY, `sig-${d.digest}`);
      const ex = new Executor({ stores: [store], verifiers: [new ScriptedVerifier('notation', [NOTARY], byAnnotation)], policy: new ConfigPolicy({ artifactVerificationPolicies: { [NOTARY]: 'any' } }) });
      return { ex, bare, attestation, deep };
    };
    const unsigned = build(false);
    const r1 = await unsigned.ex.verify({ subject, platform: parsePlatformMode('all') }, backgroundContext());
    assert.equal(r1.result.isSuccess, false);
    const failed = new Set(r1.result.platforms!.filter((p) => !p.isSuccess).map((p) => p.digest));
    assert.deepEqual(failed, new Set([unsigned.bare.digest, unsigned.attestation.digest, unsigned.deep.digest]));
    assert.equal(r1.result.platforms!.length, 6, 'index, three children, the nested index and its child');
    const signed = build(true);
    const r2 = await signed.ex.verify({ subject, platform: parsePlatformMode('all') }, backgroundContext());
    assert.equal(r2.result.isSuccess, true);
    // os/arch never picks a child without a platform, nor an attestation manifest.
    const arm = await signed.ex.verify({ subject, platform: parsePlatformMode('unknown/unknown') }, backgroundContext());
    assert.equal(arm.error?.code, 'REFERENCE_INVALID');
  });

  it('all: an index that fans out past the bound fails closed', async () => {
    const store = new GraphStore();
    const kids = Array.from({ length: 300 }, (_, i) => store.manifest(`m${i}`, { os: 'linux', architecture: 'amd64' }));
    const a = store.rawIndex('a', kids.slice(0, 150));
    const b = store.rawIndex('b', kids.slice(150));
    store.rawIndex('v1', [a, b]);
    const ex = new Executor({ stores: [store], verifiers: [new ScriptedVerifier('notation', [NOTARY], byAnnotation)], policy: new ConfigPolicy({}) });
    const { result, error } = await ex.verify({ subject, platform: parsePlatformMode('all') }, backgroundContext());
    assert.equal(result.isSuccess, false);
    assert.equal(error?.root.code, 'MANIFEST_INVALID');
  });

  it('os/arch: verifies that platform’s manifest only', async () => {
    const { ex, children } = multiArch({ index: false, amd64: true, arm64: false });
    const amd = await ex.verify({ subject, platform: parsePlatformMode('linux/amd64') }, backgroundContext());
    assert.equal(amd.result.isSuccess, true);
    assert.deepEqual(amd.result.platforms, [{ platform: 'linux/amd64', digest: children[0]!.digest, isSuccess: true }]);
    const arm = await ex.verify({ subject, platform: parsePlatformMode('linux/arm64') }, backgroundContext());
    assert.equal(arm.result.isSuccess, false);
  });

  it('an unknown platform is an error naming the available ones', async () => {
    const { ex } = multiArch({ index: true, amd64: true, arm64: true });
    const { error } = await ex.verify({ subject, platform: parsePlatformMode('windows/amd64') }, backgroundContext());
    assert.equal(error?.code, 'REFERENCE_INVALID');
    assert.match(error?.effectiveRemediation ?? '', /linux\/amd64, linux\/arm64\/v8/);
  });

  it('a single-manifest image is verified as itself in every mode', async () => {
    const store = new GraphStore();
    const img = store.image('v1');
    store.attach(img, NOTARY, 'sig');
    const ex = new Executor({ stores: [store], verifiers: [new ScriptedVerifier('notation', [NOTARY], byAnnotation)], policy: new ConfigPolicy({}) });
    const { result } = await ex.verify({ subject, platform: parsePlatformMode('all') }, backgroundContext());
    assert.equal(result.isSuccess, true);
    assert.deepEqual(result.platforms, [{ platform: 'single manifest', digest: img.digest, isSuccess: true }]);
  });

  it('parses modes and rejects malformed ones', () => {
    assert.deepEqual(parsePlatformMode(undefined), { kind: 'index' });
    assert.deepEqual(parsePlatformMode('linux/arm64/v8'), { kind: 'platform', os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.throws(() => parsePlatformMode('linux'), RatifyError);
    assert.throws(() => parsePlatformMode('a/b/c/d'), RatifyError);
  });
});
