import { isDeepStrictEqual } from 'node:util';
import { Decoder } from 'cbor-x';
import { CborError, CborMap, CborSimple, CborTag, decodeAll, type CborValue } from '../../../src/verifiers/notation/envelope/cbor.js';
import { envelopeSeeds } from '../envelope-seeds.js';
import { check, rejectsOnlyWith, type FuzzTarget } from '../target.js';

const cborX = new Decoder({ mapsAsObjects: false, useRecords: false } as never);

/** Our values in a neutral form; undefined when they hold tags or simple values (which cbor-x reads differently by design). */
function ours(v: CborValue): unknown {
  if (v instanceof CborTag || v instanceof CborSimple) throw new Skip();
  if (v instanceof CborMap) return { map: v.entries.map(([k, x]) => [ours(k), ours(x)]) };
  if (Array.isArray(v)) return v.map(ours);
  if (Buffer.isBuffer(v)) return { bytes: v.toString('hex') };
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v) && !Object.is(v, -0))) return { int: BigInt(v).toString() };
  return v;
}

function theirs(v: unknown): unknown {
  if (v instanceof Map) return { map: [...v.entries()].map(([k, x]) => [theirs(k), theirs(x)]) };
  if (Array.isArray(v)) return v.map(theirs);
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v) && !Object.is(v, -0))) return { int: BigInt(v).toString() };
  return v;
}

class Skip extends Error {}

/**
 * Our strict CBOR decoder (COSE envelopes) against cbor-x. Clean reject: CborError.
 * Differential: whatever we accept without tags or simple values, cbor-x decodes to the same
 * value (we may reject more: indefinite lengths, duplicate keys, invalid UTF-8, deep nesting).
 */
export const target: FuzzTarget = {
  name: 'cbor',
  description: 'our strict CBOR decoder (`decodeAll`) vs cbor-x: what we accept (tags and simple values aside) cbor-x decodes to the same value',
  maxLen: 8 * 1024,
  fuzz(data) {
    const v = rejectsOnlyWith([CborError], () => decodeAll(data));
    if (v === undefined && !(data.length === 1 && data[0] === 0xf7)) return;
    let mine: unknown;
    try {
      mine = ours(v);
    } catch (e) {
      if (e instanceof Skip) return;
      throw e;
    }
    let other: unknown;
    try {
      other = theirs(cborX.decode(data));
    } catch (e) {
      check(false, `we accept, cbor-x rejects: ${(e as Error).message}`);
    }
    check(isDeepStrictEqual(mine, other), `decoded values differ: ours ${JSON.stringify(mine, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))}`);
  },
  seeds: async () => (await envelopeSeeds()).cose,
};
