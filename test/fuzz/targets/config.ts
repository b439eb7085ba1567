import { RatifyError } from '../../../src/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import { rejectsOnlyWith, utf8, type FuzzTarget } from '../target.js';
import { json, jsonDocs, projectFiles, unique, vectorFiles } from '../seeds.js';

/**
 * config.json through the public `parseConfig` entry point (JSON syntax and the schema). Clean
 * reject: RatifyError CONFIG_INVALID.
 */
export const target: FuzzTarget = {
  name: 'config',
  description: '`config.json` through `parseConfig` (syntax and schema); clean reject CONFIG_INVALID',
  maxLen: 16 * 1024,
  fuzz(data) {
    rejectsOnlyWith([RatifyError], () => parseConfig(utf8(data), 'fuzz'));
  },
  seeds: () =>
    unique([
      ...projectFiles('examples', /config\.json$/),
      ...jsonDocs(vectorFiles(/config.*\.json$/), (v) => typeof v === 'object' && v !== null && ('store' in v || 'verifier' in v)),
      ...json({
        store: {
          version: '1.0.0',
          plugins: [
            { name: 'oras', useHttp: true, cosignEnabled: true, cacheEnabled: true, ttl: 10, authProvider: { name: 'dockerConfig' }, maxReferrers: 10 },
            { name: 'oci-layout', path: './layout' },
          ],
        },
        policy: { version: '1.0.0', plugin: { name: 'celPolicy', expression: 'reports.all(r, r.isSuccess)' } },
        verifier: { version: '1.0.0', plugins: [{ name: 'sbom', artifactTypes: 'application/spdx+json', disallowedLicenses: ['GPL-3.0-only'] }] },
        executor: { verificationRequestTimeout: 3000, mutationRequestTimeout: 950 },
        logger: { formatter: 'json', requestHeaders: { traceIDHeaderName: ['x-trace'] } },
      }),
    ]),
};
