/**
 * notation's own trust store layout (`<root>/x509/<type>/<name>/<cert files>`, notation-go
 * `x509TrustStore`): used by notation-compat mode and by the notation-go test vectors.
 * Rules, in notation's order: valid type and name; the store is a real directory (no symlink); every
 * entry is a regular file; each file holds PEM/DER certificates; each certificate is CA or self-signed;
 * in `tsa` stores each is a root CA; at least one certificate overall.
 * Results are cached per store and reused until a file in it changes (checked with stat).
 */
import type { X509Certificate } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../../../context.js';
import { goQuote, formatSubject } from '../../../crypto/dn.js';
import { CertFileCache, defaultCertFileCache } from './certfile.js';
import { isCAOrSelfSigned, rootCAError } from './certinfo.js';
import { TrustStoreError } from './errors.js';
import { isTrustStoreType, isValidStoreName, type TrustStoreType, type X509TrustStore } from './types.js';

interface StoreCacheEntry {
  signature: string;
  certs?: X509Certificate[];
  error?: TrustStoreError;
}

export interface NotationTrustStoreOptions {
  cache?: CertFileCache;
}

export class NotationTrustStore implements X509TrustStore {
  private readonly files: CertFileCache;
  private readonly stores = new Map<string, StoreCacheEntry>();

  /**
   * @param root the trust store directory holding `x509/` (notation's `~/.config/notation/truststore`,
   *   or `verifier/testdata/truststore` in notation-go's tests).
   */
  constructor(
    readonly root: string,
    opts: NotationTrustStoreOptions = {},
  ) {
    this.files = opts.cache ?? defaultCertFileCache;
  }

  /** The directory of one named store. */
  storePath(type: TrustStoreType, namedStore: string): string {
    return join(this.root, 'x509', type, namedStore);
  }

  async getCertificates(type: TrustStoreType, namedStore: string, _ctx?: Context): Promise<X509Certificate[]> {
    if (!isTrustStoreType(type)) {
      throw new TrustStoreError('truststore', `unsupported trust store type: ${String(type)}`);
    }
    if (!isValidStoreName(namedStore)) {
      throw new TrustStoreError(
        'truststore',
        `trust store name needs to follow [a-zA-Z0-9_.-]+ format, ${namedStore} is invalid`,
      );
    }
    const path = this.storePath(type, namedStore);
    let info;
    try {
      info = await lstat(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new TrustStoreError(
          'truststore',
          `the trust store ${goQuote(namedStore)} of type ${goQuote(type)} does not exist`,
          e,
        );
      }
      throw new TrustStoreError('truststore', `failed to access the trust store ${goQuote(namedStore)} of type ${goQuote(type)}`, e);
    }
    if (!info.isDirectory() || info.isSymbolicLink()) {
      throw new TrustStoreError(
        'truststore',
        `the trust store ${namedStore} of type ${type} with path ${path} is not a regular directory (symlinks are not supported)`,
      );
    }
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (e) {
      throw new TrustStoreError('truststore', `failed to access the trust store ${goQuote(namedStore)} of type ${goQuote(type)}`, e);
    }
    // os.ReadDir order: sorted by name.
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    const signature = await this.signature(path, entries.map((e) => e.name));
    const key = `${type}\0${path}`;
    const cached = this.stores.get(key);
    if (cached && cached.signature === signature) {
      if (cached.error) throw cached.error;
      return cached.certs!;
    }
    const entry: StoreCacheEntry = { signature };
    try {
      entry.certs = await this.load(path, type, namedStore, entries);
    } catch (e) {
      if (!(e instanceof TrustStoreError)) throw e;
      entry.error = e;
    }
    this.stores.set(key, entry);
    if (entry.error) throw entry.error;
    return entry.certs!;
  }

  /** Names plus lstat facts of every entry: changes whenever a file is added, removed or rewritten. */
  private async signature(dir: string, names: string[]): Promise<string> {
    const stats = await Promise.all(
      names.map(async (n) => {
        try {
          const s = await lstat(join(dir, n));
          return `${n}:${s.mode}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
        } catch {
          return `${n}:gone`;
        }
      }),
    );
    return stats.join('\n');
  }

  private async load(
    path: string,
    type: TrustStoreType,
    namedStore: string,
    entries: Array<{ name: string; isDirectory(): boolean; isSymbolicLink(): boolean }>,
  ): Promise<X509Certificate[]> {
    const certificates: X509Certificate[] = [];
    for (const entry of entries) {
      const file = entry.name;
      if (entry.isDirectory() || entry.isSymbolicLink()) {
        throw new TrustStoreError(
          'certificate',
          `trusted certificate ${file} in trust store ${namedStore} of type ${type} is not a regular file (directories or symlinks are not supported)`,
        );
      }
      let certs: X509Certificate[];
      try {
        certs = await this.files.read(join(path, file));
      } catch (e) {
        throw new TrustStoreError(
          'certificate',
          `failed to read the trusted certificate ${file} in trust store ${namedStore} of type ${type}`,
          e,
        );
      }
      const invalid = validateCertificates(certs);
      if (invalid !== undefined) {
        throw new TrustStoreError(
          'certificate',
          `failed to validate the trusted certificate ${file} in trust store ${namedStore} of type ${type}`,
          new Error(invalid),
        );
      }
      // TSA certificates must be root CA certificates.
      if (type === 'tsa') {
        for (const cert of certs) {
          const why = rootCAError(cert);
          if (why !== undefined) {
            throw new TrustStoreError(
              'certificate',
              `trusted certificate ${file} in trust store ${namedStore} of type ${type} is invalid: ${why}`,
              new Error(why),
            );
          }
        }
      }
      certificates.push(...certs);
    }
    if (certificates.length < 1) {
      throw new TrustStoreError(
        'certificate',
        `no x509 certificates were found in trust store ${goQuote(namedStore)} of type ${goQuote(type)}`,
      );
    }
    return certificates;
  }
}

/**
 * notation-go `truststore.ValidateCertificates`: undefined when every certificate is a CA or
 * self-signed, else the reason (Go's text).
 */
export function validateCertificates(certs: readonly X509Certificate[]): string | undefined {
  if (certs.length < 1) return 'input certs cannot be empty';
  for (const cert of certs) {
    if (!isCAOrSelfSigned(cert)) {
      return `certificate with subject ${goQuote(formatSubject(cert))} is not a CA certificate or self-signed signing certificate`;
    }
  }
  return undefined;
}
