/**
 * A code control for JSON and Jinja: Cloudscape CodeEditor (line numbers, Ace loaded on demand) with the field's
 * errors set as gutter annotations at their line, or a textarea (unit tests). The caller owns the text.
 */
import CodeEditor, { type CodeEditorProps } from "@cloudscape-design/components/code-editor";
import Textarea from "@cloudscape-design/components/textarea";
import { useEffect, useRef, useState } from "react";
import { loadAce } from "./aceLoader";
import { codeEngine } from "./engine";

export interface CodeAnnotation {
  /** 1-based line. */
  line: number;
  column?: number;
  text: string;
  type: "error" | "warning";
}

export interface CodeFieldProps {
  value: string;
  onChange: (text: string) => void;
  language: "json" | "jinja";
  ariaLabel: string;
  controlId?: string;
  annotations?: CodeAnnotation[];
  invalid?: boolean;
  rows?: number;
  testId?: string;
}

const LINE_HEIGHT_PX = 18;
const THEMES = { light: ["dawn"], dark: ["tomorrow_night_bright"] };

type AceModule = Awaited<ReturnType<typeof loadAce>>;
interface AceElement extends HTMLElement {
  env?: { editor?: { session: { setAnnotations: (annotations: object[]) => void } } };
}

function useAce(enabled: boolean) {
  const [ace, setAce] = useState<AceModule | null>(null);
  const [failed, setFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    let current = true;
    loadAce()
      .then((module) => current && setAce(module))
      .catch(() => current && setFailed(true));
    return () => {
      current = false;
    };
  }, [enabled, attempt]);
  return { ace, failed, retry: () => (setFailed(false), setAttempt((n) => n + 1)) };
}

export function CodeField(props: CodeFieldProps) {
  const useEditor = codeEngine() === "ace";
  const { ace, failed, retry } = useAce(useEditor);
  const [preferences, setPreferences] = useState<CodeEditorProps.Preferences | undefined>(undefined);
  const [height, setHeight] = useState((props.rows ?? 8) * LINE_HEIGHT_PX);
  const box = useRef<HTMLDivElement>(null);
  const annotations = props.annotations ?? [];
  const annotationKey = JSON.stringify(annotations);

  // Cloudscape shows the session's annotations (gutter icons, the status bar's error count and pane).
  useEffect(() => {
    if (!ace) return;
    const element = box.current?.querySelector<AceElement>(".ace_editor");
    element?.env?.editor?.session.setAnnotations(
      annotations.map((a) => ({ row: a.line - 1, column: (a.column ?? 1) - 1, text: a.text, type: a.type })),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ace, annotationKey, props.value]);

  if (!useEditor) {
    return (
      <Textarea
        value={props.value}
        onChange={({ detail }) => props.onChange(detail.value)}
        rows={props.rows ?? 8}
        invalid={props.invalid}
        ariaLabel={props.ariaLabel}
        controlId={props.controlId}
        spellcheck={false}
        data-testid={props.testId}
      />
    );
  }
  return (
    <div ref={box} data-testid={props.testId} className="ms-code-field">
      <CodeEditor
        ace={ace}
        loading={!ace && !failed}
        value={props.value}
        language={props.language === "jinja" ? "django" : "json"}
        languageLabel={props.language === "jinja" ? "Jinja" : "JSON"}
        onDelayedChange={({ detail }) => {
          if (detail.value !== props.value) props.onChange(detail.value);
        }}
        preferences={preferences}
        onPreferencesChange={({ detail }) => setPreferences(detail)}
        onRecoveryClick={retry}
        themes={THEMES}
        editorContentHeight={height}
        onEditorContentResize={({ detail }) => setHeight(detail.height)}
        ariaLabel={props.ariaLabel}
        controlId={props.controlId}
        i18nStrings={{
          loadingState: "Loading the code editor",
          errorState: "The code editor could not be loaded.",
          errorStateRecovery: "Retry",
        }}
      />
    </div>
  );
}
