import { z } from 'zod';
import { RatifyError } from '../errors.js';
import { parsePlatformMode } from '../executor/platform.js';

/** `executor` (Ratify's ExecutorConfig: timeouts in milliseconds) plus `platform` (ratify-ts). */
export const executorSection = z.strictObject({
  verificationRequestTimeout: z.number().int().positive().optional(),
  mutationRequestTimeout: z.number().int().positive().optional(),
  /** Multi-arch images: "index" (Ratify), "all", or os/arch[/variant]; `verify --platform` overrides it. */
  platform: z
    .string()
    .superRefine((s, ctx) => {
      try {
        parsePlatformMode(s);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: e instanceof RatifyError ? e.detail : String(e) });
      }
    })
    .optional(),
});

/**
 * `logger`: formatter and the request headers that carry a trace id. Ratify reads it once at
 * start; so does ratify-ts.
 */
export const loggerSection = z.strictObject({
  formatter: z.enum(['text', 'json', 'logstash']).optional(),
  requestHeaders: z.strictObject({ traceIDHeaderName: z.array(z.string().min(1)).optional() }).optional(),
});

/** `crl`: `cache.enabled: false` turns off notation's CRL file cache (ratify-ts keeps it on by default). */
export const crlSection = z.strictObject({
  cache: z.strictObject({ enabled: z.boolean().optional() }).optional(),
});

export type ExecutorSection = z.infer<typeof executorSection>;
export type LoggerSection = z.infer<typeof loggerSection>;
export type CrlSection = z.infer<typeof crlSection>;
