/**
 * The create flow's choices and the config each one starts from: provider -> API -> format, where every catalogue
 * adapter is a starting point, plus "blank". Defaults fit the chosen provider and API (a Bedrock InvokeModel stream
 * uses Bedrock chunk framing; Converse needs no request template). No id is pre-filled: the admin names the model.
 */
import type { ModelConfig } from "../api/types";
import type { CatalogueEntry } from "./catalogue";
import { clone, isJsonObject, pruneNulls, type JsonObject, type JsonValue } from "./json";
import { DEFAULT_MIME, DEFAULT_OUTPUT_PATH, DEFAULT_REQUEST_TEMPLATE, SCHEMA_VERSION } from "./modelConfig";

export type ProviderChoice = "sagemaker" | "bedrock";
export type ApiChoice = "invoke_endpoint" | "converse" | "invoke_model";
export const BLANK = "blank";

/** How the admin starts: a catalogue format, a copy of a model, or a deployed model found by discovery. */
export const START_OPTIONS = [
  { value: "format", label: "A model format", description: "Pick the provider, the API and a known container or model format (or blank)." },
  { value: "copy", label: "Copy an existing model", description: "Start from a predefined or saved model's config." },
  {
    value: "discover",
    label: "Find a deployed model",
    description: "List a region's SageMaker endpoints or Bedrock models, detect the format each one speaks, and start from it.",
  },
] as const;
export type StartKind = (typeof START_OPTIONS)[number]["value"];

export type StartChoice =
  | { kind: "format"; provider: ProviderChoice; api: ApiChoice; format: string }
  | { kind: "copy"; modelId: string };

export const APIS: Record<ProviderChoice, { value: ApiChoice; label: string; description: string }[]> = {
  sagemaker: [{ value: "invoke_endpoint", label: "InvokeEndpoint", description: "A SageMaker real-time endpoint (or inference component)." }],
  bedrock: [
    { value: "converse", label: "Converse", description: "One messages API for every Bedrock model; no request template." },
    { value: "invoke_model", label: "InvokeModel", description: "The model's native body, built from a request template." },
  ],
};

export function defaultApi(provider: ProviderChoice): ApiChoice {
  return provider === "sagemaker" ? "invoke_endpoint" : "converse";
}

/** The API a config is called through. */
export function apiOf(config: Pick<ModelConfig, "provider">): ApiChoice {
  const provider = config.provider;
  if (provider.type === "sagemaker") return "invoke_endpoint";
  return provider.api === "invoke_model" ? "invoke_model" : "converse";
}

/** The catalogue formats that fit a provider and API. */
export function formatsFor(catalogue: readonly CatalogueEntry[], provider: ProviderChoice, api: ApiChoice): CatalogueEntry[] {
  return catalogue.filter((entry) => entry.config.provider.type === provider && apiOf(entry.config) === api);
}

/** The default stream framing when streaming is switched on for a provider/API. */
export function defaultFraming(provider: ProviderChoice, api: ApiChoice): "jsonlines" | "sse" | "bedrock-chunk" {
  return provider === "bedrock" && api === "invoke_model" ? "bedrock-chunk" : "jsonlines";
}

/** A blank config for a provider and API: required fields empty, only the sections that apply. */
export function blankConfig(provider: ProviderChoice, api: ApiChoice, region: string): JsonObject {
  const base: JsonObject = { schema_version: SCHEMA_VERSION, id: "", name: "", model_kwargs: {}, constraints: {} };
  if (provider === "sagemaker") {
    return {
      ...base,
      provider: { type: "sagemaker", endpoint_name: "", region, content_type: DEFAULT_MIME, accept: DEFAULT_MIME },
      model_kwargs: { max_new_tokens: 256 },
      content_handler: { request_template: clone(DEFAULT_REQUEST_TEMPLATE), output_path: DEFAULT_OUTPUT_PATH },
      prompt: { stop_sequences: [] },
    };
  }
  if (api === "converse") {
    return {
      ...base,
      provider: { type: "bedrock", model_id: "", region, api: "converse" },
      model_kwargs: { max_tokens: 512 },
      prompt: { stop_sequences: [] },
    };
  }
  return {
    ...base,
    provider: { type: "bedrock", model_id: "", region, api: "invoke_model" },
    model_kwargs: { max_tokens: 512 },
    content_handler: {
      request_template: { prompt: "{{prompt}}", max_tokens: "{{max_tokens}}" },
      // No output path fits every native body: the admin fills it in (the debug view helps, see "try this path").
      output_path: "",
      stream: { framing: "bedrock-chunk", output_path: "" },
    },
    prompt: { stop_sequences: [] },
  };
}

/**
 * The config a choice starts from. A catalogue format keeps its adapter (templates, paths, kwargs, Bedrock model id)
 * with the id and name cleared, the stage region, and, for SageMaker, no endpoint name (it is the admin's endpoint).
 */
export function startingConfig(
  choice: Extract<StartChoice, { kind: "format" }>,
  catalogue: readonly CatalogueEntry[],
  region: string,
): JsonObject {
  if (choice.format === BLANK) return blankConfig(choice.provider, choice.api, region);
  const entry = catalogue.find((candidate) => candidate.format === choice.format);
  if (!entry) return blankConfig(choice.provider, choice.api, region);
  const config = pruneNulls(clone(entry.config as unknown as JsonObject));
  const provider: JsonObject = { ...(config.provider as JsonObject), region };
  if (provider.type === "sagemaker") provider.endpoint_name = "";
  return { ...config, id: "", name: "", provider };
}

/** A copy of an existing model: everything but its id (a new one is required) and its name. */
export function copyConfig(source: JsonObject): JsonObject {
  const name = typeof source.name === "string" ? `Copy of ${source.name}` : "";
  return { ...clone(source), id: "", name };
}

/** Which editor sections apply to a config: Converse has no content handler and no chat template. */
export function sectionsFor(config: JsonObject): { contentHandler: boolean; chatTemplate: boolean; converseMapping: boolean } {
  const provider = config.provider;
  const converse = isJsonObject(provider) && provider.type === "bedrock" && (provider.api ?? "converse") === "converse";
  return { contentHandler: !converse, chatTemplate: !converse, converseMapping: converse };
}

const INFERENCE_CONFIG: Record<string, string> = {
  max_tokens: "maxTokens",
  max_new_tokens: "maxTokens",
  maxTokens: "maxTokens",
  max_gen_len: "maxTokens",
  maxTokenCount: "maxTokens",
  temperature: "temperature",
  top_p: "topP",
  topP: "topP",
  stop: "stopSequences",
  stop_sequences: "stopSequences",
  stopSequences: "stopSequences",
};

export interface ConverseMapping {
  kwarg: string;
  value: JsonValue;
  /** ``inferenceConfig.maxTokens`` or ``additionalModelRequestFields.top_k``. */
  target: string;
}

/** How Converse sends model kwargs (docs/design.md §8.1): known keys to inferenceConfig, the rest as extra fields. */
export function converseMapping(modelKwargs: JsonValue | undefined): ConverseMapping[] {
  if (!isJsonObject(modelKwargs)) return [];
  return Object.entries(modelKwargs).map(([kwarg, value]) => {
    const known = INFERENCE_CONFIG[kwarg];
    return { kwarg, value, target: known ? `inferenceConfig.${known}` : `additionalModelRequestFields.${kwarg}` };
  });
}

/** Why a new model id cannot be used, or null: the schema's pattern, and no collision with any listed model. */
export function idProblem(id: string, takenIds: readonly string[]): string | null {
  if (!id) return "Enter an id for the new model.";
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(id)) {
    return "Use lowercase letters, digits, '.', '_' or '-', starting with a letter or digit (at most 64).";
  }
  if (takenIds.includes(id)) return `"${id}" is already taken by another model: choose another id.`;
  return null;
}
