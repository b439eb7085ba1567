/**
 * Every Notation case of the shared vectors (cases.json kinds notation-jws, notation-cose and
 * oci-layout), one test per case id, asserting the expected outcome and, where the case names
 * one, the reason text.
 *
 * How each group runs:
 * - notation-go/mock/*: the envelope through verifyNotationSignature, with notation-go's own
 *   trust store directory (NotationTrustStore over notation-go/verifier/testdata/truststore) and
 *   the inline trust policy, at the level of the case and at the other levels the reason names.
 * - notation-go/timestamp/*: the source test calls only notation-go's verifyAuthenticTimestamp.
 *   We run the whole pipeline and assert the authenticTimestamp result, with authenticity
 *   overridden to "log" and code-signing revocation to "skip" so that only that step (still
 *   "enforce") decides: two of the envelopes are signed by a certificate that is not in
 *   ca:valid-trust-store, which the source test never checks. The TSA chain (GlobalSign) carries
 *   OCSP/CRL pointers to the public internet; the source test reaches them with a 2 s HTTP client,
 *   which this sandbox cannot. The passing cases therefore use a stub timestamping revocation
 *   validator answering "ok" (and record the chain it was given), and also show that the real
 *   validator with the network unavailable yields "revocation status is unknown".
 * - notation-e2e oci-layout cases: the real Executor over the OCI layout store, twice:
 *   (1) notation semantics: the trustStore mapping laid out as a notation trust store directory
 *       (`x509/<type>/<name>/`), NotationTrustStore, the policy file as the trust policy;
 *   (2) Ratify semantics: a Ratify config (notation verifier with verificationCerts and
 *       trustPolicyDoc) through buildExecutor. Ratify serves every verificationCerts certificate for
 *       every named store (reference §3.1), so `invalid-trust-store` passes there; the test asserts
 *       that difference explicitly.
 *   Layout subjects are scoped as `local/oci-layout`, which the `*` policies cover. The config
 *   policy requires "any" Notation signature to verify, as notation does.
 * - connaisseur/notation/*: the registry fixture is loaded into a loopback docker-registry and
 *   verified through the oras store (see seedManifest for the one thing pushBlob/pushManifest
 *   cannot do).
 * - Parse-level cases check the facts the source states; what needs the missing Microsoft TSA
 *   root is a visible skipped sub-test.
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { backgroundContext, type Context } from '../../../src/context.js';
import { RatifyError } from '../../../src/errors.js';
import { buildExecutor } from '../../../src/executor/build.js';
import { Executor, type VerifyOutcome } from '../../../src/executor/executor.js';
import type { ReportElement } from '../../../src/executor/types.js';
import { createLogger, silentLogger, type Logger } from '../../../src/observability/logger.js';
import { ConfigPolicy } from '../../../src/policy/config-policy.js';
import { parseReference } from '../../../src/reference/reference.js';
import { createOciLayoutStore } from '../../../src/stores/ocilayout/store.js';
import { parseOciLayoutSubject } from '../../../src/stores/ocilayout/subject.js';
import { collect } from '../../../src/stores/types.js';
import { parseTimestampToken, validateMessage } from '../../../src/crypto/timestamp/index.js';
import {
  RevocationHttpError,
  RevocationValidator,
  type ChainRevocationResult,
  type RevocationHttpClient,
  type ValidateRevocationOptions,
} from '../../../src/crypto/revocation/index.js';
import { commonConfig } from '../../../src/verifiers/base.js';
import { NOTATION_SUCCESS, NotationVerifier } from '../../../src/verifiers/notation/verifier.js';
import { verifyNotationSignature, type NotationOutcome } from '../../../src/verifiers/notation/verify-signature.js';
import { DEFAULT_MAX_ENVELOPE_BYTES, EnvelopeError, parseEnvelope, parsePayload } from '../../../src/verifiers/notation/envelope/index.js';
import { loadTrustPolicyDocument, type TrustPolicyDocument } from '../../../src/verifiers/notation/trustpolicy/index.js';
import { NotationTrustStore } from '../../../src/verifiers/notation/truststore/index.js';
import { reportMissingVectors, vectorsDir } from '../../harness/vectors.js';
import { startRegistry, type RegistryHandle } from '../../harness/registry.js';
import { pushBlob, pushManifest, registryRequest } from '../../harness/load-layout.js';
import { writeRatifyConfig } from '../../harness/ratify-config.js';

const NOTARY = 'application/vnd.cncf.notary.signature';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const E2E_DN = 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US';
const E2E_SUBJECT = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';
const E2E_SIGNATURE = 'sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f';
const UNTRUSTED = "the signature's certificate chain does not contain any trusted certificate";

/** The kinds this file covers, and the checks that are Notation verification (the rest are listed, skipped). */
const KINDS = new Set(['notation-jws', 'notation-cose', 'oci-layout']);
const NOTATION_CHECKS = new Set(['verify', 'authentic-timestamp', 'parse', 'parse-timestamp', 'discover+verify']);
const OTHER_CHECK_REASON: Record<string, string> = {
  encoding: 'encoding conformance of a JWS signed with a key made at test time (no certificate in the file): nothing to verify; JWS parsing is covered by envelope*.test.ts',
  referrers: 'referrer listing of a signature-less layout: covered by test/stores/ocilayout.test.ts, not a Notation check',
};

interface VectorCase {
  id: string;
  kind: string;
  check: string;
  expect: 'pass' | 'fail';
  reason: string;
  files: string[];
  // Paths in inputs are relative to the case's source folder.
  inputs: Record<string, unknown>;
  source: { repo: string; test?: string };
}

const VECTORS = vectorsDir();
const ALL: VectorCase[] = VECTORS ? (JSON.parse(readFileSync(join(VECTORS, 'cases.json'), 'utf8')) as { cases: VectorCase[] }).cases : [];
const CASES = ALL.filter((c) => KINDS.has(c.kind));

const vec = (...p: string[]) => join(VECTORS!, ...p);
/** The case's reason with JSON-escaped quotes undone, for matching quoted error text. */
const reasonText = (c: VectorCase) => c.reason.replace(/\\"/g, '"');

/** Asserts that the text we expect to see is what the case itself says (so the table below cannot drift from the vectors). */
function assertReasonNames(c: VectorCase, text: string): void {
  assert.ok(reasonText(c).includes(text), `case reason should mention ${JSON.stringify(text)}; reason: ${c.reason}`);
}

// ---------------------------------------------------------------------------------------------
// Shared plumbing

/** Revocation HTTP that never reaches the network: every call fails at once (status becomes unknown). */
class OfflineHttp implements RevocationHttpClient {
  calls: string[] = [];
  send(_ctx: Context, req: { url: string }): Promise<never> {
    this.calls.push(req.url);
    return Promise.reject(new RevocationHttpError(`network disabled in tests: ${req.url}`, 'network'));
  }
}

const offlineRevocation = (purpose: 'codeSigning' | 'timestamping', http = new OfflineHttp()) =>
  new RevocationValidator({ purpose, http, memoryCache: false });

/** A timestamping revocation validator that records the chain and answers "ok" (the TSA's responders are on the internet). */
class OkRevocationStub {
  chains: ValidateRevocationOptions['chain'][] = [];
  validate(_ctx: Context, input: ValidateRevocationOptions): Promise<ChainRevocationResult> {
    this.chains.push(input.chain);
    return Promise.resolve({ status: 'ok', certs: [] });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function captureLogger(): { log: Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const log = createLogger({ level: 'debug', format: 'json', destination: { write: (s: string) => raw.push(s) } as unknown as NodeJS.WritableStream });
  return { log, lines: () => raw.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const quietCtx = (): Context => backgroundContext(silentLogger());

const tempDirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}
async function removeTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** A trust policy document from one inline statement (Go zero values filled in, then validated as notation does). */
function policyOf(statement: Record<string, unknown>, override?: Record<string, string>): TrustPolicyDocument {
  const sv = { ...(statement.signatureVerification as Record<string, unknown>), ...(override ? { override } : {}) };
  return loadTrustPolicyDocument({ version: '1.0', trustPolicies: [{ ...statement, signatureVerification: sv }] });
}

const resultOf = (o: NotationOutcome, type: string) => o.results.filter((r) => r.type === type);

// ---------------------------------------------------------------------------------------------
// notation-go/mock/*: verifyNotationSignature with notation-go's trust store directory

interface LevelExpectation {
  /** undefined = verification succeeds */
  error?: string;
  /** The validation whose enforced failure stops verification. */
  step?: string;
  /** Validations that fail but are only logged at this level. */
  logged?: string[];
}

interface MockExpectation {
  levels: Partial<Record<'strict' | 'permissive' | 'audit', LevelExpectation>>;
  /** The error (or its prefix) is quoted in the case reason. */
  quoted?: boolean;
  /** The error is a prefix (our text continues differently where notation names its plugin manager). */
  prefix?: boolean;
}

const EXPIRED_2022 = 'digital signature has expired on "Fri, 29 Jul 2022 23:59:00 +0000"';
const PLUGIN_PREFIX = 'error while locating the verification plugin "plugin-name", make sure the plugin is installed successfully before verifying the signature. error: ';
const USER_METADATA = 'unable to find specified metadata in the signature';
const METADATA_LOGGED = ['authenticity', 'authenticTimestamp'];

const MOCK: Record<string, MockExpectation> = {
  'notation-go/mock/ca-valid': { levels: { strict: {}, permissive: {}, audit: {} } },
  'notation-go/mock/ca-valid-untrusted-store': { quoted: true, levels: { strict: { error: UNTRUSTED, step: 'authenticity' } } },
  'notation-go/mock/ca-valid-wrong-identity': {
    quoted: true,
    prefix: true,
    levels: { strict: { error: 'signing certificate from the digital signature does not match the X.509 trusted identities ', step: 'authenticity' } },
  },
  'notation-go/mock/ca-invalid': {
    quoted: true,
    levels: Object.fromEntries(
      (['strict', 'permissive', 'audit'] as const).map((l) => [l, { error: 'signature is invalid. Error: illegal base64 data at input byte 242', step: 'integrity' }]),
    ),
  },
  'notation-go/mock/ca-expired': {
    quoted: true,
    levels: { strict: { error: EXPIRED_2022, step: 'expiry' }, permissive: { logged: ['expiry'] }, audit: { logged: ['expiry'] } },
  },
  'notation-go/mock/sa-valid': { levels: { strict: {}, permissive: {}, audit: {} } },
  'notation-go/mock/ca-plugin-not-installed': { quoted: true, prefix: true, levels: { strict: { error: PLUGIN_PREFIX } } },
  // TestVerifyUserMetadata: the signer is not in the trust store and its certificate has expired;
  // at audit both are only logged. A mismatch is notation's ErrorUserMetadataVerificationFailed.
  'notation-go/mock/user-metadata/none': { levels: { audit: { logged: METADATA_LOGGED } } },
  'notation-go/mock/user-metadata/buildId=123': { levels: { audit: { logged: METADATA_LOGGED } } },
  'notation-go/mock/user-metadata/buildId=321': { levels: { audit: { error: USER_METADATA, logged: METADATA_LOGGED } } },
  'notation-go/mock/user-metadata/buildId=123-buildTime=1672944615': { levels: { audit: { logged: METADATA_LOGGED } } },
};

async function runMockCase(c: VectorCase, t: TestContext): Promise<void> {
  const exp = MOCK[c.id];
  assert.ok(exp, `no expectation for ${c.id}`);
  const i = c.inputs as {
    envelope: string;
    envelopeMediaType: string;
    artifactReference: string;
    targetArtifact: { mediaType: string; digest: string; size: number };
    trustPolicy: Record<string, unknown> & { signatureVerification: { level: string } };
    trustStoreRoot: string;
    userMetadata?: Record<string, string>;
  };
  const caseLevel = i.trustPolicy.signatureVerification.level as 'strict' | 'permissive' | 'audit';
  assert.ok(exp.levels[caseLevel], `the case's own level ${caseLevel} must be among the expectations`);
  // trustStoreRoot names the x509 folder; NotationTrustStore takes the folder above it.
  const store = new NotationTrustStore(vec('notation-go', i.trustStoreRoot, '..'));
  const envelope = await readFile(vec('notation-go', i.envelope));
  for (const [level, want] of Object.entries(exp.levels)) {
    const http = new OfflineHttp();
    const outcome = await verifyNotationSignature(
      {
        envelope,
        envelopeMediaType: i.envelopeMediaType,
        subject: i.targetArtifact,
        artifactReference: i.artifactReference,
        policy: policyOf({ ...i.trustPolicy, signatureVerification: { level } }),
        trustStore: store,
        codeSigningRevocation: offlineRevocation('codeSigning', http),
        timestampingRevocation: offlineRevocation('timestamping', http),
        ...(i.userMetadata ? { userMetadata: i.userMetadata } : {}),
      },
      quietCtx(),
    );
    const at = `${c.id} at ${level}`;
    assert.equal(outcome.skipped, false, at);
    assert.equal(outcome.level?.name, level, at);
    if (want.error === undefined) {
      assert.equal(outcome.error, undefined, `${at}: ${outcome.error}`);
      // Reached the end: every validation ran (revocation included: the test roots have no OCSP/CRL).
      assert.deepEqual([...new Set(outcome.results.map((r) => r.type))], ['integrity', 'authenticity', 'expiry', 'authenticTimestamp', 'revocation'], at);
    } else if (exp.prefix) {
      assert.ok(outcome.error?.startsWith(want.error), `${at}: ${outcome.error}`);
    } else {
      assert.equal(outcome.error, want.error, at);
    }
    if (want.step) {
      const failed = outcome.results.find((r) => r.error !== undefined && r.action === 'enforce');
      assert.equal(failed?.type, want.step, at);
      assert.equal(failed?.error, outcome.error, at);
    }
    for (const type of want.logged ?? []) {
      const r = resultOf(outcome, type).find((x) => x.error !== undefined);
      assert.ok(r, `${at}: ${type} should have failed and been logged: ${JSON.stringify(outcome.results)}`);
      assert.equal(r.action, 'log', at);
    }
    // Neither the trust store nor the test PKI needs the network.
    assert.deepEqual(http.calls, [], at);
  }
  const strictError = exp.levels.strict?.error ?? exp.levels.audit?.error;
  if (exp.quoted && strictError) assertReasonNames(c, strictError);
  if (c.expect === 'pass') assert.equal(exp.levels[caseLevel]!.error, undefined);
  else assert.notEqual(exp.levels[caseLevel]!.error, undefined);
  t.diagnostic(`levels checked: ${Object.keys(exp.levels).join(', ')}`);
}

// ---------------------------------------------------------------------------------------------
// notation-go/timestamp/*: the authentic-timestamp step

const TIMESTAMP: Record<string, string | undefined> = {
  'notation-go/timestamp/jws-with-timestamp': undefined,
  'notation-go/timestamp/cose-expired-cert-with-timestamp': undefined,
  'notation-go/timestamp/cose-expired-cert-no-tsa-store':
    'verification time is after certificate "CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US" validity period, it was expired at "Tue, 18 Jun 2024 07:30:31 +0000"',
  'notation-go/timestamp/without-timestamp': 'no timestamp countersignature was found in the signature envelope',
  'notation-go/timestamp/timestamp-after-cert-notafter':
    'timestamp can be after certificate "CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US" validity period, it was expired at "Tue, 18 Sep 2001 11:54:34 +0000"',
};

async function runTimestampCase(c: VectorCase, t: TestContext): Promise<void> {
  assert.ok(Object.hasOwn(TIMESTAMP, c.id), `no expectation for ${c.id}`);
  const want = TIMESTAMP[c.id];
  const i = c.inputs as { envelope: string; envelopeMediaType: string; trustPolicy: Record<string, unknown>; trustStoreRoot: string };
  const bytes = await readFile(vec('notation-go', i.envelope));
  // The source test has no subject: the payload's own target stands in for it.
  const subject = parsePayload(parseEnvelope(bytes, i.envelopeMediaType)).targetArtifact;
  const store = new NotationTrustStore(vec('notation-go', i.trustStoreRoot, '..'));
  const run = (timestampingRevocation: RevocationValidator) =>
    verifyNotationSignature(
      {
        envelope: bytes,
        envelopeMediaType: i.envelopeMediaType,
        subject,
        artifactReference: `registry.acme-rockets.io/software/net-monitor@${subject.digest}`,
        policy: policyOf(i.trustPolicy, { authenticity: 'log', revocation: 'skip' }),
        trustStore: store,
        codeSigningRevocation: offlineRevocation('codeSigning'),
        timestampingRevocation,
      },
      quietCtx(),
    );
  const stub = new OkRevocationStub();
  const outcome = await run(stub as unknown as RevocationValidator);
  assert.equal(outcome.level?.enforcement.authenticTimestamp, 'enforce', 'the step under test keeps its strict action');
  const ts = resultOf(outcome, 'authenticTimestamp');
  assert.equal(ts.length, 1, JSON.stringify(outcome.results));
  assert.equal(ts[0]!.error, want);
  assert.equal(outcome.error, want, 'nothing else decides the outcome');
  if (want !== undefined) {
    assertReasonNames(c, want);
    return;
  }
  // The countersignature was verified up to the revocation step, over the TSA's chain (leaf first, to the trusted root).
  assert.equal(stub.chains.length, 1);
  const chain = stub.chains[0] as Array<{ subject: string }>;
  assert.ok(chain.length >= 2, 'TSA leaf and at least its root');
  assert.match(chain[chain.length - 1]!.subject, /GlobalSign/, 'ends at tsa:test-timestamp (GlobalSign Root R6)');
  // Why the stub: the real validator must ask the TSA's OCSP/CRL servers on the internet.
  const http = new OfflineHttp();
  const offline = await run(offlineRevocation('timestamping', http));
  assert.match(resultOf(offline, 'authenticTimestamp')[0]?.error ?? '', /^timestamping certificate with subject ".+" revocation status is unknown$/);
  assert.ok(http.calls.length > 0 && http.calls.every((u) => u.startsWith('http://')), `TSA chain revocation endpoints: ${http.calls.join(', ')}`);
  t.diagnostic(`TSA revocation endpoints (not reachable here): ${[...new Set(http.calls)].join(', ')}`);
}

// ---------------------------------------------------------------------------------------------
// notation-e2e OCI layouts through the Executor

interface E2eExpectation {
  pass: boolean;
  /** errorReason of the signature's report (exact). */
  error?: string;
  /** The check that failed with action enforce; its "<check> validation failed" is what notation prints. */
  failedCheck?: string;
  /** A check that failed with action "log" (the verification still succeeds). */
  loggedCheck?: string;
  /** What the case's reason quotes (default: notation's "<failedCheck> validation failed"). */
  reasonQuote?: string;
  /** Under Ratify's trust store semantics the outcome differs; why. */
  ratifyPasses?: string;
  /** No referrer is there to verify. */
  noReferrers?: boolean;
  /** Skipped by policy: nothing verified, no extensions. */
  skipped?: boolean;
}

const E2E: Record<string, E2eExpectation> = {
  'notation-e2e/valid-signature/multiple-trust-stores': { pass: true },
  'notation-e2e/valid-signature/strict': { pass: true },
  'notation-e2e/valid-signature/strict-untrusted-cert': { pass: false, error: UNTRUSTED, failedCheck: 'authenticity', reasonQuote: UNTRUSTED },
  'notation-e2e/valid-signature/permissive-untrusted-cert': { pass: false, error: UNTRUSTED, failedCheck: 'authenticity' },
  'notation-e2e/valid-signature/audit-untrusted-cert': { pass: true, loggedCheck: 'authenticity' },
  'notation-e2e/expired-signature/strict': { pass: false, error: 'digital signature has expired on "Tue, 27 Jun 2023 05:21:21 +0000"', failedCheck: 'expiry' },
  'notation-e2e/expired-signature/permissive': { pass: true, loggedCheck: 'expiry' },
  'notation-e2e/expired-signature/audit': { pass: true, loggedCheck: 'expiry' },
  'notation-e2e/invalid-signature/strict': {
    pass: false,
    error: 'unable to parse the digital signature, error : signature envelope format with media type "application/vnd.oci.image.layer.v1.tar" is not supported',
    failedCheck: 'integrity',
  },
  'notation-e2e/invalid-signature/audit': {
    pass: false,
    error: 'unable to parse the digital signature, error : signature envelope format with media type "application/vnd.oci.image.layer.v1.tar" is not supported',
    failedCheck: 'integrity',
  },
  'notation-e2e/invalid-signature/skip': { pass: true, skipped: true },
  'notation-e2e/valid-signature/invalid-trusted-identity': {
    pass: false,
    error: 'signing certificate from the digital signature does not match the X.509 trusted identities [map["C":"USB" "CN":"e2e" "L":"Seattle" "O":"Notary" "ST":"WA"]] defined in the trust policy "e2e"',
    failedCheck: 'authenticity',
    reasonQuote: 'signing certificate from the digital signature does not match the X.509 trusted identities',
  },
  'notation-e2e/valid-signature/invalid-trust-store': {
    pass: false,
    error: 'the trust store "invalid_store" of type "ca" does not exist',
    failedCheck: 'authenticity',
    reasonQuote: 'the trust store "invalid_store" of type "ca" does not exist',
    ratifyPasses: 'Ratify resolves a named store without verificationCertStores to every verificationCerts certificate (truststore.go), so ca:invalid_store holds e2e.crt',
  },
  'notation-e2e/unsigned/strict': { pass: false, noReferrers: true },
};

interface E2eInputs {
  ociLayout: string;
  trustPolicy?: string;
  trustStore?: Record<string, string[]>;
}

/** The trustStore mapping as notation's directory layout: `<root>/x509/<type>/<name>/<file>`. */
async function notationStoreDir(mapping: Record<string, string[]>): Promise<string> {
  const root = await tempDir('ratify-nv-store-');
  for (const [entry, files] of Object.entries(mapping)) {
    const [type, name] = entry.split(':') as [string, string];
    const dir = join(root, 'x509', type, name);
    await mkdir(dir, { recursive: true });
    for (const f of files) await copyFile(vec('notation', f), join(dir, basename(f)));
  }
  return root;
}

async function layoutExecutorNotation(layout: string, policy: TrustPolicyDocument, storeRoot: string, rule: 'any' | 'all' = 'any'): Promise<Executor> {
  const verifier = new NotationVerifier(commonConfig({ name: 'notation', artifactTypes: NOTARY }, { requireArtifactTypes: true }), {
    trustStore: new NotationTrustStore(storeRoot),
    policy,
    codeSigningRevocation: offlineRevocation('codeSigning'),
    timestampingRevocation: offlineRevocation('timestamping'),
    maxEnvelopeBytes: DEFAULT_MAX_ENVELOPE_BYTES,
  });
  return new Executor({
    stores: [await createOciLayoutStore({ name: 'oci-layout', path: layout })],
    verifiers: [verifier],
    policy: new ConfigPolicy({ artifactVerificationPolicies: { [NOTARY]: rule } }),
  });
}

/** A Ratify config: one notation verifier with verificationCerts and trustPolicyDoc. */
function ratifyConfig(certFiles: string[], trustPolicyDoc: unknown, rule: 'any' | 'all' = 'any', store: Record<string, unknown> = { name: 'oras' }) {
  return {
    store: { version: '1.0.0', plugins: [store] },
    policy: { version: '1.0.0', plugin: { name: 'configPolicy', artifactVerificationPolicies: { [NOTARY]: rule } } },
    verifier: { version: '1.0.0', plugins: [{ name: 'notation', artifactTypes: NOTARY, verificationCerts: certFiles, trustPolicyDoc }] },
  };
}

async function layoutExecutorRatify(layout: string, certFiles: string[], trustPolicyDoc: unknown, rule: 'any' | 'all' = 'any'): Promise<Executor> {
  const home = await tempDir('ratify-nv-home-');
  return buildExecutor(
    { config: ratifyConfig(certFiles, trustPolicyDoc, rule) as never, path: undefined, raw: '' },
    { rt: { home, env: {} }, log: silentLogger(), stores: [await createOciLayoutStore({ name: 'oci-layout', path: layout })] },
  );
}

async function verifyLayout(ex: Executor, layout: string, tag = 'v1'): Promise<VerifyOutcome> {
  try {
    const subject = `${layout}:${tag}`;
    return await ex.verify({ subject, reference: parseOciLayoutSubject(subject).reference }, quietCtx(), { explain: true });
  } finally {
    await ex.close();
  }
}

/** The checks the notation verifier reported for the (only) referrer, from the --explain trace. */
function checksOf(o: VerifyOutcome): Array<{ check: string; ok: boolean; level?: string; detail?: string }> {
  const verifiers = o.trace?.referrers.flatMap((r) => r.verifiers) ?? [];
  assert.equal(verifiers.length, 1, 'one verifier ran');
  return verifiers[0]!.checks;
}

function assertSuccessReport(r: ReportElement, signature = E2E_SIGNATURE): void {
  assert.equal(r.isSuccess, true, JSON.stringify(r));
  assert.equal(r.referenceDigest, signature);
  assert.equal(r.artifactType, NOTARY);
  assert.equal(r.message, NOTATION_SUCCESS);
  assert.deepEqual(r.extensions, { Issuer: E2E_DN, SN: E2E_DN });
}

function assertE2eOutcome(c: VectorCase, o: VerifyOutcome, exp: E2eExpectation, mode: string): void {
  const at = `${c.id} (${mode})`;
  assert.equal(o.result.isSuccess, exp.pass, `${at}: ${JSON.stringify(o.result)}`);
  const reports = o.result.verifierReports as ReportElement[];
  if (exp.noReferrers) {
    assert.equal(o.error?.root.code, 'NO_VERIFIER_REPORT', at);
    assert.equal(reports.length, 1, at);
    assert.match(reports[0]!.errorReason ?? '', /^No verification results for the artifact .+:v1\. Ensure verifiers are properly configured/, at);
    assert.deepEqual(o.trace?.referrers, [], `${at}: nothing attached`);
    return;
  }
  assert.equal(reports.length, 1, at);
  const r = reports[0]!;
  if (exp.pass) {
    if (exp.skipped) {
      assert.equal(r.isSuccess, true, at);
      assert.equal(r.message, NOTATION_SUCCESS, at);
      assert.equal(r.extensions, undefined, `${at}: nothing was verified, so no signer`);
      const checks = checksOf(o);
      assert.deepEqual(checks.map((x) => x.check), ['trust policy'], at);
      assert.match(checks[0]!.detail ?? '', /level skip/, at);
    } else {
      assertSuccessReport(r, r.referenceDigest);
      if (exp.loggedCheck) {
        const logged = checksOf(o).find((x) => x.check === exp.loggedCheck && !x.ok);
        assert.equal(logged?.level, 'log', `${at}: ${exp.loggedCheck} failure is only logged`);
      }
    }
    return;
  }
  assert.equal(r.isSuccess, false, at);
  assert.equal(r.errorReason, exp.error, at);
  assert.ok(r.message?.startsWith(`Failed to validate the Notation signature: {Descriptor:{MediaType:${OCI_MANIFEST} Digest:${r.referenceDigest} `), `${at}: ${r.message}`);
  const failed = checksOf(o).find((x) => !x.ok && x.level === 'enforce');
  assert.equal(failed?.check, exp.failedCheck, at);
  assert.equal(failed?.detail, exp.error, at);
}

async function runE2eLayoutCase(c: VectorCase, t: TestContext): Promise<void> {
  const exp = E2E[c.id];
  assert.ok(exp, `no expectation for ${c.id}`);
  assert.equal(exp.pass, c.expect === 'pass');
  const i = c.inputs as unknown as E2eInputs;
  const layout = vec('notation', i.ociLayout);
  const policyJson = JSON.parse(await readFile(vec('notation', i.trustPolicy!), 'utf8')) as unknown;
  const mapping = i.trustStore ?? {};
  if (exp.failedCheck) assertReasonNames(c, exp.reasonQuote ?? `${exp.failedCheck} validation failed`);
  if (exp.loggedCheck) assertReasonNames(c, exp.loggedCheck);

  // (1) notation semantics
  const notation = await verifyLayout(await layoutExecutorNotation(layout, loadTrustPolicyDocument(policyJson), await notationStoreDir(mapping)), layout);
  assertE2eOutcome(c, notation, exp, 'notation trust store');

  // (2) Ratify semantics: verificationCerts + trustPolicyDoc through the config.
  const certs = [...new Set(Object.values(mapping).flat())].map((f) => vec('notation', f));
  const ratify = await verifyLayout(await layoutExecutorRatify(layout, certs, policyJson), layout);
  if (exp.ratifyPasses) {
    assert.equal(ratify.result.isSuccess, true, JSON.stringify(ratify.result));
    assertSuccessReport(ratify.result.verifierReports[0] as ReportElement);
    t.diagnostic(`Ratify config passes: ${exp.ratifyPasses}`);
  } else {
    assertE2eOutcome(c, ratify, exp, 'Ratify verificationCerts');
  }
}

async function runMultipleSignaturesCase(c: VectorCase, t: TestContext): Promise<void> {
  const i = c.inputs as unknown as E2eInputs;
  const layout = vec('notation', i.ociLayout);
  const ctx = quietCtx();
  // Discovery: both signatures link through `subject`; the layout's tag-schema index lists only the first.
  const store = await createOciLayoutStore({ name: 'oci-layout', path: layout });
  try {
    const ref = parseOciLayoutSubject(`${layout}:v1`).reference;
    const subject = await store.resolve(ref, ctx);
    assert.equal(subject.digest, E2E_SUBJECT);
    const refs = await collect(store.listReferrers(ref, subject, ctx));
    assert.deepEqual(refs.map((r) => [r.digest, r.artifactType]).sort(), [
      [E2E_SIGNATURE, NOTARY],
      ['sha256:c3ebe4a20b6832328fc5078a7795ddc1114b896e13fca2add38109c3866b5fbf', NOTARY],
    ]);
    const tagIndex = JSON.parse(await readFile(join(layout, 'blobs', 'sha256', '13e107e0dd246f07ff18998a3d39e226965c41477a1bc1765f7617632ff3f283'), 'utf8')) as { manifests: Array<{ digest: string }> };
    assert.deepEqual(tagIndex.manifests.map((m) => m.digest), [E2E_SIGNATURE]);
  } finally {
    await store.close?.();
  }

  const policyJson = JSON.parse(await readFile(vec('notation', i.trustPolicy!), 'utf8')) as unknown;
  const certs = Object.values(i.trustStore!).flat().map((f) => vec('notation', f));
  const check = (o: VerifyOutcome, mode: string) => {
    const reports = o.result.verifierReports as ReportElement[];
    assert.equal(reports.length, 2, mode);
    const good = reports.find((r) => r.referenceDigest === E2E_SIGNATURE)!;
    assertSuccessReport(good);
    const other = reports.find((r) => r.referenceDigest !== E2E_SIGNATURE)!;
    assert.equal(other.isSuccess, false, mode);
    assert.equal(other.errorReason, UNTRUSTED, `${mode}: signer a10293ee... is not trusted`);
  };
  // notation passes when any signature verifies: configPolicy "any" for the signature type.
  const anyNotation = await verifyLayout(await layoutExecutorNotation(layout, loadTrustPolicyDocument(policyJson), await notationStoreDir(i.trustStore!)), layout);
  check(anyNotation, 'notation, any');
  assert.equal(anyNotation.result.isSuccess, true);
  const anyRatify = await verifyLayout(await layoutExecutorRatify(layout, certs, policyJson, 'any'), layout);
  check(anyRatify, 'ratify, any');
  assert.equal(anyRatify.result.isSuccess, true);
  // Ratify's default rule for a type is "all": the untrusted second signature then fails the subject.
  const allRatify = await verifyLayout(await layoutExecutorRatify(layout, certs, policyJson, 'all'), layout);
  check(allRatify, 'ratify, all');
  assert.equal(allRatify.result.isSuccess, false);
  assert.equal(c.expect, 'pass');
  t.diagnostic('2 signatures discovered through subject; passes with "any", fails with "all"');
}

// ---------------------------------------------------------------------------------------------
// Parse-level cases

const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function layoutSignature(layout: string, manifestDigest: string) {
  const manifest = JSON.parse(await readFile(join(layout, 'blobs', 'sha256', manifestDigest.slice(7)), 'utf8')) as {
    config: { mediaType: string };
    layers: Array<{ mediaType: string; digest: string }>;
    subject: { digest: string; size: number };
  };
  assert.equal(manifest.config.mediaType, NOTARY);
  assert.equal(manifest.layers.length, 1);
  const blob = await readFile(join(layout, 'blobs', 'sha256', manifest.layers[0]!.digest.slice(7)));
  return { manifest, mediaType: manifest.layers[0]!.mediaType, blob };
}

async function runTimestampedInspect(c: VectorCase, t: TestContext): Promise<void> {
  const layout = vec('notation', (c.inputs as { ociLayout: string }).ociLayout);
  const ctx = quietCtx();
  const store = await createOciLayoutStore({ name: 'oci-layout', path: layout });
  let referrers;
  try {
    const ref = parseOciLayoutSubject(`${layout}:v1`).reference;
    const subject = await store.resolve(ref, ctx);
    assert.deepEqual([subject.digest, subject.size], ['sha256:53b0191218aed9a3c1f7c661736ac40cfc8eb928642348fd843ba3f0483c0c20', 582]);
    referrers = await collect(store.listReferrers(ref, subject, ctx));
  } finally {
    await store.close?.();
  }
  assert.deepEqual(referrers.map((r) => r.digest), ['sha256:6a5cd3a886707a317935dcaf13954fc80ef9aeb665262b6ae4fe469ad7ea3aea']);
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ annotations?: Record<string, string> }> };
  assert.ok(!index.manifests.some((m) => m.annotations?.['org.opencontainers.image.ref.name']?.startsWith('sha256-')), 'only the subject-field link exists');

  const { mediaType, blob } = await layoutSignature(layout, referrers[0]!.digest);
  assert.equal(mediaType, 'application/jose+json');
  const env = parseEnvelope(blob, mediaType);
  assert.equal(env.signatureAlgorithm, 'RSASSA-PSS-SHA-256');
  assert.equal(env.signedAttributes.signingTime.toISOString(), '2025-01-21T09:17:46.000Z');
  assert.equal(env.signedAttributes.expiry?.toISOString(), '2025-01-21T12:39:46.000Z');
  assert.equal(env.unsignedAttributes.signingAgent, 'notation-go/1.3.0+unreleased');
  const target = parsePayload(env).targetArtifact;
  assert.deepEqual(target, { mediaType: OCI_MANIFEST, digest: 'sha256:53b0191218aed9a3c1f7c661736ac40cfc8eb928642348fd843ba3f0483c0c20', size: 582, annotations: { purpose: 'e2e' } });
  const leaf = env.certificateChain[0]!;
  assert.equal(env.certificateChain.length, 1);
  assert.equal(leaf.subject, 'CN=testcert7,O=Notary,L=Seattle,ST=WA,C=US');
  assert.equal(leaf.issuer, leaf.subject, 'self-signed');
  assert.ok(sha256Hex(leaf.der).startsWith('1717fa9d'));
  assert.equal(leaf.notAfter.toISOString(), '2025-01-22T08:36:26.000Z');
  const token = parseTimestampToken(env.unsignedAttributes.timestampSignature!);
  const ts = validateMessage(token, env.signature);
  assert.deepEqual([ts.earliest.toISOString(), ts.latest.toISOString()], ['2025-01-21T09:17:46.141Z', '2025-01-21T09:17:47.141Z']);
  assert.ok(token.certificates.some((x) => x.subject.startsWith('CN=Microsoft Public RSA Time Stamping Authority,')), token.certificates.map((x) => x.subject).join('; '));

  // Derived (the source asserts no verification): trusting the embedded signer, the pipeline runs;
  // strict stops at the signature's own expiry, and with the TSA store pointing at an unrelated
  // root the countersignature is rejected (logged at permissive).
  const leafPem = new X509Certificate(leaf.der).toString();
  const storeRoot = await tempDir('ratify-nv-ts-');
  await mkdir(join(storeRoot, 'x509', 'ca', 'testcert7'), { recursive: true });
  await writeFile(join(storeRoot, 'x509', 'ca', 'testcert7', 'testcert7.pem'), leafPem);
  await mkdir(join(storeRoot, 'x509', 'tsa', 'unrelated'), { recursive: true });
  await copyFile(vec('notation-go', 'verifier/testdata/truststore/x509/tsa/test-timestamp/globalsignRoot.cer'), join(storeRoot, 'x509', 'tsa', 'unrelated', 'root.cer'));
  const statement = { name: 'ts', registryScopes: ['*'], trustStores: ['ca:testcert7', 'tsa:unrelated'], trustedIdentities: ['*'] };
  const run = (level: string) =>
    verifyNotationSignature(
      {
        envelope: blob,
        envelopeMediaType: mediaType,
        subject: { mediaType: OCI_MANIFEST, digest: target.digest, size: target.size },
        artifactReference: `local/oci-layout@${target.digest}`,
        policy: policyOf({ ...statement, signatureVerification: { level } }),
        trustStore: new NotationTrustStore(storeRoot),
        codeSigningRevocation: offlineRevocation('codeSigning'),
        timestampingRevocation: offlineRevocation('timestamping'),
      },
      quietCtx(),
    );
  const strict = await run('strict');
  assert.equal(strict.error, 'digital signature has expired on "Tue, 21 Jan 2025 12:39:46 +0000"');
  const permissive = await run('permissive');
  assert.equal(permissive.error, undefined);
  assert.match(resultOf(permissive, 'authenticTimestamp')[0]?.error ?? '', /^failed to verify the timestamp countersignature with error: failed to verify signed token: /);

  await t.test('full timestamp verification', {
    skip: 'needs the TSA root "Microsoft Identity Verification Root CA 2020", which is in none of the source repositories',
  }, () => {});
}

async function runInvalidTimestampedInspect(c: VectorCase, t: TestContext): Promise<void> {
  const layout = vec('notation', (c.inputs as { ociLayout: string }).ociLayout);
  const { manifest, mediaType, blob } = await layoutSignature(layout, 'sha256:eee3eec7d2947f77713484753bea67879ff62c08a73a49a41151ed18c4d1c000');
  assert.equal(manifest.subject.digest, 'sha256:f1da8cd70d6d851fa2313c8d6618f79508cf1e86877edf1c0bfe49a1b0a6467a');
  // The envelope itself parses and verifies.
  const env = parseEnvelope(blob, mediaType);
  assert.equal(mediaType, 'application/jose+json');
  assert.equal(env.signatureAlgorithm, 'RSASSA-PSS-SHA-256');
  assert.equal(env.signedAttributes.signingTime.toISOString(), '2025-01-21T08:41:17.000Z');
  assert.equal(env.signedAttributes.expiry, undefined);
  assert.equal(env.certificateChain[0]!.subject, 'CN=testcert7,O=Notary,L=Seattle,ST=WA,C=US');
  assert.ok(env.unsignedAttributes.timestampSignature?.length, 'carries a countersignature');
  // ... but the countersignature is not a CMS SignedData.
  let parseError: unknown;
  try {
    parseTimestampToken(env.unsignedAttributes.timestampSignature!);
  } catch (e) {
    parseError = e;
  }
  assert.ok(parseError instanceof RatifyError, 'parsing the countersignature must fail');
  assert.match(parseError.detail, /^cms: syntax error: invalid /);

  // Through verification (any tsa store: parsing comes before the TSA roots are read).
  const storeRoot = await tempDir('ratify-nv-badts-');
  await mkdir(join(storeRoot, 'x509', 'ca', 'testcert7'), { recursive: true });
  await writeFile(join(storeRoot, 'x509', 'ca', 'testcert7', 'testcert7.pem'), new X509Certificate(env.certificateChain[0]!.der).toString());
  await mkdir(join(storeRoot, 'x509', 'tsa', 'any'), { recursive: true });
  await copyFile(vec('notation-go', 'verifier/testdata/truststore/x509/tsa/test-timestamp/globalsignRoot.cer'), join(storeRoot, 'x509', 'tsa', 'any', 'root.cer'));
  const outcome = await verifyNotationSignature(
    {
      envelope: blob,
      envelopeMediaType: mediaType,
      subject: manifest.subject as never,
      artifactReference: `local/oci-layout@${manifest.subject.digest}`,
      policy: policyOf({ name: 'ts', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:testcert7', 'tsa:any'], trustedIdentities: ['*'] }),
      trustStore: new NotationTrustStore(storeRoot),
      codeSigningRevocation: offlineRevocation('codeSigning'),
      timestampingRevocation: offlineRevocation('timestamping'),
    },
    quietCtx(),
  );
  assert.equal(resultOf(outcome, 'authenticTimestamp')[0]?.error, `failed to parse timestamp countersignature with error: ${parseError.detail}`);
  assert.equal(outcome.error, resultOf(outcome, 'authenticTimestamp')[0]?.error);
  assertReasonNames(c, 'failed to parse timestamp countersignature');
  assert.equal(c.expect, 'fail');

  // Go's cms reports the BER-to-DER structural check first; so does src/crypto/timestamp/ber.ts.
  await t.test('exact Go text of the CMS syntax error', () => {
    const goText = /"failed to parse timestamp countersignature: (cms: syntax error: [^"]+)"/.exec(reasonText(c))?.[1];
    assert.ok(goText);
    assert.equal((parseError as RatifyError).detail, goText);
  });
}

async function runBlobJwsInspect(c: VectorCase): Promise<void> {
  const bytes = await readFile(vec(c.files[0]!));
  const env = parseEnvelope(bytes, 'application/jose+json');
  assert.equal(env.signatureAlgorithm, 'RSASSA-PSS-SHA-256');
  assert.equal(env.payload.contentType, 'application/vnd.cncf.notary.payload.v1+json');
  assert.equal(env.signedAttributes.signingScheme, 'notary.x509');
  assert.equal(env.signedAttributes.signingTime.toISOString(), '2024-12-31T08:05:29.000Z');
  assert.equal(env.unsignedAttributes.signingAgent, 'notation-go/1.3.0+unreleased');
  assert.deepEqual(parsePayload(env).targetArtifact, { mediaType: 'application/octet-stream', digest: 'sha256:c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4', size: 11357 });
  const leaf = env.certificateChain[0]!;
  assert.equal(leaf.subject, 'CN=testcert2,O=Notary,L=Seattle,ST=WA,C=US');
  assert.equal(leaf.issuer, leaf.subject);
  assert.ok(sha256Hex(leaf.der).startsWith('dadee19c'));
  assert.equal(leaf.notAfter.toISOString(), '2025-01-01T08:04:39.000Z');
  const token = parseTimestampToken(env.unsignedAttributes.timestampSignature!);
  const ts = validateMessage(token, env.signature);
  assert.deepEqual([ts.earliest.toISOString(), ts.latest.toISOString()], ['2024-12-31T08:05:29.509Z', '2024-12-31T08:05:30.509Z']);
  const tsaLeaf = token.certificates.find((x) => x.subject.startsWith('CN=Microsoft Public RSA Time Stamping Authority,'));
  assert.ok(tsaLeaf && sha256Hex(tsaLeaf.raw).startsWith('93db2732'));
  // The signature itself verifies (integrity), whatever the trust.
  const { verifyIntegrity } = await import('../../../src/verifiers/notation/envelope/index.js');
  verifyIntegrity(env);
}

async function runBlobMalformed(c: VectorCase): Promise<void> {
  const bytes = await readFile(vec(c.files[0]!));
  assert.throws(
    () => parseEnvelope(bytes, 'application/jose+json'),
    (e: unknown) => e instanceof EnvelopeError && e.kind === 'malformed' && e.detail.startsWith('unable to parse the digital signature, error : '),
  );
  // notation says "failed to parse signature"; ours names the same step, and verification fails at integrity.
  assertReasonNames(c, 'failed to parse signature');
}

// ---------------------------------------------------------------------------------------------
// connaisseur: a registry fixture on a loopback docker-registry

const CONNAISSEUR = 'connaisseur/test/testdata/notation';
const CONN_REPO = 'sse-secure-systems/testimage';

/** One trust root's PEM out of connaisseur's YAML (`trustRoots: - name: <n> cert: |`). */
function trustRootPem(yaml: string, name: string): string {
  const at = yaml.indexOf(`- name: ${name}\n`);
  assert.ok(at >= 0, `trust root ${name} in the YAML`);
  const begin = yaml.indexOf('-----BEGIN CERTIFICATE-----', at);
  const end = yaml.indexOf('-----END CERTIFICATE-----', begin) + '-----END CERTIFICATE-----'.length;
  const pem = yaml.slice(begin, end).split('\n').map((l) => l.trim()).join('\n') + '\n';
  new X509Certificate(pem); // throws when the extraction is wrong
  return pem;
}

/**
 * distribution (2.8) refuses a schema2 manifest whose config and layers it does not hold
 * (MANIFEST_BLOB_UNKNOWN), and the fixture has only the manifests of the subject images. So those
 * manifests are written into the registry's filesystem storage the way the registry stores a
 * pushed manifest (blob data + revision link + tag links); the registry then serves them byte for
 * byte. Everything else is pushed through the API.
 */
async function seedManifest(reg: RegistryHandle, repo: string, bytes: Buffer, tag: string): Promise<string> {
  const hex = sha256Hex(bytes);
  const root = join(reg.dataDir, 'data', 'docker', 'registry', 'v2');
  const link = async (dir: string) => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'link'), `sha256:${hex}`);
  };
  const blobDir = join(root, 'blobs', 'sha256', hex.slice(0, 2), hex);
  await mkdir(blobDir, { recursive: true });
  await writeFile(join(blobDir, 'data'), bytes);
  const manifests = join(root, 'repositories', repo, '_manifests');
  await link(join(manifests, 'revisions', 'sha256', hex));
  await link(join(manifests, 'tags', tag, 'current'));
  await link(join(manifests, 'tags', tag, 'index', 'sha256', hex));
  const head = await registryRequest(reg, 'HEAD', `/v2/${repo}/manifests/${tag}`, { headers: { accept: DOCKER_MANIFEST } });
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['docker-content-digest'], `sha256:${hex}`);
  return `sha256:${hex}`;
}

async function loadConnaisseurFixture(reg: RegistryHandle): Promise<void> {
  const dir = vec(CONNAISSEUR, 'sse-secure-systems', 'testimage');
  const file = (p: string) => readFile(join(dir, p));
  // Subjects (docker v2 manifests whose layers are not in the fixture).
  assert.equal(await seedManifest(reg, CONN_REPO, await file('manifests/notation-sign.json'), 'notation-sign'), 'sha256:a136cc4e785798e5e8483047cf621cf0a0300a93d47703a3f066c340c070f5cf');
  assert.equal(await seedManifest(reg, CONN_REPO, await file('manifests/notation-unsign.json'), 'notation-unsign'), 'sha256:c51f6b33b43f9f234af90bf310d976ea1bec487ab00ab61bd684b0efbbc15b53');
  // The signature: empty config, the JWS blob, its manifest, then the referrers tag-schema index.
  await pushBlob(reg, CONN_REPO, Buffer.from('{}'));
  await pushBlob(reg, CONN_REPO, await file('blobs/sha256:929a0a249c4614eb8bef5a914308896e7c8c5422d508eaddfd98dfe61683e556.json'));
  const sig = 'sha256:d397b30282982b80818b2705f8d542d35158bc59d8bf42549f3e898f23d55a77';
  await pushManifest(reg, CONN_REPO, sig, OCI_MANIFEST, await file(`manifests/${sig}.json`));
  const tagIndex = 'sha256-a136cc4e785798e5e8483047cf621cf0a0300a93d47703a3f066c340c070f5cf';
  await pushManifest(reg, CONN_REPO, tagIndex, OCI_INDEX, await file(`manifests/${tagIndex}.json`));
}

interface ConnaisseurExpectation {
  tag: string;
  trustRoot: string;
  pass: boolean;
  error?: string;
  noReferrers?: boolean;
}

const CONN: Record<string, ConnaisseurExpectation> = {
  'connaisseur/notation/signed-default-cert': { tag: 'notation-sign', trustRoot: 'default', pass: true },
  'connaisseur/notation/unsigned': { tag: 'notation-unsign', trustRoot: 'default', pass: false, noReferrers: true },
  // A self-signed TLS certificate: kept by Ratify's CA-or-self-signed filter, but not the signer.
  'connaisseur/notation/signed-different-cert': { tag: 'notation-sign', trustRoot: 'different-cert', pass: false, error: UNTRUSTED },
};

// ---------------------------------------------------------------------------------------------
// The tests

const HANDLERS: Record<string, (c: VectorCase, t: TestContext) => Promise<void>> = {
  'notation-e2e/timestamped-signature/inspect': runTimestampedInspect,
  'notation-e2e/invalid-timestamped-signature/inspect': runInvalidTimestampedInspect,
  'notation-e2e/valid-multiple-signatures/discovery': runMultipleSignaturesCase,
  'notation-e2e/blob-jws/inspect': runBlobJwsInspect,
  'notation-e2e/blob-malformed/inspect': runBlobMalformed,
};

function handlerFor(c: VectorCase): ((c: VectorCase, t: TestContext) => Promise<void>) | undefined {
  if (HANDLERS[c.id]) return HANDLERS[c.id];
  if (c.id.startsWith('notation-go/mock/')) return runMockCase;
  if (c.id.startsWith('notation-go/timestamp/')) return runTimestampCase;
  if (c.id.startsWith('notation-e2e/') && c.check === 'verify') return runE2eLayoutCase;
  return undefined;
}

if (VECTORS === undefined) {
  it('notation vector cases', { skip: reportMissingVectors(41, 'notation-jws / notation-cose / oci-layout cases') }, () => {});
} else {
  describe('notation vector cases (cases.json)', () => {
    after(removeTempDirs);

    it('covers every case of the notation kinds', () => {
      assert.ok(CASES.length >= 41, `found ${CASES.length} cases`);
      for (const c of CASES) {
        if (!NOTATION_CHECKS.has(c.check)) continue;
        assert.ok(handlerFor(c) || CONN[c.id], `no handler for ${c.id}`);
      }
    });

    for (const c of CASES.filter((x) => !x.id.startsWith('connaisseur/'))) {
      if (!NOTATION_CHECKS.has(c.check)) {
        it(c.id, { skip: `check "${c.check}": ${OTHER_CHECK_REASON[c.check] ?? 'not a Notation verification check'}` }, () => {});
        continue;
      }
      it(`${c.id} [${c.check}, expect ${c.expect}]`, async (t) => {
        const h = handlerFor(c);
        assert.ok(h, `no handler for ${c.id}`);
        await h(c, t);
      });
    }

    describe('connaisseur registry fixture (loopback docker-registry, oras store)', () => {
      let reg: RegistryHandle;
      let yaml: string;
      before(async () => {
        reg = await startRegistry('open');
        await loadConnaisseurFixture(reg);
        yaml = await readFile(vec(CONNAISSEUR, '07_selfsigned_cert.yaml'), 'utf8');
      });
      after(async () => {
        await reg?.stop();
      });

      for (const c of CASES.filter((x) => x.id.startsWith('connaisseur/'))) {
        it(`${c.id} [${c.check}, expect ${c.expect}]`, async (t) => {
          const exp = CONN[c.id];
          assert.ok(exp, `no expectation for ${c.id}`);
          assert.equal(exp.pass, c.expect === 'pass');
          const dir = await tempDir('ratify-nv-conn-');
          const certFile = join(dir, `${exp.trustRoot}.pem`);
          await writeFile(certFile, trustRootPem(yaml, exp.trustRoot));
          const cfg = await writeRatifyConfig(reg);
          tempDirs.push(cfg.dir);
          const policy = { version: '1.0', trustPolicies: [{ name: 'connaisseur', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: [`ca:${exp.trustRoot}`], trustedIdentities: ['*'] }] };
          const ex = await buildExecutor(
            { config: ratifyConfig([certFile], policy, 'any', cfg.store) as never, path: undefined, raw: '' },
            { rt: { home: dir, env: {} }, log: silentLogger() },
          );
          const subject = `${reg.host}/${CONN_REPO}:${exp.tag}`;
          let o: VerifyOutcome;
          try {
            o = await ex.verify({ subject, reference: parseReference(subject) }, quietCtx(), { explain: true });
          } finally {
            await ex.close();
          }
          assert.equal(o.result.isSuccess, exp.pass, JSON.stringify(o.result));
          const reports = o.result.verifierReports as ReportElement[];
          assert.equal(reports.length, 1);
          if (exp.noReferrers) {
            assert.equal(o.error?.root.code, 'NO_VERIFIER_REPORT');
            assert.match(reports[0]!.errorReason ?? '', /^No verification results for the artifact/);
            assert.equal(o.trace?.digest, 'sha256:c51f6b33b43f9f234af90bf310d976ea1bec487ab00ab61bd684b0efbbc15b53');
            return;
          }
          assert.equal(o.trace?.digest, 'sha256:a136cc4e785798e5e8483047cf621cf0a0300a93d47703a3f066c340c070f5cf', 'the subject digest the case names');
          assert.equal(reports[0]!.referenceDigest, 'sha256:d397b30282982b80818b2705f8d542d35158bc59d8bf42549f3e898f23d55a77', 'found through the sha256-<hex> tag schema index');
          if (exp.pass) {
            const dn = 'CN=securesystems.de,OU=Defensive,O=SSE,L=Berlin,ST=Berlin,C=DE';
            assert.equal(reports[0]!.message, NOTATION_SUCCESS);
            assert.deepEqual(reports[0]!.extensions, { Issuer: dn, SN: dn });
          } else {
            assert.equal(reports[0]!.errorReason, exp.error);
          }
          t.diagnostic(`connaisseur says: ${c.reason}`);
        });
      }
    });
  });
}
