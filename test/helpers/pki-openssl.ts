/**
 * Test PKI made by the openssl CLI (dependencies.md §6): CAs and leaves with chosen extensions,
 * RFC 3161 tokens (`openssl ts -query/-reply`), CRLs (`openssl ca -gencrl`) and OCSP responses
 * (`openssl ocsp -index ... -reqin ... -respout`). Everything is written below a directory the
 * caller owns.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireTool } from '../harness/tools.js';

const run = promisify(execFile);

export async function openssl(args: string[], opts: { cwd?: string } = {}): Promise<Buffer> {
  requireTool('openssl');
  try {
    const { stdout } = await run('openssl', args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, ...opts });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: Buffer | string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

export async function tempDir(prefix = 'ratify-pki-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export interface KeyCert {
  name: string;
  subject: string;
  keyFile: string;
  certFile: string;
  certPem: string;
  certDer: Buffer;
  /** Serial number, upper-case hex (openssl index format). */
  serialHex: string;
}

export interface IssueOptions {
  /** Issuer; omitted means self-signed. */
  issuer?: KeyCert;
  /** openssl -subj form, e.g. "/CN=Test Root/O=ratify-ts". */
  subject: string;
  /** Extension lines for the [ext] section, e.g. "basicConstraints=critical,CA:TRUE". */
  ext: string[];
  days?: number;
  key?: 'rsa' | 'ec';
  /** Hex serial; random when omitted. */
  serialHex?: string;
  /** Signature digest (default sha256). */
  digest?: string;
}

/** Creates a key and a certificate `<name>.crt` / `<name>.key` in dir. */
export async function issue(dir: string, name: string, o: IssueOptions): Promise<KeyCert> {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  const extFile = join(dir, `${name}.ext`);
  const csr = join(dir, `${name}.csr`);
  const serialHex = (o.serialHex ?? `7${randomBytes(9).toString('hex')}`).toUpperCase();
  if (o.key === 'rsa') await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile]);
  else await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
  await writeFile(extFile, ['[ext]', ...o.ext, ''].join('\n'));
  await writeFile(
    join(dir, `${name}.req.cnf`),
    ['[req]', 'distinguished_name=dn', 'prompt=no', '[dn]', 'CN=placeholder', ''].join('\n'),
  );
  const days = String(o.days ?? 30);
  const digest = `-${o.digest ?? 'sha256'}`;
  await openssl(['req', '-new', '-key', keyFile, '-subj', o.subject, '-out', csr, '-config', join(dir, `${name}.req.cnf`)]);
  if (o.issuer) {
    await openssl(['x509', '-req', '-in', csr, '-CA', o.issuer.certFile, '-CAkey', o.issuer.keyFile, '-set_serial', `0x${serialHex}`,
      '-days', days, digest, '-extfile', extFile, '-extensions', 'ext', '-out', certFile]);
  } else {
    await openssl(['x509', '-req', '-in', csr, '-signkey', keyFile, '-set_serial', `0x${serialHex}`, '-days', days, digest,
      '-extfile', extFile, '-extensions', 'ext', '-out', certFile]);
  }
  const certPem = await readFile(certFile, 'utf8');
  const certDer = await openssl(['x509', '-in', certFile, '-outform', 'DER']);
  return { name, subject: o.subject, keyFile, certFile, certPem, certDer, serialHex };
}

/** CA extension lines; pathLen adds a path length constraint. */
export function caExt(extra: string[] = [], opts: { pathLen?: number } = {}): string[] {
  return [
    `basicConstraints=critical,CA:TRUE${opts.pathLen !== undefined ? `,pathlen:${opts.pathLen}` : ''}`,
    'keyUsage=critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid:always',
    ...extra,
  ];
}

export function leafExt(extra: string[] = []): string[] {
  return ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid:always', ...extra];
}

/** Revocation-pointer extension lines (AIA OCSP and/or CRL distribution point). */
export function revocationExt(o: { ocspUrl?: string; crlUrl?: string }): string[] {
  const out: string[] = [];
  if (o.ocspUrl) out.push(`authorityInfoAccess=OCSP;URI:${o.ocspUrl}`);
  if (o.crlUrl) out.push(`crlDistributionPoints=URI:${o.crlUrl}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// openssl "index.txt" database, shared by `ca -gencrl` and `ocsp -index`.

export interface IndexEntry {
  cert: KeyCert;
  /** Revoked when set; reason is an openssl CRL reason name (keyCompromise, certificateHold, ...). */
  revoked?: { at: Date; reason?: string };
}

function opensslTime(d: Date): string {
  // YYMMDDHHMMSSZ (UTCTime), which index.txt uses.
  return d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
}

export function indexFile(entries: IndexEntry[]): string {
  if (entries.length === 0) return '';
  const farFuture = opensslTime(new Date(Date.now() + 3650 * 86_400_000));
  return (
    entries
      .map((e) => {
        const state = e.revoked ? 'R' : 'V';
        const rev = e.revoked ? `${opensslTime(e.revoked.at)}${e.revoked.reason ? `,${e.revoked.reason}` : ''}` : '';
        const serial = e.cert.serialHex.length % 2 ? `0${e.cert.serialHex}` : e.cert.serialHex;
        return [state, farFuture, rev, serial, 'unknown', e.cert.subject].join('\t');
      })
      .join('\n') + '\n'
  );
}

export interface CrlOptions {
  ca: KeyCert;
  entries: IndexEntry[];
  /** openssl -crl_lastupdate / -crl_nextupdate (YYYYMMDDHHMMSSZ); default now .. now+7d. */
  lastUpdate?: Date;
  nextUpdate?: Date;
  /** Extra CRL extension lines (e.g. "freshestCRL=URI:http://.../delta.crl"). */
  crlExt?: string[];
}

/** A DER CRL signed by `ca` listing the revoked entries. */
export async function makeCrl(o: CrlOptions): Promise<Buffer> {
  const dir = await tempDir('ratify-crl-');
  try {
    await writeFile(join(dir, 'index.txt'), indexFile(o.entries));
    await writeFile(join(dir, 'index.txt.attr'), 'unique_subject = no\n');
    await writeFile(join(dir, 'crlnumber'), '1000\n');
    await writeFile(
      join(dir, 'ca.cnf'),
      [
        '[ca]',
        'default_ca=CA_default',
        '[CA_default]',
        `database=${join(dir, 'index.txt')}`,
        `crlnumber=${join(dir, 'crlnumber')}`,
        'default_md=sha256',
        'default_crl_days=7',
        'crl_extensions=crl_ext',
        '[crl_ext]',
        'authorityKeyIdentifier=keyid:always',
        ...(o.crlExt ?? []),
        '',
      ].join('\n'),
    );
    const full = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
    const args = ['ca', '-config', join(dir, 'ca.cnf'), '-gencrl', '-keyfile', o.ca.keyFile, '-cert', o.ca.certFile,
      '-out', join(dir, 'crl.pem')];
    if (o.lastUpdate) args.push('-crl_lastupdate', full(o.lastUpdate));
    if (o.nextUpdate) args.push('-crl_nextupdate', full(o.nextUpdate));
    await openssl(args);
    return await openssl(['crl', '-in', join(dir, 'crl.pem'), '-outform', 'DER']);
  } finally {
    await removeDir(dir);
  }
}

// ---------------------------------------------------------------------------------------------
// OCSP

export interface OcspRespondOptions {
  /** The CA that issued the certificates being asked about (openssl ocsp -CA). */
  ca: KeyCert;
  /** Response signer: the CA itself or a delegated responder. */
  signer: KeyCert;
  entries: IndexEntry[];
  /** DER OCSPRequest. */
  request: Uint8Array;
  /** nextUpdate = now + ndays (default 1); 0 omits nextUpdate. */
  ndays?: number;
  /** Extra flags, e.g. ['-resp_no_certs'] or ['-resp_key_id']. */
  flags?: string[];
}

/** Runs `openssl ocsp` as a one-shot responder for the given request. */
export async function ocspRespond(o: OcspRespondOptions): Promise<Buffer> {
  const dir = await tempDir('ratify-ocsp-');
  try {
    await writeFile(join(dir, 'index.txt'), indexFile(o.entries));
    await writeFile(join(dir, 'index.txt.attr'), 'unique_subject = no\n');
    await writeFile(join(dir, 'req.der'), o.request);
    const args = ['ocsp', '-index', join(dir, 'index.txt'), '-CA', o.ca.certFile, '-rsigner', o.signer.certFile,
      '-rkey', o.signer.keyFile, '-reqin', join(dir, 'req.der'), '-respout', join(dir, 'resp.der')];
    if ((o.ndays ?? 1) > 0) args.push('-ndays', String(o.ndays ?? 1));
    args.push(...(o.flags ?? []));
    await openssl(args);
    return await readFile(join(dir, 'resp.der'));
  } finally {
    await removeDir(dir);
  }
}

// ---------------------------------------------------------------------------------------------
// RFC 3161 TSA

export interface Tsa {
  root: KeyCert;
  intermediate: KeyCert;
  signer: KeyCert;
  configFile: string;
  /** intermediate + signer PEM, included in tokens. */
  chainFile: string;
}

/**
 * root -> intermediate -> TSA signer with `extendedKeyUsage=critical,timeStamping` (RFC 3161 2.3),
 * and a `ts` config that emits SigningCertificateV2 (ess_cert_id_alg = sha256).
 */
export async function makeTsa(dir: string, opts: { signerExt?: string[]; key?: 'rsa' | 'ec' } = {}): Promise<Tsa> {
  const root = await issue(dir, 'tsa-root', { subject: '/CN=ratify-ts Test TSA Root/O=ratify-ts', ext: caExt(), key: 'rsa', days: 60 });
  const intermediate = await issue(dir, 'tsa-intermediate', {
    issuer: root,
    subject: '/CN=ratify-ts Test TSA CA/O=ratify-ts',
    ext: caExt([], { pathLen: 0 }),
    key: 'rsa',
    days: 50,
  });
  const signer = await issue(dir, 'tsa-signer', {
    issuer: intermediate,
    subject: '/CN=ratify-ts Test TSA/O=ratify-ts',
    ext: opts.signerExt ?? leafExt(['extendedKeyUsage=critical,timeStamping']),
    key: opts.key ?? 'rsa',
    days: 40,
  });
  const chainFile = join(dir, 'tsa-chain.pem');
  await writeFile(chainFile, intermediate.certPem + signer.certPem);
  const configFile = join(dir, 'tsa.cnf');
  await writeFile(join(dir, 'tsaserial'), '01\n');
  await writeFile(
    configFile,
    [
      '[tsa]',
      'default_tsa=tsa1',
      '[tsa1]',
      `serial=${join(dir, 'tsaserial')}`,
      'crypto_device=builtin',
      `signer_cert=${signer.certFile}`,
      `signer_key=${signer.keyFile}`,
      `certs=${chainFile}`,
      'signer_digest=sha256',
      'default_policy=1.2.3.4.1',
      'other_policies=1.2.3.4.5',
      'digests=sha256,sha384,sha512',
      'accuracy=secs:1,millisecs:500',
      'ordering=no',
      'tsa_name=yes',
      'ess_cert_id_chain=no',
      'ess_cert_id_alg=sha256',
      '',
    ].join('\n'),
  );
  return { root, intermediate, signer, configFile, chainFile };
}

/** A DER TimeStampToken over `data` from the TSA (`openssl ts -query` then `-reply -token_out`). */
export async function timestamp(tsa: Tsa, data: Uint8Array, opts: { digest?: 'sha256' | 'sha384' | 'sha512' } = {}): Promise<Buffer> {
  const dir = await tempDir('ratify-ts-');
  try {
    await writeFile(join(dir, 'data'), data);
    await openssl(['ts', '-query', '-data', join(dir, 'data'), `-${opts.digest ?? 'sha256'}`, '-cert', '-out', join(dir, 'q.tsq')]);
    await openssl(['ts', '-reply', '-queryfile', join(dir, 'q.tsq'), '-config', tsa.configFile, '-section', 'tsa1',
      '-token_out', '-out', join(dir, 'token.der')]);
    return await readFile(join(dir, 'token.der'));
  } finally {
    await removeDir(dir);
  }
}

// ---------------------------------------------------------------------------------------------
// A loopback HTTP server for CRL distribution points and OCSP responders.

export interface RecordedRequest {
  method: string;
  url: string;
  body: Buffer;
}

export type Handler = (req: RecordedRequest, res: import('node:http').ServerResponse) => void | Promise<void>;

export interface LocalServer {
  port: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  requests: RecordedRequest[];
  setHandler(h: Handler): void;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0 = any free port); the handler can be swapped between tests. */
export async function startLocalServer(port = 0, handler?: Handler): Promise<LocalServer> {
  const { createServer } = await import('node:http');
  let current: Handler = handler ?? ((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { method: req.method ?? 'GET', url: req.url ?? '/', body: Buffer.concat(chunks) };
      requests.push(rec);
      Promise.resolve(current(rec, res)).catch((e: unknown) => {
        res.statusCode = 599;
        res.end(String(e));
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no server address');
  return {
    port: addr.port,
    origin: `http://127.0.0.1:${addr.port}`,
    requests,
    setHandler(h) {
      current = h;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
