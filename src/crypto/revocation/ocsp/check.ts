/**
 * OCSP status of one certificate (notation-core-go revocation/internal/ocsp CertCheckStatus):
 * responders from the AIA extension are asked in order; the first valid answer (good, revoked or
 * unknown status) decides alone, otherwise the result is unknown with every server's error.
 */
import type { Context } from '../../../context.js';
import type { ParsedCertificate } from '../../timestamp/certificate.js';
import { message, revocationError } from '../errors.js';
import { RevocationHttpError, type RevocationHttpClient } from '../http.js';
import { reasonName, type ServerResult } from '../types.js';
import type { MethodResult } from '../crl/check.js';
import { certIdFor, encodeOcspRequest } from './request.js';
import { invalidityDate, parseOcspResponse, verifyOcspResponse } from './response.js';

export interface OcspCheckOptions {
  http: RevocationHttpClient;
  /** Per-responder budget, capped by the context deadline. notation: 2 s. */
  timeoutMs?: number;
  maxBytes?: number;
  signingTime?: Date;
  now: () => Date;
  clockSkewMs?: number;
}

export const DEFAULT_OCSP_TIMEOUT_MS = 2_000;
/** notation-core-go's ocspMaxResponseSize is 20 KiB; a little more room for delegated-responder chains. */
export const DEFAULT_MAX_OCSP_BYTES = 64 * 1024;

export function ocspSupported(cert: ParsedCertificate): boolean {
  return cert.ocspServers.length > 0;
}

export async function ocspCheckStatus(
  ctx: Context,
  cert: ParsedCertificate,
  issuer: ParsedCertificate,
  opts: OcspCheckOptions,
): Promise<MethodResult> {
  const servers: ServerResult[] = [];
  for (const url of cert.ocspServers) {
    const r = await checkServer(ctx, cert, issuer, url, opts);
    if (r.status === 'ok' || r.status === 'revoked' || r.definitive) {
      return { status: r.status, servers: [r.result] };
    }
    servers.push(r.result);
  }
  return { status: servers[servers.length - 1]?.status ?? 'unknown', servers };
}

interface ServerOutcome {
  status: ServerResult['status'];
  /** An "unknown" answered by the responder itself (as opposed to an error reaching it). */
  definitive: boolean;
  result: ServerResult;
}

async function checkServer(
  ctx: Context,
  cert: ParsedCertificate,
  issuer: ParsedCertificate,
  url: string,
  opts: OcspCheckOptions,
): Promise<ServerOutcome> {
  const failed = (detail: string, cause?: unknown): ServerOutcome => ({
    status: 'unknown',
    definitive: false,
    result: { method: 'ocsp', url, status: 'unknown', error: revocationError(detail, cause) },
  });

  let scheme: string;
  try {
    scheme = new URL(url).protocol.replace(/:$/, '');
  } catch {
    return failed(`error checking revocation status via OCSP: invalid OCSP server URL ${JSON.stringify(url)}`);
  }
  if (scheme.toLowerCase() !== 'http') {
    return failed(`error checking revocation status via OCSP: OCSPServer protocol ${scheme} is not supported`);
  }

  const timeoutMs = opts.timeoutMs ?? DEFAULT_OCSP_TIMEOUT_MS;
  const reqDer = encodeOcspRequest(certIdFor(cert, issuer));
  const b64 = Buffer.from(reqDer).toString('base64');
  const encoded = encodeURIComponent(b64);
  let body: Buffer;
  try {
    const res =
      b64.length < 255 && encoded.length < 255
        ? await opts.http.send(ctx, {
            method: 'GET',
            url: `${url.replace(/\/+$/, '')}/${encoded}`,
            timeoutMs,
            maxBytes: opts.maxBytes ?? DEFAULT_MAX_OCSP_BYTES,
          })
        : await opts.http.send(ctx, {
            method: 'POST',
            url,
            headers: { 'content-type': 'application/ocsp-request' },
            body: reqDer,
            timeoutMs,
            maxBytes: opts.maxBytes ?? DEFAULT_MAX_OCSP_BYTES,
          });
    if (res.statusCode < 200 || res.statusCode >= 300) {
      return failed(`failed to retrieve OCSP: response had status code ${res.statusCode}`);
    }
    body = res.body;
  } catch (e) {
    if (e instanceof RevocationHttpError && e.kind === 'timeout') {
      return failed(`exceeded timeout threshold of ${((e.timeoutMs ?? timeoutMs) / 1000).toFixed(2)} seconds for OCSP check`, e);
    }
    return failed(`error checking revocation status via OCSP: ${message(e)}`, e);
  }

  let single;
  try {
    single = verifyOcspResponse(parseOcspResponse(body), cert, issuer, {
      now: opts.now(),
      ...(opts.clockSkewMs !== undefined ? { clockSkewMs: opts.clockSkewMs } : {}),
    });
  } catch (e) {
    return failed(`error checking revocation status via OCSP: ${message(e)}`, e);
  }

  switch (single.status) {
    case 'good':
      return { status: 'ok', definitive: true, result: { method: 'ocsp', url, status: 'ok' } };
    case 'revoked': {
      const inv = invalidityDate(single);
      if (opts.signingTime && inv && opts.signingTime.getTime() < inv.getTime()) {
        // Signed before the key became invalid: not revoked at signing time.
        return { status: 'ok', definitive: true, result: { method: 'ocsp', url, status: 'ok' } };
      }
      const code = single.revocationReason ?? 0;
      return {
        status: 'revoked',
        definitive: true,
        result: {
          method: 'ocsp',
          url,
          status: 'revoked',
          error: revocationError(
            `certificate is revoked via OCSP (reason ${reasonName(code)}, revoked at ${single.revocationTime?.toISOString() ?? 'unknown time'})`,
          ),
          reasonCode: code,
          ...(single.revocationTime ? { revocationTime: single.revocationTime } : {}),
        },
      };
    }
    default:
      return {
        status: 'unknown',
        definitive: true,
        result: { method: 'ocsp', url, status: 'unknown', error: revocationError('certificate has unknown status via OCSP') },
      };
  }
}
