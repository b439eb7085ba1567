import { RatifyError } from '../../../src/errors.js';
import { applicableTrustPolicy, loadTrustPolicyDocument, timestampOption, trustedIdentityError, verificationLevel } from '../../../src/verifiers/notation/trustpolicy/index.js';
import { parsedJson } from '../json.js';
import { check, rejectsOnlyWith, type FuzzTarget } from '../target.js';
import { jsonDocs, json, unique, vectorFiles } from '../seeds.js';

const REFS = ['registry.acme-rockets.io/software/net-monitor@sha256:' + 'a'.repeat(64), 'localhost:5000/e2e@sha256:' + 'b'.repeat(64)];

/**
 * Notation trust policy documents (`trustPolicyDoc`): decode, validate, then pick the policy for
 * a reference and derive its level. Clean reject: RatifyError (TrustPolicyError, CONFIG_INVALID,
 * NoApplicableTrustPolicyError). An accepted document always yields a level for its policies.
 */
export const target: FuzzTarget = {
  name: 'trust-policy',
  description: 'Notation trust policy documents (`loadTrustPolicyDocument`, scope selection, levels, trusted identities)',
  maxLen: 8 * 1024,
  fuzz(data) {
    const j = parsedJson(data);
    if (!j.ok) return;
    const doc = rejectsOnlyWith([RatifyError], () => loadTrustPolicyDocument(j.value));
    if (doc === undefined) return;
    for (const p of doc.trustPolicies) {
      const level = verificationLevel(p.signatureVerification);
      check(level !== undefined, `accepted policy ${p.name} has no level`);
      timestampOption(p.signatureVerification);
      trustedIdentityError(p, 'CN=signer,O=Notary,C=US');
    }
    for (const ref of REFS) rejectsOnlyWith([RatifyError], () => applicableTrustPolicy(doc, ref));
  },
  seeds: () =>
    unique([
      ...jsonDocs(vectorFiles(/trustpolic/i), (v) => typeof v === 'object' && v !== null && 'trustPolicies' in v),
      ...json({
        version: '1.0',
        trustPolicies: [
          {
            name: 'wabbit-networks-images',
            registryScopes: ['registry.acme-rockets.io/software/net-monitor', 'localhost:5000/e2e'],
            signatureVerification: { level: 'strict', override: { revocation: 'log' }, verifyTimestamp: 'afterCertExpiry' },
            trustStores: ['ca:valid-trust-store', 'tsa:test-timestamp'],
            trustedIdentities: ['x509.subject: CN=signer,O=Notary,C=US', '*'],
          },
          { name: 'global', registryScopes: ['*'], signatureVerification: { level: 'skip' } },
        ],
      }),
    ]),
};
