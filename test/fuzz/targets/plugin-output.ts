import { pino } from 'pino';
import { describeErrorJSON, findErrorJSON, parsePluginOutput, quote, ratifyExecFailureText } from '../../../src/plugins/output.js';
import { check, type FuzzTarget } from '../target.js';
import { text } from '../seeds.js';

/** Log records the parser emitted for the current input (pino writes each as one line). */
let records: string[] = [];
const log = pino({ level: 'debug' }, { write: (s: string) => void records.push(s) });

/** First byte: how much of the rest is stderr (in 1/255ths); the remainder is stdout. */
function streams(data: Buffer): { stdout: Buffer; stderr: Buffer } {
  if (data.length === 0) return { stdout: data, stderr: data };
  const body = data.subarray(1);
  const cut = Math.floor((body.length * data[0]!) / 255);
  return { stderr: body.subarray(0, cut), stdout: body.subarray(cut) };
}

/**
 * Output of a Ratify exec plugin (stdout + stderr): the result/log line split, the error JSON
 * lookup and the failure texts. None of these may throw: every byte sequence is some answer.
 * Re-logged output is bounded (line count and length) whatever the plugin prints.
 */
export const target: FuzzTarget = {
  name: 'plugin-output',
  description: 'exec-plugin stdout/stderr (`parsePluginOutput`, `findErrorJSON`, failure texts); must never throw, re-logging is bounded',
  maxLen: 16 * 1024,
  fuzz(data) {
    const { stdout, stderr } = streams(data);
    records = [];
    const parsed = parsePluginOutput(stdout, stderr, log, 'fuzz');
    const braceLines = `${stderr.toString('utf8')}\n${stdout.toString('utf8')}`.split('\n').filter((l) => l.includes('{')).length;
    check(parsed.values.length + parsed.invalidJsonLines <= braceLines, 'more JSON values than lines with a brace');
    check(records.length <= 201, `${records.length} log records for one run`);
    for (const r of records) check(r.length < 4096 * 6 + 1024, `log record of ${r.length} characters`);
    const ej = findErrorJSON(stdout, stderr);
    if (ej) {
      check(typeof ej.code === 'number' && typeof ej.msg === 'string', 'error JSON without code/msg');
      describeErrorJSON(ej);
    }
    const q = quote(stdout);
    check(q.length <= 1024 + 32, `quote of ${q.length} characters`);
    ratifyExecFailureText({ exitCode: data.length % 3, signal: data.length % 5 === 0 ? 'SIGKILL' : null, stdout, stderr });
  },
  seeds: () =>
    text(
      '\x00{"isSuccess":true,"message":"ok","name":"sample","extensions":{"a":1}}\n',
      '\x80INFO: starting\nWARN: careful {\n\x00{"isSuccess":false,"message":"no"}',
      '\x00{\n    "code": 2,\n    "msg": "plugin not supported",\n    "details": "x"\n}\n',
      '\x40DEBUG: a\r\nerror: b\nwarning: c\n{"referrers":[{"mediaType":"a","digest":"sha256:' + 'a'.repeat(64) + '","size":1}],"nextToken":""}',
      '\xff' + '{"code":1,"msg":"m"}\n'.repeat(3),
    ),
};
