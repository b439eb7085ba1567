/**
 * Every `timestamp-rfc3161` case of the shared vectors (tspclient-go testdata): roots
 * GlobalSignRootCA.crt, message "notation". The step exercised follows the case's `check`:
 * parse | tstinfo (TSTInfo decode + message imprint) | signing-certificate / verify (signed token).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { RatifyError } from '../../src/errors.js';
import {
  getTSTInfo,
  parseTimestampToken,
  validateMessage,
  verifyTimestampToken,
  type TimestampToken,
} from '../../src/crypto/timestamp/index.js';
import { skipUnlessVectors, vectorPath, vectorsDir } from '../harness/vectors.js';

interface VectorCase {
  id: string;
  kind: string;
  check: string;
  expect: 'pass' | 'fail';
  reason: string;
  files: string[];
  inputs: { token: string; tsaRoots: string[]; message: string };
}

const EXPECTED_CASES = 11;

function loadCases(): VectorCase[] {
  const dir = vectorsDir();
  if (dir === undefined || !existsSync(vectorPath('cases.json'))) return [];
  const all = JSON.parse(readFileSync(vectorPath('cases.json'), 'utf8')) as { cases: VectorCase[] };
  return all.cases.filter((c) => c.kind === 'timestamp-rfc3161');
}

/** The error text a failing case quotes ("..."), if any. */
function quoted(reason: string): string | undefined {
  const a = reason.indexOf('"');
  const b = reason.lastIndexOf('"');
  return a >= 0 && b > a ? reason.slice(a + 1, b).replace(/\\"/g, '"') : undefined;
}

/** Case inputs are paths inside the source repository (tspclient-go/). */
function caseFile(inputPath: string): string {
  return vectorPath('tspclient-go', inputPath);
}

function expectFailure(fn: () => unknown, c: VectorCase): RatifyError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof RatifyError, `${c.id}: expected a RatifyError, got ${String(caught)}`);
  const text = quoted(c.reason);
  if (text !== undefined) {
    assert.ok(caught.detail.includes(text), `${c.id}: error "${caught.detail}" does not contain "${text}"`);
  }
  return caught;
}

const cases = loadCases();
const skip = skipUnlessVectors(EXPECTED_CASES, 'timestamp-rfc3161');

test('the vectors hold all timestamp-rfc3161 cases', { skip }, () => {
  assert.equal(cases.length, EXPECTED_CASES);
});

for (const c of cases) {
  test(`${c.id} (${c.check}, expect ${c.expect})`, { skip }, () => {
    const tokenBytes = readFileSync(caseFile(c.inputs.token));
    const roots = c.inputs.tsaRoots.map((r) => readFileSync(caseFile(r), 'utf8'));
    const message = Buffer.from(c.inputs.message);

    if (c.check === 'parse') {
      assert.equal(c.expect, 'fail');
      expectFailure(() => parseTimestampToken(tokenBytes), c);
      return;
    }
    const token: TimestampToken = parseTimestampToken(tokenBytes);

    if (c.check === 'tstinfo') {
      assert.equal(c.expect, 'fail');
      const err = expectFailure(() => validateMessage(token, message), c);
      if (quoted(c.reason) === undefined) {
        // "TSTInfo cannot be unmarshalled (genTime has wrong ASN.1 tag)"
        assert.match(err.detail, /^cannot unmarshal TSTInfo from timestamp token: asn1: structure error: .*genTime/);
        assert.throws(() => getTSTInfo(token), /cannot unmarshal TSTInfo/);
      }
      return;
    }

    if (c.expect === 'fail') {
      const err = expectFailure(() => verifyTimestampToken(token, { roots }), c);
      assert.match(err.detail, /^failed to verify signed token: /);
      return;
    }

    // The one passing case: TimeStampToken.p7s.
    const verified = verifyTimestampToken(token, { roots, message });
    assert.equal(verified.genTime.toISOString(), '2021-09-17T14:09:10.000Z');
    assert.equal(verified.accuracyMs, 1000);
    assert.equal(verified.earliest.toISOString(), '2021-09-17T14:09:09.000Z');
    assert.equal(verified.latest.toISOString(), '2021-09-17T14:09:11.000Z');
    assert.equal(verified.signingCertificate.subject, 'CN=Globalsign TSA for Advanced - G4,O=GlobalSign nv-sa,C=BE');
    assert.deepEqual(
      verified.signerChain.map((x) => x.subject),
      [
        'CN=Globalsign TSA for Advanced - G4,O=GlobalSign nv-sa,C=BE',
        'CN=GlobalSign Timestamping CA - SHA384 - G4,O=GlobalSign nv-sa,C=BE',
        'CN=GlobalSign,OU=GlobalSign Root CA - R6,O=GlobalSign',
        'CN=GlobalSign,OU=GlobalSign Root CA - R3,O=GlobalSign',
      ],
    );
    const ts = validateMessage(token, message);
    assert.equal(ts.genTime.toISOString(), '2021-09-17T14:09:10.000Z');
    assert.throws(
      () => validateMessage(token, Buffer.from('invalid')),
      (e: unknown) => e instanceof RatifyError && e.detail === 'invalid TSTInfo: mismatched message',
    );
    assert.throws(
      () => verifyTimestampToken(token, { roots, message: Buffer.from('invalid') }),
      (e: unknown) => e instanceof RatifyError && e.detail === 'invalid TSTInfo: mismatched message',
    );
  });
}

test('tspclient-go TimeStampToken: chain validity is judged at genTime, not now', { skip }, () => {
  const token = parseTimestampToken(readFileSync(vectorPath('tspclient-go', 'testdata', 'TimeStampToken.p7s')));
  const roots = [readFileSync(vectorPath('tspclient-go', 'testdata', 'GlobalSignRootCA.crt'), 'utf8')];
  // After R3/R6 expire (2029) the chain no longer verifies at that time (Go reports the expired
  // candidate as the hint of an unknown-authority error)...
  assert.throws(
    () => verifyTimestampToken(token, { roots, atTime: new Date('2030-01-01T00:00:00Z') }),
    (e: unknown) =>
      e instanceof RatifyError &&
      e.code === 'CERT_INVALID' &&
      e.detail.startsWith('failed to verify signed token: cms verification failure: x509: certificate signed by unknown authority') &&
      e.detail.includes('certificate has expired or is not yet valid'),
  );
  // ...and before the TSA certificate was issued the leaf itself is rejected.
  assert.throws(
    () => verifyTimestampToken(token, { roots, atTime: new Date('2020-01-01T00:00:00Z') }),
    (e: unknown) =>
      e instanceof RatifyError &&
      /^failed to verify signed token: cms verification failure: x509: certificate has expired or is not yet valid: current time 2020-01-01T00:00:00Z is before 2021-05-27T09:55:23Z$/.test(
        e.detail,
      ),
  );
  // ...and with an unrelated root it does not chain at all.
  const other = readFileSync(vectorPath('notation', 'test', 'e2e', 'testdata', 'config', 'crl', 'root.crt'), 'utf8');
  assert.throws(
    () => verifyTimestampToken(token, { roots: [other] }),
    (e: unknown) => e instanceof RatifyError && e.detail.includes('x509: certificate signed by unknown authority'),
  );
  assert.throws(
    () => verifyTimestampToken(token, { roots: [] }),
    (e: unknown) => e instanceof RatifyError && e.detail === 'failed to verify signed token: tsa root certificate pool cannot be nil',
  );
});

test('BER structure check (tspclient-go ConvertToDER errors): reports Go’s texts for broken lengths and accepts well-formed input', async () => {
    const { berStructureError } = await import('../../src/crypto/timestamp/ber.js');
    assert.equal(berStructureError(new Uint8Array([])), 'asn1: syntax error: BER-encoded ASN.1 data structures is empty');
    assert.match(berStructureError(new Uint8Array([0x30, 0x05, 0x02, 0x01]))!, /short form length octets value should be less or equal/);
    assert.match(berStructureError(new Uint8Array([0x30, 0x80, 0x00, 0x00]))!, /asn1: structure error: .*indefinite length not supported/);
    assert.match(berStructureError(new Uint8Array([0x30, 0x85, 1, 1, 1, 1, 1, 0]))!, /cannot exceed 4 bytes/);
    assert.match(berStructureError(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01, 0xff]))!, /length octets value 3 does not match with content length 4/);
    assert.equal(berStructureError(new Uint8Array([0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x05, 0x05])), 'asn1: syntax error: decoding BER length octets: short form length octets value should be less or equal to the subsequent octets length');
  assert.equal(berStructureError(new Uint8Array([0x30, 0x06, 0x02, 0x01, 0x01, 0x30, 0x01, 0x05])), 'asn1: syntax error: decoding BER identifier octets: early EOF due to missing length and content octets');
    assert.equal(berStructureError(new Uint8Array([0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x05])), undefined);
    // Deep nesting is walked without recursion.
    const deep = [];
    for (let i = 0; i < 50_000; i++) deep.push(0x30, 0x80);
    assert.match(berStructureError(new Uint8Array(deep))!, /indefinite length/);
});
