import { VerifierRegistry } from './registry.js';

/**
 * The registry with every built-in verifier factory. Each is imported on first use, so a
 * config with only a notation verifier never loads the Sigstore or SBOM code.
 */
export function builtinVerifiers(): VerifierRegistry {
  return new VerifierRegistry()
    .registerLazy('notation', async () => (await import('./notation/verifier.js')).notationVerifierFactory())
    .registerLazy('cosign', async () => (await import('./cosign/verifier.js')).cosignVerifierFactory())
    .registerLazy('sbom', async () => (await import('./sbom/verifier.js')).sbomVerifierFactory)
    .registerLazy('vulnerabilityreport', async () => (await import('./vulnreport/verifier.js')).vulnReportVerifierFactory);
}
