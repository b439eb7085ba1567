import type { Context } from '../context.js';
import type { Logger } from '../observability/logger.js';
import { createPluginLogger } from './log.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
type Level = (typeof LEVELS)[number];

function fmt(a: unknown, b: unknown): string {
  if (typeof a === 'string') return a;
  const msg = typeof b === 'string' ? b : a instanceof Error ? a.message : '';
  if (!a || typeof a !== 'object' || a instanceof Error) return msg;
  const extras = Object.entries(a as Record<string, unknown>)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return extras ? `${msg} ${extras}` : msg;
}

/**
 * A pino-compatible logger for library code running inside a plugin (stores, registry
 * client): each record becomes one `INFO: ` / `WARN: ` / `DEBUG: ` line on stderr, which the
 * host re-logs at that level. Not pino itself, which would add ~100 ms to every plugin start.
 */
export function pluginPinoLogger(stderr: (s: string) => void, level = 'info'): Logger {
  const out = createPluginLogger(stderr);
  const min = Math.max(0, LEVELS.indexOf((LEVELS as readonly string[]).includes(level) ? (level as Level) : 'info'));
  const at = (l: Level, write: (m: string) => void) => (a: unknown, b?: unknown) => {
    if (LEVELS.indexOf(l) >= min) write(fmt(a, b));
  };
  const log = {
    level,
    trace: at('trace', out.debug),
    debug: at('debug', out.debug),
    info: at('info', out.info),
    warn: at('warn', out.warn),
    error: at('error', out.warn),
    fatal: at('fatal', out.warn),
    silent: () => undefined,
    isLevelEnabled: (l: string) => LEVELS.indexOf(l as Level) >= min,
    child: () => log,
  };
  return log as unknown as Logger;
}

/** The context a plugin process runs with: no deadline of its own (the host kills it at the request deadline). */
export function pluginContext(stderr: (s: string) => void, level: string): Context {
  return { signal: new AbortController().signal, log: pluginPinoLogger(stderr, level) };
}
