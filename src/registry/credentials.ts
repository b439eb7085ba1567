import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { RatifyError } from '../errors.js';
import { DEFAULT_DOMAIN } from '../reference/reference.js';

/** Credentials for one registry, as docker's config.json and credential helpers describe them. */
export interface Credential {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (docker "identitytoken"); used with the token endpoint's POST flow. */
  identityToken?: string;
  /** A bearer token to send as is (docker "registrytoken"). */
  registryToken?: string;
}

export interface CredentialProvider {
  /** Credentials for `registry` (the registry as written in the reference, e.g. "docker.io"), or undefined for anonymous. */
  get(registry: string): Promise<Credential | undefined>;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

const HELPER_TIMEOUT_MS = 10_000;
const HELPER_MAX_OUTPUT = 64 * 1024;
const DOCKER_HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

/**
 * Reads docker's config.json: `auths`, `credHelpers` (per registry) and `credsStore` (default helper),
 * the way docker/cli resolves them: a credHelpers entry wins, then credsStore, then auths.
 */
export class DockerConfigCredentials implements CredentialProvider {
  private loaded: Promise<DockerConfigFile | undefined> | undefined;

  constructor(
    private readonly configPath: string,
    /** Directories searched for docker-credential-* executables; default is the PATH of the process. */
    private readonly helperEnv: NodeJS.ProcessEnv = process.env,
  ) {}

  private load(): Promise<DockerConfigFile | undefined> {
    this.loaded ??= readFile(this.configPath, 'utf8').then(
      (text) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (e) {
          throw new RatifyError('CONFIG_INVALID', `docker config ${this.configPath} is not valid JSON`, { cause: e });
        }
        if (parsed === null || typeof parsed !== 'object') {
          throw new RatifyError('CONFIG_INVALID', `docker config ${this.configPath} must be a JSON object`);
        }
        return parsed as DockerConfigFile;
      },
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw new RatifyError('CONFIG_INVALID', `cannot read docker config ${this.configPath}`, { cause: e });
      },
    );
    return this.loaded;
  }

  async get(registry: string): Promise<Credential | undefined> {
    const cfg = await this.load();
    if (!cfg) return undefined;
    const keys = registry === DEFAULT_DOMAIN ? DOCKER_HUB_KEYS : [registry];
    const helper = keys.map((k) => cfg.credHelpers?.[k]).find((h) => typeof h === 'string' && h.length > 0);
    if (helper) return runCredentialHelper(helper, serverUrlFor(registry), this.helperEnv);
    if (cfg.credsStore) {
      const fromStore = await runCredentialHelper(cfg.credsStore, serverUrlFor(registry), this.helperEnv);
      if (fromStore) return fromStore;
    }
    return fromAuths(cfg, keys);
  }
}

function serverUrlFor(registry: string): string {
  return registry === DEFAULT_DOMAIN ? 'https://index.docker.io/v1/' : registry;
}

function normaliseAuthKey(k: string): string {
  // docker stores keys as "host", "https://host", or "https://host/v1/".
  return k.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

function fromAuths(cfg: DockerConfigFile, keys: string[]): Credential | undefined {
  const auths = cfg.auths ?? {};
  const wanted = new Set(keys.map(normaliseAuthKey));
  for (const [k, v] of Object.entries(auths)) {
    if (!v || typeof v !== 'object' || !wanted.has(normaliseAuthKey(k))) continue;
    const cred: Credential = {};
    if (typeof v.auth === 'string' && v.auth) {
      const decoded = Buffer.from(v.auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i < 0) throw new RatifyError('CONFIG_INVALID', `docker config auth for ${k} is not base64 of "user:password"`);
      cred.username = decoded.slice(0, i);
      cred.password = decoded.slice(i + 1);
    }
    if (typeof v.username === 'string' && v.username) cred.username = v.username;
    if (typeof v.password === 'string' && v.password) cred.password = v.password;
    if (typeof v.identitytoken === 'string' && v.identitytoken) cred.identityToken = v.identitytoken;
    if (typeof v.registrytoken === 'string' && v.registrytoken) cred.registryToken = v.registrytoken;
    if (Object.keys(cred).length) return cred;
  }
  return undefined;
}

/**
 * Runs `docker-credential-<helper> get` with the server URL on stdin (the docker credential
 * helper protocol). "credentials not found" means anonymous, any other failure is an error.
 */
export function runCredentialHelper(helper: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<Credential | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) {
    return Promise.reject(new RatifyError('CONFIG_INVALID', `invalid credential helper name ${JSON.stringify(helper)}`));
  }
  const bin = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      ['get'],
      { timeout: HELPER_TIMEOUT_MS, maxBuffer: HELPER_MAX_OUTPUT, env, windowsHide: true },
      (err, stdout, stderr) => {
        const out = String(stdout).trim();
        if (err) {
          if (/credentials not found/i.test(out) || /credentials not found/i.test(String(stderr))) return resolve(undefined);
          return reject(
            new RatifyError('NO_MATCHING_CREDENTIAL', `credential helper ${bin} failed for ${serverUrl}`, {
              cause: new Error(((err as Error).message + ' ' + String(stderr)).trim()),
              remediation: `Check that ${bin} is installed on PATH and can answer "get" for ${serverUrl}`,
            }),
          );
        }
        let parsed: { Username?: unknown; Secret?: unknown };
        try {
          parsed = JSON.parse(out) as typeof parsed;
        } catch (e) {
          return reject(new RatifyError('NO_MATCHING_CREDENTIAL', `credential helper ${bin} printed invalid JSON`, { cause: e }));
        }
        const username = typeof parsed.Username === 'string' ? parsed.Username : '';
        const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
        if (!secret) return resolve(undefined);
        // docker convention: the username "<token>" marks the secret as an identity (refresh) token.
        if (username === '<token>') return resolve({ identityToken: secret });
        resolve({ username, password: secret });
      },
    );
    child.stdin?.end(serverUrl);
  });
}

/** A fixed set of credentials by registry (tests, programmatic use). */
export class StaticCredentials implements CredentialProvider {
  constructor(private readonly byRegistry: Record<string, Credential>) {}
  get(registry: string): Promise<Credential | undefined> {
    return Promise.resolve(this.byRegistry[registry]);
  }
}
