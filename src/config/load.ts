import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RatifyError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { configInvalid, formatIssues, type ConfigIssue } from './issues.js';
import type { RatifyConfig } from './schema.js';
import { validateConfig, type ConfigValidation } from './validate.js';

/** Where things live on this machine; computed once by the entry point from the environment. */
export interface RuntimeEnv {
  home: string;
  /** $RATIFY_CONFIG: directory holding config.json and plugins/. */
  ratifyConfigDir?: string;
  /** $DOCKER_CONFIG: directory holding docker's config.json. */
  dockerConfigDir?: string;
  /** Environment handed to credential helpers and plugins. */
  env: NodeJS.ProcessEnv;
}

export function runtimeEnvFrom(env: NodeJS.ProcessEnv, home: string): RuntimeEnv {
  const r: RuntimeEnv = { home, env };
  if (env.RATIFY_CONFIG) r.ratifyConfigDir = env.RATIFY_CONFIG;
  if (env.DOCKER_CONFIG) r.dockerConfigDir = env.DOCKER_CONFIG;
  return r;
}

/** The directory Ratify uses for config and plugins: $RATIFY_CONFIG, else ~/.ratify. */
export function ratifyDir(rt: RuntimeEnv): string {
  return rt.ratifyConfigDir ?? join(rt.home, '.ratify');
}

export function defaultDockerConfigPath(rt: RuntimeEnv): string {
  return join(rt.dockerConfigDir ?? join(rt.home, '.docker'), 'config.json');
}

/** Used when no config file exists anywhere: one registry store, as Ratify's image ships. */
export function defaultConfig(): RatifyConfig {
  return { store: { version: '1.0.0', plugins: [{ name: 'oras' }] } };
}

export interface LoadedConfig {
  config: RatifyConfig;
  /** The file it came from, or undefined for the built-in default. */
  path: string | undefined;
  /** SHA-256 of the file bytes (hot reload compares it). */
  raw: string;
  /** Ratify keys that ratify-ts does not implement (log them with warnConfig). */
  warnings?: ConfigIssue[];
}

/**
 * Ratify's lookup order: the -c path, else $RATIFY_CONFIG/config.json, else
 * ~/.ratify/config.json; with none present, the built-in default. An explicit -c path
 * that does not exist is an error (the user asked for it).
 */
export async function loadConfig(explicitPath: string | undefined, rt: RuntimeEnv): Promise<LoadedConfig> {
  const candidates = explicitPath ? [explicitPath] : [join(ratifyDir(rt), 'config.json')];
  for (const p of candidates) {
    let text: string;
    try {
      text = await readFile(p, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !explicitPath) continue;
      throw new RatifyError('CONFIG_INVALID', `cannot read config file ${p}`, {
        cause: e,
        remediation: 'Pass an existing config.json with -c, or set RATIFY_CONFIG to its directory',
      });
    }
    const { config, warnings } = readConfig(text, p);
    return { config, path: p, raw: text, warnings };
  }
  return { config: defaultConfig(), path: undefined, raw: '' };
}

/** Decodes and checks config.json text without throwing: every problem, JSON syntax included. */
export function validateConfigText(text: string): ConfigValidation {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { errors: [{ path: '(root)', code: 'invalid_json', message: `not valid JSON: ${(e as Error).message}` }], warnings: [] };
  }
  return validateConfig(json);
}

/** The config and its warnings; CONFIG_INVALID naming every problem. */
export function readConfig(text: string, source = 'config'): { config: RatifyConfig; warnings: ConfigIssue[] } {
  const v = validateConfigText(text);
  if (!v.config) {
    if (v.errors[0]?.code === 'invalid_json') {
      throw new RatifyError('CONFIG_INVALID', `${source} is not valid JSON`, { cause: new Error(v.errors[0].message), remediation: 'Fix the JSON syntax of the config file' });
    }
    throw configInvalid(source, v.errors);
  }
  return { config: v.config, warnings: v.warnings };
}

export function parseConfig(text: string, source = 'config'): RatifyConfig {
  return readConfig(text, source).config;
}

/** One warning line naming every Ratify key that ratify-ts does not implement (never dropped in silence). */
export function warnConfig(log: Logger, loaded: Pick<LoadedConfig, 'path' | 'warnings'>): void {
  const w = loaded.warnings ?? [];
  if (w.length === 0) return;
  log.warn({ config: loaded.path, unsupported: w.map((i) => i.path) }, `config uses ${w.length} Ratify feature(s) that ratify-ts does not implement: ${formatIssues(w)}`);
}
