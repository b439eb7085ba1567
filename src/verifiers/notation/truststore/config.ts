/**
 * Ratify's notation verifier trust store configuration: `verificationCerts` (paths) and
 * `verificationCertStores` (key management providers per trust store), normalised as Ratify does.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { RuntimeEnv } from '../../../config/load.js';
import { setOwn } from '../../../crypto/encoding/gojson.js';
import { RatifyError } from '../../../errors.js';
import { isTrustStoreType, type TrustStoreType } from './types.js';

const CONFIG_GUIDE = 'https://ratify.dev/docs/plugins/verifier/notation#configuration';

/** Always searched after the configured paths (Ratify's `defaultCertPath` under `~/.ratify`). */
export function defaultCertsDir(rt: Pick<RuntimeEnv, 'home'>): string {
  return join(rt.home, '.ratify', 'ratify-certs', 'notation', 'truststore');
}

/** `{ <type>: { <storeName>: [<kmp> | <namespace>/<kmp>] } }` after normalisation. */
export type CertStoresByType = Partial<Record<TrustStoreType, Record<string, string[]>>>;

export interface RatifyTrustStoreConfig {
  /** Files or directories of PEM/DER certificates, `~/` expanded; the default dir is last. */
  certPaths: string[];
  certStores: CertStoresByType;
}

export interface TrustStoreConfigOptions {
  rt: Pick<RuntimeEnv, 'home'>;
  /**
   * Resolve relative paths against this directory (e.g. the config file's). Ratify leaves them
   * relative to the process working directory, which is what happens when this is unset.
   */
  baseDir?: string;
}

/** Go's `%+v` of the config value in Ratify's messages; JSON is the readable equivalent. */
const show = (v: unknown) => JSON.stringify(v);

function configError(detail: string, cause?: unknown, remediation?: string): RatifyError {
  return new RatifyError('CONFIG_INVALID', detail, {
    component: 'verifier',
    ...(cause === undefined ? {} : { cause }),
    remediation: remediation ?? `Please check the value of the verificationCertStores parameter according to the Notation Verifier configuration guide: ${CONFIG_GUIDE}`,
  });
}

/** Ratify `ReplaceHomeShortcut`: only a leading `~/` is expanded. */
export function expandHome(path: string, home: string): string {
  return path.startsWith('~/') && home.length > 0 ? home + path.slice(1) : path;
}

function parseCertPaths(raw: unknown, opts: TrustStoreConfigOptions): string[] {
  let paths: string[] = [];
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw) || raw.some((p) => typeof p !== 'string')) {
      throw configError(`Failed to parse the Notation Verifier configuration: verificationCerts must be a list of paths, got ${show(raw)}`, undefined, `verificationCerts is a list of certificate files or directories; see ${CONFIG_GUIDE}`);
    }
    paths = (raw as string[]).map((p) => {
      const expanded = expandHome(p, opts.rt.home);
      return opts.baseDir !== undefined && !isAbsolute(expanded) ? resolve(opts.baseDir, expanded) : expanded;
    });
  }
  paths.push(defaultCertsDir(opts.rt));
  return paths;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Ratify `normalizeVerificationCertsStores` + `newCertStoreByType`: top-level keys that are all trust
 * store types are the new form; none of them is the legacy `{store: [kmp]}` form, moved under `ca`;
 * a mix is CONFIG_INVALID.
 */
export function parseCertStores(raw: unknown): CertStoresByType {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) {
    throw configError(`Failed to parse the Notation Verifier configuration: verificationCertStores must be an object, got ${show(raw)}`);
  }
  const keys = Object.keys(raw);
  const typed = keys.filter((k) => isTrustStoreType(k));
  let byType: Record<string, unknown> = raw;
  if (typed.length > 0 && typed.length < keys.length) {
    throw configError(
      `The verificationCertStores is misconfigured with both legacy and new formats: ${show(raw)}`,
      undefined,
      `Please provide only one format for the VerificationCertStores. Refer to the Notation Verifier configuration guide: ${CONFIG_GUIDE}`,
    );
  }
  if (typed.length === 0 && keys.length > 0) {
    // Legacy {storeName: [kmp...]}: every store is a `ca` store.
    byType = { ca: raw };
  }
  const out: CertStoresByType = {};
  // Ratify newCertStoreByType's error, which prints the configuration after legacy normalisation.
  const fail = () =>
    configError(
      `Failed to create the trust store from the verificationCertStores parameter in Notation Verifier configuration: ${show(raw)}`,
      new Error(`the verificationCertStores configuration is invalid: ${show(byType)}`),
    );
  for (const [type, stores] of Object.entries(byType)) {
    if (!isObject(stores)) throw fail();
    const named: Record<string, string[]> = {};
    for (const [storeName, providers] of Object.entries(stores)) {
      if (!Array.isArray(providers) || providers.some((p) => typeof p !== 'string')) throw fail();
      setOwn(named, storeName, providers as string[]);
    }
    out[type as TrustStoreType] = named;
  }
  return out;
}

/** Reads the trust store part of a notation verifier config entry. */
export function parseTrustStoreConfig(entry: Record<string, unknown>, opts: TrustStoreConfigOptions): RatifyTrustStoreConfig {
  return {
    certPaths: parseCertPaths(entry.verificationCerts, opts),
    certStores: parseCertStores(entry.verificationCertStores),
  };
}
