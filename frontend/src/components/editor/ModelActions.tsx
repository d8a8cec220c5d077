/** Save (with optimistic locking and conflict handling), delete, export / import, copy. */
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import CopyToClipboard from "@cloudscape-design/components/copy-to-clipboard";
import Modal from "@cloudscape-design/components/modal";
import SpaceBetween from "@cloudscape-design/components/space-between";
import { useRef, useState } from "react";
import { ApiError, toErrorBody } from "../../api/errors";
import type { ErrorBody, ModelConfig } from "../../api/types";
import { normalizeConfig, saveRequestFor } from "../../model-editor/editorState";
import { exportFileName, exportText, parseImportedConfig } from "../../model-editor/exportImport";
import type { FieldError } from "../../model-editor/paths";
import { useFlash } from "../../shell/flash";
import { useSession } from "../../shell/session";
import { ErrorAlert } from "../ErrorAlert";
import { useEditor } from "./EditorContext";

/** ``create``: a new model (Create model); ``update``: a saved model; ``predefined``: saving needs a new id. */
export type SaveMode = "create" | "update" | "predefined";

export interface ModelActionsProps {
  mode: SaveMode;
  /** The draft once it can be saved (valid, nothing loading); null disables Save and shows ``blockedReason``. */
  validConfig: ModelConfig | null;
  blockedReason: string | null;
  /** Why the id cannot be used for a new model (collision), checked before Save. */
  idProblem: string | null;
  onServerErrors: (errors: FieldError[]) => void;
  onSaved: (id: string, version: number) => void;
  onDeleted?: () => void;
}

type Notice = { type: "error"; error: ErrorBody };

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

export function ModelActions({ mode, validConfig, blockedReason, idProblem, onServerErrors, onSaved, onDeleted }: ModelActionsProps) {
  const { state, dispatch } = useEditor();
  const { api, models, reloadModels } = useSession();
  const flash = useFlash();
  const onModelsChanged = async () => {
    await reloadModels().catch(() => undefined);
  };
  const [busy, setBusy] = useState<"save" | "delete" | "reload" | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [conflict, setConflict] = useState<{ id: string; currentVersion: number | null } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const draftId = typeof state.draft.id === "string" ? state.draft.id : "";

  const fail = (error: unknown) => {
    const body = toErrorBody(error);
    setNotice({ type: "error", error: body });
    if (body.details?.length) onServerErrors(body.details.map(({ path, message }) => ({ path, message })));
  };

  const save = async (config: ModelConfig) => {
    const { id, body } = saveRequestFor(state, config);
    if (idProblem) {
      onServerErrors([{ path: "id", message: idProblem }]);
      setNotice({ type: "error", error: { error: "conflict", message: idProblem } });
      return;
    }
    if (models.some((model) => model.id === id && model.source === "predefined")) {
      onServerErrors([{ path: "id", message: "belongs to a predefined model; choose another id to save" }]);
      setNotice({ type: "error", error: { error: "conflict", message: `"${id}" is a predefined model: choose another id.` } });
      return;
    }
    setBusy("save");
    setNotice(null);
    try {
      const saved = await api.saveModel(id, body);
      dispatch({ type: "saved", id: saved.id, version: saved.version });
      flash.push({ type: "success", content: `Saved model "${saved.id}" (version ${saved.version}).`, id: `saved-${saved.id}` });
      await onModelsChanged();
      onSaved(saved.id, saved.version);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        setConflict({ id, currentVersion: typeof error.body.current_version === "number" ? error.body.current_version : null });
      } else {
        fail(error);
      }
    } finally {
      setBusy(null);
    }
  };

  const resolveConflict = async (keepChanges: boolean) => {
    if (!conflict) return;
    setBusy("reload");
    try {
      const latest = await api.getModel(conflict.id);
      if (latest.source !== "saved" || latest.version === null) {
        onServerErrors([{ path: "id", message: "belongs to a predefined model; choose another id to save" }]);
        setNotice({ type: "error", error: { error: "conflict", message: `"${conflict.id}" is a predefined model: choose another id.` } });
      } else {
        dispatch({
          type: "rebase",
          id: conflict.id,
          config: latest.config,
          version: latest.version,
          keepChanges,
          originBaseId: latest.base_model_id ?? null,
        });
        flash.push({
          type: "info",
          id: `rebased-${conflict.id}`,
          content: keepChanges
            ? `Your changes were applied on top of version ${latest.version}. Review them and save again.`
            : `Reloaded version ${latest.version}; your changes were discarded.`,
        });
      }
      setConflict(null);
    } catch (error) {
      setConflict(null);
      fail(error);
    } finally {
      setBusy(null);
    }
  };

  const remove = async () => {
    const target = state.saveTarget;
    if (!target) return;
    setBusy("delete");
    try {
      await api.deleteModel(target.id, target.version);
      setConfirmDelete(false);
      flash.push({ type: "success", content: `Deleted model "${target.id}".`, id: `deleted-${target.id}` });
      await onModelsChanged();
      onDeleted?.();
    } catch (error) {
      setConfirmDelete(false);
      if (error instanceof ApiError && error.status === 409) {
        setConflict({ id: target.id, currentVersion: error.body.current_version ?? null });
      } else {
        fail(error);
      }
    } finally {
      setBusy(null);
    }
  };

  const importFile = async (file: File | undefined) => {
    if (!file) return;
    const parsed = parseImportedConfig(await file.text());
    if ("error" in parsed) {
      setNotice({ type: "error", error: { error: "import_failed", message: parsed.error } });
    } else {
      if (state.base !== null) {
        // On a model's page the file replaces the draft: the changes from the model are then reviewed and saved.
        dispatch({ type: "restoreDraft", draft: normalizeConfig(parsed.config) });
        flash.push({ type: "info", content: `Imported ${file.name} into the editor: review the changes, then save.` });
      } else {
        dispatch({ type: "import", config: parsed.config });
        flash.push({ type: "info", content: `Imported ${file.name} as a new config (no base model).` });
      }
    }
    if (fileInput.current) fileInput.current.value = "";
  };

  const label = mode === "create" ? "Create model" : state.saveTarget && state.saveTarget.id === draftId ? "Update model" : "Save model";

  return (
    <SpaceBetween size="s">
      <SpaceBetween size="xs" direction="horizontal">
        <Button
          variant="primary"
          onClick={() => {
            if (validConfig) void save(validConfig);
          }}
          loading={busy === "save"}
          disabled={!validConfig || idProblem !== null}
        >
          {label}
        </Button>
        {mode === "update" && state.saveTarget && (
          <Button onClick={() => setConfirmDelete(true)} disabled={busy !== null}>
            Delete model
          </Button>
        )}
        <Button onClick={() => download(exportFileName(state.draft), exportText(state.draft))} iconName="download">
          Export JSON
        </Button>
        <Button onClick={() => fileInput.current?.click()} iconName="upload">
          Import JSON
        </Button>
        <input
          ref={fileInput}
          type="file"
          accept="application/json,.json"
          aria-label="Import model config file"
          data-testid="import-file-input"
          hidden
          onChange={(event) => void importFile(event.target.files?.[0])}
        />
        <CopyToClipboard
          variant="button"
          textToCopy={exportText(state.draft)}
          copyButtonText="Copy config"
          copySuccessText="Config copied"
          copyErrorText="Could not copy the config"
        />
      </SpaceBetween>
      {!validConfig && blockedReason && (
        <Box color="text-status-error" data-testid="save-blocked-reason">
          {blockedReason}
        </Box>
      )}
      {validConfig && idProblem && (
        <Box color="text-status-error" data-testid="save-blocked-reason">
          {idProblem}
        </Box>
      )}
      {notice?.type === "error" && <ErrorAlert error={notice.error} />}
      <Modal
        visible={conflict !== null}
        onDismiss={() => setConflict(null)}
        header="The model changed since you loaded it"
        data-testid="conflict-modal"
        footer={
          <Box float="right">
            <SpaceBetween size="xs" direction="horizontal">
              <Button variant="link" onClick={() => setConflict(null)}>
                Cancel
              </Button>
              <Button onClick={() => void resolveConflict(false)} loading={busy === "reload"}>
                Reload latest
              </Button>
              <Button variant="primary" onClick={() => void resolveConflict(true)} loading={busy === "reload"}>
                Merge my changes
              </Button>
            </SpaceBetween>
          </Box>
        }
      >
        Someone saved &quot;{conflict?.id}&quot;
        {conflict?.currentVersion !== null && conflict?.currentVersion !== undefined ? ` (now version ${conflict.currentVersion})` : ""}{" "}
        after you loaded it. <strong>Reload latest</strong> discards your edits; <strong>Merge my changes</strong> applies
        your edits on top of the latest version so you can review them and save again.
      </Modal>
      <Modal
        visible={confirmDelete}
        onDismiss={() => setConfirmDelete(false)}
        header="Delete model"
        data-testid="delete-modal"
        footer={
          <Box float="right">
            <SpaceBetween size="xs" direction="horizontal">
              <Button variant="link" onClick={() => setConfirmDelete(false)}>
                Cancel
              </Button>
              <Button variant="primary" onClick={() => void remove()} loading={busy === "delete"}>
                Delete
              </Button>
            </SpaceBetween>
          </Box>
        }
      >
        Delete &quot;{state.saveTarget?.id}&quot;? It disappears from the model list for every user.
      </Modal>
    </SpaceBetween>
  );
}
