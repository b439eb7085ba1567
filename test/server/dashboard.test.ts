import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Metrics } from '../../src/observability/metrics.js';
import { projectRoot } from '../harness/vectors.js';

it('the Grafana dashboard only queries metrics the server exports', async () => {
  const dash = await readFile(join(projectRoot(), 'docs', 'grafana-dashboard.json'), 'utf8');
  const used = new Set([...dash.matchAll(/ratify_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')));
  const exported = new Set((await new Metrics({ defaultMetrics: false }).registry.getMetricsAsJSON()).map((m) => m.name));
  assert.ok(used.size >= 8);
  for (const name of used) assert.ok(exported.has(name), `${name} is exported`);
});
