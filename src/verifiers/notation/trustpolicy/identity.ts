/**
 * Trusted identities: validating them in a policy (notation-go `validateTrustedIdentities`) and
 * matching a signing certificate against them at verification time (`verifyX509TrustedIdentities`).
 */
import {
  DistinguishedNameError,
  formatDnMapsGo,
  goQuote,
  isSubsetDN,
  parseNotationDN,
} from '../../../crypto/dn.js';
import { TrustPolicyError } from './errors.js';
import { WILDCARD, X509_SUBJECT_PREFIX, type TrustPolicy } from './types.js';

interface ParsedIdentity {
  raw: string;
  dn: Map<string, string>;
}

/** `x509.subject:<DN>` → [prefix, value]; undefined when there is no ':' at all. */
function splitIdentity(identity: string): [string, string] | undefined {
  const i = identity.indexOf(':');
  return i < 0 ? undefined : [identity.slice(0, i), identity.slice(i + 1)];
}

/**
 * Throws TrustPolicyError (notation's text) when the statement's trusted identities break a rule:
 * `*` alone, no empty entries, `<prefix>:<value>` form, parseable x509.subject DNs with C, ST and O,
 * and no two DNs where one is a subset of the other (that also rules out duplicates).
 * Identities with another prefix are left to verification plugins, as notation does.
 */
export function validateTrustedIdentities(statement: TrustPolicy, field: string): void {
  const name = goQuote(statement.name);
  const ids = statement.trustedIdentities;
  if (ids.length > 1 && ids.includes(WILDCARD)) {
    throw new TrustPolicyError(
      `trust policy statement ${name} uses a wildcard trusted identity '*', a wildcard identity cannot be used in conjunction with other values`,
      'identity-wildcard-alone',
      field,
    );
  }
  const parsed: ParsedIdentity[] = [];
  ids.forEach((identity, i) => {
    const at = `${field}[${i}]`;
    if (identity === '') {
      throw new TrustPolicyError(`trust policy statement ${name} has an empty trusted identity`, 'identity-empty', at);
    }
    if (identity === WILDCARD) return;
    const parts = splitIdentity(identity);
    if (parts === undefined) {
      throw new TrustPolicyError(
        `trust policy statement ${name} has trusted identity ${goQuote(identity)} missing separator`,
        'identity-format',
        at,
      );
    }
    const [prefix, value] = parts;
    if (prefix !== X509_SUBJECT_PREFIX) return;
    if (value === '') {
      throw new TrustPolicyError(
        `trust policy statement ${name} has trusted identity ${goQuote(identity)} without an identity value`,
        'identity-format',
        at,
      );
    }
    try {
      parsed.push({ raw: identity, dn: parseNotationDN(value) });
    } catch (e) {
      if (!(e instanceof DistinguishedNameError)) throw e;
      throw new TrustPolicyError(
        `trust policy statement ${name} has trusted identity ${goQuote(identity)} with invalid identity value: ${e.message}`,
        'identity-dn',
        at,
      );
    }
  });
  for (let i = 0; i < parsed.length; i++) {
    for (let j = 0; j < parsed.length; j++) {
      if (i !== j && isSubsetDN(parsed[i]!.dn, parsed[j]!.dn)) {
        throw new TrustPolicyError(
          `trust policy statement ${name} has overlapping x509 trustedIdentities, ${goQuote(parsed[i]!.raw)} overlaps with ${goQuote(parsed[j]!.raw)}`,
          'identity-overlap',
          field,
        );
      }
    }
  }
}

/**
 * notation-go `verifyX509TrustedIdentities` for the signing (leaf) certificate: undefined when the
 * policy trusts it, else notation's error text (an authenticity failure). `leafSubject` is the leaf
 * certificate's subject in Go `pkix.Name.String()` form (see `formatSubject` in crypto/dn).
 */
export function trustedIdentityError(policy: TrustPolicy, leafSubject: string): string | undefined {
  if (policy.trustedIdentities.includes(WILDCARD)) return undefined;
  const name = goQuote(policy.name);
  const trusted: Map<string, string>[] = [];
  for (const identity of policy.trustedIdentities) {
    const parts = splitIdentity(identity);
    if (parts === undefined) return `trust policy statement ${name} has trusted identity ${goQuote(identity)} missing separator`;
    const [prefix, value] = parts;
    if (prefix !== X509_SUBJECT_PREFIX) continue;
    if (value === '') return `trust policy statement ${name} has trusted identity ${goQuote(identity)} without an identity value`;
    try {
      trusted.push(parseNotationDN(value));
    } catch (e) {
      if (e instanceof DistinguishedNameError) return e.message;
      throw e;
    }
  }
  if (trusted.length === 0) return `no x509 trusted identities are configured in the trust policy ${name}`;
  let leaf: Map<string, string>;
  try {
    // notation re-parses Go's rendering of the subject with the same strict rules as the policy side,
    // so a leaf without C, ST and O (or with an unknown attribute, rendered "=#") never matches.
    leaf = parseNotationDN(leafSubject);
  } catch (e) {
    if (!(e instanceof DistinguishedNameError)) throw e;
    return `error while parsing the certificate subject from the digital signature. error : ${goQuote(e.message)}`;
  }
  if (trusted.some((dn) => isSubsetDN(dn, leaf))) return undefined;
  return `signing certificate from the digital signature does not match the X.509 trusted identities ${formatDnMapsGo(trusted)} defined in the trust policy ${name}`;
}
