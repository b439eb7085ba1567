import type { Command } from 'commander';
import { RatifyError } from '../../errors.js';
import { EXIT_ERROR, EXIT_OK } from '../exit.js';
import type { GlobalOptions } from '../runtime.js';

interface ValidateOptions {
  config?: string;
  output: string;
}

export function registerConfig(program: Command, global: () => GlobalOptions): void {
  const config = program.command('config').description('Work with config.json');
  config
    .command('validate')
    .description('Check a config.json: every schema problem of every section, then every plugin entry built as start-up would build it')
    .option('-c, --config <path>', 'config file path (default $RATIFY_CONFIG/config.json, else ~/.ratify/config.json)')
    .option('-o, --output <format>', 'text or json ({valid, errors: [{path, code, message, suggestion?}], warnings: [...]})', 'text')
    .addHelpText('after', '\nExit codes: 0 valid (warnings allowed), 2 invalid.')
    .action(async (opts: ValidateOptions) => {
      if (opts.output !== 'text' && opts.output !== 'json') {
        throw new RatifyError('BAD_REQUEST', `unknown output format ${JSON.stringify(opts.output)}`, { remediation: 'Use -o text or -o json' });
      }
      const [{ homedir }, { readFile }, { dirname, join }, load, { buildIssues }, { makeLogger }, { formatIssue }] = await Promise.all([
        import('node:os'),
        import('node:fs/promises'),
        import('node:path'),
        import('../../config/load.js'),
        import('../../executor/check.js'),
        import('../runtime.js'),
        import('../../config/issues.js'),
      ]);
      const rt = load.runtimeEnvFrom(process.env, homedir());
      const path = opts.config ?? join(load.ratifyDir(rt), 'config.json');
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        throw new RatifyError('CONFIG_INVALID', `cannot read config file ${path}`, { cause: e, remediation: 'Pass an existing config.json with -c' });
      }
      const v = load.validateConfigText(text);
      const errors = [...v.errors];
      if (errors[0]?.code !== 'invalid_json') {
        const log = makeLogger(global(), process.env);
        errors.push(...(await buildIssues(JSON.parse(text), v.errors, { rt, log, baseDir: dirname(path) })));
      }
      const valid = errors.length === 0;
      if (opts.output === 'json') {
        process.stdout.write(JSON.stringify({ valid, errors, warnings: v.warnings }, null, 2) + '\n');
      } else {
        const lines = [`${path}: ${valid ? 'valid' : 'invalid'} (${errors.length} error${errors.length === 1 ? '' : 's'}, ${v.warnings.length} warning${v.warnings.length === 1 ? '' : 's'})`];
        for (const i of errors) lines.push(`error   ${formatIssue(i)}`);
        for (const i of v.warnings) lines.push(`warning ${formatIssue(i)}`);
        process.stdout.write(lines.join('\n') + '\n');
      }
      process.exitCode = valid ? EXIT_OK : EXIT_ERROR;
    });
}
