import { caSigner, selfSignedSigner, signCose, signJws } from '../helpers/notation-sign.js';
import { unique, vectorFiles } from './seeds.js';

let made: Promise<{ jws: Buffer[]; cose: Buffer[] }> | undefined;

/** Notary Project envelopes: every one in the vectors (RSA) plus freshly signed ones (EC, with and without a chain). */
export function envelopeSeeds(): Promise<{ jws: Buffer[]; cose: Buffer[] }> {
  made ??= (async () => {
    const sigs = vectorFiles(/\.(sig|jws|cose)$|\/blobs\/sha256\//);
    const jws = sigs.filter((b) => b.subarray(0, 64).toString('latin1').trimStart().startsWith('{') && b.includes('"protected"'));
    const cose = sigs.filter((b) => b[0] === 0xd2 || b[0] === 0x84);
    const expiry = new Date(Date.now() + 365 * 86_400_000);
    for (const signer of [await selfSignedSigner('P-256'), await caSigner('P-384', 'P-256')]) {
      const spec = { signer, signingAgent: 'fuzz/1.0', expiry, extendedAttributes: [{ key: 'io.example.a', value: 'b', critical: true }] };
      jws.push(signJws(spec));
      cose.push(signCose(spec));
    }
    return { jws: unique(jws), cose: unique(cose) };
  })();
  return made;
}
