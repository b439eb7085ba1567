/**
 * Notation coverage the shared vectors do not have, with signatures made at test time
 * (test/helpers/notation-sign.ts) and an openssl PKI (test/helpers/pki-openssl.ts), in an OCI
 * layout written with OciLayoutWriter:
 * - a COSE envelope (ES384) in an OCI layout, verified end to end by `ratify verify --oci-layout`
 *   (and rejected once its payload is tampered with);
 * - a signature whose payload targets another digest → "content descriptor mismatch";
 * - the notary.x509.signingAuthority scheme against a signingAuthority trust store (Ratify config
 *   and notation's directory layout), and the store type following the scheme;
 * - revocation: a leaf revoked by a CRL served on loopback fails at strict and passes at
 *   permissive with the failure logged; an empty CRL passes at strict;
 * - a signature manifest with two blobs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backgroundContext } from '../../src/context.js';
import { buildExecutor } from '../../src/executor/build.js';
import { Executor, type VerifyOutcome } from '../../src/executor/executor.js';
import type { ReportElement } from '../../src/executor/types.js';
import { createLogger, silentLogger, type Logger } from '../../src/observability/logger.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { ConfigPolicy } from '../../src/policy/config-policy.js';
import { createOciLayoutStore } from '../../src/stores/ocilayout/store.js';
import { parseOciLayoutSubject } from '../../src/stores/ocilayout/subject.js';
import { OciLayoutWriter } from '../../src/stores/ocilayout/writer.js';
import { RevocationValidator } from '../../src/crypto/revocation/index.js';
import { commonConfig } from '../../src/verifiers/base.js';
import { DEFAULT_MAX_ENVELOPE_BYTES } from '../../src/verifiers/notation/envelope/index.js';
import { loadTrustPolicyDocument } from '../../src/verifiers/notation/trustpolicy/index.js';
import { NotationTrustStore } from '../../src/verifiers/notation/truststore/index.js';
import { NOTATION_SUCCESS, NotationVerifier } from '../../src/verifiers/notation/verifier.js';
import { runCli } from '../harness/cli.js';
import { caSigner, sampleDescriptor, selfSignedSigner, signCose, signJws, type TestKey, type TestSigner } from '../helpers/notation-sign.js';
import { caExt, issue, leafExt, makeCrl, revocationExt, startLocalServer, type KeyCert, type LocalServer } from '../helpers/pki-openssl.js';

const NOTARY = 'application/vnd.cncf.notary.signature';
const JWS = 'application/jose+json';
const COSE = 'application/cose';
const REVOKED_LEAF = 'CN=Revocable Leaf,O=ratify-ts,L=Seattle,ST=WA,C=US';

interface Signed {
  tag: string;
  subject: Descriptor;
  signature: Descriptor;
}

/** A self-signed leaf's PEM, as a user puts it in verificationCerts. */
const pemOf = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;

/** A TestKey for a key openssl generated (EC P-256), so notation-sign can sign with it. */
async function opensslKey(kc: KeyCert): Promise<TestKey> {
  const privateKey = createPrivateKey(await readFile(kc.keyFile));
  const publicKey = createPublicKey(kc.certPem);
  const alg = { name: 'ECDSA', namedCurve: 'P-256' };
  const pair = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), alg, true, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), alg, true, ['verify']),
  } as webcrypto.CryptoKeyPair;
  return { kind: 'P-256', pair, privateKey, publicKey };
}

function captureLogger(): { log: Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const log = createLogger({ level: 'debug', format: 'json', destination: { write: (s: string) => raw.push(s) } as unknown as NodeJS.WritableStream });
  return { log, lines: () => raw.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const policyDoc = (level: string, trustStores: string[]) => ({
  version: '1.0',
  trustPolicies: [{ name: 'selfmade', registryScopes: ['*'], signatureVerification: { level }, trustStores, trustedIdentities: ['*'] }],
});

describe('notation: self-made signatures in an OCI layout', () => {
  let dir: string;
  let layout: string;
  let crl: LocalServer;
  let crlBody: Buffer = Buffer.alloc(0);
  const certs: Record<string, string> = {};
  const signed: Record<string, Signed> = {};
  const crls: { revoked?: Buffer; empty?: Buffer } = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-notation-selfmade-'));
    layout = join(dir, 'layout');
    const w = new OciLayoutWriter(layout);
    const attach = (tag: string, mediaType: string, envelope: (subject: Descriptor) => Buffer | Buffer[]) => {
      const subject = w.image(tag);
      const envs = [envelope(subject)].flat();
      const signature = w.attach(subject, NOTARY, envs.map((data) => ({ mediaType, data })), undefined, { configMediaType: NOTARY });
      signed[tag] = { tag, subject, signature };
    };
    const saveCert = async (name: string, der: Buffer) => {
      certs[name] = join(dir, `${name}.pem`);
      await writeFile(certs[name]!, pemOf(der));
    };

    // COSE, ES384 (P-384 key), self-signed like `notation cert generate-test`.
    const cose = await selfSignedSigner('P-384', 'CN=cose signer,O=Notary,L=Seattle,ST=WA,C=US');
    await saveCert('cose', cose.chain[0]!);
    attach('cose', COSE, (subject) => signCose({ signer: cose, target: subject }));
    attach('cose-tampered', COSE, (subject) =>
      signCose({ signer: cose, target: subject }, { message: (m) => [m[0], m[1], Buffer.from(JSON.stringify({ targetArtifact: { ...subject, size: subject.size + 1 } })), m[3]] }),
    );

    // JWS over another artifact.
    const rsa = await selfSignedSigner('RSA-2048', 'CN=jws signer,O=Notary,L=Seattle,ST=WA,C=US');
    await saveCert('rsa', rsa.chain[0]!);
    attach('mismatch', JWS, () => signJws({ signer: rsa, target: sampleDescriptor('some other image') }));
    attach('two-blobs', JWS, (subject) => [signJws({ signer: rsa, target: subject }), signJws({ signer: rsa, target: subject })]);

    // notary.x509.signingAuthority: leaf issued by a root; the root is the trust anchor.
    const sa = await caSigner('P-256');
    await saveCert('sa-root', sa.root.der);
    attach('sa', JWS, (subject) => signJws({ signer: sa, target: subject, signingScheme: 'notary.x509.signingAuthority' }));

    // Revocation: root → leaf with a CRL distribution point on a loopback server.
    crl = await startLocalServer(0, (req, res) => {
      if (req.url !== '/leaf.crl') {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/pkix-crl');
      res.end(crlBody);
    });
    const pki = join(dir, 'pki');
    await mkdir(pki);
    const root = await issue(pki, 'root', { subject: '/CN=Revocation Test Root/O=ratify-ts/C=US', ext: caExt(), days: 30 });
    const leaf = await issue(pki, 'leaf', {
      issuer: root,
      subject: '/C=US/ST=WA/L=Seattle/O=ratify-ts/CN=Revocable Leaf',
      ext: leafExt(['extendedKeyUsage=codeSigning', ...revocationExt({ crlUrl: `${crl.origin}/leaf.crl` })]),
      days: 20,
    });
    certs['revocation-root'] = root.certFile;
    const revSigner: TestSigner = { key: await opensslKey(leaf), chain: [leaf.certDer, root.certDer] };
    attach('revocable', JWS, (subject) => signJws({ signer: revSigner, target: subject }));
    const revokedCrl = await makeCrl({ ca: root, entries: [{ cert: leaf, revoked: { at: new Date(Date.now() - 3_600_000), reason: 'keyCompromise' } }] });
    const emptyCrl = await makeCrl({ ca: root, entries: [] });
    crls.revoked = revokedCrl;
    crls.empty = emptyCrl;

    await w.write();
  });

  after(async () => {
    await crl?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A fresh home per run: the notation verifier keeps a CRL file cache under it. */
  async function runConfig(tag: string, certFiles: string[], trustPolicyDoc: unknown, log: Logger = silentLogger()): Promise<VerifyOutcome> {
    const home = await mkdtemp(join(dir, 'home-'));
    const config = {
      store: { version: '1.0.0', plugins: [{ name: 'oras' }] },
      policy: { version: '1.0.0', plugin: { name: 'configPolicy', artifactVerificationPolicies: { [NOTARY]: 'any' } } },
      verifier: { version: '1.0.0', plugins: [{ name: 'notation', artifactTypes: NOTARY, verificationCerts: certFiles, trustPolicyDoc }] },
    };
    const ex = await buildExecutor({ config: config as never, path: undefined, raw: '' }, {
      rt: { home, env: {} },
      log,
      stores: [await createOciLayoutStore({ name: 'oci-layout', path: layout })],
    });
    return runExecutor(ex, tag, log);
  }

  async function runExecutor(ex: Executor, tag: string, log: Logger = silentLogger()): Promise<VerifyOutcome> {
    try {
      const subject = `${layout}:${tag}`;
      return await ex.verify({ subject, reference: parseOciLayoutSubject(subject).reference }, backgroundContext(log), { explain: true });
    } finally {
      await ex.close();
    }
  }

  const only = (o: VerifyOutcome): ReportElement => {
    assert.equal(o.result.verifierReports.length, 1, JSON.stringify(o.result));
    return o.result.verifierReports[0] as ReportElement;
  };

  it('COSE (ES384) in an OCI layout verifies end to end: ratify verify --oci-layout exits 0', async () => {
    const config = join(dir, 'cose-config.json');
    await writeFile(
      config,
      JSON.stringify({
        store: { version: '1.0.0', plugins: [{ name: 'oras' }] },
        policy: { version: '1.0.0', plugin: { name: 'configPolicy', artifactVerificationPolicies: { [NOTARY]: 'any' } } },
        verifier: { version: '1.0.0', plugins: [{ name: 'notation', artifactTypes: NOTARY, verificationCerts: [certs.cose], trustPolicyDoc: policyDoc('strict', ['ca:certs']) }] },
      }),
    );
    const home = await mkdtemp(join(dir, 'home-'));
    const r = await runCli(['verify', '--oci-layout', '-s', `${layout}:cose`, '-c', config], { HOME: home });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { isSuccess: boolean; verifierReports: ReportElement[] };
    assert.equal(out.isSuccess, true);
    const dn = 'CN=cose signer,O=Notary,L=Seattle,ST=WA,C=US';
    assert.equal(out.verifierReports[0]!.referenceDigest, signed.cose!.signature.digest);
    assert.equal(out.verifierReports[0]!.message, NOTATION_SUCCESS);
    assert.deepEqual(out.verifierReports[0]!.extensions, { Issuer: dn, SN: dn });

    const bad = await runCli(['verify', '--oci-layout', '-s', `${layout}:cose-tampered`, '-c', config], { HOME: home });
    assert.equal(bad.code, 1, bad.stderr);
    const badOut = JSON.parse(bad.stdout) as { verifierReports: ReportElement[] };
    assert.equal(badOut.verifierReports[0]!.errorReason, 'signature is invalid. Error: verification error');
  });

  it('a payload that targets another digest: "content descriptor mismatch"', async () => {
    const o = await runConfig('mismatch', [certs.rsa!], policyDoc('strict', ['ca:certs']));
    const r = only(o);
    assert.equal(r.isSuccess, false);
    assert.equal(r.errorReason, 'content descriptor mismatch');
    // Every notation validation passed: it is the subject binding that fails.
    const checks = o.trace!.referrers[0]!.verifiers[0]!.checks;
    assert.ok(checks.filter((c) => c.level).every((c) => c.ok), JSON.stringify(checks));
    assert.deepEqual(checks.at(-1), { check: 'payload', ok: false, detail: 'content descriptor mismatch' });
  });

  it('signingAuthority scheme verifies against a signingAuthority trust store (Ratify config)', async () => {
    const o = await runConfig('sa', [certs['sa-root']!], policyDoc('strict', ['signingAuthority:sa']));
    const r = only(o);
    assert.equal(r.isSuccess, true, JSON.stringify(r));
    assert.deepEqual(r.extensions, { Issuer: 'CN=Test Root,O=Notary,C=US', SN: 'CN=Test Leaf,O=Notary,C=US' });
  });

  it('signingAuthority scheme: the store type follows the scheme (notation trust store layout)', async () => {
    const storeRoot = join(dir, 'notation-store');
    for (const type of ['signingAuthority', 'ca']) {
      await mkdir(join(storeRoot, 'x509', type, 'sa'), { recursive: true });
      await writeFile(join(storeRoot, 'x509', type, 'sa', 'root.pem'), await readFile(certs['sa-root']!));
    }
    const run = async (trustStores: string[]) => {
      const verifier = new NotationVerifier(commonConfig({ name: 'notation', artifactTypes: NOTARY }, { requireArtifactTypes: true }), {
        trustStore: new NotationTrustStore(storeRoot),
        policy: loadTrustPolicyDocument(policyDoc('strict', trustStores)),
        codeSigningRevocation: new RevocationValidator({ purpose: 'codeSigning' }),
        timestampingRevocation: new RevocationValidator({ purpose: 'timestamping' }),
        maxEnvelopeBytes: DEFAULT_MAX_ENVELOPE_BYTES,
      });
      const ex = new Executor({
        stores: [await createOciLayoutStore({ name: 'oci-layout', path: layout })],
        verifiers: [verifier],
        policy: new ConfigPolicy({ artifactVerificationPolicies: { [NOTARY]: 'any' } }),
      });
      return only(await runExecutor(ex, 'sa'));
    };
    assert.equal((await run(['signingAuthority:sa'])).isSuccess, true);
    // Same root, but only as a `ca` store: a signingAuthority signature loads no certificates.
    const r = await run(['ca:sa']);
    assert.equal(r.isSuccess, false);
    assert.equal(r.errorReason, 'no trusted certificates are found to verify authenticity');
  });

  it('revocation enforced: a CRL-revoked leaf fails at strict', async () => {
    crlBody = crls.revoked!;
    const before = crl.requests.length;
    const o = await runConfig('revocable', [certs['revocation-root']!], policyDoc('strict', ['ca:certs']));
    const r = only(o);
    assert.equal(r.isSuccess, false);
    assert.equal(r.errorReason, `signing certificate with subject "${REVOKED_LEAF}" is revoked`);
    assert.match(r.remediation ?? '', /revoked/);
    assert.ok(crl.requests.slice(before).some((q) => q.method === 'GET' && q.url === '/leaf.crl'), 'the CRL was downloaded from the distribution point');
  });

  it('revocation at permissive: the revoked leaf passes and the failure is logged', async () => {
    crlBody = crls.revoked!;
    const cap = captureLogger();
    const o = await runConfig('revocable', [certs['revocation-root']!], policyDoc('permissive', ['ca:certs']), cap.log);
    const r = only(o);
    assert.equal(r.isSuccess, true, JSON.stringify(r));
    const checks = o.trace!.referrers[0]!.verifiers[0]!.checks;
    assert.deepEqual(checks.find((c) => c.check === 'revocation'), { check: 'revocation', ok: false, level: 'log', detail: `signing certificate with subject "${REVOKED_LEAF}" is revoked` });
    const warn = cap.lines().find((l) => l.validation === 'revocation');
    assert.ok(warn, 'a log line for the revocation failure');
    assert.equal(warn.level, 40, 'warn');
    assert.equal(warn.msg, 'revocation validation failed with validation action set to "logged"');
    assert.equal(warn.err, `signing certificate with subject "${REVOKED_LEAF}" is revoked`);
  });

  it('revocation: a CRL that does not list the leaf passes at strict', async () => {
    crlBody = crls.empty!;
    const r = only(await runConfig('revocable', [certs['revocation-root']!], policyDoc('strict', ['ca:certs'])));
    assert.equal(r.isSuccess, true, JSON.stringify(r));
    assert.deepEqual(r.extensions, { Issuer: 'CN=Revocation Test Root,O=ratify-ts,C=US', SN: REVOKED_LEAF });
  });

  it('a signature manifest with two blobs is refused', async () => {
    const r = only(await runConfig('two-blobs', [certs.rsa!], policyDoc('strict', ['ca:certs'])));
    assert.equal(r.isSuccess, false);
    assert.equal(r.referenceDigest, signed['two-blobs']!.signature.digest);
    assert.equal(r.message, 'Notation signature manifest requires exactly one signature envelope blob, got 2');
    assert.match(r.remediation ?? '', /is correctly signed by Notation signer/);
  });
});
