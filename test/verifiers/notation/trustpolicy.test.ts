import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  NoApplicableTrustPolicyError,
  TrustPolicyError,
  VERIFICATION_LEVELS,
  applicableTrustPolicy,
  decodeTrustPolicyDocument,
  loadTrustPolicyDocument,
  registryScopeFormatError,
  timestampOption,
  trustPolicyForRepository,
  trustedIdentityError,
  trustPolicyDocumentIssues,
  trustPolicyFromVerifierConfig,
  verificationLevel,
  type TrustPolicy,
} from '../../../src/verifiers/notation/trustpolicy/index.js';
import { formatPath } from '../../../src/config/issues.js';

type Json = Record<string, unknown>;

const SCOPE = 'registry.acme-rockets.io/software/net-monitor';

/** A valid document; each test case breaks one rule of it. */
function doc(patch: (d: { version?: unknown; trustPolicies: Json[] }) => void = () => {}): Json {
  const d = {
    version: '1.0',
    trustPolicies: [
      {
        name: 'test-statement-name',
        registryScopes: [SCOPE],
        signatureVerification: { level: 'strict' } as Json,
        trustStores: ['ca:valid-trust-store', 'signingAuthority:valid-trust-store'],
        trustedIdentities: ['x509.subject: C=US, ST=WA, L=Seattle, O=wabbit-networks.io, OU=Finance, CN=SecureBuilder'],
      } as Json,
    ],
  };
  patch(d);
  return d;
}
const p0 = (d: { trustPolicies: Json[] }) => d.trustPolicies[0]!;
const sv0 = (d: { trustPolicies: Json[] }) => p0(d)['signatureVerification'] as Json;

function expectInvalid(raw: unknown, message: string, rule?: string, field?: string): void {
  assert.throws(
    () => loadTrustPolicyDocument(raw),
    (e: unknown) => {
      assert.ok(e instanceof TrustPolicyError, `expected TrustPolicyError, got ${String(e)}`);
      assert.equal(e.code, 'CONFIG_INVALID');
      assert.equal(e.detail, message);
      assert.ok(e.message.includes(message), 'message carries notation text');
      if (rule) {
        assert.equal(e.rule, rule);
        assert.ok(e.message.includes(`rule: ${rule}`), 'message names the rule');
      }
      if (field) assert.equal(e.field, field);
      return true;
    },
  );
}

describe('trust policy validation: every rule (notation-go Validate texts)', () => {
  it('accepts the base document', () => assert.doesNotThrow(() => loadTrustPolicyDocument(doc())));

  const S = '"test-statement-name"';
  const cases: Array<[string, Json | null | undefined, string, string?, string?]> = [
    ['missing document', undefined, 'trust policy document has empty version, version must be specified', 'version'],
    ['empty version', doc((d) => (d.version = '')), 'trust policy document has empty version, version must be specified', 'version', 'version'],
    ['unsupported version', doc((d) => (d.version = '2.0')), 'trust policy document uses unsupported version "2.0"', 'version'],
    ['no statements', doc((d) => (d.trustPolicies = [])), 'trust policy document can not have zero trust policy statements', 'statements-required'],
    ['null statements', { version: '1.0', trustPolicies: null }, 'trust policy document can not have zero trust policy statements'],
    ['statement without name', doc((d) => (p0(d)['name'] = '')), 'trust policy: a trust policy statement is missing a name, every statement requires a name', 'statement-name', 'trustPolicies[0].name'],
    ['missing level', doc((d) => (p0(d)['signatureVerification'] = {})), `trust policy: trust policy statement ${S} has invalid signatureVerification: signature verification level is empty or missing in the trust policy statement`, 'verification-level', 'trustPolicies[0].signatureVerification.level'],
    ['unknown level', doc((d) => (sv0(d)['level'] = 'Strict')), `trust policy: trust policy statement ${S} has invalid signatureVerification: invalid signature verification level "Strict"`, 'verification-level'],
    ['override on skip', doc((d) => (p0(d)['signatureVerification'] = { level: 'skip', override: { expiry: 'log' } })), `trust policy: trust policy statement ${S} has invalid signatureVerification: signature verification level "skip" can't be used to customize signature verification`, 'override'],
    ['unknown override type', doc((d) => (sv0(d)['override'] = { freshness: 'log' })), `trust policy: trust policy statement ${S} has invalid signatureVerification: verification type "freshness" in custom signature verification is not supported, supported values are ["integrity" "authenticity" "authenticTimestamp" "expiry" "revocation"]`, 'override', 'trustPolicies[0].signatureVerification.override.freshness'],
    ['unknown override action', doc((d) => (sv0(d)['override'] = { expiry: 'warn' })), `trust policy: trust policy statement ${S} has invalid signatureVerification: verification action "warn" in custom signature verification is not supported, supported values are ["enforce" "log" "skip"]`, 'override'],
    // the action is checked before the integrity rule, as in notation-go
    ['bad action on integrity', doc((d) => (sv0(d)['override'] = { integrity: 'bogus' })), `trust policy: trust policy statement ${S} has invalid signatureVerification: verification action "bogus" in custom signature verification is not supported, supported values are ["enforce" "log" "skip"]`, 'override'],
    ['override integrity', doc((d) => (sv0(d)['override'] = { integrity: 'enforce' })), `trust policy: trust policy statement ${S} has invalid signatureVerification: "integrity" verification can not be overridden in custom signature verification`, 'override-integrity', 'trustPolicies[0].signatureVerification.override.integrity'],
    ['skip authenticity', doc((d) => (sv0(d)['override'] = { authenticity: 'skip' })), `trust policy: trust policy statement ${S} has invalid signatureVerification: "authenticity" verification can not be skipped in custom signature verification`, 'override-skip'],
    ['skip authenticTimestamp', doc((d) => (sv0(d)['override'] = { authenticTimestamp: 'skip' })), `trust policy: trust policy statement ${S} has invalid signatureVerification: "authenticTimestamp" verification can not be skipped in custom signature verification`, 'override-skip'],
    ['skip expiry', doc((d) => (sv0(d)['override'] = { expiry: 'skip' })), `trust policy: trust policy statement ${S} has invalid signatureVerification: "expiry" verification can not be skipped in custom signature verification`, 'override-skip'],
    ['bad verifyTimestamp', doc((d) => (sv0(d)['verifyTimestamp'] = 'invalid')), `trust policy: trust policy statement ${S} has invalid signatureVerification: verifyTimestamp must be "always" or "afterCertExpiry", but got "invalid"`, 'verify-timestamp'],
    ['skip with trust stores', doc((d) => (sv0(d)['level'] = 'skip')), `trust policy: trust policy statement ${S} is set to skip signature verification but configured with trust stores and/or trusted identities, remove them if signature verification needs to be skipped`, 'skip-without-trust'],
    ['no trust stores', doc((d) => (p0(d)['trustStores'] = [])), `trust policy: trust policy statement ${S} is either missing trust stores or trusted identities, both must be specified`, 'trust-required', 'trustPolicies[0].trustStores'],
    ['no trusted identities', doc((d) => delete p0(d)['trustedIdentities']), `trust policy: trust policy statement ${S} is either missing trust stores or trusted identities, both must be specified`, 'trust-required', 'trustPolicies[0].trustedIdentities'],
    ['trust store without separator', doc((d) => (p0(d)['trustStores'] = ['ca'])), `trust policy: trust policy statement ${S} has malformed trust store value "ca". The required format is <TrustStoreType>:<TrustStoreName>`, 'trust-store-format', 'trustPolicies[0].trustStores[0]'],
    ['unknown trust store type', doc((d) => (p0(d)['trustStores'] = ['invalid:test-trust-store'])), `trust policy: trust policy statement ${S} uses an unsupported trust store type "invalid" in trust store value "invalid:test-trust-store"`, 'trust-store-type'],
    ['trust store type is case-sensitive', doc((d) => (p0(d)['trustStores'] = ['CA:x'])), `trust policy: trust policy statement ${S} uses an unsupported trust store type "CA" in trust store value "CA:x"`, 'trust-store-type'],
    ['empty trust store name', doc((d) => (p0(d)['trustStores'] = ['ca:'])), `trust policy: trust policy statement ${S} uses an unsupported trust store name "" in trust store value "ca:". Named store name needs to follow [a-zA-Z0-9_.-]+ format`, 'trust-store-name'],
    ['bad trust store name', doc((d) => (p0(d)['trustStores'] = ['tsa:a/b'])), `trust policy: trust policy statement ${S} uses an unsupported trust store name "a/b" in trust store value "tsa:a/b". Named store name needs to follow [a-zA-Z0-9_.-]+ format`, 'trust-store-name', 'trustPolicies[0].trustStores[0]'],
    ['wildcard identity with others', doc((d) => (p0(d)['trustedIdentities'] = ['*', 'test-identity'])), `trust policy: trust policy statement ${S} uses a wildcard trusted identity '*', a wildcard identity cannot be used in conjunction with other values`, 'identity-wildcard-alone'],
    ['empty identity', doc((d) => (p0(d)['trustedIdentities'] = [''])), `trust policy: trust policy statement ${S} has an empty trusted identity`, 'identity-empty', 'trustPolicies[0].trustedIdentities[0]'],
    ['identity without separator', doc((d) => (p0(d)['trustedIdentities'] = ['x509.subject'])), `trust policy: trust policy statement ${S} has trusted identity "x509.subject" missing separator`, 'identity-format'],
    ['identity without value', doc((d) => (p0(d)['trustedIdentities'] = ['x509.subject:'])), `trust policy: trust policy statement ${S} has trusted identity "x509.subject:" without an identity value`, 'identity-format'],
    ['identity without mandatory O', doc((d) => (p0(d)['trustedIdentities'] = ['x509.subject: C=US, ST=WA'])), `trust policy: trust policy statement ${S} has trusted identity "x509.subject: C=US, ST=WA" with invalid identity value: distinguished name (DN) " C=US, ST=WA" has no mandatory RDN attribute for "O", it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum`, 'identity-dn'],
    ['identity with duplicate attribute', doc((d) => (p0(d)['trustedIdentities'] = ['x509.subject:C=US,ST=WA,O=a,O=b'])), `trust policy: trust policy statement ${S} has trusted identity "x509.subject:C=US,ST=WA,O=a,O=b" with invalid identity value: distinguished name (DN) "C=US,ST=WA,O=a,O=b" has duplicate RDN attribute for "O", DN can only have unique RDN attributes`, 'identity-dn', 'trustPolicies[0].trustedIdentities[0]'],
    ['identity with =#', doc((d) => (p0(d)['trustedIdentities'] = ['x509.subject:C=US,ST=WA,O=#1301'])), `trust policy: trust policy statement ${S} has trusted identity "x509.subject:C=US,ST=WA,O=#1301" with invalid identity value: unsupported distinguished name (DN) "C=US,ST=WA,O=#1301": notation does not support x509.subject identities containing "=#"`, 'identity-dn'],
    // the subset is named first: it is the one whose every attribute the other has
    ['overlapping identities', doc((d) => (p0(d)['trustedIdentities'] = ['x509.subject: C=US, ST=WA, O=wabbit-network.io, OU=org1', 'x509.subject:  C=US, ST=WA, O=wabbit-network.io'])), `trust policy: trust policy statement ${S} has overlapping x509 trustedIdentities, "x509.subject:  C=US, ST=WA, O=wabbit-network.io" overlaps with "x509.subject: C=US, ST=WA, O=wabbit-network.io, OU=org1"`, 'identity-overlap'],
    ['duplicate identities', doc((d) => (p0(d)['trustedIdentities'] = ['x509.subject:C=US,ST=WA,O=a', 'x509.subject: C=US, ST=WA, O=a'])), `trust policy: trust policy statement ${S} has overlapping x509 trustedIdentities, "x509.subject:C=US,ST=WA,O=a" overlaps with "x509.subject: C=US, ST=WA, O=a"`, 'identity-overlap'],
    ['no registry scopes', doc((d) => (p0(d)['registryScopes'] = [])), `trust policy statement ${S} has zero registry scopes, it must specify registry scopes with at least one value`, 'scopes-required', 'trustPolicies[0].registryScopes'],
    ['wildcard scope with others', doc((d) => (p0(d)['registryScopes'] = ['*', SCOPE])), `trust policy statement ${S} uses wildcard registry scope '*', a wildcard scope cannot be used in conjunction with other scope values`, 'scope-wildcard-alone'],
    ['scope with tag', doc((d) => (p0(d)['registryScopes'] = ['example.com/rep:tag'])), 'registry scope "example.com/rep:tag" is not valid, make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout', 'scope-format', 'trustPolicies[0].registryScopes[0]'],
    ['scope with partial wildcard', doc((d) => (p0(d)['registryScopes'] = ['example.com/*'])), 'registry scope "example.com/*" with wild card(s) is not valid, make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout', 'scope-format'],
    ['scope in two statements', doc((d) => d.trustPolicies.push({ ...p0(d), name: 'test-statement-name-2' })), `registry scope "${SCOPE}" is present in multiple trust policy statements, one registry scope value can only be associated with one statement`, 'scope-unique', 'trustPolicies[1].registryScopes[0]'],
    ['two global statements', doc((d) => {
      p0(d)['registryScopes'] = ['*'];
      d.trustPolicies.push({ ...p0(d), name: 'other' });
    }), 'registry scope "*" is present in multiple trust policy statements, one registry scope value can only be associated with one statement', 'scope-unique'],
    ['same scope twice in one statement', doc((d) => (p0(d)['registryScopes'] = [SCOPE, SCOPE])), `registry scope "${SCOPE}" is present in multiple trust policy statements, one registry scope value can only be associated with one statement`, 'scope-unique'],
    ['duplicate statement names', doc((d) => d.trustPolicies.push({ ...p0(d), registryScopes: ['registry.acme-rockets.io/software/legacy/metrics'] })), 'multiple trust policy statements use the same name "test-statement-name", statement names must be unique', 'unique-statement-names', 'trustPolicies[1].name'],
    ['wrong JSON type', doc((d) => (p0(d)['trustStores'] = 'ca:x')), 'json: cannot unmarshal string into Go struct field TrustPolicy.trustPolicyDoc.trustPolicies.trustStores of type []string', 'json-type'],
    ['wrong JSON type in override', doc((d) => (sv0(d)['override'] = { expiry: 1 })), 'json: cannot unmarshal number into Go struct field SignatureVerification.trustPolicyDoc.trustPolicies.signatureVerification.override of type trustpolicy.ValidationAction', 'json-type'],
  ];
  for (const [title, raw, message, rule, field] of cases) {
    it(title, () => expectInvalid(raw, message, rule, field));
  }

  it('statement by statement: a repeated name, then the statement\'s own rules; scopes after all statements', () => {
    const d = doc((x) => {
      x.trustPolicies.push({ ...p0(x), registryScopes: ['bad'] });
      x.trustPolicies.push({ ...p0(x), trustStores: [] });
    });
    expectInvalid(d, 'multiple trust policy statements use the same name "test-statement-name", statement names must be unique', 'unique-statement-names', 'trustPolicies[1].name');
    const e = doc((x) => {
      x.trustPolicies.push({ ...p0(x), name: 'two', registryScopes: ['bad'] });
      x.trustPolicies.push({ ...p0(x), name: 'three', trustStores: [] });
    });
    expectInvalid(e, 'trust policy: trust policy statement "three" is either missing trust stores or trusted identities, both must be specified');
    expectInvalid(
      doc((x) => x.trustPolicies.push({ ...p0(x), name: 'two', registryScopes: ['bad'] })),
      'registry scope "bad" is not valid, make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout',
    );
  });

  const valid: Array<[string, Json]> = [
    ['skip without trust', doc((d) => (d.trustPolicies[0] = { name: 'unsigned', registryScopes: [SCOPE], signatureVerification: { level: 'skip' } }))],
    // notation-go does not enforce the spec's "skip cannot use *" (notation's own e2e uses it)
    ['skip with global scope', doc((d) => (d.trustPolicies[0] = { name: 's', registryScopes: ['*'], signatureVerification: { level: 'skip' }, trustStores: [], trustedIdentities: [] }))],
    ['override revocation skip and expiry log', doc((d) => (sv0(d)['override'] = { expiry: 'log', revocation: 'skip' }))],
    ['empty override on skip', doc((d) => (d.trustPolicies[0] = { name: 's', registryScopes: [SCOPE], signatureVerification: { level: 'skip', override: {} } }))],
    ['verifyTimestamp values', doc((d) => (sv0(d)['verifyTimestamp'] = 'afterCertExpiry'))],
    ['wildcard identity', doc((d) => (p0(d)['trustedIdentities'] = ['*']))],
    ['plugin identity prefix is not parsed', doc((d) => (p0(d)['trustedIdentities'] = ['x509.subject:C=US,ST=WA,O=a', 'custom.plugin:anything goes']))],
    ['non-overlapping identities', doc((d) => (p0(d)['trustedIdentities'] = ['x509.subject:C=US,ST=WA,O=a,OU=1', 'x509.subject:C=US,ST=WA,O=a,OU=2']))],
    ['multiple scopes and statements', doc((d) => {
      p0(d)['registryScopes'] = [SCOPE, 'registry.acme-rockets.io/software/net-logger'];
      d.trustPolicies.push({ ...p0(d), name: 'global', registryScopes: ['*'] });
    })],
    ['tsa trust store', doc((d) => (p0(d)['trustStores'] = ['ca:a', 'tsa:b_c-d.e']))],
  ];
  for (const [title, raw] of valid) {
    it(`accepts: ${title}`, () => assert.doesNotThrow(() => loadTrustPolicyDocument(raw)));
  }
});

describe('registry scope format (notation-go TestValid/InvalidRegistryScopes)', () => {
  for (const s of ['example.com/rep', 'example.com:8080/rep/rep2', 'example.com/rep/subrep/subsub', '10.10.10.10:8080/rep/rep2', 'domain/rep', 'domain:1234/rep', 'local/myOCILayout'.toLowerCase(), 'a-b.c/x__y/z---w.v_u']) {
    it(`valid ${s}`, () => assert.equal(registryScopeFormatError(s), undefined));
  }
  for (const s of ['', '1:1', 'a,b', 'abcd', '1111', '1,2', 'example.com/rep:tag', 'example.com/rep/subrep/sub:latest', 'example.com', 'rep/rep2:latest', 'repository', '10.10.10.10', '10.10.10.10:8080/rep/rep2:latest', 'localhost:5000\\test-repo', 'Example.com/Rep', 'ex-.com/rep', 'example.com:/rep', 'example.com/rep//x', 'example.com/a___b', 'example.com/a._b']) {
    it(`invalid ${JSON.stringify(s)}`, () =>
      assert.equal(
        registryScopeFormatError(s),
        `registry scope ${JSON.stringify(s)} is not valid, make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout`,
      ));
  }
  for (const s of ['example.com/*', '*/', 'example*/', 'ex*test']) {
    it(`wildcard ${s}`, () => assert.match(registryScopeFormatError(s)!, /with wild card\(s\) is not valid/));
  }
  it('does not backtrack exponentially on hostile input', () => {
    const start = Date.now();
    registryScopeFormatError(`example.com/${'a'.repeat(5000)}!`);
    registryScopeFormatError(`example.com/${'a-'.repeat(5000)}`);
    assert.ok(Date.now() - start < 500);
  });
});

describe('verification levels', () => {
  const row = (l: { enforcement: Record<string, string> }) =>
    ['integrity', 'authenticity', 'authenticTimestamp', 'expiry', 'revocation'].map((t) => l.enforcement[t]).join('/');
  it('presets follow the spec table', () => {
    assert.equal(row(VERIFICATION_LEVELS.strict), 'enforce/enforce/enforce/enforce/enforce');
    assert.equal(row(VERIFICATION_LEVELS.permissive), 'enforce/enforce/log/log/log');
    assert.equal(row(VERIFICATION_LEVELS.audit), 'enforce/log/log/log/log');
    assert.equal(row(VERIFICATION_LEVELS.skip), 'skip/skip/skip/skip/skip');
  });
  it('a preset without overrides keeps its name', () => {
    assert.equal(verificationLevel({ level: 'audit', override: {}, verifyTimestamp: '' }), VERIFICATION_LEVELS.audit);
  });
  it('overrides apply on top of the preset and are named custom', () => {
    const l = verificationLevel({ level: 'strict', override: { expiry: 'log', revocation: 'skip' }, verifyTimestamp: '' });
    assert.equal(l.name, 'custom');
    assert.equal(row(l), 'enforce/enforce/enforce/log/skip');
    const a = verificationLevel({ level: 'audit', override: { authenticity: 'enforce', authenticTimestamp: 'enforce' }, verifyTimestamp: '' });
    assert.equal(row(a), 'enforce/enforce/enforce/log/log');
    assert.equal(row(VERIFICATION_LEVELS.strict), 'enforce/enforce/enforce/enforce/enforce', 'presets are not mutated');
  });
  it('verifyTimestamp defaults to always', () => {
    assert.equal(timestampOption({ level: 'strict', override: {}, verifyTimestamp: '' }), 'always');
    assert.equal(timestampOption({ level: 'strict', override: {}, verifyTimestamp: 'afterCertExpiry' }), 'afterCertExpiry');
  });
});

describe('trust policy selection by artifact', () => {
  const d = loadTrustPolicyDocument({
    version: '1.0',
    trustPolicies: [
      { name: 'exact', registryScopes: ['registry.wabbit-networks.io/software/unsigned/net-utils', 'docker.io/library/nginx'], signatureVerification: { level: 'strict' }, trustStores: ['ca:x'], trustedIdentities: ['*'] },
      { name: 'global', registryScopes: ['*'], signatureVerification: { level: 'audit' }, trustStores: ['ca:y'], trustedIdentities: ['*'] },
    ],
  });
  const digest = 'sha256:73c803930ea3ba1e54bc25c2bdc53edd0284c62ed651fe7b00369da519a3c333';
  it('exact repository match wins over *', () => {
    assert.equal(applicableTrustPolicy(d, `docker.io/library/nginx@${digest}`).name, 'exact');
    assert.equal(trustPolicyForRepository(d, 'registry.wabbit-networks.io/software/unsigned/net-utils')?.name, 'exact');
  });
  it('falls back to the global statement', () => {
    assert.equal(applicableTrustPolicy(d, `some.registry.that/has.no.policy@${digest}`).name, 'global');
    assert.equal(applicableTrustPolicy(d, `docker.io/library/nginx/sub@${digest}`).name, 'global', 'no prefix matching');
  });
  it('errors without an applicable statement', () => {
    const only = loadTrustPolicyDocument({ ...d, trustPolicies: [d.trustPolicies[0]] });
    const ref = `non-existent-domain.com/repo@${digest}`;
    assert.throws(
      () => applicableTrustPolicy(only, ref),
      (e: unknown) =>
        e instanceof NoApplicableTrustPolicyError &&
        e.detail ===
          `artifact "${ref}" has no applicable trust policy statement. Trust policy applicability for a given artifact is determined by registryScopes. To create a trust policy, see: https://notaryproject.dev/docs/quickstart/#create-a-trust-policy`,
    );
    assert.equal(trustPolicyForRepository(only, 'non-existent-domain.com/repo'), undefined);
  });
  it('requires a digest reference with a valid repository', () => {
    assert.throws(() => applicableTrustPolicy(d, 'docker.io/library/nginx:latest'), /artifact URI "docker.io\/library\/nginx:latest" could not be parsed/);
    assert.throws(() => applicableTrustPolicy(d, `nginx@${digest}`), /registry scope "nginx" is not valid/);
  });
});

describe('decoding trustPolicyDoc (Go encoding/json types, exact keys)', () => {
  it('takes keys spelt exactly and names every other key with the closest known one', () => {
    const raw = {
      Version: '1.0',
      trustPolicies: [{ name: 'n', registryScopes: ['*'], signatureVerification: { level: 'audit', overide: { expiry: 'log' } }, trustStores: ['ca:a'], trustedIdentity: ['*'], extra: 1 }],
    };
    assert.throws(() => decodeTrustPolicyDocument(raw), (e: unknown) => e instanceof TrustPolicyError && e.rule === 'known-keys' && /unknown key "Version" in trustPolicyDoc \(did you mean "version"\?\)/.test(e.message));
    assert.deepEqual(
      trustPolicyDocumentIssues(raw).map((i) => [formatPath(i.path), i.suggestion]),
      [
        ['Version', 'version'],
        ['trustPolicies[0].signatureVerification.overide', 'override'],
        ['trustPolicies[0].trustedIdentity', 'trustedIdentities'],
        ['trustPolicies[0].extra', undefined],
      ],
    );
  });
  it('reports the first validation error when every key is known', () => {
    const raw = doc((d) => (p0(d)['trustStores'] = []));
    assert.deepEqual(trustPolicyDocumentIssues(raw).map((i) => formatPath(i.path)), ['trustPolicies[0].trustStores']);
  });
  it('an override key "__proto__" is an unsupported verification type, as in Go (not silently dropped)', () => {
    const raw = JSON.parse('{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],"signatureVerification":{"level":"strict","override":{"__proto__":"log"}},"trustStores":["ca:c"],"trustedIdentities":["*"]}]}') as unknown;
    assert.throws(() => loadTrustPolicyDocument(raw), /verification type "__proto__" in custom signature verification is not supported/);
  });
  it('treats null as the zero value', () => {
    const d = decodeTrustPolicyDocument({ version: null, trustPolicies: [{ name: 'n', registryScopes: null, signatureVerification: null, trustStores: [null] }] });
    assert.equal(d.version, '');
    assert.deepEqual(d.trustPolicies[0]!.registryScopes, []);
    assert.deepEqual(d.trustPolicies[0]!.trustStores, ['']);
    assert.equal(d.trustPolicies[0]!.signatureVerification.level, '');
  });
  it('reads trustPolicyDoc from a verifier config entry', () => {
    assert.equal(trustPolicyFromVerifierConfig({ name: 'notation', trustPolicyDoc: doc() }).trustPolicies.length, 1);
    assert.throws(() => trustPolicyFromVerifierConfig({ name: 'notation' }), /trust policy document has empty version, version must be specified/);
  });
  it('rejects a non-object document', () => {
    assert.throws(() => decodeTrustPolicyDocument('{"version":"1.0"}'), /cannot unmarshal string into Go struct field/);
  });
});

describe('trusted identity matching at verification time', () => {
  const policy = (ids: string[]): TrustPolicy => ({
    name: 'e2e',
    registryScopes: ['*'],
    signatureVerification: { level: 'strict', override: {}, verifyTimestamp: '' },
    trustStores: ['ca:e2e'],
    trustedIdentities: ids,
  });
  const leaf = 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US';
  it('* trusts any signer', () => assert.equal(trustedIdentityError(policy(['*']), 'CN=whatever'), undefined));
  it('a subset of the leaf subject matches', () => {
    assert.equal(trustedIdentityError(policy(['x509.subject: C=US, ST=WA, O=Notary']), leaf), undefined);
    assert.equal(trustedIdentityError(policy(['x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA,C=US']), leaf), undefined);
    assert.equal(trustedIdentityError(policy(['x509.subject: C=IN, ST=TG, O=x', 'x509.subject: C=US,S=WA,O=Notary']), leaf), undefined);
  });
  it('notation e2e invalid-trusted-identity: C=USB does not match', () => {
    assert.equal(
      trustedIdentityError(policy(['x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA,C=USB']), leaf),
      'signing certificate from the digital signature does not match the X.509 trusted identities [map["C":"USB" "CN":"e2e" "L":"Seattle" "O":"Notary" "ST":"WA"]] defined in the trust policy "e2e"',
    );
  });
  it('a leaf subject notation cannot parse never matches', () => {
    assert.equal(
      trustedIdentityError(policy(['x509.subject: C=US,ST=WA,O=Org']), 'CN=x,O=Org,C=US'),
      `error while parsing the certificate subject from the digital signature. error : "distinguished name (DN) \\"CN=x,O=Org,C=US\\" has no mandatory RDN attribute for \\"ST\\", it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum"`,
    );
    assert.match(trustedIdentityError(policy(['x509.subject: C=US,ST=WA,O=Org']), 'O=Org,ST=WA,C=US,1.2.3=#130178')!, /notation does not support x509.subject identities containing/);
  });
  it('only plugin identities: nothing for notation to match', () => {
    assert.equal(trustedIdentityError(policy(['custom:id']), leaf), 'no x509 trusted identities are configured in the trust policy "e2e"');
  });
});
