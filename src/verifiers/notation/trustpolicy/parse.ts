/**
 * Reading Ratify's inline `trustPolicyDoc` (already JSON-decoded config) into a TrustPolicyDocument
 * as Go's encoding/json does (`null` leaves the zero value, a value of the wrong JSON type is an
 * error, with Go's texts), except that keys must be spelt exactly: Go ignores unknown keys and
 * matches case-insensitively, so a misspelt `trustedIdentity` or a second `TrustStores` would pass
 * unseen there. Every unknown key is reported, with the closest known one.
 */
import { closest, formatPath, parsePath, type RawIssue } from '../../../config/issues.js';
import { setOwn } from '../../../crypto/encoding/gojson.js';
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
    `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${struct}.${path.replace(/\[\d+\]/g, '')} of type ${goType}`,
    'json-type',
    path.replace(/^trustPolicyDoc\.?/, '') || 'trustPolicyDoc',
  );
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Unknown keys met while decoding, with where they are (relative to trustPolicyDoc). */
type Unknowns = RawIssue[];

/** Calls `assign(field, value)` for every key of `obj` that is one of `fields`; records the others. */
function eachField(obj: JsonObject, fields: readonly string[], path: string, unknown: Unknowns, assign: (field: string, value: unknown) => void): void {
  for (const [key, value] of Object.entries(obj)) {
    if (fields.includes(key)) {
      assign(key, value);
      continue;
    }
    const issue: RawIssue = { path: [...parsePath(path), key], code: 'unknown_key', message: `unknown key ${JSON.stringify(key)}` };
    const suggestion = closest(key, fields);
    if (suggestion !== undefined) issue.suggestion = suggestion;
    else issue.message += `; known keys: ${fields.join(', ')}`;
    unknown.push(issue);
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

function decodeSignatureVerification(v: unknown, path: string, unknown: Unknowns): SignatureVerification {
  const sv: SignatureVerification = { level: '', override: {}, verifyTimestamp: '' };
  if (v === null || v === undefined) return sv;
  if (!isObject(v)) throw typeError(v, 'TrustPolicy', path, 'trustpolicy.SignatureVerification');
  eachField(v, ['level', 'override', 'verifyTimestamp'], path, unknown, (field, value) => {
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

function decodeStatement(v: unknown, path: string, unknown: Unknowns): TrustPolicy {
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
  eachField(v, fields, path, unknown, (field, value) => {
    const at = `${path}.${field}`;
    switch (field) {
      case 'name':
        p.name = str(value, p.name, 'TrustPolicy', at);
        break;
      case 'signatureVerification':
        p.signatureVerification = decodeSignatureVerification(value, at, unknown);
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
  const unknown: Unknowns = [];
  const doc = decode(raw, unknown);
  const first = unknown[0];
  if (first !== undefined) throw unknownKeyError(first);
  return doc;
}

function unknownKeyError(i: RawIssue): TrustPolicyError {
  const field = formatPath(i.path.slice(1));
  return new TrustPolicyError(`${i.message} in trustPolicyDoc${i.suggestion !== undefined ? ` (did you mean ${JSON.stringify(i.suggestion)}?)` : ''}`, 'known-keys', field);
}

function decode(raw: unknown, unknown: Unknowns): TrustPolicyDocument {
  const doc: TrustPolicyDocument = { version: '', trustPolicies: [] };
  if (raw === null || raw === undefined) return doc;
  const root = 'trustPolicyDoc';
  if (!isObject(raw)) throw typeError(raw, 'NotationPluginVerifierConfig', root, 'trustpolicy.Document');
  eachField(raw, ['version', 'trustPolicies'], root, unknown, (field, value) => {
    const at = `${root}.${field}`;
    if (field === 'version') doc.version = str(value, doc.version, 'Document', at);
    else if (value === null) doc.trustPolicies = [];
    else if (!Array.isArray(value)) throw typeError(value, 'Document', at, '[]trustpolicy.TrustPolicy');
    else doc.trustPolicies = value.map((s, i) => decodeStatement(s, `${at}[${i}]`, unknown));
  });
  return doc;
}

/**
 * Every problem of a `trustPolicyDoc`, paths relative to it: all unknown keys, else the first
 * decoding or validation error (notation validates in order and stops at the first).
 */
export function trustPolicyDocumentIssues(raw: unknown): RawIssue[] {
  const unknown: Unknowns = [];
  try {
    const doc = decode(raw, unknown);
    if (unknown.length > 0) return unknown.map((i) => ({ ...i, path: i.path.slice(1) }));
    validateTrustPolicyDocument(doc);
    return [];
  } catch (e) {
    if (!(e instanceof TrustPolicyError)) throw e;
    return [{ path: e.field === 'trustPolicyDoc' ? [] : [...parsePath(e.field)], code: e.rule === 'json-type' ? 'invalid_type' : 'invalid_value', message: e.detail }];
  }
}

/** Decodes and validates Ratify's `trustPolicyDoc`; throws TrustPolicyError (CONFIG_INVALID). */
export function loadTrustPolicyDocument(raw: unknown): TrustPolicyDocument {
  const doc = decodeTrustPolicyDocument(raw);
  validateTrustPolicyDocument(doc);
  return doc;
}

/**
 * The validated trust policy of a notation verifier config entry (its `trustPolicyDoc`). A missing
 * document fails validation, as in Ratify.
 */
export function trustPolicyFromVerifierConfig(entry: Record<string, unknown>): TrustPolicyDocument {
  return loadTrustPolicyDocument(entry.trustPolicyDoc);
}

