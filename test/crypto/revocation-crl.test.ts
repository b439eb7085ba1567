/**
 * CRL revocation checks with CRLs made by `openssl ca -gencrl`, served from a loopback server:
 * statuses and reasons, expiry, signatures, delta CRLs, hostile servers, and the caches.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { backgroundContext } from '../../src/context.js';
import {
  FileCrlCache,
  RevocationValidator,
  UndiciRevocationHttpClient,
  checkCrlRevocation,
  parseCrl,
  type ChainRevocationResult,
  type ParsedCrl,
  type RevocationValidatorOptions,
} from '../../src/crypto/revocation/index.js';
import { parseCertificate } from '../../src/crypto/timestamp/index.js';
import {
  caExt,
  issue,
  leafExt,
  makeCrl,
  removeDir,
  revocationExt,
  startLocalServer,
  tempDir,
  type KeyCert,
  type LocalServer,
} from '../helpers/pki-openssl.js';

let dir: string;
let server: LocalServer;
let http: UndiciRevocationHttpClient;
let root: KeyCert;
let ca: KeyCert;
let impostorCa: KeyCert; // same subject as ca, different key
let leaf: KeyCert;
let httpsLeaf: KeyCert;

interface CrlState {
  crl?: Buffer;
  status?: number;
  delayMs?: number;
  /** Send without Content-Length (chunked). */
  chunked?: boolean;
}
let state: CrlState = {};

before(async () => {
  dir = await tempDir('ratify-crl-test-');
  server = await startLocalServer(0, async (req, res) => {
    if (req.url !== '/leaf.crl') {
      res.statusCode = 404;
      res.end();
      return;
    }
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
    if (res.destroyed) return;
    if (state.status) {
      res.statusCode = state.status;
      res.end('server error');
      return;
    }
    const body = state.crl ?? Buffer.alloc(0);
    if (state.chunked) {
      res.setHeader('transfer-encoding', 'chunked');
      for (let i = 0; i < body.length; i += 1 << 20) res.write(body.subarray(i, i + (1 << 20)));
      res.end();
      return;
    }
    res.setHeader('content-length', String(body.length));
    res.end(body);
  });
  root = await issue(dir, 'root', { subject: '/CN=CRL Test Root/O=ratify-ts', ext: caExt() });
  ca = await issue(dir, 'ca', { issuer: root, subject: '/CN=CRL Test CA/O=ratify-ts', ext: caExt([], { pathLen: 0 }) });
  impostorCa = await issue(dir, 'impostor', { subject: '/CN=CRL Test CA/O=ratify-ts', ext: caExt() });
  leaf = await issue(dir, 'leaf', {
    issuer: ca,
    subject: '/CN=crl leaf/O=ratify-ts',
    ext: leafExt(['extendedKeyUsage=codeSigning', ...revocationExt({ crlUrl: `${server.origin}/leaf.crl` })]),
  });
  httpsLeaf = await issue(dir, 'https-leaf', {
    issuer: ca,
    subject: '/CN=https crl leaf/O=ratify-ts',
    ext: leafExt(revocationExt({ crlUrl: `https://127.0.0.1:${server.port}/leaf.crl` })),
  });
  http = new UndiciRevocationHttpClient();
});

after(async () => {
  await server?.close();
  await http?.close();
  await removeDir(dir);
});

function validator(opts: RevocationValidatorOptions = {}): RevocationValidator {
  return new RevocationValidator({ http, memoryCache: false, ...opts });
}

async function validate(
  opts: RevocationValidatorOptions = {},
  signingTime?: Date,
  who: KeyCert = leaf,
): Promise<ChainRevocationResult> {
  return validator(opts).validate(backgroundContext(), {
    chain: [who.certDer, ca.certDer, root.certDer],
    ...(signingTime ? { signingTime } : {}),
  });
}

function leafResult(r: ChainRevocationResult, status: string) {
  const l = r.certs[0];
  assert.ok(l);
  assert.equal(l.status, status, `leaf status (error: ${l.error?.detail ?? 'none'})`);
  assert.equal(l.source, 'crl');
  return l;
}

const downloads = () => server.requests.filter((q) => q.url === '/leaf.crl').length;
const past = (days = 1) => new Date(Math.floor((Date.now() - days * 86_400_000) / 1000) * 1000);

test('CRL without the certificate: ok', async () => {
  state = { crl: await makeCrl({ ca, entries: [{ cert: leaf }] }) };
  const r = await validate();
  const l = leafResult(r, 'ok');
  assert.deepEqual(l.servers, [{ method: 'crl', url: `${server.origin}/leaf.crl`, status: 'ok' }]);
  assert.equal(r.status, 'ok');
});

test('CRL revocation: reason and time; hold is revoked, removeFromCRL is not', async () => {
  const at = past(2);
  state = { crl: await makeCrl({ ca, entries: [{ cert: leaf, revoked: { at, reason: 'keyCompromise' } }] }) };
  let l = leafResult(await validate(), 'revoked');
  assert.equal(l.reasonCode, 1);
  assert.equal(l.reason, 'KeyCompromise');
  assert.equal(l.revocationTime?.toISOString(), at.toISOString());

  state = { crl: await makeCrl({ ca, entries: [{ cert: leaf, revoked: { at, reason: 'certificateHold' } }] }) };
  l = leafResult(await validate(), 'revoked');
  assert.equal(l.reason, 'CertificateHold');

  state = { crl: await makeCrl({ ca, entries: [{ cert: leaf, revoked: { at, reason: 'removeFromCRL' } }] }) };
  leafResult(await validate(), 'ok');
});

test('CRL invalidity date: a signature made before it is not affected', async () => {
  const invalidFrom = past(1);
  const stamp = invalidFrom.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  state = { crl: await makeCrl({ ca, entries: [{ cert: leaf, revoked: { at: new Date(), reason: `keyTime,${stamp}` } }] }) };
  leafResult(await validate({}, past(3)), 'ok');
  leafResult(await validate({}, new Date()), 'revoked');
  leafResult(await validate(), 'revoked');
});

test('temporary revocations: the most recent hold/removeFromCRL entry decides', () => {
  const cert = parseCertificate(leaf.certDer);
  const base: ParsedCrl = parseCrl(Buffer.from(state.crl ?? []));
  const entry = (reasonCode: number, t: number) => ({ serialNumber: cert.serialNumber, revocationTime: new Date(t), reasonCode, extensions: [] });
  assert.equal(checkCrlRevocation(cert, { ...base, revoked: [entry(6, 1000), entry(8, 2000)] }).revoked, false);
  assert.deepEqual(checkCrlRevocation(cert, { ...base, revoked: [entry(8, 1000), entry(6, 2000)] }), {
    revoked: true,
    reasonCode: 6,
    revocationTime: new Date(2000),
  });
  // A permanent reason wins whatever else is listed.
  assert.equal(checkCrlRevocation(cert, { ...base, revoked: [entry(8, 3000), entry(4, 1000)] }).reasonCode, 4);
});

test('an expired CRL is not accepted', async () => {
  state = { crl: await makeCrl({ ca, entries: [{ cert: leaf }], lastUpdate: past(10), nextUpdate: past(3) }) };
  const r = await validate();
  const l = leafResult(r, 'unknown');
  assert.match(l.error?.detail ?? '', /^failed to validate CRL from http:\/\/127\.0\.0\.1:\d+\/leaf\.crl: expired CRL\. Current time .* is after CRL NextUpdate /);
  assert.equal(r.status, 'unknown');

  // Issued in the future (beyond clock skew): not trusted either.
  const future = new Date(Date.now() + 86_400_000);
  state = { crl: await makeCrl({ ca, entries: [{ cert: leaf }], lastUpdate: future, nextUpdate: new Date(future.getTime() + 86_400_000) }) };
  assert.match(leafResult(await validate(), 'unknown').error?.detail ?? '', /CRL is not yet valid/);
});

test('a CRL signed by another key, or a delta CRL, is refused', async () => {
  state = { crl: await makeCrl({ ca: impostorCa, entries: [{ cert: leaf, revoked: { at: past(), reason: 'keyCompromise' } }] }) };
  let l = leafResult(await validate(), 'unknown');
  assert.match(l.error?.detail ?? '', /failed to validate CRL from .*: CRL is not signed by CA CN=CRL Test CA,O=ratify-ts: (crypto\/rsa: verification error|x509: ECDSA verification failure)/);

  state = { crl: await makeCrl({ ca: root, entries: [{ cert: leaf }] }) };
  l = leafResult(await validate(), 'unknown');
  assert.match(l.error?.detail ?? '', /CRL issuer does not match the certificate issuer/);

  state = { crl: await makeCrl({ ca, entries: [{ cert: leaf }], crlExt: [`freshestCRL=URI:${server.origin}/delta.crl`] }) };
  l = leafResult(await validate(), 'unknown');
  assert.match(l.error?.detail ?? '', /: delta CRL is not supported$/);
});

test('hostile CRL servers: 500, malformed DER, huge bodies, slow, https-only URL', async () => {
  state = { status: 500 };
  let l = leafResult(await validate(), 'unknown');
  assert.match(l.error?.detail ?? '', /^failed to download CRL from http:\/\/127\.0\.0\.1:\d+\/leaf\.crl: failed to download with status code: 500$/);

  state = { crl: Buffer.from('definitely not a CRL') };
  l = leafResult(await validate(), 'unknown');
  assert.match(l.error?.detail ?? '', /failed to download CRL from .*: x509: malformed crl: /);

  const good = await makeCrl({ ca, entries: [{ cert: leaf }] });
  state = { crl: Buffer.concat([good, Buffer.from([0, 0, 0])]) };
  l = leafResult(await validate(), 'unknown');
  assert.match(l.error?.detail ?? '', /malformed crl: .*trailing data/);

  const huge = Buffer.alloc(3 * 1024 * 1024, 0x41);
  for (const chunked of [false, true]) {
    state = { crl: huge, chunked };
    const t0 = Date.now();
    l = leafResult(await validate({ maxCrlBytes: 1024 * 1024 }), 'unknown');
    assert.match(l.error?.detail ?? '', /CRL size exceeds the limit of 1048576 bytes/);
    assert.ok(Date.now() - t0 < 5000);
  }

  state = { crl: good, delayMs: 3000 };
  const t0 = Date.now();
  l = leafResult(await validate({ crlTimeoutMs: 300 }), 'unknown');
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  assert.match(l.error?.detail ?? '', /request failed: timed out after 300 ms/);
  assert.equal(l.error?.code, 'DEADLINE_EXCEEDED');

  state = { crl: good };
  const r = await validate({}, undefined, httpsLeaf);
  assert.equal(r.certs[0]?.status, 'unknown');
  assert.match(r.certs[0]?.error?.detail ?? '', /unsupported scheme: https\. Only supports CRL URL in HTTP protocol/);
});

test('memory cache: reused until nextUpdate, then downloaded again', async () => {
  state = { crl: await makeCrl({ ca, entries: [{ cert: leaf }] }) };
  let clock = Date.now();
  const v = new RevocationValidator({ http, now: () => new Date(clock) });
  const run = () => v.validate(backgroundContext(), { chain: [leaf.certDer, ca.certDer, root.certDer] });
  const n = downloads();
  leafResult(await run(), 'ok');
  leafResult(await run(), 'ok');
  assert.equal(downloads(), n + 1);
  clock += 8 * 86_400_000; // past the default 7-day nextUpdate
  state = { crl: await makeCrl({ ca, entries: [{ cert: leaf }], nextUpdate: new Date(clock + 86_400_000) }) };
  leafResult(await run(), 'ok');
  assert.equal(downloads(), n + 2);
});

test('a CRL that fails validation is not cached', async () => {
  const v = new RevocationValidator({ http });
  const run = () => v.validate(backgroundContext(), { chain: [leaf.certDer, ca.certDer, root.certDer] });
  state = { crl: await makeCrl({ ca: impostorCa, entries: [{ cert: leaf }] }) };
  leafResult(await run(), 'unknown');
  state = { crl: await makeCrl({ ca, entries: [{ cert: leaf, revoked: { at: past(), reason: 'superseded' } }] }) };
  leafResult(await run(), 'revoked');
});

test('concurrent checks of one URL share a single download', async () => {
  state = { crl: await makeCrl({ ca, entries: [{ cert: leaf }] }), delayMs: 300 };
  const v = new RevocationValidator({ http, memoryCache: false });
  const n = downloads();
  const results = await Promise.all(
    Array.from({ length: 5 }, () => v.validate(backgroundContext(), { chain: [leaf.certDer, ca.certDer, root.certDer] })),
  );
  for (const r of results) leafResult(r, 'ok');
  assert.equal(downloads(), n + 1);
});

test('file cache: notation-go layout, survives a new validator, ignores corrupt entries', async () => {
  const cacheDir = join(dir, 'crl-cache');
  const url = `${server.origin}/leaf.crl`;
  const crl = await makeCrl({ ca, entries: [{ cert: leaf }] });
  state = { crl };
  const n = downloads();
  leafResult(await validate({ crlCacheDir: cacheDir }), 'ok');
  assert.equal(downloads(), n + 1);
  assert.deepEqual(await readdir(cacheDir), [FileCrlCache.fileName(url)]);
  const file = join(cacheDir, FileCrlCache.fileName(url));
  const content = JSON.parse(await readFile(file, 'utf8')) as { rawBaseCRL: string };
  assert.ok(Buffer.from(content.rawBaseCRL, 'base64').equals(crl));

  // A new validator (new process, say) answers from the file: the server may even be down.
  state = { status: 500 };
  leafResult(await validate({ crlCacheDir: cacheDir }), 'ok');
  assert.equal(downloads(), n + 1, "no download: answered from the file cache");

  // Corrupt entries are ignored (and replaced by the download).
  for (const junk of ['{not json', JSON.stringify({ rawBaseCRL: Buffer.from('garbage').toString('base64') }), '{}']) {
    await writeFile(file, junk);
    state = { crl };
    leafResult(await validate({ crlCacheDir: cacheDir }), 'ok');
    const again = JSON.parse(await readFile(file, 'utf8')) as { rawBaseCRL: string };
    assert.ok(Buffer.from(again.rawBaseCRL, 'base64').equals(crl));
  }

  // An unwritable cache location does not break checking.
  state = { crl };
  leafResult(await validate({ crlCacheDir: join(file, 'not-a-dir') }), 'ok');
});
