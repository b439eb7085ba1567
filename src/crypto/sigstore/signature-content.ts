import { createHash, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { Envelope, TransparencyLogEntry } from '@sigstore/bundle';
import { dsse } from '@sigstore/core';
import type { SignedEntity } from '@sigstore/verify';
import { SigstoreVerifyError } from './errors.js';

type SignatureContent = SignedEntity['signature'];

export type HashName = 'sha256' | 'sha384' | 'sha512';

/** Digest lengths in bytes, to read which algorithm a bare digest from a log entry used. */
const BY_LENGTH: Record<number, HashName> = { 32: 'sha256', 48: 'sha384', 64: 'sha512' };

export function digest(alg: HashName, ...data: Uint8Array[]): Buffer {
  const h = createHash(alg);
  for (const d of data) h.update(d);
  return h.digest();
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/** crypto.verify that answers false instead of throwing on malformed signatures. */
function verifyWith(hash: HashName | undefined, data: Uint8Array, key: KeyObject, sig: Uint8Array): boolean {
  try {
    return cryptoVerify(key.asymmetricKeyType === 'ed25519' ? undefined : (hash ?? 'sha256'), data, key, sig);
  } catch {
    return false;
  }
}

/**
 * A signature over raw bytes (a bundle's messageSignature, or a legacy cosign signature over a
 * simple-signing payload). Unlike @sigstore/verify's own class it verifies Ed25519 keys (which
 * take no digest), may try more than one digest (cosign file keys sign with SHA-256 whatever the
 * curve), and compares log-entry digests against the artifact itself when it has it.
 */
export class MessageContent implements SignatureContent {
  constructor(
    readonly signature: Buffer,
    /** The signed bytes; without them only digests can be compared and the signature never verifies. */
    private readonly artifact: Buffer | undefined,
    /** The digest the bundle states (messageDigest). */
    private readonly statedDigest: Buffer,
    /** Digests to try when verifying, the expected one first. */
    private readonly hashes: Array<HashName | undefined>,
  ) {}

  compareSignature(signature: Buffer): boolean {
    return bytesEqual(signature, this.signature);
  }

  compareDigest(d: Buffer): boolean {
    if (this.artifact === undefined) return bytesEqual(d, this.statedDigest);
    const alg = BY_LENGTH[d.byteLength];
    return alg !== undefined && bytesEqual(d, digest(alg, this.artifact));
  }

  verifySignature(key: KeyObject): boolean {
    const data = this.artifact;
    if (data === undefined) return false;
    return this.hashes.some((h) => verifyWith(h, data, key, this.signature));
  }
}

/**
 * How a transparency-log entry refers to a DSSE envelope: Rekor v1 `dsse`/`intoto` entries store
 * the payload hash; Rekor v2's "hashedrekord over DSSE" (rekor-v2 spec §6.1.4) stores the hash of
 * the pre-authentication encoding instead. @sigstore/verify 3.x only knows the former.
 */
export type DsseDigestMode = { kind: 'payload' } | { kind: 'pae'; hash: HashName };

/** A DSSE envelope with exactly one signature (bundle rule), checked in the given digest mode. */
export class DsseContent implements SignatureContent {
  readonly signature: Buffer;
  private readonly pae: Buffer;

  constructor(
    private readonly env: Envelope,
    private readonly mode: DsseDigestMode,
    private readonly hashes: Array<HashName | undefined> = ['sha256'],
  ) {
    this.signature = env.signatures[0]?.sig ?? Buffer.alloc(0);
    this.pae = dsse.preAuthEncoding(env.payloadType, env.payload);
  }

  compareSignature(signature: Buffer): boolean {
    return bytesEqual(signature, this.signature);
  }

  compareDigest(d: Buffer): boolean {
    if (this.mode.kind === 'pae') return bytesEqual(d, digest(this.mode.hash, this.pae));
    return bytesEqual(d, digest('sha256', this.env.payload));
  }

  verifySignature(key: KeyObject): boolean {
    return this.hashes.some((h) => verifyWith(h, this.pae, key, this.signature));
  }
}

/** DSSE pre-authentication encoding (for callers verifying bare envelopes). */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  return dsse.preAuthEncoding(payloadType, payload);
}

export { verifyWith as verifyRaw };

/**
 * Rekor v1 logs a DSSE envelope as `dsse`/`intoto` with the payload hash; Rekor v2 logs it as
 * `hashedrekord` over the PAE. Mixing both for one envelope is refused: there is no single
 * reading of "the digest" that would make both entries about the same signature.
 */
export function dsseMode(entries: TransparencyLogEntry[]): DsseDigestMode {
  const hashed = entries.filter((e) => e.kindVersion.kind === 'hashedrekord');
  if (hashed.length === 0) return { kind: 'payload' };
  if (hashed.length !== entries.length) {
    throw new SigstoreVerifyError('TLOG_BODY_ERROR', 'the DSSE envelope is logged both as hashedrekord and as an envelope entry');
  }
  let hash: HashName | undefined;
  for (const e of hashed) {
    const h = hashedrekordAlgorithm(e);
    if (hash !== undefined && h !== hash) throw new SigstoreVerifyError('TLOG_BODY_ERROR', 'log entries disagree on the digest algorithm');
    hash = h;
  }
  return { kind: 'pae', hash: hash ?? 'sha256' };
}

function hashedrekordAlgorithm(e: TransparencyLogEntry): HashName {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(e.canonicalizedBody).toString('utf8'));
  } catch {
    throw new SigstoreVerifyError('TLOG_BODY_ERROR', 'the log entry body is not JSON');
  }
  const spec = (body as { spec?: Record<string, unknown> })?.spec;
  // v0.0.2 (Rekor v2) and v0.0.1 spell the algorithm differently.
  const v2 = (spec?.hashedRekordV002 as { data?: { algorithm?: unknown } } | undefined)?.data?.algorithm;
  const v1 = (spec?.data as { hash?: { algorithm?: unknown } } | undefined)?.hash?.algorithm;
  const name = String(v2 ?? v1 ?? 'sha256').toUpperCase().replace(/[^A-Z0-9]/g, '');
  switch (name) {
    case 'SHA256':
    case 'SHA2256':
      return 'sha256';
    case 'SHA384':
    case 'SHA2384':
      return 'sha384';
    case 'SHA512':
    case 'SHA2512':
      return 'sha512';
    default:
      throw new SigstoreVerifyError('TLOG_BODY_ERROR', `unsupported hashedrekord digest algorithm ${name}`);
  }
}

