#!/usr/bin/env node
// Makes the README's commands work on a fresh clone with nothing run before: installs the locked
// dependencies when node_modules is missing or older than the lock file, and builds dist/ when any
// input of the build changed since the last build (by content, so a checkout or a touch that
// changes nothing costs nothing). A build always starts from an empty dist/, so the outputs of
// deleted sources never linger (the test runner runs every dist/**/*.test.js it finds).
// Plain Node, no dependencies: it must run before `npm ci`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const say = (msg) => {
  if (!quiet) process.stderr.write(`${msg}\n`);
};

function run(cmd, args) {
  // stdout goes to stderr: the demo's stdout is the verdict alone.
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', process.stderr, process.stderr] });
  if (r.status !== 0) {
    process.stderr.write(`ensure-built: ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status || 1);
  }
}

// 1. Dependencies: npm writes node_modules/.package-lock.json on every install.
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  say('ensure-built: installing the locked dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// 2. The build's inputs: tsconfig's include (src, test, bench), tsconfig itself and the lock file.
const inputs = [];
function walk(dir) {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile() && (e.name.endsWith('.ts') || e.name.endsWith('.json'))) inputs.push(p);
  }
}
for (const d of ['src', 'test', 'bench']) walk(join(root, d));
inputs.push(join(root, 'tsconfig.json'), lock);
inputs.sort();
const h = createHash('sha256');
for (const p of inputs) h.update(relative(root, p)).update('\0').update(readFileSync(p)).update('\0');
const fingerprint = h.digest('hex');

const stamp = join(root, 'dist', '.inputs.sha256');
if (existsSync(stamp) && readFileSync(stamp, 'utf8') === fingerprint) process.exit(0);
say('ensure-built: sources changed, building dist/ (tsc)');
rmSync(join(root, 'dist'), { recursive: true, force: true });
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.']);
writeFileSync(stamp, fingerprint);
