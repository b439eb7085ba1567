#!/usr/bin/env node
import { main, EXIT_ERROR } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`Error: ${String(e)}\n`);
    process.exitCode = EXIT_ERROR;
  },
);
