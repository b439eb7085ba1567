/**
 * Certificate path building and verification in the manner of Go's x509.Certificate.Verify,
 * which tspclient-go uses for the TSA certificate: candidates are found by name from the
 * token's certificates and the trusted roots, every certificate must be valid at the given
 * time, intermediates must be CAs (within path length), and the chain must allow the requested
 * extended key usage. Error texts are Go's.
 */
import { bytesEqual } from './der.js';
import { OID } from './oids.js';
import { schemeFor, verifySignature } from './signature.js';
import type { ParsedCertificate } from './certificate.js';

export class ChainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainError';
  }
}

export interface VerifyChainOptions {
  roots: ParsedCertificate[];
  intermediates?: ParsedCertificate[];
  /** Time at which every certificate of the chain must be valid. */
  currentTime: Date;
  /** Required extended key usages (any of them); empty means any usage. */
  keyUsages?: string[];
  /** Longest chain considered (Go limits the search similarly). */
  maxDepth?: number;
}

const MAX_DEPTH = 10;

// Critical extensions Go's x509 understands; any other critical one makes Verify fail.
const HANDLED_CRITICAL = new Set([
  OID.keyUsage,
  OID.basicConstraints,
  OID.extKeyUsage,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.crlDistributionPoints,
  OID.authorityInfoAccess,
  '2.5.29.17', // subjectAltName
  '2.5.29.30', // nameConstraints (parsed; not enforced here)
  '2.5.29.32', // certificatePolicies
  '2.5.29.33', // policyMappings
  '2.5.29.36', // policyConstraints
  '2.5.29.54', // inhibitAnyPolicy
]);

/** Returns every valid chain leaf..root; throws ChainError when there is none. */
export function verifyChain(leaf: ParsedCertificate, opts: VerifyChainOptions): ParsedCertificate[][] {
  if (leaf.extensions.some((e) => e.critical && !HANDLED_CRITICAL.has(e.oid))) {
    throw new ChainError('x509: unhandled critical extension');
  }
  checkValidityPeriod(leaf, opts.currentTime);
  const chains: ParsedCertificate[][] = [];
  let hint: string | undefined;

  if (opts.roots.some((r) => bytesEqual(r.raw, leaf.raw))) {
    chains.push([leaf]);
  } else {
    const walk = (chain: ParsedCertificate[]): void => {
      const cur = chain[chain.length - 1] as ParsedCertificate;
      if (chain.length > (opts.maxDepth ?? MAX_DEPTH)) return;
      const candidates: Array<{ cert: ParsedCertificate; root: boolean }> = [
        ...opts.roots.filter((r) => bytesEqual(r.subjectRaw, cur.issuerRaw)).map((cert) => ({ cert, root: true })),
        ...(opts.intermediates ?? [])
          .filter((c) => bytesEqual(c.subjectRaw, cur.issuerRaw))
          .map((cert) => ({ cert, root: false })),
      ];
      for (const { cert, root } of candidates) {
        if (chain.some((c) => bytesEqual(c.raw, cert.raw))) continue; // loop
        const sigErr = checkSignedBy(cur, cert);
        if (sigErr) {
          hint ??= `${sigErr} while trying to verify candidate authority certificate "${cert.subject}"`;
          continue;
        }
        const validErr = checkCandidate(cert, chain.length, opts.currentTime, root);
        if (validErr) {
          hint ??= `${validErr} while trying to verify candidate authority certificate "${cert.subject}"`;
          continue;
        }
        if (root) chains.push([...chain, cert]);
        else walk([...chain, cert]);
      }
    };
    walk([leaf]);
  }

  if (chains.length === 0) {
    throw new ChainError(
      hint ? `x509: certificate signed by unknown authority (possibly because of ${hint})` : 'x509: certificate signed by unknown authority',
    );
  }
  const usages = opts.keyUsages ?? [];
  if (usages.length === 0) return chains;
  const ok = chains.filter((c) => chainAllowsUsage(c, usages));
  if (ok.length === 0) throw new ChainError('x509: certificate specifies an incompatible key usage');
  return ok;
}

export function checkValidityPeriod(c: ParsedCertificate, at: Date): void {
  if (at.getTime() < c.notBefore.getTime()) {
    throw new ChainError(
      `x509: certificate has expired or is not yet valid: current time ${iso(at)} is before ${iso(c.notBefore)}`,
    );
  }
  if (at.getTime() > c.notAfter.getTime()) {
    throw new ChainError(`x509: certificate has expired or is not yet valid: current time ${iso(at)} is after ${iso(c.notAfter)}`);
  }
}

/** Undefined when `child` carries a valid signature by `parent`'s key (SHA-1 is refused, as in Go). */
export function checkSignedBy(child: ParsedCertificate, parent: ParsedCertificate): string | undefined {
  const scheme = schemeFor(child.signatureAlgorithm);
  if (typeof scheme === 'string') return `x509: cannot verify signature: ${scheme}`;
  return verifySignature(scheme, parent.publicKey, child.tbsRaw, child.signature);
}

function checkCandidate(c: ParsedCertificate, depthBelow: number, at: Date, root: boolean): string | undefined {
  if (at.getTime() < c.notBefore.getTime() || at.getTime() > c.notAfter.getTime()) {
    return `x509: certificate has expired or is not yet valid: current time ${iso(at)} is outside ${iso(c.notBefore)}..${iso(c.notAfter)}`;
  }
  if (!root) {
    if (!c.basicConstraints?.ca) return 'x509: certificate is not authorized to sign other certificates';
  }
  // Certificates below this one in the chain, excluding the leaf, must fit the path length.
  const pathLen = c.basicConstraints?.pathLen;
  if (pathLen !== undefined && depthBelow - 1 > pathLen) return 'x509: too many intermediates for path length constraint';
  return undefined;
}

function chainAllowsUsage(chain: ParsedCertificate[], usages: string[]): boolean {
  for (const c of chain) {
    const eku = c.extKeyUsage;
    if (eku === undefined || eku.length === 0) continue;
    if (eku.includes(OID.anyExtendedKeyUsage)) continue;
    if (!usages.some((u) => eku.includes(u))) return false;
  }
  return true;
}

function iso(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}
