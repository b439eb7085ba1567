import type { KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Context } from '../../context.js';
import { RatifyError } from '../../errors.js';
import { MAX_PUBLIC_KEY_BYTES, keyType, parsePublicKeyPem } from '../../crypto/sigstore/keys.js';
import type { KeyConfig, TrustPolicyConfig } from './config.js';

/** Ratify's PKKey: how a key is named in the `keyInformation` extension. */
export interface KeyInformation {
  provider?: string;
  name?: string;
  version?: string;
}

export interface ResolvedKey {
  info: KeyInformation;
  key: KeyObject;
}

/** One public key held by a key management provider. */
export interface ProviderKey {
  name: string;
  version: string;
  key: KeyObject;
}

/**
 * Reads the public keys of a key management provider. `namespace` is the `<ns>/` prefix of the
 * configured provider name (undefined for a bare name); the implementation applies Ratify's
 * access rules using `ctx.namespace`. Throwing means the provider could not be read.
 */
export type KeyProviderLookup = (namespace: string | undefined, name: string, ctx: Context) => Promise<readonly ProviderKey[]>;

/** Until key management providers exist, every provider name is unknown. */
export const noKeyProviders: KeyProviderLookup = async (namespace, name) => {
  throw new RatifyError('KEY_MANAGEMENT_PROVIDER_FAILURE', `key management provider ${namespace ? `${namespace}/` : ''}${name} not found`, {
    remediation: 'Configure the key management provider, or use "file" keys',
  });
};

export const FILE_PROVIDER = 'file';

/** Reads a PEM public key file (size-checked first). Throws KEY_INVALID or the read error. */
export async function readPublicKeyFile(path: string): Promise<KeyObject> {
  const st = await stat(path);
  if (!st.isFile()) throw new Error(`${path} is not a file`);
  if (st.size === 0) throw new Error(`key file ${path} is empty`);
  if (st.size > MAX_PUBLIC_KEY_BYTES) throw new Error(`key file ${path} is over ${MAX_PUBLIC_KEY_BYTES} bytes`);
  return parsePublicKeyPem(await readFile(path), path);
}

/** Ratify preloads file keys when the trust policy is created; a bad file is a configuration error. */
export async function loadFileKeys(tp: TrustPolicyConfig): Promise<ResolvedKey[]> {
  const out: ResolvedKey[] = [];
  for (const k of tp.keys) {
    if (!k.file) continue;
    try {
      out.push({ info: { provider: FILE_PROVIDER, name: k.file }, key: await readPublicKeyFile(k.path ?? k.file) });
    } catch (e) {
      throw new RatifyError('CONFIG_INVALID', `Invalid trust policy [${tp.name}]: failed to load the key from file ${k.file}`, {
        cause: e instanceof RatifyError ? (e.cause ?? e) : e,
        remediation: 'Ensure that the key file path is correct and public key is correctly saved.',
      });
    }
  }
  return out;
}

function splitProvider(p: string): [string | undefined, string] {
  const i = p.indexOf('/');
  return i < 0 ? [undefined, p] : [p.slice(0, i), p.slice(i + 1)];
}

/**
 * The keys a trust policy names at verification time (Ratify's GetKeys): file keys as
 * preloaded, then each provider's keys, either one named key or all of them. Failures carry
 * Ratify's messages (CONFIG_INVALID, reported as a failed verification).
 */
export async function resolveKeys(tp: TrustPolicyConfig, fileKeys: readonly ResolvedKey[], lookup: KeyProviderLookup, ctx: Context): Promise<ResolvedKey[]> {
  const out: ResolvedKey[] = [...fileKeys];
  for (const k of tp.keys) {
    if (k.file || !k.provider) continue;
    out.push(...(await providerKeys(tp, k, lookup, ctx)));
  }
  return out;
}

async function providerKeys(tp: TrustPolicyConfig, k: KeyConfig, lookup: KeyProviderLookup, ctx: Context): Promise<ResolvedKey[]> {
  const provider = k.provider!;
  let keys: readonly ProviderKey[];
  try {
    const [ns, name] = splitProvider(provider);
    keys = await lookup(ns, name, ctx);
  } catch (e) {
    throw new RatifyError('CONFIG_INVALID', `Invalid trust policy [${tp.name}]: failed to access key management provider ${provider}`, { cause: e });
  }
  const usable = keys.filter((pk) => typeof keyType(pk.key) === 'string');
  if (k.name) {
    // A version selects exactly; without one, every version of the named key is trusted.
    const matching = usable.filter((pk) => pk.name === k.name && (k.version === undefined || pk.version === k.version));
    if (matching.length === 0) {
      throw new RatifyError('CONFIG_INVALID', `Invalid trust policy [${tp.name}]: key ${k.name} with version ${k.version ?? ''} not found in key management provider ${provider}`);
    }
    return matching.map((pk) => ({ info: info(provider, pk.name, k.version ?? pk.version), key: pk.key }));
  }
  return usable.map((pk) => ({ info: info(provider, pk.name, pk.version), key: pk.key }));
}

function info(provider: string, name: string, version: string): KeyInformation {
  const i: KeyInformation = { provider, name };
  if (version) i.version = version;
  return i;
}
