import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

/**
 * Jazzer.js 2.1 instruments code through a CommonJS require hook, and this project is ES
 * modules, so each target is bundled (with the project code it reaches; packages stay external
 * and uninstrumented) into one CommonJS file Jazzer.js can instrument.
 */

/** CommonJS has no import.meta: each file gets its own source URL, so relative lookups still work. */
const importMetaUrl: Plugin = {
  name: 'import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      if (!src.includes('import.meta.url')) return undefined;
      return { contents: src.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

export async function bundleTarget(root: string, targetName: string, outfile: string): Promise<void> {
  const targetTs = join(root, 'test', 'fuzz', 'targets', `${targetName}.ts`);
  const adapterTs = join(root, 'test', 'fuzz', 'engine', 'adapter.ts');
  await build({
    stdin: {
      contents: [
        `import { target } from ${JSON.stringify(targetTs)};`,
        `import { jazzerEntry } from ${JSON.stringify(adapterTs)};`,
        'export const fuzz = jazzerEntry(target);',
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
      sourcefile: `fuzz-${targetName}.ts`,
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'warning',
    plugins: [importMetaUrl],
  });
}
