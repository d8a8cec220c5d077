/**
 * Edit beside test: the editor on the left, the test panel on the right (sticky, so a field can be changed and the
 * request re-run without scrolling), with a Compare tab that sends one prompt to two configs. One column when narrow.
 */
import Tabs from "@cloudscape-design/components/tabs";
import { useMemo, useState, type ReactNode } from "react";
import { getIn } from "../../model-editor/editorState";
import { tryOutputPath } from "../../model-editor/editorValidation";
import { supportsStreaming } from "../../model-editor/modelConfig";
import type { ModelEditorController } from "../../pages/useModelEditor";
import { useSession } from "../../shell/session";
import { ComparePanel, type CompareOption } from "../ComparePanel";
import { TestPanel } from "../TestPanel";
import { EditorContext } from "./EditorContext";
import ModelEditor from "./ModelEditor";
import type { SaveMode } from "./ModelActions";

export interface WorkbenchProps {
  editor: ModelEditorController;
  mode: SaveMode;
  /** The stored model the draft is compared with ("Saved version (v3)"), or null for a new model. */
  reference: { modelId: string; label: string } | null;
  banner?: ReactNode;
  idProblem?: string | null;
  onSaved: (id: string, version: number) => void;
  onDeleted?: () => void;
}

export function Workbench({ editor, mode, reference, banner, idProblem, onSaved, onDeleted }: WorkbenchProps) {
  const { api, me, models } = useSession();
  const [tab, setTab] = useState("test");
  const { state, dispatch } = editor.context;
  const outputPath = getIn(state.draft, ["content_handler", "output_path"]);

  const compareOptions = useMemo<CompareOption[]>(() => {
    const draft: CompareOption = {
      value: "draft",
      label: "This draft",
      description: "The config as edited, not saved",
      target: editor.target,
      blockedReason: editor.blockedReason,
    };
    const saved: CompareOption[] = reference
      ? [{ value: `model:${reference.modelId}`, label: reference.label, target: { kind: "model", modelId: reference.modelId } }]
      : [];
    const others = models
      .filter((model) => model.id !== reference?.modelId)
      .map<CompareOption>((model) => ({
        value: `model:${model.id}`,
        label: model.name,
        description: model.id,
        target: { kind: "model", modelId: model.id },
      }));
    return [...saved, draft, ...others];
  }, [editor.target, editor.blockedReason, reference, models]);
  const initialA = reference ? `model:${reference.modelId}` : (compareOptions.find((o) => o.value !== "draft")?.value ?? "draft");

  return (
    <div className={tab === "compare" ? "ms-workbench ms-workbench--compare" : "ms-workbench"}>
      <div className="ms-workbench-editor">
        <EditorContext.Provider value={editor.context}>
          <ModelEditor
            mode={mode}
            problems={editor.problems}
            onShowAllErrors={editor.showAllErrors}
            validConfig={editor.validConfig}
            blockedReason={editor.blockedReason}
            onServerErrors={editor.setServerErrors}
            onSaved={onSaved}
            onDeleted={onDeleted}
            banner={banner}
            idProblem={idProblem}
          />
        </EditorContext.Provider>
      </div>
      <section className="ms-workbench-test" aria-label="Test the draft" data-testid="workbench-test">
        <Tabs
          activeTabId={tab}
          onChange={({ detail }) => setTab(detail.activeTabId)}
          ariaLabel="Test or compare"
          tabs={[
            {
              id: "test",
              label: "Test",
              content: (
                <TestPanel
                  api={api}
                  me={me}
                  target={editor.target}
                  blockedReason={editor.blockedReason}
                  streamingSupported={supportsStreaming(state.draft)}
                  onServerErrors={editor.setServerErrors}
                  outputPath={typeof outputPath === "string" ? outputPath : ""}
                  onUseOutputPath={(path) => dispatch({ type: "set", path: ["content_handler", "output_path"], value: path })}
                  tryOutputPath={tryOutputPath}
                />
              ),
            },
            {
              id: "compare",
              label: "Compare",
              content: <ComparePanel api={api} me={me} options={compareOptions} initial={{ a: initialA, b: "draft" }} />,
            },
          ]}
        />
      </section>
    </div>
  );
}
