import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { inspect, parseArgs } from 'node:util';
import { projectRoot } from '../harness/vectors.js';
import { bundleTarget } from './engine/bundle.js';
import { ensureJazzer } from './engine/jazzer.js';
import type { EngineStats } from './engine/adapter.js';
import { loadTarget, targetNames } from './targets.js';
import { runOne } from './replay.js';

/**
 * `npm run fuzz -- <target>|all|list [--runs N] [--seed S]`: runs Jazzer.js (libFuzzer) on a
 * target in a child process with a per-input time limit and an RSS bound, seeded from the
 * vectors, the fixtures and the target's regression corpus. Exit 0 only when every run ended
 * with no finding.
 */

const USAGE = `usage: npm run fuzz -- <target>|all|list|report [--runs N] [--seed S] [--max-len N] [--rss-mb N] [--timeout-ms N] [--verbose]\n       npm run fuzz -- <target> --replay <file>   (one input in-process, with the full stack of a finding)`;

interface Options {
  runs: number;
  seed: number;
  maxLen: number | undefined;
  rssMb: number;
  timeoutMs: number;
  verbose: boolean;
}

export interface RunSummary {
  target: string;
  runs: number;
  seconds: number;
  runsPerSecond: number;
  findings: string[];
  maxInputMs: number;
  peakRssMb: number;
  exitCode: number | null;
  seed: number;
}

function intOption(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${v}`);
  return n;
}

async function writeSeeds(dir: string, seeds: Buffer[]): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const s of seeds) writeFileSync(join(dir, createHash('sha1').update(s).digest('hex')), s);
}

export async function fuzzTarget(name: string, o: Options): Promise<RunSummary> {
  const root = projectRoot();
  const target = await loadTarget(name);
  const engine = ensureJazzer((l) => process.stderr.write(`${l}\n`));
  const work = join(root, '.tmp', 'fuzz', name);
  const corpus = join(work, 'corpus');
  const seeds = join(work, 'seeds');
  const findings = join(work, 'findings');
  const regressions = join(root, 'test', 'fuzz', 'corpus', name);
  const bundle = join(work, 'target.cjs');
  const statsFile = join(work, 'stats.json');
  for (const d of [corpus, findings]) mkdirSync(d, { recursive: true });
  rmSync(statsFile, { force: true });
  await writeSeeds(seeds, await target.seeds());
  await bundleTarget(root, name, bundle);
  const before = new Set(readdirSync(findings));

  const corpusDirs = [corpus, seeds, ...(existsSync(regressions) ? [regressions] : [])];
  const args = [
    `--max-old-space-size=${o.rssMb}`,
    engine.cli,
    bundle,
    ...corpusDirs,
    '--fuzz_function=fuzz',
    `--timeout=${o.timeoutMs}`,
    ...(target.async ? [] : ['--sync']),
    '--',
    `-runs=${o.runs}`,
    `-seed=${o.seed}`,
    `-max_len=${o.maxLen ?? target.maxLen}`,
    `-timeout=${Math.max(1, Math.ceil(o.timeoutMs / 1000))}`,
    `-rss_limit_mb=${o.rssMb}`,
    `-artifact_prefix=${findings}/`,
    '-print_final_stats=1',
  ];
  process.stderr.write(`fuzz ${name}: ${o.runs} runs, seed ${o.seed}, corpus ${corpusDirs.join(' ')}\n`);
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: work,
    env: { ...process.env, RATIFY_FUZZ_STATS: statsFile, RATIFY_FUZZ_SLOW_MS: String(o.timeoutMs) },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  // The engine must not outlive the driver (Ctrl-C, a CI timeout).
  const stop = () => child.kill('SIGKILL');
  process.once('SIGINT', stop).once('SIGTERM', stop);
  let executed = 0;
  let perSecond = 0;
  let peakRss = 0;
  const lines = createInterface({ input: child.stderr });
  lines.on('line', (line) => {
    const units = /^stat::number_of_executed_units:\s*(\d+)/.exec(line);
    if (units) executed = Number(units[1]);
    const eps = /^stat::average_exec_per_sec:\s*(\d+)/.exec(line);
    if (eps) perSecond = Number(eps[1]);
    const rss = /^stat::peak_rss_mb:\s*(\d+)/.exec(line);
    if (rss) peakRss = Number(rss[1]);
    if (o.verbose || !/^#\d+\s+(NEW|REDUCE)\s/.test(line)) process.stderr.write(`${line}\n`);
  });
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  process.off('SIGINT', stop).off('SIGTERM', stop);
  const seconds = (Date.now() - started) / 1000;
  const stats: Partial<EngineStats> = existsSync(statsFile) ? (JSON.parse(readFileSync(statsFile, 'utf8')) as EngineStats) : {};
  const runs = executed || stats.runs || 0;
  const summary: RunSummary = {
    target: name,
    runs,
    seconds,
    runsPerSecond: perSecond || Math.round(runs / Math.max(seconds, 0.001)),
    findings: readdirSync(findings).filter((f) => !before.has(f)).map((f) => join(findings, f)),
    maxInputMs: Math.round((stats.maxMs ?? 0) * 10) / 10,
    peakRssMb: Math.max(peakRss, stats.peakRssMb ?? 0),
    exitCode,
    seed: o.seed,
  };
  writeFileSync(join(work, 'summary.json'), JSON.stringify(summary, null, 2));
  appendFileSync(join(work, 'history.jsonl'), `${JSON.stringify(summary)}\n`);
  return summary;
}

function report(s: RunSummary): string {
  const verdict = s.findings.length === 0 && s.exitCode === 0 ? 'ok' : 'FINDING';
  const lines = [
    `${verdict} ${s.target}: ${s.runs} runs in ${s.seconds.toFixed(0)} s (${s.runsPerSecond}/s), ${s.findings.length} findings, ` +
      `slowest input ${s.maxInputMs} ms, peak RSS ${s.peakRssMb} MB, seed ${s.seed}, exit ${s.exitCode}`,
  ];
  for (const f of s.findings) lines.push(`  finding: ${f}\n    keep it as a regression input: cp ${f} test/fuzz/corpus/${s.target}/`);
  return lines.join('\n');
}

/** The README's table, from the longest recorded run of each target (.tmp/fuzz/<target>/history.jsonl). */
async function markdownReport(): Promise<string> {
  const rows = ['| Target | What is fuzzed | Inputs run | Runs/s | Findings | Slowest input | Peak RSS |', '|---|---|---:|---:|---:|---:|---:|'];
  for (const n of targetNames()) {
    const f = join(projectRoot(), '.tmp', 'fuzz', n, 'history.jsonl');
    const last = join(projectRoot(), '.tmp', 'fuzz', n, 'summary.json');
    const runs = existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunSummary) : [];
    if (existsSync(last)) runs.push(JSON.parse(readFileSync(last, 'utf8')) as RunSummary);
    // The longest run stands for the target (a short smoke run must not replace it).
    const s = runs.sort((a, b) => b.runs - a.runs)[0];
    const t = await loadTarget(n);
    rows.push(
      s
        ? `| \`${n}\` | ${t.description} | ${s.runs.toLocaleString('en-US')} | ${s.runsPerSecond.toLocaleString('en-US')} | ${s.findings.length} | ${s.maxInputMs} ms | ${s.peakRssMb} MB |`
        : `| \`${n}\` | ${t.description} | not run | | | | |`,
    );
  }
  return `${rows.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      runs: { type: 'string' },
      seed: { type: 'string' },
      'max-len': { type: 'string' },
      'rss-mb': { type: 'string' },
      'timeout-ms': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      replay: { type: 'string' },
    },
  });
  const [what] = positionals;
  if (what === undefined || positionals.length > 1) {
    process.stderr.write(`${USAGE}\ntargets: ${targetNames().join(' ')}\n`);
    return 2;
  }
  if (what === 'report') {
    process.stdout.write(await markdownReport());
    return 0;
  }
  if (what === 'list') {
    for (const n of targetNames()) process.stdout.write(`${n}\t${(await loadTarget(n)).description}\n`);
    return 0;
  }
  if (values.replay !== undefined) {
    try {
      await runOne(await loadTarget(what), readFileSync(values.replay));
    } catch (e) {
      process.stderr.write(`FINDING ${what}: ${values.replay}\n${inspect(e, { depth: 8 })}\n`);
      return 1;
    }
    process.stdout.write(`${what}: ${values.replay} is a clean accept or reject\n`);
    return 0;
  }
  const o: Options = {
    runs: intOption(values.runs, 'runs', 100_000),
    seed: intOption(values.seed, 'seed', 1),
    maxLen: values['max-len'] === undefined ? undefined : intOption(values['max-len'], 'max-len', 0),
    rssMb: intOption(values['rss-mb'], 'rss-mb', 2048),
    timeoutMs: intOption(values['timeout-ms'], 'timeout-ms', 1000),
    verbose: values.verbose ?? false,
  };
  const names = what === 'all' ? targetNames() : [what];
  const summaries: RunSummary[] = [];
  for (const n of names) {
    const s = await fuzzTarget(n, o);
    summaries.push(s);
    process.stderr.write(`${report(s)}\n`);
  }
  if (summaries.length > 1) for (const s of summaries) process.stdout.write(`${report(s)}\n`);
  return summaries.every((s) => s.findings.length === 0 && s.exitCode === 0) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n${USAGE}\n`);
    process.exit(2);
  },
);
