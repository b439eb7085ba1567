/**
 * The SARIF 2.1.0 schema ratify-ts applies when no `schemaURL` is configured: our own compact
 * schema covering what the verifier relies on, not a copy of the OASIS schema. It checks
 * the log's top-level shape (version "2.1.0", only the members SARIF defines), that every run
 * has tool.driver.name, every rule an id and, where present, help.text, and that every
 * result has a message and well-typed ruleId/ruleIndex/level/kind. Everything else SARIF
 * defines is accepted unchecked.
 *
 * For full validation point `schemaURL` at the official schema, e.g.
 * `file:///etc/ratify/sarif-schema-2.1.0.json` (or an https URL, as in Ratify).
 */

const multiformatMessageString = {
  type: 'object',
  required: ['text'],
  properties: { text: { type: 'string' }, markdown: { type: 'string' } },
} as const;

const level = { enum: ['none', 'note', 'warning', 'error'] } as const;

export const SARIF_SUBSET_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'urn:ratify-ts:schema:sarif-2.1.0-subset',
  title: 'SARIF 2.1.0, the subset checked by ratify-ts',
  type: 'object',
  required: ['version', 'runs'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    version: { enum: ['2.1.0'] },
    runs: { type: 'array', items: { $ref: '#/definitions/run' } },
    inlineExternalProperties: { type: 'array' },
    properties: { type: 'object' },
  },
  definitions: {
    run: {
      type: 'object',
      required: ['tool'],
      properties: {
        tool: { $ref: '#/definitions/tool' },
        results: { type: 'array', items: { $ref: '#/definitions/result' } },
      },
    },
    tool: {
      type: 'object',
      required: ['driver'],
      properties: {
        driver: { $ref: '#/definitions/toolComponent' },
        extensions: { type: 'array', items: { $ref: '#/definitions/toolComponent' } },
      },
    },
    toolComponent: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string' },
        version: { type: 'string' },
        rules: { type: 'array', items: { $ref: '#/definitions/reportingDescriptor' } },
      },
    },
    reportingDescriptor: {
      type: 'object',
      required: ['id'],
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        shortDescription: multiformatMessageString,
        fullDescription: multiformatMessageString,
        help: multiformatMessageString,
        helpUri: { type: 'string' },
        defaultConfiguration: { type: 'object', properties: { level } },
        properties: { type: 'object' },
      },
    },
    message: {
      type: 'object',
      anyOf: [{ required: ['text'] }, { required: ['id'] }],
      properties: {
        text: { type: 'string' },
        markdown: { type: 'string' },
        id: { type: 'string' },
        arguments: { type: 'array', items: { type: 'string' } },
      },
    },
    result: {
      type: 'object',
      required: ['message'],
      properties: {
        ruleId: { type: 'string' },
        ruleIndex: { type: 'integer', minimum: -1 },
        kind: { enum: ['notApplicable', 'pass', 'fail', 'review', 'open', 'informational'] },
        level,
        message: { $ref: '#/definitions/message' },
        locations: { type: 'array', items: { type: 'object' } },
      },
    },
  },
} as const;
