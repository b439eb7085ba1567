import { z } from 'zod';
import { storeEntryShape } from '../config.js';

/** The `oci-layout` store entry (ratify-ts; Ratify v1 has no layout store). */
export const ociLayoutStoreSchema = z.strictObject({
  ...storeEntryShape,
  path: z.string({ error: 'path to an OCI image layout directory or .tar is required' }).min(1, 'path to an OCI image layout directory or .tar is required'),
});
