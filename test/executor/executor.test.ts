import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backgroundContext } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import { Executor } from '../../src/executor/executor.js';
import type { NestedReport, ReportElement } from '../../src/executor/types.js';
import { ConfigPolicy } from '../../src/policy/config-policy.js';
import { CelPolicy } from '../../src/policy/cel-policy.js';
import { GraphStore, NOTARY, SARIF, SPDX, ScriptedVerifier, byAnnotation, digestOf } from './fixtures.js';

const ctx = () => backgroundContext();
const REG = 'registry.example.com';

function setup() {
  const store = new GraphStore();
  const img = store.image('v1');
  const subject = `${REG}/app:v1`;
  return { store, img, subject };
}

const anyNotation = () => new ConfigPolicy({ artifactVerificationPolicies: { [NOTARY]: 'any' } });

describe('executor with config policy', () => {
  it('passes a signed image and stamps subject, digest and type in Ratify’s field order', async () => {
    const { store, img, subject } = setup();
    const sig = store.attach(img, NOTARY, 'sig1');
    const notation = new ScriptedVerifier('verifier-notation', [NOTARY], byAnnotation, [], 'notation');
    const ex = new Executor({ stores: [store], verifiers: [notation], policy: anyNotation() });
    const { result, error } = await ex.verify({ subject }, ctx());
    assert.equal(error, undefined);
    assert.equal(result.isSuccess, true);
    const r = result.verifierReports[0] as ReportElement;
    assert.deepEqual(Object.keys(r), ['subject', 'isSuccess', 'name', 'verifierName', 'type', 'verifierType', 'referenceDigest', 'artifactType', 'message', 'extensions']);
    assert.equal(r.subject, subject, 'subject keeps the tag form, as Ratify');
    assert.equal(r.referenceDigest, sig.digest);
    assert.equal(r.name, 'verifier-notation');
    assert.equal(r.type, 'notation');
  });

  it('fails an unsigned image with Ratify’s NO_VERIFIER_REPORT report', async () => {
    const { store, subject } = setup();
    const ex = new Executor({ stores: [store], verifiers: [new ScriptedVerifier('notation', [NOTARY], byAnnotation)], policy: anyNotation() });
    const { result, error } = await ex.verify({ subject }, ctx());
    assert.equal(result.isSuccess, false);
    assert.equal(error?.root.code, 'NO_VERIFIER_REPORT');
    assert.deepEqual(result.verifierReports, [
      {
        subject,
        isSuccess: false,
        message: `failed to verify artifact: ${subject}`,
        errorReason: `No verification results for the artifact ${subject}. Ensure verifiers are properly configured and that artifact metadata is attached`,
      },
    ]);
  });

  it('uses only the first verifier that can verify a referrer and ignores referrers nobody handles', async () => {
    const { store, img, subject } = setup();
    store.attach(img, NOTARY, 'sig');
    store.attach(img, 'application/unknown', 'x');
    const first = new ScriptedVerifier('first', [NOTARY], byAnnotation);
    const second = new ScriptedVerifier('second', ['*'], byAnnotation);
    const ex = new Executor({ stores: [store], verifiers: [first, second], policy: anyNotation() });
    const { result } = await ex.verify({ subject }, ctx());
    assert.equal(first.calls, 1);
    assert.equal(second.calls, 1, 'the wildcard verifier takes the unknown type');
    assert.deepEqual(result.verifierReports.map((r) => (r as ReportElement).name), ['first', 'second']);
  });

  it('turns a verifier exception into a failure report, fail closed', async () => {
    const { store, img, subject } = setup();
    store.attach(img, NOTARY, 'sig');
    const boom = new ScriptedVerifier('notation', [NOTARY], () => {
      throw new RatifyError('GET_BLOB_CONTENT_FAILURE', 'failed to get blob', { cause: new Error('connection reset') });
    });
    const ex = new Executor({ stores: [store], verifiers: [boom], policy: anyNotation() });
    const { result } = await ex.verify({ subject }, ctx());
    assert.equal(result.isSuccess, false);
    const r = result.verifierReports[0] as ReportElement;
    assert.equal(r.isSuccess, false);
    assert.equal(r.errorReason, 'connection reset');
    assert.match(r.message ?? '', /could not verify/);
  });

  it('verifies nested references and fails the parent when the nested verification fails', async () => {
    const { store, img, subject } = setup();
    const sbomSigned = store.attach(img, SPDX, 'sbom-signed');
    store.attach(sbomSigned, NOTARY, 'sbom-sig');
    store.attach(img, SPDX, 'sbom-unsigned');
    const notation = new ScriptedVerifier('notation', [NOTARY], byAnnotation);
    const sbom = new ScriptedVerifier('sbom', [SPDX], () => ({ isSuccess: true, message: 'SBOM verification success.' }), [NOTARY]);
    // Nested runs use the same policy; listing SPDX there would demand an SPDX report in the
    // nested results too (Ratify's rule that listed types must be present), so default "all" covers SBOMs.
    const policy = new ConfigPolicy({ artifactVerificationPolicies: { [NOTARY]: 'any' } });
    const ex = new Executor({ stores: [store], verifiers: [notation, sbom], policy });
    const { result } = await ex.verify({ subject }, ctx());
    assert.equal(result.isSuccess, false);
    const [signed, unsigned] = result.verifierReports as ReportElement[];
    assert.equal(signed!.isSuccess, true);
    assert.equal(signed!.nestedResults?.length, 1);
    assert.equal(signed!.nestedResults![0]!.subject, `${REG}/app@${sbomSigned.digest}`);
    assert.equal(unsigned!.isSuccess, false);
    assert.equal(unsigned!.message, 'nested verification failed');
    assert.match(unsigned!.nestedResults![0]!.errorReason ?? '', /^No verification results for the artifact/);
  });

  it('fails closed at the deadline with a report naming the step', async () => {
    const { store, img, subject } = setup();
    store.attach(img, NOTARY, 'sig');
    store.listDelayMs = 5_000;
    const ex = new Executor({ stores: [store], verifiers: [new ScriptedVerifier('notation', [NOTARY], byAnnotation)], policy: anyNotation(), verificationRequestTimeout: 100 });
    const { result, error } = await ex.verify({ subject }, ctx());
    assert.equal(result.isSuccess, false);
    assert.equal(error?.root.code, 'DEADLINE_EXCEEDED');
    const r = result.verifierReports[0] as ReportElement;
    assert.match(r.errorReason ?? '', /verification did not finish within 100 ms/);
  });

  it('a slow verifier is cut off at the deadline and its referrer fails', async () => {
    const { store, img, subject } = setup();
    store.attach(img, NOTARY, 'sig');
    const slow = new ScriptedVerifier('notation', [NOTARY], (_i, c) => new Promise((_res, rej) => c.signal.addEventListener('abort', () => rej(c.signal.reason))));
    const ex = new Executor({ stores: [store], verifiers: [slow], policy: anyNotation(), verificationRequestTimeout: 100 });
    const { result } = await ex.verify({ subject }, ctx());
    assert.equal(result.isSuccess, false);
    assert.match((result.verifierReports[0] as ReportElement).errorReason ?? '', /did not finish within 100 ms/);
  });

  it('keeps the listing order whatever order verifications finish in', async () => {
    const { store, img, subject } = setup();
    const sigs = [1, 2, 3, 4, 5].map((i) => store.attach(img, NOTARY, `sig${i}`));
    const delayed = new ScriptedVerifier('notation', [NOTARY], async (input) => {
      await new Promise((r) => setTimeout(r, 5 * (6 - sigs.findIndex((s) => s.digest === input.referrer.digest))));
      return { isSuccess: true, message: 'ok' };
    });
    const ex = new Executor({ stores: [store], verifiers: [delayed], policy: anyNotation() });
    const { result } = await ex.verify({ subject }, ctx());
    assert.deepEqual(result.verifierReports.map((r) => (r as ReportElement).referenceDigest), sigs.map((s) => s.digest));
  });

  it('coalesces identical concurrent requests', async () => {
    const { store, img, subject } = setup();
    store.attach(img, NOTARY, 'sig');
    const v = new ScriptedVerifier('notation', [NOTARY], async () => {
      await new Promise((r) => setTimeout(r, 20));
      return { isSuccess: true, message: 'ok' };
    });
    const ex = new Executor({ stores: [store], verifiers: [v], policy: anyNotation() });
    const outs = await Promise.all([ex.verify({ subject }, ctx()), ex.verify({ subject }, ctx()), ex.verify({ subject }, ctx())]);
    assert.equal(v.calls, 1);
    assert.ok(outs.every((o) => o.result.isSuccess));
  });

  it('filters referrers by the requested artifact types', async () => {
    const { store, img, subject } = setup();
    store.attach(img, NOTARY, 'sig');
    store.attach(img, SPDX, 'sbom');
    const v = new ScriptedVerifier('any', ['*'], byAnnotation);
    const ex = new Executor({ stores: [store], verifiers: [v], policy: new ConfigPolicy({}) });
    const { result } = await ex.verify({ subject, referenceTypes: [SPDX] }, ctx());
    assert.deepEqual(result.verifierReports.map((r) => (r as ReportElement).artifactType), [SPDX]);
  });

  it('lists every store in parallel and reports store by store', async () => {
    const a = new GraphStore('oras');
    const b = new GraphStore('oci-layout');
    const imgA = a.image('v1');
    b.image('v1');
    a.attach(imgA, NOTARY, 'from-a');
    b.attach(imgA, NOTARY, 'from-b');
    const ex = new Executor({ stores: [a, b], verifiers: [new ScriptedVerifier('notation', [NOTARY], byAnnotation)], policy: anyNotation() });
    const { result } = await ex.verify({ subject: `${REG}/app:v1` }, ctx());
    assert.equal(result.verifierReports.length, 2);
  });

  it('explains: referrers found and skipped, checks, policy rule, timings', async () => {
    const { store, img, subject } = setup();
    store.attach(img, NOTARY, 'good');
    store.attach(img, NOTARY, 'bad', { bad: 'tampered' });
    store.attach(img, 'application/other', 'ignored');
    const ex = new Executor({ stores: [store], verifiers: [new ScriptedVerifier('notation', [NOTARY], byAnnotation)], policy: new ConfigPolicy({ artifactVerificationPolicies: { [NOTARY]: 'all' } }) });
    const { result, trace } = await ex.verify({ subject }, ctx(), { explain: true });
    assert.equal(result.isSuccess, false);
    assert.ok(trace);
    assert.equal(trace.referrers.length, 3);
    assert.match(trace.referrers[2]!.skipped ?? '', /no verifier handles artifact type "application\/other"/);
    assert.deepEqual(trace.referrers[1]!.verifiers[0]!.checks, [{ check: 'integrity', ok: false, detail: 'tampered' }]);
    assert.match(trace.policy.detail ?? '', /"all" for application\/vnd.cncf.notary.signature/);
    assert.deepEqual(trace.steps.map((s) => s.step), ['resolve subject', 'list referrers', 'policy']);
  });

  it('turns an unresolvable subject into REFERRER_STORE_FAILURE', async () => {
    const { store } = setup();
    const ex = new Executor({ stores: [store], verifiers: [new ScriptedVerifier('notation', [NOTARY], byAnnotation)], policy: anyNotation() });
    const { result, error } = await ex.verify({ subject: `${REG}/app:missing` }, ctx());
    assert.equal(result.isSuccess, false);
    assert.equal(error?.code, 'REFERRER_STORE_FAILURE');
    assert.equal((result.verifierReports[0] as ReportElement).message, `failed to verify artifact: ${REG}/app:missing`);
  });

  it('rejects an invalid reference as REFERENCE_INVALID', async () => {
    const ex = new Executor({ stores: [new GraphStore()], verifiers: [], policy: anyNotation() });
    const { error } = await ex.verify({ subject: 'registry.example.com/UPPER:v1' }, ctx());
    assert.equal(error?.code, 'REFERENCE_INVALID');
  });
});

describe('executor with CEL policy (nested report shape)', () => {
  function graph() {
    const store = new GraphStore();
    const img = store.image('v1');
    store.attach(img, NOTARY, 'sig');
    const sbom = store.attach(img, SPDX, 'sbom');
    store.attach(sbom, NOTARY, 'sbom-sig');
    store.attach(img, SARIF, 'old', {});
    store.attach(img, SARIF, 'new', {});
    return { store, img };
  }
  const verifiers = () => [
    new ScriptedVerifier('notation', [NOTARY], byAnnotation),
    new ScriptedVerifier('sbom', [SPDX], () => ({ isSuccess: true, message: 'sbom ok' })),
    new ScriptedVerifier('vulnerabilityreport', [SARIF], (input) =>
      input.referrer.digest === digestOf(`${SARIF}:new`)
        ? { isSuccess: true, message: 'Validation succeeded', extensions: { createdAt: '2026-11-01T00:00:00Z', scanner: 'trivy' } }
        : { isSuccess: false, message: 'Found disallowed severities.', extensions: { createdAt: '2026-01-01T00:00:00Z', scanner: 'trivy' } },
    ),
    new ScriptedVerifier('catch-all', ['*'], () => ({ isSuccess: true, message: 'seen' })),
  ];

  it('builds Ratify’s Rego input: all matching verifiers and unconditional recursion', async () => {
    const { store } = graph();
    const ex = new Executor({ stores: [store], verifiers: verifiers(), policy: new CelPolicy({ expression: 'true' }) });
    const { result } = await ex.verify({ subject: `${REG}/app:v1` }, ctx());
    const reports = result.verifierReports as NestedReport[];
    assert.equal(reports.length, 4);
    assert.deepEqual(reports[0]!.verifierReports.map((v) => v.name), ['notation', 'catch-all']);
    assert.deepEqual(Object.keys(reports[0]!.verifierReports[0]!), ['isSuccess', 'message', 'name', 'verifierName', 'type', 'verifierType', 'extensions']);
    assert.equal(reports[1]!.nestedReports.length, 1, 'the SBOM’s signature is verified without nestedReferences');
    assert.equal(reports[1]!.nestedReports[0]!.subject, `${REG}/app@${reports[1]!.referenceDigest}`);
  });

  const cases: Array<[string, string, boolean]> = [
    ['all signatures valid', `artifacts.exists(a, a.artifactType == '${NOTARY}') && reports.filter(r, r.artifactType == '${NOTARY}').all(r, r.isSuccess)`, true],
    ['signed by issuer X', `reports.exists(r, r.artifactType == '${NOTARY}' && r.isSuccess && has(r.extensions.Issuer) && r.extensions.Issuer == 'CN=Test CA,O=Ratify')`, true],
    ['signed by another issuer', `reports.exists(r, r.artifactType == '${NOTARY}' && r.isSuccess && has(r.extensions.Issuer) && r.extensions.Issuer == 'CN=Other')`, false],
    ['newest vulnerability report clean', `!('${SARIF}' in latest) || latest['${SARIF}'].isSuccess`, true],
    ['every vulnerability report clean', `reports.filter(r, r.artifactType == '${SARIF}').all(r, r.isSuccess)`, false],
    ['the SBOM is signed', `artifacts.exists(a, a.artifactType == '${SPDX}' && a.nestedReports.exists(n, n.artifactType == '${NOTARY}' && n.verifierReports.all(v, v.isSuccess)))`, true],
    ['every signature at any depth valid', `allArtifacts.filter(a, a.artifactType == '${NOTARY}').size() == 2 && allReports.filter(r, r.artifactType == '${NOTARY}').all(r, r.isSuccess)`, true],
    ['top-level views stop at depth 0', `artifacts.all(a, a.depth == 0) && reports.all(r, r.depth == 0) && allArtifacts.exists(a, a.depth == 1)`, true],
    ['Rego-style walk over input', `input.verifierReports.all(r, r.verifierReports.size() > 0)`, true],
    ['evaluation error denies', `reports.all(r, r.extensions.nope == 1)`, false],
    ['non-bool result denies', `reports.size()`, false],
  ];
  for (const [name, expression, expected] of cases) {
    it(`CEL: ${name}`, async () => {
      const { store } = graph();
      const ex = new Executor({ stores: [store], verifiers: verifiers(), policy: new CelPolicy({ expression }) });
      const { result, trace } = await ex.verify({ subject: `${REG}/app:v1` }, ctx(), { explain: true });
      assert.equal(result.isSuccess, expected, trace?.policy.detail);
    });
  }

  it('a signature of the SBOM does not make the image signed (top-level views by default)', async () => {
    const store = new GraphStore();
    const img = store.image('v1');
    const sbom = store.attach(img, SPDX, 'sbom');
    store.attach(sbom, NOTARY, 'sbom-sig');
    const signed = `artifacts.exists(a, a.artifactType == '${NOTARY}') && reports.filter(r, r.artifactType == '${NOTARY}').all(r, r.isSuccess)`;
    const issuer = `reports.exists(r, r.artifactType == '${NOTARY}' && r.isSuccess && has(r.extensions.Issuer) && r.extensions.Issuer == 'CN=Test CA,O=Ratify')`;
    for (const expression of [signed, issuer]) {
      const ex = new Executor({ stores: [store], verifiers: verifiers(), policy: new CelPolicy({ expression }) });
      const { result } = await ex.verify({ subject: `${REG}/app:v1` }, ctx());
      assert.equal(result.isSuccess, false, expression);
    }
    // The same signature counts when the policy asks about every depth on purpose.
    const deep = new Executor({ stores: [store], verifiers: verifiers(), policy: new CelPolicy({ expression: `allReports.exists(r, r.artifactType == '${NOTARY}' && r.depth == 1 && r.isSuccess)` }) });
    assert.equal((await deep.verify({ subject: `${REG}/app:v1` }, ctx())).result.isSuccess, true);
  });

  it('a request error propagates instead of becoming a report', async () => {
    const store = new GraphStore();
    const ex = new Executor({ stores: [store], verifiers: verifiers(), policy: new CelPolicy({ expression: 'true' }) });
    const { result, error } = await ex.verify({ subject: `${REG}/app:none` }, ctx());
    assert.equal(result.isSuccess, false);
    assert.deepEqual(result.verifierReports, []);
    assert.equal(error?.code, 'REFERRER_STORE_FAILURE');
  });

  it('an image without referrers gives empty input, which the policy judges', async () => {
    const store = new GraphStore();
    store.image('v1');
    const ex = new Executor({ stores: [store], verifiers: verifiers(), policy: new CelPolicy({ expression: 'verifierReports.size() > 0' }) });
    const { result, error } = await ex.verify({ subject: `${REG}/app:v1` }, ctx());
    assert.equal(error, undefined);
    assert.equal(result.isSuccess, false);
  });

  it('rejects an invalid expression at load time', () => {
    assert.throws(() => new CelPolicy({ expression: 'reports.all(r, ' }), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID');
    assert.throws(() => new CelPolicy({}), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID');
  });
});

describe('per-referrer result cache', () => {
  it('reuses a verifier result for the same content and config, but not a failure to run', async () => {
    const { MemoryCache } = await import('../../src/cache/memory.js');
    const { store, img, subject } = setup();
    store.attach(img, NOTARY, 'sig');
    store.attach(img, SPDX, 'sbom');
    let sbomRuns = 0;
    const flaky = new ScriptedVerifier('sbom', [SPDX], () => {
      sbomRuns++;
      if (sbomRuns === 1) throw new RatifyError('GET_BLOB_CONTENT_FAILURE', 'registry hiccup');
      return { isSuccess: true, message: 'ok' };
    });
    const notation = new ScriptedVerifier('notation', [NOTARY], byAnnotation);
    const ex = new Executor({ stores: [store], verifiers: [notation, flaky], policy: new ConfigPolicy({}), resultCache: new MemoryCache(), resultCacheTtlMs: 60_000, configHash: 'abc' });
    const first = await ex.verify({ subject }, ctx());
    assert.equal(first.result.isSuccess, false);
    assert.equal(first.transient, true);
    const second = await ex.verify({ subject }, ctx());
    assert.equal(second.result.isSuccess, true, 'the failure to run was not cached');
    const third = await ex.verify({ subject }, ctx(), { explain: true });
    assert.equal(third.result.isSuccess, true);
    assert.equal(notation.calls, 1, 'the signature result came from the cache twice');
    assert.equal(sbomRuns, 2);
    assert.equal(third.trace!.referrers[0]!.verifiers[0]!.checks[0]!.check, 'cache');
  });
});
