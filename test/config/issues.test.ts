import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { check, closest, dispatch, formatIssue, formatIssues, formatPath, parseEntry, parsePath } from '../../src/config/issues.js';
import { RatifyError } from '../../src/errors.js';

describe('one issue formatter', () => {
  it('prints places as they are written in config.json', () => {
    assert.equal(formatPath(['verifier', 'plugins', 2, 'disallowedSeverity']), 'verifier.plugins[2].disallowedSeverity');
    assert.equal(formatPath(['policy', 'plugin', 'artifactVerificationPolicies', 'application/spdx+json']), 'policy.plugin.artifactVerificationPolicies["application/spdx+json"]');
    assert.equal(formatPath([]), '(root)');
    assert.deepEqual(parsePath('verifier.plugins[2].trustPolicies[0]'), ['verifier', 'plugins', 2, 'trustPolicies', 0]);
  });
  it('suggests the closest key only when it is close: typos, transpositions, case, a cut-off or extended name', () => {
    const keys = ['disallowedSeverities', 'denylistCVEs', 'maximumAge', 'passthrough'];
    assert.equal(closest('disallowedSeverity', keys), 'disallowedSeverities');
    assert.equal(closest('denyListCves', keys), 'denylistCVEs');
    assert.equal(closest('passhtrough', keys), 'passthrough');
    assert.equal(closest('maximumAgeSeconds', keys), 'maximumAge');
    assert.equal(closest('severity', keys), undefined);
    assert.equal(closest('x', keys), undefined);
    assert.equal(closest('TTL', ['ttl']), 'ttl');
    assert.equal(closest('c', ['a', 'b']), undefined);
  });
  it('one line per issue, joined for logs and errors', () => {
    const issues = [
      { path: 'a.b', code: 'unknown_key' as const, message: 'unknown key "b"', suggestion: 'c' },
      { path: 'a.d', code: 'invalid_type' as const, message: 'expected string, got number' },
    ];
    assert.equal(formatIssue(issues[0]!), 'a.b: unknown key "b" (did you mean "c"?)');
    assert.equal(formatIssues(issues), 'a.b: unknown key "b" (did you mean "c"?); a.d: expected string, got number');
  });
  it('finds the known keys of an object behind optional, nullable, default, arrays, records and dispatch', () => {
    const inner = z.strictObject({ alpha: z.string().optional() });
    const s = z.strictObject({
      list: z.array(inner).nullish(),
      map: z.record(z.string(), inner).optional(),
      picked: dispatch(() => inner).optional(),
      d: inner.prefault({}),
    });
    const r = check(s, { list: [{ alpah: 1 }], map: { k: { alhpa: 1 } }, picked: { aplha: 1 }, d: { Alpha: 'x' } });
    assert.deepEqual(
      r.issues.map((i) => [i.path, i.code, i.suggestion]),
      [
        ['list[0].alpah', 'unknown_key', 'alpha'],
        ['map.k.alhpa', 'unknown_key', 'alpha'],
        ['picked.aplha', 'unknown_key', 'alpha'],
        ['d.Alpha', 'unknown_key', 'alpha'],
      ],
    );
  });
  it('parseEntry throws CONFIG_INVALID naming every issue under its place', () => {
    const s = z.strictObject({ a: z.number(), b: z.enum(['x', 'y']) });
    assert.throws(
      () => parseEntry(s, { a: 'one', b: 'z', c: 1 }, ['store', 'plugins', 0]),
      (e: unknown) =>
        e instanceof RatifyError &&
        e.code === 'CONFIG_INVALID' &&
        e.message.includes('store.plugins[0] is invalid: store.plugins[0].a: expected number, got string; store.plugins[0].b: must be one of "x", "y", got "z"; store.plugins[0].c: unknown key "c"'),
    );
    assert.deepEqual(parseEntry(s, { a: 1, b: 'x' }, []), { a: 1, b: 'x' });
  });
});
