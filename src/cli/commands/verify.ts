import type { Command } from 'commander';
import type { CommonOptions, GlobalOptions } from '../runtime.js';
import { RatifyError } from '../../errors.js';
import { EXIT_ERROR, EXIT_FAILED, EXIT_OK } from '../exit.js';

interface VerifyOptions extends CommonOptions {
  platform?: string;
  artifactType?: string[];
  output?: string;
  explain?: boolean;
  silent?: boolean;
}

export function registerVerify(program: Command, global: () => GlobalOptions): void {
  program
    .command('verify')
    .description('Verify a subject: find its referrers, verify each, and apply the policy')
    .requiredOption('-s, --subject <ref>', 'subject reference (or <dir>:<tag> / <dir>@<digest> with --oci-layout)')
    .option('-c, --config <path>', 'config file path')
    .option('-t, --artifactType <type>', 'only verify referrers of this artifact type (repeatable)', (v: string, p: string[] | undefined) => [...(p ?? []), v], undefined)
    .option('--oci-layout', 'the subject is an OCI image layout on disk (offline verification)')
    .option('-o, --output <format>', 'json (Ratify result JSON) or text', 'json')
    .option('--explain', 'print a trace to stderr: referrers found/skipped, checks, timings, registry requests')
    .option('--timeout <duration>', 'deadline for the whole verification (e.g. 30s; default executor.verificationRequestTimeout when set, else 60s)')
    .option('--platform <mode>', 'multi-arch images: index (verify the digest given, as Ratify), all (index and every platform), or os/arch[/variant]')
    .option('--silent', 'accepted for Ratify compatibility (logs already go to stderr)')
    .addHelpText('after', '\nExit codes: 0 verified, 1 not verified (policy said no), 2 usage/configuration/system error.')
    .action(async (opts: VerifyOptions) => {
      // Loaded here, not at start-up: `ratify --help` and other commands stay fast.
      const [{ buildExecutor }, { parsePlatformMode }, { colours, renderExplain, renderResult }, { openRuntime, printJSON }] = await Promise.all([
        import('../../executor/build.js'),
        import('../../executor/platform.js'),
        import('../render.js'),
        import('../runtime.js'),
      ]);
      if (opts.output !== 'json' && opts.output !== 'text') {
        throw new RatifyError('BAD_REQUEST', `unknown output format ${JSON.stringify(opts.output)}`, { remediation: 'Use -o json or -o text' });
      }
      const rt = await openRuntime(opts, global());
      try {
        const executor = await buildExecutor(rt.loaded, { rt: rt.rt, log: rt.log, router: rt.router });
        if (!rt.subject.digest && rt.subject.registry) rt.log.warn({ subject: rt.subject.original }, 'the subject is a tag; verify by digest to be sure the verified image is the one that runs');
        const outcome = await executor.verify(
          {
            subject: opts.ociLayout ? opts.subject : rt.subject.original,
            reference: rt.subject,
            platform: parsePlatformMode(opts.platform ?? rt.loaded.config.executor?.platform),
            ...(opts.artifactType ? { referenceTypes: opts.artifactType } : {}),
          },
          rt.ctx,
          { timeoutMs: rt.timeoutMs, ...(opts.explain ? { explain: true } : {}) },
        );
        const { result, error, trace } = outcome;
        if (opts.output === 'json') printJSON(result);
        else process.stdout.write(renderResult(rt.subject.original, executor.policy.type, result, colours(Boolean(process.stdout.isTTY) && !process.env.NO_COLOR)));
        if (trace) process.stderr.write(renderExplain(trace, colours(Boolean(process.stderr.isTTY) && !process.env.NO_COLOR)));
        if (error && !isVerdict(error)) {
          process.stderr.write(`Error: ${error.message}\n`);
          process.exitCode = EXIT_ERROR;
          return;
        }
        // A verdict still says why on stderr when no store could look at the subject.
        if (error?.root.code === 'NO_MATCHING_STORE') process.stderr.write(`Not verified: ${error.message}\n`);
        process.exitCode = result.isSuccess ? EXIT_OK : EXIT_FAILED;
      } finally {
        await rt.close();
      }
    });
}

/**
 * Errors that are a verdict about the artifact, not a failure to run: nothing to verify, or no
 * configured store owns the subject (the same config always answers so: not verified).
 */
function isVerdict(e: RatifyError): boolean {
  return e.root.code === 'NO_VERIFIER_REPORT' || e.root.code === 'NO_MATCHING_STORE';
}
