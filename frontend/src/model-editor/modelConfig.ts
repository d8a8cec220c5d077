/** TypeScript view of ``ModelConfig`` (schema_version 1), mirroring ``inference_engine/schema.py``. */
import type { JsonObject, JsonValue } from "./json";

export type ProviderType = "sagemaker" | "bedrock";

export interface SageMakerEndpointKwargs {
  CustomAttributes?: string | null;
  TargetModel?: string | null;
  TargetVariant?: string | null;
  TargetContainerHostname?: string | null;
  InferenceId?: string | null;
  EnableExplanations?: string | null;
  InferenceComponentName?: string | null;
  SessionId?: string | null;
}

export interface SageMakerProvider {
  type: "sagemaker";
  endpoint_name: string;
  region: string;
  content_type?: string;
  accept?: string;
  endpoint_kwargs?: SageMakerEndpointKwargs;
}

export interface BedrockProvider {
  type: "bedrock";
  model_id: string;
  region: string;
  api?: "converse" | "invoke_model";
  endpoint_url?: string | null;
  guardrail?: { identifier: string; version: string } | null;
}

export interface ModelConfig {
  schema_version: 1;
  id: string;
  name: string;
  provider: SageMakerProvider | BedrockProvider;
  cross_account?: { role_arn: string; external_id?: string | null; session_duration_s?: number } | null;
  model_kwargs?: JsonObject;
  constraints?: { max_input_tokens?: number | null; max_total_tokens?: number | null };
  content_handler?: {
    request_template?: JsonValue;
    output_path?: string;
    stream?: { framing: "jsonlines" | "sse" | "bedrock-chunk"; output_path: string } | null;
    usage?: { input_tokens_path?: string | null; output_tokens_path?: string | null } | null;
  };
  prompt?: {
    template?: string | null;
    stop_sequences?: string[];
    bos_token?: string;
    eos_token?: string;
  };
}

export const SCHEMA_VERSION = 1;
export const DEFAULT_OUTPUT_PATH = "[0].generated_text";
export const DEFAULT_REQUEST_TEMPLATE: JsonObject = { inputs: "{{prompt}}", parameters: "{{model_kwargs}}" };
export const DEFAULT_MIME = "application/json";
export const DEFAULT_SESSION_DURATION_S = 3600;

/** Mirrors ``ModelConfig.supports_streaming``: converse always streams, the rest when a stream framing is set. */
export function supportsStreaming(config: JsonObject): boolean {
  const provider = config.provider as JsonObject | undefined;
  if (provider?.type === "bedrock" && (provider.api ?? "converse") === "converse") return true;
  const handler = config.content_handler as JsonObject | undefined;
  return handler?.stream !== undefined && handler.stream !== null;
}

export function emptyProvider(type: ProviderType, region: string): JsonObject {
  return type === "sagemaker"
    ? { type, endpoint_name: "", region, content_type: DEFAULT_MIME, accept: DEFAULT_MIME }
    : { type, model_id: "", region, api: "converse" };
}

/** The starting point of "from scratch": required fields present but empty, defaults spelled out. */
export function scratchConfig(region: string): JsonObject {
  return {
    schema_version: SCHEMA_VERSION,
    id: "",
    name: "",
    provider: emptyProvider("sagemaker", region),
    model_kwargs: {},
    constraints: {},
    content_handler: { request_template: structuredClone(DEFAULT_REQUEST_TEMPLATE), output_path: DEFAULT_OUTPUT_PATH },
    prompt: { stop_sequences: [] },
  };
}
