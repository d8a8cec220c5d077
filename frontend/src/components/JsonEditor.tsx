/** A Textarea-based JSON editor: keeps the text as typed, reports parse errors, emits parsed values. */
import Textarea from "@cloudscape-design/components/textarea";
import { useEffect, useRef, useState } from "react";
import { deepEqual, isJsonObject, stringifyJson, type JsonValue } from "../model-editor/json";

export type JsonShape = "object" | "array" | "any";

export interface JsonEditorProps {
  value: JsonValue | undefined;
  shape: JsonShape;
  onChange: (value: JsonValue) => void;
  onParseError: (message: string | null) => void;
  rows?: number;
  invalid?: boolean;
  disabled?: boolean;
  placeholder?: string;
  ariaLabel?: string;
  controlId?: string;
  testId?: string;
}

export function parseJsonText(text: string, shape: JsonShape): { value: JsonValue } | { error: string } {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (error) {
    return { error: `Invalid JSON: ${(error as Error).message}` };
  }
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
  const lastEmitted = useRef<JsonValue | undefined>(value);

  // Follow changes made elsewhere (base model chosen, import, a field bound to part of this value).
  useEffect(() => {
    if (deepEqual(value, lastEmitted.current)) return;
    lastEmitted.current = value;
    setText(display(value, shape));
    onParseError(null);
  }, [value, shape, onParseError]);

  const handleChange = (next: string) => {
    setText(next);
    const parsed = parseJsonText(next, shape);
    if ("error" in parsed) {
      onParseError(parsed.error);
      return;
    }
    onParseError(null);
    lastEmitted.current = parsed.value;
    onChange(parsed.value);
  };

  return (
    <Textarea
      value={text}
      onChange={({ detail }) => handleChange(detail.value)}
      rows={props.rows ?? 6}
      invalid={props.invalid}
      disabled={props.disabled}
      placeholder={props.placeholder}
      ariaLabel={props.ariaLabel}
      controlId={props.controlId}
      spellcheck={false}
      data-testid={props.testId}
    />
  );
}
