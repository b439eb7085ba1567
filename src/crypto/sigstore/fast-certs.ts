import { X509Certificate as NodeX509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import type { X509Certificate } from '@sigstore/core';

/**
 * Performance shims for @sigstore/core certificates, all in one place. The library's chain
 * builder compares certificates by re-encoding them to DER (`equals`), re-checks the trusted
 * roots' own signatures, and verifies signatures after re-encoding the TBS and re-importing the
 * issuer key, on every verification. For certificates that are never modified (the trusted
 * root's, and the leaf under verification) the answers are fixed, so they are computed once or
 * natively. Each shim computes exactly what the method it replaces computes.
 */

const ders = new WeakMap<X509Certificate, Buffer>();
const issuerKeys = new WeakMap<X509Certificate, KeyObject>();

function derOf(c: X509Certificate): Buffer {
  return ders.get(c) ?? c.root.toDER();
}

/** `equals` by DER, with this certificate's DER encoded once. */
function fastEquals(cert: X509Certificate, der: Buffer): void {
  ders.set(cert, der);
  cert.equals = (other: X509Certificate) => der.equals(derOf(other));
}

/** A trusted-root certificate: memoized signature checks (per issuer) and DER equality. */
export function optimizeTrustedCertificate(cert: X509Certificate): void {
  fastEquals(cert, cert.root.toDER());
  const verify = cert.verify.bind(cert);
  const known = new Map<X509Certificate | undefined, boolean>();
  cert.verify = (issuer?: X509Certificate) => {
    const hit = known.get(issuer);
    if (hit !== undefined) return hit;
    const ok = verify(issuer);
    // Issuers are the trusted root's own certificates: a handful, so the map stays small.
    if (known.size < 256) known.set(issuer, ok);
    return ok;
  };
}

/**
 * The leaf being verified: DER equality, and its signature checked by node:crypto's
 * X509Certificate.verify(key) (the signature over the TBS bytes with the issuer's key, nothing
 * else), with each issuer's key imported once.
 */
export function optimizeLeafCertificate(cert: X509Certificate, der: Uint8Array): void {
  const bytes = Buffer.from(der);
  fastEquals(cert, bytes);
  let native: NodeX509Certificate;
  try {
    native = new NodeX509Certificate(bytes);
  } catch {
    return; // OpenSSL refuses it: the library's own check decides.
  }
  const fallback = cert.verify.bind(cert);
  cert.verify = (issuer?: X509Certificate) => {
    try {
      if (!issuer) return native.verify(native.publicKey);
      let key = issuerKeys.get(issuer);
      if (!key) issuerKeys.set(issuer, (key = createPublicKey({ key: issuer.publicKey, format: 'der', type: 'spki' })));
      return native.verify(key);
    } catch {
      return fallback(issuer);
    }
  };
}
