import { parseCertificate } from '../../src/crypto/timestamp/index.js';
import { certIdFor, encodeOcspRequest } from '../../src/crypto/revocation/index.js';
import { caExt, issue, leafExt, makeCrl, makeTsa, ocspRespond, removeDir, revocationExt, tempDir, timestamp } from '../helpers/pki-openssl.js';

/**
 * DER seeds the vectors lack (OCSP responses) or hold few of, made once per process with
 * openssl: a CA, a leaf, a CRL revoking a second leaf, OCSP responses (good and revoked,
 * with and without certificates) and an RFC 3161 token from an openssl TSA.
 */
export interface PkiSeeds {
  certificates: Buffer[];
  crls: Buffer[];
  ocspResponses: Buffer[];
  timestampTokens: Buffer[];
  /** The CA and the good leaf, for targets that verify what they parse. */
  caDer: Buffer;
  leafDer: Buffer;
}

let made: Promise<PkiSeeds> | undefined;

async function make(): Promise<PkiSeeds> {
  const dir = await tempDir('ratify-fuzz-pki-');
  try {
    const ca = await issue(dir, 'ca', { subject: '/CN=Fuzz Root/O=ratify-ts/C=US', ext: caExt(['keyUsage=critical,keyCertSign,cRLSign']), key: 'ec' });
    const ext = leafExt([...revocationExt({ ocspUrl: 'http://127.0.0.1:1/ocsp', crlUrl: 'http://127.0.0.1:1/ca.crl' }), 'extendedKeyUsage=codeSigning']);
    const leaf = await issue(dir, 'leaf', { issuer: ca, subject: '/CN=Fuzz Leaf/O=ratify-ts/L=Seattle/ST=WA/C=US', ext, key: 'ec' });
    const revoked = await issue(dir, 'revoked', { issuer: ca, subject: '/CN=Fuzz Revoked/O=ratify-ts', ext, key: 'ec' });
    const entries = [{ cert: leaf }, { cert: revoked, revoked: { at: new Date(Date.now() - 3_600_000), reason: 'keyCompromise' } }];
    const crl = await makeCrl({ ca, entries });
    const caParsed = parseCertificate(ca.certDer);
    const ocspResponses: Buffer[] = [];
    for (const [cert, flags] of [[leaf, []], [revoked, ['-resp_no_certs']], [leaf, ['-resp_key_id']]] as const) {
      const request = encodeOcspRequest(certIdFor(parseCertificate(cert.certDer), caParsed));
      ocspResponses.push(await ocspRespond({ ca, signer: ca, entries, request, flags: [...flags] }));
    }
    const tsa = await makeTsa(dir, { key: 'ec' });
    const token = await timestamp(tsa, Buffer.from('notation'));
    return {
      certificates: [ca.certDer, leaf.certDer, revoked.certDer, tsa.signer.certDer, tsa.root.certDer],
      crls: [crl],
      ocspResponses,
      timestampTokens: [token],
      caDer: ca.certDer,
      leafDer: leaf.certDer,
    };
  } finally {
    await removeDir(dir);
  }
}

export function pkiSeeds(): Promise<PkiSeeds> {
  made ??= make();
  return made;
}
