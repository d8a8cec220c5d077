/**
 * Discovery answers as rows an admin picks from: one per thing that can be invoked (an endpoint's variant, each of
 * its inference components, each Bedrock model or profile), with the probe request that checks it.
 */
import type { JsonObject } from "../../model-editor/json";
import type {
  BedrockModel,
  BedrockModelList,
  CrossAccountRole,
  Detection,
  EndpointPage,
  ProbeRequest,
  ProbeTarget,
} from "../../api/types";

export interface DiscoveryRow {
  /** Stable key: endpoint[/component or variant], or the Bedrock model id. */
  key: string;
  name: string;
  /** Endpoint status, or the Bedrock model's kind. */
  status: string;
  /** Instance type and count, or the Bedrock provider. */
  detail: string;
  /** The catalogue adapter to start from ("" when none). */
  format: string;
  confidence: Detection["confidence"] | "";
  /** Why the format was chosen, or why the row cannot be used. */
  reason: string;
  usable: boolean;
  config: JsonObject | null;
  target: ProbeTarget;
  formats: string[];
}

const KIND_LABELS: Record<BedrockModel["kind"], string> = {
  "foundation-model": "Foundation model",
  "system-inference-profile": "Inference profile",
  "application-inference-profile": "Application profile",
  "imported-model": "Imported model",
  "marketplace-endpoint": "Marketplace endpoint",
};

function instance(type: string | null | undefined, count: number | null | undefined, serverless: boolean | undefined): string {
  if (serverless) return "Serverless";
  if (!type) return "";
  return count != null ? `${count} × ${type}` : type;
}

function detectionFields(detection: Detection | null | undefined): Pick<DiscoveryRow, "format" | "confidence" | "reason" | "formats"> {
  if (!detection) return { format: "", confidence: "", reason: "", formats: [] };
  return {
    format: detection.format ?? "",
    confidence: detection.confidence,
    reason: detection.family ?? detection.reasons?.[0] ?? "",
    formats: detection.candidates ?? [],
  };
}

export function endpointRows(page: EndpointPage): DiscoveryRow[] {
  const rows: DiscoveryRow[] = [];
  for (const endpoint of page.endpoints) {
    const status = endpoint.status ?? "Unknown";
    const base = { endpoint_name: endpoint.name, region: page.region };
    if (endpoint.error) {
      rows.push({
        key: endpoint.name,
        name: endpoint.name,
        status,
        detail: "",
        format: "",
        confidence: "",
        reason: endpoint.error.message,
        usable: false,
        config: null,
        target: { type: "sagemaker", ...base },
        formats: [],
      });
      continue;
    }
    const variants = endpoint.variants ?? [];
    const several = variants.length > 1;
    for (const variant of variants) {
      if (!variant.detection) continue; // a variant that hosts inference components: its components are rows
      const fields = detectionFields(variant.detection);
      rows.push({
        key: several ? `${endpoint.name}/${variant.name}` : endpoint.name,
        name: several ? `${endpoint.name} (${variant.name})` : endpoint.name,
        status,
        detail: instance(variant.instance_type, variant.instance_count, variant.serverless),
        ...fields,
        usable: status === "InService" && variant.config != null,
        config: variant.config ?? null,
        target: { type: "sagemaker", ...base, ...(several ? { target_variant: variant.name } : {}) },
      });
    }
    const hosting = variants.find((variant) => !variant.detection);
    for (const component of endpoint.inference_components ?? []) {
      const fields = detectionFields(component.detection);
      rows.push({
        key: `${endpoint.name}/${component.name}`,
        name: `${endpoint.name} / ${component.name}`,
        status: component.status ?? status,
        detail: hosting ? instance(hosting.instance_type, hosting.instance_count, hosting.serverless) : "",
        ...fields,
        reason: component.error?.message ?? fields.reason,
        usable: (component.status ?? status) === "InService" && component.config != null,
        config: component.config ?? null,
        target: { type: "sagemaker", ...base, inference_component_name: component.name },
      });
    }
  }
  return rows;
}

export function bedrockRows(list: BedrockModelList): DiscoveryRow[] {
  return list.models.map((model) => ({
    key: model.model_id,
    name: model.name,
    status: KIND_LABELS[model.kind],
    detail: model.provider_name ?? model.architecture ?? "",
    format: model.adapters?.[0] ?? "",
    confidence: model.usable ? "high" : "none",
    reason: model.note ?? "",
    usable: Boolean(model.usable) && model.config != null,
    config: model.config ?? null,
    target: { type: "bedrock", model_id: model.model_id, region: list.region },
    formats: model.adapters ?? [],
  }));
}

/** The probe that checks a row: its target, the formats in the order discovery suggests, through the role. */
export function probeRequestFor(row: DiscoveryRow, role: CrossAccountRole | null): ProbeRequest {
  const request: ProbeRequest = { target: row.target, stream: true };
  if (row.formats.length) request.formats = row.formats;
  if (role?.role_arn) request.cross_account = role.external_id ? role : { role_arn: role.role_arn };
  return request;
}
