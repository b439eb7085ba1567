import { ContentCache } from '../../src/cache/content.js';
import { OrasStore, type OrasStoreOptions } from '../../src/stores/oras/store.js';
import { DEFAULT_LIMITS } from '../../src/stores/types.js';
import { FAST_RETRIES } from './fake-registry.js';

/** An `oras` store for the fake registry: plain HTTP, fast retries, its own content cache. */
export function newOrasStore(o: Partial<OrasStoreOptions> = {}): OrasStore {
  return new OrasStore({
    raw: { name: 'oras' },
    useHttp: true,
    cosignEnabled: false,
    cacheEnabled: false,
    ttlSeconds: 10,
    insecureSkipVerify: false,
    loopbackInsecure: true,
    limits: DEFAULT_LIMITS,
    content: new ContentCache(),
    transport: FAST_RETRIES,
    ...o,
  });
}
