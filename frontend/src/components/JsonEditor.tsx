/**
 * A JSON editor (a CodeField): keeps the text as typed, reports parse errors with their line and column (a hint when a
 * placeholder is written without quotes), emits parsed values, and shows ``hints`` as warnings.
 */
import { useEffect, useRef, useState } from "react";
import { jsonTextProblem } from "../model-editor/editorValidation";
import { deepEqual, isJsonObject, stringifyJson, type JsonValue } from "../model-editor/json";
import { CodeField, type CodeAnnotation } from "./code/CodeField";

export type JsonShape = "object" | "array" | "any";

export interface JsonEditorProps {
  value: JsonValue | undefined;
  shape: JsonShape;
  onChange: (value: JsonValue) => void;
  onParseError: (message: string | null) => void;
  ariaLabel: string;
  rows?: number;
  invalid?: boolean;
  /** Errors of the parsed value (schema, API): shown on line 1 of the editor's gutter as well as at the field. */
  errors?: string[];
  hints?: string[];
  testId?: string;
}

export function parseJsonText(text: string, shape: JsonShape): { value: JsonValue } | { error: string; line?: number; column?: number } {
  const problem = jsonTextProblem(text);
  if (problem) return { error: problem.message, line: problem.line, column: problem.column };
  const value = JSON.parse(text) as JsonValue;
  if (shape === "object" && !isJsonObject(value)) return { error: "Must be a JSON object ({...})." };
  if (shape === "array" && !Array.isArray(value)) return { error: "Must be a JSON array ([...])." };
  return { value };
}

function display(value: JsonValue | undefined, shape: JsonShape): string {
  if (value === undefined) return shape === "array" ? "[]" : shape === "object" ? "{}" : "";
  return stringifyJson(value);
}

export function JsonEditor(props: JsonEditorProps) {
  const { value, shape, onChange, onParseError } = props;
  const [text, setText] = useState(() => display(value, shape));
  const [parseProblem, setParseProblem] = useState<CodeAnnotation | null>(null);
  const lastEmitted = useRef<JsonValue | undefined>(value);

  // Follow changes made elsewhere (base model chosen, import, a field bound to part of this value).
  useEffect(() => {
    if (deepEqual(value, lastEmitted.current)) return;
    lastEmitted.current = value;
    setText(display(value, shape));
    setParseProblem(null);
    onParseError(null);
  }, [value, shape, onParseError]);

  const handleChange = (next: string) => {
    setText(next);
    const parsed = parseJsonText(next, shape);
    if ("error" in parsed) {
      setParseProblem({ line: parsed.line ?? 1, column: parsed.column, text: parsed.error, type: "error" });
      onParseError(parsed.error);
      return;
    }
    setParseProblem(null);
    onParseError(null);
    lastEmitted.current = parsed.value;
    onChange(parsed.value);
  };

  const annotations: CodeAnnotation[] = [
    ...(parseProblem ? [parseProblem] : []),
    ...(parseProblem ? [] : (props.errors ?? []).map((message) => ({ line: 1, text: message, type: "error" as const }))),
    ...(props.hints ?? []).map((message) => ({ line: 1, text: message, type: "warning" as const })),
  ];

  return (
    <CodeField
      value={text}
      onChange={handleChange}
      language="json"
      rows={props.rows ?? 6}
      invalid={props.invalid}
      ariaLabel={props.ariaLabel}
      annotations={annotations}
      testId={props.testId}
    />
  );
}
