import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backgroundContext } from '../../../src/context.js';
import {
  NotationTrustStore,
  RatifyTrustStore,
  TrustStoreError,
  isTrustStoreType,
  parseTrustStoreConfig,
} from '../../../src/verifiers/notation/truststore/index.js';
import { reportMissingVectors, vectorsDir } from '../../harness/vectors.js';

interface VectorCase {
  id: string;
  kind: string;
  expect: 'pass' | 'fail';
  reason: string;
  files: string[];
  inputs: { storeType?: string; storeName?: string };
  source: { path: string };
}

const dir = vectorsDir();
const ctx = backgroundContext();

/** The first "quoted" part of a case's reason: the error text notation's test asserts. */
function quoted(reason: string): string {
  const m = /"((?:[^"\\]|\\.)*)"/.exec(reason);
  assert.ok(m, `reason has a quoted error: ${reason}`);
  return m[1]!;
}

describe('truststore-x509 vector cases (notation-go trust store layout)', () => {
  if (dir === undefined) {
    it('vectors present', { skip: reportMissingVectors(5, 'truststore-x509 cases') }, () => {});
    return;
  }
  const raw = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as VectorCase[] | { cases: VectorCase[] };
  const list = (Array.isArray(raw) ? raw : raw.cases).filter((c) => c.kind === 'truststore-x509');
  const root = join(dir, 'notation-go', 'verifier', 'testdata', 'truststore');
  const store = new NotationTrustStore(root);

  it('there are truststore-x509 cases to run', () => assert.ok(list.length >= 5, `found ${list.length}`));
  for (const c of list) {
    it(c.id, async () => {
      const { storeType, storeName } = c.inputs;
      assert.ok(storeType && isTrustStoreType(storeType) && storeName, 'case names its store');
      assert.equal(`verifier/testdata/truststore/x509/${storeType}/${storeName}`, c.source.path);
      if (c.expect === 'pass') {
        const certs = await store.getCertificates(storeType, storeName, ctx);
        // every file of the case contributed (a file may hold several certificates)
        assert.ok(certs.length >= c.files.length, `${certs.length} certificates from ${c.files.length} files`);
        return;
      }
      const want = quoted(c.reason);
      await assert.rejects(store.getCertificates(storeType, storeName, ctx), (e: unknown) => {
        assert.ok(e instanceof TrustStoreError, String(e));
        assert.ok(e.detail.includes(want), `"${e.detail}" should contain "${want}"`);
        return true;
      });
    });
  }

  it('valid-trust-store: 6 files, the GlobalSign R3 root twice (DER and PEM)', async () => {
    const certs = await store.getCertificates('ca', 'valid-trust-store', ctx);
    assert.equal(certs.length, 6);
  });
  it('the leaf error names the certificate the way notation-go does', async () => {
    await assert.rejects(store.getCertificates('ca', 'trust-store-with-leaf-certs', ctx), (e: unknown) => {
      assert.ok(e instanceof TrustStoreError);
      assert.equal((e.inner as Error).message, 'certificate with subject "CN=wabbit-networks.io,O=Notary,L=Seattle,ST=WA,C=US" is not a CA certificate or self-signed signing certificate');
      return true;
    });
  });
  it('the non-CA tsa error is notation-go\'s full text', async () => {
    await assert.rejects(store.getCertificates('tsa', 'test-nonCA', ctx), (e: unknown) => {
      assert.ok(e instanceof TrustStoreError);
      assert.equal(
        e.detail,
        'trusted certificate wabbit-networks.io.crt in trust store test-nonCA of type tsa is invalid: certificate with subject "CN=wabbit-networks.io,O=Notary,L=Seattle,ST=WA,C=US" is not a root CA certificate: x509: invalid signature: parent certificate cannot sign this kind of certificate',
      );
      return true;
    });
  });
  it('a store named in notation e2e invalid_trust_store_trustpolicy does not exist', async () => {
    await assert.rejects(store.getCertificates('ca', 'invalid_store', ctx), /the trust store "invalid_store" of type "ca" does not exist/);
  });
});

describe('Ratify trust store over vector certificates', () => {
  if (dir === undefined) {
    it('vectors present', { skip: reportMissingVectors(3, 'Ratify trust store over vector certs') }, () => {});
    return;
  }
  const rt = { home: join(dir, 'no-such-home') };
  const localkeys = join(dir, 'notation', 'test', 'e2e', 'testdata', 'config', 'localkeys');

  it('e2e.crt (self-signed signing certificate) is kept', async () => {
    const store = new RatifyTrustStore(parseTrustStoreConfig({ verificationCerts: [join(localkeys, 'e2e.crt')] }, { rt }));
    const certs = await store.getCertificates('ca', 'e2e', ctx);
    assert.equal(certs.length, 1);
  });
  it('a directory mixing a leaf and CAs keeps only the CAs', async () => {
    const p = join(dir, 'notation-go', 'verifier', 'testdata', 'truststore', 'x509', 'ca', 'trust-store-with-leaf-certs');
    const certs = await new RatifyTrustStore(parseTrustStoreConfig({ verificationCerts: [p] }, { rt })).getCertificates('ca', 'x', ctx);
    assert.deepEqual(certs.map((c) => /CN=([^\n]*)/.exec(c.subject)?.[1]), ['wabbit-networks.io CA']);
  });
  it('a leaf-only path fails like the bats "leaf cert" test', async () => {
    const p = join(dir, 'notation-go', 'verifier', 'testdata', 'truststore', 'x509', 'ca', 'trust-store-with-leaf-certs', 'non-ca.crt');
    await assert.rejects(
      new RatifyTrustStore(parseTrustStoreConfig({ verificationCerts: [p] }, { rt })).getCertificates('ca', 'x', ctx),
      /valid certificates must be provided, only CA certificates or self-signed signing certificates are supported/,
    );
  });
});
