/**
 * TSTInfo (RFC 3161 2.4.2): decoding, the message-imprint check and the timestamp range, with
 * tspclient-go's rules and texts ("invalid TSTInfo: ...").
 */
import { createHash } from 'node:crypto';
import {
  SeqReader,
  TAG,
  algorithmIdentifier,
  boolean,
  bytesEqual,
  decode,
  explicit,
  extensions as readExtensions,
  generalizedTime,
  implicitInteger,
  integer,
  isContext,
  isUniversal,
  octets,
  oid,
  raw,
  smallInt,
  type Extension,
} from './der.js';
import { OID, tspHashFromOid } from './oids.js';

export interface Accuracy {
  seconds: number;
  millis: number;
  micros: number;
}

export interface TSTInfo {
  version: number;
  policy: string;
  messageImprint: { hashAlgorithm: string; hashedMessage: Uint8Array };
  serialNumber: bigint;
  genTime: Date;
  accuracy: Accuracy;
  ordering: boolean;
  nonce?: bigint;
  /** Raw DER of the [0] tsa GeneralName, when present. */
  tsa?: Uint8Array;
  extensions: Extension[];
}

/** The validated time of a token: genTime with its accuracy (RFC 3161 2.4.2). */
export interface Timestamp {
  genTime: Date;
  /** Accuracy in milliseconds (may be fractional when micros are given). */
  accuracyMs: number;
  /** genTime - accuracy (rounded outwards to whole milliseconds). */
  earliest: Date;
  /** genTime + accuracy (rounded outwards to whole milliseconds). */
  latest: Date;
}

/** "invalid TSTInfo: ..." */
export class TSTInfoError extends Error {
  constructor(msg: string) {
    super(`invalid TSTInfo${msg ? `: ${msg}` : ''}`);
    this.name = 'TSTInfoError';
  }
}

/** Decodes TSTInfo DER; errors are Go asn1-style texts (the caller adds context). */
export function decodeTSTInfo(der: Uint8Array): TSTInfo {
  const r = new SeqReader(decode(der), 'TSTInfo');
  const version = smallInt(r.next('version'), 'TSTInfo.version');
  const policy = oid(r.next('policy'), 'TSTInfo.policy');
  const mi = new SeqReader(r.next('messageImprint'), 'MessageImprint');
  const hashAlgorithm = algorithmIdentifier(mi.next('hashAlgorithm'), 'MessageImprint.hashAlgorithm').oid;
  const hashedMessage = octets(mi.next('hashedMessage'), 'MessageImprint.hashedMessage');
  const serialNumber = integer(r.next('serialNumber'), 'TSTInfo.serialNumber');
  const genTime = generalizedTime(r.next('genTime'), 'TSTInfo.genTime');

  const accuracy: Accuracy = { seconds: 0, millis: 0, micros: 0 };
  const acc = r.optional((n) => isUniversal(n, TAG.SEQUENCE));
  if (acc) {
    const ar = new SeqReader(acc, 'Accuracy');
    const s = ar.optional((n) => isUniversal(n, TAG.INTEGER));
    if (s) accuracy.seconds = smallInt(s, 'Accuracy.seconds');
    const ms = ar.optional((n) => isContext(n, 0));
    if (ms) accuracy.millis = Number(implicitInteger(ms, 'Accuracy.millis'));
    const us = ar.optional((n) => isContext(n, 1));
    if (us) accuracy.micros = Number(implicitInteger(us, 'Accuracy.micros'));
    if (accuracy.seconds < 0 || accuracy.millis < 0 || accuracy.millis > 999 || accuracy.micros < 0 || accuracy.micros > 999) {
      throw new Error('asn1: structure error: Accuracy out of range');
    }
  }
  const ord = r.optional((n) => isUniversal(n, TAG.BOOLEAN));
  const nonceNode = r.optional((n) => isUniversal(n, TAG.INTEGER));
  const tsaNode = r.optional((n) => isContext(n, 0));
  const extNode = r.optional((n) => isContext(n, 1));
  let exts: Extension[] = [];
  if (extNode) {
    // [1] IMPLICIT Extensions: re-read the children as a SEQUENCE OF Extension.
    const seq = new Uint8Array(raw(extNode));
    seq[0] = 0x30;
    exts = readExtensions(decode(seq), 'TSTInfo.extensions');
  }
  return {
    version,
    policy,
    messageImprint: { hashAlgorithm, hashedMessage },
    serialNumber,
    genTime,
    accuracy,
    ordering: ord ? boolean(ord, 'TSTInfo.ordering') : false,
    ...(nonceNode ? { nonce: integer(nonceNode, 'TSTInfo.nonce') } : {}),
    ...(tsaNode ? { tsa: raw(explicit(tsaNode, 'TSTInfo.tsa')) } : {}),
    extensions: exts,
  };
}

/**
 * tspclient-go TSTInfo.Validate: version 1, a supported imprint hash (SHA-256/384/512) and an
 * imprint equal to hash(message). Returns the timestamp with its accuracy; with no accuracy and
 * the ETSI baseline policy the accuracy is 1 s (RFC 3628 5.1, Notary Project spec).
 */
export function validateTSTInfo(info: TSTInfo, message: Uint8Array): Timestamp {
  if (info.version !== 1) throw new TSTInfoError(`timestamp token info version must be 1, but got ${info.version}`);
  const hash = tspHashFromOid(info.messageImprint.hashAlgorithm);
  if (!hash) throw new TSTInfoError(`unrecognized hash algorithm: ${info.messageImprint.hashAlgorithm}`);
  const digest = createHash(hash).update(message).digest();
  if (!bytesEqual(digest, info.messageImprint.hashedMessage)) throw new TSTInfoError('mismatched message');
  return timestampOf(info);
}

export function timestampOf(info: TSTInfo): Timestamp {
  const { seconds, millis, micros } = info.accuracy;
  let accuracyMs = seconds * 1000 + millis + micros / 1000;
  if (accuracyMs === 0 && info.policy === OID.baselineTimestampPolicy) accuracyMs = 1000;
  const g = info.genTime.getTime();
  const widen = Math.ceil(accuracyMs);
  return { genTime: info.genTime, accuracyMs, earliest: new Date(g - widen), latest: new Date(g + widen) };
}

/** The latest possible time of the timestamp is at or before `t` (tspclient-go BoundedBefore). */
export function boundedBefore(ts: Timestamp, t: Date): boolean {
  return ts.genTime.getTime() + ts.accuracyMs <= t.getTime();
}

/** The earliest possible time of the timestamp is at or after `t` (tspclient-go BoundedAfter). */
export function boundedAfter(ts: Timestamp, t: Date): boolean {
  return ts.genTime.getTime() - ts.accuracyMs >= t.getTime();
}
