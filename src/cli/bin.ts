#!/usr/bin/env node
import { main, EXIT_ERROR } from './main.js';

// Exit as soon as the command is done: a stray keep-alive socket or timer must not keep a CLI
// run alive. stdout is flushed first so piped output is complete.
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exit, (e: unknown) => {
  process.stderr.write(`Error: ${String(e)}\n`);
  exit(EXIT_ERROR);
});
