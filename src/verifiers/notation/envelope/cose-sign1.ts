import type { KeyObject } from 'node:crypto';
import { CborError, CborMap, CborTag, decodeAll, decodeItem, encodeArrayHead, encodeBytes, encodeText, type CborValue } from './cbor.js';
import { ecCoordBytes, verifyEcdsaRaw, verifyRsaPss, type Hash } from './crypto.js';

/**
 * COSE_Sign1 (RFC 9052) decoding and verification with go-cose's rules and error texts:
 * the message must be tagged (18), headers are validated as go-cose validates them, and the
 * Sig_structure is built over the protected header bytes exactly as received.
 */

export const COSE_ALG = { PS256: -37, PS384: -38, PS512: -39, ES256: -7, ES384: -35, ES512: -36 } as const;
export const LABEL = { alg: 1, crit: 2, contentType: 3, kid: 4, iv: 5, partialIV: 6, x5chain: 33 } as const;

const ALG_NAMES: Record<number, string> = {
  [-37]: 'PS256',
  [-38]: 'PS384',
  [-39]: 'PS512',
  [-7]: 'ES256',
  [-35]: 'ES384',
  [-36]: 'ES512',
  [-8]: 'EdDSA',
  [-257]: 'RS256',
  [-258]: 'RS384',
  [-259]: 'RS512',
};

/** go-cose Algorithm.String(). */
export function coseAlgName(alg: number): string {
  return ALG_NAMES[alg] ?? `unknown algorithm value ${alg}`;
}

export class CoseError extends Error {}

export interface Sign1Message {
  /** The protected header item as it appears in the message (a CBOR bstr). */
  protectedRaw: Buffer;
  protected: CborMap;
  unprotected: CborMap;
  /** undefined when the message carries nil (detached payload). */
  payload: Buffer | undefined;
  signature: Buffer;
}

/** go-cose Sign1Message.UnmarshalCBOR. Throws CoseError with go-cose's message. */
export function decodeSign1(bytes: Uint8Array): Sign1Message {
  if (bytes.length < 2 || bytes[0] !== 0xd2 || bytes[1] !== 0x84) throw new CoseError('cbor: invalid COSE_Sign1_Tagged object');
  const items: { value: CborValue; start: number; end: number }[] = [];
  let off = 2;
  try {
    for (let k = 0; k < 4; k++) {
      const { value, end } = decodeItem(bytes, off, { forbidTags: true, maxDepth: 31 });
      items.push({ value, start: off, end });
      off = end;
    }
  } catch (e) {
    throw new CoseError(e instanceof CborError ? e.message : String(e));
  }
  // go-cose decodes data[1:], so its offsets are one less than ours.
  if (off !== bytes.length) throw new CoseError(`cbor: ${bytes.length - off} bytes of extraneous data starting at index ${off - 1}`);
  const [prot, unprot, payload, signature] = items as [(typeof items)[0], (typeof items)[0], (typeof items)[0], (typeof items)[0]];

  if (payload.value !== null && !Buffer.isBuffer(payload.value)) throw new CoseError('cbor: require bstr type');
  if (signature.value !== null && !Buffer.isBuffer(signature.value)) throw new CoseError('cbor: require bstr type');
  if (!Buffer.isBuffer(signature.value) || signature.value.length === 0) throw new CoseError('empty signature');

  return {
    protectedRaw: Buffer.from(bytes.subarray(prot.start, prot.end)),
    protected: decodeProtected(prot.value),
    unprotected: decodeUnprotected(unprot.value),
    payload: Buffer.isBuffer(payload.value) ? payload.value : undefined,
    signature: signature.value,
  };
}

function decodeProtected(v: CborValue): CborMap {
  const fail = (msg: string) => new CoseError(`cbor: invalid protected header: ${msg}`);
  if (!Buffer.isBuffer(v)) throw fail(v === null ? 'cbor: nil protected header' : 'cbor: require bstr type');
  if (v.length === 0) return new CborMap();
  if (v[0]! >> 5 !== 5) throw fail('cbor: protected header: require map type');
  let m: CborValue;
  try {
    m = decodeAll(v);
  } catch (e) {
    throw fail(e instanceof CborError ? e.message : String(e));
  }
  const h = m as CborMap;
  const labelErr = checkLabels(h);
  if (labelErr) throw fail(labelErr);
  const timeErr = checkTimeTags(h);
  if (timeErr) throw fail(timeErr);
  const paramErr = validateHeaderParameters(h, true);
  if (paramErr) throw fail(`protected header: ${paramErr}`);
  return h;
}

function decodeUnprotected(v: CborValue): CborMap {
  const fail = (msg: string) => new CoseError(`cbor: invalid unprotected header: ${msg}`);
  if (!(v instanceof CborMap)) throw fail('cbor: unprotected header: require map type');
  const labelErr = checkLabels(v);
  if (labelErr) throw fail(labelErr);
  const paramErr = validateHeaderParameters(v, false);
  if (paramErr) throw fail(`unprotected header: ${paramErr}`);
  return v;
}

function checkLabels(h: CborMap): string | undefined {
  for (const [k] of h.entries) {
    if (typeof k === 'bigint') return 'cbor: header label: int key must not be higher than 1<<63 - 1';
    if (typeof k !== 'number' && typeof k !== 'string') return 'cbor: header label: require int / tstr type';
    if (typeof k === 'number' && !Number.isInteger(k)) return 'cbor: header label: require int / tstr type';
  }
  return undefined;
}

// fxamacker/cbor turns tags 0 and 1 into time values and rejects ill-typed contents.
function checkTimeTags(h: CborMap): string | undefined {
  for (const [, v] of h.entries) {
    if (!(v instanceof CborTag)) continue;
    if (v.tag === 1 && typeof v.value !== 'number') {
      return `cbor: tag number 1 must be followed by integer or floating-point number, got ${cborTypeName(v.value)}`;
    }
    if (v.tag === 0 && typeof v.value !== 'string') return `cbor: tag number 0 must be followed by text string, got ${cborTypeName(v.value)}`;
  }
  return undefined;
}

function cborTypeName(v: CborValue): string {
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v) < 0 ? 'negative integer' : 'positive integer';
  if (typeof v === 'string') return 'UTF-8 text string';
  if (Buffer.isBuffer(v)) return 'byte string';
  if (Array.isArray(v)) return 'array';
  if (v instanceof CborMap) return 'map';
  if (v instanceof CborTag) return 'tag';
  return 'primitives';
}

const isInt = (v: CborValue): boolean => (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';

/** go-cose validateHeaderParameters. Returns the error text or undefined. */
function validateHeaderParameters(h: CborMap, isProtected: boolean): string | undefined {
  for (const [label, value] of h.entries) {
    switch (label) {
      case LABEL.alg:
        if (!isInt(value) && typeof value !== 'string') return 'header parameter: alg: require int / tstr type';
        break;
      case LABEL.crit: {
        if (!isProtected) return 'header parameter: crit: not allowed';
        const err = critError(value, h);
        if (err) return `header parameter: crit: ${err}`;
        break;
      }
      case LABEL.contentType:
        if (typeof value === 'string') {
          if (value.length === 0) return 'header parameter: content type: require non-empty string';
          if (value.startsWith(' ') || value.endsWith(' ')) return 'header parameter: content type: require no leading/trailing whitespace';
          if (value.split('/').length !== 2) return 'header parameter: content type: require text of form type/subtype';
        } else if (!(isInt(value) && Number(value) >= 0)) {
          return 'header parameter: content type: require tstr / uint type';
        }
        break;
      case LABEL.kid:
        if (!Buffer.isBuffer(value)) return 'header parameter: kid: require bstr type';
        break;
      case LABEL.iv:
        if (!Buffer.isBuffer(value)) return 'header parameter: IV: require bstr type';
        if (h.has(LABEL.partialIV)) return 'header parameter: IV and PartialIV: parameters must not both be present';
        break;
      case LABEL.partialIV:
        if (!Buffer.isBuffer(value)) return 'header parameter: Partial IV: require bstr type';
        if (h.has(LABEL.iv)) return 'header parameter: IV and PartialIV: parameters must not both be present';
        break;
    }
  }
  return undefined;
}

function critError(value: CborValue, h: CborMap): string | undefined {
  if (!Array.isArray(value)) return 'invalid crit header';
  if (value.length === 0) return 'empty crit header';
  for (const label of value) {
    if (!(typeof label === 'number' && Number.isInteger(label)) && typeof label !== 'string') {
      return `require int / tstr type, got '${goTypeName(label)}': ${String(label)}`;
    }
    if (!h.has(label)) return `missing critical header: ${String(label)}`;
  }
  return undefined;
}

function goTypeName(v: CborValue): string {
  if (Buffer.isBuffer(v)) return '[]uint8';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof CborMap) return 'map[interface {}]interface {}';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'float64';
  return v === null || v === undefined ? '<nil>' : 'cbor.Tag';
}

/** ToBeSigned = Sig_structure ["Signature1", protected, external_aad = h'', payload]. */
export function toBeSigned(msg: Sign1Message): Buffer {
  return Buffer.concat([encodeArrayHead(4), encodeText('Signature1'), msg.protectedRaw, encodeBytes(new Uint8Array()), encodeBytes(msg.payload ?? Buffer.alloc(0))]);
}

/**
 * The header algorithm check of go-cose Verify for a verifier of algorithm `expected`.
 * Returns go-cose's error text or undefined.
 */
export function algorithmError(msg: Sign1Message, expected: number): string | undefined {
  if (!msg.protected.has(LABEL.alg)) return 'algorithm not found';
  const alg = msg.protected.get(LABEL.alg);
  if (typeof alg === 'string') return `Algorithm(${JSON.stringify(alg)})`;
  if (typeof alg !== 'number' || !Number.isInteger(alg)) return 'invalid algorithm';
  if (alg !== expected) return `algorithm mismatch: verifier ${coseAlgName(expected)}: header ${coseAlgName(alg)}`;
  return undefined;
}

/** go-cose RSA-PSS / ECDSA verifiers (salt = hash length; raw r‖s sized by the key's curve). */
export function verifySignature(alg: number, key: KeyObject, tbs: Uint8Array, signature: Uint8Array): boolean {
  const hash: Hash = alg === COSE_ALG.PS256 || alg === COSE_ALG.ES256 ? 'sha256' : alg === COSE_ALG.PS384 || alg === COSE_ALG.ES384 ? 'sha384' : 'sha512';
  if (alg === COSE_ALG.PS256 || alg === COSE_ALG.PS384 || alg === COSE_ALG.PS512) {
    return key.asymmetricKeyType === 'rsa' && verifyRsaPss(key, hash, tbs, signature, 'hash');
  }
  if (alg === COSE_ALG.ES256 || alg === COSE_ALG.ES384 || alg === COSE_ALG.ES512) {
    const coord = key.asymmetricKeyType === 'ec' ? ecCoordBytes(key) : undefined;
    return coord !== undefined && verifyEcdsaRaw(key, hash, tbs, signature, coord);
  }
  return false;
}
