import { generateKeyPairSync, sign } from 'node:crypto';
import { parseEnvelope, parseStatement, SigstoreVerifyError, statementNamesDigest, verifyEnvelopeWithKey } from '../../../src/crypto/sigstore/index.js';
import { check, rejectsOnlyWith, type FuzzTarget } from '../target.js';
import { json, jsonDocs, unique, vectorFiles } from '../seeds.js';

/**
 * A fixed key for the run: seeds signed with it verify in the fuzzing process too, so the
 * mutations explore the accepted path. The seed is made from it at load time (deterministic).
 */
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const IN_TOTO = 'application/vnd.in-toto+json';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

function pae(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);
}

function signedEnvelope(statement: unknown): unknown {
  const body = Buffer.from(JSON.stringify(statement));
  return { payloadType: IN_TOTO, payload: body.toString('base64'), signatures: [{ keyid: '', sig: sign('sha256', pae(IN_TOTO, body), privateKey).toString('base64') }] };
}

/**
 * DSSE envelopes and the in-toto statements they carry (cosign attestations). Clean reject:
 * SigstoreVerifyError. Key verification runs on every decodable envelope.
 */
export const target: FuzzTarget = {
  name: 'dsse',
  description: 'DSSE envelopes and in-toto statements (`parseEnvelope`, `verifyEnvelopeWithKey`, `parseStatement`, subject digest match)',
  maxLen: 16 * 1024,
  fuzz(data) {
    const env = rejectsOnlyWith([SigstoreVerifyError], () => parseEnvelope(data));
    if (!env) return;
    const i = rejectsOnlyWith([SigstoreVerifyError], () => verifyEnvelopeWithKey(env, publicKey));
    if (i !== undefined) check(i >= 0 && i < env.signatures.length, `verified signature index ${i}`);
    const st = rejectsOnlyWith([SigstoreVerifyError], () => parseStatement(env));
    if (st) statementNamesDigest(st, DIGEST);
  },
  seeds: () =>
    unique([
      ...json(
        signedEnvelope({ _type: 'https://in-toto.io/Statement/v1', predicateType: 'https://spdx.dev/Document', subject: [{ name: 'img', digest: { sha256: 'ab'.repeat(32) } }], predicate: {} }),
        signedEnvelope({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://cosign.sigstore.dev/attestation/v1', subject: [{ name: 'x', digest: { sha512: 'cd'.repeat(64) } }] }),
      ),
      ...jsonDocs(vectorFiles(/\.json$/), (v) => typeof v === 'object' && v !== null && 'payloadType' in v && 'signatures' in v),
      ...vectorFiles(/\.sigstore(\.json)?$/).flatMap((b) => {
        try {
          const e = (JSON.parse(b.toString('utf8')) as { dsseEnvelope?: unknown }).dsseEnvelope;
          return e ? json(e) : [];
        } catch {
          return [];
        }
      }),
    ]),
};
