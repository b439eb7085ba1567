import { Command, CommanderError } from 'commander';
import { RatifyError } from '../errors.js';
import { VERSION } from '../version.js';
import { registerConfig } from './commands/config.js';
import { registerDiscover } from './commands/discover.js';
import { registerReferrer } from './commands/referrer.js';
import { registerResolve } from './commands/resolve.js';
import { registerVersion } from './commands/version.js';
import { registerVerify } from './commands/verify.js';
import { registerServe } from './commands/serve.js';
import type { GlobalOptions } from './runtime.js';

import { EXIT_ERROR, EXIT_OK } from './exit.js';

export { EXIT_ERROR, EXIT_FAILED, EXIT_OK } from './exit.js';

export function buildProgram(): Command {
  const program = new Command('ratify');
  program
    .description('ratify-ts: verify the supply-chain artifacts attached to container images (Ratify v1 compatible)')
    .version(VERSION, '--version', 'print the version')
    .option('-d, --debug', 'debug logging (or set RATIFY_LOG_LEVEL)')
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride();
  const global = () => program.opts<GlobalOptions>();
  registerVerify(program, global);
  registerDiscover(program, global);
  registerServe(program, global);
  registerResolve(program, global);
  registerReferrer(program, global);
  registerConfig(program, global);
  registerVersion(program);
  for (const c of program.commands) {
    c.exitOverride();
    for (const sub of c.commands) sub.exitOverride();
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? EXIT_OK : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are successful exits; everything else commander reports is usage.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
      return EXIT_ERROR;
    }
    process.stderr.write(`Error: ${describe(e)}\n`);
    return EXIT_ERROR;
  }
}

function describe(e: unknown): string {
  if (e instanceof RatifyError) {
    const rem = e.effectiveRemediation;
    return rem && !e.message.includes(rem) ? `${e.message}\nRemediation: ${rem}` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
