import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { constants, sign as cryptoSign } from 'node:crypto';
import { createRequire } from 'node:module';
import * as jose from 'jose';
import { Tag } from 'cbor-x';
import {
  EnvelopeError,
  parseEnvelope,
  parsePayload,
  unknownCriticalAttributes,
  verifyIntegrity,
  type SignatureEnvelope,
} from '../../../src/verifiers/notation/envelope/index.js';
import { decodeSign1, toBeSigned, verifySignature } from '../../../src/verifiers/notation/envelope/cose-sign1.js';
import {
  caSigner,
  makeCert,
  sampleDescriptor,
  selfSignedSigner,
  sharedKey,
  signCose,
  signJws,
  type EnvelopeSpec,
  type KeyKind,
  type TestSigner,
} from '../../helpers/notation-sign.js';

interface CoseJs {
  sign: {
    verify(msg: Buffer, verifier: { key: Record<string, unknown> }): Promise<Buffer>;
    create(headers: { p: Record<string, unknown>; u: Record<string, unknown> }, payload: Buffer, signer: { key: Record<string, unknown> }): Promise<Buffer>;
  };
}
const cose = createRequire(import.meta.url)('cose-js') as CoseJs;

const JWS = 'application/jose+json';
const COSE = 'application/cose';

function envelopeError(fn: () => unknown): EnvelopeError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof EnvelopeError, `expected EnvelopeError, got ${e instanceof Error ? e.stack : String(e)}`);
    assert.equal(e.code, 'VERIFY_REFERENCE_FAILURE');
    return e;
  }
  assert.fail('expected an envelope error');
}

const parseAndVerify = (bytes: Buffer, mediaType: string): SignatureEnvelope => {
  const env = parseEnvelope(bytes, mediaType);
  verifyIntegrity(env);
  return env;
};

const FORMATS = [
  { name: 'JWS', mediaType: JWS, sign: signJws },
  { name: 'COSE', mediaType: COSE, sign: signCose },
] as const;

describe('self-made envelopes: sign → parse → verifyIntegrity', () => {
  const kinds: [KeyKind, string][] = [
    ['RSA-2048', 'RSASSA-PSS-SHA-256'],
    ['RSA-3072', 'RSASSA-PSS-SHA-384'],
    ['P-256', 'ECDSA-SHA-256'],
    ['P-384', 'ECDSA-SHA-384'],
    ['P-521', 'ECDSA-SHA-512'],
  ];
  for (const f of FORMATS) {
    for (const [kind, alg] of kinds) {
      it(`${f.name} ${kind} → ${alg}, all attributes round-trip`, async () => {
        const signer = await selfSignedSigner(kind);
        const target = { ...sampleDescriptor('image'), annotations: { 'io.wabbit-networks.buildId': '123' } };
        const signingTime = new Date('2024-01-02T03:04:05Z');
        const expiry = new Date('2030-01-01T00:00:00Z');
        const tst = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]);
        const env = parseAndVerify(
          f.sign({
            signer,
            target,
            signingTime,
            expiry,
            signingAgent: 'ratify-ts-test/1.0',
            timestampSignature: tst,
            extendedAttributes: [
              { key: 'com.example.crit', value: 'v1', critical: true },
              { key: 'com.example.plain', value: 'v2' },
            ],
          }),
          f.mediaType,
        );
        assert.equal(env.mediaType, f.mediaType);
        assert.equal(env.signatureAlgorithm, alg);
        assert.equal(env.signedAttributes.signingScheme, 'notary.x509');
        assert.equal(env.signedAttributes.signingTime.getTime(), signingTime.getTime());
        assert.equal(env.signedAttributes.expiry?.getTime(), expiry.getTime());
        assert.equal(env.signedAttributes.authenticSigningTime, undefined);
        assert.deepEqual(
          env.signedAttributes.extendedAttributes.map((a) => [a.key, a.critical, a.value]).sort(),
          [
            ['com.example.crit', true, 'v1'],
            ['com.example.plain', false, 'v2'],
          ],
        );
        assert.equal(env.unsignedAttributes.signingAgent, 'ratify-ts-test/1.0');
        assert.ok(env.unsignedAttributes.timestampSignature?.equals(tst));
        assert.deepEqual(parsePayload(env).targetArtifact, target);
        assert.deepEqual(unknownCriticalAttributes(env, []), ['com.example.crit']);
        assert.deepEqual(unknownCriticalAttributes(env, ['com.example.crit']), []);
      });
    }

    it(`${f.name}: CA-issued chain with the signingAuthority scheme`, async () => {
      const signer = await caSigner('P-256');
      const t = new Date('2024-05-06T07:08:09Z');
      const env = parseAndVerify(f.sign({ signer, signingScheme: 'notary.x509.signingAuthority', signingTime: t }), f.mediaType);
      assert.equal(env.signedAttributes.signingScheme, 'notary.x509.signingAuthority');
      assert.equal(env.signedAttributes.authenticSigningTime?.getTime(), t.getTime());
      assert.equal(env.signedAttributes.signingTime.getTime(), t.getTime());
      assert.deepEqual(
        env.certificateChain.map((c) => c.subject),
        ['CN=Test Leaf,O=Notary,C=US', 'CN=Test Root,O=Notary,C=US'],
      );
    });

    it(`${f.name}: a tampered payload or signature fails integrity`, async () => {
      const signer = await selfSignedSigner('P-256');
      const other = await selfSignedSigner('RSA-2048');
      const good = f.sign({ signer });
      const badSig = f.mediaType === JWS ? 'crypto/ecdsa: verification error' : 'verification error';
      // Same headers and key, different payload: swap in the other envelope's payload bytes.
      const env = parseEnvelope(good, f.mediaType);
      const swapped = parseEnvelope(f.sign({ signer, target: sampleDescriptor('other') }), f.mediaType);
      const forged: SignatureEnvelope = { ...swapped, signature: env.signature };
      assert.equal(envelopeError(() => verifyIntegrity(forged)).detail, `signature is invalid. Error: ${badSig}`);
      // Signed by a different key than the certificate's.
      const wrongKey = f.sign({ signer: { key: other.key, chain: signer.chain }, signAlg: 'ES256' } as EnvelopeSpec);
      assert.equal(envelopeError(() => parseAndVerify(wrongKey, f.mediaType)).kind, 'integrity');
    });
  }
});

describe('cross-checks with independent implementations', () => {
  it('jose verifies our JWS and we verify jose-signed JWS (PS256, ES256, ES384)', async () => {
    for (const kind of ['RSA-2048', 'P-256', 'P-384'] as const) {
      const signer = await selfSignedSigner(kind);
      const alg = kind === 'RSA-2048' ? 'PS256' : kind === 'P-256' ? 'ES256' : 'ES384';
      const ours = JSON.parse(signJws({ signer, expiry: new Date(Date.now() + 3_600_000) }).toString()) as jose.FlattenedJWS;
      await jose.flattenedVerify(ours, signer.key.publicKey, {
        algorithms: [alg],
        crit: { 'io.cncf.notary.signingScheme': true, 'io.cncf.notary.expiry': true },
      });

      const payload = Buffer.from(JSON.stringify({ targetArtifact: sampleDescriptor('jose') }));
      const theirs = await new jose.FlattenedSign(payload)
        .setProtectedHeader({
          alg,
          cty: 'application/vnd.cncf.notary.payload.v1+json',
          crit: ['io.cncf.notary.signingScheme'],
          'io.cncf.notary.signingScheme': 'notary.x509',
          'io.cncf.notary.signingTime': '2024-02-03T04:05:06Z',
        })
        .setUnprotectedHeader({ x5c: signer.chain.map((c) => c.toString('base64')), 'io.cncf.notary.signingAgent': 'jose' })
        .sign(signer.key.privateKey, { crit: { 'io.cncf.notary.signingScheme': true } });
      const env = parseAndVerify(Buffer.from(JSON.stringify(theirs)), JWS);
      assert.equal(env.signedAttributes.signingTime.toISOString(), '2024-02-03T04:05:06.000Z');
      assert.equal(parsePayload(env).targetArtifact.digest, sampleDescriptor('jose').digest);
    }
  });

  it('cose-js verifies our COSE_Sign1 and we verify cose-js-signed messages (ES256, PS256)', async () => {
    for (const kind of ['P-256', 'RSA-2048'] as const) {
      const signer = await selfSignedSigner(kind);
      const pub = signer.key.publicKey.export({ format: 'jwk' });
      const priv = signer.key.privateKey.export({ format: 'jwk' }) as Record<string, string>;
      const b = (v: string | undefined) => Buffer.from(v ?? '', 'base64url');
      const e = (v: string | undefined) => parseInt(b(v).toString('hex'), 16);
      const verifierKey = kind === 'P-256' ? { x: b(pub.x), y: b(pub.y) } : { n: b(pub.n), e: e(pub.e) };
      const ours = signCose({ signer, expiry: new Date(Date.now() + 3_600_000), signingAgent: 'x' });
      const payload = await cose.sign.verify(ours, { key: verifierKey });
      assert.ok(Buffer.from(payload).equals(parseEnvelope(ours, COSE).payload.bytes));

      const signerKey =
        kind === 'P-256'
          ? { d: b(priv.d) }
          : { n: b(priv.n), e: e(priv.e), d: b(priv.d), p: b(priv.p), q: b(priv.q), dp: b(priv.dp), dq: b(priv.dq), qi: b(priv.qi) };
      const alg = kind === 'P-256' ? 'ES256' : 'PS256';
      const theirs = await cose.sign.create({ p: { alg }, u: { kid: 'k' } }, Buffer.from('cose-js payload'), { key: signerKey });
      const msg = decodeSign1(theirs);
      assert.equal(verifySignature(kind === 'P-256' ? -7 : -37, signer.key.publicKey, toBeSigned(msg), msg.signature), true);
      const flipped = Buffer.from(msg.signature);
      flipped[5]! ^= 1;
      assert.equal(verifySignature(kind === 'P-256' ? -7 : -37, signer.key.publicKey, toBeSigned(msg), flipped), false);
    }
  });
});

// ---- JWS rules ----

describe('JWS envelope rules (notation-core-go signature/jws)', () => {
  let s256: TestSigner;
  let s3072: TestSigner;
  before(async () => {
    s256 = await selfSignedSigner('P-256');
    s3072 = await selfSignedSigner('RSA-3072');
  });

  const parseErr = (b: Buffer) => envelopeError(() => parseEnvelope(b, JWS));
  const verifyErr = (b: Buffer) => envelopeError(() => parseAndVerify(b, JWS));
  const withHeader = (h: (x: Record<string, unknown>) => Record<string, unknown>, spec: Partial<EnvelopeSpec> = {}) =>
    signJws({ signer: s256, ...spec }, { protectedHeader: h });

  it('enforces crit', () => {
    assert.equal(parseErr(withHeader(({ crit: _c, ...h }) => h)).detail, 'missing "crit" header');
    assert.equal(parseErr(withHeader((h) => ({ ...h, crit: [...(h.crit as string[]), 'absent'] }))).detail, '"absent" header is marked critical but not present');
    assert.equal(parseErr(withHeader((h) => ({ ...h, crit: [...(h.crit as string[]), 'alg'] }))).detail, '"alg" header is marked critical but not present');
    assert.equal(
      parseErr(withHeader((h) => ({ ...h, crit: ['io.cncf.notary.signingScheme'] }), { expiry: new Date(Date.now() + 3_600_000) })).detail,
      'these required headers are not marked as critical: [io.cncf.notary.expiry]',
    );
    assert.equal(
      parseErr(withHeader((h) => ({ ...h, crit: ['x'], x: 1 }))).detail,
      'these required headers are not marked as critical: [io.cncf.notary.signingScheme]',
    );
  });

  it('enforces the signing scheme headers', () => {
    assert.equal(parseErr(withHeader((h) => ({ ...h, 'io.cncf.notary.signingScheme': 'foo' }))).detail, 'unsupported SigningScheme: `foo`');
    assert.equal(
      parseErr(withHeader((h) => ({ ...h, 'io.cncf.notary.authenticSigningTime': h['io.cncf.notary.signingTime'] }))).detail,
      '"io.cncf.notary.authenticSigningTime" header must not be present for notary.x509 signing scheme',
    );
    assert.equal(
      parseErr(withHeader((h) => ({ ...h, 'io.cncf.notary.signingTime': new Date() }), { signingScheme: 'notary.x509.signingAuthority' })).detail,
      '"io.cncf.notary.signingTime" header must not be present for notary.x509.signingAuthority signing scheme',
    );
    assert.equal(
      parseErr(withHeader(({ 'io.cncf.notary.authenticSigningTime': _t, ...h }) => h, { signingScheme: 'notary.x509.signingAuthority' })).detail,
      '"io.cncf.notary.authenticSigningTime" header must be present for notary.x509 signing scheme',
    );
    assert.equal(parseErr(withHeader(({ 'io.cncf.notary.signingTime': _t, ...h }) => h)).detail, 'signing-time not present');
    assert.match(parseErr(withHeader((h) => ({ ...h, 'io.cncf.notary.signingTime': '2020-11-09' }))).detail, /^jws envelope protected header can't be decoded: parsing time/);
    assert.match(parseErr(withHeader((h) => ({ ...h, cty: 5 }))).detail, /cannot unmarshal number into Go struct field jwsProtectedHeader\.cty of type string/);
  });

  it('allows only PS256/384/512 and ES256/384/512, as golang-jwt reports', () => {
    assert.equal(parseErr(withHeader((h) => ({ ...h, alg: 'RS256' }))).detail, 'signature is invalid. Error: signing method RS256 is invalid');
    assert.equal(parseErr(withHeader((h) => ({ ...h, alg: 'none' }))).detail, 'signature is invalid. Error: signing method none is invalid');
    assert.equal(parseErr(withHeader((h) => ({ ...h, alg: 'FOO' }))).detail, 'signature is invalid. Error: signing method (alg) is unavailable.');
    assert.equal(parseErr(withHeader(({ alg: _a, ...h }) => h)).detail, 'signature is invalid. Error: signing method (alg) is unspecified.');
  });

  it('rejects duplicate keys in the signed header', () => {
    const b = signJws({ signer: s256 }, { protectedJson: '{"alg":"ES256","alg":"PS256"}' });
    assert.equal(parseErr(b).detail, 'signature is invalid. Error: repeated key: "alg" exists.');
  });

  it('requires the algorithm the leaf key dictates (RSA-3072 → PS384)', () => {
    const b = signJws({ signer: s3072, alg: 'PS256' });
    assert.equal(
      verifyErr(b).detail,
      'mismatch between signature algorithm derived from signing certificate (2) and signing algorithm specified (1s)',
    );
  });

  it('checks expiry against signing time and the chain with the code-signing rules', async () => {
    assert.equal(verifyErr(signJws({ signer: s256, signingTime: new Date('2024-01-01T00:00:00Z'), expiry: new Date('2024-01-01T00:00:00Z') })).detail, 'expiry cannot be equal or before the signing time');
    const key = await sharedKey('P-256');
    const tls = await makeCert({ subject: 'CN=tls', key, eku: ['1.3.6.1.5.5.7.3.1'] });
    assert.equal(
      verifyErr(signJws({ signer: { key, chain: [tls.der] } })).detail,
      'certificate-chain is invalid, invalid self-signed certificate. Error: certificate with subject "CN=tls": extended key usage must not contain ServerAuth eku',
    );
  });

  it('requires x5c with a parseable leaf', () => {
    assert.equal(parseErr(signJws({ signer: s256 }, { unprotected: ({ x5c: _x, ...h }) => h })).detail, 'certificate chain is not present');
    assert.equal(parseErr(signJws({ signer: s256 }, { unprotected: (h) => ({ ...h, x5c: [Buffer.from('nope').toString('base64')] }) })).detail, 'malformed leaf certificate');
    const e = parseErr(signJws({ signer: s256 }, { unprotected: (h) => ({ ...h, x5c: ['@@@@'] }) }));
    assert.equal(e.kind, 'malformed');
    assert.equal(e.detail, 'unable to parse the digital signature, error : illegal base64 data at input byte 0');
    // Go's encoding/json matches struct fields case-insensitively (notation's own mocks rely on it).
    const upper = parseEnvelope(signJws({ signer: s256, signingAgent: 'a' }, { unprotected: ({ x5c, ...h }) => ({ ...h, X5C: x5c, 'io.cncf.notary.SigningAgent': 'b' }) }), JWS);
    assert.equal(upper.unsignedAttributes.signingAgent, 'b');
  });

  it('rejects the general serialization, non-objects and wrong member types', () => {
    const b = signJws({ signer: s256 }, { envelope: (e) => ({ signatures: [e] }) });
    assert.equal(parseErr(b).detail, 'unable to parse the digital signature, error : only the flattened JWS JSON serialization is supported');
    assert.equal(parseErr(Buffer.from('[1]')).detail, 'unable to parse the digital signature, error : json: cannot unmarshal array into Go value of type jws.jwsEnvelope');
    assert.match(parseErr(signJws({ signer: s256 }, { envelope: (e) => ({ ...e, payload: 1 }) })).detail, /cannot unmarshal number into Go struct field jwsEnvelope\.payload of type string$/);
    assert.equal(parseErr(Buffer.from('{"payload":"x",}')).detail, "unable to parse the digital signature, error : invalid character '}' looking for beginning of object key string");
    assert.equal(parseErr(Buffer.from('')).detail, 'unable to parse the digital signature, error : unexpected end of JSON input');
  });

  it('reports Go base64 errors for padded or damaged segments', () => {
    const pad = signJws({ signer: s256 }, { envelope: (e) => ({ ...e, payload: `${String(e.payload)}=` }) });
    const n = JSON.parse(pad.toString()).payload.length - 1;
    assert.equal(parseErr(pad).detail, `signature is invalid. Error: illegal base64 data at input byte ${n}`);
    assert.equal(parseErr(signJws({ signer: s256 }, { envelope: (e) => ({ ...e, signature: 'a.b' }) })).detail, 'signature is invalid. Error: token contains an invalid number of segments');
    const short = signJws({ signer: s256 }, { envelope: (e) => ({ ...e, signature: String(e.signature).slice(0, 40) }) });
    assert.equal(verifyErr(short).detail, 'signature is invalid. Error: crypto/ecdsa: verification error');
  });

  it('requires a JSON object payload (golang-jwt MapClaims)', () => {
    const b = signJws({ signer: s256, payload: Buffer.from('[1,2]') });
    assert.equal(parseErr(b).detail, 'signature is invalid. Error: json: cannot unmarshal array into Go value of type jwt.MapClaims');
  });

  it('accepts any RSA-PSS salt length, as golang-jwt does', async () => {
    const signer = await selfSignedSigner('RSA-2048');
    const b = signJws({ signer }, {});
    const doc = JSON.parse(b.toString()) as Record<string, string>;
    doc.signature = cryptoSign('sha256', Buffer.from(`${doc.protected}.${doc.payload}`), {
      key: signer.key.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 0,
    }).toString('base64url');
    parseAndVerify(Buffer.from(JSON.stringify(doc)), JWS);
  });
});

// ---- COSE rules ----

describe('COSE envelope rules (notation-core-go signature/cose, go-cose)', () => {
  let s256: TestSigner;
  let s384: TestSigner;
  before(async () => {
    s256 = await selfSignedSigner('P-256');
    s384 = await selfSignedSigner('P-384');
  });
  const parseErr = (b: Buffer) => envelopeError(() => parseEnvelope(b, COSE));
  const prot = (f: (h: Map<unknown, unknown>) => void, spec: Partial<EnvelopeSpec> = {}) =>
    signCose({ signer: s256, ...spec }, {
      protectedHeader: (h) => {
        const m = new Map(h);
        f(m);
        return m;
      },
    });

  it('requires a tagged COSE_Sign1 and rejects trailing bytes', () => {
    const good = signCose({ signer: s256 });
    assert.equal(parseErr(good.subarray(1)).detail, 'unable to parse the digital signature, error : cbor: invalid COSE_Sign1_Tagged object');
    assert.match(parseErr(Buffer.concat([good, Buffer.from([0])])).detail, /cbor: 1 bytes of extraneous data starting at index \d+$/);
  });

  it('requires x5chain as a non-empty array of certificates', () => {
    assert.equal(parseErr(signCose({ signer: s256 }, { unprotected: () => new Map() })).detail, 'certificate chain is not present');
    assert.equal(parseErr(signCose({ signer: s256 }, { unprotected: () => new Map([[33, s256.chain[0]]]) })).detail, 'certificate chain is not present');
    assert.equal(parseErr(signCose({ signer: s256 }, { unprotected: () => new Map([[33, ['x']]]) })).detail, 'COSE envelope malformed leaf certificate');
    assert.equal(parseErr(signCose({ signer: s256 }, { unprotected: () => new Map([[33, [Buffer.from('x')]]]) })).detail, 'malformed leaf certificate');
  });

  it('checks the header algorithm against the leaf key (go-cose)', () => {
    assert.equal(
      parseErr(signCose({ signer: s384, alg: -7, signAlg: 'ES384' })).detail,
      'signature is invalid. Error: algorithm mismatch: verifier ES384: header ES256',
    );
    assert.equal(parseErr(prot((h) => h.delete(1))).detail, 'signature is invalid. Error: algorithm not found');
  });

  it('validates crit and the notary headers', () => {
    assert.equal(
      parseErr(prot((h) => h.set(2, ['io.cncf.notary.signingScheme', 'absent']))).detail,
      'unable to parse the digital signature, error : cbor: invalid protected header: protected header: header parameter: crit: missing critical header: absent',
    );
    assert.equal(
      parseErr(signCose({ signer: s256 }, { unprotected: (h) => new Map([...h, [2, ['x']]]) })).detail,
      'unable to parse the digital signature, error : cbor: invalid unprotected header: unprotected header: header parameter: crit: not allowed',
    );
    assert.equal(
      parseErr(prot((h) => h.set(2, ['io.cncf.notary.signingScheme']), { expiry: new Date(Date.now() + 3_600_000) })).detail,
      'these required headers are not marked as critical: [io.cncf.notary.expiry]',
    );
    assert.equal(parseErr(prot((h) => h.set('io.cncf.notary.signingTime', new Tag('2024-01-01T00:00:00Z', 0)))).detail, 'invalid signingTime: only Tag `1` Datetime CBOR object is supported');
    assert.equal(parseErr(prot((h) => h.set('io.cncf.notary.signingTime', 1700000000))).detail, 'invalid signingTime: invalid timeValue type');
    assert.equal(parseErr(prot((h) => h.delete('io.cncf.notary.signingTime'))).detail, 'invalid signingTime: protected header "io.cncf.notary.signingTime" is missing');
    assert.equal(parseErr(prot((h) => h.set('io.cncf.notary.signingScheme', 'other'))).detail, 'unsupported signingScheme: other');
    assert.equal(parseErr(prot((h) => h.delete(3))).detail, 'missing content type');
    assert.equal(parseErr(prot((h) => h.set(3, 50))).detail, "content type should be of 'tstr' type");
    assert.match(parseErr(prot((h) => h.set(3, 'no-slash'))).detail, /content type: require text of form type\/subtype$/);
  });

  it('keeps integer-labelled extended attributes', () => {
    const env = parseAndVerify(
      prot((h) => {
        h.set(-70000, 'x');
        h.set(2, [...(h.get(2) as unknown[]), -70000]);
      }),
      COSE,
    );
    assert.deepEqual(env.signedAttributes.extendedAttributes, [{ key: -70000, critical: true, value: 'x' }]);
  });

  it('rejects a nil payload, an empty signature and malformed CBOR structure', () => {
    assert.equal(parseErr(signCose({ signer: s256 }, { message: (m) => [m[0], m[1], null, m[3]] })).detail, 'signature is invalid. Error: missing payload');
    assert.equal(parseErr(signCose({ signer: s256 }, { message: (m) => [m[0], m[1], m[2], Buffer.alloc(0)] })).detail, 'unable to parse the digital signature, error : empty signature');
    assert.match(parseErr(signCose({ signer: s256 }, { message: (m) => [m[0], m[1], 'text', m[3]] })).detail, /cbor: require bstr type$/);
    assert.match(parseErr(signCose({ signer: s256 }, { message: (m) => [new Map([[1, -7]]), m[1], m[2], m[3]] })).detail, /cbor: invalid protected header: cbor: require bstr type$/);
    const dup = Buffer.from([0xa2, 0x01, 0x26, 0x01, 0x26]); // {1: -7, 1: -7}
    assert.match(parseErr(signCose({ signer: s256 }, { protectedBytes: dup })).detail, /cbor: invalid protected header: cbor: found duplicate map key "1" at map element index 1$/);
    const indef = Buffer.from([0xbf, 0x01, 0x26, 0xff]);
    assert.match(parseErr(signCose({ signer: s256 }, { protectedBytes: indef })).detail, /indefinite-length map isn't allowed$/);
    assert.match(parseErr(signCose({ signer: s256 }, { unprotected: (h) => new Map([...h, ['x', new Tag(1, 99)]]) })).detail, /cbor: CBOR tag isn't allowed$/);
  });

  it('requires salt length = hash length for RSA-PSS, as go-cose does', async () => {
    const signer = await selfSignedSigner('RSA-2048');
    const good = signCose({ signer });
    const msg = decodeSign1(good);
    const weird = cryptoSign('sha256', toBeSigned(msg), { key: signer.key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 0 });
    const b = signCose({ signer }, { message: (m) => [m[0], m[1], m[2], weird] });
    assert.equal(envelopeError(() => parseAndVerify(b, COSE)).detail, 'signature is invalid. Error: verification error');
  });
});

describe('envelope entry points', () => {
  it('rejects unknown media types and oversized envelopes', async () => {
    const signer = await selfSignedSigner('P-256');
    const b = signJws({ signer });
    assert.equal(
      envelopeError(() => parseEnvelope(b, 'application/x')).detail,
      'unable to parse the digital signature, error : signature envelope format with media type "application/x" is not supported',
    );
    const big = Buffer.alloc(2 * 1024 * 1024 + 1, 0x20);
    assert.match(envelopeError(() => parseEnvelope(big, JWS)).detail, /exceeds the limit of 2097152 bytes/);
    assert.match(envelopeError(() => parseEnvelope(b, JWS, { maxBytes: 100 })).detail, /exceeds the limit of 100 bytes/);
  });

  it('parsePayload validates the content type and the descriptor', async () => {
    const signer = await selfSignedSigner('P-256');
    const env = (payload: unknown, contentType?: string) =>
      parseAndVerify(signJws({ signer, payload: Buffer.from(JSON.stringify(payload)), ...(contentType ? { contentType } : {}) }), JWS);
    assert.equal(envelopeError(() => parsePayload(env({ targetArtifact: sampleDescriptor() }, 'application/json'))).detail, 'payload content type "application/json" not supported');
    assert.match(envelopeError(() => parsePayload(env({ targetArtifact: { ...sampleDescriptor(), digest: 'sha256:00' } }))).detail, /not a valid descriptor/);
    assert.match(envelopeError(() => parsePayload(env({ other: 1 }))).detail, /no targetArtifact descriptor/);
    // Go's field matching is case-insensitive.
    assert.equal(parsePayload(env({ TargetArtifact: sampleDescriptor('x') })).targetArtifact.digest, sampleDescriptor('x').digest);
  });
});
