import { z } from 'zod';
import { parseEntry } from '../config/issues.js';
import { builtinVerifierSchema, commonFrom, pluginVerifierSchema, type CommonVerifierConfig } from './config.js';
import type { ReferenceDescriptor } from '../oci/descriptor.js';

export { splitList, type CommonVerifierConfig } from './config.js';

/**
 * Reads name/type/artifactTypes/nestedReferences, leaving other keys alone (plugins and the
 * author kit; built-ins parse their whole entry with their own schema). Built-in verifiers
 * require artifactTypes; external plugins default to "*" (Ratify).
 */
export function commonConfig(entry: Record<string, unknown>, opts: { requireArtifactTypes: boolean; where?: string }): CommonVerifierConfig {
  const schema = opts.requireArtifactTypes ? z.looseObject(builtinVerifierSchema({}).shape) : pluginVerifierSchema;
  return commonFrom(parseEntry(schema, entry, [], opts.where ?? 'verifier'));
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
