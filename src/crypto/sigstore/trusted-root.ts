import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import { RatifyError } from '../../errors.js';
import { optimizeTrustedCertificate } from './fast-certs.js';

/** A trusted root is a few KB; anything near this is not one. */
export const MAX_TRUSTED_ROOT_BYTES = 8 * 1024 * 1024;

const TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';

/** A parsed trusted root and the trust material @sigstore/verify builds from it (keys and certificates decoded once). */
export interface LoadedTrustedRoot {
  root: TrustedRoot;
  material: TrustMaterial;
  /** Where it came from, for messages: a path or "public-good (@sigstore/tuf seed)". */
  source: string;
}

/**
 * Parses trusted_root.json content. Everything is decoded eagerly (certificates, public keys)
 * so that a broken root fails at configuration time, not on the first verification.
 */
export function parseTrustedRoot(json: unknown, source: string): LoadedTrustedRoot {
  const fail = (why: string, cause?: unknown) =>
    new RatifyError('CONFIG_INVALID', `invalid Sigstore trusted root ${source}`, {
      cause: cause instanceof Error ? new Error(`${why}: ${cause.message}`) : new Error(why),
      remediation: 'Provide a trusted_root.json as published by the Sigstore TUF repository (cosign --trusted-root format)',
    });
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw fail('not a JSON object');
  const mediaType = (json as { mediaType?: unknown }).mediaType;
  if (typeof mediaType !== 'string' || !mediaType.startsWith('application/vnd.dev.sigstore.trustedroot')) {
    throw fail(`unexpected mediaType ${JSON.stringify(mediaType)}`);
  }
  let root: TrustedRoot;
  let material: TrustMaterial;
  try {
    root = TrustedRoot.fromJSON(json);
    material = toTrustMaterial(root);
  } catch (e) {
    throw fail('cannot decode its keys or certificates', e);
  }
  for (const ca of [...material.certificateAuthorities, ...material.timestampAuthorities]) ca.certChain.forEach(optimizeTrustedCertificate);
  if (material.tlogs.length + material.certificateAuthorities.length + material.timestampAuthorities.length === 0) {
    throw fail('it names no transparency log, certificate authority or timestamp authority');
  }
  return { root, material, source };
}

export function parseTrustedRootBytes(bytes: Uint8Array, source: string): LoadedTrustedRoot {
  if (bytes.byteLength > MAX_TRUSTED_ROOT_BYTES) {
    throw new RatifyError('CONFIG_INVALID', `Sigstore trusted root ${source} is ${bytes.byteLength} bytes, over the limit of ${MAX_TRUSTED_ROOT_BYTES}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new RatifyError('CONFIG_INVALID', `invalid Sigstore trusted root ${source}`, { cause: e });
  }
  return parseTrustedRoot(json, source);
}

/** Reads a trusted_root.json file (size-checked before reading). */
export async function loadTrustedRootFile(path: string): Promise<LoadedTrustedRoot> {
  let bytes: Buffer;
  try {
    const st = await stat(path);
    if (st.size > MAX_TRUSTED_ROOT_BYTES) {
      throw new RatifyError('CONFIG_INVALID', `Sigstore trusted root ${path} is ${st.size} bytes, over the limit of ${MAX_TRUSTED_ROOT_BYTES}`);
    }
    bytes = await readFile(path);
  } catch (e) {
    if (e instanceof RatifyError) throw e;
    throw new RatifyError('CONFIG_INVALID', `cannot read Sigstore trusted root ${path}`, { cause: e });
  }
  return parseTrustedRootBytes(bytes, path);
}

let publicGood: LoadedTrustedRoot | undefined;

/**
 * The Sigstore public-good trusted root, as the `@sigstore/tuf` package ships it in seeds.json.
 * The TUF client itself cannot run offline (the seed has no timestamp/snapshot metadata), so we
 * read the embedded target directly: no network, and the snapshot moves only with the package.
 */
export function publicGoodTrustedRoot(): LoadedTrustedRoot {
  if (publicGood) return publicGood;
  const require = createRequire(import.meta.url);
  const seedsPath = require.resolve('@sigstore/tuf/seeds.json');
  let target: unknown;
  try {
    const seeds = JSON.parse(readFileSync(seedsPath, 'utf8')) as Record<string, { targets?: Record<string, unknown> }>;
    target = seeds[TUF_MIRROR]?.targets?.['trusted_root.json'];
  } catch (e) {
    throw new RatifyError('CONFIG_INVALID', `cannot read the public-good trusted root from ${seedsPath}`, { cause: e });
  }
  if (typeof target !== 'string') {
    throw new RatifyError('CONFIG_INVALID', `${seedsPath} holds no trusted_root.json for ${TUF_MIRROR}`, {
      remediation: 'Set "trustedRootPath" to a trusted_root.json file',
    });
  }
  // The seed stores targets base64-encoded.
  publicGood = parseTrustedRootBytes(Buffer.from(target, 'base64'), 'public-good (@sigstore/tuf seed)');
  return publicGood;
}
