import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RatifyError, type ErrorCode } from '../../src/errors.js';
import { digestOf } from '../../src/oci/digest.js';
import {
  MAX_LIST_ENTRIES,
  artifactTypeOfManifest,
  parseArtifactManifest,
  parseImageIndex,
  parseImageManifest,
  parseJSONObject,
  referenceManifestJSON,
  subjectOfManifest,
  toReferenceManifest,
} from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { requireVectors } from '../harness/vectors.js';

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

const D = (c: string): string => `sha256:${c.repeat(64)}`;
const SIG_CONFIG = { mediaType: MediaType.NotarySignature, digest: D('1'), size: 2 };
const EMPTY_CONFIG = { mediaType: MediaType.OciEmpty, digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };
const LAYER = { mediaType: 'application/jose+json', digest: D('2'), size: 2070 };
const LAYER2 = { mediaType: 'application/cose', digest: D('3'), size: 10, annotations: { a: 'b' } };
const SUBJECT = { mediaType: MediaType.OciManifest, digest: D('4'), size: 517 };

function ociManifest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemaVersion: 2, mediaType: MediaType.OciManifest, config: SIG_CONFIG, layers: [LAYER], ...extra };
}

function artifactManifest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { mediaType: MediaType.OciArtifactManifest, artifactType: 'application/vnd.example.sbom', blobs: [LAYER], ...extra };
}

function ociIndex(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: [
      { ...SUBJECT, platform: { architecture: 'amd64', os: 'linux' } },
      { mediaType: MediaType.OciManifest, digest: D('5'), size: 600, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
    ],
    ...extra,
  };
}

const DOCKER_V2 = {
  schemaVersion: 2,
  mediaType: MediaType.DockerManifest,
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: D('6'), size: 1469 },
  layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: D('7'), size: 2479 }],
};

function expectCode(fn: () => unknown, code: ErrorCode, detail?: RegExp | string): RatifyError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof RatifyError, `expected RatifyError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (typeof detail === 'string') assert.equal(caught.detail, detail);
  else if (detail) assert.match(caught.message, detail);
  return caught;
}

describe('parseJSONObject', () => {
  it('parses an object from a subarray view', () => {
    const buf = Buffer.from('xx{"a":1}yy');
    assert.deepEqual(parseJSONObject(buf.subarray(2, 9), 'thing'), { a: 1 });
  });
  const hostile: Array<[string, string | Uint8Array]> = [
    ['empty input', ''],
    ['malformed JSON', '{"schemaVersion": 2,'],
    ['trailing garbage', '{}x'],
    ['array', '[]'],
    ['null', 'null'],
    ['number', '2'],
    ['string', '"{}"'],
    ['BOM', '\ufeff{}'],
    ['deep nesting', '['.repeat(200_000) + ']'.repeat(200_000)],
    ['deep nesting (unbalanced)', '{"a":' + '['.repeat(200_000)],
  ];
  for (const [name, body] of hostile) {
    it(`rejects ${name} with MANIFEST_INVALID`, () => {
      expectCode(() => parseJSONObject(typeof body === 'string' ? enc(body) : body, 'image manifest'), 'MANIFEST_INVALID', 'invalid image manifest');
    });
  }
  it('does not pollute Object.prototype through "__proto__" keys', () => {
    const o = parseJSONObject(enc('{"__proto__": {"polluted": "yes"}, "annotations": {"__proto__": "x"}}'), 'x');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.ok(Object.hasOwn(o, '__proto__'));
  });
});

describe('parseImageManifest', () => {
  it('parses a full OCI image manifest and drops unknown fields', () => {
    const m = parseImageManifest(
      enc(ociManifest({ artifactType: 'application/vnd.x', subject: SUBJECT, annotations: { k: 'v' }, extra: { evil: true } })),
    );
    assert.deepEqual(m, {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: SIG_CONFIG,
      layers: [LAYER],
      artifactType: 'application/vnd.x',
      subject: SUBJECT,
      annotations: { k: 'v' },
    });
    assert.ok(!('extra' in m));
  });
  it('accepts a body without mediaType (the field is optional in OCI)', () => {
    const body = ociManifest();
    delete body['mediaType'];
    assert.equal(parseImageManifest(enc(body)).mediaType, MediaType.OciManifest);
  });
  it('treats missing or null layers as none and null optional fields as absent', () => {
    const body = ociManifest({ layers: null, subject: null, annotations: null, artifactType: null });
    const m = parseImageManifest(enc(body));
    assert.deepEqual(m.layers, []);
    assert.equal(m.subject, undefined);
    assert.equal(m.annotations, undefined);
    assert.equal(m.artifactType, undefined);
  });
  it('parses a Docker v2 manifest when told its media type', () => {
    const m = parseImageManifest(enc(DOCKER_V2), MediaType.DockerManifest);
    assert.equal(m.mediaType, MediaType.DockerManifest);
    assert.equal(m.layers.length, 1);
    assert.equal(m.config.mediaType, 'application/vnd.docker.container.image.v1+json');
  });

  const hostile: Array<[string, Record<string, unknown> | string, RegExp]> = [
    ['malformed JSON', '{"schemaVersion":2,"config":', /malformed JSON/],
    ['a JSON array', '[{"schemaVersion":2}]', /not a JSON object/],
    ['schemaVersion 1', ociManifest({ schemaVersion: 1 }), /schemaVersion must be 2/],
    ['schemaVersion "2"', ociManifest({ schemaVersion: '2' }), /schemaVersion must be 2/],
    ['schemaVersion missing', ociManifest({ schemaVersion: undefined }), /schemaVersion must be 2/],
    ['an index body', ociIndex(), /body mediaType .* does not match/],
    ['a Docker body', DOCKER_V2, /body mediaType .* does not match/],
    ['an artifact manifest body', { ...artifactManifest(), schemaVersion: 2, config: SIG_CONFIG }, /does not match/],
    ['mediaType not a string', ociManifest({ mediaType: 7 }), /does not match/],
    ['config missing', ociManifest({ config: undefined }), /config descriptor missing/],
    ['config null', ociManifest({ config: null }), /not an object/],
    ['config without mediaType', ociManifest({ config: { digest: D('1'), size: 2 } }), /mediaType missing/],
    ['layers not an array', ociManifest({ layers: { 0: LAYER } }), /layers must be an array/],
    ['layer digest upper case', ociManifest({ layers: [{ ...LAYER, digest: LAYER.digest.toUpperCase() }] }), /not a valid digest/],
    ['layer digest too short', ociManifest({ layers: [{ ...LAYER, digest: 'sha256:abc' }] }), /not a valid digest/],
    ['layer digest unknown algorithm', ociManifest({ layers: [{ ...LAYER, digest: `md5:${'a'.repeat(32)}` }] }), /not a valid digest/],
    ['layer digest missing', ociManifest({ layers: [{ mediaType: 'x', size: 1 }] }), /not a valid digest/],
    ['layer size negative', ociManifest({ layers: [{ ...LAYER, size: -1 }] }), /size/],
    ['layer size fractional', ociManifest({ layers: [{ ...LAYER, size: 1.5 }] }), /size/],
    ['layer size a string', ociManifest({ layers: [{ ...LAYER, size: '2070' }] }), /size/],
    ['layer size beyond 2^53', ociManifest({ layers: [{ ...LAYER, size: 2 ** 60 }] }), /size/],
    ['layer size missing', ociManifest({ layers: [{ mediaType: 'x', digest: D('2') }] }), /size/],
    ['layer null', ociManifest({ layers: [null] }), /not an object/],
    ['layer mediaType too long', ociManifest({ layers: [{ ...LAYER, mediaType: 'a/' + 'b'.repeat(300) }] }), /mediaType/],
    ['layer annotations with a number', ociManifest({ layers: [{ ...LAYER, annotations: { a: 1 } }] }), /annotations/],
    ['layer annotations an array', ociManifest({ layers: [{ ...LAYER, annotations: ['a'] }] }), /annotations/],
    ['layer urls not strings', ociManifest({ layers: [{ ...LAYER, urls: [1] }] }), /urls/],
    ['layer artifactType a number', ociManifest({ layers: [{ ...LAYER, artifactType: 5 }] }), /artifactType/],
    ['layer platform without os', ociManifest({ layers: [{ ...LAYER, platform: { architecture: 'amd64' } }] }), /platform/],
    ['manifest annotations with an object', ociManifest({ annotations: { a: { b: 'c' } } }), /annotations/],
    ['manifest annotations a string', ociManifest({ annotations: 'a=b' }), /annotations/],
    ['manifest artifactType a number', ociManifest({ artifactType: 3 }), /artifactType must be a string/],
    ['subject with a bad digest', ociManifest({ subject: { ...SUBJECT, digest: 'sha256:xyz' } }), /subject/],
    ['subject a string', ociManifest({ subject: SUBJECT.digest }), /not an object/],
    [`more than ${MAX_LIST_ENTRIES} layers`, ociManifest({ layers: Array(MAX_LIST_ENTRIES + 1).fill(LAYER) }), /10001 entries/],
  ];
  for (const [name, body, re] of hostile) {
    it(`rejects ${name} with MANIFEST_INVALID`, () => {
      const e = expectCode(() => parseImageManifest(enc(body)), 'MANIFEST_INVALID');
      assert.match(e.message, re);
    });
  }
  it(`accepts exactly ${MAX_LIST_ENTRIES} layers`, () => {
    assert.equal(parseImageManifest(enc(ociManifest({ layers: Array(MAX_LIST_ENTRIES).fill(LAYER) }))).layers.length, MAX_LIST_ENTRIES);
  });
  it('rejects an OCI body read as a Docker manifest', () => {
    expectCode(() => parseImageManifest(enc(ociManifest()), MediaType.DockerManifest), 'MANIFEST_INVALID', /does not match/);
  });
});

describe('parseImageIndex', () => {
  it('parses an OCI index with platforms', () => {
    const idx = parseImageIndex(enc(ociIndex({ annotations: { a: 'b' }, artifactType: 'application/vnd.x', subject: SUBJECT })));
    assert.equal(idx.mediaType, MediaType.OciIndex);
    assert.equal(idx.manifests.length, 2);
    assert.deepEqual(idx.manifests[1]?.platform, { architecture: 'arm64', os: 'linux', variant: 'v8' });
    assert.equal(idx.artifactType, 'application/vnd.x');
    assert.deepEqual(idx.subject, SUBJECT);
    assert.deepEqual(idx.annotations, { a: 'b' });
  });
  it('parses a Docker manifest list when told its media type', () => {
    const body = { schemaVersion: 2, mediaType: MediaType.DockerManifestList, manifests: [{ mediaType: MediaType.DockerManifest, digest: D('8'), size: 528 }] };
    assert.equal(parseImageIndex(enc(body), MediaType.DockerManifestList).manifests.length, 1);
  });
  it('accepts an index without manifests as empty', () => {
    assert.deepEqual(parseImageIndex(enc({ schemaVersion: 2 })).manifests, []);
  });
  const hostile: Array<[string, unknown, RegExp]> = [
    ['malformed JSON', '{"manifests": [', /malformed JSON/],
    ['non-object', 'true', /not a JSON object/],
    ['schemaVersion 3', ociIndex({ schemaVersion: 3 }), /schemaVersion/],
    ['a manifest body', ociManifest(), /does not match/],
    ['manifests not an array', ociIndex({ manifests: 'x' }), /must be an array/],
    ['a bad entry digest', ociIndex({ manifests: [{ ...SUBJECT, digest: 'sha256:' + 'z'.repeat(64) }] }), /not a valid digest/],
    ['a bad entry size', ociIndex({ manifests: [{ ...SUBJECT, size: -5 }] }), /size/],
    ['bad entry annotations', ociIndex({ manifests: [{ ...SUBJECT, annotations: { a: null } }] }), /annotations/],
    ['a platform that is not an object', ociIndex({ manifests: [{ ...SUBJECT, platform: 'linux/amd64' }] }), /platform/],
    [`more than ${MAX_LIST_ENTRIES} manifests`, ociIndex({ manifests: Array(MAX_LIST_ENTRIES + 1).fill(SUBJECT) }), /entries/],
  ];
  for (const [name, body, re] of hostile) {
    it(`rejects ${name} with MANIFEST_INVALID`, () => {
      assert.match(expectCode(() => parseImageIndex(enc(body)), 'MANIFEST_INVALID').message, re);
    });
  }
});

describe('parseArtifactManifest', () => {
  it('parses an OCI artifact manifest', () => {
    const m = parseArtifactManifest(enc(artifactManifest({ subject: SUBJECT, annotations: { x: 'y' } })));
    assert.deepEqual(m, {
      mediaType: MediaType.OciArtifactManifest,
      artifactType: 'application/vnd.example.sbom',
      blobs: [LAYER],
      subject: SUBJECT,
      annotations: { x: 'y' },
    });
  });
  const hostile: Array<[string, unknown, RegExp]> = [
    ['malformed JSON', '{', /malformed JSON/],
    ['non-object', '[]', /not a JSON object/],
    ['no artifactType', artifactManifest({ artifactType: undefined }), /artifactType missing/],
    ['empty artifactType', artifactManifest({ artifactType: '' }), /artifactType missing/],
    ['artifactType not a string', artifactManifest({ artifactType: ['x'] }), /artifactType must be a string/],
    ['an image manifest body', ociManifest(), /does not match/],
    ['a bad blob', artifactManifest({ blobs: [{ ...LAYER, size: null }] }), /size/],
    [`more than ${MAX_LIST_ENTRIES} blobs`, artifactManifest({ blobs: Array(MAX_LIST_ENTRIES + 1).fill(LAYER) }), /entries/],
  ];
  for (const [name, body, re] of hostile) {
    it(`rejects ${name} with MANIFEST_INVALID`, () => {
      assert.match(expectCode(() => parseArtifactManifest(enc(body)), 'MANIFEST_INVALID').message, re);
    });
  }
});

describe('toReferenceManifest (Ratify GetReferenceManifest, reference §5.1)', () => {
  it('OCI image manifest: artifactType = config.mediaType, blobs = layers, subject and annotations kept', () => {
    const rm = toReferenceManifest(enc(ociManifest({ layers: [LAYER, LAYER2], subject: SUBJECT, annotations: { k: 'v' } })), MediaType.OciManifest);
    assert.deepEqual(rm, {
      mediaType: MediaType.OciManifest,
      artifactType: MediaType.NotarySignature,
      blobs: [LAYER, LAYER2],
      subject: SUBJECT,
      annotations: { k: 'v' },
    });
  });
  it('OCI image manifest: config.mediaType wins over the manifest artifactType when the config is not empty', () => {
    const rm = toReferenceManifest(enc(ociManifest({ artifactType: 'application/vnd.other' })), MediaType.OciManifest);
    assert.equal(rm.artifactType, MediaType.NotarySignature);
  });
  it('OCI image manifest with the empty config: artifactType = manifest.artifactType', () => {
    const rm = toReferenceManifest(enc(ociManifest({ config: EMPTY_CONFIG, artifactType: 'application/spdx+json' })), MediaType.OciManifest);
    assert.equal(rm.artifactType, 'application/spdx+json');
    assert.deepEqual(rm.blobs, [LAYER]);
  });
  it('OCI image manifest with the empty config and no artifactType: no artifactType', () => {
    const rm = toReferenceManifest(enc(ociManifest({ config: EMPTY_CONFIG })), MediaType.OciManifest);
    assert.equal(rm.artifactType, undefined);
    assert.ok(!('artifactType' in referenceManifestJSON(rm)));
  });
  it('OCI image manifest without layers: blobs = []', () => {
    const rm = toReferenceManifest(enc(ociManifest({ layers: [] })), MediaType.OciManifest);
    assert.deepEqual(rm.blobs, []);
  });
  it('mediaType is the body\'s own ("" when the body has none, as Ratify copies it)', () => {
    const body = ociManifest();
    delete body['mediaType'];
    assert.equal(toReferenceManifest(enc(body), MediaType.OciManifest).mediaType, '');
    const art = artifactManifest();
    delete art['mediaType'];
    assert.equal(toReferenceManifest(enc(art), MediaType.OciArtifactManifest).mediaType, '');
  });
  it('OCI artifact manifest: taken as it is', () => {
    const body = artifactManifest({ blobs: [LAYER, LAYER2], subject: SUBJECT, annotations: { created: 'now' } });
    const rm = toReferenceManifest(enc(body), MediaType.OciArtifactManifest);
    assert.deepEqual(rm, {
      mediaType: MediaType.OciArtifactManifest,
      artifactType: 'application/vnd.example.sbom',
      blobs: [LAYER, LAYER2],
      subject: SUBJECT,
      annotations: { created: 'now' },
    });
  });
  const unsupported = [
    MediaType.DockerManifest,
    MediaType.DockerManifestList,
    MediaType.OciIndex,
    'application/vnd.oci.image.manifest.v1+json; charset=utf-8',
    'application/json',
    '',
  ];
  for (const mt of unsupported) {
    it(`${mt || '(empty media type)'}: GET_REFERRER_MANIFEST_FAILURE, whatever the body`, () => {
      const e = expectCode(
        () => toReferenceManifest(enc(DOCKER_V2), mt),
        'GET_REFERRER_MANIFEST_FAILURE',
        `Unsupported artifact metadata of media type ${mt}`,
      );
      assert.equal(e.effectiveRemediation, 'Please check if the artifact metadata was created correctly.');
      const full = `GET_REFERRER_MANIFEST_FAILURE: Unsupported artifact metadata of media type ${mt}`;
      assert.equal(e.concise(), full.length <= 100 ? full : `${full.slice(0, 97)}...`);
    });
  }
  it('Docker v2 manifest: the message Ratify gives', () => {
    const e = expectCode(() => toReferenceManifest(enc(DOCKER_V2), MediaType.DockerManifest), 'GET_REFERRER_MANIFEST_FAILURE');
    assert.equal(
      e.message,
      'GET_REFERRER_MANIFEST_FAILURE: Unsupported artifact metadata of media type application/vnd.docker.distribution.manifest.v2+json: Please check if the artifact metadata was created correctly.',
    );
  });

  const undecodable: Array<[string, string, unknown]> = [
    ['malformed JSON', MediaType.OciManifest, '{"schemaVersion":'],
    ['a JSON array', MediaType.OciManifest, '[]'],
    ['wrong schemaVersion', MediaType.OciManifest, ociManifest({ schemaVersion: 1 })],
    ['an index body', MediaType.OciManifest, ociIndex()],
    ['a bad layer digest', MediaType.OciManifest, ociManifest({ layers: [{ ...LAYER, digest: 'sha256:00' }] })],
    ['too many layers', MediaType.OciManifest, ociManifest({ layers: Array(MAX_LIST_ENTRIES + 1).fill(LAYER) })],
    ['malformed JSON', MediaType.OciArtifactManifest, 'nope'],
    ['an image manifest body', MediaType.OciArtifactManifest, ociManifest()],
    ['bad annotations', MediaType.OciArtifactManifest, artifactManifest({ annotations: { a: 1 } })],
  ];
  for (const [name, mt, body] of undecodable) {
    it(`${mt.split('.').slice(-2).join('.')} with ${name}: DATA_DECODING_FAILURE`, () => {
      const e = expectCode(() => toReferenceManifest(enc(body), mt), 'DATA_DECODING_FAILURE', `Failed to parse artifact metadata of mediatype \`${mt}\``);
      assert.equal(e.root.code, 'DATA_DECODING_FAILURE');
      assert.ok(e.concise().startsWith('DATA_DECODING_FAILURE: invalid '), e.concise());
      assert.equal(e.effectiveRemediation, 'Please check if the artifact metadata was created correctly.');
    });
  }

  it('referenceManifestJSON keeps Ratify field order and omits empty optionals', () => {
    const full = toReferenceManifest(enc(ociManifest({ subject: SUBJECT, annotations: { k: 'v' } })), MediaType.OciManifest);
    assert.deepEqual(Object.keys(referenceManifestJSON(full)), ['mediaType', 'artifactType', 'blobs', 'subject', 'annotations']);
    const bare = toReferenceManifest(enc(ociManifest({ config: EMPTY_CONFIG, layers: [] })), MediaType.OciManifest);
    assert.deepEqual(referenceManifestJSON(bare), { mediaType: MediaType.OciManifest, blobs: [] });
  });
});

describe('artifactTypeOfManifest / subjectOfManifest', () => {
  it('image manifest: artifactType, else config.mediaType (oras-go / distribution spec)', () => {
    assert.equal(artifactTypeOfManifest(enc(ociManifest({ artifactType: 'application/vnd.a' })), MediaType.OciManifest), 'application/vnd.a');
    assert.equal(artifactTypeOfManifest(enc(ociManifest()), MediaType.OciManifest), MediaType.NotarySignature);
    // Even the empty config's media type, as registries and oras-go report it.
    assert.equal(artifactTypeOfManifest(enc(ociManifest({ config: EMPTY_CONFIG })), MediaType.OciManifest), MediaType.OciEmpty);
    assert.equal(
      artifactTypeOfManifest(enc(ociManifest({ config: EMPTY_CONFIG, artifactType: 'application/spdx+json' })), MediaType.OciManifest),
      'application/spdx+json',
    );
  });
  it('artifact manifest and index', () => {
    assert.equal(artifactTypeOfManifest(enc(artifactManifest()), MediaType.OciArtifactManifest), 'application/vnd.example.sbom');
    assert.equal(artifactTypeOfManifest(enc(ociIndex({ artifactType: 'application/vnd.idx' })), MediaType.OciIndex), 'application/vnd.idx');
    assert.equal(artifactTypeOfManifest(enc(ociIndex()), MediaType.OciIndex), undefined);
    assert.equal(artifactTypeOfManifest(enc(DOCKER_V2), MediaType.DockerManifest), undefined);
  });
  it('subject of each kind', () => {
    assert.deepEqual(subjectOfManifest(enc(ociManifest({ subject: SUBJECT })), MediaType.OciManifest), SUBJECT);
    assert.deepEqual(subjectOfManifest(enc(artifactManifest({ subject: SUBJECT })), MediaType.OciArtifactManifest), SUBJECT);
    assert.deepEqual(subjectOfManifest(enc(ociIndex({ subject: SUBJECT })), MediaType.OciIndex), SUBJECT);
    assert.equal(subjectOfManifest(enc(ociManifest()), MediaType.OciManifest), undefined);
    assert.equal(subjectOfManifest(enc(DOCKER_V2), MediaType.DockerManifest), undefined);
  });
});

describe('real notation signature manifest (test vectors)', () => {
  const LAYOUT = ['notation', 'test', 'e2e', 'testdata', 'registry', 'oci_layout', 'e2e-valid-signature'];
  const SIG = '90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f';
  const IMAGE = 'b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';
  const TAG_INDEX = '13e107e0dd246f07ff18998a3d39e226965c41477a1bc1765f7617632ff3f283';

  it('normalises the notation e2e-valid-signature manifest as Ratify does', (t) => {
    const dir = requireVectors(t, 'notation e2e-valid-signature OCI layout manifests');
    if (dir === undefined) return;
    const blob = (hex: string): Uint8Array => readFileSync(join(dir, ...LAYOUT, 'blobs', 'sha256', hex));

    const bytes = blob(SIG);
    assert.equal(digestOf(bytes), `sha256:${SIG}`);
    const rm = toReferenceManifest(bytes, MediaType.OciManifest);
    assert.equal(rm.mediaType, MediaType.OciManifest);
    assert.equal(rm.artifactType, MediaType.NotarySignature);
    assert.deepEqual(rm.blobs, [
      { mediaType: 'application/jose+json', digest: 'sha256:c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50', size: 2070 },
    ]);
    assert.deepEqual(rm.subject, { mediaType: MediaType.OciManifest, digest: `sha256:${IMAGE}`, size: 517 });
    assert.equal(rm.annotations?.['org.opencontainers.image.created'], '2023-06-27T05:30:33Z');
    assert.match(rm.annotations?.['io.cncf.notary.x509chain.thumbprint#S256'] ?? '', /^\["[0-9a-f]{64}"\]$/);
    assert.equal(artifactTypeOfManifest(bytes, MediaType.OciManifest), MediaType.NotarySignature);
    assert.deepEqual(subjectOfManifest(bytes, MediaType.OciManifest), rm.subject);

    // The subject image's manifest is an ordinary image manifest of the stated size.
    const image = blob(IMAGE);
    assert.equal(image.byteLength, 517);
    assert.equal(digestOf(image), `sha256:${IMAGE}`);
    assert.equal(parseImageManifest(image).subject, undefined);

    // The referrers tag schema index ("sha256-<subject hex>") lists the signature.
    const tagIndex = blob(TAG_INDEX);
    assert.equal(digestOf(tagIndex), `sha256:${TAG_INDEX}`);
    const idx = parseImageIndex(tagIndex);
    assert.ok(idx.manifests.some((d) => d.digest === `sha256:${SIG}` && d.artifactType === MediaType.NotarySignature));

    // index.json of the layout.
    const layoutIndex = parseImageIndex(readFileSync(join(dir, ...LAYOUT, 'index.json')));
    assert.deepEqual(
      layoutIndex.manifests.map((d) => d.digest),
      [`sha256:${IMAGE}`, `sha256:${SIG}`, `sha256:${TAG_INDEX}`],
    );
    assert.equal(layoutIndex.manifests[0]?.annotations?.['org.opencontainers.image.ref.name'], 'v1');
  });
});
