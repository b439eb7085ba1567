export { OciLayoutStore, createOciLayoutStore, OCI_LAYOUT_STORE_NAME } from './store.js';
export type { OciLayoutStoreConfig, OciLayoutStoreOptions } from './store.js';
export { parseOciLayoutSubject, type OciLayoutSubject } from './subject.js';
export { buildReferrerMap, tagSchemaIndexes, type ReferrerMap } from './graph.js';
export { indexTar, type TarEntry } from './tar.js';
