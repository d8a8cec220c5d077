/** Form fields bound to a path of the edited config: value, error at the field, "changed from base" marker. */
import Badge from "@cloudscape-design/components/badge";
import FormField from "@cloudscape-design/components/form-field";
import Input from "@cloudscape-design/components/input";
import Select, { type SelectProps } from "@cloudscape-design/components/select";
import { useCallback, type ReactNode } from "react";
import { getIn } from "../../model-editor/editorState";
import type { JsonValue } from "../../model-editor/json";
import { isPathChanged } from "../../model-editor/mergePatch";
import { pathKey, type Path } from "../../model-editor/paths";
import { CodeField } from "../code/CodeField";
import { JsonEditor, type JsonShape } from "../JsonEditor";
import { useEditor } from "./EditorContext";

const BASE_PREVIEW_CHARS = 80;

function preview(value: JsonValue | undefined): string {
  if (value === undefined || value === null || value === "") return "(not set)";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > BASE_PREVIEW_CHARS ? `${text.slice(0, BASE_PREVIEW_CHARS)}…` : text;
}

export function useField(path: Path) {
  const { state, dispatch, fieldErrors, changed, touched, touch, showAllErrors } = useEditor();
  const key = pathKey(path);
  const messages = fieldErrors[key] ?? [];
  const visible = touched.has(key) || showAllErrors ? messages : messages.filter((m) => !m.endsWith("is required"));
  const isChanged = state.base !== null && isPathChanged(changed, key);
  const set = useCallback(
    (value: JsonValue | undefined) => {
      touch(key);
      dispatch({ type: "set", path, value });
    },
    [dispatch, touch, key],
  );
  return {
    key,
    value: getIn(state.draft, path),
    baseValue: state.base ? getIn(state.base, path) : undefined,
    errorText: visible.length ? visible.join("; ") : undefined,
    isChanged,
    set,
  };
}

interface FieldFrameProps {
  label: string;
  description?: ReactNode;
  constraintText?: ReactNode;
  field: ReturnType<typeof useField>;
  showBase?: boolean;
  /** Non-blocking hints (e.g. a placeholder that names no variable), shown under the control. */
  warnings?: string[];
  children: ReactNode;
}

export function FieldFrame({ label, description, constraintText, field, showBase = true, warnings, children }: FieldFrameProps) {
  const baseNote = field.isChanged && showBase ? `Base: ${preview(field.baseValue)}` : null;
  return (
    <FormField
      label={label}
      description={description}
      warningText={field.errorText === undefined && warnings?.length ? warnings.join(" ") : undefined}
      constraintText={baseNote ? (constraintText ? <>{constraintText} · {baseNote}</> : baseNote) : constraintText}
      errorText={field.errorText}
      info={field.isChanged ? <Badge color="blue">Changed</Badge> : undefined}
      stretch
      data-testid={`field-${field.key}`}
    >
      {children}
    </FormField>
  );
}

interface TextFieldProps {
  path: Path;
  label: string;
  description?: ReactNode;
  placeholder?: string;
  constraintText?: ReactNode;
  numeric?: boolean;
  disabled?: boolean;
}

export function TextField({ path, label, description, placeholder, constraintText, numeric, disabled }: TextFieldProps) {
  const field = useField(path);
  const value = field.value === undefined || field.value === null ? "" : String(field.value);
  const onChange = (text: string) => {
    if (text === "") field.set(undefined);
    else if (numeric && /^-?\d+$/.test(text.trim())) field.set(Number(text.trim()));
    else field.set(text);
  };
  return (
    <FieldFrame label={label} description={description} constraintText={constraintText} field={field}>
      <Input
        value={value}
        onChange={({ detail }) => onChange(detail.value)}
        placeholder={placeholder}
        invalid={field.errorText !== undefined}
        inputMode={numeric ? "numeric" : undefined}
        disabled={disabled}
        autoComplete={false}
        spellcheck={false}
      />
    </FieldFrame>
  );
}

interface SelectFieldProps {
  path: Path;
  label: string;
  description?: ReactNode;
  options: SelectProps.Option[];
  /** Value used when the key is absent (the schema default). */
  defaultValue?: string;
  allowUnset?: boolean;
}

export function SelectField({ path, label, description, options, defaultValue, allowUnset }: SelectFieldProps) {
  const field = useField(path);
  const current = typeof field.value === "string" ? field.value : defaultValue;
  const all = allowUnset ? [{ value: "", label: "(not set)" }, ...options] : options;
  const selected = all.find((option) => option.value === (current ?? "")) ?? null;
  return (
    <FieldFrame label={label} description={description} field={field}>
      <Select
        selectedOption={selected}
        options={all}
        onChange={({ detail }) => field.set(detail.selectedOption.value ? detail.selectedOption.value : undefined)}
        invalid={field.errorText !== undefined}
      />
    </FieldFrame>
  );
}

interface JsonFieldProps {
  path: Path;
  label: string;
  description?: ReactNode;
  shape: JsonShape;
  rows?: number;
  /** How the stored value is shown (e.g. without null members). */
  view?: (value: JsonValue | undefined) => JsonValue | undefined;
  testId?: string;
  hints?: string[];
}

export function JsonField({ path, label, description, shape, rows, view, testId, hints }: JsonFieldProps) {
  const field = useField(path);
  const { dispatch } = useEditor();
  const onParseError = useCallback(
    (message: string | null) => dispatch({ type: "parseError", path, message }),
    [dispatch, field.key],
  );
  const shown = view ? view(field.value) : field.value;
  return (
    <FieldFrame label={label} description={description} field={field} showBase={false} warnings={hints}>
      <JsonEditor
        value={shown}
        shape={shape}
        onChange={(value) => field.set(value)}
        onParseError={onParseError}
        rows={rows}
        invalid={field.errorText !== undefined}
        errors={field.errorText ? [field.errorText] : []}
        hints={hints}
        ariaLabel={label}
        testId={testId}
      />
    </FieldFrame>
  );
}

interface TextAreaFieldProps {
  path: Path;
  label: string;
  description?: ReactNode;
  placeholder?: string;
  rows?: number;
  testId?: string;
}

/** A Jinja template (the chat template): a CodeField whose syntax error is annotated and blocks Save. */
export function TemplateField({ path, label, description, rows, testId }: TextAreaFieldProps) {
  const field = useField(path);
  const value = typeof field.value === "string" ? field.value : "";
  return (
    <FieldFrame label={label} description={description} field={field} showBase={false}>
      <CodeField
        value={value}
        onChange={(text) => field.set(text === "" ? undefined : text)}
        language="jinja"
        rows={rows ?? 8}
        invalid={field.errorText !== undefined}
        ariaLabel={label}
        annotations={field.errorText ? [{ line: 1, text: field.errorText, type: "error" }] : []}
        testId={testId}
      />
    </FieldFrame>
  );
}
