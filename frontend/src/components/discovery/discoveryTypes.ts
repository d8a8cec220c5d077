/** Bodies of the discovery routes (docs/design.md §3, §8.5): mirrors ``inference_engine/discovery/models.py``. */
import type { JsonObject } from "../../model-editor/json";

export interface Detection {
  format: string | null;
  confidence: "high" | "medium" | "low" | "none";
  family: string | null;
  reasons: string[];
  candidates: string[];
  supported: boolean;
}

export interface ReadError {
  error: string;
  message: string;
}

export interface Container {
  image: string | null;
  image_repository: string | null;
  image_tag: string | null;
  environment: Record<string, string>;
  model_data_url: string | null;
  model_name: string | null;
}

export interface Variant {
  name: string;
  instance_type: string | null;
  instance_count: number | null;
  serverless: boolean;
  container: Container | null;
  detection: Detection | null;
  config: JsonObject | null;
}

export interface InferenceComponent {
  name: string;
  status: string | null;
  variant_name: string | null;
  copies: number | null;
  container: Container | null;
  detection: Detection | null;
  config: JsonObject | null;
  error: ReadError | null;
}

export interface SageMakerEndpoint {
  name: string;
  arn: string | null;
  status: string | null;
  created_at: string | null;
  updated_at: string | null;
  failure_reason: string | null;
  variants: Variant[];
  inference_components: InferenceComponent[];
  detection: Detection | null;
  config: JsonObject | null;
  error: ReadError | null;
}

export interface EndpointPage {
  region: string;
  endpoints: SageMakerEndpoint[];
  next_token: string | null;
}

export type BedrockKind =
  | "foundation-model"
  | "system-inference-profile"
  | "application-inference-profile"
  | "imported-model"
  | "marketplace-endpoint";

export interface BedrockModel {
  kind: BedrockKind;
  model_id: string;
  arn: string | null;
  name: string;
  provider_name: string | null;
  status: string | null;
  input_modalities: string[];
  output_modalities: string[];
  streaming: boolean | null;
  inference_types: string[];
  routes_to: string[];
  architecture: string | null;
  adapters: string[];
  usable: boolean;
  note: string | null;
  config: JsonObject | null;
}

export interface BedrockModelList {
  region: string;
  models: BedrockModel[];
  truncated: boolean;
}

export interface CrossAccountRole {
  role_arn: string;
  external_id?: string;
}

export type ProbeTarget =
  | {
      type: "sagemaker";
      endpoint_name: string;
      region: string;
      inference_component_name?: string;
      target_variant?: string;
    }
  | { type: "bedrock"; model_id: string; region: string };

export interface ProbeRequest {
  target: ProbeTarget;
  cross_account?: CrossAccountRole;
  formats?: string[];
  max_calls?: number;
  stream?: boolean;
}

export interface ProbeAttempt {
  format: string;
  mode: "buffered" | "stream";
  outcome: "text" | "no_text" | "rejected" | "bad_response" | "invalid" | "failed";
  error: string | null;
  message: string | null;
  text: string | null;
  reasoning: string | null;
  latency_ms: number | null;
}

export interface ProbeResult {
  target: ProbeTarget;
  max_calls: number;
  calls: number;
  attempts: ProbeAttempt[];
  format: string | null;
  streaming: boolean | null;
  stopped: string | null;
  not_tried: string[];
  config: JsonObject | null;
}
