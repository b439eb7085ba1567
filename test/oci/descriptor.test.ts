import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RatifyError } from '../../src/errors.js';
import { descriptorJSON, parseDescriptor } from '../../src/oci/descriptor.js';
import { MANIFEST_ACCEPT, MediaType, bareMediaType, isIndexMediaType, isManifestMediaType } from '../../src/oci/mediatypes.js';

const DIG = `sha256:${'a'.repeat(64)}`;

describe('parseDescriptor', () => {
  it('keeps known fields and drops unknown ones (including OCI "data")', () => {
    const d = parseDescriptor(
      {
        mediaType: 'application/jose+json',
        digest: DIG,
        size: 0,
        urls: ['https://example.com/x'],
        annotations: { a: 'b' },
        artifactType: 'application/vnd.cncf.notary.signature',
        platform: { architecture: 'arm64', os: 'linux', variant: 'v8', 'os.version': '1', 'os.features': ['f', 3], extra: 1 },
        data: 'e30=',
        evil: { x: 1 },
      },
      'test',
    );
    assert.deepEqual(d, {
      mediaType: 'application/jose+json',
      digest: DIG,
      size: 0,
      urls: ['https://example.com/x'],
      annotations: { a: 'b' },
      artifactType: 'application/vnd.cncf.notary.signature',
      platform: { architecture: 'arm64', os: 'linux', variant: 'v8', 'os.version': '1', 'os.features': ['f'] },
    });
  });
  it('treats null optional fields as absent (as Go encoding/json does) and "" artifactType as none', () => {
    const d = parseDescriptor({ mediaType: 'x/y', digest: DIG, size: 1, urls: null, annotations: null, artifactType: null, platform: null }, 't');
    assert.deepEqual(d, { mediaType: 'x/y', digest: DIG, size: 1 });
    assert.deepEqual(parseDescriptor({ mediaType: 'x/y', digest: DIG, size: 1, artifactType: '' }, 't'), { mediaType: 'x/y', digest: DIG, size: 1 });
  });
  it('accepts the largest safe size', () => {
    assert.equal(parseDescriptor({ mediaType: 'x/y', digest: DIG, size: Number.MAX_SAFE_INTEGER }, 't').size, Number.MAX_SAFE_INTEGER);
  });
  const hostile: Array<[string, unknown]> = [
    ['null', null],
    ['an array', [DIG]],
    ['a string', DIG],
    ['no mediaType', { digest: DIG, size: 1 }],
    ['empty mediaType', { mediaType: '', digest: DIG, size: 1 }],
    ['mediaType a number', { mediaType: 1, digest: DIG, size: 1 }],
    ['digest with upper-case hex', { mediaType: 'x/y', digest: DIG.toUpperCase(), size: 1 }],
    ['digest with a wrong length', { mediaType: 'x/y', digest: 'sha256:abcd', size: 1 }],
    ['digest of an unknown algorithm', { mediaType: 'x/y', digest: `sha1:${'a'.repeat(40)}`, size: 1 }],
    ['size NaN-like', { mediaType: 'x/y', digest: DIG, size: '1' }],
    ['size negative', { mediaType: 'x/y', digest: DIG, size: -1 }],
    ['size fractional', { mediaType: 'x/y', digest: DIG, size: 0.5 }],
    ['size too large', { mediaType: 'x/y', digest: DIG, size: 1e300 }],
    ['urls a string', { mediaType: 'x/y', digest: DIG, size: 1, urls: 'https://x' }],
    ['annotations with non-string values', { mediaType: 'x/y', digest: DIG, size: 1, annotations: { a: true } }],
    ['annotations an array', { mediaType: 'x/y', digest: DIG, size: 1, annotations: [] }],
    ['artifactType an object', { mediaType: 'x/y', digest: DIG, size: 1, artifactType: {} }],
    ['platform without architecture', { mediaType: 'x/y', digest: DIG, size: 1, platform: { os: 'linux' } }],
  ];
  for (const [name, v] of hostile) {
    it(`rejects ${name} with MANIFEST_INVALID naming where`, () => {
      assert.throws(
        () => parseDescriptor(v, 'image manifest layers[3]'),
        (e: unknown) => e instanceof RatifyError && e.code === 'MANIFEST_INVALID' && e.detail === 'invalid descriptor in image manifest layers[3]',
      );
    });
  }
});

describe('descriptorJSON', () => {
  it('uses Go field order and omits empty optionals', () => {
    const d = parseDescriptor(
      { artifactType: 'a/b', platform: { os: 'linux', architecture: 'amd64' }, annotations: { k: 'v' }, urls: ['u'], size: 3, digest: DIG, mediaType: 'x/y' },
      't',
    );
    assert.deepEqual(Object.keys(descriptorJSON(d)), ['mediaType', 'digest', 'size', 'urls', 'annotations', 'platform', 'artifactType']);
    assert.deepEqual(descriptorJSON({ mediaType: 'x/y', digest: DIG, size: 0, urls: [], annotations: {} }), { mediaType: 'x/y', digest: DIG, size: 0 });
  });
});

describe('media types', () => {
  it('recognises manifest and index media types', () => {
    for (const mt of MANIFEST_ACCEPT) assert.equal(isManifestMediaType(mt), true);
    assert.equal(isManifestMediaType(MediaType.OciEmpty), false);
    assert.equal(isManifestMediaType('application/json'), false);
    assert.equal(isIndexMediaType(MediaType.OciIndex), true);
    assert.equal(isIndexMediaType(MediaType.DockerManifestList), true);
    assert.equal(isIndexMediaType(MediaType.OciManifest), false);
  });
  it('bareMediaType strips parameters, whitespace and case', () => {
    assert.equal(bareMediaType('application/vnd.oci.image.manifest.v1+json; charset=utf-8'), MediaType.OciManifest);
    assert.equal(bareMediaType('  Application/JSON '), 'application/json');
    assert.equal(bareMediaType(undefined), '');
    assert.equal(bareMediaType(null), '');
    assert.equal(bareMediaType(''), '');
  });
});
