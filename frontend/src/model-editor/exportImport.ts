/** Export / import of a model config as a JSON file. */
import { isJsonObject, stringifyJson, type JsonObject } from "./json";

export function exportFileName(config: JsonObject): string {
  const id = typeof config.id === "string" && config.id ? config.id : "model";
  return `${id}.model-config.json`;
}

export function exportText(config: JsonObject): string {
  return `${stringifyJson(config)}\n`;
}

/** Accepts a ``ModelConfig`` or a ``GET /models/{id}`` answer (``{config: ...}``). */
export function parseImportedConfig(text: string): { config: JsonObject } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `The file is not valid JSON: ${(error as Error).message}` };
  }
  if (isJsonObject(value as never) && isJsonObject((value as JsonObject).config) && !("provider" in (value as JsonObject))) {
    value = (value as JsonObject).config;
  }
  if (!isJsonObject(value as never)) return { error: "The file must hold a JSON object (a model config)." };
  const config = value as JsonObject;
  if (!("provider" in config) && !("schema_version" in config)) {
    return { error: "The file does not look like a model config (no schema_version or provider)." };
  }
  return { config };
}
