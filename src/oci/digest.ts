import { createHash, type Hash } from 'node:crypto';
import { RatifyError } from '../errors.js';

export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

const HEX_LEN: Record<DigestAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/** Validates a digest as go-digest does: known algorithm, lower-case hex of the exact length. */
export function parseDigest(d: string): ParsedDigest {
  if (typeof d !== 'string') throw new Error('invalid checksum digest format');
  const i = d.indexOf(':');
  if (i <= 0 || i === d.length - 1) throw new Error('invalid checksum digest format');
  const alg = d.slice(0, i);
  const hex = d.slice(i + 1);
  if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*$/.test(alg)) throw new Error('invalid checksum digest format');
  // Own keys only: `in` would also accept inherited names such as "constructor".
  if (!Object.hasOwn(HEX_LEN, alg)) throw new Error(`unsupported digest algorithm: ${alg}`);
  const want = HEX_LEN[alg as DigestAlgorithm];
  if (hex.length !== want || !/^[a-f0-9]+$/.test(hex)) throw new Error(`invalid checksum digest length or format for ${alg}`);
  return { algorithm: alg as DigestAlgorithm, hex };
}

export function isDigest(d: unknown): d is string {
  if (typeof d !== 'string') return false;
  try {
    parseDigest(d);
    return true;
  } catch {
    return false;
  }
}

export function digestOf(data: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** Incremental digest computation for streamed content. */
export class Digester {
  private readonly hash: Hash;
  constructor(readonly algorithm: DigestAlgorithm) {
    this.hash = createHash(algorithm);
  }
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }
  digest(): string {
    return `${this.algorithm}:${this.hash.digest('hex')}`;
  }
}

/** Throws MANIFEST_INVALID / GET_BLOB_CONTENT_FAILURE style error when content does not match its digest. */
export function verifyDigest(data: Uint8Array, expected: string, what: string): void {
  let algorithm: DigestAlgorithm;
  try {
    ({ algorithm } = parseDigest(expected));
  } catch (e) {
    throw new RatifyError('GET_BLOB_CONTENT_FAILURE', `invalid digest for ${what}`, {
      cause: new Error(`${(e as Error).message}: ${JSON.stringify(String(expected).slice(0, 200))}`),
      remediation: 'Content can only be trusted when addressed by a valid sha256, sha384 or sha512 digest',
    });
  }
  const actual = digestOf(data, algorithm);
  if (actual !== expected) {
    throw new RatifyError('GET_BLOB_CONTENT_FAILURE', `digest mismatch for ${what}`, {
      cause: new Error(`expected ${expected}, got ${actual}`),
      remediation: 'The registry or layout returned content that does not match its digest; do not trust this source',
    });
  }
}

/** "sha256:abc" -> "sha256-abc": the referrers tag schema and cosign tag prefix. */
export function digestToTag(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `${algorithm}-${hex}`;
}
