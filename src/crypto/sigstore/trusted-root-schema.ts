/**
 * trusted_root.json decoded as protojson decodes dev.sigstore.trustroot.v1.TrustedRoot
 * (sigstore/protobuf-specs v0.5.1, the version sigstore-go reads it with). Structure only: the
 * rules sigstore-go applies to the decoded message are in trusted-root-rules.ts.
 */
import {
  joinField,
  readBytes,
  readEnum,
  readList,
  readMessage,
  readString,
  readTimestamp,
  type MessageFields,
  type Timestamp,
} from './protojson.js';
import type { JsonValue } from '../encoding/gojson.js';

export const HASH_ALGORITHMS: Readonly<Record<string, number>> = {
  HASH_ALGORITHM_UNSPECIFIED: 0,
  SHA2_256: 1,
  SHA2_384: 2,
  SHA2_512: 3,
  SHA3_256: 4,
  SHA3_384: 5,
};

export const PUBLIC_KEY_DETAILS: Readonly<Record<string, number>> = {
  PUBLIC_KEY_DETAILS_UNSPECIFIED: 0,
  PKCS1_RSA_PKCS1V5: 1,
  PKCS1_RSA_PSS: 2,
  PKIX_RSA_PKCS1V5: 3,
  PKIX_RSA_PSS: 4,
  PKIX_RSA_PKCS1V15_2048_SHA256: 9,
  PKIX_RSA_PKCS1V15_3072_SHA256: 10,
  PKIX_RSA_PKCS1V15_4096_SHA256: 11,
  PKIX_RSA_PSS_2048_SHA256: 16,
  PKIX_RSA_PSS_3072_SHA256: 17,
  PKIX_RSA_PSS_4096_SHA256: 18,
  PKIX_ECDSA_P256_HMAC_SHA_256: 6,
  PKIX_ECDSA_P256_SHA_256: 5,
  PKIX_ECDSA_P384_SHA_384: 12,
  PKIX_ECDSA_P521_SHA_512: 13,
  PKIX_ED25519: 7,
  PKIX_ED25519_PH: 8,
  PKIX_ECDSA_P384_SHA_256: 19,
  PKIX_ECDSA_P521_SHA_256: 20,
  LMS_SHA256: 14,
  LMOTS_SHA256: 15,
  ML_DSA_44: 23,
  ML_DSA_65: 21,
  ML_DSA_87: 22,
};

/** The name of an enum value for messages (Go prints the number when the value has no name). */
export function enumName(values: Readonly<Record<string, number>>, n: number): string {
  return Object.keys(values).find((k) => values[k] === n) ?? String(n);
}

export interface TimeRange {
  start?: Timestamp;
  end?: Timestamp;
}

export interface PublicKeyMessage {
  /** `optional bytes`: present (possibly empty) or absent. */
  rawBytes?: Buffer;
  keyDetails: number;
  validFor?: TimeRange;
}

export interface TransparencyLogMessage {
  baseUrl: string;
  hashAlgorithm: number;
  publicKey?: PublicKeyMessage;
  /** Absent when the message is absent; an empty key ID is Go's nil. */
  logId?: { keyId: Buffer };
  checkpointKeyId?: { keyId: Buffer };
  operator: string;
}

export interface CertificateAuthorityMessage {
  subject?: { organization: string; commonName: string };
  uri: string;
  certChain?: { certificates: Buffer[] };
  validFor?: TimeRange;
  operator: string;
}

export interface TrustedRootMessage {
  mediaType: string;
  tlogs: TransparencyLogMessage[];
  certificateAuthorities: CertificateAuthorityMessage[];
  ctlogs: TransparencyLogMessage[];
  timestampAuthorities: CertificateAuthorityMessage[];
}

type Reader<T> = (v: JsonValue, at: string) => T;

function opt<T>(m: MessageFields, name: string, at: string, read: Reader<T>): T | undefined {
  const v = m.get(name);
  return v === undefined ? undefined : read(v, joinField(at, name));
}

function listOf<T>(m: MessageFields, name: string, at: string, read: Reader<T>): T[] {
  const v = m.get(name);
  if (v === undefined) return [];
  const field = joinField(at, name);
  return readList(v, field).map((e, i) => read(e, `${field}[${i}]`));
}

const timeRange: Reader<TimeRange> = (v, at) => {
  const m = readMessage(v, at, ['start', 'end']);
  const out: TimeRange = {};
  const start = opt(m, 'start', at, readTimestamp);
  const end = opt(m, 'end', at, readTimestamp);
  if (start) out.start = start;
  if (end) out.end = end;
  return out;
};

const logId: Reader<{ keyId: Buffer }> = (v, at) => {
  const m = readMessage(v, at, ['key_id']);
  return { keyId: opt(m, 'keyId', at, readBytes) ?? Buffer.alloc(0) };
};

const publicKey: Reader<PublicKeyMessage> = (v, at) => {
  const m = readMessage(v, at, ['raw_bytes', 'key_details', 'valid_for']);
  const out: PublicKeyMessage = { keyDetails: opt(m, 'keyDetails', at, (x, f) => readEnum(x, f, PUBLIC_KEY_DETAILS)) ?? 0 };
  const raw = opt(m, 'rawBytes', at, readBytes);
  const validFor = opt(m, 'validFor', at, timeRange);
  if (raw) out.rawBytes = raw;
  if (validFor) out.validFor = validFor;
  return out;
};

const transparencyLog: Reader<TransparencyLogMessage> = (v, at) => {
  const m = readMessage(v, at, ['base_url', 'hash_algorithm', 'public_key', 'log_id', 'checkpoint_key_id', 'operator']);
  const out: TransparencyLogMessage = {
    baseUrl: opt(m, 'baseUrl', at, readString) ?? '',
    hashAlgorithm: opt(m, 'hashAlgorithm', at, (x, f) => readEnum(x, f, HASH_ALGORITHMS)) ?? 0,
    operator: opt(m, 'operator', at, readString) ?? '',
  };
  const key = opt(m, 'publicKey', at, publicKey);
  const id = opt(m, 'logId', at, logId);
  const checkpoint = opt(m, 'checkpointKeyId', at, logId);
  if (key) out.publicKey = key;
  if (id) out.logId = id;
  if (checkpoint) out.checkpointKeyId = checkpoint;
  return out;
};

const certificateAuthority: Reader<CertificateAuthorityMessage> = (v, at) => {
  const m = readMessage(v, at, ['subject', 'uri', 'cert_chain', 'valid_for', 'operator']);
  const out: CertificateAuthorityMessage = {
    uri: opt(m, 'uri', at, readString) ?? '',
    operator: opt(m, 'operator', at, readString) ?? '',
  };
  const subject = opt(m, 'subject', at, (x, f) => {
    const s = readMessage(x, f, ['organization', 'common_name']);
    return { organization: opt(s, 'organization', f, readString) ?? '', commonName: opt(s, 'commonName', f, readString) ?? '' };
  });
  const chain = opt(m, 'certChain', at, (x, f) => ({
    certificates: listOf(readMessage(x, f, ['certificates']), 'certificates', f, (c, g) => opt(readMessage(c, g, ['raw_bytes']), 'rawBytes', g, readBytes) ?? Buffer.alloc(0)),
  }));
  const validFor = opt(m, 'validFor', at, timeRange);
  if (subject) out.subject = subject;
  if (chain) out.certChain = chain;
  if (validFor) out.validFor = validFor;
  return out;
};

/** Decodes a parsed trusted_root.json; throws ProtoJsonError naming the field. */
export function decodeTrustedRoot(v: JsonValue): TrustedRootMessage {
  const m = readMessage(v, '', ['media_type', 'tlogs', 'certificate_authorities', 'ctlogs', 'timestamp_authorities']);
  return {
    mediaType: opt(m, 'mediaType', '', readString) ?? '',
    tlogs: listOf(m, 'tlogs', '', transparencyLog),
    certificateAuthorities: listOf(m, 'certificateAuthorities', '', certificateAuthority),
    ctlogs: listOf(m, 'ctlogs', '', transparencyLog),
    timestampAuthorities: listOf(m, 'timestampAuthorities', '', certificateAuthority),
  };
}
