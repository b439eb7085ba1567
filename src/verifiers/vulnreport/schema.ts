import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchemaObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { request } from 'undici';
import type { Context } from '../../context.js';
import { RatifyError } from '../../errors.js';
import { SARIF_SUBSET_SCHEMA } from './sarif-schema.js';

/**
 * JSON-schema validation of reports: the built-in SARIF subset schema, or the schema at the
 * configured `schemaURL` (file:// or http(s)://, as gojsonschema's loader in Ratify accepts).
 */

/** A schema document larger than this is refused (the official SARIF schema is ~140 KB). */
export const MAX_SCHEMA_BYTES = 8 * 1024 * 1024;

// ajv-formats is CommonJS: under NodeNext its default import is the module object or the plugin.
type FormatsPlugin = typeof formatsModule.default;
const addFormats: FormatsPlugin =
  typeof formatsModule === 'function' ? (formatsModule as unknown as FormatsPlugin) : formatsModule.default;

export type SchemaCheck = (doc: unknown) => string | undefined;

function compile(schema: AnySchemaObject): SchemaCheck {
  const draft = typeof schema.$schema === 'string' ? schema.$schema : '';
  // strict:false: published schemas use annotations (e.g. "deprecated") that ajv's strict
  // mode rejects; allErrors:false stops at the first violation (cheaper on large reports).
  const opts = { strict: false, allErrors: false, validateFormats: true };
  const ajv = draft.includes('2020-12') ? new Ajv2020(opts) : draft.includes('2019-09') ? new Ajv2019(opts) : new Ajv(opts);
  addFormats(ajv);
  const validate: ValidateFunction = ajv.compile(schema);
  return (doc) => {
    if (validate(doc)) return undefined;
    return ajv.errorsText(validate.errors, { dataVar: 'report', separator: '; ' });
  };
}

let builtin: SchemaCheck | undefined;

/** The built-in SARIF 2.1.0 subset check (compiled once per process). */
export function builtinSarifCheck(): SchemaCheck {
  builtin ??= compile(SARIF_SUBSET_SCHEMA as unknown as AnySchemaObject);
  return builtin;
}

/** Validates the `schemaURL` setting; throws CONFIG_INVALID for anything but file/http/https URLs. */
export function parseSchemaURL(raw: string, where: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new RatifyError('CONFIG_INVALID', `${where}: schemaURL ${JSON.stringify(raw)} is not a URL`, {
      remediation: 'Use file:///absolute/path/schema.json or https://host/schema.json',
    });
  }
  if (u.protocol !== 'file:' && u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new RatifyError('CONFIG_INVALID', `${where}: schemaURL scheme ${u.protocol} is not supported`, {
      remediation: 'Use file:///absolute/path/schema.json or https://host/schema.json',
    });
  }
  return u;
}

async function fetchSchemaBytes(u: URL, ctx: Context): Promise<Uint8Array> {
  if (u.protocol === 'file:') {
    const path = fileURLToPath(u);
    const st = await stat(path);
    if (st.size > MAX_SCHEMA_BYTES) throw new Error(`schema ${u.href} is ${st.size} bytes, over the limit of ${MAX_SCHEMA_BYTES}`);
    return readFile(path);
  }
  const res = await request(u, { method: 'GET', signal: ctx.signal, headers: { accept: 'application/schema+json, application/json' } });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new Error(`GET ${u.href}: HTTP ${res.statusCode}`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    const b = c as Buffer;
    n += b.length;
    if (n > MAX_SCHEMA_BYTES) {
      res.body.destroy();
      throw new Error(`schema ${u.href} is over the limit of ${MAX_SCHEMA_BYTES} bytes`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * Loads and compiles the schema at a URL. Failures are returned to the caller as errors
 * (Ratify reports them as a failed schema validation of the report).
 */
export async function loadSchemaCheck(u: URL, ctx: Context): Promise<SchemaCheck> {
  const bytes = await fetchSchemaBytes(u, ctx);
  let schema: unknown;
  try {
    schema = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new Error(`schema ${u.href} is not JSON: ${(e as Error).message}`);
  }
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) throw new Error(`schema ${u.href} is not a JSON object`);
  try {
    return compile(schema as AnySchemaObject);
  } catch (e) {
    throw new Error(`schema ${u.href} does not compile: ${(e as Error).message}`);
  }
}
