import type { X509Certificate } from 'node:crypto';
import type { Context } from '../../context.js';
import { RatifyError } from '../../errors.js';
import type { Certificate } from '../../crypto/x509/certificate.js';
import { validateTimestampingChain } from '../../crypto/x509/chain.js';
import { parseCertificateDer } from '../../crypto/x509/certificate.js';
import { goQuote, goRFC1123Z, goTimeUTC } from '../../crypto/x509/gofmt.js';
import { chainRevocationError, type RevocationValidator } from '../../crypto/revocation/index.js';
import { boundedAfter, boundedBefore, type Timestamp } from '../../crypto/timestamp/tstinfo.js';
import { getTSTInfo, parseTimestampToken, validateMessage, verifyTimestampToken } from '../../crypto/timestamp/token.js';
import type { Descriptor } from '../../oci/descriptor.js';
import type { CheckTrace } from '../types.js';
import { EnvelopeError, HEADER, parseEnvelope, parsePayload, verifyIntegrity, SIGNING_SCHEME_X509, type NotationPayload, type SignatureEnvelope } from './envelope/index.js';
import { applicableTrustPolicy, NoApplicableTrustPolicyError, timestampOption, trustedIdentityError, verificationLevel, type TrustPolicy, type TrustPolicyDocument, type ValidationAction, type ValidationType, type VerificationLevel } from './trustpolicy/index.js';
import type { TrustStoreType, X509TrustStore } from './truststore/index.js';

export interface NotationVerifyInput {
  envelope: Uint8Array;
  /** application/jose+json or application/cose (the signature layer's media type). */
  envelopeMediaType: string;
  /** What the signature must be over. */
  subject: Descriptor;
  /** "<registry>/<repo>@<digest>": selects the trust policy by repository. */
  artifactReference: string;
  policy: TrustPolicyDocument;
  trustStore: X509TrustStore;
  codeSigningRevocation?: RevocationValidator;
  timestampingRevocation?: RevocationValidator;
  /** Annotations the signed payload must carry (notation verify --user-metadata). */
  userMetadata?: Record<string, string>;
  now?: Date;
}

export interface ValidationResult {
  type: ValidationType;
  action: ValidationAction;
  error?: string;
}

export interface NotationOutcome {
  policy?: TrustPolicy;
  level?: VerificationLevel;
  results: ValidationResult[];
  envelope?: SignatureEnvelope;
  /** The enforced failure that stopped verification (or a payload mismatch); undefined = verified. */
  error?: string;
  /** True when the policy level is skip: nothing was verified, by configuration. */
  skipped: boolean;
}

const PLUGIN_HEADERS = new Set<string | number>([HEADER.verificationPlugin, HEADER.verificationPluginMinVersion]);

/**
 * notation-go's Verify (verifier.go) for one signature envelope: trust policy by scope, then
 * integrity (always enforced), authenticity against the trust store, trusted identity, expiry,
 * authentic timestamp, revocation, each with the action the policy level gives it; a failure
 * stops verification only when its action is "enforce". Then the payload must name the subject.
 */
export async function verifyNotationSignature(input: NotationVerifyInput, ctx: Context): Promise<NotationOutcome> {
  let policy: TrustPolicy;
  try {
    policy = policyFor(input.policy, input.artifactReference);
  } catch (e) {
    // notation-go returns ErrorNoApplicableTrustPolicy from Verify; Ratify reports it as a failed
    // verification of this signature (a verdict, not a failure to run).
    if (e instanceof NoApplicableTrustPolicyError) return { results: [], skipped: false, error: e.detail };
    throw e;
  }
  const level = levelOf(policy);
  const out: NotationOutcome = { policy, level, results: [], skipped: false };
  if (level.name === 'skip') {
    out.skipped = true;
    return out;
  }
  const now = input.now ?? new Date();
  const enforce = (r: ValidationResult) => {
    out.results.push(r);
    if (r.error !== undefined && r.action !== 'enforce') ctx.log.warn({ validation: r.type, action: r.action, err: r.error }, `${r.type} validation failed with validation action set to "logged"`);
    return r.error !== undefined && r.action === 'enforce';
  };
  const result = (type: ValidationType, error?: string): ValidationResult => ({ type, action: level.enforcement[type], ...(error !== undefined ? { error } : {}) });

  // 1. Integrity: parse, verify the signature, check the envelope rules. Never skippable.
  let env: SignatureEnvelope;
  try {
    env = parseEnvelope(input.envelope, input.envelopeMediaType);
    verifyIntegrity(env);
    parsePayloadType(env);
  } catch (e) {
    const msg = e instanceof EnvelopeError ? e.detail : e instanceof RatifyError ? e.message : String(e);
    enforce(result('integrity', msg));
    return stop(out, msg);
  }
  out.envelope = env;
  enforce(result('integrity'));

  // Verification plugins are not supported: an envelope that names one cannot be verified here.
  const plugin = env.signedAttributes.extendedAttributes.find((a) => a.key === HEADER.verificationPlugin);
  if (plugin) return stop(out, verificationPluginError(plugin));
  const unknownCritical = env.signedAttributes.extendedAttributes.filter((a) => a.critical && !PLUGIN_HEADERS.has(a.key));
  if (unknownCritical.length) {
    return stop(out, `extended critical attribute ${goQuote(String(unknownCritical[0]!.key))} cannot be processed without a verification plugin`);
  }

  // 2. Authenticity: some certificate of the signature's chain is in the trust store.
  const chain = env.certificateChain;
  const storeType: TrustStoreType = env.signedAttributes.signingScheme === SIGNING_SCHEME_X509 ? 'ca' : 'signingAuthority';
  let authenticity: ValidationResult;
  try {
    const trusted = await loadTrustStores(input.trustStore, storeType, policy, ctx);
    authenticity = result('authenticity', authenticityError(trusted, chain));
  } catch (e) {
    authenticity = result('authenticity', e instanceof RatifyError ? e.detail || e.message : String(e));
  }
  if (enforce(authenticity)) return stop(out, authenticity.error!);
  // Trusted identity is part of authenticity (same action).
  const identityError = trustedIdentityError(policy, chain[0]!.subject);
  if (identityError !== undefined) {
    const r = result('authenticity', identityError);
    out.results.push(r);
    if (r.action === 'enforce') return stop(out, identityError);
  }

  // 3. Expiry of the signature itself.
  const expiry = env.signedAttributes.expiry;
  const expired = expiry !== undefined && !(now.getTime() < expiry.getTime());
  const expiryResult = result('expiry', expired ? `digital signature has expired on ${goQuote(goRFC1123Z(expiry!))}` : undefined);
  if (enforce(expiryResult)) return stop(out, expiryResult.error!);

  // 4. Authentic timestamp.
  const tsResult = result('authenticTimestamp', await authenticTimestampError(env, policy, input, now, ctx));
  if (enforce(tsResult)) return stop(out, tsResult.error!);

  // 5. Revocation of the signing chain.
  if (level.enforcement.revocation !== 'skip') {
    const rev = result('revocation', await revocationError(env, input.codeSigningRevocation, ctx));
    if (enforce(rev)) return stop(out, rev.error!);
  }

  // The signature must be over this subject, and carry the metadata asked for. notation-go records
  // a descriptor mismatch, then checks the metadata, whose failure (if any) is the one reported.
  let payload: NotationPayload;
  try {
    payload = parsePayload(env);
  } catch (e) {
    // A verdict about this signature, not a failure to run. notation-go unmarshals the payload
    // leniently: only non-JSON is an error; a missing or malformed targetArtifact cannot equal the
    // subject descriptor, which it reports as a mismatch.
    const why = e instanceof RatifyError ? e.detail : String(e);
    ctx.log.debug({ err: why }, 'signature payload has no usable targetArtifact');
    return stop(out, why.startsWith('failed to unmarshal the payload') ? why : 'content descriptor mismatch');
  }
  const t = payload.targetArtifact;
  if (t.digest !== input.subject.digest || t.size !== input.subject.size || t.mediaType !== input.subject.mediaType) {
    out.error = 'content descriptor mismatch';
  }
  for (const [k, v] of Object.entries(input.userMetadata ?? {})) {
    if (!Object.hasOwn(t.annotations ?? {}, k) || t.annotations![k] !== v) {
      out.error = 'unable to find specified metadata in the signature';
      break;
    }
  }
  return out;
}

/**
 * notation-go getVerificationPlugin: the attribute must be critical, a string, and not blank;
 * a valid name then fails to resolve, since this verifier runs no notation plugins.
 */
function verificationPluginError(attr: { key: string | number; critical: boolean; value: unknown }): string {
  const key = HEADER.verificationPlugin;
  if (!attr.critical) return `${key} is not a critical Extended attribute`;
  if (typeof attr.value !== 'string') return `${key} from extended attribute is not a string`;
  if (attr.value.trim() === '') return `${key} from extended attribute is an empty string`;
  return `error while locating the verification plugin ${goQuote(attr.value)}, make sure the plugin is installed successfully before verifying the signature. error: notation verification plugins are not supported by ratify-ts`;
}

// Trust policy documents are fixed once loaded: remember the statement per repository and the
// level per statement instead of re-deriving them for every signature.
const policyMemo = new WeakMap<TrustPolicyDocument, Map<string, TrustPolicy>>();
const levelMemo = new WeakMap<TrustPolicy, VerificationLevel>();

function policyFor(doc: TrustPolicyDocument, artifactReference: string): TrustPolicy {
  const repo = artifactReference.slice(0, Math.max(0, artifactReference.lastIndexOf('@')));
  let byRepo = policyMemo.get(doc);
  if (!byRepo) policyMemo.set(doc, (byRepo = new Map()));
  const hit = repo ? byRepo.get(repo) : undefined;
  if (hit) return hit;
  const p = applicableTrustPolicy(doc, artifactReference);
  if (repo && byRepo.size < 10_000) byRepo.set(repo, p);
  return p;
}

function levelOf(policy: TrustPolicy): VerificationLevel {
  let l = levelMemo.get(policy);
  if (!l) levelMemo.set(policy, (l = verificationLevel(policy.signatureVerification)));
  return l;
}

function stop(out: NotationOutcome, error: string): NotationOutcome {
  out.error = error;
  return out;
}

function parsePayloadType(env: SignatureEnvelope): void {
  // notation-go ValidatePayloadContentType runs inside the integrity step.
  if (env.payload.contentType !== 'application/vnd.cncf.notary.payload.v1+json') {
    throw new EnvelopeError('invalid', `payload content type ${goQuote(env.payload.contentType)} not supported`);
  }
}

/** notation-go loadX509TrustStores: every `<type>:<name>` of the policy for the scheme's store type. */
async function loadTrustStores(store: X509TrustStore, type: TrustStoreType, policy: TrustPolicy, ctx: Context): Promise<X509Certificate[]> {
  const seen = new Set<string>();
  const certs: X509Certificate[] = [];
  for (const ts of policy.trustStores) {
    if (seen.has(ts)) continue;
    const i = ts.indexOf(':');
    if (ts.slice(0, i) !== type) continue;
    certs.push(...(await store.getCertificates(type, ts.slice(i + 1), ctx)));
    seen.add(ts);
  }
  return certs;
}

function authenticityError(trusted: X509Certificate[], chain: readonly Certificate[]): string | undefined {
  if (trusted.length === 0) return 'no trusted certificates are found to verify authenticity';
  for (const t of trusted) {
    for (const c of chain) if (t.raw.equals(c.der)) return undefined;
  }
  return "the signature's certificate chain does not contain any trusted certificate";
}

/** notation-go verifyAuthenticTimestamp / verifyTimestamp; returns the error text or undefined. */
async function authenticTimestampError(env: SignatureEnvelope, policy: TrustPolicy, input: NotationVerifyInput, now: Date, ctx: Context): Promise<string | undefined> {
  const chain = env.certificateChain;
  if (env.signedAttributes.signingScheme !== SIGNING_SCHEME_X509) {
    const t = env.signedAttributes.signingTime;
    for (const c of chain) {
      if (t < c.notBefore || t > c.notAfter) return `certificate ${goQuote(c.subject)} was not valid when the digital signature was produced at ${goQuote(goRFC1123Z(t))}`;
    }
    return undefined;
  }
  const tsaEnabled = policy.trustStores.some((s) => s.startsWith('tsa:'));
  let perform = tsaEnabled;
  if (perform && timestampOption(policy.signatureVerification) === 'afterCertExpiry') {
    perform = chain.some((c) => now > c.notAfter);
  }
  if (!perform) {
    for (const c of chain) {
      if (now < c.notBefore) return `verification time is before certificate ${goQuote(c.subject)} validity period, it will be valid from ${goQuote(goRFC1123Z(c.notBefore))}`;
      if (now > c.notAfter) return `verification time is after certificate ${goQuote(c.subject)} validity period, it was expired at ${goQuote(goRFC1123Z(c.notAfter))}`;
    }
    return undefined;
  }
  const tsa = env.unsignedAttributes.timestampSignature;
  if (!tsa || tsa.length === 0) return 'no timestamp countersignature was found in the signature envelope';
  let token;
  try {
    token = parseTimestampToken(tsa);
  } catch (e) {
    return `failed to parse timestamp countersignature with error: ${detailOf(e)}`;
  }
  try {
    getTSTInfo(token);
  } catch (e) {
    return `failed to get the timestamp TSTInfo with error: ${detailOf(e)}`;
  }
  let ts: Timestamp;
  try {
    ts = validateMessage(token, env.signature);
  } catch (e) {
    return `failed to get timestamp from timestamp countersignature with error: ${detailOf(e)}`;
  }
  let roots: X509Certificate[];
  try {
    roots = await loadTrustStores(input.trustStore, 'tsa', policy, ctx);
  } catch (e) {
    return `failed to load tsa trust store with error: ${detailOf(e)}`;
  }
  if (roots.length === 0) return 'no trusted TSA certificate found in trust store';
  let verified;
  try {
    verified = verifyTimestampToken(token, { roots: roots.map((r) => new Uint8Array(r.raw)), atTime: ts.genTime });
  } catch (e) {
    return `failed to verify the timestamp countersignature with error: ${detailOf(e)}`;
  }
  if (!boundedAfter(ts, env.signedAttributes.signingTime)) {
    return `timestamp ${formatRange(ts)} is not bounded after the signing time ${goQuote(goTimeUTC(env.signedAttributes.signingTime))}`;
  }
  try {
    validateTimestampingChain(verified.signerChain.map((c) => parseCertificateDer(c.raw)));
  } catch (e) {
    return `failed to validate the timestamping certificate chain with error: ${detailOf(e)}`;
  }
  for (const c of chain) {
    if (!boundedAfter(ts, c.notBefore)) return `timestamp can be before certificate ${goQuote(c.subject)} validity period, it will be valid from ${goQuote(goRFC1123Z(c.notBefore))}`;
    if (!boundedBefore(ts, c.notAfter)) return `timestamp can be after certificate ${goQuote(c.subject)} validity period, it was expired at ${goQuote(goRFC1123Z(c.notAfter))}`;
  }
  if (input.timestampingRevocation) {
    try {
      const r = await input.timestampingRevocation.validate(ctx, { chain: verified.signerChain });
      const err = chainRevocationError(r, 'timestamping');
      if (err) return err.detail;
    } catch (e) {
      return `failed to check timestamping certificate chain revocation with error: ${detailOf(e)}`;
    }
  }
  return undefined;
}

/** Extensions that point at revocation information: Authority Information Access (OCSP) and CRL distribution points. */
const REVOCATION_POINTERS = new Set(['1.3.6.1.5.5.7.1.1', '2.5.29.31']);

async function revocationError(env: SignatureEnvelope, validator: RevocationValidator | undefined, ctx: Context): Promise<string | undefined> {
  if (!validator) return 'unable to check revocation status, code signing revocation validator cannot be nil';
  // The root is never checked, and a certificate naming neither an OCSP responder nor a CRL is
  // non-revokable: when that holds for the whole chain the answer is "ok" without asking anyone.
  // The validator would re-parse the chain and re-check its structure (integrity already validated
  // it) to reach the same result, which costs about a third of a verification.
  const chain = env.certificateChain;
  if (!chain.slice(0, -1).some((c) => c.extensions.some((e) => REVOCATION_POINTERS.has(e.oid)))) return undefined;
  try {
    const signingTime = env.signedAttributes.signingScheme === SIGNING_SCHEME_X509 ? undefined : env.signedAttributes.signingTime;
    const r = await validator.validate(ctx, { chain: env.certificateChain.map((c) => new Uint8Array(c.der)), ...(signingTime ? { signingTime } : {}) });
    return chainRevocationError(r, 'codeSigning')?.detail;
  } catch (e) {
    if (e instanceof RatifyError && e.root.code === 'DEADLINE_EXCEEDED') throw e;
    return `unable to check revocation status, err: ${detailOf(e)}`;
  }
}

function detailOf(e: unknown): string {
  if (e instanceof RatifyError) return e.cause instanceof Error && !e.detail ? e.cause.message : e.detail;
  return e instanceof Error ? e.message : String(e);
}

function formatRange(ts: Timestamp): string {
  const f = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `[${f(ts.earliest)}, ${f(ts.latest)}]`;
}

/** The checks as --explain shows them. */
export function outcomeTrace(o: NotationOutcome): CheckTrace[] {
  if (o.skipped) return [{ check: 'trust policy', ok: true, detail: `policy ${goQuote(o.policy?.name ?? '')} level skip: signature verification skipped` }];
  const out: CheckTrace[] = o.results.map((r) => ({ check: r.type, ok: r.error === undefined, level: r.action, ...(r.error ? { detail: r.error } : {}) }));
  if (o.policy) out.unshift({ check: 'trust policy', ok: true, detail: `${goQuote(o.policy.name)} (level ${o.level?.name})` });
  if (o.error && !o.results.some((r) => r.error === o.error)) out.push({ check: 'payload', ok: false, detail: o.error });
  return out;
}
