/**
 * Reading Ratify's inline `trustPolicyDoc` (already JSON-decoded config) into a TrustPolicyDocument
 * with the leniency of Go's encoding/json, which Ratify uses: keys match field names
 * case-insensitively (an exact match wins), unknown keys are ignored, `null` leaves the zero value,
 * and a value of the wrong JSON type is an error.
 */
import { goKeyNamesField, goMapKeyOrder, setOwn } from '../../../crypto/encoding/gojson.js';
import { TrustPolicyError } from './errors.js';
import { validateTrustPolicyDocument } from './validate.js';
import type { SignatureVerification, TrustPolicy, TrustPolicyDocument } from './types.js';

/** Go's name for a JSON value's type in UnmarshalTypeError. */
function jsonKind(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function typeError(v: unknown, struct: string, path: string, goType: string): TrustPolicyError {
  // Go: "json: cannot unmarshal <kind> into Go struct field <Struct>.<path> of type <type>"
  return new TrustPolicyError(
    `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${struct}.${path} of type ${goType}`,
    'json-type',
    path.replace(/^trustPolicyDoc\.?/, '') || 'trustPolicyDoc',
  );
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Calls `assign(field, value)` for every key of `obj` that names one of `fields` (Go's key matching),
 * a later key for the same field overwriting an earlier one as in Go's decoder. The order is that
 * of Ratify, which re-marshals the config map (sorting its keys) before decoding it.
 */
function eachField(obj: JsonObject, fields: readonly string[], assign: (field: string, value: unknown) => void): void {
  for (const key of goMapKeyOrder(obj)) {
    const field = fields.find((f) => f === key) ?? fields.find((f) => goKeyNamesField(key, f, fields));
    if (field !== undefined) assign(field, obj[key]);
  }
}

function str(v: unknown, cur: string, struct: string, path: string, goType = 'string'): string {
  if (v === null) return cur;
  if (typeof v !== 'string') throw typeError(v, struct, path, goType);
  return v;
}

function strList(v: unknown, struct: string, path: string): string[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw typeError(v, struct, path, '[]string');
  return v.map((x) => str(x, '', struct, path));
}

function decodeSignatureVerification(v: unknown, path: string): SignatureVerification {
  const sv: SignatureVerification = { level: '', override: {}, verifyTimestamp: '' };
  if (v === null || v === undefined) return sv;
  if (!isObject(v)) throw typeError(v, 'TrustPolicy', path, 'trustpolicy.SignatureVerification');
  eachField(v, ['level', 'override', 'verifyTimestamp'], (field, value) => {
    const at = `${path}.${field}`;
    if (field === 'level') sv.level = str(value, sv.level, 'SignatureVerification', at);
    else if (field === 'verifyTimestamp') {
      sv.verifyTimestamp = str(value, sv.verifyTimestamp, 'SignatureVerification', at, 'trustpolicy.TimestampOption');
    } else if (value === null) sv.override = {};
    else if (!isObject(value)) {
      throw typeError(value, 'SignatureVerification', at, 'map[trustpolicy.ValidationType]trustpolicy.ValidationAction');
    } else {
      const override: Record<string, string> = {};
      for (const [k, a] of Object.entries(value)) {
        setOwn(override, k, str(a, '', 'SignatureVerification', at, 'trustpolicy.ValidationAction'));
      }
      sv.override = override;
    }
  });
  return sv;
}

function decodeStatement(v: unknown, path: string): TrustPolicy {
  const p: TrustPolicy = {
    name: '',
    registryScopes: [],
    signatureVerification: { level: '', override: {}, verifyTimestamp: '' },
    trustStores: [],
    trustedIdentities: [],
  };
  if (v === null) return p;
  if (!isObject(v)) throw typeError(v, 'Document', path, 'trustpolicy.TrustPolicy');
  const fields = ['name', 'signatureVerification', 'trustStores', 'trustedIdentities', 'registryScopes'] as const;
  eachField(v, fields, (field, value) => {
    const at = `${path}.${field}`;
    switch (field) {
      case 'name':
        p.name = str(value, p.name, 'TrustPolicy', at);
        break;
      case 'signatureVerification':
        p.signatureVerification = decodeSignatureVerification(value, at);
        break;
      case 'trustStores':
      case 'trustedIdentities':
      case 'registryScopes':
        p[field] = strList(value, 'TrustPolicy', at);
        break;
    }
  });
  return p;
}

/**
 * Decodes `trustPolicyDoc` from Ratify's verifier config without validating it. Missing or null
 * gives the zero document (which then fails validation on its empty version, as in Ratify).
 */
export function decodeTrustPolicyDocument(raw: unknown): TrustPolicyDocument {
  const doc: TrustPolicyDocument = { version: '', trustPolicies: [] };
  if (raw === null || raw === undefined) return doc;
  const root = 'trustPolicyDoc';
  if (!isObject(raw)) throw typeError(raw, 'NotationPluginVerifierConfig', root, 'trustpolicy.Document');
  eachField(raw, ['version', 'trustPolicies'], (field, value) => {
    const at = `${root}.${field}`;
    if (field === 'version') doc.version = str(value, doc.version, 'Document', at);
    else if (value === null) doc.trustPolicies = [];
    else if (!Array.isArray(value)) throw typeError(value, 'Document', at, '[]trustpolicy.TrustPolicy');
    else doc.trustPolicies = value.map((s) => decodeStatement(s, at));
  });
  return doc;
}

/** Decodes and validates Ratify's `trustPolicyDoc`; throws TrustPolicyError (CONFIG_INVALID). */
export function loadTrustPolicyDocument(raw: unknown): TrustPolicyDocument {
  const doc = decodeTrustPolicyDocument(raw);
  validateTrustPolicyDocument(doc);
  return doc;
}

/**
 * The validated trust policy of a notation verifier config entry (its `trustPolicyDoc`, key matched
 * like Go's encoding/json). A missing document fails validation, as in Ratify.
 */
export function trustPolicyFromVerifierConfig(entry: Record<string, unknown>): TrustPolicyDocument {
  let doc: unknown;
  for (const key of goMapKeyOrder(entry)) if (goKeyNamesField(key, 'trustPolicyDoc', NOTATION_CONFIG_FIELDS)) doc = entry[key];
  return loadTrustPolicyDocument(doc);
}

/** The JSON fields of Ratify's NotationPluginVerifierConfig (an exact key for one is never another's). */
const NOTATION_CONFIG_FIELDS = ['name', 'artifactTypes', 'verificationCerts', 'verificationCertStores', 'trustPolicyDoc'];
