/**
 * Reference grammar and docker normalisation, checked against the behaviour of
 * distribution/reference's ParseDockerRef (what Ratify v1 uses for subjects, reference §1.3).
 *
 * The rows re-express as data the cases of distribution/reference's regexp_test.go,
 * reference_test.go and normalize_test.go (run through ParseDockerRef rather than Parse, so
 * names are normalised and ":latest" is added), Ratify's own ParseSubjectReference tests,
 * and the cases the project needs on top.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RatifyError } from '../../src/errors.js';
import {
  DEFAULT_DOMAIN,
  hostOnly,
  isLoopbackRegistry,
  isValidTag,
  makeReference,
  parseReference,
  registryHost,
  withDigest,
  type Reference,
} from '../../src/reference/reference.js';

const F64 = 'f'.repeat(64);
const D256 = `sha256:${F64}`;
const DREAL = 'sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa';
const DNET = 'sha256:a0fc570a245b09ed752c42d600ee3bb5b4f77bbd70d8898780b7ab43454530eb';
const D384 = `sha384:${'a'.repeat(96)}`;
const D512 = `sha512:${'f'.repeat(128)}`;
const HEX64 = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';
const HEX63 = 'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9';

/** A valid row: what ParseDockerRef gives for `input`. `path` is registry + "/" + repository. */
interface Valid {
  input: string;
  original: string;
  registry: string;
  repository: string;
  path: string;
  tag?: string;
  digest?: string;
}

function ok(input: string, registry: string, repository: string, tag?: string, digest?: string): Valid {
  const path = `${registry}/${repository}`;
  const original = `${path}${tag !== undefined ? ':' + tag : ''}${digest !== undefined ? '@' + digest : ''}`;
  const row: Valid = { input, original, registry, repository, path };
  if (tag !== undefined) row.tag = tag;
  if (digest !== undefined) row.digest = digest;
  return row;
}

const DH = DEFAULT_DOMAIN;

const VALID: Valid[] = [
  // Docker Hub normalisation (reference §1.3, normalize_test.go TestParseRepositoryInfo / TestNormalizedSplitHostname).
  ok('nginx', DH, 'library/nginx', 'latest'),
  ok('foo/bar', DH, 'foo/bar', 'latest'),
  ok('foo', DH, 'library/foo', 'latest'),
  ok('hello-world', DH, 'library/hello-world', 'latest'),
  ok('prom/prometheus', DH, 'prom/prometheus', 'latest'),
  ok('index.docker.io/foo', DH, 'library/foo', 'latest'),
  ok('index.docker.io/fooo/bar', DH, 'fooo/bar', 'latest'),
  ok('index.docker.io/library/ubuntu-12.04-base', DH, 'library/ubuntu-12.04-base', 'latest'),
  ok('index.docker.io/foo/bar:v1', DH, 'foo/bar', 'v1'),
  ok('docker.io/library/nginx:1.25', DH, 'library/nginx', '1.25'),
  ok('docker.io/nginx', DH, 'library/nginx', 'latest'),
  ok('docker.io/foo', DH, 'library/foo', 'latest'),
  ok('docker.io/library/foo/bar', DH, 'library/foo/bar', 'latest'),
  ok('library/foo/bar', DH, 'library/foo/bar', 'latest'),
  ok('store/foo/bar', DH, 'store/foo/bar', 'latest'),
  ok('other/library', DH, 'other/library', 'latest'),
  ok('library/ubuntu', DH, 'library/ubuntu', 'latest'),
  ok('docker/migrator', DH, 'docker/migrator', 'latest'),
  ok('dmcgowan/myapp:latest', DH, 'dmcgowan/myapp', 'latest'),
  ok('redis:latest', DH, 'library/redis', 'latest'),
  ok(`redis@${DREAL}`, DH, 'library/redis', undefined, DREAL),
  ok(`docker.io/dmcgowan/myapp@${DREAL}`, DH, 'dmcgowan/myapp', undefined, DREAL),
  ok('lowercase:Uppercase', DH, 'library/lowercase', 'Uppercase'),
  // Tag + digest: ParseDockerRef keeps only the digest.
  ok(`busybox:latest@${DREAL}`, DH, 'library/busybox', undefined, DREAL),
  ok(`docker.io/library/busybox:latest@${DREAL}`, DH, 'library/busybox', undefined, DREAL),
  ok(`docker.io/library/busybox@${DREAL}`, DH, 'library/busybox', undefined, DREAL),
  // Ratify pkg/utils ParseSubjectReference cases.
  ok(`localhost:5000/net-monitor:v1@${DNET}`, 'localhost:5000', 'net-monitor', undefined, DNET),
  ok(`net-monitor@${DNET}`, DH, 'library/net-monitor', undefined, DNET),
  ok('localhost:5000/net-monitor:v1', 'localhost:5000', 'net-monitor', 'v1'),
  // localhost is always a registry when it is the first of several elements...
  ok('localhost/foo', 'localhost', 'foo', 'latest'),
  ok('localhost:5000/foo:bar', 'localhost:5000', 'foo', 'bar'),
  ok('localhost:8080/name@' + D256, 'localhost:8080', 'name', undefined, D256),
  // ...but a single element is a Docker Hub name, and ":5000" its tag (regexp_test.go).
  ok('localhost', DH, 'library/localhost', 'latest'),
  ok('localhost:5000', DH, 'library/localhost', '5000'),
  ok(`localhost:8080@${D256}`, DH, 'library/localhost', undefined, D256),
  ok(`localhost@${D256}`, DH, 'library/localhost', undefined, D256),
  // IPv4 registries and names that merely look like hosts (reference_test.go).
  ok(`127.0.0.1:5000/a/b@${D256}`, '127.0.0.1:5000', 'a/b', undefined, D256),
  ok('127.0.0.1:5000/docker/docker', '127.0.0.1:5000', 'docker/docker', 'latest'),
  ok('127.0.0.1:5000/library/debian', '127.0.0.1:5000', 'library/debian', 'latest'),
  ok('127.0.0.1:8000/privatebase', '127.0.0.1:8000', 'privatebase', 'latest'),
  ok('192.168.1.1', DH, 'library/192.168.1.1', 'latest'),
  ok('192.168.1.1:tag', DH, 'library/192.168.1.1', 'tag'),
  ok('192.168.1.1:5000', DH, 'library/192.168.1.1', '5000'),
  ok('192.168.0.1:80', DH, 'library/192.168.0.1', '80'),
  ok('192.168.1.1/repo', '192.168.1.1', 'repo', 'latest'),
  ok('192.168.1.1:5000/repo', '192.168.1.1:5000', 'repo', 'latest'),
  ok('192.168.1.1:5000/repo:5050', '192.168.1.1:5000', 'repo', '5050'),
  ok('192.168.0.1:8/debian', '192.168.0.1:8', 'debian', 'latest'),
  // The grammar does not range-check ports (regexp_test.go TestDomainRegexp).
  ok('192.168.1.1:75050/repo', '192.168.1.1:75050', 'repo', 'latest'),
  // IPv6 registries.
  ok('[::1]:5000/foo', '[::1]:5000', 'foo', 'latest'),
  ok('[::1]:5000/repo', '[::1]:5000', 'repo', 'latest'),
  ok('[2001:db8::1]/foo:tag', '[2001:db8::1]', 'foo', 'tag'),
  ok('[2001:db8::1]/repo', '[2001:db8::1]', 'repo', 'latest'),
  ok('[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]', 'repo', 'tag'),
  ok('[2001:db8::1]:5000/repo', '[2001:db8::1]:5000', 'repo', 'latest'),
  ok('[2001:db8::1]:5000/repo:tag', '[2001:db8::1]:5000', 'repo', 'tag'),
  ok(`[2001:db8::1]:5000/repo@${D256}`, '[2001:db8::1]:5000', 'repo', undefined, D256),
  ok(`[2001:db8::1]:5000/repo:tag@${D256}`, '[2001:db8::1]:5000', 'repo', undefined, D256),
  ok('[2001:db8::]:5000/repo', '[2001:db8::]:5000', 'repo', 'latest'),
  ok('[fc00::1]:5000/docker', '[fc00::1]:5000', 'docker', 'latest'),
  ok('[fc00::1]:5000/docker/docker', '[fc00::1]:5000', 'docker/docker', 'latest'),
  ok('[fc00:1:2:3:4:5:6:7]:5000/library/debian', '[fc00:1:2:3:4:5:6:7]:5000', 'library/debian', 'latest'),
  ok('[fd00123123123]:75050/repo', '[fd00123123123]:75050', 'repo', 'latest'), // grammar-only, as upstream
  // Domains: punycode, sub-domains, ports, upper case (domains may be upper case, repositories not).
  ok('test.com/repo:tag', 'test.com', 'repo', 'tag'),
  ok('test.com:8080/foo', 'test.com:8080', 'foo', 'latest'),
  ok('test-com:8080/foo', 'test-com:8080', 'foo', 'latest'),
  ok('test:5000/repo', 'test:5000', 'repo', 'latest'),
  ok('test:5000/repo:tag', 'test:5000', 'repo', 'tag'),
  ok(`test:5000/repo@${D256}`, 'test:5000', 'repo', undefined, D256),
  ok(`test:5000/repo:tag@${D256}`, 'test:5000', 'repo', undefined, D256),
  ok('example.com/private/moonbase', 'example.com', 'private/moonbase', 'latest'),
  ok('example.com:8000/privatebasee', 'example.com:8000', 'privatebasee', 'latest'),
  ok('sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com', 'bar/baz/quux', 'latest'),
  ok('sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com', 'bar/baz/quux', 'some-long-tag'),
  ok('b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io', 'test.example.com/my-app', 'test.example.com'),
  ok('xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com', 'myimage', 'xn--n3h.com'),
  ok('xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo', 'latest'),
  ok(`xn--7o8h.com/myimage:xn--7o8h.com@${D512}`, 'xn--7o8h.com', 'myimage', undefined, D512),
  ok('example.com/xn--7o8h.com/myimage', 'example.com', 'xn--7o8h.com/myimage', 'latest'),
  // Host names come back in lower case (not in distribution): one form for scopes, trust
  // policies, cache keys and reports, so "LOCALHOST:5000/app" cannot escape a scope of
  // "localhost:5000/app". Single-label upper-case hosts ("Foo/bar") are refused below.
  ok('Foo.com/bar', 'foo.com', 'bar', 'latest'),
  ok('Asdf.com/foo/bar', 'asdf.com', 'foo/bar', 'latest'),
  ok('LOCALHOST:5000/app:v1', 'localhost:5000', 'app', 'v1'),
  ok('LOCALHOST/app', 'localhost', 'app', 'latest'),
  ok('Registry.Example.COM:443/team/app@' + D256, 'registry.example.com:443', 'team/app', undefined, D256),
  ok('DOCKER.IO/nginx', DH, 'library/nginx', 'latest'),
  ok('Index.Docker.IO/foo/bar', DH, 'foo/bar', 'latest'),
  ok('[2001:DB8::1]:5000/app', '[2001:db8::1]:5000', 'app', 'latest'),
  ok('0101.com/x', '0101.com', 'x', 'latest'),
  ok('ab.c-om/x', 'ab.c-om', 'x', 'latest'),
  // Digests: sha256, sha384, sha512.
  ok(`example.com/foo@${D384}`, 'example.com', 'foo', undefined, D384),
  ok(`example.com/foo@${D512}`, 'example.com', 'foo', undefined, D512),
  ok(`other.com/named@sha256:1234567890098765432112345667890098765432112345667890098765432112`, 'other.com', 'named', undefined,
    'sha256:1234567890098765432112345667890098765432112345667890098765432112'),
  // Repository separators: ".", "_", "__", any number of "-".
  ok('a__b', DH, 'library/a__b', 'latest'),
  ok('a--b', DH, 'library/a--b', 'latest'),
  ok('a---b', DH, 'library/a---b', 'latest'),
  ok('a.b', DH, 'library/a.b', 'latest'),
  ok('a_b', DH, 'library/a_b', 'latest'),
  ok('a-b.c_d__e', DH, 'library/a-b.c_d__e', 'latest'),
  ok('test_com', DH, 'library/test_com', 'latest'),
  ok('test_com/foo', DH, 'test_com/foo', 'latest'),
  ok('foo_bar', DH, 'library/foo_bar', 'latest'),
  ok('foo_bar.com:8080', DH, 'library/foo_bar.com', '8080'),
  ok('foo/foo_bar.com:8080', DH, 'foo/foo_bar.com', '8080'),
  ok('dock__er/docker', DH, 'dock__er/docker', 'latest'),
  ok('do__cker/docker', DH, 'do__cker/docker', 'latest'),
  ok('docker-rules/docker', DH, 'docker-rules/docker', 'latest'),
  ok('docker---rules/docker', DH, 'docker---rules/docker', 'latest'),
  ok('aa-a/a', DH, 'aa-a/a', 'latest'),
  ok('d/docker', DH, 'd/docker', 'latest'),
  ok('jess/t', DH, 'jess/t', 'latest'),
  ok('a/a/a/a', DH, 'a/a/a/a', 'latest'),
  ok('registry.io/foo/project--id.module--name.ver---sion--name', 'registry.io', 'foo/project--id.module--name.ver---sion--name', 'latest'),
  ok('example.com/some_separator__underscore/myimage', 'example.com', 'some_separator__underscore/myimage', 'latest'),
  // "foo_bar.com" is taken as a registry by splitDockerDomain but is not a valid domain; the
  // whole name is still a valid path, so distribution accepts it with an empty domain. The
  // host to contact is still foo_bar.com (as oras-go reads "foo_bar.com/app:latest").
  ok('foo_bar.com/app', 'foo_bar.com', 'app', 'latest'),
  // 64-hex: forbidden alone, fine with a registry, a tag or a digest, or at 63 characters.
  ok(`docker.io/${HEX64}`, DH, `library/${HEX64}`, 'latest'),
  ok(`${HEX64}:v1`, DH, `library/${HEX64}`, 'v1'),
  ok(`${HEX64}@${D256}`, DH, `library/${HEX64}`, undefined, D256),
  ok(HEX63, DH, `library/${HEX63}`, 'latest'),
  ok('thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', DH,
    'library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', 'latest'),
  ok('dbcc1', DH, 'library/dbcc1', 'latest'),
  // Tags: word characters, "." and "-", 1 to 128 characters, first not "." or "-".
  ok(`foo:${'a'.repeat(128)}`, DH, 'library/foo', 'a'.repeat(128)),
  ok('foo:_x', DH, 'library/foo', '_x'),
  ok('foo:1.0-rc_1.A', DH, 'library/foo', '1.0-rc_1.A'),
  ok('test.com:8000/foo:TAG5', 'test.com:8000', 'foo', 'TAG5'),
  // Length: the repository path (without the domain) may have 255 characters
  // (distribution/reference v0.6.0, "Exclude domain from name length check").
  ok(`${'a/'.repeat(127)}a:tag-puts-this-over-max`, DH, `${'a/'.repeat(127)}a`, 'tag-puts-this-over-max'),
  ok(`example.com/${'a'.repeat(255)}`, 'example.com', 'a'.repeat(255), 'latest'),
  ok(`${'r'.repeat(60)}.example.com/${'b'.repeat(250)}`, `${'r'.repeat(60)}.example.com`, 'b'.repeat(250), 'latest'),
  ok(`library/${'c'.repeat(247)}`, DH, `library/${'c'.repeat(247)}`, 'latest'),
];

/** An invalid row; `reason` (optional) must appear in the error's reason. */
interface Invalid {
  input: string;
  reason?: string;
}

const bad = (input: string, reason?: string): Invalid => (reason === undefined ? { input } : { input, reason });

const INVALID: Invalid[] = [
  bad('', 'at least one component'),
  bad(':justtag'),
  bad(':tag'),
  bad(`@${D256}`),
  bad(`@sha256:${'a'.repeat(64)}`),
  // Digests: length, algorithm, case, empty.
  bad(`repo@sha256:${'f'.repeat(34)}`, 'length'),
  bad(`foo@sha256:${'f'.repeat(63)}`, 'length'),
  bad(`foo@sha256:${'f'.repeat(65)}`, 'length'),
  bad(`foo@sha512:${'f'.repeat(64)}`, 'length'),
  bad(`foo@sha384:${'f'.repeat(64)}`, 'length'),
  bad(`validname@invaliddigest:${F64}`, 'unsupported digest algorithm'),
  bad(`foo@sha1:${'a'.repeat(40)}`, 'unsupported digest algorithm'),
  bad(`foo@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'),
  bad(`foo@constructor:${'a'.repeat(64)}`, 'unsupported digest algorithm'),
  bad(`foo@sha256:${'F'.repeat(64)}`),
  bad(`foo@sha256:${'A'.repeat(64)}`),
  bad(`foo@SHA256:${F64}`),
  bad('foo@sha256:'),
  bad('foo@'),
  bad(`foo@sha256:${F64}@sha256:${F64}`),
  bad('registry.com:8080/myapp@sha256:badbadbadbad'),
  bad('registry.com:8080/myapp@bad'),
  bad('registry.com:8080/myapp@2bad'),
  // Upper case in the repository (the registry may be upper case).
  bad('Uppercase:tag', 'lowercase'),
  bad('Foo', 'lowercase'),
  bad('test:5000/Uppercase/lowercase:tag', 'lowercase'),
  bad('docker/Docker', 'lowercase'),
  bad('docker.io/docker/Docker', 'lowercase'),
  bad('docker.io/Foo:tag', 'lowercase'),
  bad('localhost:5000/Foo', 'lowercase'),
  bad('Foo/FarB', 'case'),
  bad('example.com/Repo', 'lowercase'),
  // A registry only by its upper case: in lower case "foo/bar" is Docker Hub's foo/bar, so the
  // reported subject would name another image (distribution accepts these as hosts).
  bad('Foo/bar', 'upper case'),
  bad('FOO/bar', 'upper case'),
  bad('Docker/docker', 'upper case'),
  bad('DOCKER/docker', 'upper case'),
  // A 64-hex identifier alone.
  bad(HEX64, '64-byte hexadecimal'),
  bad('da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821', '64-byte hexadecimal'),
  // Characters outside the grammar.
  bad('aa/asdf$$^/aa'),
  bad('a^a'),
  bad('asdf$$^/aa'),
  bad('localhost:5000/net&monitor:v1'),
  bad('https://github.com/docker/docker'),
  bad(' nginx'),
  bad('nginx '),
  bad('ng inx'),
  bad('nginx\n'),
  bad('ñginx'),
  bad(`/localhost:5000/net-monitor:v1@${DNET}`),
  // IPv6 without a repository, with zones, with embedded IPv4, without brackets.
  bad('[2001:db8::1]'),
  bad('[2001:db8::1]:5000'),
  bad('[2001:db8::1]:tag'),
  bad('[::1]'),
  bad('[::1]:5000'),
  bad('[fc00::1]'),
  bad('[fc00::1]:5000'),
  bad('[fe80::1%eth0]:5000/repo'),
  bad('[fe80::1%@invalidzone]:5000/repo'),
  bad('[2001:db8:3:4::192.0.2.33]:5000/debian'),
  bad('fc00::1:5000/debian'),
  bad('[fd00:1:2::3]75050/repo'),
  bad('[fd00:1:2::3]::75050/repo'),
  // Bad domains and ports.
  bad('-docker.io/docker/docker'),
  bad('ab-.com/x'),
  bad('ab.-com/x'),
  bad('test.com:http/bar'),
  bad('localhost:http/name@' + D256),
  bad('foo_bar.com:8080/app'),
  bad('bad_hostname.com:8080/myapp:tag'),
  bad('do__cker:8080/docker'),
  bad('docker./docker'),
  bad('.docker/docker'),
  bad('a:b/c:d'),
  // Path components: empty, leading/trailing separators, bad separators.
  bad('a//b'),
  bad('docker///docker'),
  bad('docker.io/docker///docker'),
  bad('a/-b'),
  bad('foo/-bar'),
  bad('foo/bar-'),
  bad('-docker'),
  bad('-docker/docker'),
  bad('docker-/docker'),
  bad('-docker-/docker'),
  bad('a-/a/a/a'),
  bad('foo.com/a-/a/a'),
  bad('____/____'),
  bad('_docker/_docker'),
  bad('docker_/docker_'),
  bad('_foo/bar'),
  bad('a___b'),
  bad('a..b'),
  bad('a._b'),
  bad('dock..er/docker'),
  bad('dock_.er/docker'),
  bad('dock-.er/docker'),
  bad('do..cker/docker'),
  bad('example.com/__underscore/myimage'),
  bad('example.com/..dots/myimage'),
  bad('example.com/.dots/myimage'),
  bad('example.com/nodouble..dots/myimage'),
  bad('docker/'),
  bad('foo.com/'),
  bad('a/a/a/a/'),
  bad('docker.io/'),
  bad('/foo'),
  // Tags: empty (trailing ':'), bad characters, too long, bad first character.
  bad('foo:'),
  bad('localhost:5000/foo:'),
  bad(`foo:@${D256}`),
  bad('registry.com:8080/myapp:invalid~tag'),
  bad('foo:bar:baz'),
  bad('foo/bar:tag/x'),
  bad('foo:.x'),
  bad('foo:-x'),
  bad(`foo:${'a'.repeat(129)}`, 'invalid tag'),
  // Length: repository path over 255 characters; absurd inputs.
  bad(`${'a/'.repeat(128)}a:tag`, 'more than 255'),
  bad(`example.com/${'a'.repeat(256)}`, 'more than 255'),
  bad(`library/${'c'.repeat(248)}`, 'more than 255'),
  bad(
    'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker',
    'more than 255',
  ),
  bad('a'.repeat(5000), 'more than 4096'),
];

function assertReferenceInvalid(input: string, reason?: string): void {
  let caught: unknown;
  try {
    parseReference(input);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected ${JSON.stringify(input)} to be rejected`);
  assert.ok(caught instanceof RatifyError, `expected a RatifyError for ${JSON.stringify(input)}, got ${String(caught)}`);
  assert.equal(caught.code, 'REFERENCE_INVALID');
  assert.equal(caught.detail, 'failed to parse subject reference');
  assert.ok(caught.message.startsWith('REFERENCE_INVALID: failed to parse subject reference: '), caught.message);
  // Readable: says why, bounded in size, names the input (or its start).
  assert.ok(caught.errorReason.length > 0);
  assert.ok(caught.message.length < 800, `message too long (${caught.message.length})`);
  if (input.length > 0 && input.length <= 256) assert.ok(caught.message.includes(JSON.stringify(input).slice(1, -1).slice(0, 40)), caught.message);
  if (reason !== undefined) assert.ok(caught.errorReason.includes(reason), `reason ${JSON.stringify(caught.errorReason)} lacks ${JSON.stringify(reason)}`);
}

describe('parseReference: valid references (ParseDockerRef)', () => {
  for (const row of VALID) {
    const label = row.input.length > 80 ? `${row.input.slice(0, 60)}…(${row.input.length})` : row.input;
    it(label, () => {
      const ref = parseReference(row.input);
      const expected: Reference = { registry: row.registry, repository: row.repository, path: row.path, original: row.original };
      if (row.tag !== undefined) expected.tag = row.tag;
      if (row.digest !== undefined) expected.digest = row.digest;
      assert.deepEqual(ref, expected);
      assert.equal(ref.path, `${ref.registry}/${ref.repository}`);
      // Exactly one of tag and digest, as ParseDockerRef returns.
      assert.ok((ref.tag === undefined) !== (ref.digest === undefined));
      // Normalisation is a fixed point.
      assert.deepEqual(parseReference(ref.original), ref);
    });
  }
});

describe('parseReference: invalid references', () => {
  for (const row of INVALID) {
    const label = row.input.length > 80 ? `${row.input.slice(0, 60)}…(${row.input.length})` : JSON.stringify(row.input);
    it(label, () => assertReferenceInvalid(row.input, row.reason));
  }

  it('rejects non-string input with REFERENCE_INVALID', () => {
    for (const v of [undefined, null, 42, {}]) {
      assert.throws(() => parseReference(v as unknown as string), (e: unknown) => e instanceof RatifyError && e.code === 'REFERENCE_INVALID');
    }
  });

  it('keeps Ratify remediation text and a concise form', () => {
    try {
      parseReference('a//b');
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof RatifyError);
      assert.match(e.effectiveRemediation ?? '', /registry\.example\.com\/repo:tag/);
      assert.ok(e.concise().startsWith('REFERENCE_INVALID: '));
      assert.ok(e.concise().length <= 100);
    }
  });

  it('shortens huge inputs in the message', () => {
    try {
      parseReference(`example.com/${'a'.repeat(300)}`);
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof RatifyError);
      assert.ok(e.message.includes('(312 chars)'), e.message);
    }
  });
});

describe('parseReference: table size', () => {
  it('has a big table', () => {
    assert.ok(VALID.length >= 100, `${VALID.length} valid rows`);
    assert.ok(INVALID.length >= 100, `${INVALID.length} invalid rows`);
  });
});

describe('parseReference: hostile inputs stay fast', () => {
  const inputs = [
    'a'.repeat(4096),
    `${'a'.repeat(4095)}!`,
    `${'a-'.repeat(2047)}!`,
    `${'a.'.repeat(2047)}/`,
    `${'a/'.repeat(2047)}A`,
    `example.com/${'a_'.repeat(2000)}-`,
    `[${':'.repeat(4000)}]/x`,
    `foo@${'a'.repeat(4000)}`,
    `foo@a${'.a'.repeat(1990)}:${'f'.repeat(64)}`,
    `${'0'.repeat(4000)}.com:${'1'.repeat(80)}/x`,
  ];
  for (const input of inputs) {
    it(`${input.slice(0, 24)}…(${input.length})`, () => {
      const start = process.hrtime.bigint();
      try {
        parseReference(input);
      } catch {
        // Accepted or rejected: only the time matters here.
      }
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      assert.ok(ms < 250, `took ${ms} ms`);
    });
  }
});

describe('registryHost', () => {
  it('maps docker.io to registry-1.docker.io (oras-go Reference.Host())', () => {
    assert.equal(registryHost('docker.io'), 'registry-1.docker.io');
    assert.equal(registryHost(DEFAULT_DOMAIN), 'registry-1.docker.io');
  });
  it('leaves every other registry alone', () => {
    for (const r of ['ghcr.io', 'localhost:5000', '[::1]:5000', 'index.docker.io', 'registry-1.docker.io', 'Docker.io']) {
      assert.equal(registryHost(r), r);
    }
  });
  it('applies to the registry of a parsed Docker Hub reference', () => {
    assert.equal(registryHost(parseReference('nginx').registry), 'registry-1.docker.io');
    assert.equal(registryHost(parseReference('ghcr.io/a/b').registry), 'ghcr.io');
  });
});

describe('withDigest', () => {
  it('addresses the same repository by digest and drops the tag', () => {
    const ref = parseReference('localhost:5000/net-monitor:v1');
    const d = withDigest(ref, DNET);
    assert.ok(!('tag' in d));
    assert.deepEqual(d, {
      registry: 'localhost:5000',
      repository: 'net-monitor',
      path: 'localhost:5000/net-monitor',
      digest: DNET,
      original: `localhost:5000/net-monitor@${DNET}`,
    });
    assert.deepEqual(parseReference(d.original), d);
  });
  it('replaces an existing digest', () => {
    const ref = parseReference(`nginx@${DREAL}`);
    assert.equal(withDigest(ref, D512).original, `docker.io/library/nginx@${D512}`);
  });
  it('does not modify its input', () => {
    const ref = parseReference('nginx:1.25');
    const copy = { ...ref };
    withDigest(ref, D256);
    assert.deepEqual(ref, copy);
  });
  it('rejects invalid digests with REFERENCE_INVALID', () => {
    const ref = parseReference('nginx');
    for (const d of ['', 'sha256:abc', `sha256:${'F'.repeat(64)}`, `md5:${'a'.repeat(32)}`, F64]) {
      assert.throws(() => withDigest(ref, d), (e: unknown) => e instanceof RatifyError && e.code === 'REFERENCE_INVALID');
    }
  });
});

describe('makeReference', () => {
  it('builds path and original', () => {
    assert.deepEqual(makeReference('ghcr.io', 'a/b', 'v1'), {
      registry: 'ghcr.io',
      repository: 'a/b',
      path: 'ghcr.io/a/b',
      tag: 'v1',
      original: 'ghcr.io/a/b:v1',
    });
    const both = makeReference('ghcr.io', 'a/b', 'v1', D256);
    assert.equal(both.original, `ghcr.io/a/b:v1@${D256}`);
    const bare = makeReference('ghcr.io', 'a/b');
    assert.equal(bare.original, 'ghcr.io/a/b');
    assert.ok(!('tag' in bare) && !('digest' in bare));
  });
});

describe('isValidTag', () => {
  const valid = ['latest', 'v1', '1.25', 'A', '_', '_x', 'a-b.c_D', '0', 'a'.repeat(128), 'sha256-' + F64];
  const invalid = ['', '.x', '-x', 'a'.repeat(129), 'a:b', 'a/b', 'a@b', 'a b', 'ñ', 'a~b'];
  for (const t of valid) it(`accepts ${t.slice(0, 40)}`, () => assert.equal(isValidTag(t), true));
  for (const t of invalid) it(`rejects ${JSON.stringify(t.slice(0, 40))}`, () => assert.equal(isValidTag(t), false));
});

describe('hostOnly', () => {
  const cases: Array<[string, string]> = [
    ['docker.io', 'docker.io'],
    ['localhost', 'localhost'],
    ['localhost:5000', 'localhost'],
    ['127.0.0.1:5000', '127.0.0.1'],
    ['[::1]', '::1'],
    ['[::1]:5000', '::1'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['registry.example.com:8443', 'registry.example.com'],
    ['[broken', 'broken'],
  ];
  for (const [input, want] of cases) it(`${input} -> ${want}`, () => assert.equal(hostOnly(input), want));
});

describe('isLoopbackRegistry (Ratify insecure-TLS rule, loopback hosts only)', () => {
  const cases: Array<[string, boolean]> = [
    ['localhost:5000', true],
    ['localhost:443', true],
    ['127.0.0.1', true],
    ['127.0.0.1:5000', true],
    ['[::1]', true],
    ['[::1]:5000', true],
    // Ratify only matches "localhost:" as a prefix: bare localhost keeps TLS verification.
    ['localhost', false],
    // Ratify matches the literal "127.0.0.1", not the whole 127/8 range.
    ['127.0.0.2:5000', false],
    // Substring accidents of Ratify's rule are not followed.
    ['[2001:db8::1]:5000', false],
    ['127.0.0.1.nip.io', false],
    ['localhost.example.com:5000', false],
    ['docker.io', false],
    ['ghcr.io', false],
    ['10.0.0.1:5000', false],
  ];
  for (const [input, want] of cases) it(`${input} -> ${want}`, () => assert.equal(isLoopbackRegistry(input), want));

  it('works on parsed references', () => {
    assert.equal(isLoopbackRegistry(parseReference('localhost:5000/net-monitor:v1').registry), true);
    assert.equal(isLoopbackRegistry(parseReference(`127.0.0.1:5000/a/b@${D256}`).registry), true);
    assert.equal(isLoopbackRegistry(parseReference('[::1]:5000/foo').registry), true);
    assert.equal(isLoopbackRegistry(parseReference('localhost').registry), false); // docker.io/library/localhost
  });
});
