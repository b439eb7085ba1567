import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Encoder } from 'cbor-x';
import fc from 'fast-check';
import { parseReference } from '../../src/reference/reference.js';
import { parseImageManifest } from '../../src/oci/manifest.js';
import { parseProviderRequest } from '../../src/server/wire.js';
import { decodeAll, CborMap, type CborValue } from '../../src/verifiers/notation/envelope/cbor.js';
import { formatLicenseExpression, parseLicenseExpression } from '../../src/verifiers/sbom/index.js';

/**
 * Property-based tests (fast-check) for structured inputs: generated valid documents must be
 * accepted with their meaning intact. The byte-level fuzz targets cover the invalid side.
 */

const NUM_RUNS = 300;
const SEED = 424242;
const opts = { numRuns: NUM_RUNS, seed: SEED };

const alnum = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const component = fc.tuple(alnum, fc.array(fc.tuple(fc.constantFrom('.', '_', '__', '-', '--'), alnum), { maxLength: 2 })).map(([a, rest]) => a + rest.map(([s, b]) => s + b).join(''));
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);

describe('properties: image references', () => {
  it('registry/path:tag@digest parses to its parts and re-parses to itself', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('ghcr.io', 'localhost:5000', 'registry.example.com:443', '[::1]:5000', '127.0.0.1'),
        fc.array(component, { minLength: 1, maxLength: 3 }),
        fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), { nil: undefined }),
        fc.option(hex64, { nil: undefined }),
        (registry, parts, tag, hex) => {
          const repository = parts.join('/');
          const input = `${registry}/${repository}${tag !== undefined ? `:${tag}` : ''}${hex !== undefined ? `@sha256:${hex}` : ''}`;
          const ref = parseReference(input);
          assert.equal(ref.registry, registry);
          assert.equal(ref.repository, repository);
          assert.equal(ref.digest, hex === undefined ? undefined : `sha256:${hex}`);
          assert.equal(ref.tag, hex !== undefined ? undefined : (tag ?? 'latest'));
          assert.deepEqual(parseReference(ref.original), ref);
        },
      ),
      opts,
    );
  });
});

describe('properties: manifests', () => {
  const descriptor = fc.record({
    mediaType: fc.constantFrom('application/vnd.oci.image.layer.v1.tar', 'application/spdx+json', 'application/jose+json'),
    digest: hex64.map((h) => `sha256:${h}`),
    size: fc.nat({ max: 2 ** 40 }),
  }, { noNullPrototype: true });
  it('a well-formed image manifest keeps every descriptor', () => {
    fc.assert(
      fc.property(descriptor, fc.array(descriptor, { maxLength: 5 }), fc.option(descriptor, { nil: undefined }), (config, layers, subject) => {
        const doc = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers, ...(subject ? { subject } : {}) };
        const m = parseImageManifest(Buffer.from(JSON.stringify(doc)));
        assert.deepEqual(m.layers, layers);
        assert.deepEqual(m.config, config);
        assert.deepEqual(m.subject, subject);
      }),
      opts,
    );
  });
});

describe('properties: Gatekeeper requests', () => {
  it('any list of string keys within the limits is accepted unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 64 }), { maxLength: 20 }), (keys) => {
        const body = { apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys } };
        assert.deepEqual(parseProviderRequest(Buffer.from(JSON.stringify(body))).keys, keys);
      }),
      opts,
    );
  });
});

describe('properties: SPDX license expressions', () => {
  const id = fc.stringMatching(/^[A-Za-z][A-Za-z0-9.-]{0,10}$/).filter((s) => !/^(AND|OR|WITH)$/i.test(s) && !/^(NONE|NOASSERTION)$/.test(s));
  const term = fc.tuple(id, fc.boolean(), fc.option(id, { nil: undefined })).map(([i, plus, exc]) => `${i}${plus ? '+' : ''}${exc ? ` WITH ${exc}` : ''}`);
  const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof({ depthSize: 'small', withCrossShrink: true }, term, fc.tuple(tie('e'), fc.constantFrom('AND', 'OR'), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`)),
  })).e;
  it('generated expressions parse, and their canonical form is a fixed point', () => {
    fc.assert(
      fc.property(expr, (s) => {
        const canonical = formatLicenseExpression(parseLicenseExpression(s));
        assert.equal(formatLicenseExpression(parseLicenseExpression(canonical)), canonical);
      }),
      opts,
    );
  });
});

describe('properties: CBOR (differential with cbor-x, encoding side)', () => {
  const encoder = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false } as never);
  const plain = (v: CborValue): unknown => {
    if (v instanceof CborMap) return new Map(v.entries.map(([k, x]) => [plain(k), plain(x)]));
    if (Array.isArray(v)) return v.map(plain);
    if (Buffer.isBuffer(v)) return new Uint8Array(v);
    return v;
  };
  const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.integer(),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.uint8Array({ maxLength: 16 }),
      fc.array(tie('v'), { maxLength: 4 }),
      fc.uniqueArray(fc.tuple(fc.oneof(fc.integer(), fc.string()), tie('v')), { maxLength: 4, selector: ([k]) => k }).map((e) => new Map(e)),
    ),
  })).v;
  it('whatever cbor-x encodes (no tags), our decoder reads back as the same value', () => {
    fc.assert(
      fc.property(value, (v) => {
        assert.deepEqual(plain(decodeAll(encoder.encode(v))), v);
      }),
      opts,
    );
  });
});
