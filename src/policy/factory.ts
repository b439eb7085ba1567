import { RatifyError } from '../errors.js';
import { CelPolicy } from './cel-policy.js';
import { ConfigPolicy } from './config-policy.js';
import { parseEntry } from '../config/issues.js';
import { normalisePolicyName, regoPolicySchema } from './config.js';
import type { PolicyProvider } from './types.js';

export { normalisePolicyName } from './config.js';

export function createPolicy(section: { plugin?: Record<string, unknown> } | undefined): PolicyProvider {
  const plugin = section?.plugin;
  if (!plugin) {
    throw new RatifyError('POLICY_PROVIDER_NOT_FOUND', 'policy provider config must be specified', {
      remediation: 'Add "policy": {"version": "1.0.0", "plugin": {"name": "configPolicy"}}',
    });
  }
  const name = typeof plugin.name === 'string' ? normalisePolicyName(plugin.name) : '';
  switch (name) {
    case 'configpolicy':
      return new ConfigPolicy(plugin);
    case 'celpolicy':
      return new CelPolicy(plugin);
    case 'regopolicy':
      parseEntry(regoPolicySchema, plugin, ['policy', 'plugin']);
      throw new RatifyError('CONFIG_INVALID', 'regoPolicy is not supported by ratify-ts', {
        remediation: 'No Rego evaluator runs on Node.js; express the policy with celPolicy (same input shape) or configPolicy',
      });
    default:
      throw new RatifyError('POLICY_PROVIDER_NOT_FOUND', `unknown policy provider ${JSON.stringify(plugin.name)}`, {
        remediation: 'Use "configPolicy" or "celPolicy"',
      });
  }
}
