import type { Context } from '../context.js';
import type { RuntimeEnv } from '../config/load.js';
import type { Descriptor, ReferenceDescriptor } from '../oci/descriptor.js';
import type { Logger } from '../observability/logger.js';
import type { Reference } from '../reference/reference.js';
import type { ReferrerStore } from '../stores/types.js';

/** One named check a verifier ran, for `--explain` (never part of Ratify's JSON). */
export interface CheckTrace {
  /** e.g. "integrity", "authenticity", "trustedIdentity", "license-denylist". */
  check: string;
  ok: boolean;
  /** What the check found or the rule that fired. */
  detail?: string;
  /** enforce | log | skip, where the check has a level (notation). */
  level?: string;
}

/**
 * What a verifier says about one referrer (Ratify's VerifierResult without the fields the
 * executor stamps: subject, referenceDigest, artifactType, name/type, nestedResults).
 */
export interface VerifierResult {
  isSuccess: boolean;
  message: string;
  errorReason?: string;
  remediation?: string;
  extensions?: unknown;
  /** Checks performed, in order, for --explain. */
  trace?: CheckTrace[];
  /**
   * The verifier stepped aside for another referrer of the same subject that is verified in the
   * same request (`latestOnly`). Never a success: `isSuccess` is false, and policies leave the
   * report out of their decision, so only the referrer it stepped aside for decides. In-process
   * verifiers only (exec-plugin output cannot carry it); the executor forces isSuccess false with it.
   */
  skipped?: true;
}

export interface VerifyInput {
  /** The subject, with its digest set (the tag, if any, is kept for display, as Ratify does). */
  subject: Reference;
  subjectDescriptor: Descriptor;
  /** The referrer to verify (its artifactType decided which verifier runs). */
  referrer: ReferenceDescriptor;
  /** The store the referrer was found in: manifests and blobs come from here. */
  store: ReferrerStore;
  /**
   * The subject's referrers exactly as the executor listed them for this request (every one of
   * them is verified). A verifier that compares a referrer with its siblings (`latestOnly`) must
   * use this listing, never one of its own: a second listing can differ, and can name artifacts
   * that are never fetched or verified.
   */
  siblings?: readonly ReferenceDescriptor[];
}

/** Ratify's ReferenceVerifier. */
export interface Verifier {
  /** Display name from config (`name`). */
  readonly name: string;
  /** Plugin type (`type`, defaults to name). */
  readonly type: string;
  /** Artifact types handled; "*" matches everything. */
  readonly artifactTypes: readonly string[];
  /** Non-empty: the executor verifies the referrer's own referrers (only used as a boolean, as Ratify). */
  readonly nestedReferences: readonly string[];
  canVerify(desc: ReferenceDescriptor): boolean;
  /**
   * Verify one referrer. Return isSuccess=false for a definitive "no"; throw a RatifyError
   * when verification could not be carried out (the executor turns it into a failure report).
   */
  verify(input: VerifyInput, ctx: Context): Promise<VerifierResult>;
  close?(): Promise<void>;
}

/** What factories get besides their config entry. */
export interface VerifierDeps {
  rt: RuntimeEnv;
  log: Logger;
  /** Directory of the config file, for relative paths. */
  baseDir?: string;
  /** verifier.version from config (plugins get it as RATIFY_VERIFIER_VERSION). */
  sectionVersion?: string;
  pluginBinDirs?: string[];
}

/** Builds a verifier from its config entry; built-ins and plugins register one each. */
export interface VerifierFactory {
  /** The `type` (or `name`) in config that selects this factory. */
  readonly type: string;
  create(entry: Record<string, unknown>, deps: VerifierDeps): Promise<Verifier>;
}
