import { RatifyError } from '../../errors.js';
import { EKU, ekuName, KeyUsage, OID_EXT_KEY_USAGE, OID_KEY_USAGE, type Certificate } from './certificate.js';
import { goQuote, goTimeUTC } from './gofmt.js';
import { extractKeySpec } from './keyspec.js';
import { checkSelfSignature, checkSignatureFrom } from './signature.js';

/**
 * Certificate chain rules of the Notary Project signature specification ("Certificate
 * Requirements"), as notation-core-go x509 implements them: the chain is ordered leaf
 * first, each certificate is issued by the next, and it ends in a self-signed root.
 * Error texts are notation-core-go's, because Ratify reports them verbatim.
 */

export interface ChainOptions {
  /** When set, every certificate must be valid at this instant (notation's signing time check). */
  atTime?: Date;
}

type Purpose = 'codeSigning' | 'timestamping';

/** ValidateCodeSigningCertChain. Throws CERT_INVALID. */
export function validateCodeSigningChain(chain: readonly Certificate[], opts: ChainOptions = {}): void {
  const err = chainError(chain, 'codeSigning', opts.atTime);
  if (err !== undefined) throw new RatifyError('CERT_INVALID', err);
}

/** ValidateTimestampingCertChain (RFC 3161 TSA chains). Throws CERT_INVALID. */
export function validateTimestampingChain(chain: readonly Certificate[], opts: ChainOptions = {}): void {
  const err = chainError(chain, 'timestamping', opts.atTime);
  if (err !== undefined) throw new RatifyError('CERT_INVALID', err);
}

/** Issued by itself: signature verifies under its own key with CA rules, and issuer == subject bytes. */
export function isSelfSigned(cert: Certificate): boolean {
  return isIssuedBy(cert, cert);
}

/** Go CheckSignatureFrom plus a byte-exact issuer/subject name match. */
export function isIssuedBy(child: Certificate, parent: Certificate): boolean {
  return issuedByError(child, parent) === undefined && parent.rawSubject.equals(child.rawIssuer);
}

/** Basic constraints present with cA true. */
export function isCA(cert: Certificate): boolean {
  return cert.basicConstraints?.isCA === true;
}

/** Lower-case hex SHA-256 of the DER, as notation's `x509chain.thumbprint#S256` annotation uses. */
export function certificateFingerprint(cert: Certificate): string {
  return cert.sha256Fingerprint;
}

function issuedByError(child: Certificate, parent: Certificate): string | undefined {
  return checkSignatureFrom(child, parent);
}

const q = (c: Certificate) => goQuote(c.subject);

function chainError(chain: readonly Certificate[], purpose: Purpose, atTime: Date | undefined): string | undefined {
  if (chain.length < 1) return 'certificate chain must contain at least one certificate';

  if (chain.length === 1) {
    const cert = chain[0]!;
    const sigErr = checkSelfSignature(cert);
    if (sigErr !== undefined) return `invalid self-signed certificate. subject: ${q(cert)}. Error: ${sigErr}`;
    if (!cert.rawSubject.equals(cert.rawIssuer)) {
      return `invalid self-signed certificate. subject: ${q(cert)}. Error: issuer(${cert.issuer}) and subject(${cert.subject}) are not the same`;
    }
    const timeErr = signingTimeError(cert, atTime);
    if (timeErr !== undefined) return timeErr;
    const leafErr = leafError(cert, purpose);
    return leafErr === undefined ? undefined : `invalid self-signed certificate. Error: ${leafErr}`;
  }

  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i]!;
    const timeErr = signingTimeError(cert, atTime);
    if (timeErr !== undefined) return timeErr;
    if (i === chain.length - 1) {
      const err = issuedByError(cert, cert);
      if (err !== undefined) {
        return `root certificate with subject ${q(cert)} is invalid or not self-signed. Certificate chain must end with a valid self-signed root certificate. Error: ${err}`;
      }
      if (!cert.rawSubject.equals(cert.rawIssuer)) {
        return `root certificate with subject ${q(cert)} is not self-signed. Certificate chain must end with a valid self-signed root certificate`;
      }
    } else {
      // A self-signed certificate before the end means redundant roots or a self-signed leaf.
      if (isSelfSigned(cert)) {
        return i === 0
          ? `leaf certificate with subject ${q(cert)} is self-signed. Certificate chain must not contain self-signed leaf certificate`
          : `intermediate certificate with subject ${q(cert)} is self-signed. Certificate chain must not contain self-signed intermediate certificate`;
      }
      const parent = chain[i + 1]!;
      const err = issuedByError(cert, parent);
      if (err !== undefined) {
        return `invalid certificates or certificate with subject ${q(cert)} is not issued by ${q(parent)}. Error: ${err}`;
      }
      if (!parent.rawSubject.equals(cert.rawIssuer)) return `certificate with subject ${q(cert)} is not issued by ${q(parent)}`;
    }
    const err = i === 0 ? leafError(cert, purpose) : caError(cert, i - 1, purpose);
    if (err !== undefined) return err;
  }
  return undefined;
}

function signingTimeError(cert: Certificate, at: Date | undefined): string | undefined {
  if (at === undefined) return undefined;
  if (at.getTime() < cert.notBefore.getTime() || at.getTime() > cert.notAfter.getTime()) {
    return `certificate with subject ${q(cert)} was invalid at signing time of ${goTimeUTC(at)}. Certificate is valid from [${goTimeUTC(
      cert.notBefore,
    )}] to [${goTimeUTC(cert.notAfter)}]`;
  }
  return undefined;
}

function caError(cert: Certificate, expectedPathLen: number, purpose: Purpose): string | undefined {
  const bc = cert.basicConstraints;
  if (!bc?.isCA) return `certificate with subject ${q(cert)}: ca field in basic constraints must be present, critical, and set to true`;
  if (bc.maxPathLen !== undefined && bc.maxPathLen < expectedPathLen) {
    return `certificate with subject ${q(cert)}: expected path length of ${expectedPathLen} but certificate has path length ${bc.maxPathLen} instead`;
  }
  const kuErr = keyUsagePresentError(cert, purpose);
  if (kuErr !== undefined) return kuErr;
  if ((cert.keyUsage & KeyUsage.CertSign) === 0) {
    return `certificate with subject ${q(cert)}: key usage must have the bit positions for key cert sign set`;
  }
  return undefined;
}

function leafError(cert: Certificate, purpose: Purpose): string | undefined {
  if (cert.basicConstraints?.isCA) {
    return `certificate with subject ${q(cert)}: if the basic constraints extension is present, the ca field must be set to false`;
  }
  return keyUsagePresentError(cert, purpose) ?? leafKeyUsageError(cert) ?? ekuError(cert, purpose) ?? keySizeError(cert);
}

// Code signing requires a critical key usage extension; RFC 3161 TSA certificates only need one.
function keyUsagePresentError(cert: Certificate, purpose: Purpose): string | undefined {
  const ext = cert.extensions.find((e) => e.oid === OID_KEY_USAGE);
  if (!ext) return `certificate with subject ${q(cert)}: key usage extension must be present`;
  if (!ext.critical && purpose === 'codeSigning') return `certificate with subject ${q(cert)}: key usage extension must be marked critical`;
  return undefined;
}

const FORBIDDEN_LEAF_USAGES: [number, string][] = [
  [KeyUsage.KeyEncipherment, 'KeyEncipherment'],
  [KeyUsage.DataEncipherment, 'DataEncipherment'],
  [KeyUsage.KeyAgreement, 'KeyAgreement'],
  [KeyUsage.CertSign, 'CertSign'],
  [KeyUsage.CRLSign, 'CRLSign'],
  [KeyUsage.EncipherOnly, 'EncipherOnly'],
  [KeyUsage.DecipherOnly, 'DecipherOnly'],
];

function leafKeyUsageError(cert: Certificate): string | undefined {
  if ((cert.keyUsage & KeyUsage.DigitalSignature) === 0) {
    return `the certificate with subject ${q(cert)} is invalid. The key usage must have the bit positions for "Digital Signature" set`;
  }
  const found = FORBIDDEN_LEAF_USAGES.filter(([bit]) => (cert.keyUsage & bit) !== 0).map(([, name]) => `"${name}"`);
  if (found.length > 0) {
    return `the certificate with subject ${q(cert)} is invalid. The key usage must be "Digital Signature" only, but found ${found.join(', ')}`;
  }
  return undefined;
}

const CODE_SIGNING_EXCLUDED_EKUS = [EKU.ServerAuth, EKU.ClientAuth, EKU.EmailProtection, EKU.TimeStamping, EKU.OCSPSigning];

function ekuError(cert: Certificate, purpose: Purpose): string | undefined {
  if (purpose === 'timestamping') {
    // RFC 3161 2.3: exactly one EKU, id-kp-timeStamping, in a critical extension.
    if (cert.extKeyUsage.length !== 1 || cert.extKeyUsage[0] !== EKU.TimeStamping || cert.unknownExtKeyUsage.length !== 0) {
      return `timestamp signing certificate with subject ${q(cert)} must have and only have ${ekuName(EKU.TimeStamping)} as extended key usage`;
    }
    const ext = cert.extensions.find((e) => e.oid === OID_EXT_KEY_USAGE);
    if (ext && !ext.critical) {
      return `timestamp signing certificate with subject ${q(cert)} must have extended key usage extension marked as critical`;
    }
    return undefined;
  }
  for (const eku of cert.extKeyUsage) {
    const hit = CODE_SIGNING_EXCLUDED_EKUS.find((x) => x === eku);
    if (hit !== undefined) return `certificate with subject ${q(cert)}: extended key usage must not contain ${ekuName(hit)} eku`;
  }
  return undefined;
}

function keySizeError(cert: Certificate): string | undefined {
  const spec = extractKeySpec(cert.publicKey);
  return 'error' in spec ? `certificate with subject ${q(cert)}: ${spec.error}` : undefined;
}
