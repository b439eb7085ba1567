/**
 * Regenerates the signed sample in examples/: an OCI image layout whose image carries a
 * Notation signature, an SPDX SBOM (itself signed) and a SARIF vulnerability report, all
 * attached through `subject`, plus the CA certificate the demo config trusts.
 * Fresh keys every run (the private keys are not kept): `npx tsx examples/make-sample.ts`.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OciLayoutWriter } from '../src/stores/ocilayout/writer.js';
import type { Descriptor } from '../src/oci/descriptor.js';
import { makeCert, newKey, signJws, type TestSigner } from '../test/helpers/notation-sign.js';

const here = dirname(fileURLToPath(import.meta.url));
const NOTARY = 'application/vnd.cncf.notary.signature';
const YEAR = 365 * 86_400_000;

async function main(): Promise<void> {
  const rootKey = await newKey('RSA-3072');
  const root = await makeCert({
    subject: 'CN=ratify-ts sample CA,O=ratify-ts,L=Seattle,ST=WA,C=US',
    key: rootKey,
    basicConstraints: { ca: true, pathLength: 0 },
    notAfter: new Date(Date.now() + 20 * YEAR),
  });
  const leafKey = await newKey('P-256');
  const leaf = await makeCert({
    subject: 'CN=ratify-ts sample signer,O=ratify-ts,L=Seattle,ST=WA,C=US',
    key: leafKey,
    issuer: root,
    notAfter: new Date(Date.now() + 10 * YEAR),
  });
  const signer: TestSigner = { key: leafKey, chain: [leaf.der, root.der] };
  const sign = (target: Descriptor) =>
    signJws({ signer, target: { mediaType: target.mediaType, digest: target.digest, size: target.size }, signingAgent: 'ratify-ts/examples' });

  const layoutDir = join(here, 'sample-layout');
  await rm(layoutDir, { recursive: true, force: true });
  const w = new OciLayoutWriter(layoutDir);
  const image = w.image('v1', 'the sample image content');
  const created = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const signature = (target: Descriptor) =>
    w.attach(target, NOTARY, [{ mediaType: 'application/jose+json', data: sign(target) }], { 'org.opencontainers.image.created': created }, { configMediaType: NOTARY });
  signature(image);

  const sbom = w.attach(image, 'application/spdx+json', [{ mediaType: 'application/spdx+json', data: JSON.stringify(spdx(created)) }], { 'org.opencontainers.image.created': created });
  signature(sbom);

  w.attach(image, 'application/sarif+json', [{ mediaType: 'application/sarif+json', data: JSON.stringify(sarif()) }], { 'org.opencontainers.image.created': created });
  await w.write();

  await mkdir(join(here, 'certs'), { recursive: true });
  await writeFile(join(here, 'certs', 'sample-ca.crt'), root.pem);
  process.stdout.write(`wrote ${layoutDir} (image ${image.digest}) and certs/sample-ca.crt\n`);
}

function spdx(created: string) {
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: 'ratify-ts-sample',
    documentNamespace: 'https://github.com/ratify-ts/examples/sample',
    creationInfo: { created, creators: ['Tool: ratify-ts-examples'] },
    packages: [
      { SPDXID: 'SPDXRef-musl', name: 'musl', versionInfo: '1.2.4', licenseConcluded: 'MIT', downloadLocation: 'NOASSERTION' },
      { SPDXID: 'SPDXRef-busybox', name: 'busybox', versionInfo: '1.36.1', licenseConcluded: 'GPL-2.0-only', downloadLocation: 'NOASSERTION' },
      { SPDXID: 'SPDXRef-zlib', name: 'zlib', versionInfo: '1.3', licenseConcluded: 'Zlib OR MIT', downloadLocation: 'NOASSERTION' },
    ],
  };
}

function sarif() {
  const rule = (id: string, severity: string) => ({
    id,
    shortDescription: { text: `${id} in a sample package` },
    help: { text: `Vulnerability ${id}\nSeverity: ${severity}\nPackage: busybox` },
  });
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: 'Trivy', informationUri: 'https://github.com/aquasecurity/trivy', rules: [rule('CVE-2023-42363', 'MEDIUM'), rule('CVE-2023-42365', 'LOW')] } },
        results: [
          { ruleId: 'CVE-2023-42363', level: 'warning', message: { text: 'busybox 1.36.1' } },
          { ruleId: 'CVE-2023-42365', level: 'note', message: { text: 'busybox 1.36.1' } },
        ],
      },
    ],
  };
}

await main();
