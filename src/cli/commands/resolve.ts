import type { Command } from 'commander';
import type { CommonOptions, GlobalOptions } from '../runtime.js';

export function registerResolve(program: Command, global: () => GlobalOptions): void {
  program
    .command('resolve')
    .description('Resolve the digest of a subject that is referenced by a tag')
    .requiredOption('-s, --subject <ref>', 'subject reference')
    .option('-c, --config <path>', 'config file path')
    .option('--oci-layout', 'the subject is an OCI image layout on disk')
    .option('--timeout <duration>', 'give up after this long (e.g. 30s)')
    .action(async (opts: CommonOptions) => {
      const { openRuntime, resolveSubject } = await import('../runtime.js');
      const rt = await openRuntime(opts, global());
      try {
        const d = await resolveSubject(rt);
        process.stdout.write(`${d.digest}\n`);
      } finally {
        await rt.close();
      }
    });
}
