/**
 * The editor's view of ``ModelConfig`` (schema_version 1). The type itself is the API's (generated from
 * lambdas/openapi.json, see ../api/types.ts); this module holds the editor's skeletons and defaults.
 */
import type { ModelConfig, Provider, ProviderType } from "../api/types";
import { isJsonObject, type JsonObject } from "./json";

export type { BedrockProvider, ModelConfig, Provider, ProviderType, SageMakerProvider } from "../api/types";

export const SCHEMA_VERSION: ModelConfig["schema_version"] = 1;
export const DEFAULT_OUTPUT_PATH = "[0].generated_text";
export const DEFAULT_REQUEST_TEMPLATE: JsonObject = { inputs: "{{prompt}}", parameters: "{{model_kwargs}}" };
export const DEFAULT_MIME = "application/json";
export const DEFAULT_SESSION_DURATION_S = 3600;

/** Mirrors ``ModelConfig.supports_streaming``: converse always streams, the rest when a stream framing is set. */
export function supportsStreaming(config: JsonObject): boolean {
  const provider = config.provider;
  if (isJsonObject(provider) && provider.type === "bedrock" && (provider.api ?? "converse") === "converse") return true;
  const handler = config.content_handler;
  return isJsonObject(handler) && handler.stream !== undefined && handler.stream !== null;
}

/** A provider of that type with its required strings empty (for the admin to fill in) and its defaults spelled out. */
export function emptyProvider(type: ProviderType, region: string): Provider {
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
  } satisfies ModelConfig;
}
