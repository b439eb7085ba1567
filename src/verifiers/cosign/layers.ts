import type { Bundle, Envelope } from '@sigstore/bundle';
import type { Descriptor } from '../../oci/descriptor.js';
import { bundleSignatureBase64, isBundleMediaType, parseBundle } from '../../crypto/sigstore/bundle.js';
import { DSSE_ENVELOPE_MEDIA_TYPE, parseEnvelope } from '../../crypto/sigstore/dsse.js';
import { SigstoreVerifyError } from '../../crypto/sigstore/errors.js';

/** Annotations cosign puts on signature layers (sigstore/cosign pkg/oci/static). */
export const Annotation = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
  rfc3161: 'dev.sigstore.cosign/rfc3161timestamp',
} as const;

/** What a layer of a cosign signature manifest holds. */
export type SignatureLayer =
  | { kind: 'simple-signing'; payload: Buffer; signatureBase64: string; legacy: LegacyMaterial }
  | { kind: 'dsse'; envelope: Envelope; signatureBase64: string; legacy: LegacyMaterial }
  | { kind: 'bundle'; bundle: Bundle; signatureBase64: string };

/** The annotation-borne verification material of pre-bundle cosign signatures. */
export interface LegacyMaterial {
  certificate?: Uint8Array;
  chain: Uint8Array[];
  rekorBundle?: string;
  rfc3161?: string;
}

/** A legacy chain is leaf issuer(s) up to the root: a few certificates. */
const MAX_CHAIN_CERTS = 10;

/** How a layer is read: by its media type, or as a bundle when the whole manifest is a bundle artifact. */
export function layerKind(blob: Descriptor, manifestArtifactType: string | undefined): SignatureLayer['kind'] {
  if (isBundleMediaType(blob.mediaType) || isBundleMediaType(manifestArtifactType)) return 'bundle';
  if (blob.mediaType === DSSE_ENVELOPE_MEDIA_TYPE) return 'dsse';
  // cosign's layers are application/vnd.dev.cosign.simplesigning.v1+json; like Ratify (cosign's
  // static.NewSignature) any other layer is read as a payload with a detached signature.
  return 'simple-signing';
}

/** Decodes one layer. Throws SigstoreVerifyError (a verdict on that signature) when malformed. */
export function readLayer(kind: SignatureLayer['kind'], blob: Descriptor, bytes: Uint8Array, maxBytes: number): SignatureLayer {
  const ann = blob.annotations ?? {};
  if (kind === 'bundle') {
    const bundle = parseBundle(bytes, maxBytes);
    return { kind, bundle, signatureBase64: bundleSignatureBase64(bundle) };
  }
  const legacy = legacyMaterial(ann);
  if (kind === 'dsse') {
    const envelope = parseEnvelope(bytes);
    return { kind, envelope, signatureBase64: Buffer.from(envelope.signatures[0]?.sig ?? []).toString('base64'), legacy };
  }
  return { kind, payload: Buffer.from(bytes), signatureBase64: ann[Annotation.signature] ?? '', legacy };
}

function legacyMaterial(ann: Record<string, string>): LegacyMaterial {
  const m: LegacyMaterial = { chain: [] };
  const cert = ann[Annotation.certificate];
  if (cert) {
    const certs = pemCertificates(cert, 'certificate annotation');
    if (certs.length !== 1) throw new SigstoreVerifyError('CERTIFICATE_ERROR', `the certificate annotation holds ${certs.length} certificates, want 1`);
    m.certificate = certs[0]!;
  }
  const chain = ann[Annotation.chain];
  if (chain) m.chain = pemCertificates(chain, 'chain annotation').slice(0, MAX_CHAIN_CERTS);
  if (ann[Annotation.bundle]) m.rekorBundle = ann[Annotation.bundle];
  if (ann[Annotation.rfc3161]) m.rfc3161 = ann[Annotation.rfc3161];
  return m;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** DER bodies of the PEM certificates in an annotation; malformed base64 is an error, as in Go's pem decoder. */
export function pemCertificates(text: string, what: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(PEM_CERT)) {
    const body = (m[1] ?? '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) throw new SigstoreVerifyError('CERTIFICATE_ERROR', `the ${what} is not valid PEM`);
    out.push(Buffer.from(body, 'base64'));
    if (out.length > MAX_CHAIN_CERTS) break;
  }
  if (out.length === 0) throw new SigstoreVerifyError('CERTIFICATE_ERROR', `the ${what} holds no PEM certificate`);
  return out;
}

/** Standard base64 as Go's base64.StdEncoding decodes it (padding required, nothing else allowed). */
export function decodeSignature(b64: string): Buffer {
  if (b64 === '') throw new SigstoreVerifyError('SIGNATURE_ERROR', `the layer has no ${Annotation.signature} annotation`);
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new SigstoreVerifyError('SIGNATURE_ERROR', 'the signature annotation is not valid base64');
  return Buffer.from(b64, 'base64');
}
