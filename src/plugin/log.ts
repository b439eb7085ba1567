/**
 * The plugin side of Ratify's logging convention: one line per message on stderr, prefixed
 * `INFO: `, `WARN: ` or `DEBUG: `. The host logs them at that level, tagged `[Plugin]`.
 * Lines must not contain `{`: the host treats such lines as JSON results.
 */
export interface PluginLogger {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

export function createPluginLogger(write: (s: string) => void = (s) => process.stderr.write(s)): PluginLogger {
  const line = (prefix: string, msg: string) => {
    // One message per line; braces would make the host try to parse the line as the result.
    for (const l of String(msg).split(/\r?\n/)) write(`${prefix}: ${l.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')'))}\n`);
  };
  return {
    info: (m) => line('INFO', m),
    warn: (m) => line('WARN', m),
    debug: (m) => line('DEBUG', m),
  };
}
