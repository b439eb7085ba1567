import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export type LogFormat = 'text' | 'json' | 'logstash';

export interface LoggerOptions {
  level?: string;
  format?: LogFormat;
  destination?: DestinationStream | NodeJS.WritableStream;
}

/**
 * Logs go to stderr so that stdout stays machine-readable (JSON results, raw blobs).
 * "text" is a compact single-line form, not pino-pretty, to avoid a worker thread.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const dest = opts.destination ?? pino.destination({ fd: 2, sync: true });
  if (opts.format === 'json' || opts.format === 'logstash') {
    return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, dest);
  }
  return pino(
    {
      level,
      base: undefined,
      timestamp: false,
      formatters: { level: (label) => ({ level: label }) },
      // A readable line: "level=warn msg=... key=value".
      hooks: {},
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
