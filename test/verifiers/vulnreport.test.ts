import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { backgroundContext, type Context } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import { silentLogger } from '../../src/observability/logger.js';
import {
  createVulnReportVerifier,
  DurationError,
  makeVulnReportVerifierFactory,
  parseGoDuration,
  parseRFC3339,
  SARIF_SUBSET_SCHEMA,
  TimeParseError,
  vulnReportVerifierFactory,
  type VulnReportVerifier,
} from '../../src/verifiers/vulnreport/index.js';
import type { VerifierResult, VerifyInput } from '../../src/verifiers/types.js';
import { collect } from '../../src/stores/types.js';
import { MemoryStore, storeWithReferrer, type ReferrerSpec } from '../helpers/memory-store.js';

const ctx: Context = backgroundContext();
const SARIF = 'application/sarif+json';
const CREATED = 'org.opencontainers.image.created';
const NOW = new Date('2024-06-01T12:00:00Z');
const now = () => NOW;

describe('Go duration parser (maximumAge)', () => {
  const S = 1_000_000_000n;
  const ok: Array<[string, bigint]> = [
    ['0', 0n],
    ['+0', 0n],
    ['-0', 0n],
    ['24h', 24n * 3600n * S],
    ['1h30m', 5400n * S],
    ['90s', 90n * S],
    ['1.5h', 5400n * S],
    ['.5s', S / 2n],
    ['1.s', S],
    ['300ms', 300_000_000n],
    ['2h45m30.5s', (2n * 3600n + 45n * 60n + 30n) * S + S / 2n],
    ['-1h', -3600n * S],
    ['+5m', 300n * S],
    ['1us', 1000n],
    ['1µs', 1000n],
    ['1μs', 1000n],
    ['7ns', 7n],
    ['1h1h', 7200n * S],
    ['9223372036854775807ns', 9223372036854775807n],
    ['-9223372036854775808ns', -9223372036854775808n],
    ['2562047h', 2562047n * 3600n * S],
    ['0.000000001s', 1n],
    ['1.0000000000000000000001s', S],
  ];
  for (const [s, want] of ok) test(`${JSON.stringify(s)} = ${want} ns`, () => assert.equal(parseGoDuration(s), want));
  const bad = ['', '1', 'h', '1d', '1 h', '-', '.s', '.', '1h-1m', '9223372036854775808ns', '2562048h', '1e3s', ' 1h', '1H', '24h '];
  for (const s of bad) test(`${JSON.stringify(s)} is invalid`, () => assert.throws(() => parseGoDuration(s), DurationError));
  test('error texts follow Go', () => {
    assert.throws(() => parseGoDuration('1d'), { message: 'time: unknown unit "d" in duration "1d"' });
    assert.throws(() => parseGoDuration('1'), { message: 'time: missing unit in duration "1"' });
    assert.throws(() => parseGoDuration(''), { message: 'time: invalid duration ""' });
  });
});

describe('RFC 3339 timestamps (created annotation)', () => {
  const ok: Array<[string, string]> = [
    ['2024-01-01T10:00:00Z', '2024-01-01T10:00:00Z'],
    ['2024-01-01T10:00:00.123456789+02:00', '2024-01-01T10:00:00.123456789+02:00'],
    ['2024-01-01T10:00:00.120Z', '2024-01-01T10:00:00.12Z'],
    ['2024-01-01T10:00:00.000Z', '2024-01-01T10:00:00Z'],
    ['2024-01-01T10:00:00+00:00', '2024-01-01T10:00:00Z'],
    ['2024-01-01T10:00:00-00:00', '2024-01-01T10:00:00Z'],
    ['2024-01-01T10:00:00,5-05:30', '2024-01-01T10:00:00.5-05:30'],
    ['2024-01-01T10:00:00.1234567891234Z', '2024-01-01T10:00:00.123456789Z'],
    ['2024-02-29T23:59:59Z', '2024-02-29T23:59:59Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00Z'],
  ];
  for (const [s, text] of ok) {
    test(`${s} -> ${text}`, () => {
      const t = parseRFC3339(s);
      assert.equal(t.text, text);
    });
  }
  test('instants are right, offsets applied', () => {
    assert.equal(parseRFC3339('2024-01-01T10:00:00.5+02:00').epochNs, BigInt(Date.parse('2024-01-01T08:00:00Z')) * 1_000_000n + 500_000_000n);
    assert.equal(parseRFC3339('0050-01-01T00:00:00Z').epochNs, BigInt(Date.parse('0050-01-01T00:00:00Z')) * 1_000_000n);
  });
  const bad = [
    '2024-01-01',
    '2024-01-01 10:00:00Z',
    '2024-01-01t10:00:00Z',
    '2024-01-01T10:00:00z',
    '2024-01-01T10:00:00',
    '2023-02-29T10:00:00Z',
    '2024-04-31T10:00:00Z',
    '2024-13-01T10:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T10:60:00Z',
    '2024-01-01T10:00:60Z',
    '2024-01-01T10:00:00+24:00',
    '2024-01-01T10:00:00+0200',
    '2024-01-01T10:00:00.Z',
    'yesterday',
    '',
  ];
  for (const s of bad) test(`${JSON.stringify(s)} is rejected`, () => assert.throws(() => parseRFC3339(s), TimeParseError));
});

function sarif(opts: { tool?: string; rules?: unknown[]; results?: unknown[]; runs?: unknown[] } = {}): string {
  const run = {
    tool: { driver: { name: opts.tool ?? 'Trivy', rules: opts.rules ?? [rule('CVE-1', 'HIGH'), rule('CVE-2', 'LOW')] } },
    results: opts.results ?? [result('CVE-1'), result('CVE-2'), result('CVE-1')],
  };
  return JSON.stringify({ version: '2.1.0', $schema: 'https://json.schemastore.org/sarif-2.1.0.json', runs: opts.runs ?? [run] });
}
function rule(id: string, severity?: string): unknown {
  return { id, shortDescription: { text: id }, help: severity === undefined ? undefined : { text: `Vulnerability ${id}\nSeverity: ${severity}\nPackage: x` } };
}
function result(ruleId?: string): unknown {
  return { ruleId, level: 'error', message: { text: `found ${ruleId}` } };
}

/** `annotations: null` builds a referrer without any annotations. */
function spec(data: string, annotations: Record<string, string> | null = { [CREATED]: '2024-06-01T10:00:00Z' }, artifactType = SARIF): ReferrerSpec {
  const s: ReferrerSpec = { artifactType, layers: [{ data }] };
  if (annotations) s.annotations = annotations;
  return s;
}

async function verifier(config: Record<string, unknown> = {}): Promise<VulnReportVerifier> {
  return createVulnReportVerifier({ name: 'vulnerabilityreport', type: 'vulnerabilityreport', artifactTypes: SARIF, ...config }, { now });
}

async function run(config: Record<string, unknown>, s: ReferrerSpec): Promise<{ r: VerifierResult; input: VerifyInput; store: MemoryStore }> {
  const w = storeWithReferrer(s);
  const r = await (await verifier(config)).verify(w.input, ctx);
  return { r, input: w.input, store: w.store };
}

describe('vulnerabilityreport verifier: Ratify semantics', () => {
  test('factory', async () => {
    assert.equal(vulnReportVerifierFactory.type, 'vulnerabilityreport');
    const v = await vulnReportVerifierFactory.create({ name: 'vr', type: 'vulnerabilityreport', artifactTypes: SARIF }, { rt: { home: '/tmp', env: {} }, log: silentLogger() });
    assert.deepEqual(v.artifactTypes, [SARIF]);
    assert.equal(v.type, 'vulnerabilityreport');
  });

  test('success: "Validation succeeded" with {createdAt, scanner}', async () => {
    const { r } = await run({}, spec(sarif()));
    assert.equal(r.isSuccess, true);
    assert.equal(r.message, 'Validation succeeded');
    assert.equal(JSON.stringify(r.extensions), JSON.stringify({ createdAt: '2024-06-01T10:00:00Z', scanner: 'trivy' }));
  });

  test('createdAt echoes the annotation as Go marshals time.Time', async () => {
    const { r } = await run({}, spec(sarif(), { [CREATED]: '2024-06-01T11:30:00.250+01:30' }));
    assert.deepEqual(r.extensions, { createdAt: '2024-06-01T11:30:00.25+01:30', scanner: 'trivy' });
  });

  test('created annotation: none at all, missing key, unparsable', async () => {
    const none = await run({}, spec(sarif(), null));
    assert.equal(none.r.isSuccess, false);
    assert.equal(none.r.message, 'Failed to create timestamp annotation.');
    assert.match(none.r.errorReason ?? '', /^no annotations found for descriptor:\[\{\{application\/vnd.oci.image.manifest.v1\+json sha256:/);
    assert.equal(none.r.extensions, undefined);
    const other = await run({}, spec(sarif(), { 'org.example': 'x' }));
    assert.match(other.r.errorReason ?? '', /^created annotation \[org.opencontainers.image.created\] not found for descriptor:\[/);
    const bad = await run({}, spec(sarif(), { [CREATED]: 'yesterday' }));
    assert.equal(bad.r.message, 'Failed to create timestamp annotation.');
    assert.equal(bad.r.errorReason, 'error parsing created timestamp:[yesterday]');
  });

  test('createdAnnotationName picks another annotation', async () => {
    const { r } = await run({ createdAnnotationName: 'example.com/scanned' }, spec(sarif(), { 'example.com/scanned': '2024-05-31T00:00:00Z' }));
    assert.equal(r.isSuccess, true);
    assert.equal((r.extensions as { createdAt: string }).createdAt, '2024-05-31T00:00:00Z');
  });

  test('maximumAge: within, exactly at, beyond', async () => {
    assert.equal((await run({ maximumAge: '2h' }, spec(sarif()))).r.isSuccess, true);
    assert.equal((await run({ maximumAge: '2h' }, spec(sarif(), { [CREATED]: '2024-06-01T10:00:00Z' }))).r.isSuccess, true);
    const stale = await run({ maximumAge: '1h59m59s' }, spec(sarif()));
    assert.equal(stale.r.isSuccess, false);
    // Ratify's message is empty here; the reason says why.
    assert.equal(stale.r.message, '');
    assert.equal(stale.r.errorReason, 'Report is older than maximum age:[1h59m59s].');
    assert.deepEqual(stale.r.extensions, { createdAt: '2024-06-01T10:00:00Z' });
  });

  test('maximumAge checks happen before the manifest is read', async () => {
    const w = storeWithReferrer(spec(sarif(), { [CREATED]: '2020-01-01T00:00:00Z' }));
    w.store.failures.set(w.referrer.digest, new RatifyError('GET_REFERRER_MANIFEST_FAILURE', 'unreachable'));
    const r = await (await verifier({ maximumAge: '24h' })).verify(w.input, ctx);
    assert.equal(r.errorReason, 'Report is older than maximum age:[24h].');
  });

  test('bad maximumAge: "Failed to validate maximum age."', async () => {
    const { r } = await run({ maximumAge: '1d' }, spec(sarif()));
    assert.equal(r.isSuccess, false);
    assert.equal(r.message, 'Failed to validate maximum age.');
    assert.equal(r.errorReason, 'error parsing maximum age:[1d]');
    assert.deepEqual(r.extensions, { createdAt: '2024-06-01T10:00:00Z' });
  });

  test('bad maximumAge is also logged once when the verifier is created', async () => {
    const warnings: string[] = [];
    const log = { ...silentLogger(), warn: (_o: unknown, msg: string) => warnings.push(msg) } as unknown as ReturnType<typeof silentLogger>;
    await makeVulnReportVerifierFactory({ now }).create({ name: 'vr', maximumAge: '1 day' }, { rt: { home: '/tmp', env: {} }, log });
    assert.equal(warnings.length, 1);
  });

  test('no layers: empty message, reason with the referrer', async () => {
    const { r, input } = await run({}, { artifactType: SARIF, layers: [], annotations: { [CREATED]: '2024-06-01T10:00:00Z' } });
    assert.equal(r.isSuccess, false);
    assert.equal(r.message, '');
    assert.equal(r.errorReason, `No layers found in manifest for referrer registry.example/test/image@${input.referrer.digest}.`);
    assert.deepEqual(r.extensions, { createdAt: '2024-06-01T10:00:00Z' });
  });

  test('passthrough: the raw report for the policy, no checks', async () => {
    const { r } = await run({ passthrough: true, denylistCVEs: ['CVE-1'] }, spec('not even json'));
    assert.equal(r.isSuccess, true);
    assert.equal(r.message, 'Validation skipped. passthrough enabled');
    assert.equal(JSON.stringify(r.extensions), JSON.stringify({ createdAt: '2024-06-01T10:00:00Z', passthrough: true, report: 'not even json' }));
  });

  test('schema: non-SARIF artifact type, malformed JSON, schema violation', async () => {
    const other = await run({}, spec(sarif(), { [CREATED]: '2024-06-01T10:00:00Z' }, 'application/vnd.cyclonedx+json'));
    assert.equal(other.r.isSuccess, false);
    assert.match(other.r.message, /^Schema validation failed for digest:\[sha256:[0-9a-f]{64}\],artifact type:\[application\/vnd.cyclonedx\+json\]\.$/);
    assert.equal(other.r.errorReason, 'media type not configured for plugin:[application/vnd.cyclonedx+json]');
    const broken = await run({}, spec('{"version": "2.1.0", "runs": ['));
    assert.match(broken.r.message, /^Schema validation failed for digest:/);
    assert.match(broken.r.errorReason ?? '', /^report is not valid JSON/);
    const wrong = await run({}, spec(JSON.stringify({ version: '2.0.0', runs: [] })));
    assert.match(wrong.r.message, /^Schema validation failed/);
    assert.match(wrong.r.errorReason ?? '', /report\/version must be equal to one of the allowed values/);
    const noDriver = await run({}, spec(JSON.stringify({ version: '2.1.0', runs: [{ tool: {} }] })));
    assert.match(noDriver.r.errorReason ?? '', /must have required property 'driver'/);
    const extra = await run({}, spec(JSON.stringify({ version: '2.1.0', runs: [], bogus: 1 })));
    assert.match(extra.r.errorReason ?? '', /must NOT have additional properties/);
  });

  test('Trivy\'s SARIF artifact type is read as SARIF', async () => {
    const { r } = await run({ disallowedSeverities: ['high'] }, spec(sarif(), { [CREATED]: '2024-06-01T10:00:00Z' }, 'application/vnd.aquasecurity.trivy.report.sarif.v1'));
    assert.equal(r.message, 'Found disallowed severities. See extensions field for details.');
  });

  test('no runs: "No runs found in sarif report."', async () => {
    const { r } = await run({}, spec(JSON.stringify({ version: '2.1.0', runs: [] })));
    assert.equal(r.isSuccess, false);
    assert.equal(r.message, 'No runs found in sarif report.');
    assert.equal(r.errorReason, undefined);
  });

  test('denylistCVEs: case-insensitive, lower-cased violations in deny-list order', async () => {
    const { r } = await run({ denylistCVEs: ['cve-2', 'CVE-1', 'CVE-9'] }, spec(sarif()));
    assert.equal(r.isSuccess, false);
    assert.equal(r.message, 'Found denied CVEs. See extensions field for details.');
    assert.equal(
      JSON.stringify(r.extensions),
      JSON.stringify({ createdAt: '2024-06-01T10:00:00Z', cveViolations: ['cve-2', 'cve-1'], denylistCVEs: ['cve-2', 'CVE-1', 'CVE-9'], scanner: 'trivy' }),
    );
    assert.equal((await run({ denylistCVEs: ['CVE-9'] }, spec(sarif()))).r.isSuccess, true);
  });

  test('disallowedSeverities: map of rule id to lower-cased severity, sorted', async () => {
    const { r } = await run({ disallowedSeverities: ['LOW', 'high'] }, spec(sarif()));
    assert.equal(r.isSuccess, false);
    assert.equal(r.message, 'Found disallowed severities. See extensions field for details.');
    assert.equal(
      JSON.stringify(r.extensions),
      JSON.stringify({ createdAt: '2024-06-01T10:00:00Z', disallowedSeverities: ['LOW', 'high'], scanner: 'trivy', severityViolations: { 'CVE-1': 'high', 'CVE-2': 'low' } }),
    );
    assert.equal((await run({ disallowedSeverities: ['critical'] }, spec(sarif()))).r.isSuccess, true);
  });

  test('deny list runs before severities', async () => {
    const { r } = await run({ denylistCVEs: ['CVE-2'], disallowedSeverities: ['high'] }, spec(sarif()));
    assert.equal(r.message, 'Found denied CVEs. See extensions field for details.');
  });

  test('a result without ruleId fails either check', async () => {
    const data = sarif({ results: [result('CVE-1'), result(undefined)] });
    for (const cfg of [{ denylistCVEs: ['CVE-404'] }, { disallowedSeverities: ['critical'] }]) {
      const { r } = await run(cfg, spec(data));
      assert.equal(r.isSuccess, false);
      assert.match(r.message, /^Rule id not found for result:\[\{.*"found undefined".*\}\]\.$/);
      assert.deepEqual(r.extensions, { createdAt: '2024-06-01T10:00:00Z', scanner: 'trivy' });
    }
    // Without either check a missing ruleId is fine.
    assert.equal((await run({}, spec(data))).r.isSuccess, true);
  });

  test('severity: unknown rule, missing help text, unsupported scanner, no severity in text', async () => {
    const unknownRule = await run({ disallowedSeverities: ['high'] }, spec(sarif({ results: [result('CVE-404')] })));
    assert.match(unknownRule.r.message, /^Rule not found for result:\[/);
    const noHelp = await run({ disallowedSeverities: ['high'] }, spec(sarif({ rules: [rule('CVE-1')], results: [result('CVE-1')] })));
    assert.equal(noHelp.r.message, 'Failed to extract severity.');
    assert.equal(noHelp.r.errorReason, 'help text not found for rule:[CVE-1]');
    const snyk = await run({ disallowedSeverities: ['high'] }, spec(sarif({ tool: 'Snyk' })));
    assert.equal(snyk.r.message, 'Failed to extract severity.');
    assert.equal(snyk.r.errorReason, 'scanner not supported:[snyk]');
    const grype = await run({ disallowedSeverities: ['high'] }, spec(sarif({ tool: 'grype', rules: [{ id: 'CVE-1', help: { text: 'no level here' } }], results: [result('CVE-1')] })));
    assert.equal(grype.r.errorReason, 'severity not found in help text:[no level here]');
  });
});

describe('vulnerabilityreport verifier: schemaURL', () => {
  let tmp: string;
  let server: Server;
  let base: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'vulnreport-schema-'));
    await writeFile(join(tmp, 'subset.json'), JSON.stringify(SARIF_SUBSET_SCHEMA));
    await writeFile(join(tmp, 'strict.json'), JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', required: ['nothere'] }));
    await writeFile(join(tmp, 'broken.json'), '{"type": ');
    await writeFile(join(tmp, 'anything.json'), '{}');
    server = createServer((req, res) => {
      if (req.url === '/subset.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(SARIF_SUBSET_SCHEMA));
      } else {
        res.writeHead(404);
        res.end('not found');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await rm(tmp, { recursive: true, force: true });
  });

  test('file:// schema validates', async () => {
    const { r } = await run({ schemaURL: pathToFileURL(join(tmp, 'subset.json')).href }, spec(sarif()));
    assert.equal(r.isSuccess, true);
  });
  test('file:// schema the report does not satisfy', async () => {
    const { r } = await run({ schemaURL: pathToFileURL(join(tmp, 'strict.json')).href }, spec(sarif()));
    assert.match(r.message, /^Schema validation failed for digest:/);
    assert.match(r.errorReason ?? '', /must have required property 'nothere'/);
  });
  test('a permissive schema lets a mistyped report through to the SARIF reader: "Failed to parse sarif report."', async () => {
    const url = pathToFileURL(join(tmp, 'anything.json')).href;
    for (const [doc, reason] of [
      [{ version: '2.1.0', runs: 'x' }, /^sarif.runs: expected array, got string$/],
      [{ version: '2.1.0', runs: [{ tool: { driver: { name: 7 } } }] }, /^runs\[0\].tool.driver.name: expected string, got number$/],
      [{ version: '2.1.0', runs: [{ tool: {} }] }, /^runs\[0\].tool.driver: expected object, got undefined$/],
      [{ version: '2.1.0', runs: [{ tool: { driver: { name: 'x', rules: [{ id: 'a', help: { text: 1 } }] } } }] }, /help.text: expected string/],
      [{ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 5 }] }] }, /results\[0\].ruleId: expected string/],
    ] as const) {
      const { r } = await run({ schemaURL: url }, spec(JSON.stringify(doc)));
      assert.equal(r.isSuccess, false);
      assert.equal(r.message, 'Failed to parse sarif report.');
      assert.match(r.errorReason ?? '', reason);
      assert.deepEqual(r.extensions, { createdAt: '2024-06-01T10:00:00Z' });
    }
  });
  test('missing or broken schema file fails the report', async () => {
    for (const f of ['absent.json', 'broken.json']) {
      const { r } = await run({ schemaURL: pathToFileURL(join(tmp, f)).href }, spec(sarif()));
      assert.match(r.message, /^Schema validation failed for digest:/);
      assert.match(r.errorReason ?? '', /^cannot load schema/);
    }
  });
  test('http:// schema, and an HTTP error', async () => {
    assert.equal((await run({ schemaURL: `${base}/subset.json` }, spec(sarif()))).r.isSuccess, true);
    const missing = await run({ schemaURL: `${base}/none.json` }, spec(sarif()));
    assert.match(missing.r.errorReason ?? '', /HTTP 404/);
  });
  test('a schemaURL that is not a file/http(s) URL is a config error', async () => {
    for (const u of ['bad schema', 'ftp://example.com/s.json', '/etc/schema.json']) {
      await assert.rejects(verifier({ schemaURL: u }), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID', u);
    }
  });
});

describe('vulnerabilityreport verifier: hostile input and store failures', () => {
  test('config of the wrong type is CONFIG_INVALID', async () => {
    for (const bad of [{ passthrough: 'true' }, { denylistCVEs: 'CVE-1' }, { maximumAge: 24 }, { latestOnly: 1 }]) {
      await assert.rejects(verifier(bad), (e: unknown) => e instanceof RatifyError && e.code === 'CONFIG_INVALID', JSON.stringify(bad));
    }
  });

  test('blob over maxBlobBytes is refused before download', async () => {
    const { r, store } = await run({ maxBlobBytes: 100 }, spec(sarif()));
    assert.equal(r.isSuccess, false);
    assert.match(r.message, /^Failed to fetch blob for subject:\[registry.example\/test\/image:v1@sha256:[0-9a-f]{64}\] digest:\[sha256:[0-9a-f]{64}\]\.$/);
    assert.match(r.errorReason ?? '', /over the limit of 100 bytes/);
    assert.deepEqual(store.blobFetches, []);
  });

  test('manifest failure: Ratify message with createdAt; transient failure thrown', async () => {
    const w = storeWithReferrer(spec(sarif()));
    w.store.failures.set(w.referrer.digest, new RatifyError('GET_REFERRER_MANIFEST_FAILURE', 'gone'));
    const r = await (await verifier()).verify(w.input, ctx);
    assert.ok(r.message.startsWith(`Failed to fetch reference manifest for subject: ${w.input.subject.original}, reference descriptor: {{`));
    assert.equal(r.errorReason, 'gone');
    assert.deepEqual(r.extensions, { createdAt: '2024-06-01T10:00:00Z' });
    w.store.failures.set(w.referrer.digest, new RatifyError('DEADLINE_EXCEEDED', 'slow'));
    await assert.rejects((await verifier()).verify(w.input, ctx), (e: unknown) => e instanceof RatifyError && e.code === 'DEADLINE_EXCEEDED');
  });

  test('deeply nested JSON report is a schema failure, not a crash', async () => {
    const { r } = await run({}, spec('['.repeat(300_000) + ']'.repeat(300_000)));
    assert.equal(r.isSuccess, false);
    assert.match(r.message, /^Schema validation failed/);
  });
});

describe('vulnerabilityreport verifier: latestOnly', () => {
  function twoReports(olderCreated: string, newerCreated: string) {
    const store = new MemoryStore();
    const subject = store.addSubject();
    const older = store.addReferrer(subject.desc, spec(sarif({ results: [result('CVE-1')] }), { [CREATED]: olderCreated }));
    const newer = store.addReferrer(subject.desc, spec(sarif({ results: [result('CVE-2')] }), { [CREATED]: newerCreated }));
    const input = (referrer: typeof older): VerifyInput => ({ subject: subject.ref, subjectDescriptor: subject.desc, referrer, store, siblings: [older, newer] });
    return { store, subject, older, newer, input };
  }

  test('an older report is skipped (never a success) in favour of the newest; the newest is verified', async () => {
    const t = twoReports('2024-06-01T08:00:00Z', '2024-06-01T10:00:00Z');
    const v = await verifier({ latestOnly: true, denylistCVEs: ['CVE-1', 'CVE-2'] });
    const old = await v.verify(t.input(t.older), ctx);
    assert.equal(old.isSuccess, false);
    assert.equal(old.skipped, true);
    assert.equal(old.message, 'Skipped: a newer vulnerability report exists');
    assert.equal(JSON.stringify(old.extensions), JSON.stringify({ createdAt: '2024-06-01T08:00:00Z', supersededBy: t.newer.digest }));
    const cur = await v.verify(t.input(t.newer), ctx);
    assert.equal(cur.isSuccess, false);
    assert.deepEqual((cur.extensions as { cveViolations: string[] }).cveViolations, ['cve-2']);
  });

  test('a stale superseded report is skipped rather than failed for its age', async () => {
    const t = twoReports('2024-01-01T00:00:00Z', '2024-06-01T11:00:00Z');
    const v = await verifier({ latestOnly: true, maximumAge: '24h' });
    assert.equal((await v.verify(t.input(t.older), ctx)).message, 'Skipped: a newer vulnerability report exists');
    assert.equal((await v.verify(t.input(t.newer), ctx)).isSuccess, true);
  });

  test('without latestOnly both are verified', async () => {
    const t = twoReports('2024-06-01T08:00:00Z', '2024-06-01T10:00:00Z');
    const v = await verifier({ denylistCVEs: ['CVE-1'] });
    assert.equal((await v.verify(t.input(t.older), ctx)).isSuccess, false);
  });

  test('equal times supersede nothing; offsets compare as instants', async () => {
    const tie = twoReports('2024-06-01T10:00:00Z', '2024-06-01T12:00:00+02:00');
    const v = await verifier({ latestOnly: true });
    assert.equal((await v.verify(tie.input(tie.older), ctx)).message, 'Validation succeeded');
    assert.equal((await v.verify(tie.input(tie.newer), ctx)).message, 'Validation succeeded');
  });

  test('other artifact types and reports without a readable time do not compete', async () => {
    const store = new MemoryStore();
    const subject = store.addSubject();
    const mine = store.addReferrer(subject.desc, spec(sarif(), { [CREATED]: '2024-06-01T08:00:00Z' }));
    store.addReferrer(subject.desc, spec(sarif(), { [CREATED]: '2024-06-01T11:00:00Z' }, 'application/vnd.aquasecurity.trivy.report.sarif.v1'));
    store.addReferrer(subject.desc, spec(sarif(), { [CREATED]: 'not a time' }));
    store.addReferrer(subject.desc, spec(sarif(), null));
    const siblings = await collect(store.listReferrers(subject.ref, subject.desc, ctx));
    const r = await (await verifier({ latestOnly: true })).verify({ subject: subject.ref, subjectDescriptor: subject.desc, referrer: mine, store, siblings }, ctx);
    assert.equal(r.message, 'Validation succeeded');
  });

  test('only the executor’s listing counts: the verifier never lists the store itself', async () => {
    const t = twoReports('2024-06-01T08:00:00Z', '2024-06-01T10:00:00Z');
    // The store would name a newer report, but the request's listing does not: nothing supersedes.
    const v = await verifier({ latestOnly: true, denylistCVEs: ['CVE-1'] });
    const alone = await v.verify({ ...t.input(t.older), siblings: [t.older] }, ctx);
    assert.equal(alone.message, 'Found denied CVEs. See extensions field for details.');
    const { siblings: _s, ...noListing } = t.input(t.older);
    const unlisted = await v.verify(noListing, ctx);
    assert.equal(unlisted.skipped, undefined);
    assert.equal(unlisted.isSuccess, false);
    t.store.listError = new RatifyError('LIST_REFERRERS_FAILURE', 'must not be listed');
    assert.equal((await v.verify(t.input(t.older), ctx)).skipped, true);
  });

  test('the report without a created annotation fails before latestOnly is consulted', async () => {
    const store = new MemoryStore();
    const subject = store.addSubject();
    const mine = store.addReferrer(subject.desc, spec(sarif(), null));
    store.addReferrer(subject.desc, spec(sarif(), { [CREATED]: '2024-06-01T11:00:00Z' }));
    const siblings = await collect(store.listReferrers(subject.ref, subject.desc, ctx));
    const r = await (await verifier({ latestOnly: true })).verify({ subject: subject.ref, subjectDescriptor: subject.desc, referrer: mine, store, siblings }, ctx);
    assert.equal(r.message, 'Failed to create timestamp annotation.');
  });
});
