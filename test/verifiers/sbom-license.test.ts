import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compileLicenseDenyList,
  containsLicenseWord,
  evaluateLicense,
  formatLicenseExpression,
  LicenseExpressionError,
  MAX_NESTING,
  parseLicenseExpression,
} from '../../src/verifiers/sbom/license/index.js';

describe('SPDX license expression parser', () => {
  const ok: Array<[string, string]> = [
    ['MIT', 'MIT'],
    ['mit', 'mit'],
    ['GPL-2.0+', 'GPL-2.0+'],
    ['LicenseRef-my-license.1', 'LicenseRef-my-license.1'],
    ['DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2', 'DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2'],
    ['MIT OR Apache-2.0', 'MIT OR Apache-2.0'],
    ['MIT or Apache-2.0', 'MIT OR Apache-2.0'],
    ['MIT And Apache-2.0', 'MIT AND Apache-2.0'],
    ['(MIT OR Apache-2.0)', 'MIT OR Apache-2.0'],
    ['(MIT)', 'MIT'],
    ['LGPL-2.1 OR BSD-3-Clause AND MIT', 'LGPL-2.1 OR BSD-3-Clause AND MIT'],
    ['(LGPL-2.1 OR BSD-3-Clause) AND MIT', '(LGPL-2.1 OR BSD-3-Clause) AND MIT'],
    ['GPL-2.0-or-later WITH Classpath-exception-2.0', 'GPL-2.0-or-later WITH Classpath-exception-2.0'],
    ['GPL-2.0+ with Bison-exception-2.2', 'GPL-2.0+ WITH Bison-exception-2.2'],
    ['MIT AND (GPL-2.0 WITH Classpath-exception-2.0 OR BSD-2-Clause)', 'MIT AND (GPL-2.0 WITH Classpath-exception-2.0 OR BSD-2-Clause)'],
    ['BSD-2-Clause AND LicenseRef-AND AND BSD-3-Clause', 'BSD-2-Clause AND LicenseRef-AND AND BSD-3-Clause'],
    ['(MIT OR(Apache-2.0))', 'MIT OR Apache-2.0'],
    ['  MIT   AND   Zlib  ', 'MIT AND Zlib'],
    ['NOASSERTION', 'NOASSERTION'],
    ['none', 'NONE'],
  ];
  for (const [input, canonical] of ok) {
    test(`parses ${JSON.stringify(input)}`, () => {
      assert.equal(formatLicenseExpression(parseLicenseExpression(input)), canonical);
    });
  }

  test('precedence: AND binds tighter than OR, WITH tighter than AND', () => {
    const e = parseLicenseExpression('A OR B AND C WITH X');
    assert.equal(e.kind, 'or');
    assert.ok(e.kind === 'or');
    assert.deepEqual(e.args[0], { kind: 'license', id: 'A', plus: false });
    const and = e.args[1]!;
    assert.equal(and.kind, 'and');
    assert.ok(and.kind === 'and');
    assert.deepEqual(and.args[1], { kind: 'license', id: 'C', plus: false, exception: 'X' });
  });

  test('chains stay flat (no deep recursion for long AND lists)', () => {
    const e = parseLicenseExpression(Array.from({ length: 5000 }, (_, i) => `L${i}`).join(' AND '));
    assert.ok(e.kind === 'and');
    assert.equal(e.args.length, 5000);
  });

  const bad = [
    '',
    '   ',
    'MIT AND',
    'AND MIT',
    'MIT OR OR Apache-2.0',
    '(MIT',
    'MIT)',
    'MIT Apache-2.0',
    'Apache License 2.0',
    'GPL-2.0 WITH',
    '(MIT OR BSD) WITH Classpath-exception-2.0',
    'GPL-2.0 WITH Classpath-exception-2.0 WITH Other',
    'GPL-2.0 WITH Foo+',
    'GPLv2/MIT',
    'MIT, Apache-2.0',
    'MIT++',
    '()',
  ];
  for (const input of bad) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseLicenseExpression(input), LicenseExpressionError);
    });
  }

  test(`nesting deeper than ${MAX_NESTING} is rejected, not a stack overflow`, () => {
    const deep = '('.repeat(100_000) + 'MIT' + ')'.repeat(100_000);
    assert.throws(() => parseLicenseExpression(deep), LicenseExpressionError);
    const fine = '('.repeat(MAX_NESTING) + 'MIT' + ')'.repeat(MAX_NESTING);
    assert.equal(formatLicenseExpression(parseLicenseExpression(fine)), 'MIT');
  });
});

describe('license deny-list truth table', () => {
  // [package license, disallowed licenses, violates, mode]
  const rows: Array<[string, string[], boolean, ('expression' | 'word-match' | 'empty')?]> = [
    ['MIT', ['MIT'], true],
    ['MIT', ['mit'], true],
    ['Zlib', ['zlib'], true],
    ['MIT', ['GPL-3.0'], false],
    ['MIT OR GPL-3.0', ['GPL-3.0'], false],
    ['GPL-3.0 OR MIT', ['GPL-3.0'], false],
    ['MIT OR GPL-3.0', ['GPL-3.0', 'MIT'], true],
    ['MIT AND GPL-3.0', ['GPL-3.0'], true],
    ['MIT and GPL-3.0', ['GPL-3.0'], true],
    ['(MIT OR GPL-3.0) AND BSD-3-Clause', ['GPL-3.0'], false],
    ['(MIT OR GPL-3.0) AND BSD-3-Clause', ['BSD-3-Clause'], true],
    ['(MIT AND GPL-3.0) OR (Apache-2.0 AND GPL-3.0)', ['GPL-3.0'], true],
    ['(MIT AND GPL-3.0) OR Apache-2.0', ['GPL-3.0'], false],
    ['GPL-2.0 WITH Classpath-exception-2.0', ['GPL-2.0'], true],
    ['GPL-2.0 WITH Classpath-exception-2.0', ['GPL-2.0 WITH Classpath-exception-2.0'], true],
    ['GPL-2.0 WITH classpath-exception-2.0', ['gpl-2.0 with Classpath-exception-2.0'], true],
    ['GPL-2.0', ['GPL-2.0 WITH Classpath-exception-2.0'], false],
    ['GPL-2.0 WITH Bison-exception-2.2', ['GPL-2.0 WITH Classpath-exception-2.0'], false],
    ['MIT OR GPL-2.0 WITH Classpath-exception-2.0', ['GPL-2.0 WITH Classpath-exception-2.0'], false],
    // "-only" / "-or-later" and "+" compare with the short identifier.
    ['GPL-2.0-only', ['GPL-2.0'], true],
    ['GPL-2.0', ['GPL-2.0-only'], true],
    ['GPL-2.0-or-later', ['GPL-2.0'], true],
    ['GPL-2.0+', ['GPL-2.0'], true],
    ['GPL-2.0+', ['GPL-2.0+'], true],
    ['GPL-2.0-or-later', ['GPL-2.0+'], true],
    ['GPL-2.0+', ['GPL-2.0-or-later'], true],
    ['GPL-2.0-only', ['GPL-2.0+'], false],
    ['GPL-2.0', ['GPL-2.0-or-later'], false],
    ['GPL-3.0-only', ['GPL-2.0'], false],
    ['LGPL-2.1-or-later', ['GPL-2.1'], false],
    // LicenseRefs are opaque.
    ['LicenseRef-Golang-BSD-plus-Patents', ['licenseref-golang-bsd-plus-patents'], true],
    ['LicenseRef-AND', ['AND'], false],
    ['BSD-2-Clause AND LicenseRef-AND AND BSD-3-Clause', ['BSD-3-Clause'], true],
    ['MPL-2.0 AND LicenseRef-AND AND MIT', ['BSD-3-Clause'], false],
    ['DocumentRef-x:LicenseRef-y', ['DocumentRef-x:LicenseRef-y'], true],
    ['DocumentRef-x:LicenseRef-y', ['LicenseRef-y'], false],
    // NOASSERTION / NONE / empty: no information, denied only when listed.
    ['NOASSERTION', ['GPL-3.0'], false],
    ['NOASSERTION', ['NOASSERTION'], true],
    ['NONE', ['noassertion'], false],
    ['NONE', ['NONE'], true],
    ['', ['GPL-3.0'], false, 'empty'],
    ['MIT', [], false],
    // Not expressions: Ratify's whole-word match decides, so nothing fails open.
    ['GPL-3.0 / MIT', ['GPL-3.0'], true, 'word-match'],
    ['GPL-3.0 / MIT', ['BSD-3-Clause'], false, 'word-match'],
    ['Apache License 2.0', ['Apache'], true, 'word-match'],
    ['GPLv3, MIT', ['GPLv3'], false, 'word-match'],
    ['(GPL-3.0 OR', ['GPL-3.0'], true, 'word-match'],
    ['MIT OR Apache 2.0', ['MIT'], true, 'word-match'],
    // Compound deny entries keep Ratify's word match against the whole text.
    ['MIT OR Apache-2.0', ['MIT OR Apache-2.0'], true],
    ['Apache-2.0', ['MIT OR Apache-2.0'], false],
    // A deny entry that is not an expression at all.
    ['Some License', ['Some License'], true, 'word-match'],
  ];
  for (const [text, deny, violates, mode] of rows) {
    test(`${JSON.stringify(text)} vs [${deny.join(', ')}] -> ${violates ? 'violation' : 'allowed'}`, () => {
      const v = evaluateLicense(text, compileLicenseDenyList(deny));
      assert.equal(v.violates, violates);
      if (mode) assert.equal(v.mode, mode);
      if (violates) assert.ok(v.matched.length > 0);
      else assert.deepEqual(v.matched, []);
    });
  }

  test('reports which entries fired', () => {
    const v = evaluateLicense('MIT AND GPL-3.0 AND Zlib', compileLicenseDenyList(['GPL-3.0', 'Zlib', 'BSD-3-Clause']));
    assert.deepEqual(v.matched.sort(), ['GPL-3.0', 'Zlib']);
  });
});

describe("Ratify's whole-word license match", () => {
  const rows: Array<[string, string, boolean]> = [
    ['BSD-2-Clause AND LicenseRef-AND AND BSD-3-Clause', 'BSD-3-Clause', true],
    ['Zlib', 'zlib', true],
    ['(MIT OR Zlib)', 'zlib', true],
    ['GPL-2.0-only', 'GPL-2.0', false],
    ['GPL-2.0+', 'GPL-2.0', false],
    ['GPL-2.0+', 'GPL-2.0+', true],
    ['MIT\tZlib', 'Zlib', true],
    ['a.b', 'a.b', true],
    ['axb', 'a.b', false],
  ];
  for (const [text, word, hit] of rows) {
    test(`${JSON.stringify(word)} in ${JSON.stringify(text)}: ${hit}`, () => {
      assert.equal(containsLicenseWord(text, word), hit);
    });
  }
});
