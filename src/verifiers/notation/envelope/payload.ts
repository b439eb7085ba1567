import { parseDescriptor, type Descriptor } from '../../../oci/descriptor.js';
import { RatifyError } from '../../../errors.js';
import { goQuote } from '../../../crypto/x509/gofmt.js';
import { invalidSignature } from './errors.js';
import { parseJson, toPlain, type JsonValue } from '../../../crypto/encoding/gojson.js';
import { MEDIA_TYPE_PAYLOAD_V1, type SignatureEnvelope } from './types.js';

export interface NotationPayload {
  targetArtifact: Descriptor;
}

/**
 * The signed payload (`application/vnd.cncf.notary.payload.v1+json`): the descriptor of the
 * artifact that was signed. Only meaningful after verifyIntegrity succeeded.
 */
export function parsePayload(env: SignatureEnvelope): NotationPayload {
  const cty = env.payload.contentType;
  if (cty !== MEDIA_TYPE_PAYLOAD_V1) throw invalidSignature(`payload content type ${goQuote(cty)} not supported`);
  const unmarshalError = () => invalidSignature('failed to unmarshal the payload content in the signature blob to envelope.Payload');
  let doc: JsonValue;
  try {
    doc = parseJson(env.payload.bytes);
  } catch {
    throw unmarshalError();
  }
  if (!(doc instanceof Map)) throw unmarshalError();
  // encoding/json matches field names case-insensitively; the last match wins.
  let target: JsonValue | undefined;
  for (const [k, v] of doc) if (k.toLowerCase() === 'targetartifact') target = v;
  if (!(target instanceof Map)) throw invalidSignature('signature payload has no targetArtifact descriptor');
  try {
    return { targetArtifact: parseDescriptor(toPlain(target), 'signature payload targetArtifact') };
  } catch (e) {
    const why = e instanceof RatifyError ? e.errorReason : String(e);
    throw invalidSignature(`signature payload targetArtifact is not a valid descriptor: ${why}`);
  }
}
