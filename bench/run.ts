import { benchDiscover } from './discover.js';
import { benchNotation } from './notation.js';
import { benchVerify } from './verify.js';
import { benchServe } from './serve.js';
import { benchCosign } from './cosign.js';
import { benchPlugins } from './plugins.js';

/**
 * `npm run bench`: every benchmark prints its own baseline measured in the same run, and
 * ratios against it, so numbers compare across machines. Nothing here asserts timings.
 */
const benches: Array<[string, () => Promise<void>]> = [
  ['discover', benchDiscover],
  ['verify', benchVerify],
  ['notation', benchNotation],
  ['serve', benchServe],
  ['cosign', benchCosign],
  ['plugins', benchPlugins],
];
const only = process.argv.slice(2);
for (const [name, fn] of benches) {
  if (only.length && !only.includes(name)) continue;
  await fn();
}
