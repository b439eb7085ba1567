import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RatifyError } from '../../../src/errors.js';
import { parseTrustedRootBytes, type LoadedTrustedRoot } from '../../../src/crypto/sigstore/trusted-root.js';
import { skipUnlessVectors, vectorsDir } from '../../harness/vectors.js';

/**
 * trusted_root.json is checked as sigstore-go's root.NewTrustedRootFromJSON checks it (protojson
 * rules, then pkg/root/trusted_root.go): every check below takes a real trusted root from the
 * vectors, breaks one thing, and expects the outcome sigstore-go gives (each was compared with
 * sigstore-go v1.3.0 on the same input).
 */

const dir = vectorsDir();
const skip = skipUnlessVectors(1, 'Sigstore trusted roots');
const PUBLIC_GOOD = 'sigstore-go/examples/trusted-root-public-good.json';
const CONFORMANCE = 'sigstore-conformance/test/assets/bundle-verify';
const REKOR_V2 = `${CONFORMANCE}/trust-root-tlog-validity-end-inclusive/trusted_root.json`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const read = (rel: string) => readFileSync(join(dir!, rel), 'utf8');
const base = (rel = PUBLIC_GOOD): Json => JSON.parse(read(rel)) as Json;
const load = (doc: Json | string, source = 'tr.json'): LoadedTrustedRoot =>
  parseTrustedRootBytes(Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc)), source);
const mutate = (f: (j: Json) => void, rel = PUBLIC_GOOD): Json => {
  const j = base(rel);
  f(j);
  return j;
};

function rejects(doc: Json | string, code: string, text: RegExp): void {
  assert.throws(
    () => load(doc),
    (e: unknown) => {
      assert.ok(e instanceof RatifyError, String(e));
      assert.equal(e.code, code);
      assert.match(e.detail, /^invalid Sigstore trusted root tr\.json: /);
      assert.match(e.detail, text);
      return true;
    },
  );
}

const keyDer = (k: KeyObject) => k.export({ type: 'spki', format: 'der' }).toString('base64');

describe('trusted roots in the vectors load', { skip }, () => {
  it('every trusted_root.json of sigstore-conformance, sigstore-go and cosign', () => {
    const files = [
      PUBLIC_GOOD,
      'sigstore-go/pkg/testing/data/trusted-roots/public-good.json',
      'sigstore-go/pkg/testing/data/trusted-roots/public-key-validity.json',
      'cosign/pkg/cosign/testdata/trusted_root_pgi.json',
      ...readdirSync(join(dir!, CONFORMANCE))
        .map((d) => `${CONFORMANCE}/${d}/trusted_root.json`)
        .filter((f) => {
          try {
            return read(f).length > 0;
          } catch {
            return false;
          }
        }),
    ];
    assert.ok(files.length >= 29, `found ${files.length}`);
    for (const f of files) assert.doesNotThrow(() => load(read(f), f), f);
  });
});

describe('trusted root: protojson rules (google.golang.org/protobuf encoding/protojson)', { skip }, () => {
  it('rejects unknown fields at every level', () => {
    rejects(mutate((j) => (j['foo'] = 1)), 'CONFIG_INVALID', /^[^:]+: foo: unknown field "foo"/);
    rejects(mutate((j) => (j['tlogs'][0]['publicKey']['validFor']['foo'] = 1)), 'CONFIG_INVALID', /tlogs\[0\]\.publicKey\.validFor\.foo: unknown field/);
    rejects(mutate((j) => (j['certificateAuthorities'][0]['certChain']['certificates'][0]['foo'] = 1)), 'CONFIG_INVALID', /certificates\[0\]\.foo: unknown field/);
  });

  it('accepts proto (snake_case) field names, which @sigstore/protobuf-specs would silently drop', () => {
    const j = mutate((d) => {
      const ca = d['certificateAuthorities'][0];
      ca['cert_chain'] = ca['certChain'];
      ca['valid_for'] = ca['validFor'];
      delete ca['certChain'];
      delete ca['validFor'];
      d['media_type'] = d['mediaType'];
      delete d['mediaType'];
    });
    const m = load(j).material;
    assert.equal(m.certificateAuthorities.length, 2);
    assert.equal(m.certificateAuthorities[0]!.validFor.end.toISOString(), base()['certificateAuthorities'][0]['validFor']['end']);
  });

  it('rejects a field given twice (by both names, or as a repeated JSON key)', () => {
    rejects(mutate((j) => (j['media_type'] = j['mediaType'])), 'CONFIG_INVALID', /media_type: duplicate field/);
    rejects(read(PUBLIC_GOOD).replace('"mediaType"', '"mediaType": "x", "mediaType"'), 'CONFIG_INVALID', /duplicate field/);
  });

  it('treats null as an absent field, but rejects null list elements', () => {
    const j = mutate((d) => {
      d['tlogs'][0]['operator'] = null;
      d['ctlogs'][0]['publicKey']['validFor']['end'] = null;
    });
    assert.equal(load(j).material.tlogs.length, 1);
    rejects(mutate((d) => d['tlogs'].push(null)), 'CONFIG_INVALID', /tlogs\[1\]: null is not allowed/);
  });

  it('rejects values of the wrong JSON type', () => {
    rejects(mutate((j) => (j['mediaType'] = 1)), 'CONFIG_INVALID', /mediaType: invalid value for string field/);
    rejects(mutate((j) => (j['tlogs'] = {})), 'CONFIG_INVALID', /tlogs: expected an array/);
    rejects(mutate((j) => (j['tlogs'][0]['publicKey']['rawBytes'] = 5)), 'CONFIG_INVALID', /rawBytes: invalid value for bytes field/);
    rejects(mutate((j) => (j['tlogs'][0]['publicKey']['validFor']['start'] = { seconds: 1 })), 'CONFIG_INVALID', /start: invalid google\.protobuf\.Timestamp/);
  });

  it('reads enums by name or int32 number, and rejects unknown names', () => {
    assert.equal(load(mutate((j) => (j['tlogs'][0]['hashAlgorithm'] = 1))).material.tlogs.length, 1);
    rejects(mutate((j) => (j['tlogs'][0]['hashAlgorithm'] = 'sha2_256')), 'CONFIG_INVALID', /hashAlgorithm: invalid value for enum field/);
    rejects(mutate((j) => (j['tlogs'][0]['hashAlgorithm'] = 1.5)), 'CONFIG_INVALID', /hashAlgorithm: invalid value for enum field/);
  });

  it('decodes bytes in any of Go\'s four base64 encodings, and nothing else', () => {
    const raw = Buffer.from(base()['tlogs'][0]['publicKey']['rawBytes'] as string, 'base64');
    for (const text of [raw.toString('base64url'), raw.toString('base64').replace(/=+$/, ''), raw.toString('base64').replace(/\+/g, '-').replace(/\//g, '_')]) {
      const m = load(mutate((j) => (j['tlogs'][0]['publicKey']['rawBytes'] = text))).material;
      assert.ok(m.tlogs[0]!.publicKey.export({ type: 'spki', format: 'der' }).equals(raw));
    }
    rejects(mutate((j) => (j['tlogs'][0]['publicKey']['rawBytes'] = '!!!!')), 'CONFIG_INVALID', /rawBytes: invalid value for bytes field: illegal base64 data/);
    rejects(mutate((j) => (j['tlogs'][0]['publicKey']['rawBytes'] += '=')), 'CONFIG_INVALID', /rawBytes: invalid value for bytes field/);
  });

  it('reads timestamps as Go\'s time.Parse(RFC3339Nano) does, within years 1-9999', () => {
    const startOf = (t: string) => load(mutate((j) => (j['tlogs'][0]['publicKey']['validFor']['start'] = t))).material.tlogs[0]!.validFor.start.toISOString();
    assert.equal(startOf('2021-01-12T11:53:27-07:00'), '2021-01-12T18:53:27.000Z');
    assert.equal(startOf('2021-01-12T1:53:27Z'), '2021-01-12T01:53:27.000Z'); // Go's layout parser takes a 1-digit hour
    assert.equal(startOf('2021-01-12T11:53:27,5Z'), '2021-01-12T11:53:27.500Z');
    assert.equal(startOf('0000-12-31T23:00:00-02:00'), '0001-01-01T01:00:00.000Z');
    for (const bad of ['2021-01-12t11:53:27Z', '2021-01-12 11:53:27Z', '2021-01-12', '2021-02-29T00:00:00Z', '2021-01-12T24:00:00Z', '2021-01-12T11:53:27+0100', '2021-01-12T11:53:27.1234567890Z', '']) {
      rejects(mutate((j) => (j['tlogs'][0]['publicKey']['validFor']['start'] = bad)), 'CONFIG_INVALID', /validFor\.start: invalid google\.protobuf\.Timestamp/);
    }
    rejects(mutate((j) => (j['tlogs'][0]['publicKey']['validFor']['start'] = '0000-01-01T00:00:00Z')), 'CONFIG_INVALID', /Timestamp value out of range/);
  });

  it('rejects invalid UTF-8, a byte order mark and unpaired surrogate escapes', () => {
    const text = read(PUBLIC_GOOD);
    const at = text.indexOf('rekor.sigstore.dev');
    const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xff]), Buffer.from(text.slice(at))]);
    assert.throws(() => parseTrustedRootBytes(bytes, 'tr.json'), /invalid UTF-8/);
    rejects(`\ufeff${text}`, 'CONFIG_INVALID', /invalid character/);
    rejects(text.replace('"https://rekor.sigstore.dev"', '"https://rekor.sigstore.dev\\ud800"'), 'CONFIG_INVALID', /invalid escape code "\\\\ud800"/);
    assert.doesNotThrow(() => load(text.replace('"https://rekor.sigstore.dev"', '"https://rekor.sigstore.dev\\ud83d\\ude00"')));
  });
});

describe('trusted root: sigstore-go rules (pkg/root/trusted_root.go)', { skip }, () => {
  it('mediaType must be exactly version 0.1', () => {
    rejects(mutate((j) => delete j['mediaType']), 'CONFIG_INVALID', /mediaType: unsupported TrustedRoot media type: ""/);
    rejects(mutate((j) => (j['mediaType'] = 'application/vnd.dev.sigstore.trustedroot+json;version=0.2')), 'CONFIG_INVALID', /unsupported TrustedRoot media type/);
    rejects(mutate((j) => (j['mediaType'] = 'application/vnd.dev.sigstore.trustedroot.v0.2+json')), 'CONFIG_INVALID', /unsupported TrustedRoot media type/);
  });

  it('tlogs and ctlogs: hashAlgorithm SHA2_256 only', () => {
    rejects(mutate((j) => (j['tlogs'][0]['hashAlgorithm'] = 'SHA2_384')), 'CONFIG_INVALID', /tlogs\[0\]\.hashAlgorithm: unsupported tlog hash algorithm: SHA2_384/);
    rejects(mutate((j) => delete j['ctlogs'][1]['hashAlgorithm']), 'CONFIG_INVALID', /ctlogs\[1\]\.hashAlgorithm: unsupported tlog hash algorithm: HASH_ALGORITHM_UNSPECIFIED/);
  });

  it('a log needs a log ID with a key ID', () => {
    rejects(mutate((j) => delete j['tlogs'][0]['logId']), 'CONFIG_INVALID', /tlogs\[0\]\.logId: tlog missing log ID$/m);
    rejects(mutate((j) => (j['tlogs'][0]['logId'] = {})), 'CONFIG_INVALID', /logId\.keyId: tlog missing log ID key ID/);
    rejects(mutate((j) => (j['ctlogs'][0]['logId']['keyId'] = '')), 'CONFIG_INVALID', /ctlogs\[0\]\.logId\.keyId: tlog missing log ID key ID/);
  });

  it('a log needs a public key with raw bytes', () => {
    rejects(mutate((j) => delete j['tlogs'][0]['publicKey']), 'CONFIG_INVALID', /tlogs\[0\]\.publicKey: tlog missing public key$/m);
    rejects(mutate((j) => delete j['tlogs'][0]['publicKey']['rawBytes']), 'CONFIG_INVALID', /publicKey\.rawBytes: tlog missing public key raw bytes/);
  });

  it('keyDetails must be a type sigstore-go supports', () => {
    for (const d of ['PUBLIC_KEY_DETAILS_UNSPECIFIED', 'PKIX_RSA_PKCS1V5', 'PKIX_ECDSA_P256_HMAC_SHA_256', 'PKIX_RSA_PSS_2048_SHA256', 'ML_DSA_65', 999]) {
      rejects(mutate((j) => (j['tlogs'][0]['publicKey']['keyDetails'] = d)), 'CONFIG_INVALID', /publicKey\.keyDetails: unsupported tlog public key type/);
    }
  });

  it('the key must be of the type keyDetails names', () => {
    rejects(mutate((j) => (j['tlogs'][0]['publicKey']['keyDetails'] = 'PKIX_ED25519')), 'KEY_INVALID', /tlog public key is not Ed25519: PKIX_ED25519 \(the key is ECDSA\)/);
    rejects(mutate((j) => (j['tlogs'][0]['publicKey']['keyDetails'] = 'PKIX_RSA_PKCS1V15_2048_SHA256')), 'KEY_INVALID', /tlog public key is not RSA/);
    rejects(mutate((j) => (j['tlogs'][0]['publicKey']['keyDetails'] = 'PKCS1_RSA_PKCS1V5')), 'KEY_INVALID', /failed to parse public key for tlog: https:\/\/rekor\.sigstore\.dev .*use ParsePKIXPublicKey/);
    // ECDSA details with another curve's key: sigstore-go checks the key type only.
    const p384 = keyDer(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey);
    assert.doesNotThrow(() => load(mutate((j) => (j['tlogs'][0]['publicKey']['rawBytes'] = p384))));
    // PKIX RSA keys are SPKI (toTrustMaterial would read them as PKCS#1 and fail).
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const m = load(mutate((j) => Object.assign(j['tlogs'][0]['publicKey'], { keyDetails: 'PKIX_RSA_PKCS1V15_2048_SHA256', rawBytes: keyDer(rsa) }))).material;
    assert.equal(m.tlogs[0]!.publicKey.asymmetricKeyType, 'rsa');
  });

  it('the key is parsed as Go\'s crypto/x509 parses it', () => {
    const raw = Buffer.from(base()['tlogs'][0]['publicKey']['rawBytes'] as string, 'base64');
    rejects(mutate((j) => (j['tlogs'][0]['publicKey']['rawBytes'] = Buffer.concat([raw, Buffer.from([0, 0])]).toString('base64'))), 'KEY_INVALID', /trailing data after ASN\.1 of public-key/);
    rejects(mutate((j) => (j['tlogs'][0]['publicKey']['rawBytes'] = '')), 'KEY_INVALID', /failed to parse public key for tlog/);
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const point = ecdh.getPublicKey(null, 'compressed');
    const prefix = raw.subarray(2, 2 + raw[3]! + 2); // the AlgorithmIdentifier
    const body = Buffer.concat([prefix, Buffer.from([0x03, point.length + 1, 0]), point]);
    const compressed = Buffer.concat([Buffer.from([0x30, body.length]), body]).toString('base64');
    rejects(mutate((j) => (j['tlogs'][0]['publicKey']['rawBytes'] = compressed)), 'KEY_INVALID', /crypto\/ecdsa: invalid public key/);
  });

  it('a log key needs validFor with a start; the end is optional', () => {
    rejects(mutate((j) => delete j['tlogs'][0]['publicKey']['validFor']), 'CONFIG_INVALID', /publicKey\.validFor: tlog missing public key validity period$/m);
    rejects(mutate((j) => (j['ctlogs'][0]['publicKey']['validFor'] = {})), 'CONFIG_INVALID', /ctlogs\[0\]\.publicKey\.validFor\.start: tlog missing public key validity period start time/);
    const m = load(base()).material;
    assert.equal(m.tlogs[0]!.validFor.end.getTime(), 8.64e15);
  });

  it('logs with the same log ID: the last one counts', () => {
    const m = load(
      mutate((j) => {
        const copy = JSON.parse(JSON.stringify(j['tlogs'][0])) as Json;
        copy['publicKey']['validFor'] = { start: '2030-01-01T00:00:00Z' };
        j['tlogs'].push(copy);
      }),
    ).material;
    assert.equal(m.tlogs.length, 1);
    assert.equal(m.tlogs[0]!.validFor.start.toISOString(), '2030-01-01T00:00:00.000Z');
  });

  it('logs are matched by logId, never by checkpointKeyId', () => {
    const m = load(mutate((j) => (j['tlogs'][0]['checkpointKeyId'] = { keyId: 'AAAAAA==' }))).material;
    assert.equal(m.tlogs[0]!.logID.toString('base64'), base()['tlogs'][0]['logId']['keyId']);
  });

  it('certificate and timestamp authorities need a non-empty chain', () => {
    rejects(mutate((j) => delete j['certificateAuthorities'][0]['certChain']), 'CONFIG_INVALID', /certificateAuthorities\[0\]\.certChain: CertificateAuthority missing cert chain/);
    rejects(mutate((j) => (j['certificateAuthorities'][1]['certChain'] = { certificates: [] })), 'CONFIG_INVALID', /certificateAuthorities\[1\]\.certChain\.certificates: CertificateAuthority cert chain is empty/);
    rejects(mutate((j) => delete j['timestampAuthorities'][0]['certChain']), 'CONFIG_INVALID', /timestampAuthorities\[0\]\.certChain: CertificateAuthority missing cert chain/);
  });

  it('each certificate is one Go\'s x509.ParseCertificate accepts', () => {
    rejects(mutate((j) => (j['certificateAuthorities'][0]['certChain']['certificates'][0]['rawBytes'] = 'AAAA')), 'CERT_INVALID', /certificates\[0\]\.rawBytes: failed to parse certificate for https:\/\/fulcio\.sigstore\.dev x509: malformed certificate/);
    rejects(mutate((j) => (j['certificateAuthorities'][0]['certChain']['certificates'] = [{}])), 'CERT_INVALID', /failed to parse certificate/);
    const trailing = (j: Json) => {
      const c = j['timestampAuthorities'][0]['certChain']['certificates'][0];
      c['rawBytes'] = Buffer.concat([Buffer.from(c['rawBytes'] as string, 'base64'), Buffer.from([0, 0])]).toString('base64');
    };
    rejects(mutate(trailing), 'CERT_INVALID', /timestampAuthorities\[0\]\.certChain\.certificates\[0\]\.rawBytes: .*x509: trailing data/);
  });

  it('an authority without validFor, start or end is unbounded on that side', () => {
    const m = load(mutate((j) => delete j['certificateAuthorities'][0]['validFor'])).material;
    assert.equal(m.certificateAuthorities[0]!.validFor.start.getTime(), -8.64e15);
    assert.equal(m.certificateAuthorities[0]!.validFor.end.getTime(), 8.64e15);
  });

  it('sub-millisecond bounds are rounded inwards (a start up, an end down)', () => {
    const m = load(
      mutate((j) => {
        j['tlogs'][0]['publicKey']['validFor'] = { start: '2021-01-12T11:53:27.000000001Z', end: '2022-01-01T00:00:00.999999999Z' };
      }),
    ).material;
    assert.equal(m.tlogs[0]!.validFor.start.toISOString(), '2021-01-12T11:53:27.001Z');
    assert.equal(m.tlogs[0]!.validFor.end.toISOString(), '2022-01-01T00:00:00.999Z');
  });

  it('ours: a bound at Go\'s zero time (read by sigstore-go as unset) is refused', () => {
    rejects(mutate((j) => (j['tlogs'][0]['publicKey']['validFor']['start'] = '0001-01-01T00:00:00Z')), 'CONFIG_INVALID', /validFor\.start: 0001-01-01T00:00:00Z is Go's zero time/);
  });

  it('ours: a root naming no log and no authority is refused', () => {
    rejects({ mediaType: base()['mediaType'] }, 'CONFIG_INVALID', /names no transparency log, certificate authority or timestamp authority/);
  });

  it('a Rekor v2 root: Ed25519 log keys whose log ID is not the key hash are accepted (sigstore-go does not compare them)', () => {
    const m = load(read(REKOR_V2)).material;
    assert.equal(m.tlogs.length, 2);
    assert.ok(m.tlogs.some((t) => t.publicKey.asymmetricKeyType === 'ed25519'));
  });
});
