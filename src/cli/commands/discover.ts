import type { Command } from 'commander';
import type { CommonOptions, GlobalOptions } from '../runtime.js';
import type { ReferrerNode, StoreTree } from '../../discovery/tree.js';
import type { PrintNode } from '../treeprint.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { RatifyError } from '../../errors.js';

interface DiscoverOptions extends CommonOptions {
  artifactType?: string[];
  flat?: boolean;
  output?: string;
}

export function registerDiscover(program: Command, global: () => GlobalOptions): void {
  program
    .command('discover')
    .description('Discover referrers for a subject, recursively')
    .requiredOption('-s, --subject <ref>', 'subject reference (or <dir>:<tag> / <dir>@<digest> with --oci-layout)')
    .option('-c, --config <path>', 'config file path')
    .option('-t, --artifactType <type>', 'artifact type to filter (repeatable)', collectOpt, undefined)
    .option('--flat', 'output referrers as a flat JSON list (Ratify format)')
    .option('--oci-layout', 'the subject is an OCI image layout on disk')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--timeout <duration>', 'give up after this long (e.g. 30s)')
    .addHelpText('after', '\nExample:\n  ratify discover -s registry.example.com/app@sha256:…\n  ratify discover --oci-layout -s ./layout:v1')
    .action(async (opts: DiscoverOptions) => {
      const [{ descriptorJSON }, { discoverTree, flatten }, { renderTree }, { openRuntime, printJSON, resolveSubject }] = await Promise.all([
        import('../../oci/descriptor.js'),
        import('../../discovery/tree.js'),
        import('../treeprint.js'),
        import('../runtime.js'),
      ]);
      if (opts.output !== 'text' && opts.output !== 'json') {
        throw new RatifyError('BAD_REQUEST', `unknown output format ${JSON.stringify(opts.output)}`, { remediation: 'Use -o text or -o json' });
      }
      const rt = await openRuntime(opts, global());
      try {
        const subject = await resolveSubject(rt);
        const ref = rt.subject.digest ? rt.subject : { ...rt.subject, digest: subject.digest };
        const trees = await discoverTree(rt.router.route(rt.subject).stores, ref, subject, rt.ctx, opts.artifactType ? { artifactTypes: opts.artifactType } : {});
        if (opts.flat) {
          printJSON(flatten(trees).map((t) => (t.References ? { ...t, References: t.References.map(descriptorJSON) } : t)));
        } else if (opts.output === 'json') {
          printJSON({ subject: rt.subject.original, digest: subject.digest, mediaType: subject.mediaType, stores: trees.map((t) => treeJSON(t, descriptorJSON)) });
        } else {
          process.stdout.write(renderTree({ label: rt.subject.original, children: trees.map(storeNode) }));
        }
      } finally {
        await rt.close();
      }
    });
}

function collectOpt(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

function storeNode(t: StoreTree): PrintNode {
  return { label: t.storeName, children: t.referrers.map(refNode) };
}

function refNode(n: ReferrerNode): PrintNode {
  return { label: `[${n.descriptor.artifactType ?? ''}]${n.descriptor.digest}`, children: n.referrers.map(refNode) };
}

function treeJSON(t: StoreTree, descriptorJSON: (d: Descriptor) => Record<string, unknown>): unknown {
  const node = (n: ReferrerNode): unknown => ({ ...descriptorJSON(n.descriptor), referrers: n.referrers.map(node) });
  return { storeName: t.storeName, referrers: t.referrers.map(node) };
}
