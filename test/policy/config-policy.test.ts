import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigPolicy } from '../../src/policy/config-policy.js';
import { createPolicy, normalisePolicyName } from '../../src/policy/factory.js';
import { RatifyError } from '../../src/errors.js';
import type { ReportElement } from '../../src/executor/types.js';

const N = 'application/vnd.cncf.notary.signature';
const S = 'application/spdx+json';
const V = 'application/sarif+json';
const r = (artifactType: string, isSuccess: boolean): ReportElement => ({ isSuccess, artifactType });

// Ratify's OverallVerifyResult (reference §4.1), case by case.
const table: Array<[string, Record<string, string>, ReportElement[], boolean]> = [
  ['no reports', { [N]: 'any' }, [], false],
  ['any: one success among failures', { [N]: 'any' }, [r(N, false), r(N, true)], true],
  ['any: all fail', { [N]: 'any' }, [r(N, false), r(N, false)], false],
  ['all: one failure', { [N]: 'all' }, [r(N, true), r(N, false)], false],
  ['all: all succeed', { [N]: 'all' }, [r(N, true), r(N, true)], true],
  ['default all applies to unlisted types', { [N]: 'any' }, [r(N, true), r(S, false)], false],
  ['default any', { [N]: 'any', default: 'any' }, [r(N, true), r(S, false), r(S, true)], true],
  ['listed type missing', { [N]: 'any', [S]: 'any' }, [r(N, true)], false],
  ['listed type present', { [N]: 'any', [S]: 'all' }, [r(N, true), r(S, true)], true],
  ['no policies: default all, one failure', {}, [r(N, true), r(S, false)], false],
  ['no policies: all succeed', {}, [r(N, true), r(V, true)], true],
  ['default any with only failures of an unlisted type', { default: 'any' }, [r(V, false)], false],
  ['"all" failure short-circuits even if listed any type succeeds', { [N]: 'any', [S]: 'all' }, [r(S, false), r(N, true)], false],
  ['report without artifact type uses default', { default: 'all' }, [{ isSuccess: true }], true],
];

describe('configPolicy truth table', () => {
  for (const [name, policies, reports, expected] of table) {
    it(name, async () => {
      const p = new ConfigPolicy({ artifactVerificationPolicies: policies });
      assert.equal((await p.overallResult(reports)).isSuccess, expected);
    });
  }

  it('rejects rules other than any/all', () => {
    assert.throws(() => new ConfigPolicy({ artifactVerificationPolicies: { [N]: 'some' } }), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID' && /must be one of "any", "all", got "some"/.test(e.message));
  });

  it('turns an error into Ratify’s single failure report', () => {
    const p = new ConfigPolicy({});
    const err = new RatifyError('REFERRER_STORE_FAILURE', 'could not resolve descriptor for a subject from any stores', { cause: new Error('dial tcp: connection refused') });
    assert.deepEqual(p.errorToResult('reg/app:v1', err), {
      isSuccess: false,
      verifierReports: [{ subject: 'reg/app:v1', isSuccess: false, message: 'failed to verify artifact: reg/app:v1', errorReason: 'dial tcp: connection refused' }],
    });
  });
});

describe('policy factory', () => {
  it('normalises names like Ratify', () => {
    assert.equal(normalisePolicyName('configPolicy'), 'configpolicy');
    assert.equal(normalisePolicyName('config-policy'), 'configpolicy');
    assert.equal(normalisePolicyName('CEL-Policy'), 'celpolicy');
  });
  it('builds config and CEL policies', () => {
    assert.equal(createPolicy({ plugin: { name: 'config-policy' } }).type, 'configpolicy');
    assert.equal(createPolicy({ plugin: { name: 'celPolicy', expression: 'true' } }).type, 'celpolicy');
  });
  it('refuses a missing, unknown or Rego policy with a clear error', () => {
    assert.throws(() => createPolicy(undefined), (e: unknown) => e instanceof RatifyError && e.code === 'POLICY_PROVIDER_NOT_FOUND');
    assert.throws(() => createPolicy({ plugin: { name: 'opa' } }), (e: unknown) => e instanceof RatifyError && e.code === 'POLICY_PROVIDER_NOT_FOUND');
    assert.throws(() => createPolicy({ plugin: { name: 'regoPolicy', policy: 'package ratify.policy' } }), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID' && /celPolicy/.test(e.effectiveRemediation ?? ''));
  });
});
