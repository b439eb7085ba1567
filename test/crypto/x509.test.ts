import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RatifyError } from '../../src/errors.js';
import {
  certificateFingerprint,
  goNameString,
  goQuote,
  isCA,
  isIssuedBy,
  isSelfSigned,
  parseCertificateDer,
  parseCertificates,
  validateCodeSigningChain,
  validateTimestampingChain,
  type Certificate,
} from '../../src/crypto/x509/index.js';
import { skipUnlessVectors, vectorPath, vectorsDir } from '../harness/vectors.js';
import { CODE_SIGNING, KU, makeCert, sharedKey, TIME_STAMPING, type TestCert } from '../helpers/notation-sign.js';

interface VectorCase {
  id: string;
  kind: string;
  check: string;
  expect: 'pass' | 'fail';
  reason: string;
  files: string[];
  inputs: { chainOrder?: string[] };
  source: { repo: string };
}

function loadCases(kinds: string[]): VectorCase[] {
  const dir = vectorsDir();
  if (dir === undefined) return [];
  const doc = JSON.parse(readFileSync(vectorPath('cases.json'), 'utf8')) as VectorCase[] | { cases: VectorCase[] };
  const all = Array.isArray(doc) ? doc : doc.cases;
  return all.filter((c) => kinds.includes(c.kind));
}

/**
 * Expected error texts in cases.json are JSON-quoted and may elide parts with "...". They lost
 * one level of backslash escaping on the way (Go's %q gives `DigiCert\\, Inc.` in the real
 * error, as notation-core-go's own test asserts), so runs of backslashes compare as one.
 */
function assertMatchesReason(message: string, reason: string): void {
  const squash = (s: string) => s.replace(/\\+/g, '\\');
  const expected = squash(JSON.parse(reason) as string);
  message = squash(message);
  let from = 0;
  for (const part of expected.split('...')) {
    const at = message.indexOf(part, from);
    assert.ok(at >= 0, `error ${JSON.stringify(message)} lacks ${JSON.stringify(part)}`);
    from = at + part.length;
  }
}

function errorOf(fn: () => unknown): RatifyError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof RatifyError, `expected RatifyError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

const parseCases = loadCases(['x509-parse']);
const chainCases = loadCases(['x509-chain']);

describe('x509 vectors: parse (notation-core-go x509/cert_test.go)', { skip: skipUnlessVectors(4, 'x509-parse') }, () => {
  it('has the 4 parse cases', () => assert.equal(parseCases.length, 4));
  for (const c of parseCases) {
    it(`${c.id} → ${c.expect} (${c.reason})`, () => {
      const data = readFileSync(vectorPath(c.files[0]!));
      if (c.expect === 'fail') {
        const e = errorOf(() => parseCertificates(data, c.files[0]));
        assert.equal(e.code, 'CERT_INVALID');
        return;
      }
      const certs = parseCertificates(data);
      assert.equal(certs.length, Number(/(\d+) certificate/.exec(c.reason)![1]));
      for (const cert of certs) assert.ok(cert.der.length > 0 && cert.subject.length > 0);
    });
  }
});

describe('x509 vectors: chains (notation-core-go x509 *_cert_validations_test.go)', { skip: skipUnlessVectors(4, 'x509-chain') }, () => {
  it('has the 4 chain cases', () => assert.equal(chainCases.length, 4));
  for (const c of chainCases) {
    it(`${c.id} → ${c.expect}`, () => {
      const folder = c.files[0]!.split('/')[0]!;
      const order = c.inputs.chainOrder?.map((p) => `${folder}/${p}`) ?? c.files;
      const chain = order.flatMap((f) => parseCertificates(readFileSync(vectorPath(f))));
      const validate = c.check === 'timestamping-chain' ? validateTimestampingChain : validateCodeSigningChain;
      if (c.expect === 'pass') {
        validate(chain);
        return;
      }
      const e = errorOf(() => validate(chain));
      assert.equal(e.code, 'CERT_INVALID');
      assertMatchesReason(e.detail, c.reason);
    });
  }
});

describe('x509 vectors: names agree with crypto/dn.ts', { skip: skipUnlessVectors(1, 'x509 names') }, () => {
  it('formats subject and issuer like formatSubject/formatIssuer', async (t) => {
    let dn: typeof import('../../src/crypto/dn.js');
    try {
      dn = await import('../../src/crypto/dn.js');
    } catch (e) {
      t.skip(`crypto/dn.ts not loadable: ${String(e)}`);
      return;
    }
    const files = ['pem.crt', 'timestamp_leaf.crt', 'timestamp_intermediate.crt', 'timestamp_root.crt', 'openssl-minimum-self-signed.pem'];
    for (const f of files) {
      for (const cert of parseCertificates(readFileSync(vectorPath('notation-core-go/x509/testdata', f)))) {
        assert.equal(cert.subject, dn.formatSubject(cert.der), f);
        assert.equal(cert.issuer, dn.formatIssuer(cert.der), f);
      }
    }
  });
});

describe('parseCertificates', () => {
  let a: TestCert;
  let b: TestCert;
  before(async () => {
    const key = await sharedKey('P-256');
    a = await makeCert({ subject: 'CN=a', key });
    b = await makeCert({ subject: 'CN=b', key });
  });

  it('reads PEM with surrounding text, several blocks, and CRLF line ends', () => {
    const text = `junk before\r\n${a.pem.replace(/\n/g, '\r\n')}\nbetween\n${b.pem}\ntrailing`;
    assert.deepEqual(
      parseCertificates(text).map((c) => c.subject),
      ['CN=a', 'CN=b'],
    );
  });
  it('reads concatenated DER certificates', () => {
    assert.deepEqual(
      parseCertificates(Buffer.concat([a.der, b.der])).map((c) => c.subject),
      ['CN=a', 'CN=b'],
    );
  });
  it('rejects a PEM block that is not a certificate, empty input and garbage', () => {
    const key = `-----BEGIN PRIVATE KEY-----\n${Buffer.from('not a key').toString('base64')}\n-----END PRIVATE KEY-----\n`;
    for (const bad of [key, '', Buffer.alloc(0), 'invalid\ninvalid\n', Buffer.concat([a.der, Buffer.from([0x30])]), a.der.subarray(0, 100)]) {
      assert.equal(errorOf(() => parseCertificates(bad)).code, 'CERT_INVALID');
    }
  });
  it('rejects bytes after the certificate, as Go\'s x509.ParseCertificate does', () => {
    const e = errorOf(() => parseCertificateDer(Buffer.concat([a.der, Buffer.from([0, 0])])));
    assert.equal(e.code, 'CERT_INVALID');
    assert.equal(e.detail, 'x509: trailing data');
  });
  it('rejects a negative serial number (Go 1.23+, x509negativeserial=0)', async () => {
    const cert = await makeCert({ subject: 'CN=neg', key: await sharedKey('P-256'), serial: '05' });
    // version [0] v3, then serialNumber INTEGER 05: make it -123 (0x85); the signature no longer
    // matters, parsing comes first.
    const at = cert.der.indexOf(Buffer.from('a003020102020105', 'hex'));
    assert.ok(at > 0);
    const der = Buffer.from(cert.der);
    der[at + 7] = 0x85;
    const e = errorOf(() => parseCertificateDer(der));
    assert.equal(e.detail, 'x509: negative serial number');
  });
  it('keeps DER, a node X509Certificate, raw names and a lower-case SHA-256 fingerprint', () => {
    const c = parseCertificateDer(a.der);
    assert.ok(c.der.equals(a.der));
    assert.equal(c.node.subject, 'CN=a');
    assert.equal(c.version, 3);
    assert.equal(certificateFingerprint(c), createHash('sha256').update(a.der).digest('hex'));
    assert.ok(c.rawSubject.equals(c.rawIssuer));
  });
});

describe('Go name formatting', () => {
  const n = (oid: string, value: string) => ({ oid, value });
  it('orders as pkix.Name.String(): CN, OU, O, POSTALCODE, STREET, L, ST, C', () => {
    const attrs = [n('2.5.4.6', 'US'), n('2.5.4.3', 'leaf'), n('2.5.4.8', 'WA'), n('2.5.4.10', 'Org'), n('2.5.4.7', 'Seattle'), n('2.5.4.11', 'Unit')];
    assert.equal(goNameString(attrs), 'CN=leaf,OU=Unit,O=Org,L=Seattle,ST=WA,C=US');
  });
  it('escapes RFC 2253 specials, groups repeated attributes, drops an empty CN and hex-encodes unknown OIDs last', () => {
    const attrs = [n('2.5.4.11', 'a'), n('2.5.4.11', 'b'), n('2.5.4.10', ' x,y+"z"; '), n('2.5.4.3', ''), n('1.2.840.113549.1.9.1', 'a@b.c')];
    assert.equal(goNameString(attrs), 'OU=a+OU=b,O=\\ x\\,y\\+\\"z\\"\\;\\ ,1.2.840.113549.1.9.1=#0c056140622e63');
  });
  it('quotes like Go %q', () => {
    assert.equal(goQuote('O=DigiCert\\, Inc.'), '"O=DigiCert\\\\, Inc."');
    assert.equal(goQuote('a"b\n\u0001é'), '"a\\"b\\n\\x01é"');
  });
});

// ---- chain rules on generated certificates ----

const subjectOf = (c: Certificate) => goQuote(c.subject);

describe('validateCodeSigningChain / validateTimestampingChain', () => {
  let rootKey: Awaited<ReturnType<typeof sharedKey>>;
  let leafKey: Awaited<ReturnType<typeof sharedKey>>;
  let root: TestCert;
  let inter: TestCert;
  let leaf: TestCert;
  const p = (...cs: TestCert[]) => cs.map((c) => parseCertificateDer(c.der));

  before(async () => {
    rootKey = await sharedKey('RSA-2048', 'chain-root');
    leafKey = await sharedKey('P-256', 'chain-leaf');
    root = await makeCert({ subject: 'CN=Root,O=Test,C=US', key: rootKey, basicConstraints: { ca: true } });
    inter = await makeCert({ subject: 'CN=Inter,O=Test,C=US', key: await sharedKey('P-384', 'chain-inter'), issuer: root, basicConstraints: { ca: true, pathLength: 0 } });
    leaf = await makeCert({ subject: 'CN=Leaf,O=Test,C=US', key: leafKey, issuer: inter });
  });

  it('accepts leaf → intermediate → root and a lone self-signed leaf', async () => {
    validateCodeSigningChain(p(leaf, inter, root));
    validateCodeSigningChain(p(await makeCert({ subject: 'CN=self', key: leafKey })));
  });

  it('reports a self-signed leaf and a self-signed intermediate', async () => {
    const [r] = p(root);
    assert.match(errorOf(() => validateCodeSigningChain([r!, r!])).detail, /^leaf certificate with subject "CN=Root,O=Test,C=US" is self-signed/);
    const direct = await makeCert({ subject: 'CN=Direct', key: leafKey, issuer: root });
    const e = errorOf(() => validateCodeSigningChain(p(direct, root, root)));
    assert.match(e.detail, /^intermediate certificate with subject "CN=Root,O=Test,C=US" is self-signed\. Certificate chain must not contain self-signed intermediate certificate$/);
  });

  it('reports wrong order, a missing root and a wrong issuer with Go x509 reasons', async () => {
    const [l, i, r] = p(leaf, inter, root);
    assert.match(
      errorOf(() => validateCodeSigningChain([l!, r!, i!])).detail,
      /is not issued by "CN=Root,O=Test,C=US"\. Error: x509: signature algorithm specifies an ECDSA public key, but have public key of type \*rsa\.PublicKey$/,
    );
    assert.match(
      errorOf(() => validateCodeSigningChain([l!, i!])).detail,
      /^root certificate with subject "CN=Inter,O=Test,C=US" is invalid or not self-signed\. Certificate chain must end with a valid self-signed root certificate\. Error: x509: signature algorithm specifies an RSA public key, but have public key of type \*ecdsa\.PublicKey$/,
    );
    // A leaf cannot sign: Go refuses before looking at the signature.
    const other = parseCertificateDer((await makeCert({ subject: 'CN=Other', key: rootKey })).der);
    assert.match(
      errorOf(() => validateCodeSigningChain([l!, other, r!])).detail,
      /Error: x509: invalid signature: parent certificate cannot sign this kind of certificate$/,
    );
  });

  it('reports a signature that does not verify under the next certificate', async () => {
    const impostor = await makeCert({ subject: 'CN=Root,O=Test,C=US', key: await sharedKey('RSA-2048', 'impostor'), basicConstraints: { ca: true } });
    assert.equal(
      errorOf(() => validateCodeSigningChain(p(leaf, inter, impostor))).detail,
      'invalid certificates or certificate with subject "CN=Inter,O=Test,C=US" is not issued by "CN=Root,O=Test,C=US". Error: crypto/rsa: verification error',
    );
  });

  it('checks the path length of CA certificates', async () => {
    const inter2 = await makeCert({ subject: 'CN=Inter2', key: await sharedKey('P-256', 'inter2'), issuer: inter, basicConstraints: { ca: true } });
    const leaf2 = await makeCert({ subject: 'CN=Leaf2', key: leafKey, issuer: inter2 });
    const e = errorOf(() => validateCodeSigningChain(p(leaf2, inter2, inter, root)));
    assert.equal(e.detail, `certificate with subject "CN=Inter,O=Test,C=US": expected path length of 1 but certificate has path length 0 instead`);
  });

  it('requires a critical key usage on code-signing CAs but not on TSA CAs', async () => {
    const ca = await makeCert({ subject: 'CN=Lax CA', key: rootKey, basicConstraints: { ca: true }, keyUsageCritical: false });
    const cs = await makeCert({ subject: 'CN=cs', key: leafKey, issuer: ca });
    assert.equal(errorOf(() => validateCodeSigningChain(p(cs, ca))).detail, 'certificate with subject "CN=Lax CA": key usage extension must be marked critical');
    const tsa = await makeCert({ subject: 'CN=tsa', key: leafKey, issuer: ca, eku: [TIME_STAMPING], ekuCritical: true });
    validateTimestampingChain(p(tsa, ca));
  });

  const leafWith = async (spec: Partial<Parameters<typeof makeCert>[0]>) =>
    parseCertificateDer((await makeCert({ subject: 'CN=L', key: leafKey, issuer: root, ...spec })).der);

  it('applies the leaf key usage rules', async () => {
    const r = p(root)[0]!;
    const cases: [Partial<Parameters<typeof makeCert>[0]>, string][] = [
      [{ keyUsage: null }, 'certificate with subject "CN=L": key usage extension must be present'],
      [{ keyUsageCritical: false }, 'certificate with subject "CN=L": key usage extension must be marked critical'],
      [{ keyUsage: KU.nonRepudiation }, 'the certificate with subject "CN=L" is invalid. The key usage must have the bit positions for "Digital Signature" set'],
      [
        { keyUsage: KU.digitalSignature | KU.keyEncipherment | KU.dataEncipherment },
        'the certificate with subject "CN=L" is invalid. The key usage must be "Digital Signature" only, but found "KeyEncipherment", "DataEncipherment"',
      ],
      [{ basicConstraints: { ca: true } }, 'certificate with subject "CN=L": if the basic constraints extension is present, the ca field must be set to false'],
    ];
    for (const [spec, msg] of cases) {
      const l = await leafWith(spec);
      assert.equal(errorOf(() => validateCodeSigningChain([l, r])).detail, msg);
    }
    // digitalSignature + nonRepudiation (content commitment) is allowed.
    validateCodeSigningChain([await leafWith({ keyUsage: KU.digitalSignature | KU.nonRepudiation }), r]);
  });

  it('applies the code-signing EKU rules', async () => {
    const r = p(root)[0]!;
    validateCodeSigningChain([await leafWith({ eku: null }), r]);
    validateCodeSigningChain([await leafWith({ eku: [CODE_SIGNING, '1.2.3.4'] }), r]);
    for (const [oid, name] of [
      ['1.3.6.1.5.5.7.3.1', 'ServerAuth'],
      ['1.3.6.1.5.5.7.3.2', 'ClientAuth'],
      ['1.3.6.1.5.5.7.3.4', 'EmailProtection'],
      [TIME_STAMPING, 'Timestamping'],
      ['1.3.6.1.5.5.7.3.9', 'OCSPSigning'],
    ] as const) {
      const l = await leafWith({ eku: [CODE_SIGNING, oid] });
      assert.equal(errorOf(() => validateCodeSigningChain([l, r])).detail, `certificate with subject "CN=L": extended key usage must not contain ${name} eku`);
    }
  });

  it('applies the RFC 3161 TSA EKU rules', async () => {
    const r = p(root)[0]!;
    validateTimestampingChain([await leafWith({ eku: [TIME_STAMPING], ekuCritical: true, keyUsageCritical: false }), r]);
    const only = 'timestamp signing certificate with subject "CN=L" must have and only have Timestamping as extended key usage';
    for (const eku of [[CODE_SIGNING], [TIME_STAMPING, '1.2.3.4'], null]) {
      const l = await leafWith({ eku, ekuCritical: true });
      assert.equal(errorOf(() => validateTimestampingChain([l, r])).detail, only);
    }
    const nonCritical = await leafWith({ eku: [TIME_STAMPING] });
    assert.equal(
      errorOf(() => validateTimestampingChain([nonCritical, r])).detail,
      'timestamp signing certificate with subject "CN=L" must have extended key usage extension marked as critical',
    );
  });

  it('refuses small RSA keys and SHA-1 signatures', async () => {
    const small = await makeCert({ subject: 'CN=small', key: await sharedKey('RSA-1024') });
    assert.equal(
      errorOf(() => validateCodeSigningChain(p(small))).detail,
      'invalid self-signed certificate. Error: certificate with subject "CN=small": rsa key size 1024 bits is not supported',
    );
    // WebCrypto binds an RSA key to one hash, so the SHA-1 certificate comes from an EC issuer.
    const ecRoot = await makeCert({ subject: 'CN=EC Root', key: await sharedKey('P-384', 'ec-root'), basicConstraints: { ca: true } });
    const sha1 = await makeCert({ subject: 'CN=sha1', key: leafKey, issuer: ecRoot, certHash: 'SHA-1' });
    assert.match(errorOf(() => validateCodeSigningChain(p(sha1, ecRoot))).detail, /Error: x509: cannot verify signature: insecure algorithm ECDSA-SHA1$/);
  });

  it('checks validity at the given time, with Go time formatting', () => {
    const l = p(leaf)[0]!;
    const at = new Date(l.notBefore.getTime() - 1000);
    const e = errorOf(() => validateCodeSigningChain(p(leaf, inter, root), { atTime: at }));
    assert.match(e.detail, /^certificate with subject "CN=Leaf,O=Test,C=US" was invalid at signing time of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC\. Certificate is valid from \[.* \+0000 UTC\] to \[.* \+0000 UTC\]$/);
    validateCodeSigningChain(p(leaf, inter, root), { atTime: new Date(l.notBefore.getTime() + 1000) });
  });

  it('reports a lone certificate that is not self-signed', () => {
    const e = errorOf(() => validateCodeSigningChain(p(leaf)));
    assert.equal(e.detail, `invalid self-signed certificate. subject: ${subjectOf(p(leaf)[0]!)}. Error: x509: ECDSA verification failure`);
    assert.equal(errorOf(() => validateCodeSigningChain([])).detail, 'certificate chain must contain at least one certificate');
  });

  it('exposes isSelfSigned / isIssuedBy / isCA with Go semantics', async () => {
    const [l, i, r] = p(leaf, inter, root);
    assert.equal(isSelfSigned(r!), true);
    assert.equal(isSelfSigned(l!), false);
    assert.equal(isIssuedBy(l!, i!), true);
    assert.equal(isIssuedBy(l!, r!), false);
    assert.equal(isCA(r!), true);
    assert.equal(isCA(l!), false);
    // Go's CheckSignatureFrom refuses a non-CA parent, so a self-signed leaf is not "self-signed" here.
    const self = parseCertificateDer((await makeCert({ subject: 'CN=self', key: leafKey })).der);
    assert.equal(isSelfSigned(self), false);
  });
});
