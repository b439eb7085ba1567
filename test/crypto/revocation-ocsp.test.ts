/**
 * OCSP revocation checks against a loopback responder whose answers `openssl ocsp` produces from
 * the very request our client sent (-reqin/-respout). PKI: root -> intermediate (issuer) ->
 * leaves whose AIA points at the responder; responders are the intermediate itself, a delegated
 * responder with id-kp-OCSPSigning, and impostors.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { backgroundContext, withDeadline } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import {
  RevocationValidator,
  UndiciRevocationHttpClient,
  chainRevocationError,
  type ChainRevocationResult,
} from '../../src/crypto/revocation/index.js';
import {
  caExt,
  issue,
  leafExt,
  makeCrl,
  ocspRespond,
  removeDir,
  revocationExt,
  startLocalServer,
  tempDir,
  type IndexEntry,
  type KeyCert,
  type LocalServer,
  type RecordedRequest,
} from '../helpers/pki-openssl.js';

let dir: string;
let server: LocalServer;
let http: UndiciRevocationHttpClient;
let root: KeyCert;
let ca: KeyCert;
let leafOcsp: KeyCert; // OCSP only
let leafBoth: KeyCert; // OCSP + CRL
let leafTwo: KeyCert; // two OCSP responders
let delegated: KeyCert;
let noEku: KeyCert;
let foreign: KeyCert;

interface ResponderState {
  mode: 'openssl' | 'status' | 'body' | 'slow';
  signer?: KeyCert;
  entries?: IndexEntry[];
  ndays?: number;
  flags?: string[];
  status?: number;
  body?: Buffer;
  delayMs?: number;
  tamper?: boolean;
  crl?: Buffer;
  /** Status for the first responder of leafTwo. */
  firstStatus?: number;
}
let state: ResponderState = { mode: 'openssl' };

function requestDer(req: RecordedRequest): Buffer {
  if (req.method === 'POST') return req.body;
  const b64 = decodeURIComponent(req.url.replace(/^\/ocsp[12]?\//, ''));
  return Buffer.from(b64, 'base64');
}

before(async () => {
  dir = await tempDir('ratify-ocsp-test-');
  server = await startLocalServer(0, async (req, res) => {
    if (req.url === '/leaf.crl') {
      if (!state.crl) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.end(state.crl);
      return;
    }
    if (req.url.startsWith('/ocsp1') && state.firstStatus) {
      res.statusCode = state.firstStatus;
      res.end('first responder down');
      return;
    }
    if (!req.url.startsWith('/ocsp')) {
      res.statusCode = 404;
      res.end();
      return;
    }
    switch (state.mode) {
      case 'status':
        res.statusCode = state.status ?? 500;
        res.end('responder error');
        return;
      case 'body':
        res.setHeader('content-type', 'application/ocsp-response');
        res.end(state.body);
        return;
      case 'slow':
        await new Promise((r) => setTimeout(r, state.delayMs ?? 3000));
        if (!res.destroyed) res.end('late');
        return;
      case 'openssl': {
        const resp = await ocspRespond({
          ca,
          signer: state.signer ?? ca,
          entries: state.entries ?? [],
          request: requestDer(req),
          ...(state.ndays !== undefined ? { ndays: state.ndays } : {}),
          ...(state.flags ? { flags: state.flags } : {}),
        });
        if (state.tamper) resp[resp.length - 3] = (resp[resp.length - 3] as number) ^ 0x01;
        res.setHeader('content-type', 'application/ocsp-response');
        res.end(resp);
        return;
      }
    }
  });
  const o = server.origin;
  root = await issue(dir, 'root', { subject: '/CN=OCSP Test Root/O=ratify-ts', ext: caExt() });
  ca = await issue(dir, 'ca', { issuer: root, subject: '/CN=OCSP Test Issuing CA/O=ratify-ts', ext: caExt([], { pathLen: 0 }) });
  [leafOcsp, leafBoth, leafTwo, delegated, noEku, foreign] = await Promise.all([
    issue(dir, 'leaf-ocsp', {
      issuer: ca,
      subject: '/CN=leaf ocsp only/O=ratify-ts',
      ext: leafExt(['extendedKeyUsage=codeSigning', ...revocationExt({ ocspUrl: `${o}/ocsp` })]),
      key: 'rsa',
    }),
    issue(dir, 'leaf-both', {
      issuer: ca,
      subject: '/CN=leaf ocsp and crl/O=ratify-ts',
      ext: leafExt(['extendedKeyUsage=codeSigning', ...revocationExt({ ocspUrl: `${o}/ocsp`, crlUrl: `${o}/leaf.crl` })]),
    }),
    issue(dir, 'leaf-two', {
      issuer: ca,
      subject: '/CN=leaf two responders/O=ratify-ts',
      ext: leafExt(['extendedKeyUsage=codeSigning', `authorityInfoAccess=OCSP;URI:${o}/ocsp1,OCSP;URI:${o}/ocsp2`]),
    }),
    issue(dir, 'delegated', {
      issuer: ca,
      subject: '/CN=Delegated OCSP Responder/O=ratify-ts',
      ext: leafExt(['extendedKeyUsage=OCSPSigning']),
    }),
    issue(dir, 'no-eku', { issuer: ca, subject: '/CN=Responder without EKU/O=ratify-ts', ext: leafExt([]) }),
    issue(dir, 'foreign', { subject: '/CN=Foreign Responder/O=elsewhere', ext: leafExt(['extendedKeyUsage=OCSPSigning']) }),
  ]);
  http = new UndiciRevocationHttpClient();
});

after(async () => {
  await server?.close();
  await http?.close();
  await removeDir(dir);
});

function validator(opts: ConstructorParameters<typeof RevocationValidator>[0] = {}): RevocationValidator {
  return new RevocationValidator({ http, memoryCache: false, ...opts });
}

async function validate(leaf: KeyCert, opts: ConstructorParameters<typeof RevocationValidator>[0] = {}, signingTime?: Date) {
  return validator(opts).validate(backgroundContext(), {
    chain: [leaf.certDer, ca.certDer, root.certDer],
    ...(signingTime ? { signingTime } : {}),
  });
}

function assertLeaf(r: ChainRevocationResult, status: string, source: string): NonNullable<ChainRevocationResult['certs'][0]> {
  const leaf = r.certs[0];
  assert.ok(leaf);
  assert.equal(leaf.status, status, `leaf status (error: ${leaf.error?.detail ?? 'none'})`);
  assert.equal(leaf.source, source);
  // The intermediate has no revocation pointers and the root never has any.
  assert.ok(r.certs[1]?.nonRevokable && r.certs[2]?.nonRevokable);
  return leaf;
}

const past = () => new Date(Date.now() - 3600_000);

test('OCSP good, signed by the issuing CA; small requests use GET', async () => {
  state = { mode: 'openssl', signer: ca, entries: [{ cert: leafOcsp }] };
  const n = server.requests.length;
  const r = await validate(leafOcsp);
  assert.equal(r.status, 'ok');
  const leaf = assertLeaf(r, 'ok', 'ocsp');
  assert.deepEqual(leaf.servers, [{ method: 'ocsp', url: `${server.origin}/ocsp`, status: 'ok' }]);
  const sent = server.requests.slice(n);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]?.method, 'GET');
  assert.equal(chainRevocationError(r), undefined);
});

test('OCSP good, signed by a delegated responder (by name and by key id)', async () => {
  for (const flags of [[], ['-resp_key_id']]) {
    state = { mode: 'openssl', signer: delegated, entries: [{ cert: leafOcsp }], flags };
    assertLeaf(await validate(leafOcsp), 'ok', 'ocsp');
  }
});

test('OCSP revoked: reason and time are reported; the chain is revoked', async () => {
  const at = new Date(Math.floor((Date.now() - 86_400_000) / 1000) * 1000);
  state = { mode: 'openssl', signer: ca, entries: [{ cert: leafOcsp, revoked: { at, reason: 'keyCompromise' } }] };
  const r = await validate(leafOcsp);
  const leaf = assertLeaf(r, 'revoked', 'ocsp');
  assert.equal(leaf.reasonCode, 1);
  assert.equal(leaf.reason, 'KeyCompromise');
  assert.equal(leaf.revocationTime?.toISOString(), at.toISOString());
  assert.equal(r.status, 'revoked');
  assert.equal(r.problemIndex, 0);
  const err = chainRevocationError(r);
  assert.ok(err instanceof RatifyError);
  assert.equal(err.detail, 'signing certificate with subject "CN=leaf ocsp only,O=ratify-ts" is revoked');
  assert.equal(
    chainRevocationError(r, 'timestamping')?.detail,
    'timestamping certificate with subject "CN=leaf ocsp only,O=ratify-ts" is revoked',
  );
});

test('OCSP revoked with an invalidity date after the signing time counts as not revoked', async () => {
  const invalidFrom = new Date(Date.now() - 3600_000);
  const stamp = invalidFrom.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  state = {
    mode: 'openssl',
    signer: ca,
    entries: [{ cert: leafOcsp, revoked: { at: past(), reason: `keyTime,${stamp}` } }],
  };
  // Signed before the key was compromised: ok (notation-core-go's AuthenticSigningTime rule).
  assertLeaf(await validate(leafOcsp, {}, new Date(invalidFrom.getTime() - 86_400_000)), 'ok', 'ocsp');
  // Signed after, or no signing time known: revoked.
  assertLeaf(await validate(leafOcsp, {}, new Date()), 'revoked', 'ocsp');
  assertLeaf(await validate(leafOcsp), 'revoked', 'ocsp');
});

test('OCSP unknown status: unknown, unless the certificate also has a CRL (fallback)', async () => {
  state = { mode: 'openssl', signer: ca, entries: [] };
  const r = await validate(leafOcsp);
  const leaf = assertLeaf(r, 'unknown', 'ocsp');
  assert.equal(leaf.error?.detail, 'certificate has unknown status via OCSP');
  assert.equal(r.status, 'unknown');
  assert.equal(chainRevocationError(r)?.detail, 'signing certificate with subject "CN=leaf ocsp only,O=ratify-ts" revocation status is unknown');

  state = { mode: 'openssl', signer: ca, entries: [], crl: await makeCrl({ ca, entries: [{ cert: leafBoth }] }) };
  const fb = await validate(leafBoth);
  const l2 = assertLeaf(fb, 'ok', 'ocspFallbackCrl');
  assert.deepEqual(
    l2.servers.map((s) => [s.method, s.status]),
    [
      ['ocsp', 'unknown'],
      ['crl', 'ok'],
    ],
  );
  assert.equal(fb.status, 'ok');

  state = {
    mode: 'status',
    status: 503,
    crl: await makeCrl({ ca, entries: [{ cert: leafBoth, revoked: { at: past(), reason: 'superseded' } }] }),
  };
  const rv = await validate(leafBoth);
  const l3 = assertLeaf(rv, 'revoked', 'ocspFallbackCrl');
  assert.equal(l3.reason, 'Superseded');
  assert.equal(l3.servers[0]?.error?.detail, 'failed to retrieve OCSP: response had status code 503');
});

test('OCSP bad signatures: responder without OCSPSigning, foreign responder, tampered bytes', async () => {
  state = { mode: 'openssl', signer: noEku, entries: [{ cert: leafOcsp }] };
  let leaf = assertLeaf(await validate(leafOcsp), 'unknown', 'ocsp');
  assert.match(leaf.error?.detail ?? '', /^error checking revocation status via OCSP: bad OCSP signature: responder certificate "CN=Responder without EKU,O=ratify-ts" is not authorized for OCSP signing/);

  state = { mode: 'openssl', signer: foreign, entries: [{ cert: leafOcsp }] };
  leaf = assertLeaf(await validate(leafOcsp), 'unknown', 'ocsp');
  assert.match(leaf.error?.detail ?? '', /bad OCSP signature: responder certificate "CN=Foreign Responder,O=elsewhere" is not issued by/);

  // Without embedded certificates the response signature is the last element: flip a bit in it.
  state = { mode: 'openssl', signer: ca, entries: [{ cert: leafOcsp }], flags: ['-resp_no_certs'], tamper: true };
  leaf = assertLeaf(await validate(leafOcsp), 'unknown', 'ocsp');
  assert.match(leaf.error?.detail ?? '', /bad OCSP signature: .*(verification error|verification failure)/);

  // A delegated responder's certificate cannot vouch for a certificate of another issuer's chain:
  // a response for the right serial signed by a responder of a different CA is refused above;
  // and a response without the embedded responder certificate cannot be checked at all.
  state = { mode: 'openssl', signer: delegated, entries: [{ cert: leafOcsp }], flags: ['-resp_no_certs'] };
  leaf = assertLeaf(await validate(leafOcsp), 'unknown', 'ocsp');
  assert.match(leaf.error?.detail ?? '', /bad OCSP signature/);
});

test('OCSP stale responses are refused (nextUpdate passed, or missing)', async () => {
  state = { mode: 'openssl', signer: ca, entries: [{ cert: leafOcsp }], ndays: 1 };
  const twoDaysLater = () => new Date(Date.now() + 2 * 86_400_000);
  let leaf = assertLeaf(await validate(leafOcsp, { now: twoDaysLater }), 'unknown', 'ocsp');
  assert.equal(leaf.error?.detail, 'error checking revocation status via OCSP: expired OCSP response');

  state = { mode: 'openssl', signer: ca, entries: [{ cert: leafOcsp }], ndays: 0 };
  leaf = assertLeaf(await validate(leafOcsp), 'unknown', 'ocsp');
  assert.equal(leaf.error?.detail, 'error checking revocation status via OCSP: expired OCSP response');

  // A response from the future (clock skew beyond tolerance).
  state = { mode: 'openssl', signer: ca, entries: [{ cert: leafOcsp }] };
  leaf = assertLeaf(await validate(leafOcsp, { now: () => new Date(Date.now() - 3600_000) }), 'unknown', 'ocsp');
  assert.match(leaf.error?.detail ?? '', /thisUpdate .* is in the future/);
});

test('OCSP slow responder: the per-call budget and the context deadline both bound the wait', async () => {
  state = { mode: 'slow', delayMs: 4000 };
  let t0 = Date.now();
  let leaf = assertLeaf(await validate(leafOcsp, { ocspTimeoutMs: 300 }), 'unknown', 'ocsp');
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  assert.equal(leaf.error?.detail, 'exceeded timeout threshold of 0.30 seconds for OCSP check');
  assert.equal(leaf.error?.code, 'DEADLINE_EXCEEDED');
  assert.equal(chainRevocationError(await validate(leafOcsp, { ocspTimeoutMs: 200 }))?.code, 'DEADLINE_EXCEEDED');

  // Default 2 s OCSP budget, but only 250 ms left on the request.
  const ctx = withDeadline(backgroundContext(), 250, 'verify');
  t0 = Date.now();
  const r = await validator().validate(ctx, { chain: [leafOcsp.certDer, ca.certDer, root.certDer] });
  ctx.cancel();
  assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);
  leaf = assertLeaf(r, 'unknown', 'ocsp');
  assert.match(leaf.error?.detail ?? '', /exceeded timeout threshold|deadline/);
});

test('OCSP responder failures: HTTP 500, garbage, error status, oversized answer', async () => {
  state = { mode: 'status', status: 500 };
  let leaf = assertLeaf(await validate(leafOcsp), 'unknown', 'ocsp');
  assert.equal(leaf.error?.detail, 'failed to retrieve OCSP: response had status code 500');

  state = { mode: 'body', body: Buffer.from('this is not DER') };
  leaf = assertLeaf(await validate(leafOcsp), 'unknown', 'ocsp');
  assert.match(leaf.error?.detail ?? '', /^error checking revocation status via OCSP: ocsp: malformed response: /);

  state = { mode: 'body', body: Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x03]) }; // tryLater
  leaf = assertLeaf(await validate(leafOcsp), 'unknown', 'ocsp');
  assert.equal(leaf.error?.detail, 'error checking revocation status via OCSP: OCSP try later');

  state = { mode: 'body', body: Buffer.alloc(200_000, 0x30) };
  leaf = assertLeaf(await validate(leafOcsp, { maxOcspBytes: 64 * 1024 }), 'unknown', 'ocsp');
  assert.match(leaf.error?.detail ?? '', /exceeds the limit of 65536 bytes/);
});

test('OCSP with two responders: the first failing one is skipped', async () => {
  state = { mode: 'openssl', signer: ca, entries: [{ cert: leafTwo }], firstStatus: 502 };
  const r = await validate(leafTwo);
  const leaf = assertLeaf(r, 'ok', 'ocsp');
  assert.deepEqual(leaf.servers, [{ method: 'ocsp', url: `${server.origin}/ocsp2`, status: 'ok' }]);

  state = { mode: 'status', status: 500, firstStatus: 502 };
  const bad = assertLeaf(await validate(leafTwo), 'unknown', 'ocsp');
  assert.deepEqual(
    bad.servers.map((s) => [s.url, s.error?.detail]),
    [
      [`${server.origin}/ocsp1`, 'failed to retrieve OCSP: response had status code 502'],
      [`${server.origin}/ocsp2`, 'failed to retrieve OCSP: response had status code 500'],
    ],
  );
});

test('a broken chain is refused before any network call', async () => {
  const n = server.requests.length;
  await assert.rejects(
    validator().validate(backgroundContext(), { chain: [leafOcsp.certDer, root.certDer] }),
    (e: unknown) =>
      e instanceof RatifyError &&
      e.code === 'CERT_INVALID' &&
      e.detail.startsWith('invalid chain: expected chain to be correct and complete: certificate with subject "CN=leaf ocsp only,O=ratify-ts" is not issued by'),
  );
  await assert.rejects(
    validator().validate(backgroundContext(), { chain: [leafOcsp.certDer, ca.certDer] }),
    (e: unknown) => e instanceof RatifyError && /root certificate with subject .* is not self-signed/.test(e.detail),
  );
  await assert.rejects(validator().validate(backgroundContext(), { chain: [] }), /chain does not contain any certificates/);
  assert.equal(server.requests.length, n);
});
