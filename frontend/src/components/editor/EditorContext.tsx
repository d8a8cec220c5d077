import { createContext, useContext, type Dispatch } from "react";
import type { EditorAction, EditorState } from "../../model-editor/editorState";

export interface EditorContextValue {
  state: EditorState;
  dispatch: Dispatch<EditorAction>;
  /** Errors per field key (Ajv, local rules, the API's last answer, JSON parse errors). */
  fieldErrors: Record<string, string[]>;
  /** Leaf paths the override changes relative to the base model. */
  changed: readonly string[];
  touched: ReadonlySet<string>;
  touch: (key: string) => void;
  showAllErrors: boolean;
}

export const EditorContext = createContext<EditorContextValue | null>(null);

export function useEditor(): EditorContextValue {
  const value = useContext(EditorContext);
  if (value === null) throw new Error("useEditor must be used inside <EditorContext.Provider>");
  return value;
}
