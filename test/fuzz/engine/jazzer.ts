import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { projectRoot } from '../../harness/vectors.js';
import { findOnPath } from '../../harness/tools.js';

/**
 * Jazzer.js 2.1 built from the C++ sources its npm package ships, linked against Debian's stock
 * libFuzzer. The published package downloads a prebuilt addon at install (no such network here;
 * its install script is denied in package.json#allowScripts), and Jazzer.js 4's prebuilt addon
 * needs glibc 2.38. The build takes ~10 s and is cached outside the repository, keyed by every
 * input that shapes the binary.
 */

export const INSTALL_HINT = 'install the compiler and libFuzzer with `apt-get install -y clang-14 libclang-rt-14-dev`';
const LIBFUZZER = 'libclang_rt.fuzzer_no_main-x86_64.a';

export interface JazzerEngine {
  /** Jazzer.js's CLI script, run with `node`. */
  cli: string;
  /** The addon as installed where Jazzer.js's `bindings` looks for it. */
  addon: string;
  built: boolean;
}

function packageDir(name: string, from: string): string {
  const req = createRequire(join(from, 'package.json'));
  return dirname(req.resolve(`${name}/package.json`));
}

function version(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

function compiler(): { cxx: string; libfuzzer: string; id: string } {
  for (const name of ['clang++-14', 'clang++']) {
    const cxx = findOnPath(name);
    if (cxx === undefined) continue;
    const runtimeDir = execFileSync(cxx, ['--print-runtime-dir'], { encoding: 'utf8' }).trim();
    const libfuzzer = join(runtimeDir, LIBFUZZER);
    if (!existsSync(libfuzzer)) throw new Error(`${cxx} has no ${libfuzzer}; ${INSTALL_HINT}`);
    return { cxx, libfuzzer, id: execFileSync(cxx, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? name };
  }
  throw new Error(`no clang++ on PATH to build the Jazzer.js addon; ${INSTALL_HINT}`);
}

function nodeHeaders(): string {
  for (const dir of [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node']) {
    if (existsSync(join(dir, 'node_api.h'))) return dir;
  }
  throw new Error(`Node.js headers (node_api.h) not found next to ${process.execPath} or in /usr/include/node`);
}

function cacheRoot(): string {
  const override = process.env['RATIFY_FUZZ_CACHE'];
  if (override) return override;
  return join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'ratify-ts');
}

function sources(dir: string): string[] {
  const pick = (d: string) => readdirSync(d).filter((f) => f.endsWith('.cpp')).sort().map((f) => join(d, f));
  return [...pick(dir), ...pick(join(dir, 'shared'))];
}

/** Builds (or reuses) the addon and installs it into node_modules/@jazzer.js/fuzzer. */
export function ensureJazzer(log: (line: string) => void = () => {}): JazzerEngine {
  const root = projectRoot();
  const core = packageDir('@jazzer.js/core', root);
  const fuzzer = packageDir('@jazzer.js/fuzzer', core);
  const addonApi = packageDir('node-addon-api', fuzzer);
  const shim = join(root, 'test', 'fuzz', 'engine', 'shim');
  const cc = compiler();
  const headers = nodeHeaders();
  const inputs = [...sources(fuzzer), join(shim, 'stock-libfuzzer.cpp')];

  const key = createHash('sha256');
  for (const part of [cc.id, cc.libfuzzer, version(fuzzer), version(addonApi), process.versions.napi ?? '', headers]) key.update(`${part}\n`);
  for (const f of [...inputs, join(shim, 'fuzzer', 'FuzzerDefs.h')]) key.update(readFileSync(f));
  const cached = join(cacheRoot(), `jazzer-${version(fuzzer)}-${key.digest('hex').slice(0, 16)}`, 'jazzerjs.node');

  let built = false;
  if (!existsSync(cached)) {
    mkdirSync(dirname(cached), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    log(`building the Jazzer.js addon with ${cc.id} → ${cached}`);
    execFileSync(
      cc.cxx,
      [
        '-O2', '-shared', '-fPIC', '-std=c++17',
        '-DNAPI_VERSION=4', '-DNAPI_CPP_EXCEPTIONS',
        `-I${headers}`, `-I${addonApi}`, `-I${shim}`,
        ...inputs,
        '-Wl,--whole-archive', cc.libfuzzer, '-Wl,--no-whole-archive',
        '-lstdc++', '-lpthread',
        '-o', tmp,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    renameSync(tmp, cached);
    built = true;
  }
  const addon = join(fuzzer, 'build', 'Release', 'jazzerjs.node');
  if (!existsSync(addon) || !readFileSync(addon).equals(readFileSync(cached))) {
    mkdirSync(dirname(addon), { recursive: true });
    copyFileSync(cached, addon);
  }
  return { cli: join(core, 'dist', 'cli.js'), addon, built };
}
