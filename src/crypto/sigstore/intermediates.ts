import { X509Certificate } from '@sigstore/core';
import type { TrustMaterial } from '@sigstore/verify';
import { CertificateChainVerifier } from '@sigstore/verify/dist/key/certificate.js';

type CertAuthority = TrustMaterial['certificateAuthorities'][number];

/** Chains in annotations are a handful of certificates; more is not a Fulcio chain. */
const MAX_INTERMEDIATES = 8;

/**
 * Legacy cosign signatures carry the Fulcio intermediate(s) in `dev.sigstore.cosign/chain`, and
 * cosign builds the path with them when the trusted root lists only the Fulcio root. They are
 * untrusted input: each one is added to a certificate authority only after it has been checked
 * to chain (signature, CA flag, path length, validity) to that authority's own certificates. The
 * leaf is then verified against the extended authorities by @sigstore/verify as usual.
 */
export function withIntermediates(cas: CertAuthority[], intermediates: readonly X509Certificate[], leaf: X509Certificate): CertAuthority[] {
  const candidates = intermediates.slice(0, MAX_INTERMEDIATES).filter((c) => c.isCA && !isSelfSigned(c));
  if (candidates.length === 0) return cas;
  // Any moment at which the issuer must have been valid: it issued the leaf then.
  const at = leaf.notBefore;
  return cas.map((ca) => {
    const chain = [...ca.certChain];
    let grew = true;
    // Repeat so that an intermediate issued by another (checked) intermediate is accepted too.
    while (grew) {
      grew = false;
      for (const c of candidates) {
        if (chain.some((t) => t.equals(c))) continue;
        try {
          new CertificateChainVerifier({ untrustedCert: c, trustedCerts: chain, timestamp: at }).verify();
        } catch {
          continue;
        }
        chain.unshift(c);
        grew = true;
      }
    }
    return chain.length === ca.certChain.length ? ca : { ...ca, certChain: chain };
  });
}

function isSelfSigned(c: X509Certificate): boolean {
  if (!c.subject.equals(c.issuer)) return false;
  try {
    return c.verify();
  } catch {
    return false;
  }
}

/** Parses DER certificates for the library, skipping ones it cannot read (they are untrusted hints). */
export function parseCoreCertificates(ders: readonly Uint8Array[]): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const d of ders) {
    try {
      out.push(X509Certificate.parse(Buffer.from(d)));
    } catch {
      // An unreadable chain entry cannot help build a path; the leaf check decides.
    }
  }
  return out;
}
