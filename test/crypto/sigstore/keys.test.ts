import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { RatifyError } from '../../../src/errors.js';
import { parsePublicKeyPem } from '../../../src/crypto/sigstore/keys.js';

/**
 * cosign key files are read as cosign reads them: sigstore cryptoutils.UnmarshalPEMToPublicKey
 * (Go's pem.Decode, then x509.ParsePKIXPublicKey or ParsePKCS1PublicKey) and signature.LoadVerifier.
 * Each expectation was compared with sigstore v1.10.8 on the same bytes.
 */

const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
const pem = (type: string, der: Buffer) => `-----BEGIN ${type}-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${type}-----\n`;
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
const good = pem('PUBLIC KEY', spki(ec));

function rejects(text: string | Buffer, why: RegExp): void {
  assert.throws(
    () => parsePublicKeyPem(text, 'cosign.pub'),
    (e: unknown) => {
      assert.ok(e instanceof RatifyError);
      assert.equal(e.code, 'KEY_INVALID');
      assert.match(e.message, /cannot decode public key cosign\.pub/);
      assert.match(e.message, why);
      return true;
    },
  );
}

describe('cosign public keys: PEM as Go\'s encoding/pem.Decode reads it', () => {
  it('accepts what Go accepts around the block', () => {
    for (const text of [
      `some text\n${good}`,
      good.replace(/\n/g, '\r\n'),
      good.replace('-----\n', '-----\nComment: a header\n\n'),
      good.replace(/\n(?=[A-Za-z0-9+/])/g, '\n \t'),
      good.replace(/-----\n$/, '----- \t\n'),
      `-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n${good}`, // an undecodable block is skipped
    ]) {
      assert.equal(parsePublicKeyPem(text, 'k').asymmetricKeyType, 'ec', JSON.stringify(text.slice(0, 40)));
    }
  });

  it('the first block decides: another type before the key is refused', () => {
    rejects(pem('CERTIFICATE', Buffer.from('x')) + good, /unknown Public key PEM file type: CERTIFICATE/);
    rejects(good.replace(/PUBLIC KEY/g, 'EC PUBLIC KEY'), /unknown Public key PEM file type: EC PUBLIC KEY/);
  });

  it('refuses what Go\'s PEM decoder does not find', () => {
    for (const text of [
      `text${good}`, // BEGIN not at the start of a line
      ` ${good}`,
      `\ufeff${good}`,
      good.replace(/\n(?=[A-Za-z0-9+/])/, '\n\f'), // only spaces, tabs, CR and LF are skipped
      good.replace(/-----\n$/, '-----x\n'),
      good.replace('END PUBLIC KEY', 'END PRIVATE KEY'),
      good.replace(/=+\n/, '\n'),
    ]) {
      rejects(text, /PEM decoding failed/);
    }
  });
});

describe('cosign public keys: DER as Go\'s crypto/x509 reads it', () => {
  it('accepts PKIX ECDSA P-256/384/521, RSA, Ed25519 and PKCS#1 RSA', () => {
    for (const k of [ec, rsa, generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey, generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey, generateKeyPairSync('ed25519').publicKey]) {
      assert.ok(parsePublicKeyPem(pem('PUBLIC KEY', spki(k)), 'k'));
    }
    assert.equal(parsePublicKeyPem(pem('RSA PUBLIC KEY', rsa.export({ type: 'pkcs1', format: 'der' })), 'k').asymmetricKeyType, 'rsa');
  });

  it('refuses bytes after the key', () => {
    rejects(pem('PUBLIC KEY', Buffer.concat([spki(ec), Buffer.from([0, 0])])), /x509: trailing data after ASN\.1 of public-key/);
    rejects(pem('RSA PUBLIC KEY', Buffer.concat([rsa.export({ type: 'pkcs1', format: 'der' }), Buffer.from([0])])), /trailing data/);
  });

  it('refuses a compressed EC point', () => {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const point = ecdh.getPublicKey(null, 'compressed');
    const der = spki(ec);
    const body = Buffer.concat([der.subarray(2, 2 + der[3]! + 2), Buffer.from([0x03, point.length + 1, 0]), point]);
    rejects(pem('PUBLIC KEY', Buffer.concat([Buffer.from([0x30, body.length]), body])), /crypto\/ecdsa: invalid public key/);
  });

  it('refuses algorithms Go\'s x509 does not know, and a format under the other label', () => {
    rejects(pem('PUBLIC KEY', spki(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey)), /x509: unknown public key algorithm/);
    rejects(pem('PUBLIC KEY', spki(generateKeyPairSync('ed448').publicKey)), /x509: unknown public key algorithm/);
    rejects(pem('PUBLIC KEY', spki(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey)), /x509: unsupported elliptic curve/);
    rejects(pem('PUBLIC KEY', rsa.export({ type: 'pkcs1', format: 'der' })), /use ParsePKCS1PublicKey instead/);
    rejects(pem('RSA PUBLIC KEY', spki(rsa)), /use ParsePKIXPublicKey instead/);
  });

  it('refuses key types cosign cannot verify with (signature.LoadVerifier)', () => {
    rejects(pem('PUBLIC KEY', spki(generateKeyPairSync('x25519').publicKey)), /unsupported public key type x25519/);
    rejects(pem('PUBLIC KEY', spki(generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).publicKey)), /unsupported public key type dsa/);
  });

  it('ours: P-224 and RSA under 2048 bits are refused (cosign would load them)', () => {
    rejects(pem('PUBLIC KEY', spki(generateKeyPairSync('ec', { namedCurve: 'secp224r1' }).publicKey)), /unsupported elliptic curve secp224r1/);
    rejects(pem('PUBLIC KEY', spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey)), /RSA key of 1024 bits is too small/);
  });
});
