/**
 * Revocation checking for a certificate chain (leaf..root), as notation-core-go's
 * revocation.ValidateContext: every certificate but the root is checked in parallel; a
 * certificate with an OCSP responder is asked over OCSP, and when that answer is unknown (error,
 * timeout, or "unknown" status) and it has CRL distribution points, CRL decides; a certificate
 * with only CRL distribution points uses CRL; one with neither, and the root, are non-revokable.
 * The chain result is then folded with notation-go's revocationFinalResult rule.
 */
import { RatifyError } from '../../errors.js';
import type { Context } from '../../context.js';
import type { Logger } from '../../observability/logger.js';
import type { ParsedCertificate } from '../timestamp/certificate.js';
import { toChain, validateChainStructure, type ChainInput } from './chain.js';
import { FileCrlCache, MemoryCrlCache, TieredCrlCache, type CrlCache } from './crl/cache.js';
import { crlCheckStatus, crlSupported, type MethodResult } from './crl/check.js';
import { CrlFetcher, DEFAULT_CRL_TIMEOUT_MS, DEFAULT_MAX_CRL_BYTES } from './crl/fetcher.js';
import { UndiciRevocationHttpClient, type RevocationHttpClient } from './http.js';
import { DEFAULT_MAX_OCSP_BYTES, DEFAULT_OCSP_TIMEOUT_MS, ocspCheckStatus, ocspSupported } from './ocsp/check.js';
import {
  reasonName,
  type CertChainPurpose,
  type CertRevocationResult,
  type ChainRevocationResult,
  type RevocationSource,
} from './types.js';

export interface RevocationValidatorOptions {
  /** Only changes the wording of chainRevocationError (notation validates the chain per purpose). */
  purpose?: CertChainPurpose;
  http?: RevocationHttpClient;
  /** Per-responder OCSP budget (default 2 s), capped by the context deadline. */
  ocspTimeoutMs?: number;
  /** Per-download CRL budget (default 5 s), capped by the context deadline. */
  crlTimeoutMs?: number;
  maxCrlBytes?: number;
  maxOcspBytes?: number;
  /** Directory of a persistent CRL cache (notation-go's file layout). */
  crlCacheDir?: string;
  /** In-memory CRL cache (default on); false disables it. */
  memoryCache?: boolean | { maxEntries?: number; maxBytes?: number };
  /** A cache of your own instead of the memory/file ones. */
  crlCache?: CrlCache;
  /** Clock (tests). */
  now?: () => Date;
  clockSkewMs?: number;
  log?: Logger;
}

export interface ValidateRevocationOptions {
  /** Leaf first, root last: parsed certificates, DER, or one PEM bundle. */
  chain: ChainInput;
  /**
   * Authentic signing time (notation-core-go AuthenticSigningTime): a revocation whose invalidity
   * date is after it does not count.
   */
  signingTime?: Date;
}

export class RevocationValidator {
  readonly purpose: CertChainPurpose;
  private readonly http: RevocationHttpClient;
  private readonly ownsHttp: boolean;
  private readonly crl: CrlFetcher;
  private readonly now: () => Date;

  constructor(private readonly opts: RevocationValidatorOptions = {}) {
    this.purpose = opts.purpose ?? 'codeSigning';
    this.ownsHttp = opts.http === undefined;
    this.http = opts.http ?? new UndiciRevocationHttpClient();
    this.now = opts.now ?? (() => new Date());
    const tiers: CrlCache[] = [];
    if (opts.crlCache) tiers.push(opts.crlCache);
    else {
      if (opts.memoryCache !== false) tiers.push(new MemoryCrlCache(typeof opts.memoryCache === 'object' ? opts.memoryCache : {}));
      if (opts.crlCacheDir) tiers.push(new FileCrlCache(opts.crlCacheDir, opts.log));
    }
    this.crl = new CrlFetcher({
      http: this.http,
      ...(tiers.length > 0 ? { cache: tiers.length === 1 ? (tiers[0] as CrlCache) : new TieredCrlCache(tiers) } : {}),
      timeoutMs: opts.crlTimeoutMs ?? DEFAULT_CRL_TIMEOUT_MS,
      maxBytes: opts.maxCrlBytes ?? DEFAULT_MAX_CRL_BYTES,
      now: this.now,
    });
  }

  async close(): Promise<void> {
    if (this.ownsHttp) await (this.http as UndiciRevocationHttpClient).close();
  }

  /**
   * Checks every certificate of the chain. Throws RatifyError (CERT_INVALID, "invalid chain: ...")
   * only when the chain itself is broken; server failures become 'unknown' results.
   */
  async validate(ctx: Context, input: ValidateRevocationOptions): Promise<ChainRevocationResult> {
    const chain = toChain(input.chain);
    validateChainStructure(chain);
    const certs = await Promise.all(
      chain.map((cert, i) =>
        i === chain.length - 1 ? Promise.resolve(nonRevokable(cert)) : this.checkCert(ctx, cert, chain[i + 1] as ParsedCertificate, input.signingTime),
      ),
    );
    const folded = foldChain(certs);
    const log = ctx.log;
    for (let i = certs.length - 1; i >= 0; i--) {
      const r = certs[i] as CertRevocationResult;
      if (r.source === 'ocspFallbackCrl') {
        log.warn?.({ cert: i + 1, subject: r.subject }, 'OCSP check failed with unknown error and fallback to CRL check');
      }
      for (const s of r.servers) {
        if (s.error && s.status !== 'revoked') {
          log.debug?.({ cert: i + 1, subject: r.subject, method: s.method, url: s.url, err: s.error.detail }, 'revocation server error');
        }
      }
    }
    return folded;
  }

  private async checkCert(
    ctx: Context,
    cert: ParsedCertificate,
    issuer: ParsedCertificate,
    signingTime: Date | undefined,
  ): Promise<CertRevocationResult> {
    const crlOpts = { fetcher: this.crl, now: this.now, ...(signingTime ? { signingTime } : {}) };
    if (ocspSupported(cert)) {
      const ocsp = await ocspCheckStatus(ctx, cert, issuer, {
        http: this.http,
        timeoutMs: this.opts.ocspTimeoutMs ?? DEFAULT_OCSP_TIMEOUT_MS,
        maxBytes: this.opts.maxOcspBytes ?? DEFAULT_MAX_OCSP_BYTES,
        now: this.now,
        ...(signingTime ? { signingTime } : {}),
        ...(this.opts.clockSkewMs !== undefined ? { clockSkewMs: this.opts.clockSkewMs } : {}),
      });
      if (ocsp.status === 'unknown' && crlSupported(cert)) {
        const crl = await crlCheckStatus(ctx, cert, issuer, crlOpts);
        return certResult(cert, { status: crl.status, servers: [...ocsp.servers, ...crl.servers] }, 'ocspFallbackCrl');
      }
      return certResult(cert, ocsp, 'ocsp');
    }
    if (crlSupported(cert)) return certResult(cert, await crlCheckStatus(ctx, cert, issuer, crlOpts), 'crl');
    return nonRevokable(cert);
  }
}

function certResult(cert: ParsedCertificate, m: MethodResult, source: RevocationSource): CertRevocationResult {
  const deciding = m.servers[m.servers.length - 1];
  const revoked = m.status === 'revoked' ? deciding : undefined;
  return {
    subject: cert.subject,
    serialNumber: cert.serialNumber.toString(16),
    status: m.status,
    source,
    nonRevokable: false,
    ...(m.status === 'unknown' && deciding?.error ? { error: deciding.error } : {}),
    ...(revoked?.reasonCode !== undefined ? { reasonCode: revoked.reasonCode, reason: reasonName(revoked.reasonCode) } : {}),
    ...(revoked?.revocationTime ? { revocationTime: revoked.revocationTime } : {}),
    servers: m.servers,
  };
}

function nonRevokable(cert: ParsedCertificate): CertRevocationResult {
  return {
    subject: cert.subject,
    serialNumber: cert.serialNumber.toString(16),
    status: 'ok',
    source: 'none',
    nonRevokable: true,
    servers: [],
  };
}

/**
 * notation-go revocationFinalResult: ok when every certificate is ok (or non-revokable);
 * otherwise revoked if any is revoked (naming the revoked certificate closest to the leaf), else
 * unknown (naming the unknown certificate closest to the leaf).
 */
export function foldChain(certs: CertRevocationResult[]): ChainRevocationResult {
  let problem: number | undefined;
  let revoked: number | undefined;
  for (let i = certs.length - 1; i >= 0; i--) {
    const s = (certs[i] as CertRevocationResult).status;
    if (s === 'ok') continue;
    problem = i;
    if (s === 'revoked') revoked = i;
  }
  if (problem === undefined) return { status: 'ok', certs };
  const idx = revoked ?? problem;
  return {
    status: revoked !== undefined ? 'revoked' : 'unknown',
    certs,
    problemIndex: idx,
    problemSubject: (certs[idx] as CertRevocationResult).subject,
  };
}

/**
 * notation-go's verdict text for a non-ok chain ("signing certificate with subject "..." is
 * revoked" / "... revocation status is unknown"; "timestamping certificate ..." for TSA chains),
 * as a RatifyError (CERT_INVALID). Undefined when the chain is ok.
 */
export function chainRevocationError(result: ChainRevocationResult, purpose: CertChainPurpose = 'codeSigning'): RatifyError | undefined {
  if (result.status === 'ok') return undefined;
  const who = purpose === 'timestamping' ? 'timestamping certificate' : 'signing certificate';
  const detail =
    result.status === 'revoked'
      ? `${who} with subject "${result.problemSubject}" is revoked`
      : `${who} with subject "${result.problemSubject}" revocation status is unknown`;
  const cert = result.problemIndex !== undefined ? result.certs[result.problemIndex] : undefined;
  const why = cert?.status === 'unknown' ? cert.error : undefined;
  return new RatifyError(why?.code === 'DEADLINE_EXCEEDED' ? 'DEADLINE_EXCEEDED' : 'CERT_INVALID', detail, {
    component: 'revocation',
    ...(why ? { cause: new Error(why.detail) } : {}),
    remediation:
      result.status === 'revoked'
        ? 'The certificate was revoked by its issuer; the artifact must be re-signed with a valid certificate'
        : 'Check that the OCSP responders and CRL distribution points of the certificate chain are reachable',
  });
}
