/**
 * notation-go v1.3.0 `Document.Validate()` (the version Ratify v1.4.4 builds with): the whole
 * document, in notation's order, each failure a TrustPolicyError carrying notation's exact text.
 */
import { goQuote } from '../../../crypto/dn.js';
import { isTrustStoreType, isValidStoreName } from '../truststore/types.js';
import { PolicyRuleViolation, TrustPolicyError } from './errors.js';
import { validateTrustedIdentities } from './identity.js';
import { checkTimestampOption, verificationLevel } from './levels.js';
import { comparableScope, registryScopeFormatError } from './scope.js';
import { WILDCARD, type TrustPolicy, type TrustPolicyDocument } from './types.js';

const SUPPORTED_VERSIONS = ['1.0'];

/** Validates a trust policy document; throws TrustPolicyError on the first violated rule. */
export function validateTrustPolicyDocument(doc: TrustPolicyDocument): void {
  if (doc.version === '') {
    throw new TrustPolicyError(
      'trust policy document has empty version, version must be specified',
      'version',
      'version',
    );
  }
  if (!SUPPORTED_VERSIONS.includes(doc.version)) {
    throw new TrustPolicyError(`trust policy document uses unsupported version ${goQuote(doc.version)}`, 'version', 'version');
  }
  if (doc.trustPolicies.length === 0) {
    throw new TrustPolicyError(
      'trust policy document can not have zero trust policy statements',
      'statements-required',
      'trustPolicies',
    );
  }
  // Statement by statement: a name already used, then the statement's own rules; scopes last.
  const seen = new Set<string>();
  doc.trustPolicies.forEach((statement, i) => {
    if (seen.has(statement.name)) {
      throw new TrustPolicyError(
        `multiple trust policy statements use the same name ${goQuote(statement.name)}, statement names must be unique`,
        'unique-statement-names',
        `trustPolicies[${i}].name`,
      );
    }
    validateStatement(statement, `trustPolicies[${i}]`);
    seen.add(statement.name);
  });
  validateRegistryScopes(doc);
}

/** notation wraps every error of a statement's own rules (`validatePolicyCore`) so. */
const CORE_PREFIX = 'trust policy: ';

function coreError(e: TrustPolicyError): TrustPolicyError {
  return new TrustPolicyError(CORE_PREFIX + e.detail, e.rule, e.field);
}

/** notation-go `validatePolicyCore`: name, signatureVerification, and trust stores + identities for the level. */
function validateStatement(statement: TrustPolicy, field: string): void {
  try {
    validateCore(statement, field);
  } catch (e) {
    throw e instanceof TrustPolicyError ? coreError(e) : e;
  }
}

function validateCore(statement: TrustPolicy, field: string): void {
  if (statement.name === '') {
    throw new TrustPolicyError(
      'a trust policy statement is missing a name, every statement requires a name',
      'statement-name',
      `${field}.name`,
    );
  }
  const name = goQuote(statement.name);
  let levelName: string;
  try {
    levelName = verificationLevel(statement.signatureVerification).name;
    checkTimestampOption(statement.signatureVerification);
  } catch (e) {
    if (!(e instanceof PolicyRuleViolation)) throw e;
    throw new TrustPolicyError(
      `trust policy statement ${name} has invalid signatureVerification: ${e.message}`,
      e.rule,
      `${field}.signatureVerification.${e.field}`,
    );
  }
  const { trustStores, trustedIdentities } = statement;
  if (levelName === 'skip') {
    if (trustStores.length > 0 || trustedIdentities.length > 0) {
      throw new TrustPolicyError(
        `trust policy statement ${name} is set to skip signature verification but configured with trust stores and/or trusted identities, remove them if signature verification needs to be skipped`,
        'skip-without-trust',
        field,
      );
    }
    return;
  }
  if (trustStores.length === 0 || trustedIdentities.length === 0) {
    throw new TrustPolicyError(
      `trust policy statement ${name} is either missing trust stores or trusted identities, both must be specified`,
      'trust-required',
      trustStores.length === 0 ? `${field}.trustStores` : `${field}.trustedIdentities`,
    );
  }
  validateTrustStores(statement, `${field}.trustStores`);
  validateTrustedIdentities(statement, `${field}.trustedIdentities`);
}

/** Each entry is `<ca|signingAuthority|tsa>:<name>` with a file-name-safe name. */
function validateTrustStores(statement: TrustPolicy, field: string): void {
  const name = goQuote(statement.name);
  statement.trustStores.forEach((value, i) => {
    const at = `${field}[${i}]`;
    const colon = value.indexOf(':');
    if (colon < 0) {
      throw new TrustPolicyError(
        `trust policy statement ${name} has malformed trust store value ${goQuote(value)}. The required format is <TrustStoreType>:<TrustStoreName>`,
        'trust-store-format',
        at,
      );
    }
    const type = value.slice(0, colon);
    const store = value.slice(colon + 1);
    if (!isTrustStoreType(type)) {
      throw new TrustPolicyError(
        `trust policy statement ${name} uses an unsupported trust store type ${goQuote(type)} in trust store value ${goQuote(value)}`,
        'trust-store-type',
        at,
      );
    }
    if (!isValidStoreName(store)) {
      throw new TrustPolicyError(
        `trust policy statement ${name} uses an unsupported trust store name ${goQuote(store)} in trust store value ${goQuote(value)}. Named store name needs to follow [a-zA-Z0-9_.-]+ format`,
        'trust-store-name',
        at,
      );
    }
  });
}

/**
 * Every statement has scopes; `*` stands alone; each other scope is a valid repository; a scope
 * (including `*`) appears once in the whole document. Duplicates are reported in document order
 * (notation ranges over a map, so it may name another duplicate first).
 */
function validateRegistryScopes(doc: TrustPolicyDocument): void {
  const owner = new Map<string, string>();
  const duplicates: Array<[string, string]> = [];
  doc.trustPolicies.forEach((statement, i) => {
    const field = `trustPolicies[${i}].registryScopes`;
    const name = goQuote(statement.name);
    const scopes = statement.registryScopes;
    if (scopes.length === 0) {
      throw new TrustPolicyError(
        `trust policy statement ${name} has zero registry scopes, it must specify registry scopes with at least one value`,
        'scopes-required',
        field,
      );
    }
    if (scopes.length > 1 && scopes.includes(WILDCARD)) {
      throw new TrustPolicyError(
        `trust policy statement ${name} uses wildcard registry scope '*', a wildcard scope cannot be used in conjunction with other scope values`,
        'scope-wildcard-alone',
        field,
      );
    }
    scopes.forEach((scope, j) => {
      if (scope !== WILDCARD) {
        const err = registryScopeFormatError(scope);
        if (err !== undefined) throw new TrustPolicyError(err, 'scope-format', `${field}[${j}]`);
      }
      // Compared with the host in lower case, as statements are picked (two spellings of a host
      // in two statements would make the choice depend on the order).
      const key = comparableScope(scope);
      if (owner.has(key)) duplicates.push([scope, `${field}[${j}]`]);
      else owner.set(key, `${field}[${j}]`);
    });
  });
  const dup = duplicates[0];
  if (dup !== undefined) {
    throw new TrustPolicyError(
      `registry scope ${goQuote(dup[0])} is present in multiple trust policy statements, one registry scope value can only be associated with one statement`,
      'scope-unique',
      dup[1],
    );
  }
}
