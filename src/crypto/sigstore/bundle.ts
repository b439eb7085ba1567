import {
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  bundleFromJSON,
  type Bundle,
} from '@sigstore/bundle';
import { SigstoreVerifyError } from './errors.js';

/** Bundles are a few KB; DSSE attestations carrying SBOMs can reach megabytes. */
export const DEFAULT_MAX_BUNDLE_BYTES = 32 * 1024 * 1024;

export const BUNDLE_MEDIA_TYPES: readonly string[] = [BUNDLE_V01_MEDIA_TYPE, BUNDLE_V02_MEDIA_TYPE, BUNDLE_V03_LEGACY_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE];

/** Media types a layer or referrer may carry to say "this is a Sigstore bundle". */
export function isBundleMediaType(mt: string | undefined): boolean {
  return mt !== undefined && (BUNDLE_MEDIA_TYPES.includes(mt) || /^application\/vnd\.dev\.sigstore\.bundle(\.v\d+\.\d+)?\+json(;version=\d+\.\d+)?$/.test(mt));
}

/**
 * Decodes a Sigstore bundle (v0.1, v0.2, v0.3) from JSON bytes and checks it is well formed for
 * its version. Unknown versions are refused rather than read as the newest one. Every failure is
 * a SigstoreVerifyError with code BUNDLE_ERROR.
 */
export function parseBundle(bytes: Uint8Array, maxBytes = DEFAULT_MAX_BUNDLE_BYTES): Bundle {
  if (bytes.byteLength > maxBytes) throw new SigstoreVerifyError('BUNDLE_ERROR', `the bundle is ${bytes.byteLength} bytes, over the limit of ${maxBytes}`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    throw new SigstoreVerifyError('BUNDLE_ERROR', `the bundle is not JSON: ${(e as Error).message}`);
  }
  return bundleFromObject(json);
}

export function bundleFromObject(json: unknown): Bundle {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new SigstoreVerifyError('BUNDLE_ERROR', 'the bundle is not a JSON object');
  const mt = (json as { mediaType?: unknown }).mediaType;
  if (typeof mt !== 'string' || !BUNDLE_MEDIA_TYPES.includes(mt)) {
    throw new SigstoreVerifyError('BUNDLE_ERROR', `unsupported bundle media type ${JSON.stringify(mt)}`);
  }
  try {
    return bundleFromJSON(json);
  } catch (e) {
    const fields = (e as { fields?: unknown }).fields;
    const detail = Array.isArray(fields) && fields.length ? ` (${fields.slice(0, 5).join(', ')})` : '';
    throw new SigstoreVerifyError('BUNDLE_ERROR', `${(e as Error).message}${detail}`, { cause: e });
  }
}

/** The bundle's signature bytes, base64, as cosign shows signatures. */
export function bundleSignatureBase64(b: Bundle): string {
  const sig = b.content.$case === 'dsseEnvelope' ? b.content.dsseEnvelope.signatures[0]?.sig : b.content.messageSignature.signature;
  return sig ? Buffer.from(sig).toString('base64') : '';
}
