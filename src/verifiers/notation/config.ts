import { z } from 'zod';
import { addRawIssues } from '../../config/issues.js';
import { RatifyError } from '../../errors.js';
import { builtinVerifierSchema } from '../config.js';
import { trustPolicyDocumentIssues } from './trustpolicy/parse.js';
import { parseCertStores } from './truststore/config.js';

/**
 * The `notation` verifier entry: Ratify's NotationPluginVerifierConfig (reference §3.1) plus
 * `userMetadata` and `maxEnvelopeBytes` (ratify-ts). The trust policy and the cert stores keep
 * notation's and Ratify's own texts, from their hand-written readers.
 */
export const notationEntrySchema = builtinVerifierSchema({
  verificationCerts: z.array(z.string()).nullish(),
  verificationCertStores: z
    .unknown()
    .superRefine((v, ctx) => {
      try {
        parseCertStores(v);
      } catch (e) {
        if (!(e instanceof RatifyError)) throw e;
        ctx.addIssue({ code: 'custom', message: e.message.replace(/^CONFIG_INVALID: /, '') });
      }
    })
    .optional(),
  trustPolicyDoc: z.unknown().superRefine((v, ctx) => addRawIssues(ctx, trustPolicyDocumentIssues(v))),
  /** Signed annotations the signature must carry (notation's --user-metadata). */
  userMetadata: z.record(z.string(), z.string()).optional(),
  maxEnvelopeBytes: z.number().int().positive().optional(),
});

export type NotationEntry = z.infer<typeof notationEntrySchema>;

/** The Key Management Provider names an entry's verificationCertStores refer to (for the load-time warning). */
export function keyManagementProviders(entry: Record<string, unknown>): string[] {
  try {
    return [...new Set(Object.values(parseCertStores(entry.verificationCertStores)).flatMap((stores) => Object.values(stores ?? {}).flat()))];
  } catch {
    return [];
  }
}
