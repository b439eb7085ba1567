/**
 * Test-only producers of Notary Project signature envelopes (JWS and COSE) and of the
 * certificates to sign them with. They follow notation-core-go's signing output (Go JSON
 * marshalling of the protected header, go-cose canonical protected maps) so tests can make
 * envelopes equivalent to what notation produces, and bend any field to test a rule.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { constants, createHash, KeyObject, sign as cryptoSign, webcrypto } from 'node:crypto';
import { Encoder, Tag } from 'cbor-x';

x509.cryptoProvider.set(webcrypto as never);

export type KeyKind = 'RSA-1024' | 'RSA-2048' | 'RSA-3072' | 'RSA-4096' | 'P-256' | 'P-384' | 'P-521';

export interface TestKey {
  kind: KeyKind;
  pair: webcrypto.CryptoKeyPair;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A fresh key pair (RSA generation is slow: prefer sharedKey unless the key must differ). */
export async function newKey(kind: KeyKind): Promise<TestKey> {
  const alg = kind.startsWith('RSA')
    ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: Number(kind.slice(4)), publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: kind };
  const pair = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return {
    kind,
    pair,
    privateKey: KeyObject.from(pair.privateKey),
    publicKey: KeyObject.from(pair.publicKey),
  };
}

const shared = new Map<string, Promise<TestKey>>();

/** One key per (kind, slot) for the whole test process. */
export function sharedKey(kind: KeyKind, slot = 'default'): Promise<TestKey> {
  const id = `${kind}/${slot}`;
  let p = shared.get(id);
  if (!p) shared.set(id, (p = newKey(kind)));
  return p;
}

export interface CertSpec {
  subject: string;
  key: TestKey;
  /** Issuer certificate and key; omitted for a self-signed certificate. */
  issuer?: TestCert;
  notBefore?: Date;
  notAfter?: Date;
  /** Basic constraints: omitted (undefined), or CA flag with optional path length. */
  basicConstraints?: { ca: boolean; pathLength?: number; critical?: boolean };
  /** x509.KeyUsageFlags bitmask; null omits the extension. */
  keyUsage?: number | null;
  keyUsageCritical?: boolean;
  /** EKU OIDs; null omits the extension. */
  eku?: string[] | null;
  ekuCritical?: boolean;
  serial?: string;
  /** Hash used to sign the certificate itself (default SHA-256). */
  certHash?: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
}

export interface TestCert {
  der: Buffer;
  pem: string;
  key: TestKey;
  cert: x509.X509Certificate;
}

const DAY = 86_400_000;
export const CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
export const TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
export const KU = x509.KeyUsageFlags;

let serialCounter = 1;

export async function makeCert(spec: CertSpec): Promise<TestCert> {
  const signer = spec.issuer?.key ?? spec.key;
  const hash = spec.certHash ?? 'SHA-256';
  const signingAlgorithm = signer.kind.startsWith('RSA') ? { name: 'RSASSA-PKCS1-v1_5', hash } : { name: 'ECDSA', hash };
  const extensions: x509.Extension[] = [];
  if (spec.basicConstraints) {
    extensions.push(new x509.BasicConstraintsExtension(spec.basicConstraints.ca, spec.basicConstraints.pathLength, spec.basicConstraints.critical ?? true));
  }
  const isCA = spec.basicConstraints?.ca === true;
  const ku = spec.keyUsage === undefined ? (isCA ? KU.keyCertSign | KU.cRLSign : KU.digitalSignature) : spec.keyUsage;
  if (ku !== null) extensions.push(new x509.KeyUsagesExtension(ku, spec.keyUsageCritical ?? true));
  const eku = spec.eku === undefined ? (isCA ? null : [CODE_SIGNING]) : spec.eku;
  if (eku !== null) extensions.push(new x509.ExtendedKeyUsageExtension(eku, spec.ekuCritical ?? false));
  const common = {
    serialNumber: spec.serial ?? (serialCounter++).toString(16).padStart(2, '0'),
    notBefore: spec.notBefore ?? new Date(Date.now() - DAY),
    notAfter: spec.notAfter ?? new Date(Date.now() + 365 * DAY),
    extensions,
    signingAlgorithm,
  };
  const cert = spec.issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject: spec.subject,
        issuer: spec.issuer.cert.subject,
        publicKey: spec.key.pair.publicKey,
        signingKey: spec.issuer.key.pair.privateKey,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: spec.subject, keys: spec.key.pair });
  const der = Buffer.from(cert.rawData);
  return { der, pem: cert.toString('pem'), key: spec.key, cert };
}

/** A self-signed code-signing certificate as `notation cert generate-test` makes one. */
export async function selfSignedSigner(kind: KeyKind, subject = `CN=test-${kind},O=Notary,L=Seattle,ST=WA,C=US`): Promise<TestSigner> {
  const key = await sharedKey(kind);
  const leaf = await makeCert({ subject, key });
  return { key, chain: [leaf.der] };
}

/** Root CA → leaf code-signing chain. */
export async function caSigner(kind: KeyKind, rootKind: KeyKind = 'RSA-3072'): Promise<TestSigner & { root: TestCert; leaf: TestCert }> {
  const rootKey = await sharedKey(rootKind, 'root');
  const root = await makeCert({ subject: 'CN=Test Root,O=Notary,C=US', key: rootKey, basicConstraints: { ca: true, pathLength: 1 } });
  const key = await sharedKey(kind);
  const leaf = await makeCert({ subject: 'CN=Test Leaf,O=Notary,C=US', key, issuer: root });
  return { key, chain: [leaf.der, root.der], root, leaf };
}

export interface TestSigner {
  key: TestKey;
  /** DER certificates, leaf first. */
  chain: Buffer[];
}

export type JwsAlg = 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';

/** The algorithm notation picks for a key (signature-specification.md). */
export function algFor(kind: KeyKind): JwsAlg {
  switch (kind) {
    case 'RSA-2048':
    case 'RSA-1024':
      return 'PS256';
    case 'RSA-3072':
      return 'PS384';
    case 'RSA-4096':
      return 'PS512';
    case 'P-256':
      return 'ES256';
    case 'P-384':
      return 'ES384';
    default:
      return 'ES512';
  }
}

const HASH: Record<string, 'sha256' | 'sha384' | 'sha512'> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };
const HASH_LEN = { sha256: 32, sha384: 48, sha512: 64 } as const;

/** Raw signature as JWS/COSE carry it: RSASSA-PSS (salt = hash size) or ECDSA r‖s. */
export function rawSign(alg: JwsAlg, key: KeyObject, data: Uint8Array): Buffer {
  const hash = HASH[alg.slice(2)]!;
  if (alg.startsWith('PS')) {
    return cryptoSign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LEN[hash] });
  }
  return cryptoSign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
}

export const PAYLOAD_MEDIA_TYPE = 'application/vnd.cncf.notary.payload.v1+json';

export interface TargetDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export function sampleDescriptor(content = 'hello'): TargetDescriptor {
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${createHash('sha256').update(content).digest('hex')}`,
    size: Buffer.byteLength(content),
  };
}

/** Go's json.Marshal: object keys sorted, HTML-sensitive characters escaped. */
export function goMarshal(v: unknown): string {
  const sortKeys = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sortKeys);
    if (x instanceof Date) return rfc3339(x);
    if (x !== null && typeof x === 'object') {
      return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]));
    }
    return x;
  };
  return JSON.stringify(sortKeys(v))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Notation truncates times to seconds before signing. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface ExtendedAttr {
  key: string;
  value: unknown;
  critical?: boolean;
}

export interface EnvelopeSpec {
  signer: TestSigner;
  /** Payload bytes; default: the notary payload for sampleDescriptor(). */
  payload?: Uint8Array;
  target?: TargetDescriptor;
  contentType?: string;
  signingScheme?: string;
  signingTime?: Date;
  expiry?: Date;
  extendedAttributes?: ExtendedAttr[];
  signingAgent?: string;
  timestampSignature?: Buffer;
  /** Override the algorithm named in the header (default: the key's). */
  alg?: string | number;
  /** Sign with this algorithm regardless of the header (default: the header's, else the key's). */
  signAlg?: JwsAlg;
}

function defaultPayload(spec: EnvelopeSpec): Buffer {
  if (spec.payload) return Buffer.from(spec.payload);
  return Buffer.from(goMarshal({ targetArtifact: spec.target ?? sampleDescriptor() }));
}

const SECOND = 1000;
const truncate = (d: Date) => new Date(Math.floor(d.getTime() / SECOND) * SECOND);

export interface JwsParts {
  protectedHeader: Record<string, unknown>;
  payload: Buffer;
  unprotected: Record<string, unknown>;
}

export interface JwsTweaks {
  /** Rewrite the protected header object before it is serialized. */
  protectedHeader?: (h: Record<string, unknown>) => Record<string, unknown>;
  /** Use this exact protected header JSON text. */
  protectedJson?: string;
  /** Rewrite the unprotected header. */
  unprotected?: (h: Record<string, unknown>) => Record<string, unknown>;
  /** Rewrite the final envelope object. */
  envelope?: (e: Record<string, unknown>) => Record<string, unknown>;
}

/**
 * A JWS envelope as notation-core-go signs one: protected header marshalled by Go
 * (sorted keys), crit = [signingScheme, critical extended attributes..., authenticSigningTime?, expiry?].
 */
export function signJws(spec: EnvelopeSpec, tweaks: JwsTweaks = {}): Buffer {
  const scheme = spec.signingScheme ?? 'notary.x509';
  const signingTime = truncate(spec.signingTime ?? new Date());
  const crit: string[] = ['io.cncf.notary.signingScheme'];
  const header: Record<string, unknown> = {
    alg: spec.alg ?? algFor(spec.signer.key.kind),
    cty: spec.contentType ?? PAYLOAD_MEDIA_TYPE,
    'io.cncf.notary.signingScheme': scheme,
  };
  for (const a of spec.extendedAttributes ?? []) {
    header[a.key] = a.value;
    if (a.critical) crit.push(a.key);
  }
  if (scheme === 'notary.x509.signingAuthority') {
    crit.push('io.cncf.notary.authenticSigningTime');
    header['io.cncf.notary.authenticSigningTime'] = signingTime;
  } else {
    header['io.cncf.notary.signingTime'] = signingTime;
  }
  if (spec.expiry) {
    crit.push('io.cncf.notary.expiry');
    header['io.cncf.notary.expiry'] = truncate(spec.expiry);
  }
  header.crit = crit;
  const finalHeader = tweaks.protectedHeader ? tweaks.protectedHeader(header) : header;
  const protectedB64 = Buffer.from(tweaks.protectedJson ?? goMarshal(finalHeader)).toString('base64url');
  // golang-jwt re-marshals JSON claims, so a JSON payload comes out compact with sorted keys.
  const payload = defaultPayload(spec);
  const payloadB64 = payload.toString('base64url');
  const signAlg = spec.signAlg ?? (typeof finalHeader.alg === 'string' && /^(PS|ES)(256|384|512)$/.test(finalHeader.alg) ? (finalHeader.alg as JwsAlg) : algFor(spec.signer.key.kind));
  const sig = rawSign(signAlg, spec.signer.key.privateKey, Buffer.from(`${protectedB64}.${payloadB64}`));
  let unprotected: Record<string, unknown> = { x5c: spec.signer.chain.map((c) => c.toString('base64')) };
  if (spec.signingAgent !== undefined) unprotected['io.cncf.notary.signingAgent'] = spec.signingAgent;
  if (spec.timestampSignature) unprotected['io.cncf.notary.timestampSignature'] = spec.timestampSignature.toString('base64');
  if (tweaks.unprotected) unprotected = tweaks.unprotected(unprotected);
  let env: Record<string, unknown> = { payload: payloadB64, protected: protectedB64, header: unprotected, signature: sig.toString('base64url') };
  if (tweaks.envelope) env = tweaks.envelope(env);
  return Buffer.from(JSON.stringify(env));
}

// ---- COSE ----

export const cborEncoder = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false } as never);

const COSE_ALGS: Record<JwsAlg, number> = { PS256: -37, PS384: -38, PS512: -39, ES256: -7, ES384: -35, ES512: -36 };

export interface CoseTweaks {
  /** Rewrite the protected header map before encoding. */
  protectedHeader?: (h: Map<unknown, unknown>) => Map<unknown, unknown>;
  /** Use these exact bytes as the protected header bstr contents. */
  protectedBytes?: Buffer;
  unprotected?: (h: Map<unknown, unknown>) => Map<unknown, unknown>;
  /** Replace the four COSE_Sign1 members just before encoding. */
  message?: (m: unknown[]) => unknown[];
}

const epoch = (d: Date) => new Tag(Math.floor(d.getTime() / 1000), 1);

// go-cose sorts protected keys canonically (RFC 7049 §3.9: shorter encoding first, then bytewise).
function canonical(m: Map<unknown, unknown>): Map<unknown, unknown> {
  const entries = [...m].map(([k, v]) => ({ k, v, enc: Buffer.from(cborEncoder.encode(k)) }));
  entries.sort((a, b) => a.enc.length - b.enc.length || Buffer.compare(a.enc, b.enc));
  return new Map(entries.map((e) => [e.k, e.v]));
}

/** A COSE_Sign1 envelope as notation-core-go signs one. */
export function signCose(spec: EnvelopeSpec, tweaks: CoseTweaks = {}): Buffer {
  const scheme = spec.signingScheme ?? 'notary.x509';
  const signingTime = truncate(spec.signingTime ?? new Date());
  const crit: unknown[] = ['io.cncf.notary.signingScheme'];
  let prot = new Map<unknown, unknown>();
  const alg = spec.alg ?? COSE_ALGS[algFor(spec.signer.key.kind)];
  prot.set(1, alg);
  prot.set('io.cncf.notary.signingScheme', scheme);
  if (scheme === 'notary.x509.signingAuthority') {
    crit.push('io.cncf.notary.authenticSigningTime');
    prot.set('io.cncf.notary.authenticSigningTime', epoch(signingTime));
  } else {
    prot.set('io.cncf.notary.signingTime', epoch(signingTime));
  }
  if (spec.expiry) {
    crit.push('io.cncf.notary.expiry');
    prot.set('io.cncf.notary.expiry', epoch(spec.expiry));
  }
  for (const a of spec.extendedAttributes ?? []) {
    prot.set(a.key, a.value);
    if (a.critical) crit.push(a.key);
  }
  prot.set(2, crit);
  prot.set(3, spec.contentType ?? PAYLOAD_MEDIA_TYPE);
  prot = canonical(prot);
  if (tweaks.protectedHeader) prot = tweaks.protectedHeader(prot);
  const protectedBytes = tweaks.protectedBytes ?? (prot.size === 0 ? Buffer.alloc(0) : Buffer.from(cborEncoder.encode(prot)));
  const payload = defaultPayload(spec);
  const tbs = Buffer.from(cborEncoder.encode(['Signature1', protectedBytes, Buffer.alloc(0), payload]));
  const algName = (Object.entries(COSE_ALGS).find(([, v]) => v === alg)?.[0] as JwsAlg | undefined) ?? algFor(spec.signer.key.kind);
  const sig = rawSign(spec.signAlg ?? algName, spec.signer.key.privateKey, tbs);
  let unprot = new Map<unknown, unknown>([[33, spec.signer.chain]]);
  if (spec.signingAgent !== undefined) unprot.set('io.cncf.notary.signingAgent', spec.signingAgent);
  if (spec.timestampSignature) unprot.set('io.cncf.notary.timestampSignature', spec.timestampSignature);
  if (tweaks.unprotected) unprot = tweaks.unprotected(unprot);
  let members: unknown[] = [protectedBytes, unprot, payload, sig];
  if (tweaks.message) members = tweaks.message(members);
  return Buffer.from(cborEncoder.encode(new Tag(members, 18)));
}
