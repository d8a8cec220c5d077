/** Checks the JSON Schema cannot express but the API enforces, so the user sees them while typing. */
import { syntaxErrors } from "./editorValidation";
import { isJsonObject, type JsonObject } from "./json";
import type { FieldError } from "./paths";

const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[\w./-]*)?$/;

export function localRuleErrors(config: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const provider = config.provider;
  if (isJsonObject(provider) && provider.type === "bedrock") {
    const url = provider.endpoint_url;
    if (typeof url === "string" && !HTTPS_URL.test(url)) {
      errors.push({
        path: "provider.endpoint_url",
        message: "must be an https URL with a host name (e.g. https://bedrock-runtime.us-east-1.amazonaws.com)",
      });
    }
  }
  return [...errors, ...syntaxErrors(config)];
}
