import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../harness/vectors.js';

// `import('ratify-ts')` resolves through package.json "exports" (a package may import itself by name),
// exactly as it does for a user who installed it; the face must verify the signed sample end to end.
test('the package entry resolves and verifies the signed sample', async () => {
  const api = (await import('ratify-ts' as string)) as typeof import('../../src/index.js');
  assert.equal(typeof api.VERSION, 'string');
  const root = projectRoot();
  const rt = api.runtimeEnvFrom({}, homedir());
  // The sample's config, with the sample layout as its only store (relative paths stay relative to examples/).
  const sample = JSON.parse(await readFile(join(root, 'examples', 'config.json'), 'utf8')) as Record<string, unknown>;
  const config = { ...sample, store: { version: '1.0.0', plugins: [{ name: 'oci-layout', path: './sample-layout' }] } };
  const loaded = { config: api.parseConfig(JSON.stringify(config)), path: join(root, 'examples', 'config.json'), raw: JSON.stringify(config) };
  const executor = await api.buildExecutor(loaded, { rt, log: api.silentLogger(), subjectBaseDir: join(root, 'examples') });
  try {
    const { result, error } = await executor.verify({ subject: './sample-layout:v1' }, api.backgroundContext());
    assert.equal(result.isSuccess, true, error?.message);
    // A layout without scopes answers only for itself.
    const other = await executor.verify({ subject: 'evil.example.com/malware:v1' }, api.backgroundContext());
    assert.equal(other.result.isSuccess, false);
    assert.match(JSON.stringify(other.result), /NO_MATCHING_STORE/);
  } finally {
    await executor.close();
  }
});

test('the plugin kit entry resolves', async () => {
  const kit = (await import('ratify-ts/plugin' as string)) as Record<string, unknown>;
  assert.ok(Object.keys(kit).length > 0);
});
