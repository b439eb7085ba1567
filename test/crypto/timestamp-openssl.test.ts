/**
 * RFC 3161 tokens made by `openssl ts -query/-reply` with a root -> CA -> TSA chain whose TSA
 * certificate has a critical timeStamping EKU.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RatifyError } from '../../src/errors.js';
import { parseTimestampToken, validateMessage, verifyTimestampToken } from '../../src/crypto/timestamp/index.js';
import { makeTsa, removeDir, tempDir, timestamp, type Tsa } from '../helpers/pki-openssl.js';

const message = Buffer.from('a notation signature value');
let dir: string;
let tsa: Tsa;
let otherTsa: Tsa;
let ecTsa: Tsa;
let token: Buffer;

before(async () => {
  dir = await tempDir('ratify-tsa-test-');
  const [a, b, c] = await Promise.all([
    makeTsa(`${dir}`),
    tempDir('ratify-tsa-other-').then((d) => makeTsa(d)),
    tempDir('ratify-tsa-ec-').then((d) => makeTsa(d, { key: 'ec' })),
  ]);
  tsa = a;
  otherTsa = b;
  ecTsa = c;
  token = await timestamp(tsa, message);
});

after(async () => {
  await removeDir(dir);
  for (const t of [otherTsa, ecTsa]) if (t) await removeDir(t.configFile.replace(/\/tsa\.cnf$/, ''));
});

function isDetail(re: RegExp, code?: string) {
  return (e: unknown) => e instanceof RatifyError && re.test(e.detail) && (code === undefined || e.code === code);
}

test('openssl token: verifies against its root, with the message', () => {
  const t = parseTimestampToken(token);
  const before = Date.now();
  const v = verifyTimestampToken(t, { roots: [tsa.root.certPem], message });
  assert.ok(Math.abs(v.genTime.getTime() - before) < 120_000, 'genTime is about now');
  assert.equal(v.accuracyMs, 1500); // accuracy = secs:1, millisecs:500
  assert.equal(v.latest.getTime() - v.genTime.getTime(), 1500);
  assert.equal(v.tstInfo.policy, '1.2.3.4.1');
  assert.deepEqual(
    v.signerChain.map((c) => c.subject),
    ['CN=ratify-ts Test TSA,O=ratify-ts', 'CN=ratify-ts Test TSA CA,O=ratify-ts', 'CN=ratify-ts Test TSA Root,O=ratify-ts'],
  );
  // The same token without the message: signature and chain only.
  assert.equal(verifyTimestampToken(t, { roots: [tsa.root.certDer] }).signingCertificate.subject, 'CN=ratify-ts Test TSA,O=ratify-ts');
});

test('openssl token: a different message fails', () => {
  const t = parseTimestampToken(token);
  assert.throws(() => validateMessage(t, Buffer.from('something else')), isDetail(/^invalid TSTInfo: mismatched message$/));
  assert.throws(
    () => verifyTimestampToken(t, { roots: [tsa.root.certPem], message: Buffer.from('x') }),
    isDetail(/^invalid TSTInfo: mismatched message$/, 'VERIFY_REFERENCE_FAILURE'),
  );
});

test('openssl token: a root of another TSA does not verify it', () => {
  const t = parseTimestampToken(token);
  assert.throws(
    () => verifyTimestampToken(t, { roots: [otherTsa.root.certPem], message }),
    isDetail(/^failed to verify signed token: cms verification failure: x509: certificate signed by unknown authority/, 'CERT_INVALID'),
  );
  // The TSA's own intermediate is not a root either: roots are trust anchors, not the token's certs.
  assert.throws(
    () => verifyTimestampToken(t, { roots: [otherTsa.intermediate.certPem], message }),
    isDetail(/certificate signed by unknown authority/),
  );
});

test('openssl token: tampering is detected', () => {
  // 1. A flipped bit in the RSA signature (the last bytes of the token).
  const badSig = Buffer.from(token);
  badSig[badSig.length - 5] = (badSig[badSig.length - 5] as number) ^ 0x01;
  assert.throws(
    () => verifyTimestampToken(parseTimestampToken(badSig), { roots: [tsa.root.certPem], message }),
    isDetail(/^failed to verify signed token: cms verification failure: crypto\/rsa: verification error$/),
  );

  // 2. A changed message imprint inside TSTInfo: the imprint no longer matches, and the signed
  //    messageDigest attribute no longer matches the content.
  const imprint = createHash('sha256').update(message).digest();
  const at = token.indexOf(imprint);
  assert.ok(at > 0, 'imprint found in token');
  const badContent = Buffer.from(token);
  badContent[at] = (badContent[at] as number) ^ 0xff;
  const t2 = parseTimestampToken(badContent);
  assert.throws(() => validateMessage(t2, message), isDetail(/^invalid TSTInfo: mismatched message$/));
  assert.throws(
    () => verifyTimestampToken(t2, { roots: [tsa.root.certPem] }),
    isDetail(/^failed to verify signed token: cms verification failure: mismatch message digest$/),
  );

  // 3. Truncated bytes do not parse.
  assert.throws(() => parseTimestampToken(token.subarray(0, token.length - 40)), isDetail(/^cms: syntax error: /));
  assert.throws(() => parseTimestampToken(Buffer.from('not a token')), isDetail(/^cms: syntax error: /));
});

test('openssl token: the TSA chain must be valid at the verification time', () => {
  const t = parseTimestampToken(token);
  const later = new Date(Date.now() + 45 * 86_400_000); // the TSA certificate lives 40 days
  assert.throws(
    () => verifyTimestampToken(t, { roots: [tsa.root.certPem], atTime: later }),
    isDetail(/x509: certificate has expired or is not yet valid: current time .* is after /, 'CERT_INVALID'),
  );
  // A chain must allow timestamping: asking for code signing instead fails on the EKU.
  assert.throws(
    () => verifyTimestampToken(t, { roots: [tsa.root.certPem], keyUsages: ['1.3.6.1.5.5.7.3.3'] }),
    isDetail(/x509: certificate specifies an incompatible key usage/),
  );
});

test('openssl token: SHA-384 and SHA-512 imprints, and an ECDSA TSA key', async () => {
  for (const digest of ['sha384', 'sha512'] as const) {
    const t = parseTimestampToken(await timestamp(tsa, message, { digest }));
    assert.equal(verifyTimestampToken(t, { roots: [tsa.root.certPem], message }).accuracyMs, 1500);
  }
  const ec = parseTimestampToken(await timestamp(ecTsa, message));
  const v = verifyTimestampToken(ec, { roots: [ecTsa.root.certPem], message });
  assert.equal(v.signingCertificate.publicKey.asymmetricKeyType, 'ec');
  // An ECDSA signature with a flipped bit.
  const raw = Buffer.from(ec.raw);
  const sigAt = raw.length - 10;
  raw[sigAt] = (raw[sigAt] as number) ^ 0x01;
  assert.throws(
    () => verifyTimestampToken(parseTimestampToken(raw), { roots: [ecTsa.root.certPem], message }),
    isDetail(/^failed to verify signed token: cms verification failure: x509: ECDSA verification failure$/),
  );
});

test('openssl token: roots are required', () => {
  const t = parseTimestampToken(token);
  assert.throws(
    () => verifyTimestampToken(t, { roots: [] }),
    isDetail(/^failed to verify signed token: tsa root certificate pool cannot be nil$/),
  );
});
