/**
 * Self-made Sigstore material for the cosign tests and bench: a mock Fulcio CA, Rekor log and
 * TSA (@sigstore/mock), keys generated per run, and builders for cosign's legacy signature
 * layers and Sigstore bundles. Shared by cosign*.test.ts and bench/cosign.ts; it holds no tests.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { initializeCA, initializeTLog, initializeTSA } from '@sigstore/mock';

export const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const COSIGN_SIG_ARTIFACT = 'application/vnd.dev.cosign.artifact.sig.v1+json';
export const DSSE_ENVELOPE = 'application/vnd.dsse.envelope.v1+json';
export const IN_TOTO = 'application/vnd.in-toto+json';
const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const REKOR_URL = 'https://rekor.mock.example';

type CA = Awaited<ReturnType<typeof initializeCA>>;
type TLog = Awaited<ReturnType<typeof initializeTLog>>;
type TSA = Awaited<ReturnType<typeof initializeTSA>>;

export interface SigstoreFixture {
  ca: CA;
  tlog: TLog;
  tsa: TSA;
  /** When certificates are issued, entries logged and timestamps made. */
  clock: Date;
  /** trusted_root.json naming this CA, log and TSA. */
  trustedRoot: Record<string, unknown>;
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();
const pem = (der: Uint8Array, label: string) => `-----BEGIN ${label}-----\n${b64(der).replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

export function ecKeyPair(curve: 'P-256' | 'P-384' = 'P-256') {
  return generateKeyPairSync('ec', { namedCurve: curve });
}

export function publicKeyPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'spki' }).toString();
}

/**
 * A CA, log and TSA whose clock is fixed at creation (whole seconds, as certificate and log times
 * are). The mock's root certificates are valid from the real current time, so the clock is not
 * configurable: tests that need "later" give the verifier a later clock instead.
 */
export async function createSigstoreFixture(): Promise<SigstoreFixture> {
  const clock = new Date(Math.floor(Date.now() / 1000) * 1000 + 1000);
  const ca = await initializeCA(ecKeyPair('P-384'), undefined, clock);
  const tlog = await initializeTLog(REKOR_URL, ecKeyPair(), clock);
  const tsa = await initializeTSA(ecKeyPair('P-384'), clock);
  const since = { start: new Date(clock.getTime() - 24 * 3600 * 1000).toISOString() };
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: REKOR_URL,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(tlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: since },
        logId: { keyId: b64(sha256(tlog.publicKey)) },
      },
    ],
    certificateAuthorities: [
      { subject: { organization: 'sigstore.mock', commonName: 'sigstore' }, uri: 'https://fulcio.mock.example', certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] }, validFor: since },
    ],
    ctlogs: [],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        uri: 'https://tsa.mock.example',
        certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] },
        validFor: since,
      },
    ],
  };
  return { ca, tlog, tsa, clock, trustedRoot };
}

/** An ephemeral key and a Fulcio-style certificate for it (SAN + OIDC issuer extension). */
export async function keylessSigner(fx: SigstoreFixture, identity: { san: string; issuer: string }) {
  const keys = ecKeyPair();
  const der = await fx.ca.issueCertificate({
    publicKey: keys.publicKey.export({ format: 'der', type: 'spki' }),
    subjectAltName: identity.san,
    extensions: [{ oid: OID_ISSUER_V2, value: identity.issuer }],
  });
  return { privateKey: keys.privateKey, certificate: Buffer.from(der), certificatePem: pem(der, 'CERTIFICATE') };
}

export interface Signer {
  privateKey: KeyObject;
  /** PEM certificate (keyless) or public key (keyed): what Rekor records as the verifier. */
  verifierPem: string;
  certificate?: Buffer;
}

export function keyedSigner(privateKey: KeyObject, publicKey: KeyObject): Signer {
  return { privateKey, verifierPem: publicKeyPem(publicKey) };
}

export async function keylessSignerOf(fx: SigstoreFixture, identity: { san: string; issuer: string }): Promise<Signer> {
  const s = await keylessSigner(fx, identity);
  return { privateKey: s.privateKey, verifierPem: s.certificatePem, certificate: s.certificate };
}

function signBytes(key: KeyObject, data: Uint8Array): Buffer {
  return sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', data, key);
}

interface LoggedEntry {
  /** The bundle's tlogEntries[] element (JSON form). */
  bundleEntry: Record<string, unknown>;
  /** cosign's dev.sigstore.cosign/bundle annotation. */
  rekorBundle: string;
}

async function logEntry(fx: SigstoreFixture, proposed: { kind: string; apiVersion: string }): Promise<LoggedEntry> {
  const logged = await fx.tlog.log(proposed);
  const e = Object.values(logged)[0] as {
    body: string;
    integratedTime: number;
    logID: string;
    logIndex: number;
    verification: { signedEntryTimestamp: string; inclusionProof: { logIndex: number; treeSize: number; checkpoint: string; hashes: string[]; rootHash: string } };
  };
  const p = e.verification.inclusionProof;
  return {
    bundleEntry: {
      logIndex: String(e.logIndex),
      logId: { keyId: b64(Buffer.from(e.logID, 'hex')) },
      kindVersion: { kind: proposed.kind, version: proposed.apiVersion },
      integratedTime: String(e.integratedTime),
      inclusionPromise: { signedEntryTimestamp: e.verification.signedEntryTimestamp },
      inclusionProof: {
        logIndex: String(p.logIndex),
        rootHash: b64(Buffer.from(p.rootHash, 'hex')),
        treeSize: String(p.treeSize),
        hashes: p.hashes,
        checkpoint: { envelope: p.checkpoint },
      },
      canonicalizedBody: e.body,
    },
    rekorBundle: JSON.stringify({
      SignedEntryTimestamp: e.verification.signedEntryTimestamp,
      Payload: { body: e.body, integratedTime: e.integratedTime, logIndex: e.logIndex, logID: e.logID },
    }),
  };
}

function hashedrekord(payload: Uint8Array, signature: Uint8Array, verifierPem: string) {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: sha256(payload).toString('hex') } },
      signature: { content: b64(signature), publicKey: { content: b64(Buffer.from(verifierPem)) } },
    },
  };
}

/** An RFC 3161 TimeStampResp (DER) over the signature bytes, as bundles and cosign's annotation store it. */
export async function timestampToken(fx: SigstoreFixture, signature: Uint8Array): Promise<Buffer> {
  return fx.tsa.timestamp({ artifactHash: sha256(signature), hashAlgorithmOID: '2.16.840.1.101.3.4.2.1', nonce: 42, policyOID: '1.2.3.4.5', certReq: true });
}

export function simpleSigningPayload(subjectDigest: string, reference = 'registry.example/test/image'): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': reference }, image: { 'docker-manifest-digest': subjectDigest }, type: 'cosign container image signature' },
      optional: null,
    }),
  );
}

export interface LegacyOptions {
  tlog?: boolean;
  tsa?: boolean;
  /** Sign this payload but ship `payload` (tamper tests). */
  signedPayload?: Buffer;
}

/** A cosign simple-signing layer: the payload and its annotations, as `cosign sign` writes them. */
export async function legacySignatureLayer(fx: SigstoreFixture, signer: Signer, payload: Buffer, o: LegacyOptions = {}) {
  const signature = signBytes(signer.privateKey, o.signedPayload ?? payload);
  const annotations: Record<string, string> = { 'dev.cosignproject.cosign/signature': b64(signature) };
  if (signer.certificate) {
    annotations['dev.sigstore.cosign/certificate'] = signer.verifierPem;
    annotations['dev.sigstore.cosign/chain'] = pem(fx.ca.rootCertificate, 'CERTIFICATE');
  }
  if (o.tlog) annotations['dev.sigstore.cosign/bundle'] = (await logEntry(fx, hashedrekord(o.signedPayload ?? payload, signature, signer.verifierPem))).rekorBundle;
  if (o.tsa) annotations['dev.sigstore.cosign/rfc3161timestamp'] = JSON.stringify({ SignedRFC3161Timestamp: b64(await timestampToken(fx, signature)) });
  return { payload, annotations, signature };
}

export function inTotoStatement(subjectDigest: string, predicateType: string, predicate: unknown = {}): Buffer {
  const [alg, hex] = subjectDigest.split(':');
  return Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'image', digest: { [alg!]: hex } }], predicateType, predicate }));
}

function pae(type: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);
}

/** A v0.3 Sigstore bundle holding a DSSE envelope over `payload` (an in-toto statement). */
export async function dsseBundle(fx: SigstoreFixture, signer: Signer, payload: Buffer, o: { tlog?: boolean; tsa?: boolean; payloadType?: string } = {}) {
  const payloadType = o.payloadType ?? IN_TOTO;
  const signature = signBytes(signer.privateKey, pae(payloadType, payload));
  const envelope = { payloadType, payload: b64(payload), signatures: [{ sig: b64(signature), keyid: '' }] };
  const tlogEntries: unknown[] = [];
  if (o.tlog) {
    const proposed = {
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: { algorithm: 'sha256', value: sha256(Buffer.from(JSON.stringify(envelope))).toString('hex') },
        payloadHash: { algorithm: 'sha256', value: sha256(payload).toString('hex') },
        signatures: [{ signature: b64(signature), verifier: b64(Buffer.from(signer.verifierPem)) }],
      },
    };
    tlogEntries.push((await logEntry(fx, proposed)).bundleEntry);
  }
  return {
    mediaType: BUNDLE_V03,
    verificationMaterial: {
      ...(signer.certificate ? { certificate: { rawBytes: b64(signer.certificate) } } : { publicKey: { hint: 'test-key' } }),
      tlogEntries,
      timestampVerificationData: { rfc3161Timestamps: o.tsa ? [{ signedTimestamp: b64(await timestampToken(fx, signature)) }] : [] },
    },
    dsseEnvelope: envelope,
  };
}

/** A v0.3 bundle with a message signature over `artifact` (hashedrekord entry). */
export async function messageBundle(fx: SigstoreFixture, signer: Signer, artifact: Buffer, o: { tlog?: boolean; tsa?: boolean } = {}) {
  const signature = signBytes(signer.privateKey, artifact);
  const tlogEntries = o.tlog ? [(await logEntry(fx, hashedrekord(artifact, signature, signer.verifierPem))).bundleEntry] : [];
  return {
    mediaType: BUNDLE_V03,
    verificationMaterial: {
      ...(signer.certificate ? { certificate: { rawBytes: b64(signer.certificate) } } : { publicKey: { hint: 'test-key' } }),
      tlogEntries,
      timestampVerificationData: { rfc3161Timestamps: o.tsa ? [{ signedTimestamp: b64(await timestampToken(fx, signature)) }] : [] },
    },
    messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: b64(sha256(artifact)) }, signature: b64(signature) },
  };
}

/** go-containerregistry's empty.Image, rebuilt byte for byte: the subject of cosign's attestation test. */
export function emptyImage(): { config: Buffer; manifest: Buffer } {
  const config = Buffer.from('{"architecture":"","created":"0001-01-01T00:00:00Z","os":"","rootfs":{"type":"layers","diff_ids":null},"config":{}}');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: `sha256:${createHash('sha256').update(config).digest('hex')}` },
      layers: [],
    }),
  );
  return { config, manifest };
}


/** trusted_root.json from connaisseur's inline keyless trust material (Fulcio root, Rekor and CT log keys). */
export function connaisseurTrustedRoot(yaml: string): Record<string, unknown> {
  const block = (name: string) => {
    const m = new RegExp(`${name}:\\s*\\|\\s*\\n([\\s\\S]*?-----END [A-Z ]+-----)`).exec(yaml);
    if (!m) throw new Error(`${name} not found`);
    return Buffer.from(m[1]!.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  };
  const keyId = (der: Buffer) => createHash('sha256').update(der).digest('base64');
  const log = (der: Buffer, url: string) => ({
    baseUrl: url,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: der.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2021-01-01T00:00:00Z' } },
    logId: { keyId: keyId(der) },
  });
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [log(block('rekorPubkey'), 'https://rekor.sigstore.dev')],
    certificateAuthorities: [
      { subject: { organization: 'sigstore.dev', commonName: 'sigstore' }, uri: 'https://fulcio.sigstore.dev', certChain: { certificates: [{ rawBytes: block('fulcioCert').toString('base64') }] }, validFor: { start: '2021-01-01T00:00:00Z' } },
    ],
    ctlogs: [log(block('ctLogPubkey'), 'https://ctfe.sigstore.dev')],
    timestampAuthorities: [],
  };
}

