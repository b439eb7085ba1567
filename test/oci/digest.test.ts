import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RatifyError } from '../../src/errors.js';
import { Digester, digestOf, digestToTag, isDigest, parseDigest, verifyDigest } from '../../src/oci/digest.js';

const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const EMPTY_SHA384 =
  'sha384:38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b';
const EMPTY_SHA512 =
  'sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';
/** The 2-byte "{}" blob: the OCI empty descriptor's digest. */
const EMPTY_JSON_SHA256 = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

describe('parseDigest', () => {
  const valid: Array<[string, string, string]> = [
    [EMPTY_SHA256, 'sha256', EMPTY_SHA256.slice(7)],
    [EMPTY_SHA384, 'sha384', EMPTY_SHA384.slice(7)],
    [EMPTY_SHA512, 'sha512', EMPTY_SHA512.slice(7)],
    [`sha256:${'0'.repeat(64)}`, 'sha256', '0'.repeat(64)],
  ];
  for (const [d, algorithm, hex] of valid) {
    it(`accepts ${d.slice(0, 20)}…`, () => assert.deepEqual(parseDigest(d), { algorithm, hex }));
  }

  // go-digest: known algorithm, lower-case hex of exactly the algorithm's length.
  const invalid: Array<[string, RegExp]> = [
    ['', /format/],
    ['sha256', /format/],
    ['sha256:', /format/],
    [':' + 'a'.repeat(64), /format/],
    ['sha256:' + 'a'.repeat(63), /length/],
    ['sha256:' + 'a'.repeat(65), /length/],
    ['sha256:' + 'A'.repeat(64), /length or format/],
    ['sha256:' + 'g'.repeat(64), /length or format/],
    ['sha256:' + 'a'.repeat(62) + ' a', /length or format/],
    ['sha512:' + 'a'.repeat(64), /length/],
    ['sha384:' + 'a'.repeat(64), /length/],
    ['SHA256:' + 'a'.repeat(64), /format/],
    ['sha1:' + 'a'.repeat(40), /unsupported digest algorithm/],
    ['md5:' + 'a'.repeat(32), /unsupported digest algorithm/],
    ['blake3:' + 'a'.repeat(64), /unsupported digest algorithm/],
    ['sha256+b64u:' + 'a'.repeat(43), /unsupported digest algorithm/],
    // Inherited object keys are not algorithms.
    ['constructor:' + 'a'.repeat(64), /unsupported digest algorithm/],
    ['tostring:' + 'a'.repeat(64), /unsupported digest algorithm/],
    ['-sha256:' + 'a'.repeat(64), /format/],
    ['sha256::' + 'a'.repeat(64), /length or format/],
    ['sha256:' + 'a'.repeat(64) + '\n', /length/],
  ];
  for (const [d, re] of invalid) {
    it(`rejects ${JSON.stringify(d.slice(0, 24))}`, () => assert.throws(() => parseDigest(d), re));
  }
  it('rejects non-strings', () => {
    for (const v of [undefined, null, 1, {}, ['sha256:' + 'a'.repeat(64)]]) {
      assert.throws(() => parseDigest(v as unknown as string), /format/);
    }
  });
});

describe('isDigest', () => {
  it('is a type guard that never throws', () => {
    assert.equal(isDigest(EMPTY_SHA256), true);
    assert.equal(isDigest(EMPTY_SHA512), true);
    for (const v of [undefined, null, 0, {}, '', 'sha256:abc', `sha256:${'A'.repeat(64)}`, `constructor:${'a'.repeat(64)}`]) {
      assert.equal(isDigest(v), false);
    }
  });
});

describe('digestOf', () => {
  it('computes sha256 by default and the other algorithms on request', () => {
    const empty = new Uint8Array();
    assert.equal(digestOf(empty), EMPTY_SHA256);
    assert.equal(digestOf(empty, 'sha256'), EMPTY_SHA256);
    assert.equal(digestOf(empty, 'sha384'), EMPTY_SHA384);
    assert.equal(digestOf(empty, 'sha512'), EMPTY_SHA512);
    assert.equal(digestOf(new TextEncoder().encode('{}')), EMPTY_JSON_SHA256);
  });
  it('hashes exactly the view it is given (subarray of a larger buffer)', () => {
    const big = Buffer.from('xx{}yy');
    assert.equal(digestOf(big.subarray(2, 4)), EMPTY_JSON_SHA256);
  });
  it('always produces a valid digest', () => {
    for (const alg of ['sha256', 'sha384', 'sha512'] as const) {
      assert.equal(isDigest(digestOf(Buffer.from('ratify'), alg)), true);
    }
  });
});

describe('Digester', () => {
  it('matches digestOf when fed in chunks', () => {
    const data = Buffer.alloc(100_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    for (const alg of ['sha256', 'sha384', 'sha512'] as const) {
      const dg = new Digester(alg);
      for (let off = 0; off < data.length; off += 4093) dg.update(data.subarray(off, off + 4093));
      assert.equal(dg.algorithm, alg);
      assert.equal(dg.digest(), digestOf(data, alg));
    }
  });
  it('gives the empty digest with no input', () => {
    assert.equal(new Digester('sha256').digest(), EMPTY_SHA256);
  });
  it('agrees with node:crypto', () => {
    const dg = new Digester('sha512');
    dg.update(Buffer.from('a'));
    dg.update(Buffer.from('b'));
    assert.equal(dg.digest(), `sha512:${createHash('sha512').update('ab').digest('hex')}`);
  });
});

describe('verifyDigest', () => {
  const data = new TextEncoder().encode('{}');
  it('accepts matching content for every algorithm', () => {
    verifyDigest(data, EMPTY_JSON_SHA256, 'config');
    verifyDigest(data, digestOf(data, 'sha384'), 'config');
    verifyDigest(data, digestOf(data, 'sha512'), 'config');
  });
  it('rejects a mismatch with GET_BLOB_CONTENT_FAILURE naming both digests', () => {
    assert.throws(
      () => verifyDigest(data, EMPTY_SHA256, 'blob x'),
      (e: unknown) =>
        e instanceof RatifyError &&
        e.code === 'GET_BLOB_CONTENT_FAILURE' &&
        e.detail === 'digest mismatch for blob x' &&
        e.message.includes(EMPTY_SHA256) &&
        e.message.includes(EMPTY_JSON_SHA256),
    );
  });
  it('compares with the algorithm of the expected digest', () => {
    assert.throws(() => verifyDigest(data, EMPTY_SHA512, 'blob'), (e: unknown) => e instanceof RatifyError);
  });
  it('rejects an invalid expected digest with a RatifyError, not a bare Error', () => {
    for (const bad of ['', 'sha256:abc', `SHA256:${EMPTY_SHA256.slice(7)}`, `md5:${'a'.repeat(32)}`, EMPTY_SHA256.toUpperCase()]) {
      assert.throws(
        () => verifyDigest(data, bad, 'blob'),
        (e: unknown) => e instanceof RatifyError && e.code === 'GET_BLOB_CONTENT_FAILURE' && /invalid digest for blob/.test(e.message),
      );
    }
  });
});

describe('digestToTag', () => {
  it('maps "<alg>:<hex>" to the referrers tag schema "<alg>-<hex>"', () => {
    assert.equal(digestToTag(EMPTY_SHA256), `sha256-${EMPTY_SHA256.slice(7)}`);
    assert.equal(digestToTag(EMPTY_SHA512), `sha512-${EMPTY_SHA512.slice(7)}`);
  });
  it('produces a valid tag for sha256 (71 characters)', () => {
    const tag = digestToTag(EMPTY_SHA256);
    assert.equal(tag.length, 71);
    assert.match(tag, /^[\w][\w.-]{0,127}$/);
  });
  it('refuses invalid digests', () => {
    assert.throws(() => digestToTag('sha256:abc'));
    assert.throws(() => digestToTag(`sha256:${'A'.repeat(64)}`));
  });
});
