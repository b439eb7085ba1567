import type { KeyObject } from 'node:crypto';
import type { Bundle, TransparencyLogEntry } from '@sigstore/bundle';
import { RFC3161Timestamp, X509Certificate, crypto as sigcrypto } from '@sigstore/core';
import { HashAlgorithm } from '@sigstore/protobuf-specs';
import { Verifier, type SignedEntity, type TrustMaterial } from '@sigstore/verify';
import { verifyCertificateChain } from '@sigstore/verify/dist/key/certificate.js';
import { SigstoreVerifyError, toVerifyError } from './errors.js';
import { certificateIdentity, checkIdentity, type CertificateIdentity, type IdentityPolicy } from './identity.js';
import { optimizeLeafCertificate } from './fast-certs.js';
import { withIntermediates } from './intermediates.js';
import { candidateHashes } from './keys.js';
import { DsseContent, MessageContent, bytesEqual, digest, dsseMode, type HashName } from './signature-content.js';

/** What a signature is checked against, beyond the trusted root. */
export interface VerifyPolicy {
  /** Verify with this key (cosign --key): the bundle's key hint or certificate is not used. */
  key?: KeyObject;
  /** When the key is trusted (sigstore-go public key validity); every timestamp must fall inside. */
  keyValidity?: { start?: Date; end?: Date };
  /** Required signer identity for certificate-signed material; undefined accepts any trusted certificate. */
  identity?: IdentityPolicy;
  /** Verified transparency-log entries required (0 = none required; present ones are still verified). */
  tlogThreshold: number;
  /** cosign IgnoreTlog: log entries are neither verified nor used as timestamps. */
  ignoreTlog?: boolean;
  /** Verified SCTs required in the signing certificate. */
  ctlogThreshold: number;
  /** cosign IgnoreSCT: SCTs are not looked at at all (not even verified when present). */
  ignoreSct?: boolean;
  /** Verified timestamps of any kind (log integration times and RFC 3161) required. */
  timestampThreshold: number;
  /** Verified RFC 3161 timestamps required (sigstore-go WithSignedTimestamps). */
  signedTimestampThreshold?: number;
  /**
   * cosign without a transparency log or TSA checks the certificate against the current time;
   * give that time here to do the same. Without it, certificate material needs a timestamp.
   */
  nowIfUntimestamped?: Date;
}

export interface SignedMaterial {
  bundle: Bundle;
  /** The signed bytes, for message signatures. */
  artifact?: Buffer;
  /** Untrusted intermediates offered alongside the leaf (legacy cosign chain annotation). */
  intermediates?: X509Certificate[];
  /**
   * Legacy cosign signatures: the digest in the bundle was computed by us from the payload, and
   * the signature may use any digest customary for the key type.
   */
  legacy?: boolean;
}

export interface VerifyOutcome {
  /** Verified transparency-log entries (cosign's "bundleVerified" when > 0). */
  tlogEntries: number;
  /** Verified RFC 3161 timestamps. */
  signedTimestamps: number;
  /** Times the signature is proven to have existed at (log integration, TSA), oldest first. */
  timestamps: Date[];
  /** The signing certificate's identity (certificate-signed material only). */
  identity?: CertificateIdentity;
  /** True when a certificate (not a configured key) vouched for the signer. */
  keyless: boolean;
}

const CONFIGURED_KEY_HINT = 'ratify-ts:configured-key';
const CERTIFICATE_KEY_HINT = 'ratify-ts:certificate-without-sct';

const HASH_OF: Partial<Record<HashAlgorithm, HashName>> = {
  [HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED]: 'sha256',
  [HashAlgorithm.SHA2_256]: 'sha256',
  [HashAlgorithm.SHA2_384]: 'sha384',
  [HashAlgorithm.SHA2_512]: 'sha512',
};

/**
 * Verifies one Sigstore bundle with @sigstore/verify and the checks it lacks on top:
 * RFC 3161 thresholds, Rekor v2 hashedrekord-over-DSSE entries, regular-expression identities,
 * cosign's IgnoreTlog / IgnoreSCT / verify-at-now modes, configured keys whatever the key hint,
 * untrusted intermediates, and roots smuggled into a bundle's chain. Throws SigstoreVerifyError.
 */
export function verifySigstore(trust: TrustMaterial, m: SignedMaterial, p: VerifyPolicy): VerifyOutcome {
  try {
    return verifyInner(trust, m, p);
  } catch (e) {
    throw toVerifyError(e);
  }
}

function verifyInner(trust: TrustMaterial, m: SignedMaterial, p: VerifyPolicy): VerifyOutcome {
  const b = m.bundle;
  const vm = b.verificationMaterial;
  const leafDer = leafCertificate(b);
  if (p.key === undefined && leafDer === undefined) {
    const hint = vm.content.$case === 'publicKey' ? vm.content.publicKey.hint : '';
    throw new SigstoreVerifyError('KEY_ERROR', `the signature was made with a key${hint ? ` (hint ${JSON.stringify(hint)})` : ''} but no public key was given to verify it`);
  }
  if (!m.legacy && vm.content.$case === 'x509CertificateChain') rejectRootInChain(vm.content.x509CertificateChain.certificates.map((c) => c.rawBytes));

  const tlogEntries = p.ignoreTlog ? [] : vm.tlogEntries;
  const signature = signatureContent(b, m, tlogEntries, p.key);

  const timestamps: SignedEntity['timestamps'] = [];
  for (const entry of tlogEntries) {
    // Only a signed entry timestamp (inclusion promise) vouches for the integration time.
    if (entry.inclusionPromise && entry.integratedTime && entry.integratedTime !== '0') timestamps.push({ $case: 'transparency-log', tlogEntry: entry });
  }
  const rfc3161 = vm.timestampVerificationData?.rfc3161Timestamps ?? [];
  for (const ts of rfc3161) {
    timestamps.push({ $case: 'timestamp-authority', timestamp: RFC3161Timestamp.parse(Buffer.from(ts.signedTimestamp)) });
  }

  const synthetic = new Set<object>();
  let material: TrustMaterial = trust;
  let key: SignedEntity['key'];
  let leaf: X509Certificate | undefined;
  if (p.key !== undefined) {
    const configured = p.key;
    const v = p.keyValidity;
    key = { $case: 'public-key', hint: CONFIGURED_KEY_HINT };
    material = {
      ...material,
      publicKey: () => ({
        publicKey: configured,
        validFor: (d: Date) => (v?.start === undefined || v.start <= d) && (v?.end === undefined || d <= v.end),
      }),
    };
  } else {
    leaf = X509Certificate.parse(Buffer.from(leafDer!));
    optimizeLeafCertificate(leaf, leafDer!);
    if (m.intermediates?.length) material = { ...material, certificateAuthorities: withIntermediates(material.certificateAuthorities, m.intermediates, leaf) };
    if (timestamps.length === 0 && p.nowIfUntimestamped) {
      // The library dates certificate checks by the entity's timestamps only; cosign without a
      // log or TSA uses the current time, so we give it that time as the one timestamp.
      const now = String(Math.floor(p.nowIfUntimestamped.getTime() / 1000));
      const tlogEntry = { integratedTime: now, logId: { keyId: Buffer.alloc(0) }, inclusionPromise: { signedEntryTimestamp: Buffer.alloc(0) } };
      timestamps.push({ $case: 'transparency-log', tlogEntry: tlogEntry as unknown as TransparencyLogEntry });
      synthetic.add(tlogEntry);
    }
    if (p.ignoreSct) {
      // The library always verifies SCTs present in a certificate. To skip them (cosign
      // IgnoreSCT) the certificate's key is presented as a key whose validity at each
      // timestamp is the full chain check, which the library runs for every timestamp.
      const chainCert = leaf;
      const cas = material.certificateAuthorities;
      let chainError: unknown;
      key = { $case: 'public-key', hint: CERTIFICATE_KEY_HINT };
      material = {
        ...material,
        publicKey: () => ({
          publicKey: sigcrypto.createPublicKey(chainCert.publicKey),
          validFor: (d: Date) => {
            try {
              verifyCertificateChain(d, chainCert, cas);
              return true;
            } catch (e) {
              chainError = e;
              return false;
            }
          },
        }),
      };
      try {
        return finish(material, { signature, key, tlogEntries, timestamps }, p, leafDer!, synthetic, chainCert);
      } catch (e) {
        if (chainError !== undefined && (e as { code?: string }).code === 'PUBLIC_KEY_ERROR') throw toVerifyError(chainError);
        throw e;
      }
    }
    key = { $case: 'certificate', certificate: leaf };
  }
  return finish(material, { signature, key, tlogEntries, timestamps }, p, leafDer, synthetic, leaf);
}

function finish(material: TrustMaterial, entity: SignedEntity, p: VerifyPolicy, leafDer: Uint8Array | undefined, synthetic: Set<object>, leaf?: X509Certificate): VerifyOutcome {
  const verifier = new Verifier(material, {
    tlogThreshold: p.ignoreTlog ? 0 : p.tlogThreshold,
    ctlogThreshold: p.ignoreSct || p.key !== undefined ? 0 : p.ctlogThreshold,
    timestampThreshold: p.timestampThreshold,
  });
  verifier.verify(entity);

  const signedTimestamps = entity.timestamps.filter((t) => t.$case === 'timestamp-authority').length;
  const want = p.signedTimestampThreshold ?? 0;
  if (signedTimestamps < want) {
    throw new SigstoreVerifyError('TIMESTAMP_ERROR', `threshold not met for verified signed timestamps: ${signedTimestamps} < ${want}`);
  }
  const out: VerifyOutcome = {
    tlogEntries: entity.tlogEntries.length,
    signedTimestamps,
    timestamps: entity.timestamps
      .filter((t) => !(t.$case === 'transparency-log' && synthetic.has(t.tlogEntry)))
      .map((t) => (t.$case === 'timestamp-authority' ? t.timestamp.signingTime : new Date(Number(t.tlogEntry.integratedTime) * 1000)))
      .sort((a, b) => a.getTime() - b.getTime()),
    keyless: p.key === undefined,
  };
  if (p.key === undefined && leafDer !== undefined) {
    out.identity = certificateIdentity(leaf ?? leafDer);
    if (p.identity) {
      const why = checkIdentity(out.identity, p.identity);
      if (why !== undefined) throw new SigstoreVerifyError('IDENTITY_ERROR', `none of the expected identities matched what was in the certificate: ${why}`);
    }
  }
  return out;
}

function leafCertificate(b: Bundle): Uint8Array | undefined {
  const c = b.verificationMaterial.content;
  if (c.$case === 'certificate') return c.certificate.rawBytes;
  if (c.$case === 'x509CertificateChain') return c.x509CertificateChain.certificates[0]?.rawBytes;
  return undefined;
}

/** Bundles must not carry the root of trust (it comes from the trusted root only). */
function rejectRootInChain(ders: Uint8Array[]): void {
  for (const der of ders.slice(1)) {
    const c = X509Certificate.parse(Buffer.from(der));
    if (c.subject.equals(c.issuer) && c.verify()) {
      throw new SigstoreVerifyError('CERTIFICATE_ERROR', 'the bundle certificate chain contains a root certificate');
    }
  }
}

function signatureContent(b: Bundle, m: SignedMaterial, entries: TransparencyLogEntry[], key: KeyObject | undefined) {
  const keyHashes = (k: KeyObject | undefined, preferred: HashName) => {
    if (!k) return [preferred, ...(m.legacy ? (['sha384', 'sha512'] as const).filter((h) => h !== preferred) : [])];
    const c = candidateHashes(k);
    return m.legacy ? c : [c.includes(preferred) ? preferred : c[0]];
  };
  if (b.content.$case === 'dsseEnvelope') {
    return new DsseContent(b.content.dsseEnvelope, dsseMode(entries), key ? candidateHashes(key) : ['sha256', 'sha384', 'sha512']);
  }
  const ms = b.content.messageSignature;
  const alg = HASH_OF[ms.messageDigest.algorithm];
  if (alg === undefined) throw new SigstoreVerifyError('SIGNATURE_ERROR', `unsupported message digest algorithm ${ms.messageDigest.algorithm}`);
  if (m.artifact !== undefined && !m.legacy && !bytesEqual(digest(alg, m.artifact), ms.messageDigest.digest)) {
    throw new SigstoreVerifyError('SIGNATURE_ERROR', 'the message digest in the bundle does not match the artifact');
  }
  return new MessageContent(ms.signature, m.artifact, ms.messageDigest.digest, keyHashes(key, alg));
}
