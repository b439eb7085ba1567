import type { Command } from 'commander';
import { VERSION } from '../../version.js';

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('Show the ratify-ts version')
    .action(() => {
      // Same layout as Ratify's "Version / Go version / Git commit" block.
      const rows: Array<[string, string]> = [
        ['Version', VERSION],
        ['Node version', process.version],
        ['Platform', `${process.platform}/${process.arch}`],
      ];
      const w = Math.max(...rows.map(([k]) => k.length)) + 1;
      for (const [k, v] of rows) process.stdout.write(`${(k + ':').padEnd(w + 1)}${v}\n`);
    });
}
