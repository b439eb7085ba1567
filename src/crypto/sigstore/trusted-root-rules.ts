/**
 * The rules sigstore-go (pkg/root/trusted_root.go, NewTrustedRootFromProtobuf) applies to a
 * decoded trusted root, and the trust material @sigstore/verify verifies with, built here rather
 * than by its toTrustMaterial (which defaults a log key's missing validity start to 1970, reads
 * PKIX RSA keys as PKCS#1 and matches logs by checkpointKeyId, none of which sigstore-go does):
 * - mediaType is exactly application/vnd.dev.sigstore.trustedroot+json;version=0.1;
 * - every tlog and ctlog: hashAlgorithm SHA2_256; logId with a non-empty keyId; publicKey with
 *   rawBytes; keyDetails one sigstore-go supports, and rawBytes a key of that type (PKIX DER, or
 *   PKCS#1 for PKCS1_RSA_PKCS1V5) as Go's crypto/x509 parses it; publicKey.validFor with a start;
 *   logs with the same logId: the last one counts (sigstore-go keys them in a map);
 * - every certificate and timestamp authority: a non-empty certChain of certificates Go's
 *   x509.ParseCertificate accepts; validFor optional.
 * Validity bounds keep their meaning: a CA or TSA without start/end is unbounded on that side, a
 * log key's end likewise; sub-millisecond bounds are rounded inwards (JS dates hold milliseconds).
 */
import { X509Certificate as CoreCertificate } from '@sigstore/core';
import type { TrustMaterial } from '@sigstore/verify';
import type { KeyObject } from 'node:crypto';
import { RatifyError, type ErrorCode } from '../../errors.js';
import { parseCertificateDer } from '../x509/certificate.js';
import { PublicKeyParseError, parsePkcs1PublicKey, parsePkixPublicKey, type PkixKeyType } from '../x509/pkix-key.js';
import type { Timestamp } from './protojson.js';
import {
  HASH_ALGORITHMS,
  PUBLIC_KEY_DETAILS,
  enumName,
  type CertificateAuthorityMessage,
  type TimeRange,
  type TransparencyLogMessage,
  type TrustedRootMessage,
} from './trusted-root-schema.js';

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

type TLogAuthority = TrustMaterial['tlogs'][number];
type CertAuthority = TrustMaterial['certificateAuthorities'][number];

const REMEDIATION = 'Provide a trusted_root.json as published by the Sigstore TUF repository (cosign --trusted-root format)';

/** A trusted root sigstore-go would refuse: the file, the field and why. */
export function trustedRootError(code: ErrorCode, source: string, field: string, why: string, cause?: unknown): RatifyError {
  return new RatifyError(code, `invalid Sigstore trusted root ${source}: ${field ? `${field}: ` : ''}${why}`, {
    remediation: REMEDIATION,
    ...(cause === undefined ? {} : { cause }),
  });
}

const EARLIEST = new Date(-8.64e15);
const LATEST = new Date(8.64e15);
/** Go's zero time.Time (0001-01-01T00:00:00Z): sigstore-go reads a bound equal to it as "unset". */
const GO_ZERO_SECONDS = -62135596800;

const ECDSA_DETAILS = ['PKIX_ECDSA_P256_SHA_256', 'PKIX_ECDSA_P384_SHA_384', 'PKIX_ECDSA_P521_SHA_512'];
const RSA_DETAILS = ['PKIX_RSA_PKCS1V15_2048_SHA256', 'PKIX_RSA_PKCS1V15_3072_SHA256', 'PKIX_RSA_PKCS1V15_4096_SHA256'];
const KEY_TYPE_NAMES: Record<PkixKeyType, string> = { rsa: 'RSA', ecdsa: 'ECDSA', ed25519: 'Ed25519', x25519: 'X25519', dsa: 'DSA' };

function bound(t: Timestamp | undefined, round: 'up' | 'down', field: string, fail: (f: string, why: string) => RatifyError): Date | undefined {
  if (t === undefined) return undefined;
  if (t.seconds === GO_ZERO_SECONDS && t.nanos === 0) {
    throw fail(field, '0001-01-01T00:00:00Z is Go\'s zero time, which sigstore-go reads as no bound; omit the field instead');
  }
  const ms = round === 'up' ? Math.ceil(t.nanos / 1e6) : Math.floor(t.nanos / 1e6);
  return new Date(t.seconds * 1000 + ms);
}

function validity(range: TimeRange | undefined, field: string, fail: (f: string, why: string) => RatifyError): { start: Date; end: Date } {
  return {
    start: bound(range?.start, 'up', `${field}.start`, fail) ?? EARLIEST,
    end: bound(range?.end, 'down', `${field}.end`, fail) ?? LATEST,
  };
}

/** ParseTransparencyLogs for one entry. */
function transparencyLog(log: TransparencyLogMessage, at: string, fail: (code: ErrorCode, f: string, why: string, cause?: unknown) => RatifyError): TLogAuthority {
  const configFail = (f: string, why: string) => fail('CONFIG_INVALID', f, why);
  if (log.hashAlgorithm !== HASH_ALGORITHMS['SHA2_256']) {
    throw configFail(`${at}.hashAlgorithm`, `unsupported tlog hash algorithm: ${enumName(HASH_ALGORITHMS, log.hashAlgorithm)} (must be SHA2_256)`);
  }
  if (log.logId === undefined) throw configFail(`${at}.logId`, 'tlog missing log ID');
  if (log.logId.keyId.length === 0) throw configFail(`${at}.logId.keyId`, 'tlog missing log ID key ID');
  const pk = log.publicKey;
  if (pk === undefined) throw configFail(`${at}.publicKey`, 'tlog missing public key');
  if (pk.rawBytes === undefined) throw configFail(`${at}.publicKey.rawBytes`, 'tlog missing public key raw bytes');
  const details = enumName(PUBLIC_KEY_DETAILS, pk.keyDetails);
  let key: KeyObject;
  try {
    if (details === 'PKCS1_RSA_PKCS1V5') key = parsePkcs1PublicKey(pk.rawBytes);
    else {
      const want = ECDSA_DETAILS.includes(details) ? 'ecdsa' : RSA_DETAILS.includes(details) ? 'rsa' : details === 'PKIX_ED25519' ? 'ed25519' : undefined;
      if (want === undefined) throw configFail(`${at}.publicKey.keyDetails`, `unsupported tlog public key type: ${details}`);
      const parsed = parsePkixPublicKey(pk.rawBytes);
      if (parsed.type !== want) {
        throw fail('KEY_INVALID', `${at}.publicKey.rawBytes`, `tlog public key is not ${KEY_TYPE_NAMES[want]}: ${details} (the key is ${KEY_TYPE_NAMES[parsed.type]})`);
      }
      key = parsed.key;
    }
  } catch (e) {
    if (!(e instanceof PublicKeyParseError)) throw e;
    throw fail('KEY_INVALID', `${at}.publicKey.rawBytes`, `failed to parse public key for tlog: ${log.baseUrl} ${e.message}`, e);
  }
  if (pk.validFor === undefined) throw configFail(`${at}.publicKey.validFor`, 'tlog missing public key validity period');
  if (pk.validFor.start === undefined) throw configFail(`${at}.publicKey.validFor.start`, 'tlog missing public key validity period start time');
  return { baseURL: log.baseUrl, logID: log.logId.keyId, publicKey: key, validFor: validity(pk.validFor, `${at}.publicKey.validFor`, configFail) };
}

function transparencyLogs(logs: TransparencyLogMessage[], field: string, fail: Parameters<typeof transparencyLog>[2]): TLogAuthority[] {
  // sigstore-go keeps logs in a map by hex log ID: a later entry replaces an earlier one.
  const byId = new Map<string, TLogAuthority>();
  logs.forEach((log, i) => {
    const t = transparencyLog(log, `${field}[${i}]`, fail);
    byId.set(t.logID.toString('hex'), t);
  });
  return [...byId.values()];
}

/** ParseCertificateAuthority / ParseTimestampingAuthority (identical checks). */
function certificateAuthority(ca: CertificateAuthorityMessage, at: string, fail: Parameters<typeof transparencyLog>[2]): CertAuthority {
  if (ca.certChain === undefined) throw fail('CONFIG_INVALID', `${at}.certChain`, 'CertificateAuthority missing cert chain');
  if (ca.certChain.certificates.length < 1) throw fail('CONFIG_INVALID', `${at}.certChain.certificates`, 'CertificateAuthority cert chain is empty');
  const certChain = ca.certChain.certificates.map((der, j) => {
    try {
      parseCertificateDer(der);
      return CoreCertificate.parse(Buffer.from(der));
    } catch (e) {
      const why = e instanceof RatifyError ? e.detail : e instanceof Error ? e.message : String(e);
      throw fail('CERT_INVALID', `${at}.certChain.certificates[${j}].rawBytes`, `failed to parse certificate for ${ca.uri} ${why}`, e);
    }
  });
  return { certChain, validFor: validity(ca.validFor, `${at}.validFor`, (f, why) => fail('CONFIG_INVALID', f, why)) };
}

/** NewTrustedRootFromProtobuf: the trust material, or a RatifyError naming `source` and the field. */
export function trustMaterialFromMessage(root: TrustedRootMessage, source: string): Omit<TrustMaterial, 'publicKey'> {
  const fail = (code: ErrorCode, field: string, why: string, cause?: unknown) => trustedRootError(code, source, field, why, cause);
  if (root.mediaType !== TRUSTED_ROOT_MEDIA_TYPE) {
    throw fail('CONFIG_INVALID', 'mediaType', `unsupported TrustedRoot media type: ${JSON.stringify(root.mediaType)} (must be ${TRUSTED_ROOT_MEDIA_TYPE})`);
  }
  const tlogs = transparencyLogs(root.tlogs, 'tlogs', fail);
  const certificateAuthorities = root.certificateAuthorities.map((ca, i) => certificateAuthority(ca, `certificateAuthorities[${i}]`, fail));
  const timestampAuthorities = root.timestampAuthorities.map((ca, i) => certificateAuthority(ca, `timestampAuthorities[${i}]`, fail));
  const ctlogs = transparencyLogs(root.ctlogs, 'ctlogs', fail);
  return { tlogs, certificateAuthorities, timestampAuthorities, ctlogs };
}
