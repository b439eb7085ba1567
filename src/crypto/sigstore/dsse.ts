import type { KeyObject } from 'node:crypto';
import type { Envelope } from '@sigstore/bundle';
import { SigstoreVerifyError } from './errors.js';
import { candidateHashes } from './keys.js';
import { preAuthEncoding, verifyRaw } from './signature-content.js';

export const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** Bound on signatures per envelope: each one costs a verification. */
const MAX_SIGNATURES = 16;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// DSSE producers use standard or URL-safe base64, padded or not.
const BASE64_ANY = /^[A-Za-z0-9+/_-]*={0,2}$/;

function b64(s: unknown, what: string): Buffer {
  if (typeof s !== 'string' || !BASE64_ANY.test(s)) throw new SigstoreVerifyError('DSSE_ERROR', `${what} is not base64`);
  return Buffer.from(s, BASE64.test(s) ? 'base64' : 'base64url');
}

/** Decodes a bare DSSE envelope (JSON). Throws SigstoreVerifyError DSSE_ERROR when malformed. */
export function parseEnvelope(bytes: Uint8Array): Envelope {
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    throw new SigstoreVerifyError('DSSE_ERROR', `the DSSE envelope is not JSON: ${(e as Error).message}`);
  }
  const env = o as { payloadType?: unknown; payload?: unknown; signatures?: unknown };
  if (env === null || typeof env !== 'object') throw new SigstoreVerifyError('DSSE_ERROR', 'the DSSE envelope is not a JSON object');
  if (typeof env.payloadType !== 'string') throw new SigstoreVerifyError('DSSE_ERROR', 'the DSSE envelope has no payloadType');
  if (!Array.isArray(env.signatures) || env.signatures.length === 0) throw new SigstoreVerifyError('DSSE_ERROR', 'the DSSE envelope has no signatures');
  if (env.signatures.length > MAX_SIGNATURES) throw new SigstoreVerifyError('DSSE_ERROR', `the DSSE envelope has ${env.signatures.length} signatures (limit ${MAX_SIGNATURES})`);
  return {
    payloadType: env.payloadType,
    payload: b64(env.payload, 'the DSSE payload'),
    signatures: env.signatures.map((s, i) => {
      const sig = s as { sig?: unknown; keyid?: unknown };
      return { sig: b64(sig?.sig, `DSSE signature ${i}`), keyid: typeof sig?.keyid === 'string' ? sig.keyid : '' };
    }),
  };
}

/**
 * cosign's key-based DSSE check (verify-attestation --key): some signature of the envelope must
 * verify over PAE(payloadType, payload) with the key. Returns the index of the one that did.
 */
export function verifyEnvelopeWithKey(env: Envelope, key: KeyObject): number {
  const pae = preAuthEncoding(env.payloadType, env.payload);
  const hashes = candidateHashes(key);
  const i = env.signatures.findIndex((s) => hashes.some((h) => verifyRaw(h, pae, key, s.sig)));
  if (i < 0) throw new SigstoreVerifyError('SIGNATURE_ERROR', "failed to verify the DSSE envelope signature: key and signature don't match");
  return i;
}

export interface InTotoSubject {
  name: string;
  digest: Record<string, string>;
}

export interface InTotoStatement {
  type: string;
  predicateType: string;
  subject: InTotoSubject[];
}

const STATEMENT_TYPES = ['https://in-toto.io/Statement/v0.1', 'https://in-toto.io/Statement/v1'];
const MAX_SUBJECTS = 1024;

/** Reads the parts of an in-toto statement that verification looks at. Throws DSSE_ERROR. */
export function parseStatement(env: Envelope): InTotoStatement {
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new SigstoreVerifyError('DSSE_ERROR', `unexpected DSSE payload type ${JSON.stringify(env.payloadType)}, want ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  let o: unknown;
  try {
    o = JSON.parse(env.payload.toString('utf8'));
  } catch {
    throw new SigstoreVerifyError('DSSE_ERROR', 'the in-toto statement is not JSON');
  }
  const st = o as { _type?: unknown; predicateType?: unknown; subject?: unknown };
  if (st === null || typeof st !== 'object' || typeof st._type !== 'string' || !STATEMENT_TYPES.includes(st._type)) {
    throw new SigstoreVerifyError('DSSE_ERROR', `not an in-toto statement (_type ${JSON.stringify((st as { _type?: unknown })?._type)})`);
  }
  if (typeof st.predicateType !== 'string' || st.predicateType === '') throw new SigstoreVerifyError('DSSE_ERROR', 'the in-toto statement has no predicateType');
  if (!Array.isArray(st.subject) || st.subject.length === 0 || st.subject.length > MAX_SUBJECTS) {
    throw new SigstoreVerifyError('DSSE_ERROR', 'the in-toto statement has no usable subject list');
  }
  const subject = st.subject.map((s) => {
    const x = s as { name?: unknown; digest?: unknown };
    const digest: Record<string, string> = {};
    if (x?.digest && typeof x.digest === 'object') {
      for (const [k, v] of Object.entries(x.digest as Record<string, unknown>)) if (typeof v === 'string') digest[k] = v.toLowerCase();
    }
    return { name: typeof x?.name === 'string' ? x.name : '', digest };
  });
  return { type: st._type, predicateType: st.predicateType, subject };
}

/** True when some subject of the statement names `digest` ("sha256:<hex>"). */
export function statementNamesDigest(st: InTotoStatement, digest: string): boolean {
  const i = digest.indexOf(':');
  const alg = digest.slice(0, i);
  const hex = digest.slice(i + 1).toLowerCase();
  return st.subject.some((s) => s.digest[alg] === hex);
}
