/**
 * A model: tabs Configuration (the editor beside the test panel), Versions (history, diff, restore) and Activity (its
 * audit records). The tab is in the URL. Unsaved edits are kept per model across reloads, with a banner to discard
 * them, and leaving the model with unsaved edits asks first.
 */
import Alert from "@cloudscape-design/components/alert";
import Button from "@cloudscape-design/components/button";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Spinner from "@cloudscape-design/components/spinner";
import Tabs from "@cloudscape-design/components/tabs";
import { useEffect, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { AuditTable } from "../components/AuditTable";
import { ErrorAlert } from "../components/ErrorAlert";
import { formatTime } from "../components/format";
import { Workbench } from "../components/editor/Workbench";
import { clearDraft, readDraft, writeDraft, type StoredDraft } from "../model-editor/drafts";
import { deepEqual } from "../model-editor/json";
import { isModelTab, paths, type ModelTab } from "../shell/routes";
import { useSession } from "../shell/session";
import { UnsavedChangesGuard } from "../shell/unsavedGuard";
import { useAuditPages } from "./useAuditPages";
import { useModelEditor } from "./useModelEditor";
import { VersionsTab } from "./VersionsTab";

function ActivityTab({ modelId }: { modelId: string }) {
  const { api } = useSession();
  const audit = useAuditPages(api, { model_id: modelId });
  return (
    <SpaceBetween size="m">
      {audit.error && <ErrorAlert error={audit.error} header="Could not load the activity" />}
      <AuditTable
        testId="activity-table"
        records={audit.records}
        loading={audit.loading}
        page={audit.page}
        onPage={audit.goTo}
        showModel={false}
        header={
          <Header
            variant="h2"
            description="Invokes with an override, validations, saves, restores and deletes of this model, newest first."
            actions={<Button iconName="refresh" ariaLabel="Reload the activity" onClick={audit.reload} />}
          >
            Activity
          </Header>
        }
      />
    </SpaceBetween>
  );
}

export default function ModelDetailPage() {
  const { modelId = "", tab: tabParam } = useParams();
  const tab: ModelTab = isModelTab(tabParam) ? tabParam : "configuration";
  const { api, region, models } = useSession();
  const navigate = useNavigate();
  const summary = models.find((model) => model.id === modelId) ?? null;
  const editor = useModelEditor(api, region);
  const { state, dispatch } = editor.context;
  const [restored, setRestored] = useState<StoredDraft | null>(null);
  const draftChecked = useRef(false);
  const bypass = useRef(false);
  const loaded = state.baseId === modelId && !editor.baseLoading && state.base !== null;
  const currentVersion = state.saveTarget?.id === modelId ? state.saveTarget.version : null;
  const predefined = loaded && state.saveTarget === null;

  useEffect(() => {
    editor.activate(modelId);
    // activate runs once per page (the page remounts for another model, see the route key)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Once the model is loaded: bring back the edits kept from an earlier visit, if any.
  useEffect(() => {
    if (!loaded || draftChecked.current) return;
    draftChecked.current = true;
    const stored = readDraft(modelId);
    if (stored && state.base && !deepEqual(stored.draft, state.base)) {
      dispatch({ type: "restoreDraft", draft: stored.draft });
      setRestored(stored);
    } else if (stored) {
      clearDraft(modelId);
    }
  }, [loaded, modelId, state.base, dispatch]);

  // Keep the draft while it differs from the stored model; forget it when it does not.
  useEffect(() => {
    if (!draftChecked.current) return;
    if (editor.dirty) writeDraft(modelId, { draft: state.draft, baseVersion: currentVersion });
    else clearDraft(modelId);
  }, [editor.dirty, state.draft, modelId, currentVersion]);

  const discard = () => {
    if (state.base) dispatch({ type: "restoreDraft", draft: state.base });
    clearDraft(modelId);
    setRestored(null);
  };

  const leave = (to: string) => {
    bypass.current = true;
    navigate(to);
  };

  const title = typeof state.base?.name === "string" ? state.base.name : (summary?.name ?? modelId);
  const description = predefined
    ? `${modelId} · predefined model (deployed with the app)`
    : currentVersion !== null
      ? `${modelId} · version ${currentVersion}${summary?.updated_by ? ` · updated by ${summary.updated_by}` : ""}${
          summary?.updated_at ? ` on ${formatTime(summary.updated_at)}` : ""
        }`
      : modelId;

  const banner = (
    <>
      {restored && (
        <Alert
          type="info"
          header="Unsaved changes restored"
          data-testid="draft-restored"
          action={<Button onClick={discard}>Discard changes</Button>}
        >
          Your edits from {formatTime(restored.savedAt)} were kept in this browser and are shown below. Save them, or discard them
          to go back to the stored model.
          {restored.baseVersion !== null && currentVersion !== null && restored.baseVersion !== currentVersion
            ? ` They were made on version ${restored.baseVersion}; the model is now version ${currentVersion}: review them before you save.`
            : ""}
        </Alert>
      )}
      {predefined && (
        <Alert type="info" data-testid="predefined-notice">
          A predefined model comes with the deployment and cannot be changed here. Edit and test freely (your edits are sent as
          a runtime override); to keep them, save them under a new model id.
        </Alert>
      )}
    </>
  );

  return (
    <ContentLayout header={<Header variant="h1" description={description}>{title}</Header>}>
      <UnsavedChangesGuard dirty={editor.dirty} scope={`/models/${encodeURIComponent(modelId)}/`} onDiscard={() => clearDraft(modelId)} bypass={bypass} />
      {editor.loadError && editor.loadError.error === "not_found" ? (
        <ErrorAlert error={editor.loadError} header={`No model "${modelId}"`} />
      ) : (
        <Tabs
          activeTabId={tab}
          onChange={({ detail }) => navigate(paths.model(modelId, detail.activeTabId as ModelTab))}
          ariaLabel="Model views"
          tabs={[
            {
              id: "configuration",
              label: "Configuration",
              content: (
                <>
                  {editor.loadError && <ErrorAlert error={editor.loadError} header="Could not load the model" />}
                  {!loaded && !editor.loadError ? (
                    <Spinner size="large" />
                  ) : loaded ? (
                    <Workbench
                      editor={editor}
                      mode={predefined ? "predefined" : "update"}
                      reference={{
                        modelId,
                        label: predefined ? "The model as deployed" : `Saved version (v${currentVersion ?? "?"})`,
                      }}
                      banner={banner}
                      onSaved={(id) => {
                        clearDraft(modelId);
                        setRestored(null);
                        if (id !== modelId) leave(paths.model(id));
                      }}
                      onDeleted={() => {
                        clearDraft(modelId);
                        leave(paths.models());
                      }}
                    />
                  ) : null}
                </>
              ),
            },
            {
              id: "versions",
              label: "Versions",
              content: (
                <VersionsTab
                  modelId={modelId}
                  dirty={editor.dirty}
                  onRestored={() => {
                    clearDraft(modelId);
                    setRestored(null);
                    void editor.selectBase(modelId);
                  }}
                />
              ),
            },
            { id: "activity", label: "Activity", content: <ActivityTab modelId={modelId} /> },
          ]}
        />
      )}
    </ContentLayout>
  );
}
