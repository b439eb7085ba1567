import { RatifyError } from '../errors.js';
import type { ReferenceDescriptor } from '../oci/descriptor.js';

/** The config keys every verifier entry shares (reference §2.1). */
export interface CommonVerifierConfig {
  name: string;
  type: string;
  artifactTypes: string[];
  nestedReferences: string[];
}

/** "a, b,,c" → ["a","b","c"] (Ratify's comma-separated strings). */
export function splitList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').map((s) => s.trim()).filter(Boolean);
  if (typeof v !== 'string') return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Reads name/type/artifactTypes/nestedReferences. Built-in verifiers require artifactTypes;
 * external plugins default to "*" (Ratify).
 */
export function commonConfig(entry: Record<string, unknown>, opts: { requireArtifactTypes: boolean; where?: string }): CommonVerifierConfig {
  const where = opts.where ?? 'verifier';
  const name = entry.name;
  if (typeof name !== 'string' || name === '') {
    throw new RatifyError('CONFIG_INVALID', `${where}: "name" is required`);
  }
  const type = typeof entry.type === 'string' && entry.type !== '' ? entry.type : name;
  if (entry.artifactTypes !== undefined && typeof entry.artifactTypes !== 'string') {
    throw new RatifyError('CONFIG_INVALID', `${where}.artifactTypes must be a comma-separated string`);
  }
  let artifactTypes = splitList(entry.artifactTypes);
  if (artifactTypes.length === 0) {
    if (opts.requireArtifactTypes) {
      throw new RatifyError('CONFIG_INVALID', `${where} (${name}): "artifactTypes" is required`, {
        remediation: 'Set artifactTypes, e.g. "application/vnd.cncf.notary.signature"',
      });
    }
    artifactTypes = ['*'];
  }
  return { name, type, artifactTypes, nestedReferences: splitList(entry.nestedReferences) };
}

export function canVerifyType(artifactTypes: readonly string[], desc: ReferenceDescriptor): boolean {
  return artifactTypes.some((t) => t === '*' || t === desc.artifactType);
}

/** Convenience base for built-in verifiers. */
export abstract class BaseVerifier {
  readonly name: string;
  readonly type: string;
  readonly artifactTypes: readonly string[];
  readonly nestedReferences: readonly string[];

  constructor(c: CommonVerifierConfig) {
    this.name = c.name;
    this.type = c.type;
    this.artifactTypes = c.artifactTypes;
    this.nestedReferences = c.nestedReferences;
  }

  canVerify(desc: ReferenceDescriptor): boolean {
    return canVerifyType(this.artifactTypes, desc);
  }
}
