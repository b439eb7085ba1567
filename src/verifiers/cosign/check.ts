import type { Bundle } from '@sigstore/bundle';
import type { TrustMaterial } from '@sigstore/verify';
import type { IdentityPolicy } from '../../crypto/sigstore/identity.js';
import { SigstoreVerifyError, toVerifyError } from '../../crypto/sigstore/errors.js';
import { parseCoreCertificates } from '../../crypto/sigstore/intermediates.js';
import { legacyToBundle } from '../../crypto/sigstore/legacy.js';
import { verifySigstore, type VerifyOutcome, type VerifyPolicy } from '../../crypto/sigstore/verify.js';
import { checkSimpleSigningClaims, checkStatement } from './claims.js';
import type { ResolvedKey } from './keys.js';
import { decodeSignature, type LegacyMaterial, type SignatureLayer } from './layers.js';

/** How one signature is checked: with a key, or keyless (optionally constrained to an identity). */
export interface CheckMode {
  key?: ResolvedKey;
  identity?: IdentityPolicy;
  /** Verify transparency-log entries (cosign !IgnoreTlog); off: they are not looked at. */
  tlog: boolean;
  /** Verify the certificate's SCTs (cosign !IgnoreSCT). */
  ctlog: boolean;
}

export interface CheckEnv {
  trust: TrustMaterial;
  /** The subject's digest ("sha256:<hex>"): what the signature must be about. */
  subjectDigest: string;
  predicateTypes: readonly string[];
  /** cosign checks certificates without any timestamp against the current time. */
  now: Date;
  /** The subject manifest's bytes, for bundles that sign them directly (message signatures). */
  subjectManifest: () => Promise<Buffer>;
  /** Failures that say nothing about the signature (deadline, cancellation) are rethrown, not judged. */
  isTransient: (e: unknown) => boolean;
}

export type CheckResult = { ok: true; bundleVerified: boolean; outcome: VerifyOutcome } | { ok: false; error: string; code: string };

/**
 * Verifies one signature layer under one mode: the cryptography and trust through
 * verifySigstore, and what it says about the subject (simple-signing digest claim, in-toto
 * statement subject). Every problem is a failed check with its reason; only a transient
 * failure (the request's deadline) is thrown.
 */
export async function checkSignature(layer: SignatureLayer, mode: CheckMode, env: CheckEnv): Promise<CheckResult> {
  try {
    const outcome = await verifyLayer(layer, mode, env);
    return { ok: true, bundleVerified: outcome.tlogEntries > 0, outcome };
  } catch (e) {
    if (env.isTransient(e)) throw e;
    const err = toVerifyError(e);
    return { ok: false, error: explain(err, mode), code: err.code };
  }
}

async function verifyLayer(layer: SignatureLayer, mode: CheckMode, env: CheckEnv): Promise<VerifyOutcome> {
  const policy = policyFor(mode, env);
  switch (layer.kind) {
    case 'simple-signing': {
      const signature = decodeSignature(layer.signatureBase64);
      const bundle = legacyToBundle({ content: { kind: 'message', payload: layer.payload, signature }, ...legacyParts(layer.legacy) });
      // cosign's order: the signature first, then what it claims.
      const out = verifySigstore(env.trust, { bundle, artifact: layer.payload, intermediates: parseCoreCertificates(layer.legacy.chain), legacy: true }, policy);
      checkSimpleSigningClaims(layer.payload, env.subjectDigest);
      return out;
    }
    case 'dsse': {
      checkStatement(layer.envelope, env.subjectDigest, env.predicateTypes);
      // A bundle holds one DSSE signature; cosign accepts the envelope when any of its signatures verifies.
      let last: unknown;
      for (const sig of layer.envelope.signatures) {
        const bundle = legacyToBundle({ content: { kind: 'dsse', envelope: { ...layer.envelope, signatures: [sig] } }, ...legacyParts(layer.legacy) });
        try {
          return verifySigstore(env.trust, { bundle, intermediates: parseCoreCertificates(layer.legacy.chain), legacy: true }, policy);
        } catch (e) {
          last = e;
        }
      }
      throw last ?? new SigstoreVerifyError('SIGNATURE_ERROR', 'the DSSE envelope has no signature');
    }
    case 'bundle':
      return verifyBundleLayer(layer.bundle, policy, env);
  }
}

async function verifyBundleLayer(bundle: Bundle, policy: VerifyPolicy, env: CheckEnv): Promise<VerifyOutcome> {
  if (bundle.content.$case === 'dsseEnvelope') {
    checkStatement(bundle.content.dsseEnvelope, env.subjectDigest, env.predicateTypes);
    return verifySigstore(env.trust, { bundle }, policy);
  }
  // A message signature on an image signs its manifest: the subject's own bytes are the artifact.
  return verifySigstore(env.trust, { bundle, artifact: await env.subjectManifest() }, policy);
}

function legacyParts(m: LegacyMaterial) {
  return {
    ...(m.certificate ? { certificate: m.certificate } : {}),
    ...(m.rekorBundle !== undefined ? { rekorBundle: m.rekorBundle } : {}),
    ...(m.rfc3161 !== undefined ? { rfc3161: m.rfc3161 } : {}),
  };
}

function policyFor(mode: CheckMode, env: CheckEnv): VerifyPolicy {
  const p: VerifyPolicy = {
    tlogThreshold: mode.tlog ? 1 : 0,
    ignoreTlog: !mode.tlog,
    ctlogThreshold: mode.ctlog ? 1 : 0,
    ignoreSct: !mode.ctlog,
    timestampThreshold: 0,
    nowIfUntimestamped: env.now,
  };
  if (mode.key) p.key = mode.key.key;
  if (mode.identity) p.identity = mode.identity;
  return p;
}

/** Error text for the extension: the library's words, with the offline-Rekor case spelled out. */
function explain(err: SigstoreVerifyError, mode: CheckMode): string {
  if (err.code === 'TLOG_ERROR' && /got 0/.test(err.message) && mode.tlog) {
    return 'signature not found in transparency log: the signature carries no Rekor entry to verify offline (set "tLogVerify": false to accept signatures that were not logged)';
  }
  return `${err.code}: ${err.message}`;
}
