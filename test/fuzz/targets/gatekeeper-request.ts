import { RatifyError } from '../../../src/errors.js';
import { isDeepStrictEqual } from 'node:util';
import { MAX_KEY_LENGTH, MAX_KEYS, parseProviderRequest, providerResponse, RawJson, sanitiseKey, serializeProviderResponse, splitNamespace, type ProviderItem } from '../../../src/server/wire.js';
import { check, rejectsOnlyWith, type FuzzTarget } from '../target.js';
import { json } from '../seeds.js';

/**
 * The body of Gatekeeper's POST /ratify/gatekeeper/v1/verify and /mutate. Clean reject:
 * RatifyError BAD_REQUEST. Accepted requests are within the key limits and every key splits
 * into namespace and subject; the response echoing those keys is valid JSON that gives them back.
 */
export const target: FuzzTarget = {
  name: 'gatekeeper-request',
  description: 'Gatekeeper ProviderRequest bodies (`parseProviderRequest`, key sanitising, `[namespace]` split); clean reject BAD_REQUEST',
  maxLen: 8 * 1024,
  fuzz(data) {
    const req = rejectsOnlyWith([RatifyError], () => parseProviderRequest(data));
    if (req === undefined) return;
    check(req.keys.length <= MAX_KEYS, 'accepted too many keys');
    const items: ProviderItem[] = [];
    for (const k of req.keys) {
      check(typeof k === 'string' && k.length <= MAX_KEY_LENGTH, 'accepted an oversized or non-string key');
      const s = sanitiseKey(k);
      check(!/[\r\n]/.test(s), 'sanitised key keeps a newline');
      const { namespace, subject } = splitNamespace(s);
      check(typeof namespace === 'string' && typeof subject === 'string', 'namespace split failed');
      items.push(items.length % 2 ? { key: s, error: subject } : { key: s, value: new RawJson(JSON.stringify({ subject, namespace })) });
    }
    const echoed = JSON.parse(serializeProviderResponse(providerResponse(items, true))) as { response: { items: { key: string }[] } };
    check(isDeepStrictEqual(echoed.response.items.map((i) => i.key), items.map((i) => i.key)), 'response does not echo the keys');
  },
  seeds: () =>
    json(
      { apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys: ['localhost:5000/app:v1'] } },
      { apiVersion: 'externaldata.gatekeeper.sh/v1alpha1', kind: 'ProviderRequest', request: { keys: ['[default]ghcr.io/org/app@sha256:' + 'a'.repeat(64), 'nginx'] } },
      { request: { keys: [] } },
      { request: { keys: ['a\nb', '[ns]'] } },
    ),
};
