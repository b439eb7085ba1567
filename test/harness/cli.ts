import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from './vectors.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

/** Runs the built CLI (dist/src/cli/bin.js) as a real child process, as a user would. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, opts: { cwd?: string } = {}): Promise<CliResult> {
  const bin = join(projectRoot(), 'dist', 'src', 'cli', 'bin.js');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { PATH: process.env.PATH, ...env }, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 60_000, ...(opts.cwd ? { cwd: opts.cwd } : {}) },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
        resolve({ code, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8'), stdoutBytes: stdout });
      },
    );
  });
}
