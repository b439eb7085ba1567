/**
 * Every `x509-crl` case of the shared vectors (notation e2e CRL material): the chain
 * certchain_with_crl.pem (leaf -> IntermediateCA -> RootCA) points at
 * http://localhost:10086/{leaf,intermediate}.crl, and the intermediate also at an unreachable
 * OCSP responder (http://localhost.test/ocsp). The case's CRL file is served as leaf.crl from a
 * loopback server bound to port 10086 itself when that port is free; otherwise an injected HTTP
 * client maps http://localhost:10086 to the server's real port. No intermediate CRL exists in
 * the vectors (notation's e2e generates it at run time), so the intermediate's status is
 * "unknown" in every case here and the assertions are about the leaf, the case's target.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { backgroundContext } from '../../src/context.js';
import {
  FileCrlCache,
  RevocationValidator,
  UndiciRevocationHttpClient,
  chainRevocationError,
  type ChainRevocationResult,
  type RevocationHttpClient,
} from '../../src/crypto/revocation/index.js';
import { parseCertificates } from '../../src/crypto/timestamp/index.js';
import { skipUnlessVectors, vectorPath, vectorsDir } from '../harness/vectors.js';
import { removeDir, startLocalServer, tempDir, type LocalServer } from '../helpers/pki-openssl.js';

interface VectorCase {
  id: string;
  kind: string;
  expect: 'pass' | 'fail';
  reason: string;
  files: string[];
  inputs: { crl: string; chain: string };
}

const EXPECTED_CASES = 3;
const CRL_DIR = ['notation', 'test', 'e2e', 'testdata', 'config', 'crl'];
const LEAF_URL = 'http://localhost:10086/leaf.crl';
const LEAF_SUBJECT = 'CN=LeafCert,OU=OrgUnit,O=Organization,L=City,ST=State,C=US';
const INTERMEDIATE_SUBJECT = 'CN=IntermediateCA,OU=OrgUnit,O=Organization,L=City,ST=State,C=US';

function loadCases(): VectorCase[] {
  if (vectorsDir() === undefined || !existsSync(vectorPath('cases.json'))) return [];
  const all = JSON.parse(readFileSync(vectorPath('cases.json'), 'utf8')) as { cases: VectorCase[] };
  return all.cases.filter((c) => c.kind === 'x509-crl');
}

const cases = loadCases();
const skip = skipUnlessVectors(EXPECTED_CASES, 'x509-crl');

let server: LocalServer | undefined;
let http: UndiciRevocationHttpClient;
let client: RevocationHttpClient;
let servedLeafCrl: Buffer | undefined;
let boundRealPort = false;
let cacheDir: string;

/** Maps the vectors' URLs onto the loopback server when port 10086 could not be bound. */
function rewritingClient(inner: RevocationHttpClient, origin: string): RevocationHttpClient {
  return {
    send: (ctx, req) => inner.send(ctx, { ...req, url: req.url.replace(/^http:\/\/localhost:10086/, origin) }),
  };
}

before(async () => {
  if (skip) return;
  const handler = (req: { url: string }, res: import('node:http').ServerResponse) => {
    if (req.url === '/leaf.crl' && servedLeafCrl) {
      res.setHeader('content-type', 'application/pkix-crl');
      res.end(servedLeafCrl);
      return;
    }
    res.statusCode = 404;
    res.end('not found');
  };
  try {
    server = await startLocalServer(10086, handler);
    boundRealPort = true;
  } catch {
    server = await startLocalServer(0, handler);
  }
  http = new UndiciRevocationHttpClient();
  client = boundRealPort ? http : rewritingClient(http, server.origin);
  cacheDir = await tempDir('ratify-crl-cache-');
});

after(async () => {
  await server?.close();
  await http?.close();
  if (cacheDir) await removeDir(cacheDir);
});

function chainPem(): string {
  return readFileSync(vectorPath(...CRL_DIR, 'certchain_with_crl.pem'), 'utf8');
}

async function check(crlFile: string, opts: { crlCacheDir?: string } = {}): Promise<ChainRevocationResult> {
  servedLeafCrl = readFileSync(vectorPath(...CRL_DIR, crlFile));
  const v = new RevocationValidator({ http: client, memoryCache: false, ocspTimeoutMs: 1500, ...opts });
  return v.validate(backgroundContext(), { chain: chainPem() });
}

test('the vectors hold all x509-crl cases', { skip }, () => {
  assert.equal(cases.length, EXPECTED_CASES);
  const chain = parseCertificates(chainPem());
  assert.equal(chain.length, 3);
  const root = parseCertificates(readFileSync(vectorPath(...CRL_DIR, 'root.crt'), 'utf8'))[0];
  assert.ok(root && Buffer.from(root.raw).equals(Buffer.from(chain[2]?.raw ?? [])), 'root.crt is the chain root');
  assert.deepEqual(chain[0]?.crlDistributionPoints, [LEAF_URL]);
  assert.equal(chain[0]?.serialNumber, 0x1000n);
  process.stderr.write(
    boundRealPort
      ? '# CRL vectors served on the real port 127.0.0.1:10086\n'
      : '# port 10086 busy: CRL vector URLs mapped to the loopback server by an injected HTTP client\n',
  );
});

/** The intermediate: OCSP (unreachable host) then CRL fallback (no intermediate.crl in the vectors). */
function assertIntermediateUnknown(r: ChainRevocationResult): void {
  const mid = r.certs[1];
  assert.ok(mid);
  assert.equal(mid.subject, INTERMEDIATE_SUBJECT);
  assert.equal(mid.status, 'unknown');
  assert.equal(mid.source, 'ocspFallbackCrl');
  assert.deepEqual(
    mid.servers.map((s) => [s.method, s.status]),
    [
      ['ocsp', 'unknown'],
      ['crl', 'unknown'],
    ],
  );
  assert.equal(mid.servers[0]?.url, 'http://localhost.test/ocsp');
  assert.match(mid.servers[0]?.error?.detail ?? '', /OCSP/);
  assert.equal(
    mid.servers[1]?.error?.detail,
    'failed to download CRL from http://localhost:10086/intermediate.crl: failed to download with status code: 404',
  );
  const root = r.certs[2];
  assert.ok(root?.nonRevokable && root.status === 'ok' && root.source === 'none');
}

for (const c of cases) {
  test(`${c.id} (expect ${c.expect})`, { skip }, async () => {
    const crlFile = c.inputs.crl.split('/').pop() as string;
    const r = await check(crlFile);
    assertIntermediateUnknown(r);
    const leaf = r.certs[0];
    assert.ok(leaf);
    assert.equal(leaf.subject, LEAF_SUBJECT);
    assert.equal(leaf.serialNumber, '1000');
    assert.equal(leaf.source, 'crl');

    switch (c.id) {
      case 'notation-e2e/crl/leaf-good':
        assert.equal(leaf.status, 'ok');
        assert.deepEqual(leaf.servers, [{ method: 'crl', url: LEAF_URL, status: 'ok' }]);
        // The chain as a whole is not ok only because of the missing intermediate CRL.
        assert.equal(r.status, 'unknown');
        assert.equal(r.problemSubject, INTERMEDIATE_SUBJECT);
        break;
      case 'notation-e2e/crl/leaf-revoked': {
        assert.equal(leaf.status, 'revoked');
        assert.equal(leaf.reasonCode, 0);
        assert.equal(leaf.reason, 'Unspecified');
        assert.equal(leaf.revocationTime?.toISOString(), '2024-11-11T05:30:52.000Z');
        // Revoked wins the fold over the unknown intermediate, and names the leaf.
        assert.equal(r.status, 'revoked');
        assert.equal(r.problemIndex, 0);
        const err = chainRevocationError(r);
        assert.equal(err?.code, 'CERT_INVALID');
        assert.equal(err?.detail, `signing certificate with subject "${LEAF_SUBJECT}" is revoked`);
        assert.match(err?.message ?? '', /is revoked/);
        break;
      }
      case 'notation-e2e/crl/leaf-crl-expired': {
        assert.equal(leaf.status, 'unknown');
        assert.match(
          leaf.error?.detail ?? '',
          /^failed to validate CRL from http:\/\/localhost:10086\/leaf\.crl: expired CRL\. Current time .* is after CRL NextUpdate 2023-12-25T08:15:42\.000Z$/,
        );
        assert.equal(r.status, 'unknown');
        assert.equal(r.problemIndex, 0);
        assert.equal(chainRevocationError(r)?.detail, `signing certificate with subject "${LEAF_SUBJECT}" revocation status is unknown`);
        break;
      }
      default:
        assert.fail(`unhandled case ${c.id}`);
    }
    assert.equal(c.expect === 'pass', leaf.status === 'ok');
  });
}

test('notation-e2e/crl/leaf-crl-expired: an expired CRL in the file cache is ignored and downloaded again', { skip }, async () => {
  // As notation's e2e "crl in the cache expired and a roundtrip": the cache holds the expired CRL
  // (notation-go's file format), the server now has a current one.
  const dir = join(cacheDir, 'roundtrip');
  await mkdir(dir, { recursive: true });
  const file = join(dir, FileCrlCache.fileName(LEAF_URL));
  const expired = readFileSync(vectorPath(...CRL_DIR, 'leaf_expired.crl'));
  await writeFile(file, JSON.stringify({ rawBaseCRL: expired.toString('base64') }));
  assert.match(FileCrlCache.fileName(LEAF_URL), /^[0-9a-f]{64}$/);
  const leafDownloads = () => server?.requests.filter((q) => q.url === '/leaf.crl').length ?? 0;

  const before = leafDownloads();
  const ok = await check('leaf.crl', { crlCacheDir: dir });
  assert.equal(ok.certs[0]?.status, 'ok');
  assert.equal(leafDownloads(), before + 1, 'the expired cache entry caused a download');
  const cached = JSON.parse(await readFile(file, 'utf8')) as { rawBaseCRL: string };
  assert.ok(Buffer.from(cached.rawBaseCRL, 'base64').equals(readFileSync(vectorPath(...CRL_DIR, 'leaf.crl'))), 'cache now holds the fresh CRL');

  // Second run: answered from the file cache, no new download of leaf.crl.
  const downloads = leafDownloads();
  const again = await check('leaf_revoked.crl', { crlCacheDir: dir });
  assert.equal(again.certs[0]?.status, 'ok', 'the cached (good) CRL is used while it is current');
  assert.equal(leafDownloads(), downloads);

  // Expired in the cache and expired on the server: still not accepted.
  await writeFile(file, JSON.stringify({ rawBaseCRL: expired.toString('base64') }));
  const stale = await check('leaf_expired.crl', { crlCacheDir: dir });
  assert.equal(stale.certs[0]?.status, 'unknown');
  assert.match(stale.certs[0]?.error?.detail ?? '', /expired CRL/);
});
