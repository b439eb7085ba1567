import { goQuote } from '../../../crypto/x509/gofmt.js';
import type { SignatureAlgorithm } from '../../../crypto/x509/keyspec.js';
import { parseCertificates, parseLeaf } from './chain.js';
import { verifyEcdsaRaw, verifyRsaPss, type Hash } from './crypto.js';
import { integrity, invalidSignature, malformed } from './errors.js';
import { Base64Error, decodeRawURL, decodeStd } from '../../../crypto/encoding/gobase64.js';
import { jsonKind, JsonSyntaxError, parseJson, toPlain, type JsonObject, type JsonValue } from '../../../crypto/encoding/gojson.js';
import { parseRFC3339 } from './time.js';
import {
  HEADER,
  MEDIA_TYPE_JWS,
  SIGNING_SCHEME_X509,
  SIGNING_SCHEME_X509_SIGNING_AUTHORITY,
  type ExtendedAttribute,
  type SignatureEnvelope,
  type SigningScheme,
} from './types.js';

/**
 * The Notary Project JWS envelope (signature-envelope-jws.md): flattened JSON serialization,
 * protected header with alg/cty/crit and the notary signed attributes, unprotected header with
 * x5c and the unsigned attributes. Behaviour and messages follow notation-core-go
 * signature/jws, whose JWT checks come from golang-jwt/jwt v4.
 */

const JWS_ALGORITHMS: Record<string, SignatureAlgorithm> = {
  PS256: 'RSASSA-PSS-SHA-256',
  PS384: 'RSASSA-PSS-SHA-384',
  PS512: 'RSASSA-PSS-SHA-512',
  ES256: 'ECDSA-SHA-256',
  ES384: 'ECDSA-SHA-384',
  ES512: 'ECDSA-SHA-512',
};

/** Every method golang-jwt knows; the ones not above are known but refused. */
const KNOWN_JWT_METHODS = new Set(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'none', ...Object.keys(JWS_ALGORITHMS)]);

const PROTECTED_KEYS = new Set(['alg', 'cty', 'crit', HEADER.expiry, HEADER.signingTime, HEADER.signingScheme, HEADER.authenticSigningTime]);

interface RawEnvelope {
  payload: string;
  protected: string;
  signature: string;
  x5c: Buffer[];
  signingAgent?: string;
  timestampSignature?: Buffer;
}

/** Parses and validates a JWS envelope; the signature itself is checked by verifyJws. */
export function parseJws(bytes: Uint8Array): SignatureEnvelope {
  const raw = unmarshalEnvelope(bytes);

  // notation-core-go Verify: the chain is needed before anything else.
  if (raw.x5c.length === 0) throw invalidSignature('certificate chain is not present');
  const leaf = parseLeaf(raw.x5c[0]!);

  // golang-jwt's parse of the compact form, whose errors notation reports as integrity errors.
  const compact = `${raw.protected}.${raw.payload}.${raw.signature}`;
  if (compact.split('.').length !== 3) throw integrity('token contains an invalid number of segments');
  const header = decodeJsonSegment(raw.protected, 'map[string]interface {}');
  const payload = decodeRawURLOr(raw.payload, integrity);
  decodeJsonValue(payload, 'jwt.MapClaims');
  const alg = header.get('alg');
  if (typeof alg !== 'string') throw integrity('signing method (alg) is unspecified.');
  if (!KNOWN_JWT_METHODS.has(alg)) throw integrity('signing method (alg) is unavailable.');
  if (!Object.hasOwn(JWS_ALGORITHMS, alg)) throw integrity(`signing method ${alg} is invalid`);
  const signature = decodeRawURLOr(raw.signature, integrity);

  const prot = protectedHeader(header);
  const signedAttributes = signedAttributesOf(prot);
  const chain = [leaf, ...parseCertificates(raw.x5c.slice(1))];

  return {
    mediaType: MEDIA_TYPE_JWS,
    payload: { contentType: prot.cty ?? '', bytes: payload },
    signedAttributes,
    unsignedAttributes: {
      ...(raw.signingAgent ? { signingAgent: raw.signingAgent } : {}),
      ...(raw.timestampSignature?.length ? { timestampSignature: raw.timestampSignature } : {}),
    },
    certificateChain: chain,
    signature,
    signatureAlgorithm: JWS_ALGORITHMS[alg]!,
    signedContent: { format: 'jws', alg, signingInput: Buffer.from(`${raw.protected}.${raw.payload}`, 'utf8') },
  };
}

/** golang-jwt SigningMethodRSAPSS / SigningMethodECDSA Verify with the leaf certificate's key. */
export function verifyJws(env: SignatureEnvelope): void {
  const content = env.signedContent;
  if (content.format !== 'jws') throw new Error('not a JWS envelope');
  const key = env.certificateChain[0]!.publicKey;
  const hash = `sha${content.alg.slice(2)}` as Hash;
  if (content.alg.startsWith('PS')) {
    if (key.asymmetricKeyType !== 'rsa') throw integrity('key is invalid type');
    if (!verifyRsaPss(key, hash, content.signingInput, env.signature, 'auto')) throw integrity('crypto/rsa: verification error');
    return;
  }
  if (key.asymmetricKeyType !== 'ec') throw integrity('key is invalid type');
  // golang-jwt fixes r and s widths by method (ES512: 66 bytes), not by the key's curve.
  const coord = content.alg === 'ES256' ? 32 : content.alg === 'ES384' ? 48 : 66;
  if (!verifyEcdsaRaw(key, hash, content.signingInput, env.signature, coord)) throw integrity('crypto/ecdsa: verification error');
}

// ---- envelope JSON, decoded as Go's encoding/json fills jwsEnvelope ----

function unmarshalEnvelope(bytes: Uint8Array): RawEnvelope {
  let doc: JsonValue;
  try {
    doc = parseJson(bytes);
  } catch (e) {
    throw malformed(e instanceof JsonSyntaxError ? e.message : String(e));
  }
  if (!(doc instanceof Map)) throw malformed(`json: cannot unmarshal ${jsonKind(doc)} into Go value of type jws.jwsEnvelope`);
  if (doc.has('signatures')) throw malformed('only the flattened JWS JSON serialization is supported');

  const out: RawEnvelope = { payload: '', protected: '', signature: '', x5c: [] };
  for (const name of ['payload', 'protected', 'signature'] as const) {
    const v = goField(doc, name);
    if (v !== undefined && v !== null) {
      if (typeof v !== 'string') throw malformed(typeError(v, `jwsEnvelope.${name}`, 'string'));
      out[name] = v;
    }
  }
  const header = goField(doc, 'header');
  if (header === undefined || header === null) return out;
  if (!(header instanceof Map)) throw malformed(typeError(header, 'jwsEnvelope.header', 'jws.jwsUnprotectedHeader'));

  const x5c = goField(header, 'x5c');
  if (x5c !== undefined && x5c !== null) {
    if (!Array.isArray(x5c)) throw malformed(typeError(x5c, 'jwsEnvelope.header.x5c', '[][]uint8'));
    out.x5c = x5c.map((c) => {
      if (c === null) return Buffer.alloc(0);
      if (typeof c !== 'string') throw malformed(typeError(c, 'jwsEnvelope.header.x5c', '[]uint8'));
      return decodeStdOr(c);
    });
  }
  const agent = goField(header, HEADER.signingAgent);
  if (agent !== undefined && agent !== null) {
    if (typeof agent !== 'string') throw malformed(typeError(agent, `jwsEnvelope.header.${HEADER.signingAgent}`, 'string'));
    out.signingAgent = agent;
  }
  const tst = goField(header, HEADER.timestampSignature);
  if (tst !== undefined && tst !== null) {
    if (typeof tst !== 'string') throw malformed(typeError(tst, `jwsEnvelope.header.${HEADER.timestampSignature}`, '[]uint8'));
    out.timestampSignature = decodeStdOr(tst);
  }
  return out;
}

/**
 * Go matches JSON keys to struct fields case-insensitively, the last matching key winning.
 * Notation's own mock envelopes rely on it ("io.cncf.notary.SigningAgent").
 */
function goField(obj: JsonObject, name: string): JsonValue | undefined {
  const want = name.toLowerCase();
  let found: JsonValue | undefined;
  for (const [k, v] of obj) if (k === name || k.toLowerCase() === want) found = v;
  return found;
}

function typeError(v: JsonValue, field: string, goType: string): string {
  return `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${field} of type ${goType}`;
}

function decodeStdOr(s: string): Buffer {
  try {
    return decodeStd(s);
  } catch (e) {
    throw malformed(e instanceof Base64Error ? e.message : String(e));
  }
}

function decodeRawURLOr(s: string, wrap: (msg: string) => Error): Buffer {
  try {
    return decodeRawURL(s);
  } catch (e) {
    throw wrap(e instanceof Base64Error ? e.message : String(e));
  }
}

function decodeJsonValue(bytes: Buffer, goType: string): JsonObject {
  let v: JsonValue;
  try {
    v = parseJson(bytes);
  } catch (e) {
    throw integrity(e instanceof JsonSyntaxError ? e.message : String(e));
  }
  if (!(v instanceof Map)) throw integrity(`json: cannot unmarshal ${jsonKind(v)} into Go value of type ${goType}`);
  return v;
}

function decodeJsonSegment(segment: string, goType: string): JsonObject {
  return decodeJsonValue(decodeRawURLOr(segment, integrity), goType);
}

// ---- protected header: notation-core-go parseProtectedHeaders / populateProtectedHeaders ----

interface ProtectedHeader {
  alg: string;
  cty?: string;
  crit: string[];
  signingScheme: string;
  signingTime?: Date;
  authenticSigningTime?: Date;
  expiry?: Date;
  extended: JsonObject;
}

const headerError = (msg: string) => invalidSignature(`jws envelope protected header can't be decoded: ${msg}`);

// The signed header is matched on exact names: golang-jwt picks `alg` that way, and a
// case-folded second reading of signed data is exactly the ambiguity to avoid.
function protectedHeader(h: JsonObject): ProtectedHeader {
  const str = (key: string): string | undefined => {
    const v = h.get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw headerError(typeError(v, `jwsProtectedHeader.${key}`, 'string'));
    return v;
  };
  const time = (key: string): Date | undefined => {
    const v = h.get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw headerError(typeError(v, `jwsProtectedHeader.${key}`, 'time.Time'));
    const d = parseRFC3339(v);
    if (!d) throw headerError(`parsing time ${goQuote(JSON.stringify(v))} as "\\"2006-01-02T15:04:05Z07:00\\"": invalid RFC 3339 time`);
    return d;
  };
  let crit: string[] = [];
  const critRaw = h.get('crit');
  if (critRaw !== undefined && critRaw !== null) {
    if (!Array.isArray(critRaw)) throw headerError(typeError(critRaw, 'jwsProtectedHeader.crit', '[]string'));
    crit = critRaw.map((c) => {
      if (typeof c !== 'string') throw headerError(typeError(c, 'jwsProtectedHeader.crit', 'string'));
      return c;
    });
  }
  const extended: JsonObject = new Map([...h].filter(([k]) => !PROTECTED_KEYS.has(k)));
  const out: ProtectedHeader = { alg: str('alg') ?? '', crit, signingScheme: str(HEADER.signingScheme) ?? '', extended };
  const cty = str('cty');
  if (cty !== undefined) out.cty = cty;
  const st = time(HEADER.signingTime);
  if (st) out.signingTime = st;
  const ast = time(HEADER.authenticSigningTime);
  if (ast) out.authenticSigningTime = ast;
  const exp = time(HEADER.expiry);
  if (exp) out.expiry = exp;
  return out;
}

function signedAttributesOf(p: ProtectedHeader): SignatureEnvelope['signedAttributes'] {
  validateSchemeHeaders(p);
  validateCriticalHeaders(p);
  if (!Object.hasOwn(JWS_ALGORITHMS, p.alg)) throw invalidSignature(`signature algorithm ${goQuote(p.alg)} is not supported`);
  const scheme = p.signingScheme as SigningScheme;
  const signingTime = scheme === SIGNING_SCHEME_X509 ? p.signingTime : p.authenticSigningTime;
  if (!signingTime) throw invalidSignature('signing-time not present');
  const extendedAttributes: ExtendedAttribute[] = [...p.extended].map(([key, value]) => ({
    key,
    critical: p.crit.includes(key),
    value: toPlain(value),
  }));
  return {
    signingScheme: scheme,
    signingTime,
    ...(p.expiry ? { expiry: p.expiry } : {}),
    ...(scheme === SIGNING_SCHEME_X509_SIGNING_AUTHORITY ? { authenticSigningTime: signingTime } : {}),
    extendedAttributes,
  };
}

function validateSchemeHeaders(p: ProtectedHeader): void {
  switch (p.signingScheme) {
    case SIGNING_SCHEME_X509:
      if (p.authenticSigningTime) {
        throw invalidSignature(`${goQuote(HEADER.authenticSigningTime)} header must not be present for ${SIGNING_SCHEME_X509} signing scheme`);
      }
      return;
    case SIGNING_SCHEME_X509_SIGNING_AUTHORITY:
      if (p.signingTime) {
        throw invalidSignature(
          `${goQuote(HEADER.signingTime)} header must not be present for ${SIGNING_SCHEME_X509_SIGNING_AUTHORITY} signing scheme`,
        );
      }
      if (!p.authenticSigningTime) {
        // notation-core-go names the other scheme in this message; kept for identical output.
        throw invalidSignature(`${goQuote(HEADER.authenticSigningTime)} header must be present for ${SIGNING_SCHEME_X509} signing scheme`);
      }
      return;
    default:
      throw invalidSignature(`unsupported SigningScheme: \`${p.signingScheme}\``);
  }
}

/** Every critical name must be present, and notation's own attributes must be marked critical. */
function validateCriticalHeaders(p: ProtectedHeader): void {
  if (p.crit.length === 0) throw invalidSignature('missing "crit" header');
  const mustBeCritical = new Set<string>([HEADER.signingScheme]);
  if (p.expiry) mustBeCritical.add(HEADER.expiry);
  if (p.signingScheme === SIGNING_SCHEME_X509_SIGNING_AUTHORITY) mustBeCritical.add(HEADER.authenticSigningTime);
  for (const name of p.crit) {
    if (mustBeCritical.delete(name)) continue;
    if (!p.extended.has(name)) throw invalidSignature(`${goQuote(name)} header is marked critical but not present`);
  }
  if (mustBeCritical.size > 0) {
    throw invalidSignature(`these required headers are not marked as critical: [${[...mustBeCritical].join(' ')}]`);
  }
}
