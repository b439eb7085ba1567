/**
 * CRL status of one certificate (notation-core-go revocation/internal/crl CertCheckStatus):
 * every CRL distribution point URL is checked in order; the first failure makes the result
 * unknown, a revocation found in any CRL makes it revoked, otherwise ok.
 */
import type { Context } from '../../../context.js';
import { OID } from '../../timestamp/oids.js';
import type { ParsedCertificate } from '../../timestamp/certificate.js';
import { message, revocationError } from '../errors.js';
import { reasonName, type RevocationStatus, type ServerResult } from '../types.js';
import { CrlValidationError, type CrlFetcher } from './fetcher.js';
import { checkCrlRevocation, validateCrl } from './validate.js';

export interface CrlCheckOptions {
  fetcher: CrlFetcher;
  signingTime?: Date;
  now: () => Date;
}

export interface MethodResult {
  status: RevocationStatus;
  servers: ServerResult[];
}

export function crlSupported(cert: ParsedCertificate): boolean {
  return cert.crlDistributionPoints.length > 0;
}

export async function crlCheckStatus(
  ctx: Context,
  cert: ParsedCertificate,
  issuer: ParsedCertificate,
  opts: CrlCheckOptions,
): Promise<MethodResult> {
  const urls = cert.crlDistributionPoints;
  if (cert.extensions.some((e) => e.oid === OID.freshestCrl)) {
    return unknown(urls[0] ?? '', revocationError(`failed to check revocation status from ${urls[0] ?? ''}: delta CRL is not supported`));
  }
  const servers: ServerResult[] = [];
  for (const url of urls) {
    let crl;
    try {
      crl = await opts.fetcher.fetch(ctx, url, (c) => validateCrl(c, issuer, opts.now()));
    } catch (e) {
      const what = e instanceof CrlValidationError ? 'failed to validate CRL from' : 'failed to download CRL from';
      return unknown(url, revocationError(`${what} ${url}: ${message(e)}`, e));
    }
    let lookup;
    try {
      lookup = checkCrlRevocation(cert, crl, opts.signingTime);
    } catch (e) {
      return unknown(url, revocationError(`failed to check revocation status from ${url}: ${message(e)}`, e));
    }
    if (lookup.revoked) {
      const code = lookup.reasonCode ?? 0;
      const r: ServerResult = {
        method: 'crl',
        url,
        status: 'revoked',
        error: revocationError(
          `certificate is revoked via CRL (reason ${reasonName(code)}, revoked at ${lookup.revocationTime?.toISOString() ?? 'unknown time'})`,
        ),
        reasonCode: code,
        ...(lookup.revocationTime ? { revocationTime: lookup.revocationTime } : {}),
      };
      return { status: 'revoked', servers: [r] };
    }
    servers.push({ method: 'crl', url, status: 'ok' });
  }
  return { status: 'ok', servers };
}

function unknown(url: string, error: ReturnType<typeof revocationError>): MethodResult {
  return { status: 'unknown', servers: [{ method: 'crl', url, status: 'unknown', error }] };
}
