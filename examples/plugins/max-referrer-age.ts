#!/usr/bin/env node
/**
 * Example verifier plugin: "max referrer age". Fails referrers (signatures, SBOMs, scan
 * reports…) created longer ago than `maxAge`, reading the creation time from the referrer
 * manifest's `org.opencontainers.image.created` annotation (fetched back from the registry or
 * layout the host used, through the store in storeConfig).
 *
 * config.json entry:
 *   { "name": "fresh-scans", "type": "max-referrer-age", "artifactTypes": "application/sarif+json",
 *     "maxAge": "168h", "createdAnnotation": "org.opencontainers.image.created", "allowMissing": false }
 *
 * Runs as an exec plugin (`~/.ratify/plugins/max-referrer-age`, see README.md) or in-process
 * (`"module": "<path>/max-referrer-age.js"`).
 */
import { PluginError, PluginErrorCode, defineVerifierPlugin, isMain, type VerifyRequest } from 'ratify-ts/plugin';

const CREATED = 'org.opencontainers.image.created';
/** Clock skew tolerated for timestamps in the future. */
const SKEW_MS = 5 * 60 * 1000;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Go-style durations plus days: "90m", "24h", "1h30m", "7d". */
export function parseDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (!s || matched !== s.length) throw new Error(`invalid duration ${JSON.stringify(s)} (use e.g. 24h, 90m, 7d)`);
  return total;
}

function config(req: VerifyRequest): { maxAgeMs: number; maxAge: string; annotation: string; allowMissing: boolean } {
  const c = req.config;
  if (typeof c.maxAge !== 'string') {
    throw new PluginError(PluginErrorCode.InvalidConfig, 'invalid verifier config: "maxAge" is required', 'e.g. "maxAge": "168h"');
  }
  let maxAgeMs: number;
  try {
    maxAgeMs = parseDuration(c.maxAge);
  } catch (e) {
    throw new PluginError(PluginErrorCode.InvalidConfig, 'invalid verifier config: maxAge', (e as Error).message);
  }
  const annotation = typeof c.createdAnnotation === 'string' && c.createdAnnotation ? c.createdAnnotation : CREATED;
  return { maxAgeMs, maxAge: c.maxAge, annotation, allowMissing: c.allowMissing === true };
}

const plugin = defineVerifierPlugin({
  name: 'max-referrer-age',
  supportedVersions: ['1.0.0', '0.1.0'],
  async verify(req) {
    const cfg = config(req);
    // The manifest is digest-checked by the store; descriptor annotations from a listing are not.
    const manifest = await req.manifest();
    const created = manifest.annotations?.[cfg.annotation];
    req.log.debug(`referrer ${req.referenceDesc.digest} ${cfg.annotation}=${created ?? '(none)'}`);
    if (created === undefined) {
      return cfg.allowMissing
        ? { isSuccess: true, message: `no ${cfg.annotation} annotation; allowed by allowMissing` }
        : {
            isSuccess: false,
            message: 'referrer age unknown',
            errorReason: `the referrer manifest has no ${cfg.annotation} annotation`,
            remediation: `Attach the artifact with a creation time (e.g. oras attach --annotation ${cfg.annotation}=$(date -u +%FT%TZ)) or set "allowMissing": true`,
          };
    }
    const t = Date.parse(created);
    if (Number.isNaN(t)) {
      return { isSuccess: false, message: 'referrer age unknown', errorReason: `${cfg.annotation} is not an RFC 3339 time: ${JSON.stringify(created)}` };
    }
    const age = Date.now() - t;
    const extensions = { created, maxAge: cfg.maxAge, ageSeconds: Math.round(age / 1000) };
    if (age < -SKEW_MS) {
      return { isSuccess: false, message: 'referrer created in the future', errorReason: `${cfg.annotation} ${created} is in the future`, extensions };
    }
    if (age > cfg.maxAgeMs) {
      return {
        isSuccess: false,
        message: `referrer is older than ${cfg.maxAge}`,
        errorReason: `created ${created}, ${Math.round(age / 3_600_000)}h ago; the limit is ${cfg.maxAge}`,
        remediation: 'Regenerate the artifact (re-scan, re-sign) and attach the new one',
        extensions,
      };
    }
    return { isSuccess: true, message: `referrer is younger than ${cfg.maxAge}`, extensions };
  },
});

export default plugin;

if (isMain(import.meta.url)) await plugin.run();
