import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { X509Certificate } from '@sigstore/core';
import { certificateIdentity, checkIdentity, compileGoRegExp } from '../../src/crypto/sigstore/identity.js';
import { withIntermediates } from '../../src/crypto/sigstore/intermediates.js';
import { legacyToBundle, rekorBundleToEntry } from '../../src/crypto/sigstore/legacy.js';
import { parseConformanceArgs, UsageError } from '../../src/crypto/sigstore/conformance.js';
import { parseBundle } from '../../src/crypto/sigstore/bundle.js';
import { parsePublicKeyPem } from '../../src/crypto/sigstore/keys.js';
import { RatifyError } from '../../src/errors.js';

x509.cryptoProvider.set(webcrypto as never);

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function keys() {
  return (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function cert(o: { subject: string; issuer?: { name: string; keys: webcrypto.CryptoKeyPair }; keys: webcrypto.CryptoKeyPair; ca: boolean; extensions?: x509.Extension[] }) {
  const now = Date.now();
  const c = await x509.X509CertificateGenerator.create({
    serialNumber: Math.floor(Math.random() * 1e9).toString(16),
    subject: o.subject,
    issuer: o.issuer?.name ?? o.subject,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 3600_000),
    publicKey: o.keys.publicKey,
    signingKey: (o.issuer?.keys ?? o.keys).privateKey,
    signingAlgorithm: EC,
    extensions: [
      ...(o.ca ? [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)] : []),
      await x509.SubjectKeyIdentifierExtension.create(o.keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create((o.issuer?.keys ?? o.keys).publicKey),
      ...(o.extensions ?? []),
    ],
  });
  return Buffer.from(c.rawData);
}

describe('Sigstore certificate identities', () => {
  it('reads every SAN kind and both Fulcio issuer extensions', async () => {
    const k = await keys();
    const der = await cert({
      subject: 'CN=leaf',
      keys: k,
      ca: false,
      extensions: [
        new x509.SubjectAlternativeNameExtension([
          { type: 'email', value: 'dev@example.com' },
          { type: 'url', value: 'https://github.com/acme/app/.github/workflows/ci.yml@refs/heads/main' },
          { type: 'dns', value: 'build.example.com' },
          { type: 'ip', value: '192.0.2.7' },
        ]),
        // v1 issuer extension: the raw string, no ASN.1 wrapping.
        new x509.Extension('1.3.6.1.4.1.57264.1.1', false, Buffer.from('https://accounts.example.com')),
      ],
    });
    const id = certificateIdentity(der);
    assert.deepEqual(id.sans, ['dev@example.com', 'https://github.com/acme/app/.github/workflows/ci.yml@refs/heads/main', 'build.example.com', '192.0.2.7']);
    assert.equal(id.issuer, 'https://accounts.example.com');
    assert.equal(checkIdentity(id, { subject: 'build.example.com', issuer: 'https://accounts.example.com' }), undefined);
    assert.equal(checkIdentity(id, { subjectRegExp: compileGoRegExp('^https://github\\.com/acme/'), issuerRegExp: compileGoRegExp('(?i)EXAMPLE') }), undefined);
    assert.match(checkIdentity(id, { subject: 'other@example.com', issuer: 'https://accounts.example.com' }) ?? '', /expected identity "other@example.com"/);
    assert.match(checkIdentity(id, { subject: 'dev@example.com', issuer: 'https://evil.example' }) ?? '', /expected OIDC issuer/);
    assert.deepEqual(certificateIdentity(Buffer.from('not a certificate')), { sans: [] });
  });

  it('translates the Go regexp spellings cosign users write', () => {
    assert.ok(compileGoRegExp('(?i)^HTTPS://').test('https://x'));
    assert.ok(compileGoRegExp('\\Afoo\\z').test('foo'));
    assert.ok(!compileGoRegExp('\\Afoo\\z').test('foox'));
    assert.equal(compileGoRegExp('(?P<org>[a-z]+)/x').exec('acme/x')?.groups?.org, 'acme');
    assert.ok(compileGoRegExp('a\\\\Az').test('a\\Az'), 'an escaped backslash is not \\A');
    assert.throws(() => compileGoRegExp('('));
  });
});

describe('untrusted intermediates from cosign chain annotations', () => {
  it('are used only when they chain to a trusted certificate', async () => {
    const rootKeys = await keys();
    const rogueKeys = await keys();
    const intKeys = await keys();
    const root = X509Certificate.parse(await cert({ subject: 'CN=root', keys: rootKeys, ca: true }));
    const good = X509Certificate.parse(await cert({ subject: 'CN=int', issuer: { name: 'CN=root', keys: rootKeys }, keys: intKeys, ca: true }));
    // Same subject name, but issued by a key the trusted root does not hold.
    const rogue = X509Certificate.parse(await cert({ subject: 'CN=int', issuer: { name: 'CN=root', keys: rogueKeys }, keys: intKeys, ca: true }));
    const leaf = X509Certificate.parse(await cert({ subject: 'CN=leaf', issuer: { name: 'CN=int', keys: intKeys }, keys: await keys(), ca: false }));
    const cas = [{ certChain: [root], validFor: { start: new Date(0), end: new Date(8.64e15) } }];
    assert.equal(withIntermediates(cas, [rogue], leaf)[0]!.certChain.length, 1, 'a rogue intermediate is dropped');
    assert.equal(withIntermediates(cas, [root], leaf)[0]!.certChain.length, 1, 'self-signed certificates are never added');
    const extended = withIntermediates(cas, [rogue, good], leaf)[0]!.certChain;
    assert.equal(extended.length, 2);
    assert.ok(extended[0]!.equals(good));
  });
});

describe('legacy cosign annotations', () => {
  it('rejects malformed Rekor bundles with a reason', () => {
    for (const bad of ['', '{', '[]', '{"Payload":{}}', '{"SignedEntryTimestamp":"AA==","Payload":{"body":"e30=","integratedTime":-1,"logIndex":1,"logID":"' + 'a'.repeat(64) + '"}}', '{"SignedEntryTimestamp":"AA==","Payload":{"body":"e30=","integratedTime":1,"logIndex":1,"logID":"zz"}}', '{"SignedEntryTimestamp":"AA==","Payload":{"body":"e30=","integratedTime":1,"logIndex":1,"logID":"' + 'a'.repeat(64) + '"}}']) {
      assert.throws(() => rekorBundleToEntry(bad), (e: unknown) => (e as { code?: string }).code === 'BUNDLE_ERROR', bad);
    }
  });

  it('builds a key-signed bundle without verification material beyond the key', () => {
    const b = legacyToBundle({ content: { kind: 'message', payload: Buffer.from('{}'), signature: Buffer.from('sig') } });
    assert.equal(b.verificationMaterial.content.$case, 'publicKey');
    assert.equal(b.verificationMaterial.tlogEntries.length, 0);
  });
});

describe('bundle and key parsing', () => {
  it('refuses oversized, non-JSON and unknown-version bundles', () => {
    assert.throws(() => parseBundle(Buffer.alloc(20), 10), /over the limit/);
    assert.throws(() => parseBundle(Buffer.from('{')), /not JSON/);
    assert.throws(() => parseBundle(Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v9.9+json"}')), /unsupported bundle media type/);
  });

  it('accepts the key types cosign signs with and refuses others', () => {
    const pemOf = (k: KeyObject) => k.export({ format: 'pem', type: 'spki' }).toString();
    const accepted = [
      generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      generateKeyPairSync('ec', { namedCurve: 'P-384' }),
      generateKeyPairSync('rsa', { modulusLength: 2048 }),
      generateKeyPairSync('ed25519'),
    ];
    for (const k of accepted) parsePublicKeyPem(pemOf(k.publicKey), 'k');
    assert.throws(() => parsePublicKeyPem(pemOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), 'small'), KEY_INVALID);
    assert.throws(() => parsePublicKeyPem(pemOf(generateKeyPairSync('x25519').publicKey), 'x'), /unsupported public key type x25519/);
    assert.throws(() => parsePublicKeyPem('', 'empty'), /cannot decode public key empty/);
    assert.throws(() => parsePublicKeyPem('-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----', 'b'), KEY_INVALID);
  });
});

describe('sigstore-conformance arguments', () => {
  it('parses the protocol and refuses the rest', () => {
    assert.deepEqual(parseConformanceArgs(['verify-bundle', '--staging', '--bundle', 'b.json', '--certificate-identity', 'id', '--certificate-oidc-issuer', 'iss', '--trusted-root', 'tr.json', 'a.txt']), {
      staging: true,
      bundle: 'b.json',
      identity: 'id',
      issuer: 'iss',
      trustedRoot: 'tr.json',
      artifact: 'a.txt',
    });
    assert.equal(parseConformanceArgs(['verify-bundle', '--bundle', 'b', '--key', 'k.pem', 'sha256:' + 'a'.repeat(64)]).key, 'k.pem');
    for (const bad of [[], ['sign-bundle'], ['verify-bundle', 'a'], ['verify-bundle', '--bundle', 'b', 'a'], ['verify-bundle', '--bundle', 'b', '--certificate-identity', 'i', 'a'], ['verify-bundle', '--bundle', 'b', '--key', 'k', 'a', 'extra'], ['verify-bundle', '--bundle'], ['verify-bundle', '--bundle', 'b', '--key', 'k', '--what', 'a']]) {
      assert.throws(() => parseConformanceArgs(bad), UsageError, JSON.stringify(bad));
    }
  });
});

function KEY_INVALID(e: unknown): boolean {
  return e instanceof RatifyError && e.code === 'KEY_INVALID';
}
