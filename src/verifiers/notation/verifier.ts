import { join } from 'node:path';
import type { Context } from '../../context.js';
import { RatifyError } from '../../errors.js';
import { RevocationValidator } from '../../crypto/revocation/index.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { withDigest } from '../../reference/reference.js';
import { parseEntry } from '../../config/issues.js';
import { BaseVerifier, type commonConfig } from '../base.js';
import { commonFrom } from '../config.js';
import { notationEntrySchema } from './config.js';
import type { Verifier, VerifierDeps, VerifierFactory, VerifierResult, VerifyInput } from '../types.js';
import { DEFAULT_MAX_ENVELOPE_BYTES } from './envelope/index.js';
import { trustPolicyFromVerifierConfig, type TrustPolicyDocument } from './trustpolicy/index.js';
import { RatifyTrustStore, parseTrustStoreConfig, type KeyManagementLookup, type X509TrustStore } from './truststore/index.js';
import { outcomeTrace, verifyNotationSignature } from './verify-signature.js';

export const NOTATION_SUCCESS = 'Notation signature verification success';
export const LOCAL_SCOPE = 'local/oci-layout';

export interface NotationVerifierOptions {
  trustStore: X509TrustStore;
  policy: TrustPolicyDocument;
  codeSigningRevocation: RevocationValidator;
  timestampingRevocation: RevocationValidator;
  /** Required signed annotations (ratify-ts addition: notation's --user-metadata). */
  userMetadata?: Record<string, string>;
  maxEnvelopeBytes: number;
}

/**
 * Ratify's `notation` verifier (reference §3.1): the referrer's manifest must carry exactly one
 * signature envelope, which is verified with notation's rules against the configured trust
 * policy and trust store. Success carries the leaf's Issuer and subject (SN) in Go form.
 */
export class NotationVerifier extends BaseVerifier implements Verifier {
  constructor(
    common: ReturnType<typeof commonConfig>,
    private readonly o: NotationVerifierOptions,
  ) {
    super(common);
  }

  async verify(input: VerifyInput, ctx: Context): Promise<VerifierResult> {
    const { subject, subjectDescriptor, referrer, store } = input;
    // A subject read from an OCI layout has no registry; it is scoped as "local/oci-layout", which
    // a "*" trust policy covers (or a statement with that scope, to treat layouts specially).
    const artifactRef = `${subject.registry ? subject.path : LOCAL_SCOPE}@${subjectDescriptor.digest}`;
    const manifest = await store.fetchManifest(subject, referrer, ctx);
    if (manifest.blobs.length !== 1) {
      throw new RatifyError('VERIFY_REFERENCE_FAILURE', `Notation signature manifest requires exactly one signature envelope blob, got ${manifest.blobs.length}`, {
        remediation: `Please inspect the artifact [${withDigest(subject, referrer.digest).original}] is correctly signed by Notation signer`,
      });
    }
    const blob = manifest.blobs[0]!;
    if (blob.size > this.o.maxEnvelopeBytes) {
      throw new RatifyError('VERIFY_REFERENCE_FAILURE', `signature envelope of ${blob.size} bytes exceeds the limit of ${this.o.maxEnvelopeBytes} bytes`);
    }
    const envelope = await store.fetchBlob(subject, blob, ctx);
    const outcome = await verifyNotationSignature(
      {
        envelope,
        envelopeMediaType: blob.mediaType,
        subject: subjectDescriptor,
        artifactReference: artifactRef,
        policy: this.o.policy,
        trustStore: this.o.trustStore,
        codeSigningRevocation: this.o.codeSigningRevocation,
        timestampingRevocation: this.o.timestampingRevocation,
        ...(this.o.userMetadata ? { userMetadata: this.o.userMetadata } : {}),
      },
      ctx,
    );
    const trace = outcomeTrace(outcome);
    if (outcome.error !== undefined) {
      const failed = outcome.results.find((r) => r.error === outcome.error);
      return {
        isSuccess: false,
        message: `Failed to validate the Notation signature: ${goDescriptor(referrer)}`,
        errorReason: outcome.error,
        remediation: remediationFor(failed?.type),
        trace,
      };
    }
    const leaf = outcome.envelope?.certificateChain[0];
    return {
      isSuccess: true,
      message: NOTATION_SUCCESS,
      ...(leaf ? { extensions: { Issuer: leaf.issuer, SN: leaf.subject } } : {}),
      trace,
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.o.codeSigningRevocation.close(), this.o.timestampingRevocation.close()]);
  }
}

function remediationFor(type: string | undefined): string {
  switch (type) {
    case 'integrity':
      return 'The signature envelope is malformed or was tampered with; re-sign the artifact';
    case 'authenticity':
      return 'Make sure the signing certificate chains to a certificate in verificationCerts and matches trustedIdentities of the trust policy';
    case 'expiry':
      return 'The signature has expired; re-sign the artifact or relax "expiry" in the trust policy';
    case 'authenticTimestamp':
      return 'Check the signing certificate validity and the timestamp (tsa trust store, verifyTimestamp) in the trust policy';
    case 'revocation':
      return 'A certificate of the signing chain is revoked or its status is unknown; check the CRL/OCSP endpoints';
    default:
      return 'Check the trust policy and the signature';
  }
}

/** Go's %+v of the referrer descriptor, as Ratify prints it in the failure message. */
function goDescriptor(d: Descriptor): string {
  // fmt prints a map with its keys sorted.
  const ann = d.annotations ? `map[${Object.keys(d.annotations).sort().map((k) => `${k}:${d.annotations![k]}`).join(' ')}]` : 'map[]';
  return `{Descriptor:{MediaType:${d.mediaType} Digest:${d.digest} Size:${d.size} URLs:[] Annotations:${ann} Data:[] Platform:<nil> ArtifactType:} ArtifactType:${d.artifactType ?? ''}}`;
}

export interface NotationFactoryOptions {
  keyManagement?: KeyManagementLookup;
}

export function notationVerifierFactory(opts: NotationFactoryOptions = {}): VerifierFactory {
  return {
    type: 'notation',
    async create(entry: Record<string, unknown>, deps: VerifierDeps): Promise<Verifier> {
      const c = parseEntry(notationEntrySchema, entry, [], 'notation verifier entry');
      const common = commonFrom(c);
      const policy = trustPolicyFromVerifierConfig(entry);
      const tsConfig = parseTrustStoreConfig(entry, { rt: deps.rt, ...(deps.baseDir ? { baseDir: deps.baseDir } : {}) });
      const trustStore = new RatifyTrustStore(tsConfig, { ...(opts.keyManagement ? { keyManagement: opts.keyManagement } : {}), log: deps.log });
      // crl.cache.enabled: false turns the CRL file cache off (Ratify's default is off; ours on).
      const cache = deps.crlCacheEnabled === false ? {} : { crlCacheDir: join(deps.rt.home, '.cache', 'notation', 'crl') };
      return new NotationVerifier(common, {
        trustStore,
        policy,
        codeSigningRevocation: new RevocationValidator({ purpose: 'codeSigning', ...cache, log: deps.log }),
        timestampingRevocation: new RevocationValidator({ purpose: 'timestamping', ...cache, log: deps.log }),
        ...(c.userMetadata ? { userMetadata: c.userMetadata } : {}),
        maxEnvelopeBytes: c.maxEnvelopeBytes ?? DEFAULT_MAX_ENVELOPE_BYTES,
      });
    },
  };
}

