import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../harness/cli.js';
import { projectRoot } from '../harness/vectors.js';

// The README shows what `npm run demo` prints; this keeps that text the real output, byte for byte.
test('the README shows the real output of npm run demo', async () => {
  const root = projectRoot();
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  // The demo script is "<ensure built> && node dist/src/cli/bin.js <args>": run the same arguments.
  const m = /node dist\/src\/cli\/bin\.js (.+)$/.exec(pkg.scripts.demo ?? '');
  assert.ok(m, `unexpected demo script: ${pkg.scripts.demo}`);
  const args = m[1]!.split(' ');
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const block = /npm run demo\n```\n```\n([\s\S]*?)```\n/.exec(readme);
  assert.ok(block, 'README has a block with the demo output right after `npm run demo`');
  const r = await runCli(args, {}, { cwd: root });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, block[1]);
});
