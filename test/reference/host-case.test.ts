/**
 * Issue 11 part 7: registry host names were not case-normalised, so `LOCALHOST:5000/app` escaped
 * a scope written for `localhost:5000/app` — to the `*` fallback, which here is permissive. Each
 * consumer of the subject is checked with the reference as parseReference gives it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseReference } from '../../src/reference/reference.js';
import { selectPolicy, validateScopes } from '../../src/verifiers/cosign/scopes.js';
import { loadTrustPolicyDocument } from '../../src/verifiers/notation/trustpolicy/parse.js';
import { applicableTrustPolicy } from '../../src/verifiers/notation/trustpolicy/scope.js';
import { StoreRouter } from '../../src/stores/router.js';
import { parseScopePattern } from '../../src/stores/scope.js';
import { GraphStore } from '../executor/fixtures.js';

const DIGEST = `sha256:${'d'.repeat(64)}`;
const SPELLINGS = ['localhost:5000/app:v1', 'LOCALHOST:5000/app:v1', 'LocalHost:5000/app:v1', `LOCALHOST:5000/app@${DIGEST}`];

const statement = (name: string, scopes: string[], level: string) => ({
  name,
  registryScopes: scopes,
  signatureVerification: { level },
  trustStores: ['ca:certs'],
  trustedIdentities: ['*'],
});

describe('an upper-case registry host is the same registry everywhere', () => {
  it('notation: the strict statement for localhost:5000/app applies, not the "*" skip fallback', () => {
    for (const scope of ['localhost:5000/app', 'LOCALHOST:5000/app']) {
      const doc = loadTrustPolicyDocument({ version: '1.0', trustPolicies: [statement('strict-app', [scope], 'strict'), { ...statement('anything', ['*'], 'skip'), trustStores: [], trustedIdentities: [] }] });
      for (const s of SPELLINGS) {
        const ref = parseReference(s);
        // What the notation verifier asks about: <subject path>@<subject digest>.
        assert.equal(applicableTrustPolicy(doc, `${ref.path}@${DIGEST}`).name, 'strict-app', `${scope} vs ${s}`);
      }
    }
  });

  it('notation: two spellings of one host in two statements are one scope twice (rejected)', () => {
    assert.throws(
      () => loadTrustPolicyDocument({ version: '1.0', trustPolicies: [statement('a', ['localhost:5000/app'], 'strict'), statement('b', ['LOCALHOST:5000/app'], 'strict')] }),
      /is present in multiple trust policy statements/,
    );
  });

  it('cosign: the exact and prefix scopes for localhost:5000/app apply, not the global one', () => {
    const policies = [
      { name: 'app', scopes: ['localhost:5000/app*'] },
      { name: 'global', scopes: ['*'] },
    ];
    validateScopes(policies);
    for (const s of SPELLINGS) assert.equal(selectPolicy(policies, parseReference(s).original).name, 'app', s);
    const exact = [{ name: 'app', scopes: ['localhost:5000/app:v1'] }, { name: 'global', scopes: ['*'] }];
    assert.equal(selectPolicy(exact, parseReference('LOCALHOST:5000/app:v1').original).name, 'app');
  });

  it('store scopes: the store scoped to localhost:5000/app owns every spelling', () => {
    const scoped = new GraphStore('scoped');
    const wide = new GraphStore('wide');
    const r = new StoreRouter([
      { store: wide, kind: 'registry' },
      { store: scoped, kind: 'plugin', scopes: [parseScopePattern('localhost:5000/app')] },
    ]);
    for (const s of SPELLINGS) assert.deepEqual(r.route(parseReference(s)).stores, [scoped], s);
  });

  it('reports and cache keys carry one form', () => {
    assert.equal(parseReference('LOCALHOST:5000/app:v1').original, 'localhost:5000/app:v1');
    assert.equal(parseReference(`Registry.Example.COM/team/app@${DIGEST}`).original, `registry.example.com/team/app@${DIGEST}`);
  });
});
