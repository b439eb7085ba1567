import type { z } from 'zod';
import { moduleStoreSchema, pluginStoreSchema } from './config.js';
import { ociLayoutStoreSchema } from './ocilayout/config.js';
import { orasStoreSchema } from './oras/config.js';

/** The built-in stores' entry schemas by type. */
export const BUILTIN_STORE_SCHEMAS: Readonly<Record<string, z.ZodType>> = { oras: orasStoreSchema, 'oci-layout': ociLayoutStoreSchema };

/** `type` if set, else `name` (the plugin that runs the entry). */
export function storeType(entry: Record<string, unknown>): unknown {
  return typeof entry.type === 'string' && entry.type ? entry.type : entry.name;
}

/** The schema for a store entry: a module, a built-in, or else an exec plugin's (common keys only). */
export function storeEntrySchema(entry: Record<string, unknown>): z.ZodType {
  if (entry.module !== undefined) return moduleStoreSchema;
  const type = storeType(entry);
  return (typeof type === 'string' ? BUILTIN_STORE_SCHEMAS[type] : undefined) ?? pluginStoreSchema;
}
