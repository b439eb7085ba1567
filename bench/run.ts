import { benchDiscover } from './discover.js';
import { benchVerify } from './verify.js';

/**
 * `npm run bench`: every benchmark prints its own baseline measured in the same run, and
 * ratios against it, so numbers compare across machines. Nothing here asserts timings.
 */
const benches: Array<[string, () => Promise<void>]> = [
  ['discover', benchDiscover],
  ['verify', benchVerify],
];
const only = process.argv.slice(2);
for (const [name, fn] of benches) {
  if (only.length && !only.includes(name)) continue;
  await fn();
}
