import { dirname, resolve } from 'node:path';
import { ratifyDir, type RuntimeEnv } from '../config/load.js';

/**
 * Turns a text meant for the wire or for an info-level log into one that names no absolute
 * path of this machine and carries no stack trace. Debug-level logs keep the full text.
 */
export type Redactor = (text: string) => string;

export interface RedactRoot {
  /** An absolute directory of this machine. */
  dir: string;
  /** What it is shown as: `<config>`, `~`, ... */
  label: string;
}

/**
 * Top-level directories an absolute path of a Linux machine (or container) starts with. A path
 * outside the known roots is shown by its last segment only; paths starting elsewhere (`/v2/...`
 * in a registry URL, `/ratify/gatekeeper/v1/verify`) are left alone.
 */
const SYSTEM_TOPS = 'bin|boot|data|dev|etc|home|lib|lib32|lib64|media|mnt|nix|opt|private|proc|root|run|sbin|snap|srv|sys|tmp|Users|usr|var|work|workspace';
const SYSTEM_PATH = new RegExp(`(?<![\\w.\\-/~<>])(?:file://)?/(?:${SYSTEM_TOPS})(?![\\w.\\-])(?:/[^\\s"'\`,;:()\\[\\]{}<>]*)?`, 'g');
/** V8 stack frames ("    at fn (/x.js:1:2)"), with the line break before them. */
const STACK_FRAME = /(?:\r?\n)?(?: {2,}|\t+)at [^\n]*/g;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * One redactor for a set of roots: stack frames are dropped, a path under a root is shown
 * relative to its label (`<config>/certs/ca.pem`), any other absolute system path by its last
 * segment (`<path>/ca.pem`). The most specific root wins.
 */
export function makeRedactor(roots: RedactRoot[]): Redactor {
  const usable = new Map<string, string>();
  for (const r of roots) {
    const dir = r.dir.replace(/\/+$/, '');
    // "/" as home or cwd would swallow every path; relative dirs are no leak.
    if (dir.length > 1 && dir.startsWith('/') && !usable.has(dir)) usable.set(dir, r.label);
  }
  const ordered = [...usable].sort((a, b) => b[0].length - a[0].length);
  const rootRe = ordered.length ? new RegExp(`(?<![\\w.\\-/~<>])(?:file://)?(${ordered.map(([d]) => escape(d)).join('|')})(?![\\w.\\-])`, 'g') : undefined;
  return (text: string): string => {
    let s = text.replace(STACK_FRAME, '');
    if (rootRe) s = s.replace(rootRe, (_m, dir: string) => usable.get(dir)!);
    return s.replace(SYSTEM_PATH, (p) => {
      const last = p.replace(/\/+$/, '').split('/').pop();
      return last && !/^(?:file:)?$/.test(last) && !SYSTEM_TOPS.split('|').includes(last) ? `<path>/${last}` : '<path>';
    });
  };
}

export interface ServerPaths {
  configPath?: string | undefined;
  rt: RuntimeEnv;
  certDir?: string | undefined;
  caFile?: string | undefined;
  cwd: string;
  tmpDir: string;
}

/** The roots `ratify serve` knows: config directory, $RATIFY_CONFIG, certificates, home, working directory, temp. */
export function serverRedactor(p: ServerPaths): Redactor {
  const roots: RedactRoot[] = [];
  const configDir = p.configPath ? dirname(resolve(p.cwd, p.configPath)) : resolve(p.cwd, ratifyDir(p.rt));
  roots.push({ dir: configDir, label: '<config>' });
  if (p.rt.ratifyConfigDir) roots.push({ dir: resolve(p.cwd, p.rt.ratifyConfigDir), label: '$RATIFY_CONFIG' });
  if (p.certDir) roots.push({ dir: resolve(p.cwd, p.certDir), label: '<cert-dir>' });
  if (p.caFile) roots.push({ dir: dirname(resolve(p.cwd, p.caFile)), label: '<client-ca-dir>' });
  roots.push({ dir: p.rt.home, label: '~' }, { dir: p.cwd, label: '.' }, { dir: p.tmpDir, label: '<tmp>' });
  return makeRedactor(roots);
}

/** Report fields that carry error texts (Ratify's message, errorReason, remediation). */
const TEXT_FIELDS = new Set(['message', 'errorReason', 'remediation']);

/** A JSON.stringify replacer that redacts the text fields of verifier reports, at any depth. */
export function reportReplacer(redact: Redactor): (key: string, value: unknown) => unknown {
  return (key, value) => (typeof value === 'string' && TEXT_FIELDS.has(key) ? redact(value) : value);
}
