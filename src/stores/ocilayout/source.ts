import { constants } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { RatifyError } from '../../errors.js';
import { indexTar, type TarEntry } from './tar.js';

/** A size or file-type problem with layout content, wrapped by the store into the operation's error code. */
export class LayoutReadError extends Error {
  override readonly name = 'LayoutReadError';
}

export interface ReadOptions {
  /** Refuse files larger than this. */
  max: number;
  /** The exact size the descriptor promises, when known; checked before reading. */
  expected?: number;
  signal?: AbortSignal;
}

/** Read access to the files of one version of a layout, by slash-separated layout path ("blobs/sha256/<hex>"). */
export interface LayoutFiles {
  /** The whole file, or undefined when the layout has no such file. */
  read(name: string, opts: ReadOptions): Promise<Uint8Array | undefined>;
}

export interface LayoutSource {
  readonly kind: 'directory' | 'tar';
  readonly path: string;
  /** A token that changes whenever the layout may have been rewritten (index.json, or the tar file). */
  version(): Promise<string>;
  /** Files as they are now; for a tar this re-reads the header index. */
  load(signal?: AbortSignal): Promise<LayoutFiles>;
}

// Large blobs are read in slices so that an abort is noticed without waiting for the whole read.
const CHUNK = 1024 * 1024;

function checkSize(name: string, size: number, opts: ReadOptions): void {
  if (opts.expected !== undefined && size !== opts.expected) {
    throw new LayoutReadError(`${name} is ${size} bytes but its descriptor says ${opts.expected}`);
  }
  if (size > opts.max) throw new LayoutReadError(`${name} is ${size} bytes, over the limit of ${opts.max} bytes`);
}

async function readRange(fh: FileHandle, position: number, length: number, name: string, signal?: AbortSignal): Promise<Uint8Array> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    signal?.throwIfAborted();
    const { bytesRead } = await fh.read(buf, done, Math.min(CHUNK, length - done), position + done);
    if (bytesRead === 0) throw new LayoutReadError(`${name} ended early (the layout changed while it was read)`);
    done += bytesRead;
  }
  return buf;
}

function statToken(s: { mtimeMs: number; ctimeMs: number; size: number; ino: number }): string {
  // mtime alone misses a same-millisecond rewrite; an atomic rename changes the inode.
  return `${s.mtimeMs}:${s.ctimeMs}:${s.size}:${s.ino}`;
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A layout-relative name of plain components: nothing absolute, no `..`, no empty or back-slashed parts. */
function checkName(name: string): string[] {
  const parts = name.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) {
    throw new LayoutReadError(`${JSON.stringify(name)} is not a path inside the layout`);
  }
  return parts;
}

/**
 * A layout directory. Files are read only where they really are inside it: a symbolic link
 * (at the file or any directory above it) that leads out of the layout is refused, so a layout
 * cannot make the store read, digest-check and quote files elsewhere on the host. Hard links
 * cannot be told from the file itself; the kernel's protected_hardlinks keeps a layout's author
 * from linking files they could not read anyway.
 */
class DirectorySource implements LayoutSource, LayoutFiles {
  readonly kind = 'directory';
  /** `root` is the directory's real path (the configured path may itself be a link). */
  constructor(
    readonly path: string,
    private readonly root: string,
  ) {}

  async version(): Promise<string> {
    try {
      return statToken(await stat(join(this.path, 'index.json')));
    } catch (e) {
      if (isMissing(e)) return 'absent';
      throw e;
    }
  }

  async load(): Promise<LayoutFiles> {
    return this;
  }

  async read(name: string, opts: ReadOptions): Promise<Uint8Array | undefined> {
    let real: string;
    try {
      real = await realpath(join(this.root, ...checkName(name)));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    if (!real.startsWith(this.root + sep)) {
      throw new LayoutReadError(`${name} is a symbolic link that leads out of the layout; refused`);
    }
    let fh: FileHandle;
    try {
      // O_NONBLOCK: a FIFO planted at a blob path must not hang the open. O_NOFOLLOW: the
      // resolved path must not have become a link since.
      fh = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch (e) {
      if (isMissing(e)) return undefined;
      if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new LayoutReadError(`${name} changed into a symbolic link while it was read; refused`);
      throw e;
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new LayoutReadError(`${name} is not a regular file`);
      checkSize(name, st.size, opts);
      return await readRange(fh, 0, st.size, name, opts.signal);
    } finally {
      await fh.close();
    }
  }
}

class TarSource implements LayoutSource {
  readonly kind = 'tar';
  constructor(readonly path: string) {}

  async version(): Promise<string> {
    return statToken(await stat(this.path));
  }

  async load(signal?: AbortSignal): Promise<LayoutFiles> {
    const entries = await indexTar(this.path, signal);
    return new TarFiles(this.path, entries);
  }
}

class TarFiles implements LayoutFiles {
  constructor(
    private readonly path: string,
    private readonly entries: Map<string, TarEntry>,
  ) {}

  async read(name: string, opts: ReadOptions): Promise<Uint8Array | undefined> {
    const entry = this.entries.get(checkName(name).join('/'));
    if (!entry) return undefined;
    checkSize(name, entry.size, opts);
    const fh = await open(this.path, 'r');
    try {
      return await readRange(fh, entry.offset, entry.size, name, opts.signal);
    } finally {
      await fh.close();
    }
  }
}

/** A directory is read as an OCI layout, a regular file as a tar of one. */
export async function openLayoutSource(path: string): Promise<LayoutSource> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new RatifyError('CONFIG_INVALID', `oci-layout store path ${JSON.stringify(path)} cannot be read`, {
      cause: e,
      remediation: 'Set "path" to an OCI image layout directory (with oci-layout and index.json) or a tar of one',
    });
  }
  if (st.isDirectory()) return new DirectorySource(path, await realpath(path));
  if (st.isFile()) return new TarSource(path);
  throw new RatifyError('CONFIG_INVALID', `oci-layout store path ${JSON.stringify(path)} is neither a directory nor a file`, {
    remediation: 'Set "path" to an OCI image layout directory or a tar of one',
  });
}
