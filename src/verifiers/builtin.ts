import { VerifierRegistry } from './registry.js';
import { sbomVerifierFactory } from './sbom/verifier.js';
import { vulnReportVerifierFactory } from './vulnreport/verifier.js';
import { notationVerifierFactory } from './notation/verifier.js';
import { cosignVerifierFactory } from './cosign/verifier.js';

/** The registry with every built-in verifier factory. */
export function builtinVerifiers(): VerifierRegistry {
  return new VerifierRegistry().register(notationVerifierFactory()).register(sbomVerifierFactory).register(vulnReportVerifierFactory).register(cosignVerifierFactory());
}
