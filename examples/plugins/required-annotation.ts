#!/usr/bin/env node
/**
 * Example verifier plugin: "required annotation". Passes a referrer only when its manifest
 * carries every configured annotation, with the configured value ("*" = any non-empty value,
 * an array = one of these values).
 *
 * config.json entry:
 *   { "name": "reviewed-sboms", "type": "required-annotation", "artifactTypes": "application/spdx+json",
 *     "annotations": { "org.example.reviewed-by": "*", "org.example.stage": ["prod", "staging"] } }
 *
 * Runs as an exec plugin (`~/.ratify/plugins/required-annotation`, see README.md) or in-process
 * (`"module": "<path>/required-annotation.js"`).
 */
import { PluginError, PluginErrorCode, defineVerifierPlugin, isMain } from 'ratify-ts/plugin';

type Rule = string | string[];

function rules(v: unknown): Map<string, Rule> {
  if (!v || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length === 0) {
    throw new PluginError(PluginErrorCode.InvalidConfig, 'invalid verifier config: "annotations" must be a non-empty object', 'e.g. "annotations": {"org.example.reviewed-by": "*"}');
  }
  const out = new Map<string, Rule>();
  for (const [k, r] of Object.entries(v as Record<string, unknown>)) {
    if (typeof r === 'string' || (Array.isArray(r) && r.every((x) => typeof x === 'string'))) out.set(k, r as Rule);
    else throw new PluginError(PluginErrorCode.InvalidConfig, `invalid verifier config: annotations.${k} must be a string or an array of strings`);
  }
  return out;
}

function satisfies(rule: Rule, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  if (rule === '*') return actual !== '';
  return Array.isArray(rule) ? rule.includes(actual) : rule === actual;
}

const plugin = defineVerifierPlugin({
  name: 'required-annotation',
  supportedVersions: ['1.0.0', '0.1.0'],
  async verify(req) {
    const want = rules(req.config.annotations);
    // Only the (digest-checked) manifest counts: a listing's descriptor annotations are the
    // registry's say-so.
    const have = (await req.manifest()).annotations ?? {};
    const missing: string[] = [];
    const mismatched: Array<{ key: string; expected: Rule; actual: string }> = [];
    for (const [key, rule] of want) {
      const actual = have[key];
      if (actual === undefined) missing.push(key);
      else if (!satisfies(rule, actual)) mismatched.push({ key, expected: rule, actual });
    }
    if (missing.length === 0 && mismatched.length === 0) {
      req.log.info(`${req.referenceDesc.digest}: all ${want.size} required annotations present`);
      return { isSuccess: true, message: `all ${want.size} required annotations present`, extensions: { checked: [...want.keys()] } };
    }
    const parts = [...(missing.length ? [`missing ${missing.join(', ')}`] : []), ...mismatched.map((m) => `${m.key}=${JSON.stringify(m.actual)} not allowed`)];
    return {
      isSuccess: false,
      message: 'required annotations not satisfied',
      errorReason: parts.join('; '),
      remediation: 'Re-attach the artifact with the required annotations (oras attach --annotation key=value)',
      extensions: { missing, mismatched },
    };
  },
});

export default plugin;

if (isMain(import.meta.url)) await plugin.run();
