/** Bodies of the HTTP API (docs/design.md §3 and §8.3). */
import type { JsonObject, JsonValue } from "../model-editor/json";

export interface Me {
  username: string;
  sub: string;
  groups: string[];
  is_admin: boolean;
  stage: string;
  admin_group: string;
  capabilities: { overrides: boolean; cross_account: boolean; custom_bedrock_endpoints: boolean };
}

export interface ModelSummary {
  id: string;
  name: string;
  provider: "sagemaker" | "bedrock";
  source: "predefined" | "saved";
  default: boolean;
  streaming: boolean;
  version: number | null;
  updated_at?: string;
  updated_by?: string;
  model_id?: string;
  api?: string;
  endpoint_name?: string;
  region?: string;
  cross_account?: boolean;
}

export interface ModelDetail {
  source: "predefined" | "saved";
  version: number | null;
  config: JsonObject;
  base_model_id?: string | null;
  updated_at?: string;
  updated_by?: string;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface InvokeRequest {
  model_id?: string;
  override?: JsonValue;
  messages?: ChatMessage[];
  prompt?: string;
  system?: string;
  stream?: boolean;
  debug?: boolean;
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  estimated: boolean;
  cache_read_input_tokens?: number;
  cache_write_input_tokens?: number;
}

export interface InvokeResponse {
  output: string;
  usage: Usage;
  latency_ms: number;
  model_id: string;
  request_id: string;
  stop_reason?: string | null;
  /** The model's reasoning, kept apart from the answer (reasoning models). */
  reasoning?: string | null;
  debug?: { rendered_prompt: string | null; request_body: JsonValue; raw_response: JsonValue } | null;
}

export interface ValidateResponse {
  config: JsonObject;
  rendered_prompt: string | null;
  request: { operation: string; params: JsonObject; body: JsonValue };
  estimated_input_tokens: number;
  streaming: boolean;
}

export interface SaveRequest {
  config: JsonObject;
  version: number;
  base_model_id?: string;
}

export interface SaveResponse {
  id: string;
  version: number;
  updated_at: string;
  updated_by: string;
}

export interface ErrorDetailBody {
  path: string;
  message: string;
  type: string;
}

export interface ErrorBody {
  error: string;
  message: string;
  details?: ErrorDetailBody[];
  rule?: string;
  current_version?: number;
}
