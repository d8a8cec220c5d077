/**
 * Validates an edited config against the ``ModelConfig`` JSON Schema served by the API (draft 2020-12) and turns
 * Ajv's errors into readable messages keyed by field path. The server stays the source of truth: rules that
 * the schema cannot express (JMESPath syntax, Jinja syntax, https URLs) come back from ``/models/validate``.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import type { ModelConfig } from "../api/types";
import { isJsonObject, type JsonValue } from "./json";
import { pointerToKey, type FieldError } from "./paths";

export type JsonSchema = { [key: string]: unknown };

/** A draft checked against the schema: the config, typed, when the schema accepts it; the field errors otherwise. */
export type ConfigCheck = { config: ModelConfig; errors: [] } | { config: null; errors: FieldError[] };
export type ConfigValidator = (config: unknown) => ConfigCheck;

const PATTERN_HINTS: Record<string, string> = {
  id: "must be a lowercase id: letters, digits, '.', '_' or '-', starting with a letter or digit (at most 64)",
  "provider.region": "must be an AWS region such as us-east-1",
  "provider.endpoint_name": "must be a SageMaker endpoint name: letters, digits and hyphens (at most 63)",
  "provider.model_id": "must be a Bedrock model id, inference-profile id or ARN",
  "provider.content_type": "must be a MIME type such as application/json",
  "provider.accept": "must be a MIME type such as application/json",
  "provider.guardrail.version": "must be DRAFT or a version number",
  "cross_account.role_arn": "must be an IAM role ARN such as arn:aws:iam::123456789012:role/Name",
  "cross_account.external_id": "must be 2-1224 characters: letters, digits and _+=,.@:/-",
};

/** Ajv rejects OpenAPI's ``discriminator.mapping`` (pydantic emits it); the ``oneOf`` consts carry the same facts. */
export function prepareSchema(schema: JsonSchema): JsonSchema {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (typeof node !== "object" || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === "discriminator" && isJsonObject(value as JsonValue)) {
        const { mapping: _mapping, ...rest } = value as Record<string, unknown>;
        out[key] = rest;
      } else {
        out[key] = strip(value);
      }
    }
    return out;
  };
  return strip(schema) as JsonSchema;
}

function allowedKeysAt(schema: JsonSchema | undefined): string[] {
  const properties = schema?.properties;
  return typeof properties === "object" && properties !== null ? Object.keys(properties) : [];
}

function messageFor(error: ErrorObject, key: string): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return "is required";
    case "additionalProperties": {
      if (key.startsWith("provider.endpoint_kwargs.")) {
        const allowed = allowedKeysAt(error.parentSchema as JsonSchema | undefined).join(", ");
        return `'${String(params.additionalProperty)}' cannot be set through endpoint_kwargs; allowed keys: ${allowed}`;
      }
      return "unknown field (the schema rejects keys it does not define)";
    }
    case "discriminator":
      return "provider.type must be 'sagemaker' or 'bedrock'";
    case "pattern":
      if (error.data === "") return "is required";
      return PATTERN_HINTS[key] ?? `does not have the expected format (${String(params.pattern)})`;
    case "minLength":
      if (error.data === "") return "is required";
      return error.message ?? "is too short";
    case "const":
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case "enum":
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return error.message ?? "is invalid";
  }
}

function keyFor(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "required") return pointerToKey(error.instancePath, String(params.missingProperty));
  if (error.keyword === "additionalProperties") return pointerToKey(error.instancePath, String(params.additionalProperty));
  if (error.keyword === "discriminator") return pointerToKey(error.instancePath, String(params.tag));
  return pointerToKey(error.instancePath);
}

/** Ajv errors -> one readable error per (path, message), without the noise of ``X | null`` unions. */
export function toFieldErrors(errors: readonly ErrorObject[] | null | undefined): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    if (error.keyword === "anyOf" || error.keyword === "oneOf") continue;
    if (error.keyword === "type" && (error.params as { type?: unknown }).type === "null") continue;
    const path = keyFor(error);
    const message = messageFor(error, path);
    const id = `${path}\u0000${message}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push({ path, message });
    }
  }
  return out;
}

/**
 * ``schema`` is ``GET /schema/model-config``: the JSON Schema of the pydantic ``ModelConfig`` whose OpenAPI form the
 * ``ModelConfig`` type is generated from, so what it accepts is a ``ModelConfig``.
 */
export function createConfigValidator(schema: JsonSchema): ConfigValidator {
  const ajv = new Ajv2020({ allErrors: true, discriminator: true, strict: false, verbose: true, unicodeRegExp: false });
  const validate: ValidateFunction<ModelConfig> = ajv.compile<ModelConfig>(prepareSchema(schema));
  return (config: unknown) => {
    if (validate(config)) return { config, errors: [] };
    const errors = toFieldErrors(validate.errors);
    // Ajv always explains a rejection; the fallback only keeps "invalid" from ever reading as "no errors".
    return { config: null, errors: errors.length ? errors : [{ path: "$", message: "is invalid" }] };
  };
}
