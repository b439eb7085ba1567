import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backgroundContext } from '../src/context.js';
import { buildExecutor } from '../src/executor/build.js';
import { parseConfig } from '../src/config/load.js';
import { silentLogger } from '../src/observability/logger.js';
import { createOciLayoutStore } from '../src/stores/ocilayout/store.js';
import { OciLayoutWriter } from '../src/stores/ocilayout/writer.js';
import type { Descriptor } from '../src/oci/descriptor.js';
import type { Reference } from '../src/reference/reference.js';
import type { Verifier, VerifyInput } from '../src/verifiers/types.js';
import { builtinVerifiers } from '../src/verifiers/builtin.js';
import requiredAnnotation from '../examples/plugins/required-annotation.js';
import { nodePluginWrapper, shPlugin } from '../test/plugins/helpers.js';
import { projectRoot } from '../test/harness/vectors.js';
import { fmt, measure, median, percentile, row } from './stats.js';

const SPDX = 'application/spdx+json';
const REFERRERS = 8;

/**
 * Exec-plugin overhead: the "required annotation" example verifier (which reads the referrer
 * manifest back through the store) run as a Ratify exec plugin — one Node process per
 * referrer, the store reopened from storeConfig — against the very same code loaded in-process
 * with `"module"`. Baselines in the same run: a POSIX sh plugin doing nothing (the bare
 * spawn + protocol cost) and the Python example plugin (no store access).
 */
export async function benchPlugins(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ratify-bench-plugins-'));
  try {
    const layout = join(dir, 'layout');
    const w = new OciLayoutWriter(layout);
    const img = w.image('v1');
    const refs: Descriptor[] = [];
    for (let i = 0; i < REFERRERS; i++) {
      refs.push({ ...w.attach(img, SPDX, [{ mediaType: SPDX, data: `{"n":${i}}` }], { 'org.example.reviewed-by': `reviewer-${i}` }), artifactType: SPDX });
    }
    await w.write();
    const store = await createOciLayoutStore({ name: 'oci-layout', path: layout });
    const subject: Reference = { registry: '', repository: layout, path: layout, tag: 'v1', digest: img.digest, original: `${layout}:v1` };

    const bin = join(dir, 'bin');
    const distExample = join(projectRoot(), 'dist', 'examples', 'plugins', 'required-annotation.js');
    await nodePluginWrapper(bin, 'required-annotation', distExample);
    await shPlugin(bin, 'noop', `cat >/dev/null; echo '{"isSuccess":true,"message":"noop"}'`);
    await copyFile(join(projectRoot(), 'examples', 'plugins', 'python', 'referrer-size-limit.py'), join(bin, 'referrer-size-limit'));
    await chmod(join(bin, 'referrer-size-limit'), 0o700);

    const rt = { home: dir, env: { PATH: process.env.PATH } };
    const deps = { rt, log: silentLogger(), pluginBinDirs: [bin], sectionVersion: '1.0.0' };
    const entry = { name: 'reviewed', artifactTypes: SPDX, annotations: { 'org.example.reviewed-by': '*' } };
    const execV = await builtinVerifiers().create({ ...entry, type: 'required-annotation' }, 0, deps);
    const inProc = await requiredAnnotation.create(entry, deps);
    const noop = await builtinVerifiers().create({ name: 'noop', artifactTypes: SPDX }, 0, deps);
    const python = await builtinVerifiers().create({ name: 'size', type: 'referrer-size-limit', artifactTypes: SPDX }, 0, deps);

    const ctx = backgroundContext(silentLogger());
    let i = 0;
    const one = (v: Verifier) => async () => {
      const referrer = refs[i++ % refs.length]!;
      const input: VerifyInput = { subject, subjectDescriptor: img, referrer, store };
      const r = await v.verify(input, ctx);
      if (!r.isSuccess) throw new Error(`${v.name} failed: ${r.message} ${r.errorReason ?? ''}`);
    };
    const exec = await measure(40, one(execV), 3);
    const sh = await measure(40, one(noop), 3);
    const py = await measure(20, one(python), 2);
    const inp = await measure(3000, one(inProc), 100);

    // A whole verification: 8 referrers, concurrency 8, through the executor.
    const whole = async (verifier: Record<string, unknown>) => {
      const text = JSON.stringify({
        store: { plugins: [{ name: 'oci-layout', path: layout }] },
        policy: { plugin: { name: 'configPolicy' } },
        verifier: { version: '1.0.0', pluginBinDirs: [bin], plugins: [verifier] },
      });
      const ex = await buildExecutor({ config: parseConfig(text), path: join(dir, 'config.json'), raw: text }, { rt, log: silentLogger(), stores: [store] });
      const times = await measure(verifier.module ? 300 : 10, async () => {
        const out = await ex.verify({ subject: subject.original, reference: subject }, ctx, { timeoutMs: 60_000 });
        if (!out.result.isSuccess || out.result.verifierReports.length !== REFERRERS) throw new Error(JSON.stringify(out.result));
      }, 2);
      await ex.close();
      return times;
    };
    const wholeExec = await whole({ ...entry, type: 'required-annotation' });
    const wholeIn = await whole({ ...entry, module: distExample });

    const base = median(inp);
    const wd = [52, 12, 12, 14];
    console.log(`\n== verifier plugins: exec vs in-process (required-annotation example, OCI layout, ${REFERRERS} referrers) ==`);
    console.log(row(['per referrer (sequential)', 'median', 'p95', 'x in-process'], wd));
    console.log(row(['in-process ES module ("module")', fmt(base), fmt(percentile(inp, 95)), '1'], wd));
    console.log(row(['exec plugin, Node + author kit (reads the manifest)', fmt(median(exec)), fmt(percentile(exec, 95)), (median(exec) / base).toFixed(0)], wd));
    console.log(row(['exec plugin, POSIX sh no-op (spawn + protocol floor)', fmt(median(sh)), fmt(percentile(sh, 95)), (median(sh) / base).toFixed(0)], wd));
    console.log(row(['exec plugin, Python example (no store access)', fmt(median(py)), fmt(percentile(py, 95)), (median(py) / base).toFixed(0)], wd));
    console.log(row([`whole verification, ${REFERRERS} referrers in parallel`, 'median', 'p95', 'exec/in-proc'], wd));
    console.log(row(['in-process', fmt(median(wholeIn)), fmt(percentile(wholeIn, 95)), '1'], wd));
    console.log(row(['exec', fmt(median(wholeExec)), fmt(percentile(wholeExec, 95)), (median(wholeExec) / median(wholeIn)).toFixed(0)], wd));
    console.log(`exec overhead per referrer: ${fmt(median(exec) - base)} (Node plugin), ${fmt(median(sh) - base)} (sh floor); ratio exec/in-process ${(median(exec) / base).toFixed(0)}x`);
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
