import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backgroundContext } from '../../src/context.js';
import { Executor } from '../../src/executor/executor.js';
import type { ReportElement } from '../../src/executor/types.js';
import type { Descriptor, ReferenceDescriptor } from '../../src/oci/descriptor.js';
import { CelPolicy } from '../../src/policy/cel-policy.js';
import { ConfigPolicy } from '../../src/policy/config-policy.js';
import type { Reference } from '../../src/reference/reference.js';
import { createVulnReportVerifier } from '../../src/verifiers/vulnreport/verifier.js';
import type { Context } from '../../src/context.js';
import type { ListReferrersOptions } from '../../src/stores/types.js';
import { ScriptedVerifier } from '../executor/fixtures.js';
import { MemoryStore } from '../helpers/memory-store.js';

// latestOnly findings of the adversarial review (issue 11): a superseded report must never count
// as a success, and "newest" must come from the listing the executor verifies.
const SARIF = 'application/sarif+json';
const NOTARY = 'application/vnd.cncf.notary.signature';
const CREATED = 'org.opencontainers.image.created';
const now = () => new Date('2024-06-01T12:00:00Z');

function report(severity: 'CRITICAL' | 'LOW'): string {
  const rule = { id: 'CVE-1', shortDescription: { text: 'CVE-1' }, help: { text: `Vulnerability CVE-1\nSeverity: ${severity}\nPackage: x` } };
  return JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'Trivy', rules: [rule] } }, results: [{ ruleId: 'CVE-1', level: 'error', message: { text: 'x' } }] }] });
}

/** Lists one extra descriptor that no fetch can return (a hostile registry padding the listing). */
class PaddedStore extends MemoryStore {
  phantom: ReferenceDescriptor | undefined;
  override async *listReferrers(ref: Reference, subject: Descriptor, ctx: Context, opts?: ListReferrersOptions): AsyncIterable<ReferenceDescriptor> {
    yield* super.listReferrers(ref, subject, ctx, opts);
    if (this.phantom) yield { ...this.phantom };
  }
}

async function setup(reports: Array<{ severity: 'CRITICAL' | 'LOW'; created: string; signed?: boolean }>, opts: { nested?: boolean; rule?: 'any' | 'all'; cel?: string } = {}) {
  const store = new PaddedStore();
  const subject = store.addSubject();
  const descs = reports.map((r) => {
    const d = store.addReferrer(subject.desc, { artifactType: SARIF, layers: [{ data: report(r.severity) }], annotations: { [CREATED]: r.created } });
    if (r.signed) store.addReferrer(d, { artifactType: NOTARY, layers: [{ data: 'sig' }] });
    return d;
  });
  const vuln = await createVulnReportVerifier(
    { name: 'vulnerabilityreport', artifactTypes: SARIF, latestOnly: true, disallowedSeverities: ['critical'], ...(opts.nested ? { nestedReferences: NOTARY } : {}) },
    { now },
  );
  const notation = new ScriptedVerifier('notation', [NOTARY], () => ({ isSuccess: true, message: 'signature ok' }));
  const policy = opts.cel ? new CelPolicy({ expression: opts.cel }) : new ConfigPolicy({ artifactVerificationPolicies: { [SARIF]: opts.rule ?? 'any' } });
  const ex = new Executor({ stores: [store], verifiers: [vuln, notation], policy });
  const verify = async () => (await ex.verify({ subject: subject.ref.original, reference: subject.ref }, backgroundContext())).result;
  return { store, subject, descs, verify };
}

describe('vulnerabilityreport latestOnly through the executor', () => {
  test('two CRITICAL reports: "any" denies (the superseded one is no success)', async () => {
    const t = await setup([{ severity: 'CRITICAL', created: '2024-06-01T08:00:00Z' }, { severity: 'CRITICAL', created: '2024-06-01T10:00:00Z' }]);
    const r = await t.verify();
    assert.equal(r.isSuccess, false);
    const old = (r.verifierReports as ReportElement[]).find((e) => e.referenceDigest === t.descs[0]!.digest)!;
    assert.equal(old.isSuccess, false);
    assert.equal(old.skipped, true);
  });

  test('the newest report decides, under "any" and "all"', async () => {
    for (const rule of ['any', 'all'] as const) {
      const bad = await setup([{ severity: 'LOW', created: '2024-06-01T08:00:00Z' }, { severity: 'CRITICAL', created: '2024-06-01T10:00:00Z' }], { rule });
      assert.equal((await bad.verify()).isSuccess, false, rule);
      const good = await setup([{ severity: 'CRITICAL', created: '2024-06-01T08:00:00Z' }, { severity: 'LOW', created: '2024-06-01T10:00:00Z' }], { rule });
      assert.equal((await good.verify()).isSuccess, true, rule);
    }
  });

  test('a newer unsigned report does not neutralise a signed one: it is verified, and fails', async () => {
    const t = await setup([{ severity: 'LOW', created: '2024-06-01T08:00:00Z', signed: true }, { severity: 'LOW', created: '2024-06-01T10:00:00Z' }], { nested: true });
    const r = await t.verify();
    assert.equal(r.isSuccess, false);
    const newest = (r.verifierReports as ReportElement[]).find((e) => e.referenceDigest === t.descs[1]!.digest)!;
    assert.equal(newest.message, 'nested verification failed');
  });

  test('a phantom, never-fetchable "newest" descriptor in the listing is verified, and fails closed', async () => {
    const t = await setup([{ severity: 'LOW', created: '2024-06-01T08:00:00Z' }]);
    assert.equal((await t.verify()).isSuccess, true);
    t.store.phantom = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'f'.repeat(64)}`, size: 300, artifactType: SARIF, annotations: { [CREATED]: '2024-06-01T11:00:00Z' } };
    const r = await t.verify();
    assert.equal(r.isSuccess, false);
    const phantom = (r.verifierReports as ReportElement[]).find((e) => e.referenceDigest === t.store.phantom!.digest)!;
    assert.equal(phantom.isSuccess, false);
    assert.equal(phantom.skipped, undefined);
  });

  test('CEL: skipped reports are left out of reports and latest', async () => {
    const expr = `reports.filter(r, r.artifactType == '${SARIF}').all(r, r.isSuccess) && latest['${SARIF}'].isSuccess`;
    const t = await setup([{ severity: 'CRITICAL', created: '2024-06-01T08:00:00Z' }, { severity: 'LOW', created: '2024-06-01T10:00:00Z' }], { cel: expr });
    assert.equal((await t.verify()).isSuccess, true);
    const u = await setup([{ severity: 'LOW', created: '2024-06-01T08:00:00Z' }, { severity: 'CRITICAL', created: '2024-06-01T10:00:00Z' }], { cel: `latest['${SARIF}'].isSuccess` });
    assert.equal((await u.verify()).isSuccess, false);
  });
});
