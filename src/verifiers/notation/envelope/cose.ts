import { goQuote } from '../../../crypto/x509/gofmt.js';
import { extractKeySpec, signatureAlgorithmFor, type SignatureAlgorithm } from '../../../crypto/x509/keyspec.js';
import { CborMap, CborTag, type CborValue } from './cbor.js';
import { parseCertificates, parseLeaf } from './chain.js';
import { algorithmError, COSE_ALG, CoseError, decodeSign1, LABEL, toBeSigned, verifySignature, type Sign1Message } from './cose-sign1.js';
import { integrity, invalidSignature, malformed } from './errors.js';
import {
  HEADER,
  MEDIA_TYPE_COSE,
  SIGNING_SCHEME_X509,
  SIGNING_SCHEME_X509_SIGNING_AUTHORITY,
  type ExtendedAttribute,
  type SignatureEnvelope,
  type SigningScheme,
} from './types.js';

/**
 * The Notary Project COSE envelope (signature-envelope-cose.md) on top of COSE_Sign1, with
 * notation-core-go signature/cose's checks and messages.
 */

const COSE_TO_ALG: Record<number, SignatureAlgorithm> = {
  [COSE_ALG.PS256]: 'RSASSA-PSS-SHA-256',
  [COSE_ALG.PS384]: 'RSASSA-PSS-SHA-384',
  [COSE_ALG.PS512]: 'RSASSA-PSS-SHA-512',
  [COSE_ALG.ES256]: 'ECDSA-SHA-256',
  [COSE_ALG.ES384]: 'ECDSA-SHA-384',
  [COSE_ALG.ES512]: 'ECDSA-SHA-512',
};
const ALG_TO_COSE = Object.fromEntries(Object.entries(COSE_TO_ALG).map(([k, v]) => [v, Number(k)])) as Record<SignatureAlgorithm, number>;

const SYSTEM_LABELS = new Set<string | number>([
  LABEL.alg,
  LABEL.crit,
  LABEL.contentType,
  HEADER.expiry,
  HEADER.signingScheme,
  HEADER.signingTime,
  HEADER.authenticSigningTime,
]);

export function parseCose(bytes: Uint8Array): SignatureEnvelope {
  let msg: Sign1Message;
  try {
    msg = decodeSign1(bytes);
  } catch (e) {
    throw malformed(e instanceof CoseError ? e.message : String(e));
  }

  // notation-core-go Verify: chain, leaf, the algorithm the leaf key dictates, then go-cose.
  const x5chain = msg.unprotected.get(LABEL.x5chain);
  if (!Array.isArray(x5chain) || x5chain.length === 0) throw invalidSignature('certificate chain is not present');
  const leafDer = x5chain[0];
  if (!Buffer.isBuffer(leafDer)) throw invalidSignature('COSE envelope malformed leaf certificate');
  const leaf = parseLeaf(leafDer);
  const spec = extractKeySpec(leaf.publicKey);
  if ('error' in spec) throw invalidSignature(spec.error);
  const expectedAlg = ALG_TO_COSE[signatureAlgorithmFor(spec)];
  if (msg.payload === undefined) throw integrity('missing payload');
  const algErr = algorithmError(msg, expectedAlg);
  if (algErr) throw integrity(algErr);

  // Content(): payload, then signer info.
  if (!msg.protected.has(LABEL.contentType)) throw invalidSignature('missing content type');
  const cty = msg.protected.get(LABEL.contentType);
  if (typeof cty !== 'string') throw invalidSignature("content type should be of 'tstr' type");

  const signedAttributes = signedAttributesOf(msg.protected);
  const alg = msg.protected.get(LABEL.alg) as number;
  const certs = x5chain.map((c) => {
    if (!Buffer.isBuffer(c)) throw invalidSignature('certificate chain is not present');
    return c;
  });
  const chain = [leaf, ...parseCertificates(certs.slice(1))];
  const agent = msg.unprotected.get(HEADER.signingAgent);
  const tst = msg.unprotected.get(HEADER.timestampSignature);

  return {
    mediaType: MEDIA_TYPE_COSE,
    payload: { contentType: cty, bytes: msg.payload },
    signedAttributes,
    unsignedAttributes: {
      ...(typeof agent === 'string' && agent !== '' ? { signingAgent: agent } : {}),
      ...(Buffer.isBuffer(tst) && tst.length > 0 ? { timestampSignature: tst } : {}),
    },
    certificateChain: chain,
    signature: msg.signature,
    signatureAlgorithm: COSE_TO_ALG[alg]!,
    signedContent: { format: 'cose', alg, toBeSigned: toBeSigned(msg) },
  };
}

export function verifyCose(env: SignatureEnvelope): void {
  const content = env.signedContent;
  if (content.format !== 'cose') throw new Error('not a COSE envelope');
  if (!verifySignature(content.alg, env.certificateChain[0]!.publicKey, content.toBeSigned, env.signature)) {
    throw integrity('verification error');
  }
}

// ---- notation-core-go parseProtectedHeaders ----

function signedAttributesOf(h: CborMap): SignatureEnvelope['signedAttributes'] {
  const labels = critLabels(h);
  const scheme = h.get(HEADER.signingScheme);
  if (typeof scheme !== 'string') throw invalidSignature('invalid signingScheme');
  const mustBeCritical = new Set<string>([HEADER.signingScheme]);
  if (scheme === SIGNING_SCHEME_X509_SIGNING_AUTHORITY) mustBeCritical.add(HEADER.authenticSigningTime);
  if (h.has(HEADER.expiry)) mustBeCritical.add(HEADER.expiry);
  for (const l of labels) if (typeof l === 'string') mustBeCritical.delete(l);
  if (mustBeCritical.size > 0) throw invalidSignature(`these required headers are not marked as critical: [${[...mustBeCritical].join(' ')}]`);

  const alg = h.get(LABEL.alg);
  if (typeof alg !== 'number' || !Object.hasOwn(COSE_TO_ALG, alg)) throw invalidSignature(`signature algorithm not supported: ${String(alg)}`);
  if (scheme !== SIGNING_SCHEME_X509 && scheme !== SIGNING_SCHEME_X509_SIGNING_AUTHORITY) throw invalidSignature(`unsupported signingScheme: ${scheme}`);
  const timeLabel = scheme === SIGNING_SCHEME_X509 ? HEADER.signingTime : HEADER.authenticSigningTime;

  const signingTime = timeOf(h, timeLabel, 'signingTime');
  const expiry = h.has(HEADER.expiry) ? timeOf(h, HEADER.expiry, 'expiry') : undefined;

  const crit = h.get(LABEL.crit);
  if (!Array.isArray(crit)) throw invalidSignature('invalid critical headers');
  const extendedAttributes: ExtendedAttribute[] = [];
  for (const [key, value] of h.entries) {
    if (SYSTEM_LABELS.has(key as string | number)) continue;
    extendedAttributes.push({ key: key as string | number, critical: crit.some((c) => c === key), value: plain(value) });
  }
  return {
    signingScheme: scheme as SigningScheme,
    signingTime,
    ...(expiry ? { expiry } : {}),
    ...(scheme === SIGNING_SCHEME_X509_SIGNING_AUTHORITY ? { authenticSigningTime: signingTime } : {}),
    extendedAttributes,
  };
}

/** go-cose ProtectedHeader.Critical(): absent is fine here (notation then reports what is missing). */
function critLabels(h: CborMap): CborValue[] {
  const v = h.get(LABEL.crit);
  return Array.isArray(v) ? v : [];
}

/** Only tag-1 (epoch) date/times are accepted, as notation requires. */
function timeOf(h: CborMap, label: string, what: string): Date {
  const fail = (msg: string) => invalidSignature(`invalid ${what}: ${msg}`);
  if (!h.has(label)) throw fail(`protected header ${goQuote(label)} is missing`);
  const v = h.get(label);
  if (!(v instanceof CborTag) || (v.tag !== 0 && v.tag !== 1)) throw fail('invalid timeValue type');
  if (v.tag !== 1) throw fail('only Tag `1` Datetime CBOR object is supported');
  const seconds = v.value as number;
  const d = new Date(Math.floor(seconds * 1000));
  if (Number.isNaN(d.getTime())) throw fail('invalid timeValue type');
  return d;
}

function plain(v: CborValue): unknown {
  if (v instanceof CborMap) return new Map(v.entries.map(([k, x]) => [plain(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof CborTag) return { tag: v.tag, value: plain(v.value) };
  return v;
}
