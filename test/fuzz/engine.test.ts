import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../harness/vectors.js';
import type { RunSummary } from './run.js';

/**
 * The coverage-guided engine works from a clean clone: the Jazzer.js addon is built (or taken
 * from the cache) and `npm run fuzz` runs a target for a fixed number of inputs with a fixed
 * seed, ending without a finding. Missing compiler or libFuzzer fails with the install command.
 */
test('npm run fuzz runs a target under Jazzer.js (libFuzzer)', { timeout: 300_000 }, async () => {
  const root = projectRoot();
  const { stderr } = await promisify(execFile)(process.execPath, [join(root, 'dist', 'test', 'fuzz', 'run.js'), 'gatekeeper-request', '--runs', '3000', '--seed', '7'], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((e: { stderr?: string; message: string }) => assert.fail(`fuzz run failed: ${e.stderr ?? e.message}`));
  assert.match(stderr, /INFO: Seed: 7/);
  const summaryFile = join(root, '.tmp', 'fuzz', 'gatekeeper-request', 'summary.json');
  assert.ok(existsSync(summaryFile));
  const s = JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary;
  assert.equal(s.runs, 3000);
  assert.equal(s.exitCode, 0);
  assert.deepEqual(s.findings, []);
  assert.ok(s.peakRssMb > 0);
});
