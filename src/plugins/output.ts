import type { Logger } from '../observability/logger.js';
import { pluginErrorCodeName, type PluginErrorJSON } from '../plugin/protocol.js';
import { exitText, type PluginRun } from './exec.js';

/** Most plugin log lines re-logged per run; the rest are counted. */
const MAX_LOG_LINES = 200;
/** Longest log line re-logged. */
const MAX_LOG_LINE = 4096;
/** Most characters of a stream quoted in an error report. */
const QUOTE_LIMIT = 1024;

export interface ParsedPluginOutput {
  /** Every line containing `{` that decoded as JSON, stderr first, then stdout (Ratify's order). */
  values: unknown[];
  /** Lines containing `{` that did not decode. */
  invalidJsonLines: number;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

/** Ratify's level prefixes (case-insensitive), stripped from the message. */
function classify(line: string): { level: Level; text: string } {
  const m = /^(info|warn|warning|debug|error)\b:?\s?/i.exec(line);
  if (!m) return { level: 'info', text: line };
  const p = m[1]!.toLowerCase();
  const level: Level = p === 'warning' ? 'warn' : (p as Level);
  return { level, text: line.slice(m[0].length) };
}

function lines(b: Buffer): string[] {
  if (b.length === 0) return [];
  const s = b.toString('utf8');
  const out = s.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (out[out.length - 1] === '') out.pop();
  return out;
}

/**
 * Ratify's parsePluginOutput: stderr then stdout, line by line. A line containing `{` is
 * decoded as JSON (so a result must be on one line); any other line is a log message whose
 * `INFO:`/`WARN:`/`DEBUG:` prefix sets the level. Log lines go to `log` tagged `[Plugin]`.
 */
export function parsePluginOutput(stdout: Buffer, stderr: Buffer, log: Logger, plugin: string): ParsedPluginOutput {
  const values: unknown[] = [];
  let invalid = 0;
  let logged = 0;
  let suppressed = 0;
  const emit = (level: Level, text: string, stream: string) => {
    if (logged >= MAX_LOG_LINES) {
      suppressed++;
      return;
    }
    logged++;
    const t = text.length > MAX_LOG_LINE ? `${text.slice(0, MAX_LOG_LINE)}…` : text;
    log[level]({ plugin, stream }, `[Plugin] ${t}`);
  };
  for (const [stream, buf] of [['stderr', stderr], ['stdout', stdout]] as const) {
    for (const line of lines(buf)) {
      if (line.includes('{')) {
        try {
          values.push(JSON.parse(line));
          continue;
        } catch {
          invalid++;
          // Ratify logs the decode error and drops the line; a prefixed log line that happens to
          // contain a brace is still worth seeing at its level.
          const c = classify(line);
          emit(c.level === 'info' && !/^info/i.test(line) ? 'warn' : c.level, c.text, stream);
          continue;
        }
      }
      if (line.trim() === '') continue;
      const c = classify(line);
      emit(c.level, c.text, stream);
    }
  }
  if (suppressed) log.warn({ plugin }, `[Plugin] ${suppressed} more output lines not shown`);
  return { values, invalidJsonLines: invalid };
}

function isErrorJSON(v: unknown): v is PluginErrorJSON {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.code === 'number' && typeof o.msg === 'string' && !('isSuccess' in o);
}

/**
 * The `{"code","msg","details"}` a failing plugin printed: Ratify's skeleton pretty-prints it
 * (4-space indent) on stdout, so try the whole stream first, then single lines.
 */
export function findErrorJSON(stdout: Buffer, stderr: Buffer): PluginErrorJSON | undefined {
  for (const b of [stdout, stderr]) {
    const s = b.toString('utf8').trim();
    if (!s.includes('{')) continue;
    try {
      const v: unknown = JSON.parse(s);
      if (isErrorJSON(v)) return v;
    } catch {
      // not a single JSON document
    }
    for (const l of lines(b)) {
      if (!l.includes('{')) continue;
      try {
        const v: unknown = JSON.parse(l);
        if (isErrorJSON(v)) return v;
      } catch {
        // next line
      }
    }
  }
  return undefined;
}

export function describeErrorJSON(e: PluginErrorJSON): string {
  return `plugin reported ${pluginErrorCodeName(e.code)} (${e.code}): ${e.msg}${e.details ? `: ${e.details}` : ''}`;
}

/** Printable excerpt of a stream for an error report (control bytes replaced, length capped). */
export function quote(b: Buffer, limit = QUOTE_LIMIT): string {
  const s = b.subarray(0, limit * 4).toString('utf8').replace(/[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/g, '?');
  const trimmed = s.trim();
  if (trimmed.length <= limit && b.length <= limit * 4) return trimmed;
  return `${trimmed.slice(0, limit)}…(${b.length} bytes)`;
}

/** Ratify's text for a plugin that exited non-zero. */
export function ratifyExecFailureText(run: Pick<PluginRun, 'exitCode' | 'signal' | 'stdout' | 'stderr'>): string {
  return `plugin failed with error: '${exitText(run)}', msg from stError '${quote(run.stderr)}', msg from stdOut '${quote(run.stdout)}'`;
}
