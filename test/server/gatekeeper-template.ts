import type { ProviderResponse } from '../../src/server/wire.js';

/**
 * What Gatekeeper's external_data builtin hands to Rego, built from our ProviderResponse:
 * items with `error` go to `errors`, the others to `responses`; a whole-request failure is
 * `system_error` (reference §6.3).
 */
export interface ExternalData {
  responses: Array<[string, unknown]>;
  errors: Array<[string, string]>;
  system_error: string;
  status_code: number;
}

export function externalData(status: number, body: ProviderResponse): ExternalData {
  const items = body.response.items ?? [];
  return {
    responses: items.filter((i) => !i.error).map((i) => [i.key, i.value]),
    errors: items.filter((i) => i.error).map((i) => [i.key, i.error!]),
    system_error: body.response.systemError ?? '',
    status_code: status,
  };
}

/**
 * The violations Ratify's default ConstraintTemplate (library/default/template.yaml) raises,
 * rule by rule: system error, any per-image error, any response with isSuccess == false.
 */
export function defaultTemplateViolations(d: ExternalData): string[] {
  const out: string[] = [];
  if (d.system_error !== '') out.push(`System error calling external data provider: ${d.system_error}`);
  if (d.errors.length > 0) out.push(`Error validating one or more images: ${JSON.stringify(d.errors)}`);
  for (const [key, value] of d.responses) {
    const v = value as { isSuccess?: unknown; timestamp?: string; traceID?: string };
    if (v.isSuccess === false) out.push(`Time=${v.timestamp}, failed to verify the artifact: ${key}, trace-id: ${v.traceID}`);
  }
  return out;
}
