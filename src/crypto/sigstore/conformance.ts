import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { RatifyError } from '../../errors.js';
import { SigstoreVerifyError } from './errors.js';
import { DEFAULT_MAX_BUNDLE_BYTES, parseBundle } from './bundle.js';
import { parseStatement, statementNamesDigest } from './dsse.js';
import { parsePublicKeyPem } from './keys.js';
import { loadTrustedRootFile, publicGoodTrustedRoot } from './trusted-root.js';
import { verifySigstore, type VerifyPolicy } from './verify.js';

/**
 * The sigstore-conformance client protocol (verify-bundle only; this is a verifier):
 *   verify-bundle [--staging] --bundle FILE
 *     (--certificate-identity ID --certificate-oidc-issuer URL | --key PEM)
 *     [--trusted-root FILE] FILE_OR_DIGEST
 * Exit 0 when the bundle verifies, 1 when it does not, 2 for a usage error.
 */

export interface ConformanceArgs {
  staging: boolean;
  bundle: string;
  identity?: string;
  issuer?: string;
  key?: string;
  trustedRoot?: string;
  /** A file path, or "sha256:<hex>". */
  artifact: string;
}

export class UsageError extends Error {}

const USAGE =
  'usage: entrypoint verify-bundle [--staging] --bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key PEM) [--trusted-root FILE] FILE_OR_DIGEST';

/** Largest artifact read into memory; conformance artifacts are tiny. */
const MAX_ARTIFACT_BYTES = 256 * 1024 * 1024;

export function parseConformanceArgs(argv: readonly string[]): ConformanceArgs {
  const [cmd, ...rest] = argv;
  if (cmd !== 'verify-bundle') throw new UsageError(cmd === undefined ? USAGE : `unsupported command ${JSON.stringify(cmd)}; ${USAGE}`);
  const a: Partial<ConformanceArgs> & { staging: boolean } = { staging: false };
  const positional: string[] = [];
  const takes: Record<string, keyof ConformanceArgs> = {
    '--bundle': 'bundle',
    '--certificate-identity': 'identity',
    '--certificate-oidc-issuer': 'issuer',
    '--key': 'key',
    '--trusted-root': 'trustedRoot',
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--staging') a.staging = true;
    else if (arg in takes) {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value; ${USAGE}`);
      (a as Record<string, unknown>)[takes[arg]!] = v;
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}; ${USAGE}`);
    else positional.push(arg);
  }
  if (!a.bundle) throw new UsageError(`--bundle is required; ${USAGE}`);
  if (positional.length !== 1) throw new UsageError(`exactly one FILE_OR_DIGEST is required; ${USAGE}`);
  const byIdentity = a.identity !== undefined || a.issuer !== undefined;
  if (byIdentity && a.key !== undefined) throw new UsageError(`--key cannot be combined with --certificate-identity/--certificate-oidc-issuer; ${USAGE}`);
  if (byIdentity && (a.identity === undefined || a.issuer === undefined)) throw new UsageError(`--certificate-identity and --certificate-oidc-issuer go together; ${USAGE}`);
  if (!byIdentity && a.key === undefined) throw new UsageError(`give --key or --certificate-identity with --certificate-oidc-issuer; ${USAGE}`);
  return { ...a, bundle: a.bundle, artifact: positional[0]! } as ConformanceArgs;
}

async function readBounded(path: string, max: number, what: string): Promise<Buffer> {
  const st = await stat(path);
  if (!st.isFile()) throw new UsageError(`${what} ${path} is not a file`);
  if (st.size > max) throw new SigstoreVerifyError('INPUT_ERROR', `${what} ${path} is ${st.size} bytes, over the limit of ${max}`);
  return readFile(path);
}

/** Verifies as the protocol asks; throws SigstoreVerifyError (not verified) or UsageError. */
export async function verifyConformance(a: ConformanceArgs): Promise<void> {
  const trust = a.trustedRoot
    ? await loadTrustedRootFile(a.trustedRoot)
    : a.staging
      ? (() => {
          throw new UsageError('no staging trusted root is available offline; pass --trusted-root');
        })()
      : publicGoodTrustedRoot();
  const bundle = parseBundle(await readBounded(a.bundle, DEFAULT_MAX_BUNDLE_BYTES, 'bundle'));

  const digestArg = /^sha256:([0-9a-f]{64})$/.exec(a.artifact);
  const artifact = digestArg ? undefined : await readBounded(a.artifact, MAX_ARTIFACT_BYTES, 'artifact');
  const artifactDigest = digestArg ? `sha256:${digestArg[1]}` : `sha256:${createHash('sha256').update(artifact!).digest('hex')}`;

  if (bundle.content.$case === 'messageSignature' && artifact === undefined) {
    // Node's crypto cannot verify a signature over a digest it did not hash itself.
    const stated = Buffer.from(bundle.content.messageSignature.messageDigest.digest).toString('hex');
    if (`sha256:${stated}` !== artifactDigest) throw new SigstoreVerifyError('SIGNATURE_ERROR', 'the message digest in the bundle does not match the artifact digest');
    throw new SigstoreVerifyError('SIGNATURE_ERROR', 'verifying a message signature needs the artifact itself, not only its digest');
  }
  if (bundle.content.$case === 'dsseEnvelope') {
    // The artifact is what the in-toto statement is about.
    const st = parseStatement(bundle.content.dsseEnvelope);
    if (!statementNamesDigest(st, artifactDigest)) throw new SigstoreVerifyError('SUBJECT_ERROR', `the in-toto statement does not name the artifact ${artifactDigest}`);
  }

  const policy: VerifyPolicy = { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 };
  if (a.key !== undefined) policy.key = parsePublicKeyPem(await readBounded(a.key, 64 * 1024, 'key'), a.key);
  else policy.identity = { subject: a.identity!, issuer: a.issuer! };
  verifySigstore(trust.material, { bundle, ...(artifact ? { artifact } : {}) }, policy);
}

export interface ConformanceIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/** The whole CLI: returns the exit code; never throws. */
export async function runConformance(argv: readonly string[], io: ConformanceIO): Promise<number> {
  let args: ConformanceArgs;
  try {
    args = parseConformanceArgs(argv);
  } catch (e) {
    io.stderr(`${(e as Error).message}\n`);
    return 2;
  }
  try {
    await verifyConformance(args);
    io.stdout('OK\n');
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${e.message}\n`);
      return 2;
    }
    // RatifyError messages already start with their code.
    const code = e instanceof RatifyError ? undefined : (e as { code?: unknown }).code;
    io.stderr(`verification failed: ${typeof code === 'string' ? `${code}: ` : ''}${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
