import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backgroundContext, type Context } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import { silentLogger } from '../../src/observability/logger.js';
import {
  createSbomVerifier,
  MAX_COMPONENT_DEPTH,
  parseCycloneDxJson,
  sbomVerifierFactory,
  SBOM_MESSAGES,
} from '../../src/verifiers/sbom/index.js';
import type { VerifierResult } from '../../src/verifiers/types.js';
import { MemoryStore, storeWithReferrer, type ReferrerSpec } from '../helpers/memory-store.js';

const ctx: Context = backgroundContext();
const SPDX = 'application/spdx+json';
const CDX = 'application/vnd.cyclonedx+json';

function spdxDoc(packages: Array<{ name: string; versionInfo?: string; licenseConcluded?: string }>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: 'test',
    documentNamespace: 'https://example.com/test',
    creationInfo: { created: '2024-01-01T00:00:00Z', creators: ['Tool: test-1.0'] },
    packages: packages.map((p, i) => ({ SPDXID: `SPDXRef-p${i}`, downloadLocation: 'NOASSERTION', ...p })),
    ...extra,
  });
}

function cdxDoc(components: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { timestamp: '2024-01-01T00:00:00Z', component: { type: 'container', name: 'img', components: [{ type: 'library', name: 'inner' }] } },
    components,
    ...extra,
  });
}

async function run(config: Record<string, unknown>, spec: ReferrerSpec, limits = {}): Promise<{ r: VerifierResult; store: MemoryStore; input: ReturnType<typeof storeWithReferrer>['input'] }> {
  const v = await createSbomVerifier({ name: 'sbom', ...config });
  const s = storeWithReferrer(spec, limits);
  return { r: await v.verify(s.input, ctx), store: s.store, input: s.input };
}

describe('sbom verifier: Ratify semantics', () => {
  test('factory type and defaults', async () => {
    assert.equal(sbomVerifierFactory.type, 'sbom');
    const v = await sbomVerifierFactory.create({ name: 'my-sbom', type: 'sbom', artifactTypes: 'application/spdx+json' }, { rt: { home: '/tmp', env: {} }, log: silentLogger() });
    assert.equal(v.name, 'my-sbom');
    assert.equal(v.type, 'sbom');
    assert.deepEqual(v.artifactTypes, ['application/spdx+json']);
    const any = await createSbomVerifier({ name: 'sbom' });
    assert.deepEqual(any.artifactTypes, ['*']);
  });

  test('no deny lists: success with creationInfo', async () => {
    const { r } = await run({}, { artifactType: SPDX, layers: [{ data: spdxDoc([{ name: 'a', licenseConcluded: 'GPL-3.0' }]) }] });
    assert.equal(r.isSuccess, true);
    assert.equal(r.message, SBOM_MESSAGES.success);
    assert.deepEqual(r.extensions, { creationInfo: { creators: ['Tool: test-1.0'], created: '2024-01-01T00:00:00Z' } });
  });

  test('violations: message, errorReason, remediation and capitalised extension keys in Go map order', async () => {
    const { r } = await run(
      { disallowedLicenses: ['GPL-3.0'], disallowedPackages: [{ name: 'b', version: '2' }] },
      {
        artifactType: SPDX,
        layers: [{ data: spdxDoc([{ name: 'a', versionInfo: '1', licenseConcluded: 'GPL-3.0' }, { name: 'b', versionInfo: '2', licenseConcluded: 'MIT' }]) }],
      },
    );
    assert.equal(r.isSuccess, false);
    assert.equal(r.message, 'SBOM validation failed');
    assert.equal(r.errorReason, 'License or package violation found.');
    assert.equal(r.remediation, 'Please review extensions data for license and package violation found.');
    assert.equal(
      JSON.stringify(r.extensions),
      JSON.stringify({
        creationInfo: { creators: ['Tool: test-1.0'], created: '2024-01-01T00:00:00Z' },
        licenseViolations: [{ Name: 'a', Version: '1', License: 'GPL-3.0' }],
        packageViolations: [{ Name: 'b', Version: '2', License: 'MIT' }],
      }),
    );
  });

  test('deny lists configured but nothing found: success with creationInfo only', async () => {
    const { r } = await run({ disallowedLicenses: ['GPL-3.0'] }, { artifactType: SPDX, layers: [{ data: spdxDoc([{ name: 'a', licenseConcluded: 'MIT' }]) }] });
    assert.equal(r.isSuccess, true);
    assert.deepEqual(Object.keys(r.extensions as object), ['creationInfo']);
  });

  test('package deny list: name-only matches every version; name+version exact', async () => {
    const data = spdxDoc([
      { name: 'log4j-core', versionInfo: '2.13.0' },
      { name: 'log4j-core', versionInfo: '2.17.1' },
      { name: 'other', versionInfo: '2.13.0' },
    ]);
    const byName = await run({ disallowedPackages: [{ name: 'log4j-core' }] }, { artifactType: SPDX, layers: [{ data }] });
    assert.deepEqual(
      (byName.r.extensions as { packageViolations: unknown[] }).packageViolations.map((p) => JSON.stringify(p)),
      [
        JSON.stringify({ Name: 'log4j-core', Version: '2.13.0', License: '' }),
        JSON.stringify({ Name: 'log4j-core', Version: '2.17.1', License: '' }),
      ],
    );
    const exact = await run({ disallowedPackages: [{ name: 'log4j-core', version: '2.17.1' }] }, { artifactType: SPDX, layers: [{ data }] });
    assert.deepEqual((exact.r.extensions as { packageViolations: Array<{ Version: string }> }).packageViolations.map((p) => p.Version), ['2.17.1']);
    const none = await run({ disallowedPackages: [{ name: 'log4j-core', version: '9' }, { name: '', version: '2.13.0' }] }, { artifactType: SPDX, layers: [{ data }] });
    assert.equal(none.r.isSuccess, true);
    // Listed under both a name-only and an exact entry: still one violation.
    const both = await run({ disallowedPackages: [{ name: 'other' }, { name: 'other', version: '2.13.0' }] }, { artifactType: SPDX, layers: [{ data }] });
    assert.equal((both.r.extensions as { packageViolations: unknown[] }).packageViolations.length, 1);
  });

  test('license expressions: OR is satisfiable by an allowed choice, AND is not', async () => {
    const data = spdxDoc([
      { name: 'dual', versionInfo: '1', licenseConcluded: 'MIT OR GPL-3.0-only' },
      { name: 'both', versionInfo: '1', licenseConcluded: 'MIT AND GPL-3.0-only' },
      { name: 'exc', versionInfo: '1', licenseConcluded: 'GPL-2.0-only WITH Classpath-exception-2.0' },
      { name: 'slash', versionInfo: '1', licenseConcluded: 'GPL-3.0 / MIT' },
    ]);
    const { r } = await run({ disallowedLicenses: ['GPL-3.0', 'GPL-2.0'] }, { artifactType: SPDX, layers: [{ data }] });
    assert.deepEqual(
      (r.extensions as { licenseViolations: Array<{ Name: string }> }).licenseViolations.map((p) => p.Name),
      ['both', 'exc', 'slash'],
    );
    assert.ok(r.trace?.some((t) => t.check === 'license-note' && /not an SPDX expression/.test(t.detail ?? '')));
  });

  test('no layers: SBOM validation failed with the referrer in the reason', async () => {
    const { r, input } = await run({}, { artifactType: SPDX, layers: [] });
    assert.equal(r.isSuccess, false);
    assert.equal(r.message, 'SBOM validation failed');
    assert.equal(r.errorReason, `No layers found in manifest for referrer registry.example/test/image@${input.referrer.digest}`);
  });

  test('wrong artifactType: Failed to process SBOM blobs, nothing downloaded', async () => {
    const { r, store } = await run({}, { artifactType: 'application/vnd.example+json', layers: [{ data: '{}' }] });
    assert.equal(r.isSuccess, false);
    assert.equal(r.message, 'Failed to process SBOM blobs.');
    assert.equal(r.errorReason, 'Unsupported artifactType: application/vnd.example+json');
    assert.deepEqual(store.blobFetches, []);
  });

  test('only the first layer is read', async () => {
    const { r } = await run(
      { disallowedLicenses: ['GPL-3.0'] },
      { artifactType: SPDX, layers: [{ data: spdxDoc([{ name: 'a', licenseConcluded: 'MIT' }]) }, { data: spdxDoc([{ name: 'b', licenseConcluded: 'GPL-3.0' }]) }] },
    );
    assert.equal(r.isSuccess, true);
  });
});

describe('sbom verifier: hostile and malformed input', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['malformed JSON', '{"spdxVersion": "SPDX-2.3", ', /^malformed JSON/],
    ['not an object', '[1,2,3]', /cannot unmarshal array/],
    ['no spdxVersion', '{"name":"x"}', /^JSON document does not contain spdxVersion field$/],
    ['unsupported version', '{"spdxVersion":"SPDX-3.0"}', /^unsupported SPDX version: SPDX-3.0$/],
    ['filesAnalyzed as string', spdxDoc([{ name: 'a', filesAnalyzed: 'false' } as never]), /cannot unmarshal string into Go struct field Package.packages.filesAnalyzed of type bool/],
    ['package name as number', spdxDoc([{ name: 5 } as never]), /packages.name of type string/],
    ['creator without type', spdxDoc([], { creationInfo: { creators: ['nobody'], created: 'x' } }), /failed to parse Creator 'nobody'/],
    ['creator as object', spdxDoc([], { creationInfo: { creators: [{ Person: 'x' }], created: 'x' } }), /failed to parse Creator/],
    ['packages not a list', spdxDoc([], { packages: { a: 1 } }), /cannot unmarshal object into Go struct field Document.packages/],
    ['deeply nested JSON', '['.repeat(200_000) + ']'.repeat(200_000), /./],
    ['UTF-8 BOM', '\uFEFF' + spdxDoc([]), /^malformed JSON/],
  ];
  for (const [what, data, reason] of cases) {
    test(`SPDX ${what}: "failed to verify artifact" with the reason`, async () => {
      const { r } = await run({ disallowedLicenses: ['MIT'] }, { artifactType: SPDX, layers: [{ data }] });
      assert.equal(r.isSuccess, false);
      assert.equal(r.message, 'failed to verify artifact: sbom');
      assert.match(r.errorReason ?? '', reason);
    });
  }

  test('blob over maxBlobBytes is refused before download', async () => {
    const data = spdxDoc([{ name: 'a'.repeat(4096) }]);
    const { r, store, input } = await run({ maxBlobBytes: 1024 }, { artifactType: SPDX, layers: [{ data }] });
    assert.equal(r.isSuccess, false);
    assert.match(r.message, new RegExp(`^Failed to fetch blob for subject: registry.example/test/image:v1@sha256:[0-9a-f]{64} digest: sha256:`));
    assert.match(r.errorReason ?? '', /over the limit of 1024 bytes/);
    assert.deepEqual(store.blobFetches, []);
    assert.ok(input.referrer.digest);
  });

  test('blob larger than its declared size is refused by the store', async () => {
    const data = spdxDoc([{ name: 'a' }]);
    const { r } = await run({}, { artifactType: SPDX, layers: [{ data, declaredSize: 10 }] });
    assert.equal(r.isSuccess, false);
    assert.match(r.message, /^Failed to fetch blob for subject: /);
    assert.match(r.errorReason ?? '', /larger than 10 bytes/);
  });

  test('store limit (64 MiB default) applies through the store', async () => {
    const data = spdxDoc([{ name: 'a'.repeat(2048) }]);
    const { r } = await run({}, { artifactType: SPDX, layers: [{ data }] }, { blobBytes: 1000 });
    assert.equal(r.isSuccess, false);
    assert.match(r.errorReason ?? '', /larger than 1000 bytes/);
  });

  test('manifest fetch failure: Ratify message, store reason and remediation', async () => {
    const v = await createSbomVerifier({ name: 'sbom' });
    const s = storeWithReferrer({ artifactType: SPDX, layers: [{ data: spdxDoc([]) }] });
    s.store.failures.set(s.referrer.digest, new RatifyError('GET_REFERRER_MANIFEST_FAILURE', 'registry said no', { remediation: 'check the registry' }));
    const r = await v.verify(s.input, ctx);
    assert.equal(r.isSuccess, false);
    assert.ok(r.message.startsWith(`Failed to fetch reference manifest for subject: ${s.input.subject.original} reference descriptor: {application/vnd.oci.image.manifest.v1+json ${s.referrer.digest} `));
    assert.equal(r.errorReason, 'registry said no');
    assert.equal(r.remediation, 'check the registry');
  });

  test('transient store failures are thrown, not turned into verdicts', async () => {
    const v = await createSbomVerifier({ name: 'sbom' });
    const s = storeWithReferrer({ artifactType: SPDX, layers: [{ data: spdxDoc([]) }] });
    s.store.failures.set(s.referrer.digest, new RatifyError('DEADLINE_EXCEEDED', 'too slow'));
    await assert.rejects(v.verify(s.input, ctx), (e: unknown) => e instanceof RatifyError && e.code === 'DEADLINE_EXCEEDED');
  });

  test('config of the wrong type is CONFIG_INVALID', async () => {
    await assert.rejects(createSbomVerifier({ name: 'sbom', disallowedLicenses: 'MIT' }), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID');
    await assert.rejects(createSbomVerifier({ name: 'sbom', disallowedPackages: [{ name: 3 }] }), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID');
    await assert.rejects(createSbomVerifier({ name: 'sbom', maxBlobBytes: -1 }), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID');
    // Ratify's bats config writes `versionInfo`, which Go ignores (the entry then denies every version).
    await assert.rejects(
      createSbomVerifier({ name: 'sbom', disallowedPackages: [{ name: 'log4j-core', versionInfo: '2.13.0' }] }),
      (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID' && e.message.includes('disallowedPackages[0].versionInfo: unknown key "versionInfo" (did you mean "version"?)'),
    );
  });
});

describe('sbom verifier: CycloneDX', () => {
  test('both artifact types; metadata instead of creationInfo', async () => {
    for (const artifactType of [CDX, 'application/cyclonedx+json']) {
      const { r } = await run({}, { artifactType, layers: [{ data: cdxDoc([{ type: 'library', name: 'a', version: '1' }]) }] });
      assert.equal(r.isSuccess, true, artifactType);
      assert.deepEqual(r.extensions, { metadata: { timestamp: '2024-01-01T00:00:00Z', component: { type: 'container', name: 'img' } } });
    }
  });

  test('licenses from id, name and expression; nested components; all entries apply', async () => {
    const data = cdxDoc([
      { name: 'by-id', version: '1', licenses: [{ license: { id: 'GPL-3.0-only' } }] },
      { name: 'by-name', version: '1', licenses: [{ license: { name: 'GNU GPL-3.0 license' } }] },
      { name: 'by-expr-or', version: '1', licenses: [{ expression: 'MIT OR GPL-3.0-only' }] },
      { name: 'by-expr-and', version: '1', licenses: [{ expression: 'MIT AND GPL-3.0-only' }] },
      { name: 'two-entries', version: '1', licenses: [{ license: { id: 'MIT' } }, { license: { id: 'GPL-3.0-or-later' } }] },
      {
        name: 'parent',
        version: '1',
        licenses: [{ license: { id: 'MIT' } }],
        components: [{ name: 'child', version: '2', components: [{ name: 'grandchild', version: '3', licenses: [{ license: { id: 'GPL-3.0' } }] }] }],
      },
      { name: 'clean', version: '1', licenses: [{ license: { id: 'Apache-2.0' } }] },
    ]);
    const { r } = await run({ disallowedLicenses: ['GPL-3.0'], disallowedPackages: [{ name: 'child' }] }, { artifactType: CDX, layers: [{ data }] });
    assert.equal(r.isSuccess, false);
    const ext = r.extensions as { metadata: unknown; licenseViolations: Array<Record<string, string>>; packageViolations: Array<Record<string, string>> };
    assert.deepEqual(Object.keys(ext), ['licenseViolations', 'metadata', 'packageViolations']);
    assert.deepEqual(
      ext.licenseViolations.map((p) => `${p.Name}@${p.Version}: ${p.License}`),
      ['by-id@1: GPL-3.0-only', 'by-name@1: GNU GPL-3.0 license', 'by-expr-and@1: MIT AND GPL-3.0-only', 'two-entries@1: MIT AND GPL-3.0-or-later', 'grandchild@3: GPL-3.0'],
    );
    assert.deepEqual(ext.packageViolations, [{ Name: 'child', Version: '2', License: '' }]);
  });

  test('metadata.component is checked like any component', async () => {
    const data = cdxDoc([], { metadata: { component: { name: 'app', version: '9', licenses: [{ license: { id: 'AGPL-3.0-only' } }] } } });
    const { r } = await run({ disallowedLicenses: ['AGPL-3.0'] }, { artifactType: CDX, layers: [{ data }] });
    assert.equal(r.isSuccess, false);
    assert.deepEqual((r.extensions as { licenseViolations: unknown[] }).licenseViolations, [{ Name: 'app', Version: '9', License: 'AGPL-3.0-only' }]);
  });

  function nested(depth: number): unknown {
    let c: Record<string, unknown> = { name: `c${depth}`, licenses: [{ license: { id: 'GPL-3.0' } }] };
    for (let d = depth - 1; d >= 1; d--) c = { name: `c${d}`, components: [c] };
    return c;
  }

  test(`components nested ${MAX_COMPONENT_DEPTH} deep are read; deeper is refused`, async () => {
    const okDoc = parseCycloneDxJson(new TextEncoder().encode(cdxDoc([nested(MAX_COMPONENT_DEPTH)], { metadata: {} })));
    assert.equal(okDoc.packages.length, MAX_COMPONENT_DEPTH);
    const { r } = await run({ disallowedLicenses: ['GPL-3.0'] }, { artifactType: CDX, layers: [{ data: cdxDoc([nested(MAX_COMPONENT_DEPTH + 1)]) }] });
    assert.equal(r.isSuccess, false);
    assert.equal(r.message, 'failed to verify artifact: sbom');
    assert.match(r.errorReason ?? '', /nested deeper than 32 levels/);
  });

  test('a very deep component chain does not overflow the stack', async () => {
    // Built as text: JSON.stringify itself would recurse 20k levels.
    const depth = 20_000;
    const text = `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[${'{"name":"x","components":['.repeat(depth)}${']}'.repeat(depth)}]}`;
    const { r } = await run({}, { artifactType: CDX, layers: [{ data: text }] });
    assert.equal(r.isSuccess, false);
    assert.equal(r.message, 'failed to verify artifact: sbom');
  });

  const bad: Array<[string, string, RegExp]> = [
    ['wrong bomFormat', JSON.stringify({ bomFormat: 'SPDX', specVersion: '1.5' }), /not a CycloneDX BOM/],
    ['no bomFormat', JSON.stringify({ specVersion: '1.5' }), /bomFormat is missing/],
    ['unknown specVersion', JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '2.0' }), /unsupported CycloneDX specVersion: 2.0/],
    ['components not a list', cdxDoc({} as never), /components: expected array, got object/],
    ['component not an object', cdxDoc(['x']), /components\[0\]: expected object, got string/],
    ['license id not a string', cdxDoc([{ name: 'a', licenses: [{ license: { id: 7 } }] }]), /license.id: expected string, got number/],
    ['malformed JSON', '{"bomFormat":', /^malformed JSON/],
  ];
  for (const [what, data, reason] of bad) {
    test(`CycloneDX ${what}`, async () => {
      const { r } = await run({ disallowedLicenses: ['MIT'] }, { artifactType: CDX, layers: [{ data }] });
      assert.equal(r.isSuccess, false);
      assert.equal(r.message, 'failed to verify artifact: sbom');
      assert.match(r.errorReason ?? '', reason);
    });
  }
});
