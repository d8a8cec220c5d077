/**
 * Checks the editor runs while the admin types, beyond the JSON Schema: JMESPath expressions compile (the ``jmespath``
 * package), the chat template parses as Jinja (``@huggingface/jinja``'s parser: a syntax error blocks Save), JSON text
 * errors carry a line and column with a hint for unquoted placeholders, and request-template placeholders that name no
 * variable are pointed out (a hint: the API refuses them when it renders the body).
 */
import { Template } from "@huggingface/jinja";
import jmespath from "jmespath";
import { isJsonObject, type JsonObject, type JsonValue } from "./json";
import type { FieldError } from "./paths";

/** ``compile`` exists in the package (0.16) but not in its published types. */
const compileJmespath = (jmespath as unknown as { compile: (expression: string) => unknown }).compile;

/** The JMESPath fields of a config (path key -> where it sits). */
export const JMESPATH_FIELDS: readonly (readonly string[])[] = [
  ["content_handler", "output_path"],
  ["content_handler", "stop_reason_path"],
  ["content_handler", "stream", "output_path"],
  ["content_handler", "stream", "stop_reason_path"],
  ["content_handler", "usage", "input_tokens_path"],
  ["content_handler", "usage", "output_tokens_path"],
];

/** The request-template variables the engine provides (inference_engine/request_template.py BUILTIN_VARIABLES). */
export const BUILTIN_VARIABLES = ["prompt", "messages", "block_messages", "system", "stop", "model_kwargs", "stream"] as const;

/** Mirrors the engine's placeholder syntax: ``{{name}}``, ``{{name?}}``, ``{{a.b}}``. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*)(\?)?\s*\}\}/g;

function get(config: JsonObject, path: readonly string[]): JsonValue | undefined {
  let node: JsonValue | undefined = config;
  for (const key of path) {
    if (!isJsonObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** Why a JMESPath expression does not compile, or null. */
export function jmespathProblem(expression: string): string | null {
  try {
    compileJmespath(expression);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `not a valid JMESPath expression: ${message}`;
  }
}

/** Why a chat template is not valid Jinja, or null (syntax only: nothing is rendered). */
export function jinjaProblem(template: string): string | null {
  if (!template.trim()) return null;
  try {
    new Template(template);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `Jinja syntax error: ${message}`;
  }
}

/** Line and column (1-based) of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const lines = before.split("\n");
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

/** A JSON parse error with its line and column, and a hint when a placeholder is written without quotes. */
export function jsonTextProblem(text: string): { message: string; line: number; column: number } | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    const lineCol = /line (\d+) column (\d+)/.exec(raw);
    const position = /position (\d+)/.exec(raw);
    const where = lineCol
      ? { line: Number(lineCol[1]), column: Number(lineCol[2]) }
      : position
        ? lineColumn(text, Number(position[1]))
        : lineColumn(text, text.length);
    const unquoted = /(^|[:,[\s])\{\{\s*[A-Za-z_][^}]*\}\}/m.exec(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'));
    const hint = unquoted
      ? ' A placeholder must be a JSON string: write "{{name}}" in quotes (it is replaced by the value with its JSON type).'
      : "";
    const reason = raw.replace(/^JSON\.parse: /, "").replace(/\s*\(line \d+ column \d+\)/, "");
    return { message: `Invalid JSON at line ${where.line}, column ${where.column}: ${reason}.${hint}`, ...where };
  }
}

/** Every placeholder in a request template (strings anywhere inside it). */
export function placeholdersOf(template: JsonValue | undefined): { name: string; optional: boolean }[] {
  const found: { name: string; optional: boolean }[] = [];
  const visit = (node: JsonValue | undefined) => {
    if (typeof node === "string") {
      for (const match of node.matchAll(PLACEHOLDER)) found.push({ name: match[1]!, optional: match[2] === "?" });
    } else if (Array.isArray(node)) node.forEach(visit);
    else if (isJsonObject(node)) Object.values(node).forEach(visit);
  };
  visit(template);
  return found;
}

/** Hints about a request template's placeholders: a required one that names no variable fails at render time. */
export function requestTemplateHints(template: JsonValue | undefined, modelKwargs: JsonValue | undefined): string[] {
  const kwargs = isJsonObject(modelKwargs) ? Object.keys(modelKwargs) : [];
  const known = new Set<string>([...BUILTIN_VARIABLES, ...kwargs]);
  const hints: string[] = [];
  const seen = new Set<string>();
  for (const { name, optional } of placeholdersOf(template)) {
    const root = name.split(".")[0]!;
    if (known.has(root) || optional || seen.has(name)) continue;
    seen.add(name);
    hints.push(
      `{{${name}}} is neither a built-in variable (${BUILTIN_VARIABLES.join(", ")}) nor a model kwarg: add "${root}" to the model kwargs, or write {{${name}?}} to make it optional.`,
    );
  }
  return hints;
}

/** Errors that block Save and Invoke: JMESPath that does not compile, a chat template that does not parse. */
export function syntaxErrors(config: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  for (const path of JMESPATH_FIELDS) {
    const value = get(config, path);
    if (typeof value !== "string" || value === "") continue;
    const problem = jmespathProblem(value);
    if (problem) errors.push({ path: path.join("."), message: problem });
  }
  const template = get(config, ["prompt", "template"]);
  if (typeof template === "string") {
    const problem = jinjaProblem(template);
    if (problem) errors.push({ path: "prompt.template", message: problem });
  }
  return errors;
}

/** Evaluates an output path on a raw model response ("try this path on the last raw response"). */
export function tryOutputPath(expression: string, raw: JsonValue): { value: JsonValue } | { error: string } {
  const problem = jmespathProblem(expression);
  if (problem) return { error: problem };
  try {
    return { value: (jmespath.search(raw, expression) ?? null) as JsonValue };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
