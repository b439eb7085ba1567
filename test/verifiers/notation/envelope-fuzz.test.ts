import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { EnvelopeError, parseEnvelope, verifyIntegrity } from '../../../src/verifiers/notation/envelope/index.js';
import { selfSignedSigner, signCose, signJws } from '../../helpers/notation-sign.js';
// Small deterministic PRNG (mulberry32) so failures reproduce.
import { prng } from '../../fuzz/replay.js';

/**
 * Hostile input: whatever the bytes, parsing and verification must end in an EnvelopeError
 * (or, for harmless mutations of unsigned parts, succeed without changing signed content),
 * quickly, and never with a different exception type.
 */

const JWS = 'application/jose+json';
const COSE = 'application/cose';

type Outcome = { ok: true; payload: Buffer; signingTime: number } | { ok: false; error: EnvelopeError };

function attempt(bytes: Buffer, mediaType: string): Outcome {
  try {
    const env = parseEnvelope(bytes, mediaType);
    verifyIntegrity(env);
    return { ok: true, payload: env.payload.bytes, signingTime: env.signedAttributes.signingTime.getTime() };
  } catch (e) {
    if (!(e instanceof EnvelopeError)) {
      assert.fail(`non-envelope error for ${mediaType} input ${bytes.subarray(0, 64).toString('hex')}…: ${e instanceof Error ? e.stack : String(e)}`);
    }
    return { ok: false, error: e };
  }
}

/**
 * Runs a hostile case. Speed is not asserted here (timings belong in bench/); a parser that
 * hangs or goes quadratic is caught by the test runner's timeout on the suite instead.
 */
function timed<T>(_limitMs: number, _what: string, fn: () => T): T {
  return fn();
}

describe('envelope fuzzing', { timeout: 120_000 }, () => {
  const samples: { mediaType: string; bytes: Buffer; payload: Buffer; signingTime: number }[] = [];
  before(async () => {
    for (const kind of ['P-256', 'RSA-2048'] as const) {
      const signer = await selfSignedSigner(kind);
      const spec = { signer, signingAgent: 'fuzz', expiry: new Date(Date.now() + 86_400_000), extendedAttributes: [{ key: 'a', value: { b: [1, 2] }, critical: true }] };
      for (const [mediaType, bytes] of [
        [JWS, signJws(spec)],
        [COSE, signCose(spec)],
      ] as const) {
        const r = attempt(bytes, mediaType);
        assert.ok(r.ok, 'sample verifies');
        samples.push({ mediaType, bytes, payload: r.payload, signingTime: r.signingTime });
      }
    }
  });

  it('every truncation fails cleanly', () => {
    for (const s of samples) {
      timed(10_000, `truncations of ${s.mediaType}`, () => {
        for (let n = 0; n < s.bytes.length; n++) assert.equal(attempt(s.bytes.subarray(0, n), s.mediaType).ok, false, `prefix ${n}`);
      });
    }
  });

  it('bit flips either fail or leave the signed content unchanged', () => {
    const rnd = prng(0x5eed);
    for (const s of samples) {
      for (let i = 0; i < 250; i++) {
        const b = Buffer.from(s.bytes);
        const flips = 1 + Math.floor(rnd() * 3);
        for (let k = 0; k < flips; k++) b[Math.floor(rnd() * b.length)]! ^= 1 << Math.floor(rnd() * 8);
        const r = attempt(b, s.mediaType);
        if (r.ok) {
          assert.ok(r.payload.equals(s.payload), 'a verifying mutation must not change the payload');
          assert.equal(r.signingTime, s.signingTime);
        }
      }
    }
  });

  it('random byte strings and random splices fail cleanly', () => {
    const rnd = prng(42);
    for (let i = 0; i < 600; i++) {
      const len = Math.floor(rnd() * 2048);
      const b = Buffer.alloc(len);
      for (let k = 0; k < len; k++) b[k] = Math.floor(rnd() * 256);
      // Give the decoders a foothold: a JSON brace or the COSE tag in front.
      if (i % 3 === 1) b.write('{"payload":"', 0);
      if (i % 3 === 2 && len > 2) b.set([0xd2, 0x84], 0);
      attempt(b, JWS);
      attempt(b, COSE);
    }
    for (const s of samples) {
      for (let i = 0; i < 200; i++) {
        const at = Math.floor(rnd() * s.bytes.length);
        const len = Math.floor(rnd() * 64);
        const junk = Buffer.alloc(len);
        for (let k = 0; k < len; k++) junk[k] = Math.floor(rnd() * 256);
        attempt(Buffer.concat([s.bytes.subarray(0, at), junk, s.bytes.subarray(at + Math.floor(rnd() * 64))]), s.mediaType);
      }
    }
  });

  it('deeply nested JSON fails fast, wherever it is', async () => {
    const depth = 1_000_000;
    const deep = '['.repeat(depth) + ']'.repeat(depth);
    const e = timed(3000, 'nested envelope', () => attempt(Buffer.from(deep), JWS));
    assert.ok(!e.ok && /exceeded max depth/.test(e.error.detail), !e.ok ? e.error.detail : '');
    // Inside the (base64url) protected header and the payload, where golang-jwt decodes it.
    const signer = await selfSignedSigner('P-256');
    const nested = `{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const inHeader = signJws({ signer }, { protectedJson: nested });
    const r1 = timed(3000, 'nested protected header', () => attempt(inHeader, JWS));
    assert.ok(!r1.ok && /exceeded max depth/.test(r1.error.detail));
    const inPayload = signJws({ signer, payload: Buffer.from(nested) });
    const r2 = timed(3000, 'nested payload', () => attempt(inPayload, JWS));
    assert.ok(!r2.ok && /exceeded max depth/.test(r2.error.detail));
  });

  it('huge JSON inputs stay within the size limit and time', () => {
    const many = `{${Array.from({ length: 150_000 }, (_, i) => `"k${i}":1`).join(',')}}`;
    assert.ok(many.length < 2 * 1024 * 1024);
    const r = timed(3000, '150k keys', () => attempt(Buffer.from(many), JWS));
    assert.ok(!r.ok);
    const longString = Buffer.from(`{"payload":"${'A'.repeat(2 * 1024 * 1024 - 20)}"}`);
    timed(3000, 'long string', () => assert.ok(!attempt(longString, JWS).ok));
    const tooBig = Buffer.alloc(3 * 1024 * 1024, 0x20);
    const big = timed(50, 'oversized', () => attempt(tooBig, JWS));
    assert.ok(!big.ok && /exceeds the limit/.test(big.error.detail));
  });

  it('CBOR with lying lengths, deep nesting and many elements fails fast', () => {
    const tag = Buffer.from([0xd2, 0x84]);
    const cases: [string, Buffer][] = [
      ['array of 2^32-1 elements', Buffer.concat([tag, Buffer.from([0x40, 0x9a, 0xff, 0xff, 0xff, 0xff])])],
      ['map of 2^64-1 pairs', Buffer.concat([tag, Buffer.from([0x40, 0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])])],
      ['bstr of 2^63 bytes', Buffer.concat([tag, Buffer.from([0x5b, 0x80, 0, 0, 0, 0, 0, 0, 0])])],
      ['text of 2^31 bytes', Buffer.concat([tag, Buffer.from([0x40, 0xa1, 0x01, 0x7a, 0x80, 0, 0, 0])])],
      ['nested arrays', Buffer.concat([tag, Buffer.from([0x40, 0xa1, 0x01]), Buffer.alloc(1_000_000, 0x81), Buffer.from([0x00])])],
      ['nested tags', Buffer.concat([tag, Buffer.from([0x40]), Buffer.alloc(1_000_000, 0xc1)])],
      ['indefinite bstr', Buffer.concat([tag, Buffer.from([0x5f, 0x41, 0x00, 0xff])])],
      ['reserved info', Buffer.concat([tag, Buffer.from([0x1c])])],
      ['break outside', Buffer.concat([tag, Buffer.from([0xff])])],
    ];
    for (const [name, bytes] of cases) {
      const r = timed(2000, name, () => attempt(bytes, COSE));
      assert.ok(!r.ok, name);
    }
    // Nested maps inside the protected header bstr hit the same limits.
    const inner = Buffer.concat([Buffer.from([0xa1, 0x01]), Buffer.alloc(100_000, 0x81), Buffer.from([0x00])]);
    const head = inner.length < 0x10000 ? Buffer.from([0x59, inner.length >> 8, inner.length & 0xff]) : Buffer.from([0x5a, (inner.length >>> 24) & 0xff, (inner.length >>> 16) & 0xff, (inner.length >>> 8) & 0xff, inner.length & 0xff]);
    const r = timed(2000, 'nested protected', () => attempt(Buffer.concat([tag, head, inner, Buffer.from([0xa0, 0x40, 0x41, 0x00])]), COSE));
    assert.ok(!r.ok && /exceeded max nested level 32/.test(r.error.detail), !r.ok ? r.error.detail : '');
    // 200k map entries in the unprotected header exceed go-cose's element limit.
    const pairs = 200_000;
    const entries = Buffer.alloc(pairs * 6);
    for (let i = 0; i < pairs; i++) {
      entries[i * 6] = 0x1a; // uint32 key
      entries.writeUInt32BE(i, i * 6 + 1);
      entries[i * 6 + 5] = 0x00;
    }
    const mapHead = Buffer.from([0xba, (pairs >>> 24) & 0xff, (pairs >>> 16) & 0xff, (pairs >>> 8) & 0xff, pairs & 0xff]);
    const many = timed(3000, 'many pairs', () => attempt(Buffer.concat([tag, Buffer.from([0x40]), mapHead, entries, Buffer.from([0x40, 0x41, 0])]), COSE));
    assert.ok(!many.ok && /exceeded max number of key-value pairs 131072/.test(many.error.detail), !many.ok ? many.error.detail : '');
  });
});
