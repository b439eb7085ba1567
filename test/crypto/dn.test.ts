import 'reflect-metadata';
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { X509Certificate, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import {
  DistinguishedNameError,
  certificateNames,
  formatDnMapsGo,
  formatIssuer,
  formatName,
  formatSubject,
  goQuote,
  isSubsetDN,
  parseNotationDN,
  parseRfc4514,
} from '../../src/crypto/dn.js';
import { skipUnlessVectors, vectorPath } from '../harness/vectors.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
type KeyPair = webcrypto.CryptoKeyPair;

// ---- DER building for hand-made Names (string types @peculiar/x509 does not pick itself) ----

function derLen(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let l = n; l > 0; l = Math.floor(l / 256)) out.unshift(l & 0xff);
  return [0x80 | out.length, ...out];
}
function tlv(tag: number, body: Uint8Array | number[]): Uint8Array {
  const b = Uint8Array.from(body);
  return Uint8Array.from([tag, ...derLen(b.length), ...b]);
}
function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out = [arcs[0]! * 40 + arcs[1]!];
  for (const a of arcs.slice(2)) {
    const bytes = [a & 0x7f];
    for (let v = a >> 7; v > 0; v >>= 7) bytes.unshift(0x80 | (v & 0x7f));
    out.push(...bytes);
  }
  return tlv(0x06, out);
}
type Atv = [string, number, Uint8Array | string];
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
/** Name DER from RDNs of [oid, string tag, value]; string values are UTF-8 encoded. */
function nameDer(rdns: Atv[][]): Uint8Array {
  return tlv(
    0x30,
    cat(
      ...rdns.map((rdn) =>
        tlv(
          0x31,
          cat(...rdn.map(([o, tag, v]) => tlv(0x30, cat(oid(o), tlv(tag, typeof v === 'string' ? new TextEncoder().encode(v) : v))))),
        ),
      ),
    ),
  );
}
const PS = 0x13; // PrintableString
const UTF8 = 0x0c;
const C = '2.5.4.6', O = '2.5.4.10', OU = '2.5.4.11', CN = '2.5.4.3', L = '2.5.4.7', ST = '2.5.4.8';
const SERIAL = '2.5.4.5', STREET = '2.5.4.9', POSTAL = '2.5.4.17';
const EMAIL = '1.2.840.113549.1.9.1', UID = '0.9.2342.19200300.100.1.1', DC = '0.9.2342.19200300.100.1.25';

async function selfSigned(name: x509.Name | string): Promise<x509.X509Certificate> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as KeyPair;
  return x509.X509CertificateGenerator.createSelfSigned({ name, keys, signingAlgorithm: alg, serialNumber: '01' });
}

describe('formatName: Go pkix.Name.String()', () => {
  const cases: Array<[string, Atv[][], string]> = [
    ['reverses DER order', [[[C, PS, 'US']], [[ST, PS, 'WA']], [[L, PS, 'Seattle']], [[O, PS, 'Notary']], [[CN, PS, 'e2e']]], 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US'],
    // Go rebuilds from parsed fields in a fixed order, whatever order the DER has.
    ['regroups into Go field order', [[[O, PS, 'Ratify']], [[CN, PS, 'Ratify Sample']]], 'CN=Ratify Sample,O=Ratify'],
    ['GlobalSign R3 order', [[[OU, PS, 'GlobalSign Root CA - R3']], [[O, PS, 'GlobalSign']], [[CN, PS, 'GlobalSign']]], 'CN=GlobalSign,OU=GlobalSign Root CA - R3,O=GlobalSign'],
    ['all named fields', [[[SERIAL, PS, '42']], [[CN, PS, 'x']], [[OU, PS, 'u']], [[O, PS, 'o']], [[POSTAL, PS, '98101']], [[STREET, PS, '1 Main']], [[L, PS, 'l']], [[ST, PS, 's']], [[C, PS, 'US']]], 'SERIALNUMBER=42,CN=x,OU=u,O=o,POSTALCODE=98101,STREET=1 Main,L=l,ST=s,C=US'],
    ['escapes , + " \\ < > ;', [[[CN, UTF8, 'a,b+c"d\\e<f>g;h']]], 'CN=a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h'],
    ['escapes leading and trailing space only', [[[O, PS, ' lead']], [[OU, PS, 'trail ']], [[CN, PS, 'in side']]], 'CN=in side,OU=trail\\ ,O=\\ lead'],
    ['escapes leading # only', [[[CN, UTF8, '#hash#']], [[O, PS, 'a=b']]], 'CN=\\#hash#,O=a=b'],
    ['single space value is escaped once', [[[CN, PS, ' ']]], 'CN=\\ '],
    ['repeated attribute becomes one multi-valued RDN', [[[OU, PS, 'a']], [[OU, PS, 'b']], [[CN, PS, 'x']]], 'CN=x,OU=a+OU=b'],
    ['multi-valued RDN is flattened into fields', [[[CN, PS, 'x'], [O, PS, 'y']]], 'CN=x,O=y'],
    ['last CN wins', [[[CN, PS, 'first']], [[CN, PS, 'second']]], 'CN=second'],
    ['empty CN is dropped, empty O kept', [[[O, PS, '']], [[CN, PS, '']]], 'O='],
    ['non-ASCII is not escaped', [[[CN, UTF8, 'Zoë ✓']]], 'CN=Zoë ✓'],
    // Unknown attributes print as OID=#<DER of Go's re-marshalled string>, after the named ones.
    ['unknown attribute, printable → PrintableString', [[[UID, UTF8, 'jdoe']], [[CN, PS, 'x']]], 'CN=x,0.9.2342.19200300.100.1.1=#13046a646f65'],
    ['unknown attribute, "@" → UTF8String', [[[C, PS, 'US']], [[O, PS, 'Org']], [[EMAIL, 0x16, 'a@b.c']]], 'O=Org,C=US,1.2.840.113549.1.9.1=#0c056140622e63'],
    ['unknown attribute with * and & → UTF8String', [[[UID, PS, 'a*&']]], '0.9.2342.19200300.100.1.1=#0c03612a26'],
    ['several unknown attributes keep reverse order', [[[DC, 0x16, 'com']], [[DC, 0x16, 'example']], [[CN, PS, 'x']]], 'CN=x,0.9.2342.19200300.100.1.25=#13076578616d706c65,0.9.2342.19200300.100.1.25=#1303636f6d'],
    ['unknown attribute inside a multi-valued RDN gets its own', [[[UID, PS, 'u'], [CN, PS, 'c']]], 'CN=c,0.9.2342.19200300.100.1.1=#130175'],
    ['long unknown value uses long-form length', [[[UID, PS, 'a'.repeat(130)]]], `0.9.2342.19200300.100.1.1=#138182${'61'.repeat(130)}`],
    ['T61String is Latin-1', [[[CN, 0x14, Uint8Array.from([0x63, 0x61, 0x66, 0xe9])]]], 'CN=café'],
    ['BMPString, trailing NUL stripped', [[[CN, 0x1e, Uint8Array.from([0x00, 0x5a, 0x00, 0xeb, 0x00, 0x00])]]], 'CN=Zë'],
    ['IA5String and NumericString', [[[CN, 0x16, 'ia5']], [[SERIAL, 0x12, '12 34']]], 'SERIALNUMBER=12 34,CN=ia5'],
    ['empty Name', [], ''],
  ];
  for (const [title, rdns, want] of cases) {
    it(title, () => assert.equal(formatName(nameDer(rdns)), want));
  }

  it('rejects what Go refuses to parse', () => {
    assert.throws(() => formatName(nameDer([[[CN, 0x1c, 'x']]])), /unsupported string type: 28/);
    assert.throws(() => formatName(nameDer([[[CN, PS, 'a@b']]])), /invalid PrintableString/);
    assert.throws(() => formatName(nameDer([[[CN, UTF8, Uint8Array.from([0xff])]]])), /invalid UTF-8/);
    assert.throws(() => formatName(nameDer([[[CN, 0x16, Uint8Array.from([0xe9])]]])), /invalid IA5String/);
    assert.throws(() => formatName(nameDer([[[CN, 0x1e, Uint8Array.from([0xd8, 0x00])]]])), /invalid BMPString/);
  });
});

describe('formatSubject / formatIssuer on certificates', () => {
  let sample: x509.X509Certificate;
  before(async () => {
    // Ratify's sample notation.crt has subject O=Ratify, CN=Ratify Sample.
    sample = await selfSigned('O=Ratify, CN=Ratify Sample');
  });

  it('accepts @peculiar/x509, node:crypto and DER forms', () => {
    const node = new X509Certificate(Buffer.from(sample.rawData));
    for (const c of [sample, node, new Uint8Array(sample.rawData), sample.rawData]) {
      assert.equal(formatSubject(c), 'CN=Ratify Sample,O=Ratify');
      assert.equal(formatIssuer(c), 'CN=Ratify Sample,O=Ratify');
    }
  });

  it('issuer and subject are located exactly (raw DER slices)', async () => {
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const ca = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as KeyPair;
    const leaf = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as KeyPair;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: '02',
      subject: 'CN=leaf\\, escaped, O=Org',
      issuer: 'CN=Some CA, C=DE',
      publicKey: leaf.publicKey,
      signingKey: ca.privateKey,
      signingAlgorithm: alg,
    });
    assert.equal(formatSubject(cert), 'CN=leaf\\, escaped,O=Org');
    assert.equal(formatIssuer(cert), 'CN=Some CA,C=DE');
    const { subjectDer, issuerDer } = certificateNames(cert);
    assert.deepEqual(Buffer.from(subjectDer), Buffer.from(cert.subjectName.toArrayBuffer()));
    assert.deepEqual(Buffer.from(issuerDer), Buffer.from(cert.issuerName.toArrayBuffer()));
  });

  it('handles certificates made with JSON names of every escaping need', async () => {
    const cert = await selfSigned(
      new x509.Name([{ C: ['US'] }, { O: ['Acme, Inc.'] }, { OU: [' spaced '] }, { CN: [{ utf8String: '#1 <admin>; "root"' }] }]),
    );
    assert.equal(formatSubject(cert), 'CN=\\#1 \\<admin\\>\\; \\"root\\",OU=\\ spaced\\ ,O=Acme\\, Inc.,C=US');
  });

  const vectorCerts: Array<[string, string]> = [
    ['notation/test/e2e/testdata/config/localkeys/e2e.crt', 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US'],
    ['notation/test/e2e/testdata/config/localkeys/new_e2e.crt', 'O=Internet Widgits Pty Ltd,ST=Some-State,C=AU'],
    ['notation-go/verifier/testdata/truststore/x509/ca/valid-trust-store/GlobalSign.der', 'CN=GlobalSign,OU=GlobalSign Root CA - R3,O=GlobalSign'],
    ['notation-go/verifier/testdata/truststore/x509/tsa/test-timestamp/globalsignRoot.cer', 'CN=GlobalSign,OU=GlobalSign Root CA - R6,O=GlobalSign'],
    ['notation-go/verifier/testdata/truststore/x509/ca/trust-store-with-leaf-certs/non-ca.crt', 'CN=wabbit-networks.io,O=Notary,L=Seattle,ST=WA,C=US'],
    ['notation-go/verifier/testdata/truststore/x509/ca/valid-trust-store/TestTimestampNotYetValid.crt', 'CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US'],
    ['notation-core-go/x509/testdata/openssl-minimum-self-signed.pem', 'OU=TestCert,O=Notation Test,L=Seattle,ST=Washington,C=US'],
  ];
  for (const [file, want] of vectorCerts) {
    it(`vector ${file.split('/').pop()}`, { skip: skipUnlessVectors(1, `dn ${file}`) }, () => {
      const cert = new X509Certificate(readFileSync(vectorPath(...file.split('/'))));
      assert.equal(formatSubject(cert), want);
    });
  }
});

describe('parseRfc4514 (go-ldap ParseDN)', () => {
  it('splits RDNs on , and ; and attributes on +, trimming spaces', () => {
    assert.deepEqual(parseRfc4514(' C=US ; ST = WA,O=a+OU=b '), [
      [{ type: 'C', value: 'US' }],
      [{ type: 'ST', value: 'WA' }],
      [
        { type: 'O', value: 'a' },
        { type: 'OU', value: 'b' },
      ],
    ]);
  });
  it('resolves escapes: specials, hex bytes (UTF-8), escaped trailing space', () => {
    assert.deepEqual(parseRfc4514('CN=a\\,b\\+c\\;d\\=e\\\\f\\"g\\<h\\>i\\#j,O=Caf\\C3\\A9,OU=x\\ '), [
      [{ type: 'CN', value: 'a,b+c;d=e\\f"g<h>i#j' }],
      [{ type: 'O', value: 'Café' }],
      [{ type: 'OU', value: 'x ' }],
    ]);
  });
  it('takes unescaped quotes, angle brackets and NUL as they are (go-ldap v3.4.10, which Ratify v1.4.4 builds with)', () => {
    assert.deepEqual(parseRfc4514('CN="quoted",O=<x>,OU=a\0b'), [[{ type: 'CN', value: '"quoted"' }], [{ type: 'O', value: '<x>' }], [{ type: 'OU', value: 'a\0b' }]]);
  });
  it('keeps a trailing space after a final backslash, whatever the backslashes before it (go-ldap v3.4.10)', () => {
    assert.deepEqual(parseRfc4514('CN=a\\\\ '), [[{ type: 'CN', value: 'a\\ ' }]]);
  });
  it('keeps "=" inside a value', () => {
    assert.deepEqual(parseRfc4514('CN=a=b'), [[{ type: 'CN', value: 'a=b' }]]);
  });
  it('returns no RDNs for an empty string', () => assert.deepEqual(parseRfc4514('  '), []));
  const bad: Array<[string, string]> = [
    ['C=US,,O=x', 'incomplete type, value pair'],
    ['C=US,O', 'DN ended with incomplete type, value pair'],
    ['CN=a\\', "got corrupted escaped character: 'a\\'"],
    ['CN=a\\4', 'failed to decode escaped character: encoding/hex: invalid byte: 4'],
    ['CN=\\zz', "failed to decode escaped character: encoding/hex: invalid byte: U+007A 'z'"],
    ['CN=\\éé', 'failed to decode escaped character: invalid byte: éé'],
  ];
  for (const [dn, msg] of bad) {
    it(`rejects ${dn}`, () => assert.throws(() => parseRfc4514(dn), (e: unknown) => e instanceof DistinguishedNameError && e.message === msg));
  }
});

describe('parseNotationDN (notation-go pkix.ParseDistinguishedName)', () => {
  it('parses the spec example with spaces and an escaped comma', () => {
    const dn = parseNotationDN(' C=US, ST=WA, L=Seattle, O=wabbit-networks.io, OU=Finance\\, Tax, CN=SecureBuilder');
    assert.deepEqual(Object.fromEntries(dn), {
      C: 'US',
      ST: 'WA',
      L: 'Seattle',
      O: 'wabbit-networks.io',
      OU: 'Finance, Tax',
      CN: 'SecureBuilder',
    });
  });
  it('accepts S as an alias of ST (notation-go pkix tests)', () => {
    assert.equal(parseNotationDN('C=US,S=California,O=Notary Project').get('ST'), 'California');
    assert.equal(parseNotationDN('C=US,ST=California,O=Notary Project').get('ST'), 'California');
  });
  const bad: Array<[string, string]> = [
    ['C=US,ST=California', 'distinguished name (DN) "C=US,ST=California" has no mandatory RDN attribute for "O", it must contain \'C\', \'ST\' or \'S\', and \'O\' RDN attributes at a minimum'],
    ['C=US,O=Notary Project', 'distinguished name (DN) "C=US,O=Notary Project" has no mandatory RDN attribute for "ST", it must contain \'C\', \'ST\' or \'S\', and \'O\' RDN attributes at a minimum'],
    ['c=US,ST=WA,O=x', 'distinguished name (DN) "c=US,ST=WA,O=x" has no mandatory RDN attribute for "C", it must contain \'C\', \'ST\' or \'S\', and \'O\' RDN attributes at a minimum'],
    ['C=US,ST=WA,S=OR,O=x', 'distinguished name (DN) "C=US,ST=WA,S=OR,O=x" has duplicate RDN attribute for "ST", DN can only have unique RDN attributes'],
    ['C=US,ST=WA,O=x,O=y', 'distinguished name (DN) "C=US,ST=WA,O=x,O=y" has duplicate RDN attribute for "O", DN can only have unique RDN attributes'],
    ['C=US+ST=WA,O=x', 'distinguished name (DN) "C=US+ST=WA,O=x" has multi-valued RDN attributes, remove multi-valued RDN attributes as they are not supported'],
    ['C=US,ST=WA,O=x,1.2.3=#0101ff', 'unsupported distinguished name (DN) "C=US,ST=WA,O=x,1.2.3=#0101ff": notation does not support x509.subject identities containing "=#"'],
    ['C=US,,ST=WA,O=x', 'parsing distinguished name (DN) "C=US,,ST=WA,O=x" failed with err: incomplete type, value pair. A valid DN must contain \'C\', \'ST\' or \'S\', and \'O\' RDN attributes at a minimum, and follow RFC 4514 standard'],
    ['', 'distinguished name (DN) "" has no mandatory RDN attribute for "C", it must contain \'C\', \'ST\' or \'S\', and \'O\' RDN attributes at a minimum'],
  ];
  for (const [dn, msg] of bad) {
    it(`rejects ${JSON.stringify(dn)}`, () =>
      assert.throws(() => parseNotationDN(dn), (e: unknown) => e instanceof DistinguishedNameError && e.message === msg));
  }
  it('an empty value does not count as present (Go compares with "")', () => {
    assert.equal(parseNotationDN('C=,C=US,ST=WA,O=x').get('C'), 'US');
  });
});

describe('isSubsetDN and formatDnMapsGo', () => {
  const leaf = parseNotationDN('CN=e2e,O=Notary,L=Seattle,ST=WA,C=US');
  it('matches when every policy attribute is present and equal', () => {
    assert.equal(isSubsetDN(parseNotationDN('C=US,ST=WA,O=Notary'), leaf), true);
    assert.equal(isSubsetDN(parseNotationDN('C=US,ST=WA,O=Notary,CN=e2e'), leaf), true);
  });
  it('does not match on a different, missing or differently cased value', () => {
    assert.equal(isSubsetDN(parseNotationDN('C=USB,ST=WA,O=Notary'), leaf), false);
    assert.equal(isSubsetDN(parseNotationDN('C=US,ST=WA,O=Notary,OU=x'), leaf), false);
    assert.equal(isSubsetDN(parseNotationDN('C=us,ST=WA,O=Notary'), leaf), false);
  });
  it('prints like Go %q of []map[string]string (sorted keys)', () => {
    assert.equal(
      formatDnMapsGo([parseNotationDN('CN=e2e,O=Notary,L=Seattle,ST=WA,C=USB'), parseNotationDN('C=IN,ST=TG,O=q\\"')]),
      '[map["C":"USB" "CN":"e2e" "L":"Seattle" "O":"Notary" "ST":"WA"] map["C":"IN" "O":"q\\"" "ST":"TG"]]',
    );
  });
});

describe('goQuote (Go %q)', () => {
  it('escapes like strconv.Quote', () => {
    assert.equal(goQuote('plain'), '"plain"');
    assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(goQuote('\n\t\x00\x7f'), '"\\n\\t\\x00\\x7f"');
    assert.equal(goQuote('é\u00a0\u200b😀'), '"é\\u00a0\\u200b😀"');
  });
});
