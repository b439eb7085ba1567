import { z } from 'zod';
import { pluginSourceSchema } from '../plugins/source.js';
import { scopesSchema } from './scope.js';

/**
 * Keys every store entry may have: Ratify's `name`, `version` (sent to store plugins) and
 * `source` (dynamic plugins), and ratify-ts's `type` (the plugin to run, default the name) and
 * `scopes` (which subjects the store answers for).
 */
export const storeEntryShape = {
  name: z.string({ error: (i) => (i.input === undefined ? '"name" is required' : undefined) }).min(1, '"name" is required'),
  type: z.string().min(1).optional(),
  version: z.string().optional(),
  source: pluginSourceSchema.optional(),
  scopes: scopesSchema.optional(),
};

/**
 * An exec or module store plugin's entry: the common keys are checked, the plugin's own keys
 * pass through untouched (Ratify hands the whole entry to the plugin).
 */
export const pluginStoreSchema = z.looseObject(storeEntryShape);
export const moduleStoreSchema = z.looseObject({ ...storeEntryShape, module: z.string().min(1, '"module" must name an ES module') });
