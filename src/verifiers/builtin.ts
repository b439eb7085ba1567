import { VerifierRegistry } from './registry.js';

/** The registry with every built-in verifier factory. */
export function builtinVerifiers(): VerifierRegistry {
  const r = new VerifierRegistry();
  return r;
}
