import 'reflect-metadata';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink, truncate, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { backgroundContext, type Context } from '../../../src/context.js';
import { RatifyError } from '../../../src/errors.js';
import {
  CertFileCache,
  MAX_CERT_FILE_BYTES,
  NotationTrustStore,
  RatifyTrustStore,
  TrustStoreError,
  isCA,
  isSelfSigned,
  parseCertStores,
  parseCertificates,
  parseTrustStoreConfig,
  rootCAError,
  type KeyManagementLookup,
} from '../../../src/verifiers/notation/truststore/index.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
type KeyPair = webcrypto.CryptoKeyPair;

// ---------------------------------------------------------------- test PKI

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const RSA_SHA1 = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-1' };

async function keys(alg: object = EC): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(alg as never, true, ['sign', 'verify'])) as KeyPair;
}

interface MadeCert {
  pem: string;
  der: Buffer;
  keys: KeyPair;
}

async function makeCert(opts: {
  subject: string;
  issuer?: string;
  ca?: boolean;
  /** Omit basicConstraints entirely. */
  noBasicConstraints?: boolean;
  keyUsage?: x509.KeyUsageFlags;
  /** Signing key; defaults to the certificate's own (self-signed). */
  signer?: KeyPair;
  alg?: object;
  /** Validity end (default: a day from now). */
  notAfter?: Date;
}): Promise<MadeCert> {
  const alg = opts.alg ?? EC;
  const own = await keys(alg);
  const extensions: x509.Extension[] = [];
  if (!opts.noBasicConstraints) extensions.push(new x509.BasicConstraintsExtension(opts.ca ?? false, undefined, true));
  if (opts.keyUsage !== undefined) extensions.push(new x509.KeyUsagesExtension(opts.keyUsage, true));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1'),
    subject: opts.subject,
    issuer: opts.issuer ?? opts.subject,
    publicKey: own.publicKey,
    signingKey: (opts.signer ?? own).privateKey,
    signingAlgorithm: alg as never,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: opts.notAfter ?? new Date(Date.now() + 86400_000),
    extensions,
  });
  return { pem: `${cert.toString('pem')}\n`, der: Buffer.from(cert.rawData), keys: own };
}

let pki: {
  root: MadeCert;
  leaf: MadeCert;
  intermediate: MadeCert;
  selfSignedLeaf: MadeCert;
  sha1Root: MadeCert;
  notSelfIssued: MadeCert;
  caWithoutCertSign: MadeCert;
  v3WithoutBasicConstraints: MadeCert;
};

before(async () => {
  const root = await makeCert({ subject: 'CN=Test Root,O=Notary,ST=WA,C=US', ca: true, keyUsage: x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign });
  pki = {
    root,
    leaf: await makeCert({ subject: 'CN=leaf,O=Notary,ST=WA,C=US', issuer: 'CN=Test Root,O=Notary,ST=WA,C=US', signer: root.keys }),
    intermediate: await makeCert({ subject: 'CN=Intermediate,O=Notary', issuer: 'CN=Test Root,O=Notary,ST=WA,C=US', signer: root.keys, ca: true }),
    selfSignedLeaf: await makeCert({ subject: 'CN=self,O=Notary,ST=WA,C=US', keyUsage: x509.KeyUsageFlags.digitalSignature }),
    sha1Root: await makeCert({ subject: 'CN=SHA1 Root', ca: true, alg: RSA_SHA1 }),
    notSelfIssued: await makeCert({ subject: 'CN=Child', issuer: 'CN=Parent', ca: true }),
    caWithoutCertSign: await makeCert({ subject: 'CN=No CertSign', ca: true, keyUsage: x509.KeyUsageFlags.digitalSignature }),
    v3WithoutBasicConstraints: await makeCert({ subject: 'CN=No BC', noBasicConstraints: true }),
  };
});

const nodeCert = (c: MadeCert) => new X509Certificate(c.der);
/** The CN of a certificate, to name results independently of RDN order. */
const cn = (c: X509Certificate) => /CN=([^\n]*)/.exec(c.subject)?.[1];

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ratify-ts-truststore-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});
let counter = 0;
async function freshDir(): Promise<string> {
  const d = join(tmp, `d${counter++}`);
  await mkdir(d, { recursive: true });
  return d;
}

const ctx: Context = backgroundContext();

function rejectsWith(p: Promise<unknown>, detail: string | RegExp, code?: string): Promise<void> {
  return assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof RatifyError, `expected RatifyError, got ${String(e)}`);
    if (typeof detail === 'string') assert.equal(e.detail, detail);
    else assert.match(e.detail, detail);
    if (code) assert.equal(e.code, code);
    return true;
  });
}

// ---------------------------------------------------------------- certificate checks

describe('certificate checks (Go crypto/x509 semantics)', () => {
  it('isCA / isSelfSigned', () => {
    assert.equal(isCA(nodeCert(pki.root)), true);
    assert.equal(isSelfSigned(nodeCert(pki.root)), true);
    assert.equal(isCA(nodeCert(pki.leaf)), false);
    assert.equal(isSelfSigned(nodeCert(pki.leaf)), false);
    assert.equal(isCA(nodeCert(pki.intermediate)), true);
    assert.equal(isSelfSigned(nodeCert(pki.intermediate)), false);
    assert.equal(isCA(nodeCert(pki.selfSignedLeaf)), false);
    assert.equal(isSelfSigned(nodeCert(pki.selfSignedLeaf)), true);
    // CheckSignature allows SHA-1 for the self-signed test
    assert.equal(isSelfSigned(nodeCert(pki.sha1Root)), true);
  });

  it('rootCAError: accepts a root CA', () => assert.equal(rootCAError(nodeCert(pki.root)), undefined));
  it('rootCAError: a non-CA certificate cannot sign', () => {
    assert.equal(
      rootCAError(nodeCert(pki.selfSignedLeaf)),
      'certificate with subject "CN=self,O=Notary,ST=WA,C=US" is not a root CA certificate: x509: invalid signature: parent certificate cannot sign this kind of certificate',
    );
  });
  it('rootCAError: v3 without basicConstraints cannot sign', () => {
    assert.match(rootCAError(nodeCert(pki.v3WithoutBasicConstraints))!, /parent certificate cannot sign this kind of certificate$/);
  });
  it('rootCAError: keyUsage without keyCertSign cannot sign', () => {
    assert.match(rootCAError(nodeCert(pki.caWithoutCertSign))!, /"CN=No CertSign" is not a root CA certificate: x509: invalid signature: parent certificate cannot sign/);
  });
  it('rootCAError: SHA-1 is refused for the CheckSignatureFrom path', () => {
    assert.equal(
      rootCAError(nodeCert(pki.sha1Root)),
      'certificate with subject "CN=SHA1 Root" is not a root CA certificate: x509: cannot verify signature: insecure algorithm SHA1-RSA (temporarily override with GODEBUG=x509sha1=1)',
    );
  });
  it('rootCAError: a CA signed by someone else fails the signature check', () => {
    assert.equal(
      rootCAError(nodeCert(pki.intermediate)),
      'certificate with subject "CN=Intermediate,O=Notary" is not a root CA certificate: x509: ECDSA verification failure',
    );
  });
  it('rootCAError: self-signed but not self-issued', () => {
    assert.equal(
      rootCAError(nodeCert(pki.notSelfIssued)),
      'certificate with subject "CN=Child" is not a root CA certificate: issuer (CN=Parent) and subject (CN=Child) are not the same',
    );
  });
});

// ---------------------------------------------------------------- file parsing

describe('parseCertificates (notation-core-go ReadCertificateFile)', () => {
  it('a PEM block glued to the next one is not a block (Go: END line must end there)', () => {
    assert.throws(() => parseCertificates(Buffer.from(pki.root.pem.trimEnd() + pki.leaf.pem)), /x509:/);
  });
  it('reads PEM with several blocks, skipping text around them', () => {
    const data = Buffer.from(`subject=whatever\n${pki.root.pem}\nsome comment\n${pki.leaf.pem}`);
    assert.equal(parseCertificates(data).length, 2);
  });
  it('reads DER, also several concatenated', () => {
    assert.equal(parseCertificates(pki.root.der).length, 1);
    assert.equal(parseCertificates(Buffer.concat([pki.root.der, pki.leaf.der])).length, 2);
  });
  it('empty data is zero certificates, not an error', () => assert.deepEqual(parseCertificates(new Uint8Array()), []));
  it('rejects garbage, trailing bytes and non-certificate PEM blocks', () => {
    assert.throws(() => parseCertificates(Buffer.from('not a certificate')), /x509: malformed certificate/);
    assert.throws(() => parseCertificates(Buffer.concat([pki.root.der, Buffer.from([0x30])])), /x509:/);
    const keyBlock = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n';
    assert.throws(() => parseCertificates(Buffer.from(pki.root.pem + keyBlock)), /x509:/);
  });
});

describe('parseCertificates: Go encoding/pem and x509.ParseCertificate rules (compared with notation-core-go v1.2.0)', () => {
  const body = () => pki.root.pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').trim();
  it('only spaces, tabs, CR and LF may break the base64 body', () => {
    const lines = body().split('\n');
    const withFormFeed = `-----BEGIN CERTIFICATE-----\n${lines[0]}\n\f${lines.slice(1).join('\n')}\n-----END CERTIFICATE-----\n`;
    assert.throws(() => parseCertificates(Buffer.from(withFormFeed)), /x509: malformed certificate/);
    const withBlanks = `-----BEGIN CERTIFICATE-----\n${lines.map((l) => ` \t${l}`).join('\n')}\n-----END CERTIFICATE-----\n`;
    assert.equal(parseCertificates(Buffer.from(withBlanks)).length, 1);
  });
  it('a BEGIN line may end in blanks, and an unmatched BEGIN before a block is skipped', () => {
    assert.equal(parseCertificates(Buffer.from(pki.root.pem.replace('CERTIFICATE-----\n', 'CERTIFICATE-----  \n'))).length, 1);
    assert.equal(parseCertificates(Buffer.from(`-----BEGIN CERTIFICATE-----\n${pki.root.pem}`)).length, 1);
  });
  it('a BEGIN line must start a line', () => {
    assert.throws(() => parseCertificates(Buffer.from(` ${pki.root.pem}`)), /x509: malformed certificate/);
  });
  it('a certificate with a negative serial number is refused', () => {
    const der = Buffer.from(pki.root.der);
    const at = der.indexOf(Buffer.from('a003020102', 'hex')) + 5; // version [0] v3, then the serial INTEGER
    assert.equal(der[at], 0x02);
    der[at + 2] = der[at + 2]! | 0x80;
    assert.throws(() => parseCertificates(der), /x509: negative serial number/);
  });
  it('a PEM block holding a certificate plus trailing bytes is refused', () => {
    const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.concat([pki.root.der, Buffer.from([0, 0])]).toString('base64')}\n-----END CERTIFICATE-----\n`;
    assert.throws(() => parseCertificates(Buffer.from(pem)), /x509: trailing data/);
  });
});

describe('CertFileCache', () => {
  it('refuses what is not a regular file instead of reading it (a FIFO would block forever)', async () => {
    const d = await freshDir();
    const f = join(d, 'fifo.crt');
    execFileSync('mkfifo', [f]);
    await assert.rejects(new CertFileCache().read(f), /fifo\.crt is not a regular file/);
  });
  it('refuses a file over the size limit before reading it', async () => {
    const d = await freshDir();
    const f = join(d, 'big.crt');
    await writeFile(f, '');
    await truncate(f, MAX_CERT_FILE_BYTES + 1);
    await assert.rejects(new CertFileCache().read(f), /big\.crt is 16777217 bytes, over the limit of 16777216/);
  });

  it('re-reads a file only after it changes', async () => {
    const d = await freshDir();
    const f = join(d, 'a.pem');
    await writeFile(f, pki.root.pem);
    const cache = new CertFileCache();
    const first = await cache.read(f);
    assert.equal(await cache.read(f), first, 'same parsed array while unchanged');
    await writeFile(f, pki.root.pem + pki.leaf.pem);
    await utimes(f, new Date(), new Date(Date.now() + 5000));
    const second = await cache.read(f);
    assert.notEqual(second, first);
    assert.equal(second.length, 2);
  });
  it('caches parse failures until the file is fixed', async () => {
    const d = await freshDir();
    const f = join(d, 'bad');
    await writeFile(f, 'junk');
    const cache = new CertFileCache();
    await assert.rejects(cache.read(f), /malformed/);
    await assert.rejects(cache.read(f), /malformed/);
    await writeFile(f, pki.root.pem);
    await utimes(f, new Date(), new Date(Date.now() + 5000));
    assert.equal((await cache.read(f)).length, 1);
  });
});

// ---------------------------------------------------------------- Ratify config

describe('Ratify trust store config', () => {
  const rt = { home: '/home/ratify' };
  it('expands ~/, keeps others and always appends the default directory', () => {
    const c = parseTrustStoreConfig({ verificationCerts: ['~/certs', '/abs/ca.crt', 'rel/dir', '~other/x'] }, { rt });
    assert.deepEqual(c.certPaths, ['/home/ratify/certs', '/abs/ca.crt', 'rel/dir', '~other/x', '/home/ratify/.ratify/ratify-certs/notation/truststore']);
  });
  it('resolves relative paths against baseDir when given', () => {
    const c = parseTrustStoreConfig({ verificationCerts: ['rel/dir'] }, { rt, baseDir: '/etc/ratify' });
    assert.equal(c.certPaths[0], '/etc/ratify/rel/dir');
  });
  it('with nothing configured only the default directory is searched', () => {
    assert.deepEqual(parseTrustStoreConfig({}, { rt }), { certPaths: ['/home/ratify/.ratify/ratify-certs/notation/truststore'], certStores: {} });
  });
  it('reads only exactly spelt keys (Go would also take VerificationCerts; the entry schema rejects it)', () => {
    const c = parseTrustStoreConfig({ VerificationCerts: ['/x'], verificationcertstores: { certs: ['kmp'] } }, { rt });
    assert.deepEqual(c.certPaths, ['/home/ratify/.ratify/ratify-certs/notation/truststore']);
    assert.deepEqual(c.certStores, {});
  });
  it('new form is kept per type', () => {
    assert.deepEqual(parseCertStores({ ca: { 'ca-certs': ['kmp1', 'ns/kmp2'] }, tsa: { 'tsa-certs': ['tsa-kmp'] } }), {
      ca: { 'ca-certs': ['kmp1', 'ns/kmp2'] },
      tsa: { 'tsa-certs': ['tsa-kmp'] },
    });
  });
  it('legacy form is normalised to ca', () => {
    assert.deepEqual(parseCertStores({ certs: ['kmp1'], more: [] }), { ca: { certs: ['kmp1'], more: [] } });
  });
  it('mixing forms is CONFIG_INVALID', () => {
    assert.throws(
      () => parseCertStores({ ca: { certs: ['a'] }, certs: ['b'] }),
      (e: unknown) =>
        e instanceof RatifyError &&
        e.code === 'CONFIG_INVALID' &&
        e.detail.startsWith('The verificationCertStores is misconfigured with both legacy and new formats: ') &&
        e.message.includes('Please provide only one format for the VerificationCertStores'),
    );
  });
  it('wrong shapes are CONFIG_INVALID', () => {
    for (const bad of [{ ca: ['kmp'] }, { ca: { certs: 'kmp' } }, { certs: [1] }, ['x'], 'x']) {
      assert.throws(() => parseCertStores(bad), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID', JSON.stringify(bad));
    }
    assert.throws(() => parseTrustStoreConfig({ verificationCerts: '/x' }, { rt }), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID');
  });
  it('an empty object means no cert stores', () => assert.deepEqual(parseCertStores({}), {}));
  it('store names are plain keys, "__proto__" included', () => {
    const stores = parseCertStores(JSON.parse('{"ca":{"__proto__":["kmp1"]}}'));
    assert.deepEqual(Object.entries(stores.ca ?? {}), [['__proto__', ['kmp1']]]);
  });
  it('inner texts are Ratify\'s', () => {
    assert.throws(() => parseCertStores({ ca: ['kmp'] }), (e: unknown) => e instanceof RatifyError && e.errorReason === 'the verificationCertStores configuration is invalid: {"ca":["kmp"]}');
  });
});

// ---------------------------------------------------------------- Ratify store

describe('RatifyTrustStore: verificationCerts paths', () => {
  it('returns CA and self-signed certificates from every path, whatever the type and name', async () => {
    const d = await freshDir();
    await writeFile(join(d, 'root.crt'), pki.root.pem);
    await writeFile(join(d, 'leaf.crt'), pki.leaf.pem);
    await mkdir(join(d, 'nested'));
    await writeFile(join(d, 'nested', 'self.der'), pki.selfSignedLeaf.der);
    const single = join(await freshDir(), 'inter.pem');
    await writeFile(single, pki.intermediate.pem);
    const store = new RatifyTrustStore(parseTrustStoreConfig({ verificationCerts: [d, single, join(d, 'missing')] }, { rt: { home: tmp } }));
    for (const [type, name] of [['ca', 'certs'], ['signingAuthority', 'x'], ['tsa', 'anything']] as const) {
      const certs = await store.getCertificates(type, name, ctx);
      assert.deepEqual(
        certs.map(cn).sort(),
        ['Intermediate', 'Test Root', 'self'],
        `${type}:${name}`,
      );
    }
  });

  it('always searches <home>/.ratify/ratify-certs/notation/truststore', async () => {
    const home = await freshDir();
    const def = join(home, '.ratify', 'ratify-certs', 'notation', 'truststore');
    await mkdir(def, { recursive: true });
    await writeFile(join(def, 'root.pem'), pki.root.pem);
    const store = new RatifyTrustStore(parseTrustStoreConfig({}, { rt: { home } }));
    assert.equal((await store.getCertificates('ca', 'certs', ctx)).length, 1);
  });

  it('a leaf-only trust store fails', async () => {
    const d = await freshDir();
    await writeFile(join(d, 'leaf.crt'), pki.leaf.pem);
    const store = new RatifyTrustStore(parseTrustStoreConfig({ verificationCerts: [d] }, { rt: { home: tmp } }));
    await rejectsWith(
      store.getCertificates('ca', 'certs', ctx),
      'valid certificates must be provided, only CA certificates or self-signed signing certificates are supported',
      'CERT_INVALID',
    );
  });

  it('no certificates at all fails the same way', async () => {
    const store = new RatifyTrustStore(parseTrustStoreConfig({ verificationCerts: [join(tmp, 'nope')] }, { rt: { home: join(tmp, 'nohome') } }));
    await rejectsWith(store.getCertificates('ca', 'certs', ctx), /^valid certificates must be provided/);
  });

  it('a file that is not a certificate fails the whole lookup', async () => {
    const d = await freshDir();
    await writeFile(join(d, 'root.crt'), pki.root.pem);
    await writeFile(join(d, 'README'), 'hello');
    const store = new RatifyTrustStore(parseTrustStoreConfig({ verificationCerts: [d] }, { rt: { home: tmp } }));
    await rejectsWith(store.getCertificates('ca', 'certs', ctx), `error reading certificate file ${join(d, 'README')}: x509: malformed certificate`);
  });

  it('resolves Kubernetes-style symlinks and reads each physical file once', async () => {
    const d = await freshDir();
    const data = join(d, '..2024_01_01');
    await mkdir(data);
    await writeFile(join(data, 'ca.crt'), pki.root.pem);
    await symlink('..2024_01_01', join(d, '..data'));
    await symlink(join('..data', 'ca.crt'), join(d, 'ca.crt'));
    await symlink(join(d, 'gone'), join(d, 'dangling.crt'));
    const store = new RatifyTrustStore(parseTrustStoreConfig({ verificationCerts: [d] }, { rt: { home: tmp } }));
    assert.equal((await store.getCertificates('ca', 'certs', ctx)).length, 1);
  });

  it('follows a configured path that is a symlink to a directory', async () => {
    const real = await freshDir();
    await writeFile(join(real, 'root.crt'), pki.root.pem);
    const link = join(await freshDir(), 'link');
    await symlink(real, link);
    const store = new RatifyTrustStore(parseTrustStoreConfig({ verificationCerts: [link] }, { rt: { home: tmp } }));
    assert.equal((await store.getCertificates('ca', 'certs', ctx)).length, 1);
  });
});

describe('RatifyTrustStore: verificationCertStores (key management providers)', () => {
  function fakeKmp(table: Record<string, MadeCert[] | Error>): { lookup: KeyManagementLookup; calls: string[] } {
    const calls: string[] = [];
    const lookup: KeyManagementLookup = async (namespace, name) => {
      const key = namespace === undefined ? name : `${namespace}/${name}`;
      calls.push(key);
      const v = table[key];
      if (v instanceof Error) throw v;
      return (v ?? []).map(nodeCert);
    };
    return { lookup, calls };
  }
  // A home without a default certificate directory (created lazily: tmp exists only once tests run).
  const home = { get home() { return join(tmp, 'kmp-home'); } };
  const rt = home;

  it('unions the providers of the named store, then filters', async () => {
    const { lookup, calls } = fakeKmp({ kmp1: [pki.root, pki.leaf], 'gatekeeper-system/kmp2': [pki.selfSignedLeaf] });
    const config = parseTrustStoreConfig({ verificationCertStores: { ca: { 'ca-certs': ['kmp1', 'gatekeeper-system/kmp2'] } } }, { rt });
    const store = new RatifyTrustStore(config, { keyManagement: lookup });
    const certs = await store.getCertificates('ca', 'ca-certs', ctx);
    assert.deepEqual(calls, ['kmp1', 'gatekeeper-system/kmp2']);
    assert.equal(certs.length, 2);
  });

  it('legacy stores act as ca stores only; other types fall back to the paths', async () => {
    const d = await freshDir();
    await writeFile(join(d, 'self.pem'), pki.selfSignedLeaf.pem);
    const { lookup } = fakeKmp({ kmp1: [pki.root] });
    const config = parseTrustStoreConfig({ verificationCerts: [d], verificationCertStores: { certs: ['kmp1'] } }, { rt });
    const store = new RatifyTrustStore(config, { keyManagement: lookup });
    assert.deepEqual((await store.getCertificates('ca', 'certs', ctx)).map(cn), ['Test Root']);
    assert.deepEqual((await store.getCertificates('signingAuthority', 'certs', ctx)).map(cn), ['self']);
    assert.deepEqual((await store.getCertificates('ca', 'other', ctx)).map(cn), ['self']);
  });

  it('providers without certificates: no certificates fetched in namedStore', async () => {
    const { lookup } = fakeKmp({});
    const config = parseTrustStoreConfig({ verificationCertStores: { ca: { 'ca-certs': ['empty1', 'empty2'] } } }, { rt });
    await rejectsWith(new RatifyTrustStore(config, { keyManagement: lookup }).getCertificates('ca', 'ca-certs', ctx), 'no certificates fetched in namedStore: ca-certs');
    // no lookup wired at all behaves like absent providers
    await rejectsWith(new RatifyTrustStore(config).getCertificates('ca', 'ca-certs', ctx), 'no certificates fetched in namedStore: ca-certs');
  });

  it('an empty provider list falls back to the paths', async () => {
    const d = await freshDir();
    await writeFile(join(d, 'root.pem'), pki.root.pem);
    const config = parseTrustStoreConfig({ verificationCerts: [d], verificationCertStores: { ca: { 'ca-certs': [] } } }, { rt });
    assert.equal((await new RatifyTrustStore(config).getCertificates('ca', 'ca-certs', ctx)).length, 1);
  });

  it('a provider error fails the lookup with its name', async () => {
    const { lookup } = fakeKmp({ broken: new Error('vault unreachable') });
    const config = parseTrustStoreConfig({ verificationCertStores: { ca: { s: ['broken'] } } }, { rt });
    await assert.rejects(new RatifyTrustStore(config, { keyManagement: lookup }).getCertificates('ca', 's', ctx), (e: unknown) => {
      assert.ok(e instanceof TrustStoreError);
      assert.equal(e.detail, 'unable to fetch certificates from Key Management Provider and Certificate Store: broken');
      assert.equal((e.inner as Error).message, 'vault unreachable');
      return true;
    });
  });

  it('a store name that is also an Object property ("constructor", "toString") is just a name: not configured, so the paths', async () => {
    const d = await freshDir();
    await writeFile(join(d, 'root.pem'), pki.root.pem);
    const config = parseTrustStoreConfig({ verificationCerts: [d], verificationCertStores: { ca: { other: ['kmp'] } } }, { rt });
    const store = new RatifyTrustStore(config, { keyManagement: fakeKmp({}).lookup });
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      assert.deepEqual((await store.getCertificates('ca', name, ctx)).map(cn), ['Test Root'], name);
    }
  });

  it('leaf-only provider certificates are filtered to nothing', async () => {
    const { lookup } = fakeKmp({ kmp: [pki.leaf] });
    const config = parseTrustStoreConfig({ verificationCertStores: { ca: { s: ['kmp'] } } }, { rt });
    await rejectsWith(new RatifyTrustStore(config, { keyManagement: lookup }).getCertificates('ca', 's', ctx), /^valid certificates must be provided/);
  });
});

// ---------------------------------------------------------------- notation directory layout

describe('NotationTrustStore (x509/<type>/<name>/)', () => {
  async function storeWith(type: string, name: string, files: Record<string, string | Buffer>): Promise<{ root: string; dir: string }> {
    const root = await freshDir();
    const dir = join(root, 'x509', type, name);
    await mkdir(dir, { recursive: true });
    for (const [f, content] of Object.entries(files)) await writeFile(join(dir, f), content);
    return { root, dir };
  }

  it('loads PEM and DER files in name order', async () => {
    const { root } = await storeWith('ca', 'acme', { 'b.der': pki.root.der, 'a.pem': pki.selfSignedLeaf.pem + pki.intermediate.pem });
    const certs = await new NotationTrustStore(root).getCertificates('ca', 'acme', ctx);
    assert.deepEqual(certs.map(cn), ['self', 'Intermediate', 'Test Root']);
  });

  it('rejects bad names and types before touching the disk', async () => {
    const s = new NotationTrustStore(tmp);
    await rejectsWith(s.getCertificates('ca', 'a/b', ctx), 'trust store name needs to follow [a-zA-Z0-9_.-]+ format, a/b is invalid', 'CONFIG_INVALID');
    await rejectsWith(s.getCertificates('x509' as never, 'a', ctx), 'unsupported trust store type: x509');
  });

  it('a missing store does not exist', async () => {
    await rejectsWith(new NotationTrustStore(tmp).getCertificates('ca', 'invalid_store', ctx), 'the trust store "invalid_store" of type "ca" does not exist', 'CONFIG_INVALID');
  });

  it('an empty store has no certificates', async () => {
    const { root } = await storeWith('ca', 'empty', {});
    await rejectsWith(new NotationTrustStore(root).getCertificates('ca', 'empty', ctx), 'no x509 certificates were found in trust store "empty" of type "ca"');
  });

  it('an empty file fails validation (no certificates in it)', async () => {
    const { root } = await storeWith('ca', 'e', { 'empty.crt': '' });
    await assert.rejects(new NotationTrustStore(root).getCertificates('ca', 'e', ctx), (e: unknown) => {
      assert.ok(e instanceof TrustStoreError);
      assert.equal(e.detail, 'failed to validate the trusted certificate empty.crt in trust store e of type ca');
      assert.equal((e.inner as Error).message, 'input certs cannot be empty');
      return true;
    });
  });

  it('a leaf certificate fails validation', async () => {
    const { root } = await storeWith('signingAuthority', 'sa', { 'leaf.crt': pki.leaf.pem });
    await assert.rejects(new NotationTrustStore(root).getCertificates('signingAuthority', 'sa', ctx), (e: unknown) => {
      assert.ok(e instanceof TrustStoreError);
      assert.equal(e.kind, 'certificate');
      assert.equal(e.code, 'CERT_INVALID');
      assert.equal(e.detail, 'failed to validate the trusted certificate leaf.crt in trust store sa of type signingAuthority');
      assert.equal((e.inner as Error).message, 'certificate with subject "CN=leaf,O=Notary,ST=WA,C=US" is not a CA certificate or self-signed signing certificate');
      return true;
    });
  });

  it('subdirectories and symlinks inside a store are refused', async () => {
    const { root, dir } = await storeWith('ca', 'sub', { 'root.crt': pki.root.pem });
    await mkdir(join(dir, 'nested'));
    await rejectsWith(
      new NotationTrustStore(root).getCertificates('ca', 'sub', ctx),
      'trusted certificate nested in trust store sub of type ca is not a regular file (directories or symlinks are not supported)',
    );
    const other = await storeWith('ca', 'link', {});
    await symlink(join(dir, 'root.crt'), join(other.dir, 'root.crt'));
    await rejectsWith(
      new NotationTrustStore(other.root).getCertificates('ca', 'link', ctx),
      'trusted certificate root.crt in trust store link of type ca is not a regular file (directories or symlinks are not supported)',
    );
  });

  it('a FIFO in a store is refused, not read (notation would block on it)', async () => {
    const { root, dir } = await storeWith('ca', 'fifo', { 'root.crt': pki.root.pem });
    execFileSync('mkfifo', [join(dir, 'zz.crt')]);
    await assert.rejects(new NotationTrustStore(root).getCertificates('ca', 'fifo', ctx), (e: unknown) => {
      assert.ok(e instanceof TrustStoreError);
      assert.equal(e.detail, 'failed to read the trusted certificate zz.crt in trust store fifo of type ca');
      assert.match((e.inner as Error).message, /zz\.crt is not a regular file/);
      return true;
    });
  });

  it('a symlinked store directory is refused', async () => {
    const { root, dir } = await storeWith('ca', 'real', { 'root.crt': pki.root.pem });
    await symlink(dir, join(root, 'x509', 'ca', 'alias'));
    await rejectsWith(
      new NotationTrustStore(root).getCertificates('ca', 'alias', ctx),
      `the trust store alias of type ca with path ${join(root, 'x509', 'ca', 'alias')} is not a regular directory (symlinks are not supported)`,
    );
  });

  it('tsa stores need root CA certificates', async () => {
    const ok = await storeWith('tsa', 'good', { 'root.crt': pki.root.pem });
    assert.equal((await new NotationTrustStore(ok.root).getCertificates('tsa', 'good', ctx)).length, 1);
    const cases: Array<[MadeCert, string]> = [
      [pki.selfSignedLeaf, 'certificate with subject "CN=self,O=Notary,ST=WA,C=US" is not a root CA certificate: x509: invalid signature: parent certificate cannot sign this kind of certificate'],
      [pki.notSelfIssued, 'certificate with subject "CN=Child" is not a root CA certificate: issuer (CN=Parent) and subject (CN=Child) are not the same'],
      [pki.sha1Root, 'certificate with subject "CN=SHA1 Root" is not a root CA certificate: x509: cannot verify signature: insecure algorithm SHA1-RSA (temporarily override with GODEBUG=x509sha1=1)'],
    ];
    for (const [cert, why] of cases) {
      const s = await storeWith('tsa', 'bad', { 'tsa.crt': cert.pem });
      await rejectsWith(new NotationTrustStore(s.root).getCertificates('tsa', 'bad', ctx), `trusted certificate tsa.crt in trust store bad of type tsa is invalid: ${why}`);
    }
    // the same certificates are fine in a ca store (CA or self-signed is enough there)
    const ca = await storeWith('ca', 'fine', { 'a.crt': pki.selfSignedLeaf.pem, 'b.crt': pki.notSelfIssued.pem, 'c.crt': pki.sha1Root.pem });
    assert.equal((await new NotationTrustStore(ca.root).getCertificates('ca', 'fine', ctx)).length, 3);
  });

  it('an expired root loads: notation checks validity when verifying a chain, not when loading a store', async () => {
    const expired = await makeCert({ subject: 'CN=Old Root', ca: true, notAfter: new Date(Date.now() - 60_000) });
    const ca = await storeWith('ca', 'old', { 'old.crt': expired.pem });
    assert.equal((await new NotationTrustStore(ca.root).getCertificates('ca', 'old', ctx)).length, 1);
    const tsa = await storeWith('tsa', 'old', { 'old.crt': expired.pem });
    assert.equal((await new NotationTrustStore(tsa.root).getCertificates('tsa', 'old', ctx)).length, 1);
  });

  it('caches a store until one of its files changes', async () => {
    const { root, dir } = await storeWith('ca', 'cached', { 'root.crt': pki.root.pem });
    const store = new NotationTrustStore(root, { cache: new CertFileCache() });
    const first = await store.getCertificates('ca', 'cached', ctx);
    assert.equal(await store.getCertificates('ca', 'cached', ctx), first, 'unchanged store: same result object');
    await writeFile(join(dir, 'self.crt'), pki.selfSignedLeaf.pem);
    const second = await store.getCertificates('ca', 'cached', ctx);
    assert.equal(second.length, 2);
    await writeFile(join(dir, 'self.crt'), pki.leaf.pem);
    await utimes(join(dir, 'self.crt'), new Date(), new Date(Date.now() + 5000));
    await rejectsWith(store.getCertificates('ca', 'cached', ctx), 'failed to validate the trusted certificate self.crt in trust store cached of type ca');
    await rm(join(dir, 'self.crt'));
    assert.equal((await store.getCertificates('ca', 'cached', ctx)).length, 1);
  });
});
