/**
 * RFC 3161 TimeStampToken: parse, read TSTInfo, check the message imprint, and verify the
 * token's signature and TSA certificate chain — the behaviour (and error texts) of
 * notaryproject/tspclient-go's SignedToken, which notation uses for timestamp countersignatures.
 */
import { RatifyError, type ErrorCode } from '../../errors.js';
import { ChainError, verifyChain } from './chain.js';
import {
  CmsVerificationError,
  errText,
  parseSignedData,
  verifySignedAttributes,
  verifySignerSignature,
  type ParsedSignedData,
  type SignerInfo,
} from './cms.js';
import { parseCertificates, type ParsedCertificate } from './certificate.js';
import { OID } from './oids.js';
import { signingCertificate } from './signing-certificate.js';
import { decodeTSTInfo, timestampOf, TSTInfoError, validateTSTInfo, type Timestamp, type TSTInfo } from './tstinfo.js';

export interface TimestampToken {
  /** The token bytes as given. */
  raw: Uint8Array;
  signedData: ParsedSignedData;
  /** Certificates carried in the token (TSA certificate, usually its chain). */
  certificates: ParsedCertificate[];
  signerInfos: SignerInfo[];
  /** DER TSTInfo (the encapsulated content). */
  content: Uint8Array;
}

export interface VerifyTimestampOptions {
  /** Trusted TSA roots (parsed, DER, or PEM bundles). Required, non-empty. */
  roots: Array<ParsedCertificate | Uint8Array | string>;
  /** Time at which the TSA chain must be valid; defaults to the token's genTime (as notation does). */
  atTime?: Date;
  /** When given, the message imprint is checked first (`validateMessage`). */
  message?: Uint8Array;
  /** Extended key usages the chain must allow; defaults to id-kp-timeStamping. */
  keyUsages?: string[];
}

export interface VerifiedTimestamp extends Timestamp {
  tstInfo: TSTInfo;
  /** The TSA certificate that signed the token. */
  signingCertificate: ParsedCertificate;
  /** Its chain, leaf first, ending at one of the given roots. */
  signerChain: ParsedCertificate[];
}

// The whole Go-style text goes into `detail` (RatifyError would append a cause's message again).
function failWith(code: ErrorCode, detail: string): RatifyError {
  return new RatifyError(code, detail, { component: 'timestamp' });
}

/** Parses BER/DER token bytes; the content must be id-ct-TSTInfo. Throws RatifyError. */
export function parseTimestampToken(ber: Uint8Array): TimestampToken {
  let sd: ParsedSignedData;
  try {
    sd = parseSignedData(ber);
  } catch (e) {
    throw failWith('VERIFY_REFERENCE_FAILURE', errText(e));
  }
  if (sd.contentType !== OID.tstInfo) {
    throw failWith(
      'VERIFY_REFERENCE_FAILURE',
      `unexpected content type: ${sd.contentType}. Expected to be id-ct-TSTInfo (${OID.tstInfo})`,
    );
  }
  return { raw: ber, signedData: sd, certificates: sd.certificates, signerInfos: sd.signerInfos, content: sd.content };
}

/** Decodes the token's TSTInfo ("cannot unmarshal TSTInfo from timestamp token: ..."). */
export function getTSTInfo(token: TimestampToken): TSTInfo {
  try {
    return decodeTSTInfo(token.content);
  } catch (e) {
    throw failWith('VERIFY_REFERENCE_FAILURE', `cannot unmarshal TSTInfo from timestamp token: ${errText(e)}`);
  }
}

/**
 * Checks that the token timestamps `message` (version 1, SHA-256/384/512 imprint equal to
 * hash(message)) and returns the time range. Errors: "invalid TSTInfo: mismatched message", ...
 */
export function validateMessage(token: TimestampToken, message: Uint8Array): Timestamp {
  const info = getTSTInfo(token);
  try {
    return validateTSTInfo(info, message);
  } catch (e) {
    throw failWith('VERIFY_REFERENCE_FAILURE', errText(e));
  }
}

/**
 * Verifies the token: for each SignerInfo (the first that succeeds wins), the SigningCertificateV2
 * attribute names a certificate in the token, that certificate chains to `roots` at `atTime`
 * (default genTime) with timestamping usage, the CMS signature and signed attributes verify,
 * and the certificate has exactly one extended key usage, id-kp-timeStamping, marked critical.
 * Errors are "failed to verify signed token: ..." (code CERT_INVALID when the chain is at fault).
 */
export function verifyTimestampToken(token: TimestampToken, opts: VerifyTimestampOptions): VerifiedTimestamp {
  const info = getTSTInfo(token);
  let ts: Timestamp;
  try {
    ts = opts.message !== undefined ? validateTSTInfo(info, opts.message) : timestampOf(info);
    if (opts.message === undefined && info.version !== 1) {
      throw new TSTInfoError(`timestamp token info version must be 1, but got ${info.version}`);
    }
  } catch (e) {
    throw failWith('VERIFY_REFERENCE_FAILURE', errText(e));
  }

  const prefix = 'failed to verify signed token';
  if (token.signerInfos.length === 0) throw failWith('VERIFY_REFERENCE_FAILURE', `${prefix}: signerInfo not found`);
  let roots: ParsedCertificate[];
  try {
    roots = opts.roots.flatMap((r) => (r instanceof Uint8Array || typeof r === 'string' ? parseCertificates(r) : [r]));
  } catch (e) {
    throw failWith('CERT_INVALID', `${prefix}: invalid tsa root certificate: ${errText(e)}`);
  }
  if (roots.length === 0) throw failWith('CERT_INVALID', `${prefix}: tsa root certificate pool cannot be nil`);

  const at = opts.atTime ?? info.genTime;
  const keyUsages = opts.keyUsages && opts.keyUsages.length > 0 ? opts.keyUsages : [OID.ekuTimeStamping];
  let last: RatifyError | undefined;
  for (const si of token.signerInfos) {
    let cert: ParsedCertificate;
    try {
      cert = signingCertificate(token.signedData, si);
    } catch (e) {
      last = failWith('VERIFY_REFERENCE_FAILURE', `${prefix}: ${errText(e)}`);
      continue;
    }
    let chain: ParsedCertificate[];
    try {
      if (si.version !== 1) {
        throw new CmsVerificationError(`invalid signer info version: only version 1 is supported; got ${si.version}`);
      }
      let chains: ParsedCertificate[][];
      try {
        chains = verifyChain(cert, { roots, intermediates: token.certificates, currentTime: at, keyUsages });
      } catch (e) {
        if (e instanceof ChainError) throw new ChainFailure(new CmsVerificationError('', e).message);
        throw e;
      }
      verifySignerSignature(token.signedData, si, cert);
      chain = verifySignedAttributes(token.signedData, si, chains);
    } catch (e) {
      last = failWith(e instanceof ChainFailure ? 'CERT_INVALID' : 'VERIFY_REFERENCE_FAILURE', `${prefix}: ${errText(e)}`);
      continue;
    }
    // RFC 3161 2.3: exactly one extended key usage, id-kp-timeStamping, and it must be critical.
    const eku = cert.extKeyUsage ?? [];
    if (eku.length === 1 && eku[0] === OID.ekuTimeStamping) {
      if (cert.extKeyUsageCritical) {
        return { ...ts, tstInfo: info, signingCertificate: cert, signerChain: chain };
      }
      last = failWith('CERT_INVALID', `${prefix}: signing certificate extended key usage extension must be set as critical`);
    } else {
      last = failWith(
        'CERT_INVALID',
        `${prefix}: signing certificate must have and only have ExtKeyUsageTimeStamping as extended key usage`,
      );
    }
  }
  throw last ?? failWith('VERIFY_REFERENCE_FAILURE', `${prefix}: signerInfo not found`);
}

class ChainFailure extends Error {}
