import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export type LogFormat = 'text' | 'json' | 'logstash';

export interface LoggerOptions {
  level?: string;
  format?: LogFormat;
  destination?: DestinationStream | NodeJS.WritableStream;
  /**
   * Applied to every string (and Error, reduced to its message) of a log call at info level and
   * above (`ratify serve` hides machine paths and stack traces there); debug keeps full detail.
   */
  redact?: (text: string) => string;
}

const INFO = 30;

/** Strings redacted, Errors reduced to their redacted message, objects copied a few levels deep. */
function redactValue(v: unknown, redact: (s: string) => string, depth: number): unknown {
  if (typeof v === 'string') return redact(v);
  if (v instanceof Error) return redact(v.message);
  if (v === null || typeof v !== 'object' || depth > 4) return v;
  if (Array.isArray(v)) return v.map((x) => redactValue(x, redact, depth + 1));
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = redactValue(x, redact, depth + 1);
  return out;
}

function hooksFor(redact: ((s: string) => string) | undefined) {
  if (!redact) return {};
  return {
    logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void, level: number) {
      method.apply(this, level >= INFO ? args.map((a) => redactValue(a, redact, 0)) : args);
    },
  };
}

/**
 * Logs go to stderr so that stdout stays machine-readable (JSON results, raw blobs).
 * "text" is a compact single-line form, not pino-pretty, to avoid a worker thread.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const dest = opts.destination ?? pino.destination({ fd: 2, sync: true });
  if (opts.format === 'json' || opts.format === 'logstash') {
    return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, hooks: hooksFor(opts.redact) }, dest);
  }
  return pino(
    {
      level,
      base: undefined,
      timestamp: false,
      formatters: { level: (label) => ({ level: label }) },
      // A readable line: "level=warn msg=... key=value".
      hooks: hooksFor(opts.redact),
    },
    textStream(dest as NodeJS.WritableStream),
  );
}

function textStream(out: NodeJS.WritableStream): DestinationStream {
  return {
    write(line: string) {
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const { level, msg, ...rest } = obj;
      const time = new Date().toISOString();
      const extras = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v)}`)
        .join(' ');
      out.write(`time=${time} level=${String(level)} msg=${JSON.stringify(msg ?? '')}${extras ? ' ' + extras : ''}\n`);
    },
  };
}

/** A logger that discards everything (tests, library use without logging). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
