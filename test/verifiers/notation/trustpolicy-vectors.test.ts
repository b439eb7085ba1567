import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TrustPolicyError, loadTrustPolicyDocument, trustedIdentityError } from '../../../src/verifiers/notation/trustpolicy/index.js';
import { reportMissingVectors, vectorsDir } from '../../harness/vectors.js';

interface VectorCase {
  id: string;
  kind: string;
  expect: 'pass' | 'fail';
  reason: string;
  files: string[];
  /** A file path inside the source repo, or (notation-go cases) an inline statement. */
  inputs: { trustPolicy?: string | Record<string, unknown> };
  source: { repo: string };
}

const dir = vectorsDir();
const SOURCE_FOLDER: Record<string, string> = { 'notaryproject/notation': 'notation', 'notaryproject/notation-go': 'notation-go' };
const POLICY_DIR = ['notation', 'test', 'e2e', 'testdata', 'config', 'trustpolicies'];

/** cases.json is either the list itself or `{ cases: [...] }`. */
function allCases(): VectorCase[] {
  const raw = JSON.parse(readFileSync(join(dir!, 'cases.json'), 'utf8')) as VectorCase[] | { cases: VectorCase[] };
  return Array.isArray(raw) ? raw : raw.cases;
}

function cases(): VectorCase[] {
  return allCases().filter((c) => c.kind === 'trust-policy');
}

/** "policy error: <notation text>." → the notation text. */
function expectedText(reason: string): string {
  return reason.replace(/^policy error:\s*/, '').replace(/\.$/, '');
}

describe('trust-policy vector cases (cases.json)', () => {
  if (dir === undefined) {
    it('vectors present', { skip: reportMissingVectors(4, 'trust-policy cases + notation e2e trust policies') }, () => {});
    return;
  }
  const list = cases();
  it('there are trust-policy cases to run', () => assert.ok(list.length >= 4, `found ${list.length}`));
  for (const c of list) {
    it(c.id, () => {
      const folder = SOURCE_FOLDER[c.source.repo];
      const policyFile = c.inputs.trustPolicy;
      assert.ok(folder && typeof policyFile === 'string', 'case names its policy file');
      const file = join(dir, folder, policyFile);
      assert.ok(c.files.includes(`${folder}/${policyFile}`), 'policy file is one of the case files');
      const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (c.expect === 'pass') {
        assert.doesNotThrow(() => loadTrustPolicyDocument(raw));
        return;
      }
      assert.throws(
        () => loadTrustPolicyDocument(raw),
        (e: unknown) => {
          assert.ok(e instanceof TrustPolicyError);
          assert.equal(e.code, 'CONFIG_INVALID');
          assert.ok(e.detail.includes(expectedText(c.reason)), `"${e.detail}" should contain "${expectedText(c.reason)}"`);
          return true;
        },
      );
    });
  }
});

describe('notation e2e trust policies that are valid documents', () => {
  if (dir === undefined) {
    it('vectors present', { skip: reportMissingVectors(1, 'notation e2e trust policies') }, () => {});
    return;
  }
  const policyDir = join(dir, ...POLICY_DIR);
  const invalid = new Set(
    cases()
      .filter((c) => c.expect === 'fail' && typeof c.inputs.trustPolicy === 'string')
      .map((c) => (c.inputs.trustPolicy as string).split('/').pop()!),
  );
  const files = existsSync(policyDir) ? readdirSync(policyDir).filter((f) => f.endsWith('.json')).sort() : [];
  it('the folder holds policies besides the invalid ones', () => assert.ok(files.length > invalid.size));
  for (const f of files.filter((x) => !invalid.has(x))) {
    it(`${f} validates`, () => {
      const doc = loadTrustPolicyDocument(JSON.parse(readFileSync(join(policyDir, f), 'utf8')));
      assert.ok(doc.trustPolicies.length > 0);
    });
  }
});

describe('inline notation-go trust policies (cases.json inputs.trustPolicy)', () => {
  if (dir === undefined) {
    it('vectors present', { skip: reportMissingVectors(1, 'inline notation-go trust policies') }, () => {});
    return;
  }
  const inline = allCases().filter((c) => typeof c.inputs?.trustPolicy === 'object' && c.inputs.trustPolicy !== null);
  it('there are inline policies', () => assert.ok(inline.length > 0));
  for (const c of inline) {
    it(`${c.id}: statement validates inside a 1.0 document`, () => {
      const doc = loadTrustPolicyDocument({ version: '1.0', trustPolicies: [c.inputs.trustPolicy] });
      const policy = doc.trustPolicies[0]!;
      if (c.id === 'notation-go/mock/ca-valid-wrong-identity') {
        // The mock envelopes are signed by CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US.
        const err = trustedIdentityError(policy, 'CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US');
        assert.equal(
          err,
          'signing certificate from the digital signature does not match the X.509 trusted identities [map["C":"IN" "CN":"LOL" "L":"Hyderabad" "O":"DummyOrg" "ST":"TG"]] defined in the trust policy "test-statement-name"',
        );
        assert.ok(c.reason.includes('signing certificate from the digital signature does not match the X.509 trusted identities'));
      } else if (c.id.startsWith('notation-go/mock/ca-valid') || c.id === 'notation-go/mock/sa-valid') {
        assert.equal(trustedIdentityError(policy, 'CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US'), undefined);
      }
    });
  }
});
