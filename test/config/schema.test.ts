import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../../src/config/issues.js';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/validate.js';
import { trustPolicyDocumentIssues } from '../../src/verifiers/notation/trustpolicy/index.js';
import { requireVectors } from '../harness/vectors.js';

const NOTARY = 'application/vnd.cncf.notary.signature';
const COSIGN = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const SPDX = 'application/spdx+json';
const SARIF = 'application/sarif+json';

type Json = Record<string, unknown>;

const trustPolicyDoc = () => ({
  version: '1.0',
  trustPolicies: [
    {
      name: 'default',
      registryScopes: ['*'],
      signatureVerification: { level: 'strict', override: { revocation: 'log' }, verifyTimestamp: 'always' },
      trustStores: ['ca:certs', 'tsa:tsa'],
      trustedIdentities: ['*'],
    },
  ],
});

/** A config with every key of every section and built-in plugin set (exec and module entries too). */
function full(): Json {
  return {
    store: {
      version: '1.0.0',
      pluginBinDirs: ['./plugins'],
      plugins: [
        {
          name: 'oras',
          type: 'oras',
          version: '1.0.0',
          scopes: ['registry.example.com/team/*', '*.example.org'],
          useHttp: false,
          cosignEnabled: true,
          localCachePath: './cache',
          cacheEnabled: true,
          ttl: 10,
          authProvider: { name: 'dockerConfig', configPath: './docker.json' },
          caFile: './ca.pem',
          insecureSkipVerify: false,
          loopbackInsecure: true,
          maxManifestBytes: 4194304,
          maxBlobBytes: 67108864,
          maxReferrers: 1000,
          localCacheEnabled: true,
        },
        { name: 'layout', type: 'oci-layout', path: './layout', scopes: ['local.example/app'] },
        { name: 'my-store', version: '1.0.0', scopes: ['other.example'], source: { artifact: 'registry.example.com/plugins/my-store:v1', authProvider: { name: 'dockerConfig' }, useHttp: false, insecureSkipVerify: false }, anything: { the: 'plugin decides' } },
        { name: 'mod-store', module: './store.js', its: 'own keys' },
      ],
    },
    policy: { version: '1.0.0', plugin: { name: 'configPolicy', artifactVerificationPolicies: { [NOTARY]: 'any', default: 'all' } } },
    verifier: {
      version: '1.0.0',
      pluginBinDirs: ['./plugins'],
      plugins: [
        {
          name: 'verifier-notation',
          type: 'notation',
          artifactTypes: NOTARY,
          nestedReferences: SPDX,
          version: '1.0.0',
          verificationCerts: ['./certs'],
          verificationCertStores: { ca: { certs: ['kmp'] } },
          trustPolicyDoc: trustPolicyDoc(),
          userMetadata: { stage: 'prod' },
          maxEnvelopeBytes: 2097152,
        },
        {
          name: 'cosign',
          artifactTypes: COSIGN,
          nestedArtifactTypes: [SPDX],
          trustedRootPath: './trusted_root.json',
          predicateTypes: ['https://slsa.dev/provenance/v1'],
          maxBlobBytes: 33554432,
          trustPolicies: [
            { name: 'keyed', version: '1.0.0', scopes: ['registry.example.com/a*'], keys: [{ file: './cosign.pub' }, { provider: 'kmp', name: 'k', version: 'v1' }], tLogVerify: true, rekorURL: 'https://rekor.sigstore.dev', trustedRootPath: './root.json' },
            { name: 'keyless', scopes: ['*'], keyless: { ctLogVerify: true, certificateIdentityRegExp: '^https://github.com/', certificateOIDCIssuer: 'https://token.actions.githubusercontent.com' } },
          ],
        },
        { name: 'legacy-cosign', type: 'cosign', artifactTypes: COSIGN, key: './cosign.pub', rekorURL: 'https://rekor.sigstore.dev' },
        { name: 'sbom', artifactTypes: SPDX, disallowedLicenses: ['GPL-3.0-only'], disallowedPackages: [{ name: 'log4j-core', version: '2.13.0' }], maxBlobBytes: 1048576 },
        {
          name: 'vulnerabilityreport',
          artifactTypes: SARIF,
          schemaURL: 'file:///etc/sarif.json',
          createdAnnotationName: 'org.opencontainers.image.created',
          maximumAge: '24h',
          disallowedSeverities: ['high', 'critical'],
          passthrough: false,
          denylistCVEs: ['CVE-2021-44228'],
          latestOnly: true,
          maxBlobBytes: 1048576,
        },
        { name: 'licensechecker', artifactTypes: 'application/vnd.ratify.spdx.v0', allowedLicenses: ['MIT'], source: { artifact: 'registry.example.com/plugins/lc:v1' } },
        { name: 'reviewed', module: './reviewed.js', annotations: { 'org.example.reviewed-by': '*' } },
      ],
    },
    executor: { verificationRequestTimeout: 2900, mutationRequestTimeout: 950, platform: 'linux/amd64' },
    crl: { cache: { enabled: true } },
    logger: { formatter: 'json', requestHeaders: { traceIDHeaderName: ['x-ms-correlation-request-id'] } },
  };
}

/** `full()` with one change. */
function patched(change: (c: any) => void): Json {
  const c = full();
  change(c);
  return c;
}

const errorsOf = (c: unknown) => validateConfig(c).errors.map(formatIssue);

describe('config schemas: a config with every key set is valid', () => {
  it('accepts every key of every section and plugin', () => {
    const v = validateConfig(full());
    assert.deepEqual(v.errors, []);
    assert.ok(v.config);
  });
  it('accepts every policy and the other built-in policy shapes', () => {
    for (const plugin of [
      { name: 'celPolicy', expression: 'reports.all(r, r.isSuccess)' },
      { name: 'regoPolicy', policy: 'package ratify.policy', policyPath: '', passthroughEnabled: false },
      { name: 'config-policy' },
      { name: 'mine', module: './policy.js', threshold: 2 },
    ]) {
      assert.deepEqual(errorsOf(patched((c) => (c.policy.plugin = plugin))), [], JSON.stringify(plugin));
    }
  });
  it('accepts every auth provider Ratify has, with its keys', () => {
    for (const authProvider of [
      {},
      { name: 'k8Secrets', serviceAccountName: 'sa', secrets: [{ secretName: 's', namespace: 'ns' }] },
      { name: 'azureWorkloadIdentity', clientID: 'id', endpoints: ['*.azurecr.io'] },
      { name: 'azureManagedIdentity', clientID: 'id', endpoints: ['*.azurecr.io'] },
      { name: 'awsEcrBasic' },
      { name: 'alibabacloudAcrBasic', defaultInstanceId: 'i', acrInstancesConfig: [{ instanceName: 'n', instanceId: 'i' }] },
    ]) {
      assert.deepEqual(errorsOf(patched((c) => (c.store.plugins[0].authProvider = authProvider))), [], JSON.stringify(authProvider));
    }
  });
  it('accepts the notation legacy verificationCertStores form and Ratify\'s shipped config', () => {
    assert.deepEqual(errorsOf(patched((c) => (c.verifier.plugins[0].verificationCertStores = { certs: ['kmp1', 'ns/kmp2'] }))), []);
    const ratifyImageConfig = {
      executor: {},
      store: { version: '1.0.0', plugins: [{ name: 'oras' }] },
      policy: { version: '1.0.0', plugin: { name: 'configPolicy', artifactVerificationPolicies: { [NOTARY]: 'any' } } },
      verifier: {
        version: '1.0.0',
        plugins: [
          { name: 'notation', artifactTypes: NOTARY, verificationCerts: ['/usr/local/ratify-certs/notation/truststore'], trustPolicyDoc: { version: '1.0', trustPolicies: [{ name: 'default', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:certs'], trustedIdentities: ['*'] }] } },
          { name: 'sbom', artifactTypes: SPDX, nestedReferences: NOTARY },
          { name: 'licensechecker', artifactTypes: 'application/vnd.ratify.spdx.v0', allowedLicenses: ['MIT'] },
          { name: 'vulnerabilityreport', artifactTypes: SARIF, maximumAge: '24h', disallowedSeverities: ['high', 'critical'], denylistCVEs: ['CVE-2021-44228'] },
        ],
      },
    };
    assert.deepEqual(errorsOf(ratifyImageConfig), []);
  });
  it('sbom and vulnerabilityreport default artifactTypes to "*" as Ratify\'s plugins do; notation and cosign require it', () => {
    assert.deepEqual(errorsOf({ verifier: { plugins: [{ name: 'sbom' }, { name: 'vulnerabilityreport' }] } }), []);
    assert.deepEqual(errorsOf({ verifier: { plugins: [{ name: 'cosign' }] } }), ['verifier.plugins[0].artifactTypes: "artifactTypes" is required for a built-in verifier, e.g. "application/vnd.cncf.notary.signature"']);
  });
});

/** [what, config change, the one expected issue line]. */
const unknownKeys: Array<[string, (c: any) => void, string]> = [
  ['top level', (c) => (c.verifiers = c.verifier), 'verifiers: unknown key "verifiers" (did you mean "verifier"?)'],
  ['top level, far from any key', (c) => (c.tracing = {}), 'tracing: unknown key "tracing"; known keys: store, policy, verifier, executor, crl, logger'],
  ['store section', (c) => (c.store.pluginBinDir = []), 'store.pluginBinDir: unknown key "pluginBinDir" (did you mean "pluginBinDirs"?)'],
  ['verifier section', (c) => (c.verifier.plugin = {}), 'verifier.plugin: unknown key "plugin" (did you mean "plugins"?)'],
  ['policy section', (c) => (c.policy.plugins = []), 'policy.plugins: unknown key "plugins" (did you mean "plugin"?)'],
  ['executor', (c) => (c.executor.verificationTimeout = 1), 'executor.verificationTimeout: unknown key "verificationTimeout" (did you mean "verificationRequestTimeout"?)'],
  ['executor, only the case differs', (c) => (c.executor.mutationRequestTimeOut = 1), 'executor.mutationRequestTimeOut: unknown key "mutationRequestTimeOut" (did you mean "mutationRequestTimeout"?)'],
  ['logger', (c) => (c.logger.format = 'json'), 'logger.format: unknown key "format" (did you mean "formatter"?)'],
  ['logger.requestHeaders', (c) => (c.logger.requestHeaders.traceIdHeaderName = []), 'logger.requestHeaders.traceIdHeaderName: unknown key "traceIdHeaderName" (did you mean "traceIDHeaderName"?)'],
  ['crl.cache', (c) => (c.crl.cache.enable = true), 'crl.cache.enable: unknown key "enable" (did you mean "enabled"?)'],
  ['oras', (c) => (c.store.plugins[0].useHTTP = true), 'store.plugins[0].useHTTP: unknown key "useHTTP" (did you mean "useHttp"?)'],
  ['oras', (c) => (c.store.plugins[0].cosignEnable = true), 'store.plugins[0].cosignEnable: unknown key "cosignEnable" (did you mean "cosignEnabled"?)'],
  ['oras scopes', (c) => (c.store.plugins[0].scope = ['*']), 'store.plugins[0].scope: unknown key "scope" (did you mean "scopes"?)'],
  ['oras authProvider', (c) => (c.store.plugins[0].authProvider.configpath = 'x'), 'store.plugins[0].authProvider.configpath: unknown key "configpath" (did you mean "configPath"?)'],
  ['k8Secrets authProvider', (c) => (c.store.plugins[0].authProvider = { name: 'k8Secrets', secret: [] }), 'store.plugins[0].authProvider.secret: unknown key "secret" (did you mean "secrets"?)'],
  ['oci-layout', (c) => (c.store.plugins[1].paths = ['x']), 'store.plugins[1].paths: unknown key "paths" (did you mean "path"?)'],
  ['plugin source', (c) => (c.store.plugins[2].source.artifacts = 'x'), 'store.plugins[2].source.artifacts: unknown key "artifacts" (did you mean "artifact"?)'],
  ['common verifier keys', (c) => (c.verifier.plugins[0].artifactType = NOTARY), 'verifier.plugins[0].artifactType: unknown key "artifactType" (did you mean "artifactTypes"?)'],
  ['notation', (c) => (c.verifier.plugins[0].verificationCert = []), 'verifier.plugins[0].verificationCert: unknown key "verificationCert" (did you mean "verificationCerts"?)'],
  ['notation, Go would match it case-insensitively', (c) => (c.verifier.plugins[0].TrustPolicyDoc = {}), 'verifier.plugins[0].TrustPolicyDoc: unknown key "TrustPolicyDoc" (did you mean "trustPolicyDoc"?)'],
  ['notation trust policy', (c) => (c.verifier.plugins[0].trustPolicyDoc.trustPolicies[0].registryScope = ['*']), 'verifier.plugins[0].trustPolicyDoc.trustPolicies[0].registryScope: unknown key "registryScope" (did you mean "registryScopes"?)'],
  ['notation signatureVerification', (c) => (c.verifier.plugins[0].trustPolicyDoc.trustPolicies[0].signatureVerification.levle = 'x'), 'verifier.plugins[0].trustPolicyDoc.trustPolicies[0].signatureVerification.levle: unknown key "levle" (did you mean "level"?)'],
  ['cosign', (c) => (c.verifier.plugins[1].trustPolicy = []), 'verifier.plugins[1].trustPolicy: unknown key "trustPolicy" (did you mean "trustPolicies"?)'],
  ['cosign trust policy', (c) => (c.verifier.plugins[1].trustPolicies[0].tlogVerify = false), 'verifier.plugins[1].trustPolicies[0].tlogVerify: unknown key "tlogVerify" (did you mean "tLogVerify"?)'],
  ['cosign key', (c) => (c.verifier.plugins[1].trustPolicies[0].keys[0].files = 'x'), 'verifier.plugins[1].trustPolicies[0].keys[0].files: unknown key "files" (did you mean "file"?)'],
  ['cosign keyless', (c) => (c.verifier.plugins[1].trustPolicies[1].keyless.certificateOIDCIssuerRegex = 'x'), 'verifier.plugins[1].trustPolicies[1].keyless.certificateOIDCIssuerRegex: unknown key "certificateOIDCIssuerRegex" (did you mean "certificateOIDCIssuerRegExp"?)'],
  ['sbom', (c) => (c.verifier.plugins[3].disallowedLicense = []), 'verifier.plugins[3].disallowedLicense: unknown key "disallowedLicense" (did you mean "disallowedLicenses"?)'],
  ['sbom package', (c) => (c.verifier.plugins[3].disallowedPackages[0].versionInfo = '1'), 'verifier.plugins[3].disallowedPackages[0].versionInfo: unknown key "versionInfo" (did you mean "version"?)'],
  ['vulnerabilityreport', (c) => (c.verifier.plugins[4].disallowedSeverity = ['high']), 'verifier.plugins[4].disallowedSeverity: unknown key "disallowedSeverity" (did you mean "disallowedSeverities"?)'],
  ['vulnerabilityreport', (c) => (c.verifier.plugins[4].denyListCVEs = []), 'verifier.plugins[4].denyListCVEs: unknown key "denyListCVEs" (did you mean "denylistCVEs"?)'],
  ['configPolicy', (c) => (c.policy.plugin.artifactVerificationPolicy = {}), 'policy.plugin.artifactVerificationPolicy: unknown key "artifactVerificationPolicy" (did you mean "artifactVerificationPolicies"?)'],
  ['celPolicy', (c) => (c.policy.plugin = { name: 'celPolicy', expression: 'true', expr: 'x' }), 'policy.plugin.expr: unknown key "expr" (did you mean "expression"?)'],
  ['regoPolicy', (c) => (c.policy.plugin = { name: 'regoPolicy', policy: 'p', passthrough: true }), 'policy.plugin.passthrough: unknown key "passthrough" (did you mean "passthroughEnabled"?)'],
];

describe('config schemas: an unknown key names its place and the closest known key', () => {
  for (const [what, change, expected] of unknownKeys) {
    it(`${what}: ${expected.split(':')[0]}`, () => assert.deepEqual(errorsOf(patched(change)), [expected]));
  }
  it('keys an exec or module plugin reads are the plugin\'s business: they pass through', () => {
    const v = validateConfig(full());
    const plugins = (v.config!.verifier!.plugins as Json[]).filter((p) => p.name === 'licensechecker' || p.name === 'reviewed');
    assert.deepEqual(plugins.map((p) => Object.keys(p)), [['name', 'artifactTypes', 'allowedLicenses', 'source'], ['name', 'module', 'annotations']]);
  });
  it('reports every problem at once, in every section', () => {
    const errors = errorsOf(
      patched((c) => {
        c.executor.mutationTimeout = 1;
        c.store.plugins[0].useHTTP = true;
        c.verifier.plugins[3].disallowedLicenses = 'GPL';
        c.verifier.plugins[4].disallowedSeverity = ['high'];
        c.policy.plugin.artifactVerificationPolicies[SPDX] = 'most';
      }),
    );
    assert.equal(errors.length, 5, errors.join('\n'));
  });
});

const wrong: Array<[string, (c: any) => void, string]> = [
  ['store.plugins not a list', (c) => (c.store.plugins = {}), 'store.plugins: expected array, got object'],
  ['store.plugins empty', (c) => (c.store.plugins = []), 'store.plugins: referrer store config should have at least one store'],
  ['verifier.plugins empty', (c) => (c.verifier.plugins = []), 'verifier.plugins: The configuration for verifier.plugins must include at least one plugin'],
  ['an entry that is not an object', (c) => (c.verifier.plugins[6] = 'notation'), 'verifier.plugins[6]: expected record, got string'],
  ['policy without plugin', (c) => delete c.policy.plugin, 'policy.plugin: policy provider config must be specified'],
  ['executor timeout', (c) => (c.executor.verificationRequestTimeout = '3s'), 'executor.verificationRequestTimeout: expected number, got string'],
  ['executor timeout not positive', (c) => (c.executor.mutationRequestTimeout = 0), 'executor.mutationRequestTimeout: Too small: expected number to be >0'],
  ['executor platform', (c) => (c.executor.platform = 'linux'), 'executor.platform: invalid platform "linux"'],
  ['logger formatter', (c) => (c.logger.formatter = 'jsno'), 'logger.formatter: must be one of "text", "json", "logstash", got "jsno" (did you mean "json"?)'],
  ['crl cache', (c) => (c.crl.cache.enabled = 'yes'), 'crl.cache.enabled: expected boolean, got string'],
  ['store without name', (c) => delete c.store.plugins[0].name, 'store.plugins[0].name: "name" is required'],
  ['oras boolean', (c) => (c.store.plugins[0].useHttp = 'true'), 'store.plugins[0].useHttp: expected boolean, got string'],
  ['oras ttl', (c) => (c.store.plugins[0].ttl = -1), 'store.plugins[0].ttl: Too small: expected number to be >=0'],
  ['unknown auth provider', (c) => (c.store.plugins[0].authProvider = { name: 'k8Secret' }), 'store.plugins[0].authProvider.name: unknown auth provider "k8Secret"; known: dockerConfig, k8Secrets, azureWorkloadIdentity, azureManagedIdentity, awsEcrBasic, alibabacloudAcrBasic (did you mean "k8Secrets"?)'],
  ['oci-layout without path', (c) => delete c.store.plugins[1].path, 'store.plugins[1].path: path to an OCI image layout directory or .tar is required'],
  ['scopes', (c) => (c.store.plugins[1].scopes = ['registry.example.com/te*m']), 'store.plugins[1].scopes[0]: invalid store scope "registry.example.com/te*m": a wildcard is allowed only as the whole last path component ("team/*")'],
  ['scopes on a plugin store', (c) => (c.store.plugins[2].scopes = []), "store.plugins[2].scopes: scopes must list at least one pattern (omit the key for the store's default scope)"],
  ['source without artifact', (c) => (c.store.plugins[2].source = {}), 'store.plugins[2].source.artifact: required (string)'],
  ['module not a string', (c) => (c.store.plugins[3].module = 5), 'store.plugins[3].module: expected string, got number'],
  ['artifactTypes a list', (c) => (c.verifier.plugins[0].artifactTypes = [NOTARY]), 'verifier.plugins[0].artifactTypes: expected string, got array'],
  ['notation certs', (c) => (c.verifier.plugins[0].verificationCerts = './certs'), 'verifier.plugins[0].verificationCerts: expected array, got string'],
  ['notation trust policy (notation\'s text)', (c) => (c.verifier.plugins[0].trustPolicyDoc.version = '2.0'), 'verifier.plugins[0].trustPolicyDoc.version: trust policy document uses unsupported version "2.0"'],
  ['notation trust policy type (Go\'s text)', (c) => (c.verifier.plugins[0].trustPolicyDoc.trustPolicies[0].trustStores = 'ca:certs'), 'verifier.plugins[0].trustPolicyDoc.trustPolicies[0].trustStores: json: cannot unmarshal string into Go struct field TrustPolicy.trustPolicyDoc.trustPolicies.trustStores of type []string'],
  ['notation userMetadata', (c) => (c.verifier.plugins[0].userMetadata = { a: 1 }), 'verifier.plugins[0].userMetadata.a: expected string, got number'],
  ['cosign trustPolicies', (c) => (c.verifier.plugins[1].trustPolicies = {}), 'verifier.plugins[1].trustPolicies: expected array, got object'],
  ['cosign Ratify rule', (c) => (c.verifier.plugins[2].trustPolicies = c.verifier.plugins[1].trustPolicies), "verifier.plugins[2].trustPolicies: 'key' and 'rekorURL' are part of Cosign legacy configuration and cannot be used with `trustPolicies` parameter"],
  ['cosign policy rule', (c) => delete c.verifier.plugins[1].trustPolicies[1].keyless.certificateOIDCIssuer, 'verifier.plugins[1].trustPolicies[1].keyless: Invalid trust policy keyless: certificate OIDC issuer or issuer regex pattern is required'],
  ['sbom licenses', (c) => (c.verifier.plugins[3].disallowedLicenses = 'GPL'), 'verifier.plugins[3].disallowedLicenses: expected array, got string'],
  ['vulnerabilityreport passthrough', (c) => (c.verifier.plugins[4].passthrough = 'no'), 'verifier.plugins[4].passthrough: expected boolean, got string'],
  ['vulnerabilityreport schemaURL', (c) => (c.verifier.plugins[4].schemaURL = 'ftp://x/s.json'), 'verifier.plugins[4].schemaURL: schemaURL scheme ftp: is not supported; use file:///absolute/path/schema.json or https://host/schema.json'],
  ['configPolicy rule', (c) => (c.policy.plugin.artifactVerificationPolicies.default = 'most'), 'policy.plugin.artifactVerificationPolicies.default: must be one of "any", "all", got "most"'],
  ['celPolicy without expression', (c) => (c.policy.plugin = { name: 'celPolicy' }), 'policy.plugin.expression: expression is required for celPolicy, e.g. "reports.size() > 0 && reports.all(r, r.isSuccess)"'],
  ['regoPolicy type', (c) => (c.policy.plugin = { name: 'regoPolicy', passthroughEnabled: 'true' }), 'policy.plugin.passthroughEnabled: expected boolean, got string'],
  ['unknown policy', (c) => (c.policy.plugin = { name: 'configPolcy' }), 'policy.plugin.name: unknown policy provider "configPolcy"; known: configPolicy, celPolicy, regoPolicy (did you mean "configPolicy"?)'],
  ['policy without name', (c) => (c.policy.plugin = {}), `policy.plugin.name: "name" is required: configPolicy, celPolicy or an ES module's name with "module"`],
];

describe('config schemas: wrong types, values and missing keys go through the same formatter', () => {
  for (const [what, change, expected] of wrong) {
    it(what, () => assert.deepEqual(errorsOf(patched(change)), [expected]));
  }
});

describe('config schemas: Ratify keys ratify-ts does not implement are named, never dropped', () => {
  it('the full config warns about its key management providers only', () => {
    assert.deepEqual(
      validateConfig(full()).warnings.map((w) => [w.path, w.code]),
      [
        ['verifier.plugins[0].verificationCertStores', 'unsupported_key'],
        ['verifier.plugins[1].trustPolicies', 'unsupported_key'],
      ],
    );
  });
  it('cloud and Kubernetes auth providers: the store is anonymous (a warning, nothing weakened)', () => {
    const v = validateConfig(patched((c) => {
      c.store.plugins[0].authProvider = { name: 'azureWorkloadIdentity', clientID: 'x' };
      c.store.plugins[2].source.authProvider = { name: 'awsEcrBasic' };
    }));
    assert.deepEqual(v.errors, []);
    assert.deepEqual(
      v.warnings.filter((w) => w.path.startsWith('store')).map(formatIssue),
      [
        'store.plugins[0].authProvider.name: auth provider "azureWorkloadIdentity" is Ratify\'s but not implemented here; the store reaches registries anonymously',
        'store.plugins[2].source.authProvider.name: auth provider "awsEcrBasic" is Ratify\'s but not implemented here; the plugin download reaches registries anonymously',
      ],
    );
  });
  it('a private Rekor without its trusted root: named (ratify-ts never contacts Rekor)', () => {
    const v = validateConfig(patched((c) => {
      delete c.verifier.plugins[1].trustPolicies[0].trustedRootPath;
      delete c.verifier.plugins[1].trustedRootPath;
      c.verifier.plugins[1].trustPolicies[0].rekorURL = 'https://rekor.internal.example';
    }));
    assert.deepEqual(v.warnings.map((w) => w.path), ['verifier.plugins[0].verificationCertStores', 'verifier.plugins[1].trustPolicies', 'verifier.plugins[1].trustPolicies[0].rekorURL']);
    assert.deepEqual(validateConfig(full()).warnings.filter((w) => w.path.endsWith('rekorURL')), [], 'the public Rekor, or a trusted root given: nothing to say');
  });
  it('a config without them has no warnings', () => {
    const v = validateConfig(patched((c) => {
      delete c.verifier.plugins[0].verificationCertStores;
      c.verifier.plugins[1].trustPolicies[0].keys.pop();
    }));
    assert.deepEqual(v.warnings, []);
  });
});

describe('config schemas: the trust policy documents in the test vectors', () => {
  it('use only known keys: each is accepted or refused with notation\'s own rule, as notation does', async (t) => {
    const dir = requireVectors(t, 'notation e2e trust policies');
    if (!dir) return;
    const folder = join(dir, 'notation', 'test', 'e2e', 'testdata', 'config', 'trustpolicies');
    const files = (await readdir(folder)).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 10);
    for (const f of files) {
      const issues = trustPolicyDocumentIssues(JSON.parse(await readFile(join(folder, f), 'utf8')));
      assert.deepEqual(issues.filter((i) => i.code === 'unknown_key'), [], f);
      // The documents notation rejects when loading; the others (invalid_trust_store names a store that is empty at verification) pass.
      const rejected = /^(malformed_trust_store|override_integrity|unset_trusted_identity|wildcard_plus_other)/.test(f);
      assert.equal(issues.length > 0, rejected, `${f}: ${JSON.stringify(issues)}`);
    }
  });
});
