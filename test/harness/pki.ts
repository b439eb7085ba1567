import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { requireTool } from './tools.js';

const run = promisify(execFile);

async function openssl(args: string[]): Promise<void> {
  requireTool('openssl');
  try {
    await run('openssl', args);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

// P-256 everywhere: it is what the registry (Go 1.19) and jose's ES256 both accept without options.
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export interface TestPki {
  caCertFile: string;
  caKeyFile: string;
  caPem: string;
  serverCertFile: string;
  serverKeyFile: string;
  serverCertPem: string;
  serverKeyPem: string;
}

/** A test root CA and a server certificate for 127.0.0.1/localhost signed by it, written into dir. */
export async function makeTestPki(dir: string, opts: { days?: number } = {}): Promise<TestPki> {
  const days = String(opts.days ?? 30);
  const caCertFile = join(dir, 'ca.crt');
  const caKeyFile = join(dir, 'ca.key');
  const serverCertFile = join(dir, 'server.crt');
  const serverKeyFile = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');

  await openssl(['req', '-x509', ...EC_KEY, '-keyout', caKeyFile, '-out', caCertFile, '-days', days,
    '-subj', '/CN=ratify-ts test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await openssl(['req', '-new', ...EC_KEY, '-keyout', serverKeyFile, '-out', csr, '-subj', '/CN=localhost']);
  // Go ignores the CN, so the SANs are what make 127.0.0.1 verify.
  await writeFile(ext, [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    '',
  ].join('\n'));
  await openssl(['x509', '-req', '-in', csr, '-CA', caCertFile, '-CAkey', caKeyFile,
    // An explicit serial avoids openssl writing a .srl file next to the CA.
    '-set_serial', `0x${randomBytes(12).toString('hex')}`, '-days', days, '-extfile', ext, '-out', serverCertFile]);

  return {
    caCertFile,
    caKeyFile,
    caPem: await readFile(caCertFile, 'utf8'),
    serverCertFile,
    serverKeyFile,
    serverCertPem: await readFile(serverCertFile, 'utf8'),
    serverKeyPem: await readFile(serverKeyFile, 'utf8'),
  };
}

export interface TokenSigningMaterial {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
}

/** Self-signed cert/key the token server signs with; the registry trusts it via rootcertbundle. */
export async function makeTokenSigningCert(dir: string): Promise<TokenSigningMaterial> {
  const certFile = join(dir, 'token.crt');
  const keyFile = join(dir, 'token.key');
  await openssl(['req', '-x509', ...EC_KEY, '-keyout', keyFile, '-out', certFile, '-days', '30',
    '-subj', '/CN=test-token-issuer']);
  return {
    certFile,
    keyFile,
    certPem: await readFile(certFile, 'utf8'),
    keyPem: await readFile(keyFile, 'utf8'),
  };
}

export interface IssuedCert {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
}

/** Issues a leaf from a test CA: a server cert for 127.0.0.1/localhost, or a client cert for mTLS. */
export async function issueCert(ca: Pick<TestPki, 'caCertFile' | 'caKeyFile'>, dir: string, name: string, usage: 'server' | 'client'): Promise<IssuedCert> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await openssl(['req', '-new', ...EC_KEY, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${name}`]);
  await writeFile(ext, [
    ...(usage === 'server' ? ['subjectAltName=IP:127.0.0.1,DNS:localhost'] : []),
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    `extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
    '',
  ].join('\n'));
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.caCertFile, '-CAkey', ca.caKeyFile,
    '-set_serial', `0x${randomBytes(12).toString('hex')}`, '-days', '30', '-extfile', ext, '-out', certFile]);
  return { certFile, keyFile, certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
}
