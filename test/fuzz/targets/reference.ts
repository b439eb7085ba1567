import { isDeepStrictEqual } from 'node:util';
import { RatifyError } from '../../../src/errors.js';
import { isLoopbackRegistry, parseReference, registryHost } from '../../../src/reference/reference.js';
import { parseOciLayoutSubject } from '../../../src/stores/ocilayout/subject.js';
import { check, rejectsOnlyWith, utf8, type FuzzTarget } from '../target.js';
import { text } from '../seeds.js';

const H = 'a'.repeat(64);

/**
 * Image references (`-s`, Gatekeeper keys, nested subjects) and `--oci-layout` subjects. Clean
 * reject: RatifyError REFERENCE_INVALID. Accepted references must be fixed points: parsing the
 * normalised form gives the same reference back (no second meaning for one string).
 */
export const target: FuzzTarget = {
  name: 'reference',
  description: 'image references (`parseReference`, docker normalisation) and `--oci-layout` subjects; accepted ones must re-parse to themselves',
  maxLen: 512,
  fuzz(data) {
    const input = utf8(data);
    const ref = rejectsOnlyWith([RatifyError], () => parseReference(input));
    if (ref !== undefined) {
      const again = parseReference(ref.original);
      check(isDeepStrictEqual(again, ref), `normalised form ${JSON.stringify(ref.original)} re-parses differently`);
      check(ref.original.startsWith(`${ref.registry}/${ref.repository}`), 'original does not start with registry/repository');
      check(ref.tag === undefined || ref.digest === undefined, 'tag kept next to a digest');
      registryHost(ref.registry);
      isLoopbackRegistry(ref.registry);
    }
    const subject = rejectsOnlyWith([RatifyError], () => parseOciLayoutSubject(input));
    if (subject !== undefined) check(subject.layoutPath !== '', 'empty layout path accepted');
  },
  seeds: () =>
    text(
      'nginx',
      'docker.io/library/nginx:latest',
      'index.docker.io/nginx:1.25',
      `ghcr.io/org/app@sha256:${H}`,
      `ghcr.io/org/app:v1@sha256:${H}`,
      `registry.example.com:5000/a/b/c:tag_1.2-x@sha512:${'b'.repeat(128)}`,
      'localhost:5000/repo',
      '[::1]:5000/repo:v1',
      '[2001:db8::1]/repo',
      '127.0.0.1:5000/a__b/c--d/e.f',
      'Foo.example/app',
      'foo_bar.com/app',
      `sha384:${'c'.repeat(96)}`,
      H,
      './layout:v1',
      `examples/sample-layout@sha256:${H}`,
      'C:\\layouts\\x:tag',
    ),
};
