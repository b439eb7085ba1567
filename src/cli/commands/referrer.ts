import type { Command } from 'commander';
import { RatifyError } from '../../errors.js';
import { parseDigest } from '../../oci/digest.js';
import type { CommandRuntime, CommonOptions, GlobalOptions } from '../runtime.js';

interface ReferrerOptions extends CommonOptions {
  digest: string;
  store: string;
}

export function registerReferrer(program: Command, global: () => GlobalOptions): void {
  const cmd = program.command('referrer').description('Show the manifests and blobs of referrers');
  const common = (c: Command) =>
    c
      .requiredOption('-s, --subject <ref>', 'subject reference')
      .requiredOption('-d, --digest <digest>', 'digest of the manifest or blob')
      .requiredOption('--store <name>', 'store name (e.g. oras)')
      .option('-c, --config <path>', 'config file path')
      .option('--oci-layout', 'the subject is an OCI image layout on disk')
      .option('--timeout <duration>', 'give up after this long (e.g. 30s)');

  common(cmd.command('show-manifest').description('show the reference manifest at a digest (Ratify ReferenceManifest JSON)')).action(
    async (opts: ReferrerOptions) => {
      await withStore(opts, global(), async (rt, store) => {
        const [{ withDigest }, { referenceManifestJSON }, { printJSON }] = await Promise.all([import('../../reference/reference.js'), import('../../oci/manifest.js'), import('../runtime.js')]);
        const ref = withDigest(rt.subject, opts.digest);
        // Through the router: a store answering with another digest than asked for is refused.
        const desc = await rt.router.resolve(ref, rt.ctx, [store]);
        const m = await store.fetchManifest(rt.subject, desc, rt.ctx);
        printJSON(referenceManifestJSON(m));
      });
    },
  );

  common(cmd.command('show-blob').description('write the blob at a digest to stdout, byte for byte')).action(async (opts: ReferrerOptions) => {
    await withStore(opts, global(), async (rt, store) => {
      const bytes = await store.fetchBlob(rt.subject, { digest: opts.digest }, rt.ctx);
      await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (e) => (e ? reject(e) : resolve())));
    });
  });
}

async function withStore(opts: ReferrerOptions, global: GlobalOptions, fn: (rt: CommandRuntime, store: CommandRuntime['stores'][number]) => Promise<void>) {
  try {
    parseDigest(opts.digest);
  } catch (e) {
    throw new RatifyError('BAD_REQUEST', `invalid digest ${JSON.stringify(opts.digest)}`, { cause: e });
  }
  const { openRuntime } = await import('../runtime.js');
  const rt = await openRuntime(opts, global);
  try {
    const store = rt.stores.find((s) => s.name === opts.store);
    if (!store) {
      throw new RatifyError('BAD_REQUEST', `cannot find store with name ${opts.store}`, {
        remediation: `Stores in this config: ${rt.stores.map((s) => s.name).join(', ')}`,
      });
    }
    // A store named by the user still answers only for the subjects it owns.
    if (!rt.router.owns(store, rt.subject)) {
      // NO_MATCHING_STORE naming every store when none owns it; else the ones that do.
      const owners = rt.router.route(rt.subject).stores.map((s) => s.name);
      throw new RatifyError('NO_MATCHING_STORE', `store ${opts.store} does not serve subject ${rt.subject.original}`, {
        remediation: `Use --store ${owners[0]} (stores serving it: ${owners.join(', ')}), or add the subject's repository to the "scopes" of ${opts.store}`,
      });
    }
    await fn(rt, store);
  } finally {
    await rt.close();
  }
}
