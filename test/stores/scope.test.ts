import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RatifyError } from '../../src/errors.js';
import { parseReference } from '../../src/reference/reference.js';
import { bestScopeMatch, parseScopePattern, scopeMatch, scopesSchema } from '../../src/stores/scope.js';

const m = (pattern: string, subject: string) => scopeMatch(parseScopePattern(pattern), parseReference(subject));

test('scope patterns match the subjects they name and no others', () => {
  const rows: Array<[string, string, boolean]> = [
    ['*', 'evil.example.com/malware:v1', true],
    ['registry.example.com', 'registry.example.com/app:v1', true],
    ['registry.example.com', 'registry.example.com/team/app:v1', true],
    ['registry.example.com', 'registry.example.com:5000/app:v1', false],
    ['registry.example.com', 'evil.example.com/app:v1', false],
    ['registry.example.com', 'registry.example.com.evil.io/app:v1', false],
    ['registry.example.com/*', 'registry.example.com/app:v1', true],
    ['registry.example.com/app', 'registry.example.com/app:v1', true],
    ['registry.example.com/app', 'registry.example.com/app@sha256:' + 'a'.repeat(64), true],
    ['registry.example.com/app', 'registry.example.com/app2:v1', false],
    ['registry.example.com/app', 'registry.example.com/app/sub:v1', false],
    ['registry.example.com/team/*', 'registry.example.com/team/app:v1', true],
    ['registry.example.com/team/*', 'registry.example.com/team/a/b:v1', true],
    ['registry.example.com/team/*', 'registry.example.com/team:v1', false],
    ['registry.example.com/team/*', 'registry.example.com/teammate/app:v1', false],
    ['*.example.com', 'registry.example.com/app:v1', true],
    ['*.example.com', 'a.b.example.com/app:v1', false],
    ['*.example.com', 'example.com/app:v1', false],
    ['*.example.com', 'registry.example.com:5000/app:v1', false],
    ['*.example.com:5000', 'registry.example.com:5000/app:v1', true],
    ['localhost:5000/app', 'LOCALHOST:5000/app:v1', true],
    ['LOCALHOST:5000/app', 'localhost:5000/app:v1', true],
    ['docker.io/library/nginx', 'nginx', true],
    ['index.docker.io/library/nginx', 'docker.io/library/nginx:1', true],
    ['[::1]:5000', '[::1]:5000/app:v1', true],
  ];
  for (const [p, s, want] of rows) assert.equal(m(p, s) !== undefined, want, `${p} vs ${s}`);
});

test('a subject without a registry (an OCI layout path) matches no pattern, not even "*"', () => {
  assert.equal(scopeMatch(parseScopePattern('*'), { registry: '', repository: '/tmp/layout' }), undefined);
});

test('the most specific pattern ranks highest', () => {
  const ref = parseReference('registry.example.com/team/app:v1');
  const order = ['*', '*.example.com', 'registry.example.com', 'registry.example.com/team/*', 'registry.example.com/team/app'];
  const ranks = order.map((p) => m(p, ref.original)!);
  for (let i = 1; i < ranks.length; i++) assert.ok(ranks[i]! > ranks[i - 1]!, `${order[i]} over ${order[i - 1]}`);
  const deep = parseReference('r.io/a/b/c:v1');
  assert.ok(m('r.io/a/b/*', deep.original)! > m('r.io/a/*', deep.original)!);
  assert.equal(bestScopeMatch([parseScopePattern('*'), parseScopePattern('r.io/a/*')], deep), m('r.io/a/*', deep.original));
  assert.equal(bestScopeMatch([parseScopePattern('x.io')], deep), undefined);
});

test('invalid patterns are CONFIG_INVALID errors naming the pattern', () => {
  for (const p of ['', ' r.io', 'r.io/App', 'r.io/*/app', 'r.io/te*', '*.r.io/app', '**.r.io', 'http://r.io', 'r.io/', 'r.io//a', 'a*b.io']) {
    assert.throws(() => parseScopePattern(p), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID' && e.detail.includes(JSON.stringify(p)), p);
  }
});

test('scopesSchema reports every bad and duplicate entry with its index', () => {
  const r = scopesSchema.safeParse(['r.io/app', 'r.io/App', 'R.IO/app', 'x.io']);
  assert.equal(r.success, false);
  const paths = r.error!.issues.map((i) => i.path.join('.'));
  assert.deepEqual(paths, ['1', '2']);
  assert.equal(scopesSchema.safeParse([]).success, false);
  assert.equal(scopesSchema.safeParse(['*']).success, true);
});
