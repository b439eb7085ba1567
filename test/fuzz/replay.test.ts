import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadTarget, targetNames } from './targets.js';
import { regressionInputs, runOne, seededInputs } from './replay.js';
import type { FuzzTarget } from './target.js';

/**
 * Every fuzz target in `npm test`: each regression input under test/fuzz/corpus/<target>/ (the
 * findings of past runs, fixed in the source) must be a clean accept or reject, and so must a
 * short seeded run of mutated seeds. The long, coverage-guided runs are `npm run fuzz`.
 */

const SHORT_RUN = 150;
const SEED = 20240601;

for (const name of targetNames()) {
  describe(`fuzz target ${name}`, () => {
    let target: FuzzTarget;
    let seeds: Buffer[];
    before(async () => {
      target = await loadTarget(name);
      seeds = await target.seeds();
    });

    it('has seeds', () => assert.ok(seeds.length > 0, `${name} has no seed inputs`));

    it('replays its regression corpus', async () => {
      for (const { file, data } of regressionInputs(name)) {
        await runOne(target, data).catch((e: unknown) => assert.fail(`${file}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
      }
    });

    it(`survives a short seeded run (${SHORT_RUN} mutations, seed ${SEED})`, async () => {
      let i = 0;
      for (const data of seededInputs(seeds, SHORT_RUN, SEED, target.maxLen)) {
        await runOne(target, data).catch((e: unknown) =>
          assert.fail(`input #${i} (${data.toString('base64')}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
        );
        i++;
      }
    });
  });
}
