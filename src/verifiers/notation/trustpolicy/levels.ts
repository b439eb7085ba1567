/**
 * Verification levels (notation-go `GetVerificationLevel`): the preset table from the spec and the
 * `override` rules (integrity is never overridable; only revocation may be skipped; `skip` cannot be
 * customised).
 */
import { goQuote } from '../../../crypto/dn.js';
import { PolicyRuleViolation } from './errors.js';
import {
  LEVEL_NAMES,
  TIMESTAMP_OPTIONS,
  VALIDATION_ACTIONS,
  VALIDATION_TYPES,
  type LevelName,
  type SignatureVerification,
  type TimestampOption,
  type ValidationAction,
  type ValidationType,
  type VerificationLevel,
} from './types.js';

function level(
  name: LevelName,
  integrity: ValidationAction,
  authenticity: ValidationAction,
  authenticTimestamp: ValidationAction,
  expiry: ValidationAction,
  revocation: ValidationAction,
): VerificationLevel {
  return Object.freeze({
    name,
    enforcement: Object.freeze({ integrity, authenticity, authenticTimestamp, expiry, revocation }),
  });
}

/** The spec's table: which validations each preset enforces, logs or skips. */
export const VERIFICATION_LEVELS: Readonly<Record<LevelName, VerificationLevel>> = Object.freeze({
  strict: level('strict', 'enforce', 'enforce', 'enforce', 'enforce', 'enforce'),
  permissive: level('permissive', 'enforce', 'enforce', 'log', 'log', 'log'),
  audit: level('audit', 'enforce', 'log', 'log', 'log', 'log'),
  skip: level('skip', 'skip', 'skip', 'skip', 'skip', 'skip'),
});

/** Go's %q of a string slice: `["a" "b"]`. */
const goQuoteList = (xs: readonly string[]) => `[${xs.map(goQuote).join(' ')}]`;

/**
 * The effective level of a `signatureVerification` object: the preset with overrides applied
 * (named "custom", as notation-go does). Throws PolicyRuleViolation with notation's text.
 * Overrides are checked in document order (Go ranges over a map, so with several bad overrides
 * notation may report any one of them).
 */
export function verificationLevel(sv: SignatureVerification): VerificationLevel {
  if (sv.level === '') {
    throw new PolicyRuleViolation(
      'signature verification level is empty or missing in the trust policy statement',
      'verification-level',
      'level',
    );
  }
  if (!(LEVEL_NAMES as readonly string[]).includes(sv.level)) {
    throw new PolicyRuleViolation(`invalid signature verification level ${goQuote(sv.level)}`, 'verification-level', 'level');
  }
  const base = VERIFICATION_LEVELS[sv.level as LevelName];
  const overrides = Object.entries(sv.override);
  if (overrides.length === 0) return base;
  if (base.name === 'skip') {
    throw new PolicyRuleViolation(
      `signature verification level ${goQuote(base.name)} can't be used to customize signature verification`,
      'override',
      'override',
    );
  }
  const enforcement: Record<ValidationType, ValidationAction> = { ...base.enforcement };
  for (const [key, value] of overrides) {
    if (!(VALIDATION_TYPES as readonly string[]).includes(key)) {
      throw new PolicyRuleViolation(
        `verification type ${goQuote(key)} in custom signature verification is not supported, supported values are ${goQuoteList(VALIDATION_TYPES)}`,
        'override',
        `override.${key}`,
      );
    }
    if (!(VALIDATION_ACTIONS as readonly string[]).includes(value)) {
      throw new PolicyRuleViolation(
        `verification action ${goQuote(value)} in custom signature verification is not supported, supported values are ${goQuoteList(VALIDATION_ACTIONS)}`,
        'override',
        `override.${key}`,
      );
    }
    if (key === 'integrity') {
      throw new PolicyRuleViolation(
        `${goQuote(key)} verification can not be overridden in custom signature verification`,
        'override-integrity',
        `override.${key}`,
      );
    }
    if (key !== 'revocation' && value === 'skip') {
      throw new PolicyRuleViolation(
        `${goQuote(key)} verification can not be skipped in custom signature verification`,
        'override-skip',
        `override.${key}`,
      );
    }
    enforcement[key as ValidationType] = value as ValidationAction;
  }
  return Object.freeze({ name: 'custom', enforcement: Object.freeze(enforcement) });
}

/** Validates `verifyTimestamp` (notation-go 1.2+); throws PolicyRuleViolation with notation's text. */
export function checkTimestampOption(sv: SignatureVerification): void {
  const v = sv.verifyTimestamp;
  if (v !== '' && !(TIMESTAMP_OPTIONS as readonly string[]).includes(v)) {
    throw new PolicyRuleViolation(
      `verifyTimestamp must be ${goQuote('always')} or ${goQuote('afterCertExpiry')}, but got ${goQuote(v)}`,
      'verify-timestamp',
      'verifyTimestamp',
    );
  }
}

/** The effective `verifyTimestamp`: notation treats an empty value as `always`. */
export function timestampOption(sv: SignatureVerification): TimestampOption {
  return sv.verifyTimestamp === 'afterCertExpiry' ? 'afterCertExpiry' : 'always';
}
