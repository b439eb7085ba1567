import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backgroundContext } from '../../src/context.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { VerifierResult } from '../../src/verifiers/types.js';
import maxReferrerAge, { parseDuration } from '../../examples/plugins/max-referrer-age.js';
import requiredAnnotation from '../../examples/plugins/required-annotation.js';
import { MemoryStore } from '../helpers/memory-store.js';
import { runtimeEnv } from './helpers.js';

/**
 * The example plugins' logic, in-process (their `create()` side) against an in-memory store.
 * The exec side is covered end to end in e2e.test.ts. They import `ratify-ts/plugin`, which
 * resolves into dist/: build first (`npx tsc -p .`).
 */

const SARIF = 'application/sarif+json';
const CREATED = 'org.opencontainers.image.created';

async function check(plugin: typeof maxReferrerAge, entry: Record<string, unknown>, annotations?: Record<string, string>): Promise<VerifierResult> {
  const store = new MemoryStore();
  const { ref, desc } = store.addSubject();
  const referrer = store.addReferrer(desc, { artifactType: SARIF, layers: [{ data: '{}' }], ...(annotations ? { annotations } : {}) });
  // Descriptor annotations are the registry's say-so: the plugins must read the manifest's.
  delete referrer.annotations;
  const v = await plugin.create(entry, { rt: runtimeEnv('/nonexistent'), log: silentLogger(), sectionVersion: '1.0.0' });
  return v.verify({ subject: ref, subjectDescriptor: desc, referrer, store }, backgroundContext());
}

describe('example plugin: max-referrer-age', () => {
  it('parses Go-style durations with days', () => {
    assert.equal(parseDuration('24h'), 86_400_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('7d'), 7 * 86_400_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.throws(() => parseDuration('1y'), /invalid duration/);
    assert.throws(() => parseDuration(''), /invalid duration/);
  });

  it('passes fresh, fails stale, future and missing timestamps (unless allowMissing)', async () => {
    const fresh = await check(maxReferrerAge, { name: 'age', maxAge: '1h' }, { [CREATED]: new Date(Date.now() - 60_000).toISOString() });
    assert.deepEqual([fresh.isSuccess, fresh.message], [true, 'referrer is younger than 1h']);
    const stale = await check(maxReferrerAge, { name: 'age', maxAge: '1h' }, { [CREATED]: new Date(Date.now() - 7_200_000).toISOString() });
    assert.deepEqual([stale.isSuccess, stale.message], [false, 'referrer is older than 1h']);
    assert.ok(stale.remediation);
    const future = await check(maxReferrerAge, { name: 'age', maxAge: '1h' }, { [CREATED]: new Date(Date.now() + 3_600_000).toISOString() });
    assert.equal(future.message, 'referrer created in the future');
    const missing = await check(maxReferrerAge, { name: 'age', maxAge: '1h' });
    assert.deepEqual([missing.isSuccess, missing.errorReason], [false, `the referrer manifest has no ${CREATED} annotation`]);
    assert.equal((await check(maxReferrerAge, { name: 'age', maxAge: '1h', allowMissing: true })).isSuccess, true);
    const custom = await check(maxReferrerAge, { name: 'age', maxAge: '1h', createdAnnotation: 'x.created' }, { 'x.created': new Date().toISOString() });
    assert.equal(custom.isSuccess, true);
    const garbled = await check(maxReferrerAge, { name: 'age', maxAge: '1h' }, { [CREATED]: 'yesterday' });
    assert.match(String(garbled.errorReason), /not an RFC 3339 time/);
  });

  it('a missing or bad maxAge is a plugin failure (InvalidConfig)', async () => {
    await assert.rejects(check(maxReferrerAge, { name: 'age' }), /VERIFY_PLUGIN_FAILURE: plugin max-referrer-age: invalid verifier config: "maxAge" is required/);
    await assert.rejects(check(maxReferrerAge, { name: 'age', maxAge: 'soon' }), /invalid duration "soon"/);
  });
});

describe('example plugin: required-annotation', () => {
  const rules = { 'org.example.reviewed-by': '*', 'org.example.stage': ['prod', 'staging'], 'org.example.team': 'core' };

  it('passes when every rule holds ("*" = any non-empty, arrays = one of)', async () => {
    const r = await check(requiredAnnotation, { name: 'ann', annotations: rules }, { 'org.example.reviewed-by': 'bob', 'org.example.stage': 'staging', 'org.example.team': 'core' });
    assert.deepEqual([r.isSuccess, r.message], [true, 'all 3 required annotations present']);
  });

  it('reports missing and mismatched annotations', async () => {
    const r = await check(requiredAnnotation, { name: 'ann', annotations: rules }, { 'org.example.reviewed-by': '', 'org.example.stage': 'dev' });
    assert.equal(r.isSuccess, false);
    assert.deepEqual(r.extensions, {
      missing: ['org.example.team'],
      mismatched: [
        { key: 'org.example.reviewed-by', expected: '*', actual: '' },
        { key: 'org.example.stage', expected: ['prod', 'staging'], actual: 'dev' },
      ],
    });
    assert.equal(r.errorReason, 'missing org.example.team; org.example.reviewed-by="" not allowed; org.example.stage="dev" not allowed');
  });

  it('refuses a config without annotations', async () => {
    await assert.rejects(check(requiredAnnotation, { name: 'ann' }), /"annotations" must be a non-empty object/);
    await assert.rejects(check(requiredAnnotation, { name: 'ann', annotations: { k: 1 } }), /annotations\.k must be a string or an array of strings/);
  });
});
