import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { VerificationError, type TrustMaterial } from '@sigstore/verify';
import { RatifyError } from '../../errors.js';
import { optimizeTrustedCertificate } from './fast-certs.js';
import { ProtoJsonError, parseProtoJson } from './protojson.js';
import { trustMaterialFromMessage, trustedRootError } from './trusted-root-rules.js';
import { decodeTrustedRoot } from './trusted-root-schema.js';
import type { JsonValue } from '../encoding/gojson.js';

/** A trusted root is a few KB; anything near this is not one. */
export const MAX_TRUSTED_ROOT_BYTES = 8 * 1024 * 1024;

const TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';

/** The trust material @sigstore/verify verifies with (keys and certificates decoded once). */
export interface LoadedTrustedRoot {
  material: TrustMaterial;
  /** Where it came from, for messages: a path or "public-good (@sigstore/tuf seed)". */
  source: string;
}

/** A trusted root holds no managed keys; the cosign verifier supplies its own key finder. */
function noManagedKeys(hint: string): never {
  throw new VerificationError({ code: 'PUBLIC_KEY_ERROR', message: `key not found: ${hint}` });
}

/**
 * Checks trusted_root.json as sigstore-go's NewTrustedRootFromJSON does (protojson rules,
 * then its field rules; see protojson.ts and trusted-root-rules.ts) and decodes every key and
 * certificate, so that a broken root fails at configuration time, not on the first verification.
 */
function fromJsonValue(json: JsonValue, source: string): LoadedTrustedRoot {
  let material: TrustMaterial;
  try {
    material = { ...trustMaterialFromMessage(decodeTrustedRoot(json), source), publicKey: noManagedKeys };
  } catch (e) {
    if (e instanceof ProtoJsonError) throw trustedRootError('CONFIG_INVALID', source, e.field, e.message);
    throw e;
  }
  for (const ca of [...material.certificateAuthorities, ...material.timestampAuthorities]) ca.certChain.forEach(optimizeTrustedCertificate);
  if (material.tlogs.length + material.certificateAuthorities.length + material.timestampAuthorities.length === 0) {
    // Our rule, not sigstore-go's: such a root can verify nothing, so it is a configuration mistake.
    throw trustedRootError('CONFIG_INVALID', source, '', 'it names no transparency log, certificate authority or timestamp authority');
  }
  return { material, source };
}

/** parseTrustedRootBytes for an already parsed document (a plain object, as JSON.parse returns). */
export function parseTrustedRoot(json: unknown, source: string): LoadedTrustedRoot {
  return parseTrustedRootBytes(Buffer.from(JSON.stringify(json) ?? 'null'), source);
}

export function parseTrustedRootBytes(bytes: Uint8Array, source: string): LoadedTrustedRoot {
  if (bytes.byteLength > MAX_TRUSTED_ROOT_BYTES) {
    throw new RatifyError('CONFIG_INVALID', `Sigstore trusted root ${source} is ${bytes.byteLength} bytes, over the limit of ${MAX_TRUSTED_ROOT_BYTES}`);
  }
  let json: JsonValue;
  try {
    json = parseProtoJson(bytes);
  } catch (e) {
    if (e instanceof ProtoJsonError) throw trustedRootError('CONFIG_INVALID', source, e.field, e.message);
    throw e;
  }
  return fromJsonValue(json, source);
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
