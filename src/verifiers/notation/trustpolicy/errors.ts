import { RatifyError } from '../../../errors.js';

const CONFIG_GUIDE = 'https://ratify.dev/docs/plugins/verifier/notation#configuration';

/**
 * A trust policy document that notation would reject. `detail` (and so Ratify's errorReason) is
 * notation-go's own error text; `rule` names the violated rule and `field` where it sits in
 * `trustPolicyDoc`, both repeated in the remediation so the message says what to fix.
 */
export class TrustPolicyError extends RatifyError {
  readonly rule: string;
  readonly field: string;

  constructor(notationMessage: string, rule: string, field: string) {
    super('CONFIG_INVALID', notationMessage, {
      component: 'verifier',
      remediation: `Fix trustPolicyDoc.${field} (rule: ${rule}); see ${CONFIG_GUIDE}`,
    });
    this.name = 'TrustPolicyError';
    this.rule = rule;
    this.field = field;
  }
}

/**
 * A rule violation found below the statement level, before notation adds the statement's context
 * (`trust policy statement "x" has invalid signatureVerification: ...`).
 */
export class PolicyRuleViolation extends Error {
  constructor(
    message: string,
    readonly rule: string,
    /** Path relative to the signatureVerification object, e.g. "override.integrity". */
    readonly field: string,
  ) {
    super(message);
    this.name = 'PolicyRuleViolation';
  }
}
