import type { Bundle, Envelope, TransparencyLogEntry } from '@sigstore/bundle';
import { BUNDLE_V03_MEDIA_TYPE } from '@sigstore/bundle';
import { HashAlgorithm } from '@sigstore/protobuf-specs';
import { SigstoreVerifyError } from './errors.js';
import { digest } from './signature-content.js';

/**
 * Converting cosign's pre-bundle signature format (a signature plus separate certificate, Rekor
 * "bundle" and RFC 3161 annotations) into a Sigstore bundle, so that one verification path
 * (@sigstore/verify) serves both formats.
 */

export interface LegacyParts {
  /** The signed content: raw bytes with a detached signature, or a DSSE envelope. */
  content: { kind: 'message'; payload: Buffer; signature: Buffer } | { kind: 'dsse'; envelope: Envelope };
  /** Leaf certificate (DER), for keyless signatures. */
  certificate?: Uint8Array;
  /** `dev.sigstore.cosign/bundle`: the Rekor entry with its signed entry timestamp. */
  rekorBundle?: string;
  /** `dev.sigstore.cosign/rfc3161timestamp`: {"SignedRFC3161Timestamp": "<base64 DER>"}. */
  rfc3161?: string;
}

export function legacyToBundle(parts: LegacyParts): Bundle {
  const tlogEntries = parts.rekorBundle !== undefined ? [rekorBundleToEntry(parts.rekorBundle)] : [];
  const rfc3161Timestamps = parts.rfc3161 !== undefined ? [{ signedTimestamp: parseRfc3161Annotation(parts.rfc3161) }] : [];
  const verificationMaterial: Bundle['verificationMaterial'] = {
    content: parts.certificate ? { $case: 'certificate', certificate: { rawBytes: Buffer.from(parts.certificate) } } : { $case: 'publicKey', publicKey: { hint: '' } },
    tlogEntries,
    timestampVerificationData: { rfc3161Timestamps },
  };
  const content: Bundle['content'] =
    parts.content.kind === 'dsse'
      ? { $case: 'dsseEnvelope', dsseEnvelope: parts.content.envelope }
      : {
          $case: 'messageSignature',
          messageSignature: {
            messageDigest: { algorithm: HashAlgorithm.SHA2_256, digest: digest('sha256', parts.content.payload) },
            signature: parts.content.signature,
          },
        };
  return { mediaType: BUNDLE_V03_MEDIA_TYPE, verificationMaterial, content };
}

function malformed(what: string, why: string): SigstoreVerifyError {
  return new SigstoreVerifyError('BUNDLE_ERROR', `malformed ${what}: ${why}`);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function b64(s: unknown, what: string): Buffer {
  if (typeof s !== 'string' || s.length % 4 !== 0 || !BASE64.test(s)) throw malformed(what, 'not base64');
  return Buffer.from(s, 'base64');
}

function nonNegativeInt(v: unknown, what: string): string {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw malformed(what, 'not a non-negative integer');
  return String(v);
}

/**
 * cosign's RekorBundle annotation: {"SignedEntryTimestamp": b64, "Payload": {"body": b64,
 * "integratedTime": int, "logIndex": int, "logID": hex}}. Becomes a log entry with an
 * inclusion promise (the SET), which is what a v0.1 bundle holds.
 */
export function rekorBundleToEntry(annotation: string): TransparencyLogEntry {
  const what = 'Rekor bundle annotation';
  let o: unknown;
  try {
    o = JSON.parse(annotation);
  } catch (e) {
    throw malformed(what, (e as Error).message);
  }
  const rb = o as { SignedEntryTimestamp?: unknown; Payload?: Record<string, unknown> };
  if (rb === null || typeof rb !== 'object' || rb.Payload === null || typeof rb.Payload !== 'object') throw malformed(what, 'no Payload');
  const p = rb.Payload;
  const set = b64(rb.SignedEntryTimestamp, what);
  const body = b64(p.body, what);
  if (typeof p.logID !== 'string' || !/^[0-9a-f]{64}$/.test(p.logID)) throw malformed(what, 'logID is not a SHA-256 hex key id');
  let parsed: { kind?: unknown; apiVersion?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw malformed(what, 'the entry body is not JSON');
  }
  if (typeof parsed?.kind !== 'string' || typeof parsed.apiVersion !== 'string') throw malformed(what, 'the entry body has no kind/apiVersion');
  return {
    logIndex: nonNegativeInt(p.logIndex, what),
    logId: { keyId: Buffer.from(p.logID, 'hex') },
    kindVersion: { kind: parsed.kind, version: parsed.apiVersion },
    integratedTime: nonNegativeInt(p.integratedTime, what),
    inclusionPromise: { signedEntryTimestamp: set },
    inclusionProof: undefined,
    canonicalizedBody: body,
  };
}

export function parseRfc3161Annotation(annotation: string): Buffer {
  let o: unknown;
  try {
    o = JSON.parse(annotation);
  } catch (e) {
    throw malformed('RFC 3161 timestamp annotation', (e as Error).message);
  }
  return b64((o as { SignedRFC3161Timestamp?: unknown })?.SignedRFC3161Timestamp, 'RFC 3161 timestamp annotation');
}
